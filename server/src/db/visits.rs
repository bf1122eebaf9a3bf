//! Storage of the advisor's field work: meetings, visit reports with their objections and
//! referrals, calls and other interactions, tasks, the record's timeline, calendar feeds.
//!
//! [`VisitStore`] is a supertrait of [`Store`](super::Store), implemented for both engines
//! by [`impl_visit_store!`] from one SQL body, like the contact storage. Every write follows
//! the same rule: bump the agency's change counter first, then check, then write.

use async_trait::async_trait;
use chrono::{DateTime, NaiveDate, Utc};
use shared::api::{Role, TaskQuery, TaskScope};
use shared::record::{display_name, ContactKind, MeetingPlace};
use shared::stage::{Stage, StageOutcome};
use shared::visit::effects::{self as fx, Held, MeetingFacts, NewEvent, NewTask, Touch};
use shared::visit::{
    CheckIn, ContactRef, EventKind, InteractionInput, Meeting, MeetingInput, MeetingStatus, MeetingStatusChange,
    Objection, Outcome, Priority, Referrals, Report, ReportInput, Task, TaskInput, TaskSource, TimelineEntry,
};
use sqlx::{ColumnIndex, Decode, Encode, Executor, IntoArguments, Pool, Type};
use uuid::Uuid;

use super::builder::Sql;
use super::engine::{map_unique, Engine, SqlStore, Tx};
use super::rows::{enum_str, ContactRow, Derived};
use super::{Actor, ContactFields, StoreError, StoreResult};
use crate::time::AgencyTime;

/// A position in a timeline: the last line of the previous page.
pub type TimelineCursor = (DateTime<Utc>, Uuid);

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

pub use super::statistics::{ObjectionCounts, ReferralCounts};

#[async_trait]
pub trait VisitStore: Send + Sync {
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

    // Visit reports.
    /// Saves the report of a meeting (marking it held if it was planned), with its
    /// objections, the prospects from the names given, the tasks and the stage change.
    async fn save_report(
        &self,
        actor: &Actor,
        meeting_id: Uuid,
        report: &ReportInput,
        time: &AgencyTime,
        now: DateTime<Utc>,
    ) -> StoreResult<Report>;
    async fn report(&self, actor: &Actor, meeting_id: Uuid) -> StoreResult<Option<Report>>;

    // Interactions.
    /// Logs a call, e-mail, letter or SMS and moves the record's last-contact dates.
    async fn log_interaction(
        &self,
        actor: &Actor,
        contact_id: Uuid,
        input: &InteractionInput,
        time: &AgencyTime,
        now: DateTime<Utc>,
    ) -> StoreResult<TimelineEntry>;

    // Tasks.
    async fn create_task(&self, actor: &Actor, id: Uuid, input: &TaskInput, now: DateTime<Utc>) -> StoreResult<Task>;
    async fn update_task(&self, actor: &Actor, id: Uuid, input: &TaskInput, now: DateTime<Utc>) -> StoreResult<Task>;
    async fn set_task_done(&self, actor: &Actor, id: Uuid, done: bool, now: DateTime<Utc>) -> StoreResult<Task>;
    async fn delete_task(&self, actor: &Actor, id: Uuid, now: DateTime<Utc>) -> StoreResult<()>;
    async fn task(&self, actor: &Actor, id: Uuid) -> StoreResult<Task>;
    async fn tasks(&self, actor: &Actor, query: &TaskQuery, today: NaiveDate) -> StoreResult<Vec<Task>>;
    /// Opens a follow-up task for every client of the agency due by the cadence that has
    /// none open; returns how many were created. Idempotent.
    async fn generate_cadence_tasks(&self, agency_id: Uuid, today: NaiveDate) -> StoreResult<u64>;
    async fn agency_ids(&self) -> StoreResult<Vec<Uuid>>;

