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

/// What each measure counts: (measure, SQL giving `(user, instant)` rows for `$1` agency, `$2`
/// from, `$3` to, `$4` one user or NULL for all).
const FACTS: [(Measure, &str); 6] = [
    (
        Measure::MeetingsBooked,
        "SELECT owner_id, created_at FROM meetings WHERE agency_id = $1 AND created_at >= $2 AND created_at < $3 \
         AND deleted_at IS NULL AND ($4 IS NULL OR owner_id = $4)",
    ),
    (
        Measure::MeetingsHeld,
        "SELECT owner_id, starts_at FROM meetings WHERE agency_id = $1 AND starts_at >= $2 AND starts_at < $3 \
         AND status = 'held' AND deleted_at IS NULL AND ($4 IS NULL OR owner_id = $4)",
    ),
    (
        Measure::Closings,
        "SELECT c.owner_id, h.at FROM offer_prognosis_changes h JOIN offers o ON o.id = h.offer_id \
         JOIN contacts c ON c.id = o.contact_id WHERE h.agency_id = $1 AND h.at >= $2 AND h.at < $3 \
         AND h.to_step IN (0, 100) AND (h.from_step IS NULL OR h.from_step NOT IN (0, 100)) \
         AND ($4 IS NULL OR c.owner_id = $4)",
    ),
    (
        Measure::Sales,
        "SELECT c.owner_id, h.at FROM offer_prognosis_changes h JOIN offers o ON o.id = h.offer_id \
         JOIN contacts c ON c.id = o.contact_id WHERE h.agency_id = $1 AND h.at >= $2 AND h.at < $3 \
         AND h.to_step = 100 AND ($4 IS NULL OR c.owner_id = $4)",
    ),
    (
        Measure::Referrals,
        "SELECT advisor_id, at FROM referrals WHERE agency_id = $1 AND at >= $2 AND at < $3 \
         AND ($4 IS NULL OR advisor_id = $4)",
    ),
    (
        Measure::Calls,
        "SELECT author_id, at FROM interactions WHERE agency_id = $1 AND kind = 'call' AND at >= $2 AND at < $3 \
         AND ($4 IS NULL OR author_id = $4)",
    ),
];

#[async_trait]
pub trait TargetStore: Send + Sync {
    /// Every fact that counts toward a weekly target in `[from, to)`: who, when, which measure
    /// — for one user or the whole agency.
    async fn target_facts(
        &self,
        actor: &Actor,
        user: Option<Uuid>,
        from: DateTime<Utc>,
        to: DateTime<Utc>,
    ) -> StoreResult<Vec<(Uuid, DateTime<Utc>, Measure)>>;
}

#[engine_bounds]
#[async_trait]
impl<E> TargetStore for SqlStore<E> {
    async fn target_facts(
        &self,
        actor: &Actor,
        user: Option<Uuid>,
        from: DateTime<Utc>,
        to: DateTime<Utc>,
    ) -> StoreResult<Vec<(Uuid, DateTime<Utc>, Measure)>> {
        let mut out = Vec::new();
        for (measure, sql) in FACTS {
            let rows = sqlx::query_as::<E, (Uuid, DateTime<Utc>)>(sql)
                .bind(actor.agency_id)
                .bind(from)
                .bind(to)
                .bind(user)
                .fetch_all(&mut *self.conn().await?)
                .await?;
            out.extend(rows.into_iter().map(|(u, at)| (u, at, measure)));
        }
        Ok(out)
    }
}
