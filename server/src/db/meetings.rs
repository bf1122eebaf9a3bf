//! Meetings: planning, moving, the status (held, cancelled, client absent), the agenda, the
//! reports still to write. What a status change does is `shared::visit::effects`.

use async_trait::async_trait;
use chrono::{DateTime, NaiveDate, Utc};
use shared::record::{display_name, ContactKind, MeetingPlace};
use shared::visit::effects::{self as fx, Held, MeetingFacts};
use shared::visit::{EventKind, Meeting, MeetingInput, MeetingStatus, MeetingStatusChange};
use uuid::Uuid;

use tournee_store_macros::engine_bounds;

use super::builder::Sql;
use super::engine::{map_unique, SqlStore};
use super::{Actor, Scope, StoreError, StoreResult};
use crate::time::AgencyTime;
use shared::visit::effects::when_fr;

/// Which meetings an agenda shows: those starting in `[from, to)`, one advisor's and/or one
/// record's.
#[derive(Debug, Clone, PartialEq)]
pub struct MeetingFilter {
    pub owner: Option<Uuid>,
    pub contact: Option<Uuid>,
    pub from: DateTime<Utc>,
    pub to: DateTime<Utc>,
    pub include_cancelled: bool,
}

impl MeetingFilter {
    /// One advisor's (or, with `None`, everyone's visible) meetings on the agency's days
    /// `from` to `to`, both included; cancelled ones left out.
    pub fn days(owner: Option<Uuid>, from: NaiveDate, to: NaiveDate, time: &AgencyTime) -> MeetingFilter {
        MeetingFilter {
            owner,
            contact: None,
            from: time.day_start(from),
            to: time.day_start(to + chrono::Duration::days(1)),
            include_cancelled: false,
        }
    }
}

/// Columns of a meeting with its record and advisor.
pub const MEETING_SELECT: &str = "SELECT m.id, m.contact_id, c.kind AS contact_kind, c.first_name, c.last_name, \
     c.company_name, c.phone_mobile, c.phone_landline, c.lat, c.lon, c.owner_id AS contact_owner_id, m.owner_id, \
     u.display_name AS owner_name, m.starts_at, m.duration_min, m.place, m.address, m.subject, m.notes, m.status, \
     m.status_reason, EXISTS (SELECT 1 FROM visit_reports r WHERE r.meeting_id = m.id) AS has_report, \
     m.created_at, m.updated_at, m.seq \
     FROM meetings m JOIN contacts c ON c.id = m.contact_id JOIN users u ON u.id = m.owner_id";

#[derive(Debug, sqlx::FromRow)]
pub struct MeetingRow {
    pub id: Uuid,
    pub contact_id: Uuid,
    pub contact_kind: String,
    pub first_name: String,
    pub last_name: String,
    pub company_name: String,
    pub phone_mobile: String,
    pub phone_landline: String,
    pub lat: Option<f64>,
    pub lon: Option<f64>,
    pub contact_owner_id: Uuid,
    pub owner_id: Uuid,
    pub owner_name: String,
    pub starts_at: DateTime<Utc>,
    pub duration_min: i64,
    pub place: String,
    pub address: String,
    pub subject: String,
    pub notes: String,
    pub status: String,
    pub status_reason: Option<String>,
    pub has_report: bool,
    pub created_at: DateTime<Utc>,
    pub updated_at: DateTime<Utc>,
    pub seq: i64,
}

impl MeetingRow {
    pub fn status(&self) -> StoreResult<MeetingStatus> {
        MeetingStatus::parse(&self.status)
            .ok_or_else(|| StoreError::Corrupt(format!("meeting status {:?}", self.status)))
    }

    pub fn contact_name(&self) -> String {
        let kind = ContactKind::parse(&self.contact_kind).unwrap_or_default();
        display_name(kind, &self.first_name, &self.last_name, &self.company_name)
    }

    /// What the shared rules need to know of the meeting.
    pub fn facts(&self, time: &AgencyTime) -> StoreResult<MeetingFacts> {
        Ok(MeetingFacts {
            id: self.id,
            contact_id: self.contact_id,
            owner_id: self.owner_id,
            contact_owner_id: self.contact_owner_id,
            status: self.status()?,
            starts_at: self.starts_at,
            local_start: time.local(self.starts_at),
            subject: self.subject.clone(),
            has_report: self.has_report,
        })
    }