    // The record's timeline and referral chain.
    async fn timeline(
        &self,
        actor: &Actor,
        contact_id: Uuid,
        before: Option<TimelineCursor>,
        limit: u32,
    ) -> StoreResult<(Vec<TimelineEntry>, bool)>;
    async fn referrals(&self, actor: &Actor, contact_id: Uuid) -> StoreResult<Referrals>;
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

pub const TASK_SELECT: &str =
    "SELECT t.id, t.title, t.notes, t.due_on, t.priority, t.contact_id, c.kind AS contact_kind, \
     c.first_name, c.last_name, c.company_name, t.owner_id, u.display_name AS owner_name, t.source, t.done_at, \
     t.created_at, t.seq FROM tasks t JOIN users u ON u.id = t.owner_id LEFT JOIN contacts c ON c.id = t.contact_id";

#[derive(Debug, sqlx::FromRow)]
pub struct TaskRow {
    pub id: Uuid,
    pub title: String,
    pub notes: String,
    pub due_on: NaiveDate,
    pub priority: String,
    pub contact_id: Option<Uuid>,
    pub contact_kind: Option<String>,
    pub first_name: Option<String>,
    pub last_name: Option<String>,
    pub company_name: Option<String>,
    pub owner_id: Uuid,
    pub owner_name: String,
    pub source: String,
    pub done_at: Option<DateTime<Utc>>,
    pub created_at: DateTime<Utc>,
    pub seq: i64,
}

impl TaskRow {
    pub fn into_task(self) -> StoreResult<Task> {
        let contact_name = self.contact_kind.as_deref().map(|k| {
            display_name(
                ContactKind::parse(k).unwrap_or_default(),
                self.first_name.as_deref().unwrap_or(""),
                self.last_name.as_deref().unwrap_or(""),
                self.company_name.as_deref().unwrap_or(""),
            )
        });
        Ok(Task {
            id: self.id,
            title: self.title,
            notes: self.notes,
            due_on: self.due_on,
            priority: Priority::parse(&self.priority)
                .ok_or_else(|| StoreError::Corrupt(format!("priority {:?}", self.priority)))?,
            contact_id: self.contact_id,
            contact_name,
            owner_id: self.owner_id,
            owner_name: self.owner_name,
            source: TaskSource::parse(&self.source)
                .ok_or_else(|| StoreError::Corrupt(format!("task source {:?}", self.source)))?,
            done_at: self.done_at,
            created_at: self.created_at,
            seq: self.seq,
        })
    }
}

#[derive(Debug, sqlx::FromRow)]
pub struct ReportRow {
    pub id: Uuid,
    pub meeting_id: Uuid,
    pub contact_id: Uuid,
    pub outcome: String,
    pub summary: String,
    pub needs: String,
    pub interest_signs: String,
    pub satisfaction: Option<i64>,
    pub recommend_score: Option<i64>,
    pub stage_from: String,
    pub stage_to: Option<String>,
    pub next_step: String,
    pub next_step_due: Option<NaiveDate>,
    pub referrals_asked: bool,
    pub checkin_at: Option<DateTime<Utc>>,
    pub checkin_lat: Option<f64>,
    pub checkin_lon: Option<f64>,
    pub checkin_accuracy: Option<f64>,
    pub author_name: String,
    pub created_at: DateTime<Utc>,
}

impl ReportRow {
    pub fn into_report(
        self,
        objections: Vec<Objection>,
        referred: Vec<shared::visit::ContactRef>,
        tasks: Vec<Uuid>,
    ) -> StoreResult<Report> {
        let stage = |s: &str| shared::stage::Stage::parse(s).ok_or_else(|| StoreError::Corrupt(format!("stage {s:?}")));
        let checkin = match (self.checkin_at, self.checkin_lat, self.checkin_lon) {
            (Some(at), Some(lat), Some(lon)) => Some(CheckIn {
                at,
                lat,
                lon,
                accuracy_m: self.checkin_accuracy,
            }),
            _ => None,
        };
        Ok(Report {
            id: self.id,
            meeting_id: self.meeting_id,
            contact_id: self.contact_id,
            outcome: Outcome::parse(&self.outcome)
                .ok_or_else(|| StoreError::Corrupt(format!("outcome {:?}", self.outcome)))?,
            summary: self.summary,
            needs: self.needs,
            interest_signs: self.interest_signs,
            satisfaction: self.satisfaction.and_then(|s| u8::try_from(s).ok()),
            recommend_score: self.recommend_score.and_then(|s| u8::try_from(s).ok()),
            stage_from: stage(&self.stage_from)?,
            stage_to: self.stage_to.as_deref().map(stage).transpose()?,
            next_step: self.next_step,
            next_step_due: self.next_step_due,
            referrals_asked: self.referrals_asked,
            checkin,
            objections,
            referred,
            tasks,
            author_name: self.author_name,
            created_at: self.created_at,
        })
    }
}

#[derive(Debug, sqlx::FromRow)]
pub struct EventRow {
    pub id: Uuid,
    pub at: DateTime<Utc>,
    pub kind: String,
    pub title: String,
    pub detail: String,
    pub author_name: Option<String>,
    pub ref_id: Option<Uuid>,
}

impl EventRow {
    pub fn into_entry(self) -> StoreResult<TimelineEntry> {
        Ok(TimelineEntry {
            id: self.id,
            at: self.at,
            kind: EventKind::parse(&self.kind)
                .ok_or_else(|| StoreError::Corrupt(format!("event kind {:?}", self.kind)))?,
            title: self.title,
            detail: self.detail,
            author_name: self.author_name.unwrap_or_default(),
            ref_id: self.ref_id,
        })
    }
}

pub use shared::visit::effects::when_fr;

impl<E> SqlStore<E>
where
    E: Engine,
    for<'q> E::Arguments<'q>: IntoArguments<'q, E>,
    for<'c> &'c Pool<E>: Executor<'c, Database = E>,
    for<'c> &'c mut E::Connection: Executor<'c, Database = E>,
    usize: ColumnIndex<E::Row>,
    for<'a> &'a str: ColumnIndex<E::Row>,
    for<'q> &'q str: Encode<'q, E> + Type<E>,
    Uuid: for<'q> Encode<'q, E> + for<'r> Decode<'r, E> + Type<E>,
    String: for<'q> Encode<'q, E> + for<'r> Decode<'r, E> + Type<E>,
    i64: for<'q> Encode<'q, E> + for<'r> Decode<'r, E> + Type<E>,
    f64: for<'q> Encode<'q, E> + for<'r> Decode<'r, E> + Type<E>,
    bool: for<'q> Encode<'q, E> + for<'r> Decode<'r, E> + Type<E>,
    DateTime<Utc>: for<'q> Encode<'q, E> + for<'r> Decode<'r, E> + Type<E>,
    NaiveDate: for<'q> Encode<'q, E> + for<'r> Decode<'r, E> + Type<E>,
    Option<Uuid>: for<'q> Encode<'q, E>,
    Option<String>: for<'q> Encode<'q, E>,
    for<'q> Option<&'q str>: Encode<'q, E>,
    Option<i64>: for<'q> Encode<'q, E>,
    Option<f64>: for<'q> Encode<'q, E>,
    Option<bool>: for<'q> Encode<'q, E>,
    Option<DateTime<Utc>>: for<'q> Encode<'q, E>,
    Option<NaiveDate>: for<'q> Encode<'q, E>,
{
    #[allow(clippy::too_many_arguments)]
    pub(crate) async fn insert_event(
        tx: &mut Tx<'_, E>,
        agency_id: Uuid,
        contact_id: Uuid,
        at: DateTime<Utc>,
        kind: EventKind,
        title: &str,
        detail: &str,
        author_id: Option<Uuid>,
        ref_id: Option<Uuid>,
    ) -> StoreResult<Uuid> {
        let id = shared::new_id();
        sqlx::query(
            "INSERT INTO contact_events (id, agency_id, contact_id, at, kind, title, detail, author_id, ref_id) \
             VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9)",
        )
        .bind(id)
        .bind(agency_id)
        .bind(contact_id)
        .bind(at)
        .bind(kind.as_str())
        .bind(title)
        .bind(detail)
        .bind(author_id)
        .bind(ref_id)
        .execute(&mut **tx)
        .await?;
        Ok(id)
    }

    pub(crate) async fn insert_new_event(tx: &mut Tx<'_, E>, agency_id: Uuid, e: &NewEvent) -> StoreResult<Uuid> {
        Self::insert_event(
            tx,
            agency_id,
            e.contact_id,
            e.at,
            e.kind,
            &e.title,
            &e.detail,
            e.author_id,
            e.ref_id,
        )
        .await
    }

    pub(crate) async fn stage_event(
        tx: &mut Tx<'_, E>,
        actor: &Actor,
        id: Uuid,
        o: &StageOutcome,
        now: DateTime<Utc>,
    ) -> StoreResult<()> {
        Self::insert_new_event(tx, actor.agency_id, &fx::stage_event(o, id, &actor.author(), now)).await?;
        Ok(())
    }

    pub(crate) async fn insert_task(
        tx: &mut Tx<'_, E>,
        agency_id: Uuid,
        author: Uuid,
        t: &NewTask,
        seq: i64,
        now: DateTime<Utc>,
    ) -> StoreResult<Uuid> {
        sqlx::query(
            "INSERT INTO tasks (id, agency_id, owner_id, contact_id, title, notes, due_on, priority, priority_rank, source, source_id, \
             done_at, created_at, created_by, updated_at, seq, deleted_at) VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, NULL, $12, $13, $12, $14, NULL)",
        )
        .bind(t.id)
        .bind(agency_id)
        .bind(t.owner_id)
        .bind(t.contact_id)
        .bind(&t.title)
        .bind(&t.notes)
        .bind(t.due_on)
        .bind(t.priority.as_str())
        .bind(t.priority.rank())
        .bind(t.source.as_str())
        .bind(t.source_id)
        .bind(now)
        .bind(author)
        .bind(seq)
        .execute(&mut **tx)
        .await
        .map_err(|e| map_unique(e, "cette tâche existe déjà"))?;
        Ok(t.id)
    }

    /// Tells the referrer's advisor to report back when a referred prospect becomes a
    /// client or signs elsewhere (`fx::referral_news`).
    pub(crate) async fn after_stage_change(
        tx: &mut Tx<'_, E>,
        actor: &Actor,
        before: &ContactRow,
        o: &StageOutcome,
        now: DateTime<Utc>,
    ) -> StoreResult<()> {
        #[allow(clippy::type_complexity)]
        let referrer: Option<(Uuid, Uuid, String, String, String, String, String)> = sqlx::query_as(
            "SELECT c.id, c.owner_id, c.kind, c.first_name, c.last_name, c.company_name, c.stage FROM referrals r \
             JOIN contacts c ON c.id = r.referrer_id WHERE r.prospect_id = $1 AND r.agency_id = $2 AND c.deleted_at IS NULL",
        )
        .bind(before.id)
        .bind(actor.agency_id)
        .fetch_optional(&mut **tx)
        .await?;
        let Some((referrer_id, owner_id, kind, first, last, company, stage)) = referrer else {
            return Ok(());
        };
        let referrer = fx::ContactFacts {
            id: referrer_id,
            owner_id,
            name: crate::db::rows::name_of(&kind, &first, &last, &company),
            stage: Stage::parse(&stage).ok_or_else(|| StoreError::Corrupt(format!("stage {stage:?}")))?,
        };
        let Some(news) = fx::referral_news(o, &before.facts()?, &referrer, &actor.author(), shared::new_id(), now)
        else {
            return Ok(());
        };
        let seq = Self::next_seq_as(tx, actor, 1).await?;
        Self::insert_task(tx, actor.agency_id, actor.user_id, &news.task, seq, now).await?;
        Self::insert_new_event(tx, actor.agency_id, &news.event).await?;
        Ok(())
    }

    /// Moves a record's last-contact dates forward (`Touch::apply`), recomputes what
    /// depends on them, and closes its open cadence task when a meeting or a call took
    /// place.
    pub(crate) async fn touch_contact(
        tx: &mut Tx<'_, E>,
        actor: &Actor,
        contact_id: Uuid,
        t: Touch,
        now: DateTime<Utc>,
    ) -> StoreResult<()> {
        let row = Self::visible_row(
            tx,
            &Actor {
                role: Role::Manager,
                ..*actor
            },
            contact_id,
        )
        .await?;
        let mut inputs = row.derive_inputs()?;
        let last_contact = t.apply(&mut inputs, row.last_contact_on);
        let settings = Self::settings_tx(tx, actor.agency_id).await?;
        let d = Derived::compute(&inputs, &settings);
        let seq = Self::next_seq_as(tx, actor, 1).await?;
        sqlx::query(
            "UPDATE contacts SET last_meeting_on = $3, last_call_on = $4, last_contact_on = $5, referrals_made = $6, score = $7, \
             segment = $8, size_class = $9, next_meeting_due = $10, next_call_due = $11, next_due = $12, seq = $13, \
             updated_at = $14, updated_by = $15 WHERE id = $1 AND agency_id = $2",
        )
        .bind(contact_id)
        .bind(actor.agency_id)
        .bind(inputs.last_meeting_on)
        .bind(inputs.last_call_on)
        .bind(last_contact)
        .bind(inputs.referrals_made)
        .bind(d.score)
        .bind(enum_str(&d.segment))
        .bind(enum_str(&d.size_class))
        .bind(d.next_meeting_due)
        .bind(d.next_call_due)
        .bind(d.next_due())
        .bind(seq)
        .bind(now)
        .bind(actor.user_id)
        .execute(&mut **tx)
        .await?;
        if t.closes_cadence_task() {
            sqlx::query(
                "UPDATE tasks SET done_at = $3, updated_at = $3, seq = $4 WHERE contact_id = $1 AND agency_id = $2 \
                 AND source = 'cadence' AND done_at IS NULL AND deleted_at IS NULL",
            )
            .bind(contact_id)
            .bind(actor.agency_id)
            .bind(now)
            .bind(seq)
            .execute(&mut **tx)
            .await?;
        }
        Ok(())
    }

    /// The meeting if the actor may see it: theirs, or on a record they see.
    pub(crate) async fn meeting_row(tx: &mut Tx<'_, E>, actor: &Actor, id: Uuid) -> StoreResult<MeetingRow> {
        let mut qb = Sql::<E>::new(MEETING_SELECT);
        qb.push(" WHERE m.id = ").push_bind(id);
        Self::push_meeting_scope(&mut qb, actor);
        qb.fetch_optional(&mut **tx).await?.ok_or(StoreError::NotFound)
    }

    pub(crate) fn push_meeting_scope(qb: &mut Sql<E>, actor: &Actor) {
        qb.push(" AND m.agency_id = ")
            .push_bind(actor.agency_id)
            .push(" AND m.deleted_at IS NULL AND c.deleted_at IS NULL");
        if !actor.sees_whole_agency() {
            qb.push(" AND (m.owner_id = ")
                .push_bind(actor.user_id)
                .push(" OR c.owner_id = ")
                .push_bind(actor.user_id)
                .push(" OR EXISTS (SELECT 1 FROM contact_shares s WHERE s.contact_id = c.id AND s.user_id = ")
                .push_bind(actor.user_id)
                .push("))");
        }
    }

    pub(crate) fn may_edit_meeting(actor: &Actor, m: &MeetingRow) -> bool {
        actor.sees_whole_agency() || m.owner_id == actor.user_id || m.contact_owner_id == actor.user_id
    }

    pub(crate) async fn task_row(tx: &mut Tx<'_, E>, actor: &Actor, id: Uuid) -> StoreResult<TaskRow> {
        let mut qb = Sql::<E>::new(TASK_SELECT);
        qb.push(" WHERE t.id = ")
            .push_bind(id)
            .push(" AND t.agency_id = ")
            .push_bind(actor.agency_id)
            .push(" AND t.deleted_at IS NULL");
        if !actor.sees_whole_agency() {
            qb.push(" AND t.owner_id = ").push_bind(actor.user_id);
        }
        qb.fetch_optional(&mut **tx).await?.ok_or(StoreError::NotFound)
    }

    /// Writes a meeting held (`fx::hold`): its status, the record's dates, the history.
    pub(crate) async fn write_held(
        tx: &mut Tx<'_, E>,
        actor: &Actor,
        m: &MeetingRow,
        held: &Held,
        now: DateTime<Utc>,
    ) -> StoreResult<()> {
        let seq = Self::next_seq_as(tx, actor, 1).await?;
        sqlx::query("UPDATE meetings SET status = 'held', status_reason = NULL, updated_at = $3, updated_by = $4, seq = $5 WHERE id = $1 AND agency_id = $2")
            .bind(m.id)
            .bind(actor.agency_id)
            .bind(now)
            .bind(actor.user_id)
            .bind(seq)
            .execute(&mut **tx)
            .await?;
        Self::touch_contact(tx, actor, m.contact_id, held.touch, now).await?;
        Self::insert_new_event(tx, actor.agency_id, &held.event).await?;
        Ok(())
    }

    pub(crate) async fn report_tx(
        tx: &mut Tx<'_, E>,
        agency_id: Uuid,
        meeting_id: Uuid,
    ) -> StoreResult<Option<Report>> {
        let row: Option<ReportRow> = sqlx::query_as(
            "SELECT r.id, r.meeting_id, r.contact_id, r.outcome, r.summary, r.needs, r.interest_signs, r.satisfaction, r.recommend_score, r.stage_from, \
             r.stage_to, r.next_step, r.next_step_due, r.referrals_asked, r.checkin_at, r.checkin_lat, r.checkin_lon, r.checkin_accuracy, \
             u.display_name AS author_name, r.created_at FROM visit_reports r JOIN users u ON u.id = r.author_id \
             WHERE r.meeting_id = $1 AND r.agency_id = $2",
        )
        .bind(meeting_id)
        .bind(agency_id)
        .fetch_optional(&mut **tx)
        .await?;
        let Some(row) = row else { return Ok(None) };
        let objections: Vec<(Uuid, Option<String>, String, String, String, bool)> = sqlx::query_as(
            "SELECT id, code, label, text, answer, overcome FROM objections WHERE report_id = $1 ORDER BY id",
        )
        .bind(row.id)
        .fetch_all(&mut **tx)
        .await?;
        let objections = objections
            .into_iter()
            .map(|(id, code, label, text, answer, overcome)| Objection {
                id,
                code,
                label,
                text,
                answer,
                overcome,
            })
            .collect();
        let referred: Vec<(Uuid, String, String, String, String, String)> = sqlx::query_as(
            "SELECT c.id, c.kind, c.first_name, c.last_name, c.company_name, c.stage FROM referrals r JOIN contacts c ON c.id = r.prospect_id \
             WHERE r.report_id = $1 ORDER BY r.id",
        )
        .bind(row.id)
        .fetch_all(&mut **tx)
        .await?;
        let referred = referred
            .into_iter()
            .map(|(id, kind, first, last, company, stage)| ContactRef {
                id,
                display_name: crate::db::rows::name_of(&kind, &first, &last, &company),
                stage: Stage::parse(&stage).unwrap_or(Stage::Referred),
            })
            .collect();
        let tasks: Vec<(Uuid,)> =
            sqlx::query_as("SELECT id FROM tasks WHERE source_id = $1 AND agency_id = $2 ORDER BY id")
                .bind(row.id)
                .bind(agency_id)
                .fetch_all(&mut **tx)
                .await?;
        row.into_report(objections, referred, tasks.into_iter().map(|(id,)| id).collect())
            .map(Some)
    }
}

#[async_trait::async_trait]
impl<E> VisitStore for SqlStore<E>
where
    E: Engine,
    for<'q> E::Arguments<'q>: IntoArguments<'q, E>,
    for<'c> &'c Pool<E>: Executor<'c, Database = E>,
    for<'c> &'c mut E::Connection: Executor<'c, Database = E>,
    usize: ColumnIndex<E::Row>,
    for<'a> &'a str: ColumnIndex<E::Row>,
    for<'q> &'q str: Encode<'q, E> + Type<E>,
    Uuid: for<'q> Encode<'q, E> + for<'r> Decode<'r, E> + Type<E>,
    String: for<'q> Encode<'q, E> + for<'r> Decode<'r, E> + Type<E>,
    i64: for<'q> Encode<'q, E> + for<'r> Decode<'r, E> + Type<E>,
    f64: for<'q> Encode<'q, E> + for<'r> Decode<'r, E> + Type<E>,
    bool: for<'q> Encode<'q, E> + for<'r> Decode<'r, E> + Type<E>,
    DateTime<Utc>: for<'q> Encode<'q, E> + for<'r> Decode<'r, E> + Type<E>,
    NaiveDate: for<'q> Encode<'q, E> + for<'r> Decode<'r, E> + Type<E>,
    Option<Uuid>: for<'q> Encode<'q, E>,
    Option<String>: for<'q> Encode<'q, E>,
    for<'q> Option<&'q str>: Encode<'q, E>,
    Option<i64>: for<'q> Encode<'q, E>,
    Option<f64>: for<'q> Encode<'q, E>,
    Option<bool>: for<'q> Encode<'q, E>,
    Option<DateTime<Utc>>: for<'q> Encode<'q, E>,
    Option<NaiveDate>: for<'q> Encode<'q, E>,
{
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
        let mut tx = self.pool.begin().await?;
        let seq = Self::next_seq_as(&mut tx, actor, 1).await?;
        let contact = Self::visible_row(&mut tx, actor, input.contact_id)
            .await
            .map_err(|e| match e {
                StoreError::NotFound => StoreError::Invalid {
                    field: "contact_id".into(),
                    message: "dossier introuvable".into(),
                },
                e => e,
            })?;
        let owner_id = input.owner_id.unwrap_or(actor.user_id);
        if owner_id != actor.user_id && !actor.sees_whole_agency() {
            return Err(StoreError::Forbidden("un conseiller planifie ses propres rendez-vous"));
        }
        Self::check_owner(&mut tx, actor.agency_id, owner_id).await?;
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
        .bind(enum_str(&input.place))
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
        let row = Self::meeting_row(
            &mut tx,
            &Actor {
                role: Role::Manager,
                ..*actor
            },
            id,
        )
        .await?;
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
        let mut tx = self.pool.begin().await?;
        let seq = Self::next_seq_as(&mut tx, actor, 1).await?;
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
            Self::check_owner(&mut tx, actor.agency_id, owner_id).await?;
        }
        sqlx::query(
            "UPDATE meetings SET starts_at = $3, duration_min = $4, place = $5, address = $6, subject = $7, notes = $8, owner_id = $9, \
             updated_at = $10, updated_by = $11, seq = $12 WHERE id = $1 AND agency_id = $2",
        )
        .bind(id)
        .bind(actor.agency_id)
        .bind(starts_at)
        .bind(i64::from(input.duration_min))
        .bind(enum_str(&input.place))
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
        let row = Self::meeting_row(
            &mut tx,
            &Actor {
                role: Role::Manager,
                ..*actor
            },
            id,
        )
        .await?;
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
        let mut tx = self.pool.begin().await?;
        let seq = Self::next_seq_as(&mut tx, actor, 1).await?;
        let m = Self::meeting_row(&mut tx, actor, id).await?;
        let fx = fx::set_meeting_status(&m.facts(time)?, change, &actor.author(), time.day_of(now), now)?;
        if let Some(held) = &fx.held {
            Self::write_held(&mut tx, actor, &m, held, now).await?;
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
        let row = Self::meeting_row(
            &mut tx,
            &Actor {
                role: Role::Manager,
                ..*actor
            },
            id,
        )
        .await?;
        tx.commit().await?;
        row.into_meeting(time)
    }

