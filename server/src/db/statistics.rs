//! Activity statistics (*statistiques d'activité*): objections heard and overcome, referral
//! requests and what became of them, per advisor. Managers see the agency (or one advisor);
//! advisors their own figures.

use async_trait::async_trait;
use chrono::{DateTime, Utc};
use shared::api::ObjectionStat;
use uuid::Uuid;

use tournee_store_macros::engine_bounds;

use super::engine::SqlStore;
use super::{Actor, StoreResult};

/// Objection counts per advisor, before grouping.
pub type ObjectionCounts = Vec<ObjectionStat>;

/// Per advisor: reports, reports with referrals asked, names obtained, names now clients.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct ReferralCounts {
    pub reports: i64,
    pub asked: i64,
    pub obtained: i64,
    pub converted: i64,
}

type ObjectionRow = (Option<String>, String, Uuid, String, i64, i64);

#[async_trait]
pub trait StatisticsStore: Send + Sync {
    async fn objection_counts(
        &self,
        actor: &Actor,
        from: DateTime<Utc>,
        to: DateTime<Utc>,
        owner: Option<Uuid>,
    ) -> StoreResult<ObjectionCounts>;
    async fn referral_counts(
        &self,
        actor: &Actor,
        from: DateTime<Utc>,
        to: DateTime<Utc>,
        owner: Option<Uuid>,
    ) -> StoreResult<Vec<(Uuid, String, ReferralCounts)>>;
}

#[engine_bounds]
#[async_trait]
impl<E> StatisticsStore for SqlStore<E> {
    async fn objection_counts(
        &self,
        actor: &Actor,
        from: DateTime<Utc>,
        to: DateTime<Utc>,
        owner: Option<Uuid>,
    ) -> StoreResult<ObjectionCounts> {
        let owner = if actor.sees_whole_agency() {
            owner
        } else {
            Some(actor.user_id)
        };
        let rows: Vec<ObjectionRow> = sqlx::query_as::<E, ObjectionRow>(
            "SELECT o.code, o.label, o.author_id, u.display_name, COUNT(*) AS n, \
             SUM(CASE WHEN o.overcome THEN 1 ELSE 0 END) AS overcome \
             FROM objections o JOIN users u ON u.id = o.author_id \
             WHERE o.agency_id = $1 AND o.at >= $2 AND o.at < $3 AND ($4 IS NULL OR o.author_id = $4) \
             GROUP BY o.code, o.label, o.author_id, u.display_name",
        )
        .bind(actor.agency_id)
        .bind(from)
        .bind(to)
        .bind(owner)
        .fetch_all(&mut *self.conn().await?)
        .await?;
        Ok(rows
            .into_iter()
            .map(|(code, label, advisor, name, count, overcome)| ObjectionStat {
                code,
                label,
                advisor_id: Some(advisor),
                advisor_name: Some(name),
                count,
                overcome,
            })
            .collect())
    }

    async fn referral_counts(
        &self,
        actor: &Actor,
        from: DateTime<Utc>,
        to: DateTime<Utc>,
        owner: Option<Uuid>,
    ) -> StoreResult<Vec<(Uuid, String, ReferralCounts)>> {
        let owner = if actor.sees_whole_agency() {
            owner
        } else {
            Some(actor.user_id)
        };
        let users: Vec<(Uuid, String)> = sqlx::query_as::<E, (Uuid, String)>(
            "SELECT id, display_name FROM users WHERE agency_id = $1 AND disabled_at IS NULL ORDER BY display_name",
        )
        .bind(actor.agency_id)
        .fetch_all(&mut *self.conn().await?)
        .await?;
        let reports: Vec<(Uuid, i64, i64)> = sqlx::query_as::<E, (Uuid, i64, i64)>(
            "SELECT author_id, COUNT(*), SUM(CASE WHEN referrals_asked THEN 1 ELSE 0 END) FROM visit_reports \
             WHERE agency_id = $1 AND created_at >= $2 AND created_at < $3 GROUP BY author_id",
        )
        .bind(actor.agency_id)
        .bind(from)
        .bind(to)
        .fetch_all(&mut *self.conn().await?)
        .await?;
        let names: Vec<(Uuid, i64, i64)> = sqlx::query_as::<E, (Uuid, i64, i64)>(
            "SELECT r.advisor_id, COUNT(*), SUM(CASE WHEN c.stage = 'client' THEN 1 ELSE 0 END) FROM referrals r \
             JOIN contacts c ON c.id = r.prospect_id WHERE r.agency_id = $1 AND r.at >= $2 AND r.at < $3 \
             GROUP BY r.advisor_id",
        )
        .bind(actor.agency_id)
        .bind(from)
        .bind(to)
        .fetch_all(&mut *self.conn().await?)
        .await?;
        Ok(users
            .into_iter()
            .filter(|(id, _)| owner.is_none_or(|o| o == *id))
            .map(|(id, name)| {
                let (reports, asked) = reports.iter().find(|r| r.0 == id).map(|r| (r.1, r.2)).unwrap_or((0, 0));
                let (obtained, converted) = names.iter().find(|r| r.0 == id).map(|r| (r.1, r.2)).unwrap_or((0, 0));
                (
                    id,
                    name,
                    ReferralCounts {
                        reports,
                        asked,
                        obtained,
                        converted,
                    },
                )
            })
            .collect())
    }
}