    pub fn into_meeting(self, time: &AgencyTime) -> StoreResult<Meeting> {
        let status = self.status()?;
        let place = match self.place.as_str() {
            "agency" => MeetingPlace::Agency,
            "client" => MeetingPlace::Client,
            "town" => MeetingPlace::Town,
            other => return Err(StoreError::Corrupt(format!("meeting place {other:?}"))),
        };
        Ok(Meeting {
            contact_name: self.contact_name(),
            contact_phone: if self.phone_mobile.is_empty() {
                self.phone_landline
            } else {
                self.phone_mobile
            },
            id: self.id,
            contact_id: self.contact_id,
            owner_id: self.owner_id,
            owner_name: self.owner_name,
            local_start: time.local(self.starts_at),
            starts_at: self.starts_at,
            duration_min: u16::try_from(self.duration_min).unwrap_or(60),
            place,
            address: self.address,
            lat: self.lat,
            lon: self.lon,
            subject: self.subject,
            notes: self.notes,
            status,
            status_reason: self.status_reason,
            has_report: self.has_report,
            created_at: self.created_at,
            updated_at: self.updated_at,
            seq: self.seq,
        })
    }
}

/// Meetings.
#[async_trait]
pub trait MeetingStore: Send + Sync {
    // Meetings.
    async fn create_meeting(
        &self,
        actor: &Actor,
        id: Uuid,
        input: &MeetingInput,
        time: &AgencyTime,
        now: DateTime<Utc>,
    ) -> StoreResult<Meeting>;
    /// New time, duration, place or subject of a planned meeting.
    async fn update_meeting(
        &self,
        actor: &Actor,
        id: Uuid,
        input: &MeetingInput,
        time: &AgencyTime,
        now: DateTime<Utc>,
    ) -> StoreResult<Meeting>;
    async fn set_meeting_status(
        &self,
        actor: &Actor,
        id: Uuid,
        change: &MeetingStatusChange,
        time: &AgencyTime,
        now: DateTime<Utc>,
    ) -> StoreResult<Meeting>;
    async fn meeting(&self, actor: &Actor, id: Uuid, time: &AgencyTime) -> StoreResult<Meeting>;
    /// Meetings starting in `[from, to)`, by start time: one advisor's, or one record's.
    async fn meetings_between(
        &self,
        actor: &Actor,
        filter: &MeetingFilter,
        time: &AgencyTime,
    ) -> StoreResult<Vec<Meeting>>;
    /// The actor's held meetings since `since` that have no report yet.
    async fn reports_missing(
        &self,
        actor: &Actor,
        since: DateTime<Utc>,
        time: &AgencyTime,
    ) -> StoreResult<Vec<Meeting>>;
}

#[engine_bounds]
impl<E> SqlStore<E> {
    /// The meeting if the actor may see it: theirs, or on a record they see.
    pub(crate) async fn meeting_row(
        tx: &mut E::Connection,
        scope: impl Into<Scope>,
        id: Uuid,
    ) -> StoreResult<MeetingRow> {
        let mut qb = Sql::<E>::new(MEETING_SELECT);
        qb.push(" WHERE m.id = ").push_bind(id);
        Self::push_meeting_scope(&mut qb, scope.into());
        qb.fetch_optional(&mut *tx).await?.ok_or(StoreError::NotFound)
    }

    /// The meetings in the scope: the advisor's own, those of records they own or share.
    pub(crate) fn push_meeting_scope(qb: &mut Sql<E>, scope: Scope) {
        qb.push(" AND m.agency_id = ")
            .push_bind(scope.agency_id)
            .push(" AND m.deleted_at IS NULL AND c.deleted_at IS NULL");
        if !scope.whole_agency {
            qb.push(" AND (m.owner_id = ")
                .push_bind(scope.user_id)
                .push(" OR c.owner_id = ")
                .push_bind(scope.user_id)
                .push(" OR EXISTS (SELECT 1 FROM contact_shares s WHERE s.contact_id = c.id AND s.user_id = ")
                .push_bind(scope.user_id)
                .push("))");
        }
    }

    pub(crate) fn may_edit_meeting(actor: &Actor, m: &MeetingRow) -> bool {
        actor.sees_whole_agency() || m.owner_id == actor.user_id || m.contact_owner_id == actor.user_id
    }

    /// Writes a meeting held (`fx::hold`): its status, the record's dates, the history.
    pub(crate) async fn write_held(
        &self,
        tx: &mut E::Connection,
        actor: &Actor,
        m: &MeetingRow,
        held: &Held,
        now: DateTime<Utc>,
    ) -> StoreResult<()> {
        let seq = self.next_seq_as(tx, actor, 1).await?;
        sqlx::query("UPDATE meetings SET status = 'held', status_reason = NULL, updated_at = $3, updated_by = $4, seq = $5 WHERE id = $1 AND agency_id = $2")
            .bind(m.id)
            .bind(actor.agency_id)
            .bind(now)
            .bind(actor.user_id)
            .bind(seq)
            .execute(&mut *tx)
            .await?;
        self.touch_contact(tx, actor, m.contact_id, held.touch, now).await?;
        Self::insert_new_event(tx, actor.agency_id, &held.event).await?;
        Ok(())
    }
}