    async fn meeting(&self, actor: &Actor, id: Uuid, time: &AgencyTime) -> StoreResult<Meeting> {
        let mut tx = self.pool.begin().await?;
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
        Self::push_meeting_scope(&mut qb, actor);
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
        let rows: Vec<MeetingRow> = qb.fetch_all(&self.pool).await?;
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
        Self::push_meeting_scope(&mut qb, actor);
        qb.push(" ORDER BY m.starts_at DESC LIMIT 50");
        let rows: Vec<MeetingRow> = qb.fetch_all(&self.pool).await?;
        rows.into_iter().map(|r| r.into_meeting(time)).collect()
    }

    async fn save_report(
        &self,
        actor: &Actor,
        meeting_id: Uuid,
        r: &ReportInput,
        time: &AgencyTime,
        now: DateTime<Utc>,
    ) -> StoreResult<Report> {
        let mut tx = self.pool.begin().await?;
        let seq = Self::next_seq_as(&mut tx, actor, 1).await?;
        let m = Self::meeting_row(&mut tx, actor, meeting_id).await?;
        let settings = Self::settings_tx(&mut tx, actor.agency_id).await?;
        let contact = Self::visible_row(
            &mut tx,
            &Actor {
                role: Role::Manager,
                ..*actor
            },
            m.contact_id,
        )
        .await?;
        let fx = fx::save_report(
            fx::ReportContext {
                meeting: &m.facts(time)?,
                contact: &contact.facts()?,
                objection_types: &settings.objections,
                author: actor.author(),
                today: time.day_of(now),
                now,
            },
            r.clone(),
        )?;
        if let Some(held) = &fx.held {
            Self::write_held(&mut tx, actor, &m, held, now).await?;
        }
        let r = &fx.report;
        sqlx::query(
            "INSERT INTO visit_reports (id, agency_id, meeting_id, contact_id, author_id, outcome, summary, needs, interest_signs, satisfaction, \
             stage_from, stage_to, next_step, next_step_due, referrals_asked, checkin_at, checkin_lat, checkin_lon, checkin_accuracy, created_at, seq, recommend_score) \
             VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, $14, $15, $16, $17, $18, $19, $20, $21, $22)",
        )
        .bind(fx.id)
        .bind(actor.agency_id)
        .bind(meeting_id)
        .bind(m.contact_id)
        .bind(actor.user_id)
        .bind(r.outcome.as_str())
        .bind(&r.summary)
        .bind(&r.needs)
        .bind(&r.interest_signs)
        .bind(r.satisfaction.map(i64::from))
        .bind(fx.stage_from.as_str())
        .bind(fx.stage_to.map(|s| s.as_str()))
        .bind(&r.next_step)
        .bind(r.next_step_due)
        .bind(r.referrals_asked)
        .bind(r.checkin.map(|c| crate::db::micros(c.at)))
        .bind(r.checkin.map(|c| c.lat))
        .bind(r.checkin.map(|c| c.lon))
        .bind(r.checkin.and_then(|c| c.accuracy_m))
        .bind(now)
        .bind(seq)
        .bind(r.recommend_score.map(i64::from))
        .execute(&mut *tx)
        .await
        .map_err(|e| map_unique(e, "ce rendez-vous a déjà son compte rendu"))?;
        for o in &fx.objections {
            sqlx::query(
                "INSERT INTO objections (id, agency_id, report_id, contact_id, author_id, code, label, text, answer, overcome, at) \
                 VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11)",
            )
            .bind(o.id)
            .bind(actor.agency_id)
            .bind(fx.id)
            .bind(m.contact_id)
            .bind(actor.user_id)
            .bind(&o.code)
            .bind(&o.label)
            .bind(&o.text)
            .bind(&o.answer)
            .bind(o.overcome)
            .bind(now)
            .execute(&mut *tx)
            .await?;
        }
        let as_owner = Actor {
            role: Role::Manager,
            ..*actor
        };
        for p in &fx.prospects {
            let fields = ContactFields::from_valid(&p.contact);
            Self::insert_contact_tx(&mut tx, &as_owner, p.id, &fields, Some(&p.source), now).await?;
            sqlx::query("INSERT INTO referrals (id, agency_id, report_id, referrer_id, prospect_id, advisor_id, at) VALUES ($1, $2, $3, $4, $5, $6, $7)")
                .bind(p.referral_id)
                .bind(actor.agency_id)
                .bind(fx.id)
                .bind(m.contact_id)
                .bind(p.id)
                .bind(actor.user_id)
                .bind(now)
                .execute(&mut *tx)
                .await?;
        }
        for e in &fx.events {
            Self::insert_new_event(&mut tx, actor.agency_id, e).await?;
        }
        let task_seq = Self::next_seq_as(&mut tx, actor, 1).await?;
        for t in &fx.tasks {
            Self::insert_task(&mut tx, actor.agency_id, actor.user_id, t, task_seq, now).await?;
        }
        if fx.touch != Touch::default() {
            Self::touch_contact(&mut tx, actor, m.contact_id, fx.touch, now).await?;
        }
        if let Some(change) = &fx.stage_change {
            Self::change_stage_tx(&mut tx, actor, m.contact_id, change, now)
                .await
                .map_err(|e| match e {
                    StoreError::Stage(e) => StoreError::Invalid {
                        field: "stage_to".into(),
                        message: e.to_string(),
                    },
                    e => e,
                })?;
        }
        let report = Self::report_tx(&mut tx, actor.agency_id, meeting_id)
            .await?
            .ok_or(StoreError::NotFound)?;
        tx.commit().await?;
        Ok(report)
    }

