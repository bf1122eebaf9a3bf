//! The facts of the photo, the film and the KPIs (issue 10), read from the dated stage history
//! and the logged activity, implemented once for both engines. The counting rules are
//! `shared::dashboard`.
//!
//! The stage of a record at an instant is its last stage change before it, found by one range
//! of the index `stage_transitions (contact_id, at DESC)` per record.

use async_trait::async_trait;
use chrono::{DateTime, NaiveDate, Utc};
use shared::dashboard::{KpiFacts, Moves, PhotoCell};
use shared::scoring::SizeClass;
use shared::stage::Stage;
use sqlx::{Encode, Executor, FromRow, IntoArguments, Pool, Type};
use uuid::Uuid;

use super::engine::{Engine, SqlStore};
use super::{Actor, StoreError, StoreResult};

/// How the film groups records.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum GroupBy {
    Advisor,
    Campaign,
}

impl GroupBy {
    fn column(self) -> &'static str {
        match self {
            GroupBy::Advisor => "u.display_name",
            GroupBy::Campaign => "c.campaign",
        }
    }
}

/// The stage of record `c` at `$2`.
const STAGE_AT: &str =
    "(SELECT t.to_stage FROM stage_transitions t WHERE t.contact_id = c.id AND t.at <= $2 ORDER BY t.at DESC LIMIT 1)";

/// Records of the agency (`$1`) existing at `$2`, of one advisor (`$3`) or all.
const EXISTING: &str = "c.agency_id = $1 AND c.created_at <= $2 AND (c.deleted_at IS NULL OR c.deleted_at > $2) \
     AND ($3 IS NULL OR c.owner_id = $3)";

#[async_trait]
pub trait DashboardStore: Send + Sync {
    /// Records per stage × size class at `at` (with their potential), of `owner` or all.
    async fn photo_cells(&self, actor: &Actor, at: DateTime<Utc>, owner: Option<Uuid>) -> StoreResult<Vec<PhotoCell>>;
    /// Records per stage at `at` by group.
    async fn stages_by_group(
        &self,
        actor: &Actor,
        at: DateTime<Utc>,
        owner: Option<Uuid>,
        by: GroupBy,
    ) -> StoreResult<Vec<(Stage, String, i64)>>;
    /// The records that changed stage in `(from, to]`: their stage at `from` and their moves.
    async fn moves_between(
        &self,
        actor: &Actor,
        from: DateTime<Utc>,
        to: DateTime<Utc>,
        owner: Option<Uuid>,
        by: GroupBy,
    ) -> StoreResult<Vec<Moves>>;
    /// The facts of the KPIs over `[from, to)`; `today` for the clients' cadence.
    async fn kpi_facts(
        &self,
        actor: &Actor,
        from: DateTime<Utc>,
        to: DateTime<Utc>,
        today: NaiveDate,
        owner: Option<Uuid>,
    ) -> StoreResult<KpiFacts>;
}

#[derive(Debug, FromRow)]
pub struct CellRow {
    pub stage: Option<String>,
    pub size_class: String,
    pub count: i64,
    pub potential: i64,
}

#[derive(Debug, FromRow)]
pub struct GroupRow {
    pub stage: Option<String>,
    pub grp: String,
    pub count: i64,
}

#[derive(Debug, FromRow)]
pub struct StartRow {
    pub id: Uuid,
    pub grp: String,
    pub stage: Option<String>,
}

fn stage(s: &str) -> StoreResult<Stage> {
    Stage::parse(s).ok_or_else(|| StoreError::Corrupt(format!("stage {s:?}")))
}

