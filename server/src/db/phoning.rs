//! Phoning sessions (issue 10, domain §6): the call list built for an advisor and a session's
//! tally, implemented once for both engines. The follow-up limit itself is checked where calls
//! are logged (`visits::log_interaction`, with `shared::phoning::check_follow_up`).

use async_trait::async_trait;
use chrono::{DateTime, NaiveDate, Utc};
use shared::phoning::{order, CallItem, CallReason, Tally};
use shared::record::{display_name, ContactKind};
use shared::scoring::Segment;
use shared::stage::Stage;
use shared::visit::CallOutcome;
use sqlx::FromRow;
use uuid::Uuid;

use tournee_store_macros::engine_bounds;

use super::engine::SqlStore;
use super::{Actor, StoreError, StoreResult};

/// The longest call list.
pub const CALL_LIST_LIMIT: usize = 60;

#[async_trait]
pub trait PhoningStore: Send + Sync {
    /// The actor's call list for `today`: call-backs due, clients due for a call, prospects to
    /// contact, each with their follow-ups within the period, in priority order.
    async fn call_list(&self, actor: &Actor, today: NaiveDate, now: DateTime<Utc>) -> StoreResult<Vec<CallItem>>;
    /// What the actor's calls in a session came to.
    async fn session_tally(&self, actor: &Actor, session_id: Uuid) -> StoreResult<Tally>;
}

#[derive(Debug, FromRow)]
pub struct CandidateRow {
    pub id: Uuid,
    pub kind: String,
    pub first_name: String,
    pub last_name: String,
    pub company_name: String,
    pub phone_mobile: String,
    pub phone_landline: String,
    pub stage: String,
    pub segment: String,
    pub score: i64,
    pub last_call_on: Option<NaiveDate>,
    pub reason: String,
    pub due_on: Option<NaiveDate>,
}

const CANDIDATE: &str = "c.id, c.kind, c.first_name, c.last_name, c.company_name, c.phone_mobile, c.phone_landline, \
     c.stage, c.segment, c.score, c.last_call_on";

#[engine_bounds]
#[async_trait]
impl<E> PhoningStore for SqlStore<E> {
    async fn call_list(&self, actor: &Actor, today: NaiveDate, now: DateTime<Utc>) -> StoreResult<Vec<CallItem>> {
        // Nobody who refused the phone, or is on Bloctel (`shared::consent::may_call`).
        const CALLABLE: &str =
            "NOT EXISTS (SELECT 1 FROM consents k WHERE k.contact_id = c.id AND k.purpose = 'phone' \
             AND k.current = TRUE AND k.granted = FALSE)";
        let (json,): (String,) = sqlx::query_as::<E, (String,)>("SELECT settings FROM agencies WHERE id = $1")
            .bind(actor.agency_id)
            .fetch_one(&mut *self.conn().await?)
            .await?;
        let settings: shared::settings::AgencySettings =
            serde_json::from_str(&json).map_err(|e| StoreError::Corrupt(format!("settings: {e}")))?;
        let sql = format!(
            "SELECT {CANDIDATE}, 'call_back' AS reason, t.due_on AS due_on FROM tasks t JOIN contacts c ON c.id = t.contact_id \
             WHERE t.agency_id = $1 AND t.owner_id = $2 AND t.source = 'call_back' AND t.done_at IS NULL AND t.deleted_at IS NULL \
             AND t.due_on <= $3 AND c.deleted_at IS NULL AND {CALLABLE} \
             UNION ALL SELECT {CANDIDATE}, 'cadence' AS reason, c.next_call_due AS due_on FROM contacts c \
             WHERE c.agency_id = $1 AND c.owner_id = $2 AND c.stage = 'client' AND c.next_call_due <= $3 AND c.deleted_at IS NULL \
             AND {CALLABLE} \
             UNION ALL SELECT * FROM (SELECT {CANDIDATE}, 'prospect' AS reason, CAST(NULL AS DATE) AS due_on FROM contacts c \
             WHERE c.agency_id = $1 AND c.owner_id = $2 AND c.stage IN ('referred', 'qualified', 'contacted') \
             AND c.deleted_at IS NULL AND {CALLABLE} ORDER BY c.score DESC, c.id LIMIT 40) p"
        );
        let rows = sqlx::query_as::<E, CandidateRow>(&sql)
            .bind(actor.agency_id)
            .bind(actor.user_id)
            .bind(today)
            .fetch_all(&mut *self.conn().await?)
            .await?;
        let since = now - chrono::Duration::days(i64::from(settings.follow_up_period_days));
        let counts = sqlx::query_as::<E, (Uuid, i64, DateTime<Utc>)>(
            "SELECT contact_id, COUNT(*), MIN(at) FROM interactions WHERE agency_id = $1 AND session_id IS NOT NULL \
             AND kind = 'call' AND at > $2 GROUP BY contact_id",
        )
        .bind(actor.agency_id)
        .bind(since)
        .fetch_all(&mut *self.conn().await?)
        .await?;
        let counts: std::collections::HashMap<Uuid, (i64, DateTime<Utc>)> =
            counts.into_iter().map(|(id, n, first)| (id, (n, first))).collect();
        let mut items = Vec::with_capacity(rows.len());
        for r in rows {
            let corrupt = |what: &str| StoreError::Corrupt(format!("call list {}: {what}", r.id));
            let (follow_ups, first) = counts.get(&r.id).copied().map_or((0, None), |(n, f)| (n, Some(f)));
            items.push(CallItem {
                contact_id: r.id,
                name: display_name(
                    ContactKind::parse(&r.kind).unwrap_or_default(),
                    &r.first_name,
                    &r.last_name,
                    &r.company_name,
                ),
                phone: if r.phone_mobile.is_empty() {
                    r.phone_landline.clone()
                } else {
                    r.phone_mobile.clone()
                },
                stage: Stage::parse(&r.stage).ok_or_else(|| corrupt("stage"))?,
                segment: Segment::parse(&r.segment).ok_or_else(|| corrupt("segment"))?,
                score: r.score.clamp(0, 100) as u8,
                reason: match r.reason.as_str() {
                    "call_back" => CallReason::CallBack,
                    "cadence" => CallReason::CadenceDue,
                    _ => CallReason::Prospect,
                },
                due_on: r.due_on,
                last_call_on: r.last_call_on,
                follow_ups: follow_ups.clamp(0, i64::from(u32::MAX)) as u32,
                first_follow_up_at: first,
            });
        }
        let mut ordered = order(items);
        ordered.truncate(CALL_LIST_LIMIT);
        Ok(ordered)
    }

    async fn session_tally(&self, actor: &Actor, session_id: Uuid) -> StoreResult<Tally> {
        let rows = sqlx::query_as::<E, (Option<String>,)>(
            "SELECT outcome FROM interactions WHERE agency_id = $1 AND author_id = $2 AND session_id = $3 AND kind = 'call'",
        )
        .bind(actor.agency_id)
        .bind(actor.user_id)
        .bind(session_id)
        .fetch_all(&mut *self.conn().await?)
        .await?;
        Ok(Tally::of(
            rows.into_iter()
                .filter_map(|(o,)| o.as_deref().and_then(CallOutcome::parse)),
        ))
    }
}
