//! Complaints and their steps (issue 10, domain §7), implemented once for both engines. The
//! rules — the order of the steps, what each records — are `shared::complaint`; this module
//! reads the complaint, calls them and stores what they return: the complaint's new state and
//! one more line of its history (never updated, never deleted).

use async_trait::async_trait;
use chrono::{DateTime, Utc};
use shared::complaint::{advance, receive, Channel, Complaint, ComplaintInput, ComplaintStep, Nature, Phase, StepLine};
use shared::record::display_name;
use sqlx::{Encode, FromRow, Type};
use uuid::Uuid;

use tournee_store_macros::engine_bounds;

use super::engine::{SqlStore, VISIBLE};
use super::{Actor, StoreError, StoreResult};

const COLUMNS: &str = "k.id, k.contact_id, c.kind AS contact_kind, c.first_name, c.last_name, c.company_name, \
     c.owner_id, k.received_at, k.channel, k.from_whom, k.description, k.phase, k.acknowledged_at, k.registered_at, \
     k.founded, k.nature, k.resolved_at, k.answer, k.serious, k.by_phone, k.closed_at, k.satisfied, k.followed_up_at, \
     k.exploited_at, k.preventive_action, k.created_by, k.seq";

/// Which complaints to list.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct ComplaintFilter {
    pub contact_id: Option<Uuid>,
    /// Not answered yet.
    pub open_only: bool,
    /// Received from this instant.
    pub received_from: Option<DateTime<Utc>>,
}

#[async_trait]
pub trait ComplaintStore: Send + Sync {
    /// Records a complaint received about a record the actor sees.
    async fn create_complaint(
        &self,
        actor: &Actor,
        input: ComplaintInput,
        now: DateTime<Utc>,
    ) -> StoreResult<Complaint>;
    async fn complaint(&self, actor: &Actor, id: Uuid) -> StoreResult<Complaint>;
    /// The complaints of the records the actor sees, newest first.
    async fn complaints(&self, actor: &Actor, filter: &ComplaintFilter) -> StoreResult<Vec<Complaint>>;
    /// Takes a complaint one step further (`shared::complaint::advance`).
    async fn advance_complaint(
        &self,
        actor: &Actor,
        id: Uuid,
        step: ComplaintStep,
        now: DateTime<Utc>,
    ) -> StoreResult<Complaint>;
}

#[derive(Debug, FromRow)]
pub struct ComplaintRow {
    pub id: Uuid,
    pub contact_id: Uuid,
    pub contact_kind: String,
    pub first_name: String,
    pub last_name: String,
    pub company_name: String,
    pub owner_id: Uuid,
    pub received_at: DateTime<Utc>,
    pub channel: String,
    pub from_whom: String,
    pub description: String,
    pub phase: String,
    pub acknowledged_at: Option<DateTime<Utc>>,
    pub registered_at: Option<DateTime<Utc>>,
    pub founded: Option<bool>,
    pub nature: Option<String>,
    pub resolved_at: Option<DateTime<Utc>>,
    pub answer: String,
    pub serious: bool,
    pub by_phone: bool,
    pub closed_at: Option<DateTime<Utc>>,
    pub satisfied: Option<bool>,
    pub followed_up_at: Option<DateTime<Utc>>,
    pub exploited_at: Option<DateTime<Utc>>,
    pub preventive_action: String,
    pub created_by: Uuid,
    pub seq: i64,
}

#[derive(Debug, FromRow)]
pub struct StepRow {
    pub complaint_id: Uuid,
    pub phase: String,
    pub at: DateTime<Utc>,
    pub author_id: Uuid,
    pub author_name: String,
    pub note: String,
}

