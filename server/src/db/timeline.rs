//! A record's timeline: one line per event (stage, meeting, report, call, edit…), newest first.

use async_trait::async_trait;
use chrono::{DateTime, Utc};
use shared::visit::effects::NewEvent;
use shared::visit::{ContactEvent, EventKind, TimelineEntry};
use uuid::Uuid;

use tournee_store_macros::engine_bounds;

use super::builder::Sql;
use super::engine::SqlStore;
use super::{Actor, StoreError, StoreResult};

/// A position in a timeline: the last line of the previous page.
pub type TimelineCursor = (DateTime<Utc>, Uuid);

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

/// The record's timeline.
#[async_trait]
pub trait TimelineStore: Send + Sync {
    // The record's timeline and referral chain.
    async fn timeline(
        &self,
        actor: &Actor,
        contact_id: Uuid,
        before: Option<TimelineCursor>,
        limit: u32,
    ) -> StoreResult<(Vec<TimelineEntry>, bool)>;
}

#[engine_bounds]
impl<E> SqlStore<E> {
    #[allow(clippy::too_many_arguments)]
    pub(crate) async fn insert_event(
        tx: &mut E::Connection,
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
        // The line takes the number the agency's counter is at: inside a write, that write's
        // (its `next_seq` came first and holds the agency row), and in a batch a number of the
        // batch — above every cursor handed out before the commit either way, which is all the
        // pull needs (`sync_changes`).
        sqlx::query(
            "INSERT INTO contact_events (id, agency_id, contact_id, at, kind, title, detail, author_id, ref_id, seq) \
             VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, (SELECT change_seq FROM agencies WHERE id = $2))",
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
        .execute(&mut *tx)
        .await?;
        Ok(id)
    }

    pub(crate) async fn insert_new_event(tx: &mut E::Connection, agency_id: Uuid, e: &NewEvent) -> StoreResult<Uuid> {
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
}

#[engine_bounds]
impl<E> SqlStore<E> {
    /// The timeline lines written in `(after, upper]` on records not deleted, with their
    /// record's owner, for a pull.
    pub(crate) async fn events_changed(
        conn: &mut E::Connection,
        agency_id: Uuid,
        after: i64,
        upper: i64,
    ) -> StoreResult<Vec<(ContactEvent, Uuid)>> {
        let rows: Vec<PulledEventRow> = sqlx::query_as(
            "SELECT e.id, e.at, e.kind, e.title, e.detail, u.display_name AS author_name, e.ref_id, e.contact_id, e.seq, \
             c.owner_id AS contact_owner_id FROM contact_events e JOIN contacts c ON c.id = e.contact_id \
             LEFT JOIN users u ON u.id = e.author_id \
             WHERE e.agency_id = $1 AND e.seq > $2 AND e.seq <= $3 AND c.deleted_at IS NULL",
        )
        .bind(agency_id)
        .bind(after)
        .bind(upper)
        .fetch_all(&mut *conn)
        .await?;
        rows.into_iter()
            .map(|r| {
                Ok((
                    ContactEvent {
                        contact_id: r.contact_id,
                        seq: r.seq,
                        entry: r.event.into_entry()?,
                    },
                    r.contact_owner_id,
                ))
            })
            .collect()
    }
}

#[derive(Debug, sqlx::FromRow)]
struct PulledEventRow {
    #[sqlx(flatten)]
    event: EventRow,
    contact_id: Uuid,
    seq: i64,
    contact_owner_id: Uuid,
}

#[engine_bounds]
#[async_trait]
impl<E> TimelineStore for SqlStore<E> {
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
        let rows: Vec<EventRow> = qb.fetch_all(&mut *self.conn().await?).await?;
        let more = rows.len() > limit as usize;
        let items = rows
            .into_iter()
            .take(limit as usize)
            .map(EventRow::into_entry)
            .collect::<StoreResult<Vec<_>>>()?;
        Ok((items, more))
    }
}