    async fn report(&self, actor: &Actor, meeting_id: Uuid) -> StoreResult<Option<Report>> {
        let mut tx = self.pool.begin().await?;
        Self::meeting_row(&mut tx, actor, meeting_id).await?;
        let report = Self::report_tx(&mut tx, actor.agency_id, meeting_id).await?;
        tx.commit().await?;
        Ok(report)
    }

    async fn log_interaction(
        &self,
        actor: &Actor,
        contact_id: Uuid,
        input: &InteractionInput,
        time: &AgencyTime,
        now: DateTime<Utc>,
    ) -> StoreResult<TimelineEntry> {
        let mut tx = self.pool.begin().await?;
        let seq = Self::next_seq_as(&mut tx, actor, 1).await?;
        let contact = Self::visible_row(&mut tx, actor, contact_id).await?;
        let at = crate::db::micros(input.at.unwrap_or(now));
        let id = input.id.unwrap_or_else(shared::new_id);
        let fx = fx::log_interaction(&contact.facts()?, id, input, &actor.author(), at, time.day_of(at));
        if input.session_id.is_some() || input.objection.is_some() {
            let settings = Self::settings_tx(&mut tx, actor.agency_id).await?;
            if let Some(code) = &input.objection {
                if !settings.objections.iter().any(|o| &o.code == code) {
                    return Err(StoreError::Invalid {
                        field: "objection".into(),
                        message: "objection inconnue de la liste de l'agence".into(),
                    });
                }
            }
            if input.session_id.is_some() {
                // The follow-ups of this person in the period, before this one.
                let since = at - chrono::Duration::days(i64::from(settings.follow_up_period_days));
                let previous: Vec<(DateTime<Utc>,)> = sqlx::query_as(
                    "SELECT at FROM interactions WHERE contact_id = $1 AND session_id IS NOT NULL AND kind = 'call' AND at > $2 AND at <= $3",
                )
                .bind(contact_id)
                .bind(since)
                .bind(at)
                .fetch_all(&mut *tx)
                .await?;
                let previous: Vec<DateTime<Utc>> = previous.into_iter().map(|(t,)| t).collect();
                shared::phoning::check_follow_up(&previous, settings.follow_up_period_days)?;
            }
        }
        sqlx::query("INSERT INTO interactions (id, agency_id, contact_id, author_id, kind, outcome, note, at, seq, session_id, objection_code) VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11)")
            .bind(id)
            .bind(actor.agency_id)
            .bind(contact_id)
            .bind(actor.user_id)
            .bind(input.kind.as_str())
            .bind(input.outcome.map(|o| o.as_str()))
            .bind(&input.note)
            .bind(at)
            .bind(seq)
            .bind(input.session_id)
            .bind(input.objection.as_deref())
            .execute(&mut *tx)
            .await
            .map_err(|e| map_unique(e, "cet échange est déjà enregistré"))?;
        let event = Self::insert_new_event(&mut tx, actor.agency_id, &fx.event).await?;
        Self::touch_contact(&mut tx, actor, contact_id, fx.touch, now).await?;
        if let Some(task) = &fx.task {
            Self::insert_task(&mut tx, actor.agency_id, actor.user_id, task, seq, now).await?;
        }
        tx.commit().await?;
        let e = fx.event;
        Ok(TimelineEntry {
            id: event,
            at,
            kind: e.kind,
            title: e.title,
            detail: e.detail,
            author_name: String::new(),
            ref_id: Some(id),
        })
    }

