//! Weekly targets' actuals (issue 10, domain §6): the facts that count — meetings booked and
//! held, offers decided and signed, referrals collected, calls — read from what was logged,
//! for a range of instants, implemented once for both engines. The weeks and the comparison
//! with the targets are `shared::targets`.

use async_trait::async_trait;
use chrono::{DateTime, Utc};
use shared::targets::Measure;
use uuid::Uuid;

use tournee_store_macros::engine_bounds;

use super::engine::SqlStore;
use super::{Actor, StoreResult};

/// What each measure counts: (measure, who, when, the rows for `$1` agency, `$2` from, `$3`
/// to, `$4` one user or NULL for all). Each reads a range of a covering index of migration
/// 0025; a decided offer counts for its record's owner, which the offer carries.
const FACTS: [(Measure, &str, &str, &str); 6] = [
    (
        Measure::MeetingsBooked,
        "owner_id",
        "created_at",
        "FROM meetings WHERE agency_id = $1 AND created_at >= $2 AND created_at < $3 \
         AND deleted_at IS NULL AND ($4 IS NULL OR owner_id = $4)",
    ),
    (
        Measure::MeetingsHeld,
        "owner_id",
        "starts_at",
        "FROM meetings WHERE agency_id = $1 AND starts_at >= $2 AND starts_at < $3 \
         AND status = 'held' AND deleted_at IS NULL AND ($4 IS NULL OR owner_id = $4)",
    ),
    (
        Measure::Closings,
        "o.record_owner_id",
        "h.at",
        "FROM offer_prognosis_changes h JOIN offers o ON o.id = h.offer_id \
         WHERE h.agency_id = $1 AND h.at >= $2 AND h.at < $3 AND o.record_owner_id IS NOT NULL \
         AND h.to_step IN (0, 100) AND (h.from_step IS NULL OR h.from_step NOT IN (0, 100)) \
         AND ($4 IS NULL OR o.record_owner_id = $4)",
    ),
    (
        Measure::Sales,
        "o.record_owner_id",
        "h.at",
        "FROM offer_prognosis_changes h JOIN offers o ON o.id = h.offer_id \
         WHERE h.agency_id = $1 AND h.at >= $2 AND h.at < $3 AND o.record_owner_id IS NOT NULL \
         AND h.to_step = 100 AND ($4 IS NULL OR o.record_owner_id = $4)",
    ),
    (
        Measure::Referrals,
        "advisor_id",
        "at",
        "FROM referrals WHERE agency_id = $1 AND at >= $2 AND at < $3 AND ($4 IS NULL OR advisor_id = $4)",
    ),
    (
        Measure::Calls,
        "author_id",
        "at",
        "FROM interactions WHERE agency_id = $1 AND kind = 'call' AND at >= $2 AND at < $3 \
         AND ($4 IS NULL OR author_id = $4)",
    ),
];

#[async_trait]
pub trait TargetStore: Send + Sync {
    /// How many facts count toward each weekly target, per user and per week: `weeks` are the
    /// weeks' bounds (each week's first instant, then the last week's end), the rows
    /// `(user, week's index, measure, count)` — for one user or the whole agency. Counted by
    /// the database: a manager's 12 weeks on the bench seed are ~300 000 facts, and a few
    /// hundred counts cross to Rust instead of them (the gain of this step alone was not
    /// measured apart from the covering indexes; docs/benchmarks.md, session 14).
    async fn target_counts(
        &self,
        actor: &Actor,
        user: Option<Uuid>,
        weeks: &[DateTime<Utc>],
    ) -> StoreResult<Vec<(Uuid, usize, Measure, i64)>>;
}

#[engine_bounds]
#[async_trait]
impl<E> TargetStore for SqlStore<E> {
    async fn target_counts(
        &self,
        actor: &Actor,
        user: Option<Uuid>,
        weeks: &[DateTime<Utc>],
    ) -> StoreResult<Vec<(Uuid, usize, Measure, i64)>> {
        let (Some(first), Some(end)) = (weeks.first(), weeks.last()) else {
            return Ok(Vec::new());
        };
        let mut out = Vec::new();
        for (measure, who, at, rows) in FACTS {
            // The week's index: the first bound after the instant, from the second on
            // (`$5`, `$6`, …); the range already ends at the last one.
            let inner = weeks.len().saturating_sub(2);
            let week = if inner == 0 {
                "0".to_string()
            } else {
                let mut w = String::from("CASE");
                for i in 1..=inner {
                    w.push_str(&format!(" WHEN {at} < ${} THEN {}", i + 4, i - 1));
                }
                w + &format!(" ELSE {inner} END")
            };
            let sql = format!("SELECT {who}, CAST({week} AS BIGINT), CAST(COUNT(*) AS BIGINT) {rows} GROUP BY 1, 2");
            let mut q = sqlx::query_as::<E, (Uuid, i64, i64)>(&sql)
                .bind(actor.agency_id)
                .bind(*first)
                .bind(*end)
                .bind(user);
            for bound in &weeks[1..=inner] {
                q = q.bind(*bound);
            }
            let rows = q.fetch_all(&mut *self.conn().await?).await?;
            out.extend(
                rows.into_iter()
                    .map(|(u, w, n)| (u, usize::try_from(w).unwrap_or_default(), measure, n)),
            );
        }
        Ok(out)
    }
}