#[async_trait]
impl<E> DashboardStore for SqlStore<E>
where
    E: Engine,
    for<'q> E::Arguments<'q>: IntoArguments<'q, E>,
    for<'c> &'c Pool<E>: Executor<'c, Database = E>,
    Uuid: for<'q> Encode<'q, E> + Type<E>,
    Option<Uuid>: for<'q> Encode<'q, E> + Type<E>,
    DateTime<Utc>: for<'q> Encode<'q, E> + Type<E>,
    NaiveDate: for<'q> Encode<'q, E> + Type<E>,
    CellRow: for<'r> FromRow<'r, E::Row>,
    GroupRow: for<'r> FromRow<'r, E::Row>,
    StartRow: for<'r> FromRow<'r, E::Row>,
    (Uuid, String, DateTime<Utc>): for<'r> FromRow<'r, E::Row>,
    (i64, i64): for<'r> FromRow<'r, E::Row>,
    (i64,): for<'r> FromRow<'r, E::Row>,
    (DateTime<Utc>, DateTime<Utc>): for<'r> FromRow<'r, E::Row>,
{
    async fn photo_cells(&self, actor: &Actor, at: DateTime<Utc>, owner: Option<Uuid>) -> StoreResult<Vec<PhotoCell>> {
        let sql = format!(
            "SELECT x.stage, x.size_class, COUNT(*) AS count, CAST(COALESCE(SUM(x.potential), 0) AS BIGINT) AS potential FROM \
             (SELECT {STAGE_AT} AS stage, c.size_class, c.accessible_potential_cents AS potential FROM contacts c WHERE {EXISTING}) x \
             GROUP BY x.stage, x.size_class"
        );
        let rows = sqlx::query_as::<E, CellRow>(&sql)
            .bind(actor.agency_id)
            .bind(at)
            .bind(owner)
            .fetch_all(&self.pool)
            .await?;
        rows.into_iter()
            .filter_map(|r| r.stage.clone().map(|s| (s, r)))
            .map(|(s, r)| {
                Ok(PhotoCell {
                    stage: stage(&s)?,
                    size_class: SizeClass::parse(&r.size_class)
                        .ok_or_else(|| StoreError::Corrupt(format!("size class {:?}", r.size_class)))?,
                    count: r.count,
                    potential_cents: r.potential,
                })
            })
            .collect()
    }

    async fn stages_by_group(
        &self,
        actor: &Actor,
        at: DateTime<Utc>,
        owner: Option<Uuid>,
        by: GroupBy,
    ) -> StoreResult<Vec<(Stage, String, i64)>> {
        let sql = format!(
            "SELECT x.stage, x.grp, COUNT(*) AS count FROM (SELECT {STAGE_AT} AS stage, {} AS grp FROM contacts c \
             JOIN users u ON u.id = c.owner_id WHERE {EXISTING}) x GROUP BY x.stage, x.grp",
            by.column()
        );
        let rows = sqlx::query_as::<E, GroupRow>(&sql)
            .bind(actor.agency_id)
            .bind(at)
            .bind(owner)
            .fetch_all(&self.pool)
            .await?;
        rows.into_iter()
            .filter_map(|r| r.stage.clone().map(|s| (s, r)))
            .map(|(s, r)| Ok((stage(&s)?, r.grp, r.count)))
            .collect()
    }

    async fn moves_between(
        &self,
        actor: &Actor,
        from: DateTime<Utc>,
        to: DateTime<Utc>,
        owner: Option<Uuid>,
        by: GroupBy,
    ) -> StoreResult<Vec<Moves>> {
        let moved = "EXISTS (SELECT 1 FROM stage_transitions m WHERE m.contact_id = c.id AND m.at > $2 AND m.at <= $4)";
        let sql = format!(
            "SELECT c.id, {} AS grp, {STAGE_AT} AS stage FROM contacts c JOIN users u ON u.id = c.owner_id \
             WHERE c.agency_id = $1 AND (c.deleted_at IS NULL OR c.deleted_at > $4) AND ($3 IS NULL OR c.owner_id = $3) AND {moved}",
            by.column()
        );
        let starts = sqlx::query_as::<E, StartRow>(&sql)
            .bind(actor.agency_id)
            .bind(from)
            .bind(owner)
            .bind(to)
            .fetch_all(&self.pool)
            .await?;
        let transitions = sqlx::query_as::<E, (Uuid, String, DateTime<Utc>)>(
            "SELECT t.contact_id, t.to_stage, t.at FROM stage_transitions t JOIN contacts c ON c.id = t.contact_id \
             WHERE t.agency_id = $1 AND t.at > $2 AND t.at <= $4 AND (c.deleted_at IS NULL OR c.deleted_at > $4) \
             AND ($3 IS NULL OR c.owner_id = $3) ORDER BY t.contact_id, t.at",
        )
        .bind(actor.agency_id)
        .bind(from)
        .bind(owner)
        .bind(to)
        .fetch_all(&self.pool)
        .await?;
        let mut by_record: std::collections::HashMap<Uuid, Vec<Stage>> = Default::default();
        for (id, s, _) in transitions {
            by_record.entry(id).or_default().push(stage(&s)?);
        }
        starts
            .into_iter()
            .map(|r| {
                Ok(Moves {
                    start: r.stage.as_deref().map(stage).transpose()?,
                    moves: by_record.remove(&r.id).unwrap_or_default(),
                    group: r.grp,
                })
            })
            .collect()
    }

    async fn kpi_facts(
        &self,
        actor: &Actor,
        from: DateTime<Utc>,
        to: DateTime<Utc>,
        today: NaiveDate,
        owner: Option<Uuid>,
    ) -> StoreResult<KpiFacts> {
        // Prospects (not yet clients at the start) with a meeting held in the period, and
        // those of them who became clients in it.
        let (met, became): (i64, i64) = sqlx::query_as::<E, (i64, i64)>(
            "SELECT COUNT(*), CAST(COALESCE(SUM(CASE WHEN EXISTS (SELECT 1 FROM stage_transitions t WHERE t.contact_id = x.contact_id \
             AND t.to_stage = 'client' AND t.at >= $2 AND t.at < $3) THEN 1 ELSE 0 END), 0) AS BIGINT) FROM \
             (SELECT DISTINCT m.contact_id FROM meetings m JOIN contacts c ON c.id = m.contact_id WHERE m.agency_id = $1 \
             AND m.status = 'held' AND m.starts_at >= $2 AND m.starts_at < $3 AND m.deleted_at IS NULL AND ($4 IS NULL OR c.owner_id = $4) \
             AND NOT EXISTS (SELECT 1 FROM stage_transitions t0 WHERE t0.contact_id = m.contact_id AND t0.to_stage = 'client' AND t0.at < $2)) x",
        )
        .bind(actor.agency_id)
        .bind(from)
        .bind(to)
        .bind(owner)
        .fetch_one(&self.pool)
        .await?;
        // Clients a year before the end, and still clients at the end. Only records that are
        // or were clients can count: a client only leaves as a former client.
        let year_ago = to - chrono::Duration::days(365);
        let (then, kept): (i64, i64) = sqlx::query_as::<E, (i64, i64)>(
            "SELECT COUNT(*), CAST(COALESCE(SUM(CASE WHEN x.s_now = 'client' THEN 1 ELSE 0 END), 0) AS BIGINT) FROM \
             (SELECT (SELECT t.to_stage FROM stage_transitions t WHERE t.contact_id = c.id AND t.at <= $2 ORDER BY t.at DESC LIMIT 1) AS s_then, \
             (SELECT t.to_stage FROM stage_transitions t WHERE t.contact_id = c.id AND t.at <= $3 ORDER BY t.at DESC LIMIT 1) AS s_now \
             FROM contacts c WHERE c.agency_id = $1 AND c.stage IN ('client', 'former_client') AND c.deleted_at IS NULL \
             AND ($4 IS NULL OR c.owner_id = $4)) x WHERE x.s_then = 'client'",
        )
        .bind(actor.agency_id)
        .bind(year_ago)
        .bind(to)
        .bind(owner)
        .fetch_one(&self.pool)
        .await?;
        let scores = sqlx::query_as::<E, (i64,)>(
            "SELECT r.recommend_score FROM visit_reports r JOIN contacts c ON c.id = r.contact_id WHERE r.agency_id = $1 \
             AND r.created_at >= $2 AND r.created_at < $3 AND r.recommend_score IS NOT NULL AND ($4 IS NULL OR c.owner_id = $4)",
        )
        .bind(actor.agency_id)
        .bind(from)
        .bind(to)
        .bind(owner)
        .fetch_all(&self.pool)
        .await?;
        // Requests: call-backs promised, done; complaints, acknowledged (or answered).
        let mut waits = sqlx::query_as::<E, (DateTime<Utc>, DateTime<Utc>)>(
            "SELECT t.created_at, t.done_at FROM tasks t WHERE t.agency_id = $1 AND t.source = 'call_back' AND t.done_at >= $2 \
             AND t.done_at < $3 AND t.deleted_at IS NULL AND ($4 IS NULL OR t.owner_id = $4)",
        )
        .bind(actor.agency_id)
        .bind(from)
        .bind(to)
        .bind(owner)
        .fetch_all(&self.pool)
        .await?;
        waits.extend(
            sqlx::query_as::<E, (DateTime<Utc>, DateTime<Utc>)>(
                "SELECT k.received_at, COALESCE(k.acknowledged_at, k.resolved_at) FROM complaints k JOIN contacts c ON c.id = k.contact_id \
                 WHERE k.agency_id = $1 AND k.received_at >= $2 AND k.received_at < $3 \
                 AND COALESCE(k.acknowledged_at, k.resolved_at) IS NOT NULL AND ($4 IS NULL OR c.owner_id = $4)",
            )
            .bind(actor.agency_id)
            .bind(from)
            .bind(to)
            .bind(owner)
            .fetch_all(&self.pool)
            .await?,
        );
        let (clients, on_time): (i64, i64) = sqlx::query_as::<E, (i64, i64)>(
            "SELECT COUNT(*), CAST(COALESCE(SUM(CASE WHEN c.next_meeting_due IS NULL OR c.next_meeting_due >= $2 THEN 1 ELSE 0 END), 0) AS BIGINT) \
             FROM contacts c WHERE c.agency_id = $1 AND c.stage = 'client' AND c.deleted_at IS NULL AND ($3 IS NULL OR c.owner_id = $3)",
        )
        .bind(actor.agency_id)
        .bind(today)
        .bind(owner)
        .fetch_one(&self.pool)
        .await?;
        Ok(KpiFacts {
            met_prospects: met,
            met_became_clients: became,
            clients_year_ago: then,
            clients_kept: kept,
            recommend_scores: scores.into_iter().filter_map(|(s,)| u8::try_from(s).ok()).collect(),
            response_hours: waits
                .into_iter()
                .map(|(a, b)| (b - a).num_minutes().max(0) as f64 / 60.0)
                .collect(),
            clients,
            clients_on_time: on_time,
        })
    }
}
