//! A record's stage: changing it through the stage rules (`shared::stage`), its history, and
//! what follows a change (the stage line, the timeline line, telling a referrer).

use async_trait::async_trait;
use chrono::{DateTime, Utc};
use shared::record::Contact;
use shared::stage::{Stage, StageChange, StageOutcome, StageTransition};
use shared::visit::effects::{self as fx};
use uuid::Uuid;

use tournee_store_macros::engine_bounds;

use super::engine::SqlStore;
use super::rows::{ContactRow, Derived, TransitionRow};
use super::{Actor, StoreError, StoreResult};

/// Stage changes and their history.
#[async_trait]
pub trait StageStore: Send + Sync {
    async fn change_stage(
        &self,
        actor: &Actor,
        id: Uuid,
        change: &StageChange,
        now: DateTime<Utc>,
    ) -> StoreResult<Contact>;
    async fn stage_history(&self, actor: &Actor, id: Uuid) -> StoreResult<Vec<StageTransition>>;
}

#[engine_bounds]
impl<E> SqlStore<E> {
    /// Applies a stage change in the caller's transaction: the record, its stage line,
    /// its timeline line, and what follows (telling a referrer what came of a referral).
    pub(crate) async fn change_stage_tx(
        &self,
        tx: &mut E::Connection,
        actor: &Actor,
        id: Uuid,
        change: &StageChange,
        now: DateTime<Utc>,
    ) -> StoreResult<()> {
        let seq = self.next_seq_as(tx, actor, 1).await?;
        let row = Self::visible_row(tx, actor, id).await?;
        let from = row.stage()?;
        let outcome = shared::stage::apply(from, change)?;
        let settings = Self::settings_tx(tx, actor.agency_id).await?;
        let mut inputs = row.derive_inputs()?;
        inputs.stage = outcome.to;
        inputs.stage_since = now;
        let d = Derived::compute(&inputs, &settings);
        sqlx::query(
            "UPDATE contacts SET stage = $3, stage_changed_at = $4, lost_to = COALESCE($5, lost_to), score = $6, segment = $7, \
             size_class = $8, next_meeting_due = $9, next_call_due = $10, updated_at = $4, updated_by = $11, seq = $12, \
             next_due = $13 WHERE id = $1 AND agency_id = $2",
        )
        .bind(id)
        .bind(actor.agency_id)
        .bind(outcome.to.as_str())
        .bind(now)
        .bind(&outcome.competitor)
        .bind(d.score)
        .bind(d.segment.as_str())
        .bind(d.size_class.as_str())
        .bind(d.next_meeting_due)
        .bind(d.next_call_due)
        .bind(actor.user_id)
        .bind(seq)
        .bind(d.next_due())
        .execute(&mut *tx)
        .await?;
        sqlx::query(
            "INSERT INTO stage_transitions (id, agency_id, contact_id, from_stage, to_stage, kind, reason, competitor, at, author_id, seq) \
             VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11)",
        )
        .bind(shared::new_id())
        .bind(actor.agency_id)
        .bind(id)
        .bind(from.as_str())
        .bind(outcome.to.as_str())
        .bind(outcome.kind.as_str())
        .bind(&outcome.reason)
        .bind(&outcome.competitor)
        .bind(now)
        .bind(actor.user_id)
        .bind(seq)
        .execute(&mut *tx)
        .await?;
        sqlx::query("UPDATE contacts SET edited_seq = seq WHERE id = $1")
            .bind(id)
            .execute(&mut *tx)
            .await?;
        Self::stage_event(tx, actor, id, &outcome, now).await?;
        self.after_stage_change(tx, actor, &row, &outcome, now).await?;
        Ok(())
    }

    /// Tells the referrer's advisor to report back when a referred prospect becomes a
    /// client or signs elsewhere (`fx::referral_news`).
    pub(crate) async fn after_stage_change(
        &self,
        tx: &mut E::Connection,
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
        .fetch_optional(&mut *tx)
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
        let seq = self.next_seq_as(tx, actor, 1).await?;
        Self::insert_task(tx, actor.agency_id, actor.user_id, &news.task, seq, now).await?;
        Self::insert_new_event(tx, actor.agency_id, &news.event).await?;
        Ok(())
    }

    pub(crate) async fn stage_event(
        tx: &mut E::Connection,
        actor: &Actor,
        id: Uuid,
        o: &StageOutcome,
        now: DateTime<Utc>,
    ) -> StoreResult<()> {
        Self::insert_new_event(tx, actor.agency_id, &fx::stage_event(o, id, &actor.author(), now)).await?;
        Ok(())
    }
}

#[engine_bounds]
#[async_trait]
impl<E> StageStore for SqlStore<E> {
    async fn change_stage(
        &self,
        actor: &Actor,
        id: Uuid,
        change: &StageChange,
        now: DateTime<Utc>,
    ) -> StoreResult<Contact> {
        let mut tx = self.begin().await?;
        self.change_stage_tx(&mut tx, actor, id, change, now).await?;
        let row = Self::visible_row(&mut tx, actor, id).await?;
        tx.commit().await?;
        row.into_contact()
    }

    async fn stage_history(&self, actor: &Actor, id: Uuid) -> StoreResult<Vec<StageTransition>> {
        self.fetch_contact(actor, id).await?;
        let rows: Vec<TransitionRow> = sqlx::query_as(
            "SELECT t.id, t.contact_id, t.from_stage, t.to_stage, t.kind, t.reason, t.competitor, t.at, t.author_id, \
             u.display_name AS author_name FROM stage_transitions t LEFT JOIN users u ON u.id = t.author_id \
             WHERE t.contact_id = $1 AND t.agency_id = $2 ORDER BY t.seq DESC",
        )
        .bind(id)
        .bind(actor.agency_id)
        .fetch_all(&mut *self.conn().await?)
        .await?;
        rows.into_iter().map(TransitionRow::into_transition).collect()
    }
}