#[engine_bounds]
#[async_trait]
impl<E> MeetingStore for SqlStore<E> {
    async fn create_meeting(
        &self,
        actor: &Actor,
        id: Uuid,
        input: &MeetingInput,
        time: &AgencyTime,
        now: DateTime<Utc>,
    ) -> StoreResult<Meeting> {
        let starts_at = time.instant(input.starts_at).map_err(|message| StoreError::Invalid {
            field: "starts_at".into(),
            message,
        })?;
        let mut tx = self.begin().await?;
        let seq = self.next_seq_as(&mut tx, actor, 1).await?;
        let contact = Self::named_record(&mut tx, actor, input.contact_id).await?;
        let owner_id = input.owner_id.unwrap_or(actor.user_id);
        if owner_id != actor.user_id && !actor.sees_whole_agency() {
            return Err(StoreError::Forbidden("un conseiller planifie ses propres rendez-vous"));
        }
        self.check_owner(&mut tx, actor.agency_id, owner_id).await?;
        let address = if !input.address.is_empty() {
            input.address.clone()
        } else if input.place == MeetingPlace::Client {
            [
                contact.address_line.as_str(),
                &format!("{} {}", contact.postcode, contact.city),
            ]
            .iter()
            .map(|s| s.trim())
            .filter(|s| !s.is_empty())
            .collect::<Vec<_>>()
            .join(", ")
        } else {
            String::new()
        };
        sqlx::query(
            "INSERT INTO meetings (id, agency_id, contact_id, owner_id, starts_at, duration_min, place, address, subject, notes, status, \
             status_reason, created_at, created_by, updated_at, updated_by, seq, deleted_at) \
             VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, 'planned', NULL, $11, $12, $11, $12, $13, NULL)",
        )
        .bind(id)
        .bind(actor.agency_id)
        .bind(input.contact_id)
        .bind(owner_id)
        .bind(starts_at)
        .bind(i64::from(input.duration_min))
        .bind(input.place.as_str())
        .bind(&address)
        .bind(&input.subject)
        .bind(&input.notes)
        .bind(now)
        .bind(actor.user_id)
        .bind(seq)
        .execute(&mut *tx)
        .await
        .map_err(|e| map_unique(e, "un rendez-vous existe déjà avec cet identifiant"))?;
        Self::insert_event(
            &mut tx,
            actor.agency_id,
            input.contact_id,
            now,
            EventKind::Meeting,
            "RDV planifié",
            &format!("{} — {}", when_fr(input.starts_at), input.subject),
            Some(actor.user_id),
            Some(id),
        )
        .await?;
        let row = Self::meeting_row(&mut tx, Scope::agency(actor.agency_id), id).await?;
        tx.commit().await?;
        row.into_meeting(time)
    }

    async fn update_meeting(
        &self,
        actor: &Actor,
        id: Uuid,
        input: &MeetingInput,
        time: &AgencyTime,
        now: DateTime<Utc>,
    ) -> StoreResult<Meeting> {
        let starts_at = time.instant(input.starts_at).map_err(|message| StoreError::Invalid {
            field: "starts_at".into(),
            message,
        })?;
        let mut tx = self.begin().await?;
        let seq = self.next_seq_as(&mut tx, actor, 1).await?;
        let m = Self::meeting_row(&mut tx, actor, id).await?;
        if !Self::may_edit_meeting(actor, &m) {
            return Err(StoreError::Forbidden(
                "seuls le conseiller du rendez-vous, celui du dossier et le chef d'agence le modifient",
            ));
        }
        if let Some(expected) = input.expected_seq {
            if expected != m.seq {
                return Err(StoreError::Conflict(
                    "le rendez-vous a été modifié entre-temps : rechargez-le".into(),
                ));
            }
        }
        if input.contact_id != m.contact_id {
            return Err(StoreError::Invalid {
                field: "contact_id".into(),
                message: "un rendez-vous ne change pas de dossier".into(),
            });
        }
        if m.status()? != MeetingStatus::Planned {
            return Err(StoreError::Conflict("seul un rendez-vous planifié se déplace".into()));
        }
        let owner_id = input.owner_id.unwrap_or(m.owner_id);
        if owner_id != m.owner_id {
            if !actor.sees_whole_agency() {
                return Err(StoreError::Forbidden("seul le chef d'agence réattribue un rendez-vous"));
            }
            self.check_owner(&mut tx, actor.agency_id, owner_id).await?;
        }
        sqlx::query(
            "UPDATE meetings SET starts_at = $3, duration_min = $4, place = $5, address = $6, subject = $7, notes = $8, owner_id = $9, \
             updated_at = $10, updated_by = $11, seq = $12 WHERE id = $1 AND agency_id = $2",
        )
        .bind(id)
        .bind(actor.agency_id)
        .bind(starts_at)
        .bind(i64::from(input.duration_min))
        .bind(input.place.as_str())
        .bind(&input.address)
        .bind(&input.subject)
        .bind(&input.notes)
        .bind(owner_id)
        .bind(now)
        .bind(actor.user_id)
        .bind(seq)
        .execute(&mut *tx)
        .await?;
        if starts_at != m.starts_at {
            let detail = format!("{} → {}", when_fr(time.local(m.starts_at)), when_fr(input.starts_at));
            Self::insert_event(
                &mut tx,
                actor.agency_id,
                m.contact_id,
                now,
                EventKind::Meeting,
                "RDV déplacé",
                &detail,
                Some(actor.user_id),
                Some(id),
            )
            .await?;
        }
        let row = Self::meeting_row(&mut tx, Scope::agency(actor.agency_id), id).await?;
        tx.commit().await?;
        row.into_meeting(time)
    }