    async fn create_task(&self, actor: &Actor, id: Uuid, input: &TaskInput, now: DateTime<Utc>) -> StoreResult<Task> {
        let mut tx = self.pool.begin().await?;
        let seq = Self::next_seq_as(&mut tx, actor, 1).await?;
        let owner_id = input.owner_id.unwrap_or(actor.user_id);
        if owner_id != actor.user_id && !actor.sees_whole_agency() {
            return Err(StoreError::Forbidden("un conseiller se crée des tâches à lui-même"));
        }
        Self::check_owner(&mut tx, actor.agency_id, owner_id).await?;
        if let Some(c) = input.contact_id {
            Self::visible_row(&mut tx, actor, c).await.map_err(|e| match e {
                StoreError::NotFound => StoreError::Invalid {
                    field: "contact_id".into(),
                    message: "dossier introuvable".into(),
                },
                e => e,
            })?;
        }
        sqlx::query(
            "INSERT INTO tasks (id, agency_id, owner_id, contact_id, title, notes, due_on, priority, priority_rank, source, source_id, \
             done_at, created_at, created_by, updated_at, seq, deleted_at) VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, 'manual', NULL, NULL, $10, $11, $10, $12, NULL)",
        )
        .bind(id)
        .bind(actor.agency_id)
        .bind(owner_id)
        .bind(input.contact_id)
        .bind(&input.title)
        .bind(&input.notes)
        .bind(input.due_on)
        .bind(input.priority.as_str())
        .bind(input.priority.rank())
        .bind(now)
        .bind(actor.user_id)
        .bind(seq)
        .execute(&mut *tx)
        .await
        .map_err(|e| map_unique(e, "une tâche existe déjà avec cet identifiant"))?;
        let row = Self::task_row(
            &mut tx,
            &Actor {
                role: Role::Manager,
                ..*actor
            },
            id,
        )
        .await?;
        tx.commit().await?;
        row.into_task()
    }