impl ComplaintRow {
    fn into_complaint(self, steps: Vec<StepLine>) -> StoreResult<Complaint> {
        let corrupt = |what: &str| StoreError::Corrupt(format!("complaint {}: {what}", self.id));
        Ok(Complaint {
            contact_name: super::rows::name_of(
                &self.contact_kind,
                &self.first_name,
                &self.last_name,
                &self.company_name,
            ),
            channel: Channel::parse(&self.channel).ok_or_else(|| corrupt("channel"))?,
            phase: Phase::parse(&self.phase).ok_or_else(|| corrupt("phase"))?,
            nature: match &self.nature {
                Some(n) => Some(Nature::parse(n).ok_or_else(|| corrupt("nature"))?),
                None => None,
            },
            id: self.id,
            contact_id: self.contact_id,
            owner_id: self.owner_id,
            received_at: self.received_at,
            from_whom: self.from_whom,
            description: self.description,
            acknowledged_at: self.acknowledged_at,
            registered_at: self.registered_at,
            founded: self.founded,
            resolved_at: self.resolved_at,
            answer: self.answer,
            serious: self.serious,
            by_phone: self.by_phone,
            closed_at: self.closed_at,
            satisfied: self.satisfied,
            followed_up_at: self.followed_up_at,
            exploited_at: self.exploited_at,
            preventive_action: self.preventive_action,
            steps,
            created_by: self.created_by,
            seq: self.seq,
        })
    }
}

/// Joins complaint rows with their steps (rows of several complaints, any order).
fn assemble(rows: Vec<ComplaintRow>, steps: Vec<StepRow>) -> StoreResult<Vec<Complaint>> {
    let mut by: std::collections::HashMap<Uuid, Vec<StepLine>> = Default::default();
    for s in steps {
        let phase = Phase::parse(&s.phase).ok_or_else(|| StoreError::Corrupt(format!("step phase {:?}", s.phase)))?;
        by.entry(s.complaint_id).or_default().push(StepLine {
            phase,
            at: s.at,
            by: s.author_id,
            by_name: s.author_name,
            note: s.note,
        });
    }
    rows.into_iter()
        .map(|r| {
            let mut steps = by.remove(&r.id).unwrap_or_default();
            steps.sort_by_key(|s| (s.at, s.phase));
            r.into_complaint(steps)
        })
        .collect()
}

const STEP_COLUMNS: &str = "st.complaint_id, st.phase, st.at, st.author_id, u.display_name AS author_name, st.note";

#[engine_bounds]
impl<E> SqlStore<E> {
    async fn complaint_in(conn: &mut E::Connection, actor: &Actor, id: Uuid) -> StoreResult<Option<Complaint>> {
        let sql = format!(
            "SELECT {COLUMNS} FROM complaints k JOIN contacts c ON c.id = k.contact_id WHERE k.id = $4 AND {VISIBLE}"
        );
        let Some(row) = sqlx::query_as::<E, ComplaintRow>(&sql)
            .bind(actor.agency_id)
            .bind(actor.sees_whole_agency())
            .bind(actor.user_id)
            .bind(id)
            .fetch_optional(&mut *conn)
            .await?
        else {
            return Ok(None);
        };
        let sql = format!(
            "SELECT {STEP_COLUMNS} FROM complaint_steps st JOIN users u ON u.id = st.author_id WHERE st.complaint_id = $1"
        );
        let steps = sqlx::query_as::<E, StepRow>(&sql)
            .bind(id)
            .fetch_all(&mut *conn)
            .await?;
        Ok(assemble(vec![row], steps)?.pop())
    }

    /// The complaints changed in `(after, upper]` with their record's owner, for a pull.
    pub(crate) async fn complaints_changed(
        conn: &mut E::Connection,
        agency_id: Uuid,
        after: i64,
        upper: i64,
    ) -> StoreResult<Vec<Complaint>> {
        let sql = format!(
            "SELECT {COLUMNS} FROM complaints k JOIN contacts c ON c.id = k.contact_id \
             WHERE k.agency_id = $1 AND k.seq > $2 AND k.seq <= $3 AND c.deleted_at IS NULL"
        );
        let rows = sqlx::query_as::<E, ComplaintRow>(&sql)
            .bind(agency_id)
            .bind(after)
            .bind(upper)
            .fetch_all(&mut *conn)
            .await?;
        if rows.is_empty() {
            return Ok(Vec::new());
        }
        let sql = format!(
            "SELECT {STEP_COLUMNS} FROM complaint_steps st JOIN users u ON u.id = st.author_id \
             JOIN complaints k ON k.id = st.complaint_id WHERE k.agency_id = $1 AND k.seq > $2 AND k.seq <= $3"
        );
        let steps = sqlx::query_as::<E, StepRow>(&sql)
            .bind(agency_id)
            .bind(after)
            .bind(upper)
            .fetch_all(&mut *conn)
            .await?;
        assemble(rows, steps)
    }