    async fn set_meeting_status(
        &self,
        actor: &Actor,
        id: Uuid,
        change: &MeetingStatusChange,
        time: &AgencyTime,
        now: DateTime<Utc>,
    ) -> StoreResult<Meeting> {
        let mut tx = self.begin().await?;
        let seq = self.next_seq_as(&mut tx, actor, 1).await?;
        let m = Self::meeting_row(&mut tx, actor, id).await?;
        let fx = fx::set_meeting_status(&m.facts(time)?, change, &actor.author(), time.day_of(now), now)?;
        if let Some(held) = &fx.held {
            self.write_held(&mut tx, actor, &m, held, now).await?;
        } else {
            sqlx::query("UPDATE meetings SET status = $3, status_reason = $4, updated_at = $5, updated_by = $6, seq = $7 WHERE id = $1 AND agency_id = $2")
                .bind(id)
                .bind(actor.agency_id)
                .bind(fx.status.as_str())
                .bind(&fx.reason)
                .bind(now)
                .bind(actor.user_id)
                .bind(seq)
                .execute(&mut *tx)
                .await?;
        }
        if let Some(event) = &fx.event {
            Self::insert_new_event(&mut tx, actor.agency_id, event).await?;
        }
        let row = Self::meeting_row(&mut tx, Scope::agency(actor.agency_id), id).await?;
        tx.commit().await?;
        row.into_meeting(time)
    }

    async fn meeting(&self, actor: &Actor, id: Uuid, time: &AgencyTime) -> StoreResult<Meeting> {
        let mut tx = self.begin().await?;
        let row = Self::meeting_row(&mut tx, actor, id).await?;
        tx.commit().await?;
        row.into_meeting(time)
    }

    async fn meetings_between(&self, actor: &Actor, f: &MeetingFilter, time: &AgencyTime) -> StoreResult<Vec<Meeting>> {
        let mut qb = Sql::<E>::new(MEETING_SELECT);
        qb.push(" WHERE m.starts_at >= ")
            .push_bind(f.from)
            .push(" AND m.starts_at < ")
            .push_bind(f.to);
        Self::push_meeting_scope(&mut qb, actor.scope());
        if let Some(c) = f.contact {
            qb.push(" AND m.contact_id = ").push_bind(c);
        }
        if let Some(o) = f.owner {
            qb.push(" AND m.owner_id = ").push_bind(o);
        }
        if !f.include_cancelled {
            qb.push(" AND m.status <> 'cancelled'");
        }
        qb.push(" ORDER BY m.starts_at, m.id LIMIT 2000");
        let rows: Vec<MeetingRow> = qb.fetch_all(&mut *self.conn().await?).await?;
        rows.into_iter().map(|r| r.into_meeting(time)).collect()
    }

    async fn reports_missing(
        &self,
        actor: &Actor,
        since: DateTime<Utc>,
        time: &AgencyTime,
    ) -> StoreResult<Vec<Meeting>> {
        let mut qb = Sql::<E>::new(MEETING_SELECT);
        qb.push(" WHERE m.starts_at >= ")
            .push_bind(since)
            .push(" AND m.status = 'held' AND m.owner_id = ")
            .push_bind(actor.user_id)
            .push(" AND NOT EXISTS (SELECT 1 FROM visit_reports r WHERE r.meeting_id = m.id)");
        Self::push_meeting_scope(&mut qb, actor.scope());
        qb.push(" ORDER BY m.starts_at DESC LIMIT 50");
        let rows: Vec<MeetingRow> = qb.fetch_all(&mut *self.conn().await?).await?;
        rows.into_iter().map(|r| r.into_meeting(time)).collect()
    }
}