    async fn update_task(&self, actor: &Actor, id: Uuid, input: &TaskInput, now: DateTime<Utc>) -> StoreResult<Task> {
        let mut tx = self.pool.begin().await?;
        let seq = Self::next_seq_as(&mut tx, actor, 1).await?;
        let current = Self::task_row(&mut tx, actor, id).await?;
        let owner_id = input.owner_id.unwrap_or(current.owner_id);
        if owner_id != current.owner_id {
            if !actor.sees_whole_agency() {
                return Err(StoreError::Forbidden("seul le chef d'agence réattribue une tâche"));
            }
            Self::check_owner(&mut tx, actor.agency_id, owner_id).await?;
        }
        if let Some(c) = input.contact_id.filter(|c| Some(*c) != current.contact_id) {
            Self::visible_row(&mut tx, actor, c).await.map_err(|e| match e {
                StoreError::NotFound => StoreError::Invalid {
                    field: "contact_id".into(),
                    message: "dossier introuvable".into(),
                },
                e => e,
            })?;
        }
        sqlx::query(
            "UPDATE tasks SET title = $3, notes = $4, due_on = $5, priority = $6, priority_rank = $7, contact_id = $8, owner_id = $9, \
             updated_at = $10, seq = $11 WHERE id = $1 AND agency_id = $2",
        )
        .bind(id)
        .bind(actor.agency_id)
        .bind(&input.title)
        .bind(&input.notes)
        .bind(input.due_on)
        .bind(input.priority.as_str())
        .bind(input.priority.rank())
        .bind(input.contact_id)
        .bind(owner_id)
        .bind(now)
        .bind(seq)
        .execute(&mut *tx)
        .await?;
        let row = Self::task_row(
            &mut tx,
            &Actor {
                role: Role::Manager,
                ..*actor
            },
            id,
        )
        .await?;
        tx.commit().await?;
        row.into_task()
    }