    async fn insert_step(conn: &mut E::Connection, actor: &Actor, id: Uuid, line: &StepLine) -> StoreResult<()>
    where
        String: for<'q> Encode<'q, E> + Type<E>,
        DateTime<Utc>: for<'q> Encode<'q, E> + Type<E>,
    {
        sqlx::query::<E>(
            "INSERT INTO complaint_steps (id, agency_id, complaint_id, phase, at, author_id, note) \
             VALUES ($1, $2, $3, $4, $5, $6, $7)",
        )
        .bind(shared::new_id())
        .bind(actor.agency_id)
        .bind(id)
        .bind(line.phase.as_str().to_string())
        .bind(line.at)
        .bind(line.by)
        .bind(line.note.clone())
        .execute(&mut *conn)
        .await?;
        Ok(())
    }
}

#[engine_bounds]
#[async_trait]
impl<E> ComplaintStore for SqlStore<E> {
    async fn create_complaint(
        &self,
        actor: &Actor,
        input: ComplaintInput,
        now: DateTime<Utc>,
    ) -> StoreResult<Complaint> {
        let input = input.validate(now).map_err(StoreError::Validation)?;
        let id = input.id.unwrap_or_else(shared::new_id);
        let mut tx = self.begin().await?;
        let seq = self.next_seq_as(&mut tx, actor, 1).await?;
        let sql = format!("SELECT c.kind, c.first_name, c.last_name, c.company_name, c.owner_id FROM contacts c WHERE c.id = $4 AND {VISIBLE}");
        let (kind, first, last, company, owner) = sqlx::query_as::<E, (String, String, String, String, Uuid)>(&sql)
            .bind(actor.agency_id)
            .bind(actor.sees_whole_agency())
            .bind(actor.user_id)
            .bind(input.contact_id)
            .fetch_optional(&mut *tx)
            .await?
            .ok_or(StoreError::NotFound)?;
        let taken = sqlx::query_as::<E, (i64,)>("SELECT seq FROM complaints WHERE id = $1")
            .bind(id)
            .fetch_optional(&mut *tx)
            .await?;
        if taken.is_some() {
            return Err(StoreError::Conflict("cette réclamation est déjà enregistrée".into()));
        }
        let name = Self::user_name(&mut tx, actor.user_id).await?;
        let contact_name = display_name(
            shared::record::ContactKind::parse(&kind).unwrap_or_default(),
            &first,
            &last,
            &company,
        );
        let c = receive(id, input, &contact_name, owner, actor.user_id, &name, now);
        sqlx::query::<E>(
            "INSERT INTO complaints (id, agency_id, contact_id, received_at, channel, from_whom, description, phase, answer, \
             serious, by_phone, preventive_action, created_by, seq) \
             VALUES ($1, $2, $3, $4, $5, $6, $7, $8, '', $9, $9, '', $10, $11)",
        )
        .bind(id)
        .bind(actor.agency_id)
        .bind(c.contact_id)
        .bind(c.received_at)
        .bind(c.channel.as_str().to_string())
        .bind(c.from_whom.clone())
        .bind(c.description.clone())
        .bind(c.phase.as_str().to_string())
        .bind(false)
        .bind(actor.user_id)
        .bind(seq)
        .execute(&mut *tx)
        .await?;
        for line in &c.steps {
            Self::insert_step(&mut tx, actor, id, line).await?;
        }
        tx.commit().await?;
        Ok(Complaint { seq, ..c })
    }