    async fn set_task_done(&self, actor: &Actor, id: Uuid, done: bool, now: DateTime<Utc>) -> StoreResult<Task> {
        let mut tx = self.pool.begin().await?;
        let seq = Self::next_seq_as(&mut tx, actor, 1).await?;
        Self::task_row(&mut tx, actor, id).await?;
        sqlx::query("UPDATE tasks SET done_at = $3, updated_at = $4, seq = $5 WHERE id = $1 AND agency_id = $2")
            .bind(id)
            .bind(actor.agency_id)
            .bind(done.then_some(now))
            .bind(now)
            .bind(seq)
            .execute(&mut *tx)
            .await
            .map_err(|e| map_unique(e, "une tâche de suivi est déjà ouverte pour ce dossier"))?;
        let row = Self::task_row(
            &mut tx,
            &Actor {
                role: Role::Manager,
                ..*actor
            },
            id,
        )
        .await?;
        tx.commit().await?;
        row.into_task()
    }

    async fn delete_task(&self, actor: &Actor, id: Uuid, now: DateTime<Utc>) -> StoreResult<()> {
        let mut tx = self.pool.begin().await?;
        let seq = Self::next_seq_as(&mut tx, actor, 1).await?;
        Self::task_row(&mut tx, actor, id).await?;
        sqlx::query("UPDATE tasks SET deleted_at = $3, updated_at = $3, seq = $4 WHERE id = $1 AND agency_id = $2")
            .bind(id)
            .bind(actor.agency_id)
            .bind(now)
            .bind(seq)
            .execute(&mut *tx)
            .await?;
        tx.commit().await?;
        Ok(())
    }

    async fn task(&self, actor: &Actor, id: Uuid) -> StoreResult<Task> {
        let mut tx = self.pool.begin().await?;
        let row = Self::task_row(&mut tx, actor, id).await?;
        tx.commit().await?;
        row.into_task()
    }

    async fn tasks(&self, actor: &Actor, q: &TaskQuery, today: NaiveDate) -> StoreResult<Vec<Task>> {
        let mut qb = Sql::<E>::new(TASK_SELECT);
        qb.push(" WHERE t.agency_id = ")
            .push_bind(actor.agency_id)
            .push(" AND t.deleted_at IS NULL");
        let on = q.on.unwrap_or(today);
        if let Some(c) = q.contact_id {
            // A record's tasks: whoever does them, if the actor sees the record.
            let mut tx = self.pool.begin().await?;
            Self::visible_row(&mut tx, actor, c).await?;
            tx.commit().await?;
            qb.push(" AND t.contact_id = ").push_bind(c);
        } else {
            let owner = match q.owner {
                Some(o) if o != actor.user_id && !actor.sees_whole_agency() => {
                    return Err(StoreError::Forbidden(
                        "les tâches d'un autre conseiller sont réservées au chef d'agence",
                    ))
                }
                Some(o) => o,
                None => actor.user_id,
            };
            qb.push(" AND t.owner_id = ").push_bind(owner);
        }
        let scope = q.scope.unwrap_or_default();
        match scope {
            TaskScope::Due => {
                qb.push(" AND t.done_at IS NULL AND t.due_on <= ").push_bind(on);
            }
            TaskScope::Overdue => {
                qb.push(" AND t.done_at IS NULL AND t.due_on < ").push_bind(on);
            }
            TaskScope::Open => {
                qb.push(" AND t.done_at IS NULL");
            }
            TaskScope::Done => {
                qb.push(" AND t.done_at IS NOT NULL");
            }
        }
        if scope == TaskScope::Done {
            qb.push(" ORDER BY t.done_at DESC, t.id DESC");
        } else {
            qb.push(" ORDER BY t.due_on, t.priority_rank, t.id");
        }
        qb.push(" LIMIT ")
            .push_bind(i64::from(q.limit.unwrap_or(100).clamp(1, 500)));
        let rows: Vec<TaskRow> = qb.fetch_all(&self.pool).await?;
        rows.into_iter().map(TaskRow::into_task).collect()
    }

    async fn generate_cadence_tasks(&self, agency_id: Uuid, today: NaiveDate) -> StoreResult<u64> {
        let due: Vec<(Uuid, Uuid, Option<NaiveDate>, Option<NaiveDate>)> = sqlx::query_as(
            "SELECT c.id, c.owner_id, c.next_meeting_due, c.next_call_due FROM contacts c WHERE c.agency_id = $1 AND c.next_due <= $2 \
             AND c.deleted_at IS NULL AND NOT EXISTS (SELECT 1 FROM tasks t WHERE t.contact_id = c.id AND t.source = 'cadence' \
             AND t.done_at IS NULL AND t.deleted_at IS NULL)",
        )
        .bind(agency_id)
        .bind(today)
        .fetch_all(&self.pool)
        .await?;
        let mut created = 0u64;
        for chunk in due.chunks(500) {
            let mut tx = self.pool.begin().await?;
            let seq = Self::next_seq(&mut tx, agency_id, 1).await?;
            let now = crate::db::now();
            for (contact_id, owner_id, meeting_due, call_due) in chunk {
                let meeting_first = match (meeting_due, call_due) {
                    (Some(m), Some(c)) => m <= c,
                    (Some(_), None) => true,
                    _ => false,
                };
                let (title, due_on) = if meeting_first {
                    (
                        "RDV de suivi à planifier (cadence du segment)",
                        meeting_due.unwrap_or(today),
                    )
                } else {
                    ("Appel de suivi (cadence du segment)", call_due.unwrap_or(today))
                };
                let task = NewTask {
                    id: shared::new_id(),
                    owner_id: *owner_id,
                    contact_id: Some(*contact_id),
                    title: title.into(),
                    notes: String::new(),
                    due_on,
                    priority: Priority::Normal,
                    source: TaskSource::Cadence,
                    source_id: None,
                };
                Self::insert_task(&mut tx, agency_id, *owner_id, &task, seq, now).await?;
                created += 1;
            }
            tx.commit().await?;
        }
        Ok(created)
    }

    async fn agency_ids(&self) -> StoreResult<Vec<Uuid>> {
        let rows: Vec<(Uuid,)> = sqlx::query_as("SELECT id FROM agencies ORDER BY id")
            .fetch_all(&self.pool)
            .await?;
        Ok(rows.into_iter().map(|(id,)| id).collect())
    }

    async fn timeline(
        &self,
        actor: &Actor,
        contact_id: Uuid,
        before: Option<TimelineCursor>,
        limit: u32,
    ) -> StoreResult<(Vec<TimelineEntry>, bool)> {
        self.fetch_contact(actor, contact_id).await?;
        let limit = limit.clamp(1, 200);
        let mut qb = Sql::<E>::new(
            "SELECT e.id, e.at, e.kind, e.title, e.detail, u.display_name AS author_name, e.ref_id FROM contact_events e \
             LEFT JOIN users u ON u.id = e.author_id WHERE e.contact_id = ",
        );
        qb.push_bind(contact_id)
            .push(" AND e.agency_id = ")
            .push_bind(actor.agency_id);
        if let Some((at, id)) = before {
            qb.push(" AND (e.at < ")
                .push_bind(at)
                .push(" OR (e.at = ")
                .push_bind(at)
                .push(" AND e.id < ")
                .push_bind(id)
                .push("))");
        }
        qb.push(" ORDER BY e.at DESC, e.id DESC LIMIT ")
            .push_bind(i64::from(limit) + 1);
        let rows: Vec<EventRow> = qb.fetch_all(&self.pool).await?;
        let more = rows.len() > limit as usize;
        let items = rows
            .into_iter()
            .take(limit as usize)
            .map(EventRow::into_entry)
            .collect::<StoreResult<Vec<_>>>()?;
        Ok((items, more))
    }

    async fn referrals(&self, actor: &Actor, contact_id: Uuid) -> StoreResult<Referrals> {
        let contact = self.fetch_contact(actor, contact_id).await?;
        type RefRow = (Uuid, String, String, String, String, String);
        let to_ref = |(id, kind, first, last, company, stage): RefRow| ContactRef {
            id,
            display_name: crate::db::rows::name_of(&kind, &first, &last, &company),
            stage: Stage::parse(&stage).unwrap_or(Stage::Referred),
        };
        let referred_by: Option<RefRow> = match contact.referred_by {
            Some(r) => sqlx::query_as("SELECT id, kind, first_name, last_name, company_name, stage FROM contacts WHERE id = $1 AND agency_id = $2 AND deleted_at IS NULL")
                .bind(r)
                .bind(actor.agency_id)
                .fetch_optional(&self.pool)
                .await?,
            None => None,
        };
        let referred: Vec<RefRow> = sqlx::query_as(
            "SELECT id, kind, first_name, last_name, company_name, stage FROM contacts WHERE referred_by = $1 AND agency_id = $2 \
             AND deleted_at IS NULL ORDER BY sort_key LIMIT 200",
        )
        .bind(contact_id)
        .bind(actor.agency_id)
        .fetch_all(&self.pool)
        .await?;
        Ok(Referrals {
            referred_by: referred_by.map(to_ref),
            referred: referred.into_iter().map(to_ref).collect(),
        })
    }
}