    async fn complaint(&self, actor: &Actor, id: Uuid) -> StoreResult<Complaint> {
        let mut conn = self.conn().await?;
        Self::complaint_in(&mut conn, actor, id)
            .await?
            .ok_or(StoreError::NotFound)
    }

    async fn complaints(&self, actor: &Actor, filter: &ComplaintFilter) -> StoreResult<Vec<Complaint>> {
        let mut conn = self.conn().await?;
        let wanted = "($4 IS NULL OR k.contact_id = $4) AND ($5 = FALSE OR k.resolved_at IS NULL) \
             AND ($6 IS NULL OR k.received_at >= $6)";
        let sql = format!(
            "SELECT {COLUMNS} FROM complaints k JOIN contacts c ON c.id = k.contact_id WHERE k.agency_id = $1 AND {VISIBLE} \
             AND {wanted} ORDER BY k.received_at DESC, k.id DESC LIMIT 1000"
        );
        let rows = sqlx::query_as::<E, ComplaintRow>(&sql)
            .bind(actor.agency_id)
            .bind(actor.sees_whole_agency())
            .bind(actor.user_id)
            .bind(filter.contact_id)
            .bind(filter.open_only)
            .bind(filter.received_from)
            .fetch_all(&mut *conn)
            .await?;
        if rows.is_empty() {
            return Ok(Vec::new());
        }
        let sql = format!(
            "SELECT {STEP_COLUMNS} FROM complaint_steps st JOIN users u ON u.id = st.author_id \
             JOIN complaints k ON k.id = st.complaint_id JOIN contacts c ON c.id = k.contact_id \
             WHERE k.agency_id = $1 AND {VISIBLE} AND {wanted}"
        );
        let steps = sqlx::query_as::<E, StepRow>(&sql)
            .bind(actor.agency_id)
            .bind(actor.sees_whole_agency())
            .bind(actor.user_id)
            .bind(filter.contact_id)
            .bind(filter.open_only)
            .bind(filter.received_from)
            .fetch_all(&mut *conn)
            .await?;
        assemble(rows, steps)
    }

    async fn advance_complaint(
        &self,
        actor: &Actor,
        id: Uuid,
        step: ComplaintStep,
        now: DateTime<Utc>,
    ) -> StoreResult<Complaint> {
        let mut tx = self.begin().await?;
        let seq = self.next_seq_as(&mut tx, actor, 1).await?;
        let current = Self::complaint_in(&mut tx, actor, id)
            .await?
            .ok_or(StoreError::NotFound)?;
        let name = Self::user_name(&mut tx, actor.user_id).await?;
        let next = advance(&current, step, actor.user_id, &name, now)?;
        sqlx::query::<E>(
            "UPDATE complaints SET phase = $2, acknowledged_at = $3, registered_at = $4, founded = $5, nature = $6, \
             resolved_at = $7, answer = $8, serious = $9, by_phone = $10, closed_at = $11, satisfied = $12, \
             followed_up_at = $13, exploited_at = $14, preventive_action = $15, seq = $16 WHERE id = $1",
        )
        .bind(id)
        .bind(next.phase.as_str().to_string())
        .bind(next.acknowledged_at)
        .bind(next.registered_at)
        .bind(next.founded)
        .bind(next.nature.map(|n| n.as_str().to_string()))
        .bind(next.resolved_at)
        .bind(next.answer.clone())
        .bind(next.serious)
        .bind(next.by_phone)
        .bind(next.closed_at)
        .bind(next.satisfied)
        .bind(next.followed_up_at)
        .bind(next.exploited_at)
        .bind(next.preventive_action.clone())
        .bind(seq)
        .execute(&mut *tx)
        .await?;
        if let Some(line) = next.steps.last() {
            Self::insert_step(&mut tx, actor, id, line).await?;
        }
        tx.commit().await?;
        Ok(Complaint { seq, ..next })
    }
}
