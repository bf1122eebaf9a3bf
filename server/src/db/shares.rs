//! Sharing a record with a colleague: they see it (and their phone pulls it) until unshared.

use async_trait::async_trait;
use chrono::{DateTime, Utc};
use shared::api::AgencyUser;
use uuid::Uuid;

use tournee_store_macros::engine_bounds;

use super::engine::SqlStore;
use super::{Actor, StoreError, StoreResult};

/// Shares of a record.
#[async_trait]
pub trait ShareStore: Send + Sync {
    async fn share_contact(&self, actor: &Actor, id: Uuid, with: Uuid, now: DateTime<Utc>) -> StoreResult<()>;
    async fn unshare_contact(&self, actor: &Actor, id: Uuid, with: Uuid, now: DateTime<Utc>) -> StoreResult<()>;
    async fn contact_shares(&self, actor: &Actor, id: Uuid) -> StoreResult<Vec<AgencyUser>>;
}

#[engine_bounds]
#[async_trait]
impl<E> ShareStore for SqlStore<E> {
    async fn share_contact(&self, actor: &Actor, id: Uuid, with: Uuid, now: DateTime<Utc>) -> StoreResult<()> {
        let mut tx = self.begin().await?;
        let seq = self.next_seq_as(&mut tx, actor, 1).await?;
        let row = Self::visible_row(&mut tx, actor, id).await?;
        if !Self::may_manage(actor, &row) {
            return Err(StoreError::Forbidden(
                "seul le conseiller en charge ou le chef d'agence partage un dossier",
            ));
        }
        self.check_owner(&mut tx, actor.agency_id, with)
            .await
            .map_err(|_| StoreError::Invalid {
                field: "user_id".into(),
                message: "conseiller inconnu dans l'agence".into(),
            })?;
        sqlx::query(
            "INSERT INTO contact_shares (contact_id, user_id, agency_id, created_at, created_by) VALUES ($1, $2, $3, $4, $5) \
             ON CONFLICT (contact_id, user_id) DO NOTHING",
        )
        .bind(id)
        .bind(with)
        .bind(actor.agency_id)
        .bind(now)
        .bind(actor.user_id)
        .execute(&mut *tx)
        .await?;
        // The record is new to the person it is shared with: give it (and what hangs on it)
        // a new sequence number so their next pull brings it.
        sqlx::query("UPDATE contacts SET seq = $3 WHERE id = $1 AND agency_id = $2")
            .bind(id)
            .bind(actor.agency_id)
            .bind(seq)
            .execute(&mut *tx)
            .await?;
        Self::send_history_again(&mut tx, id, seq).await?;
        tx.commit().await?;
        Ok(())
    }

    async fn unshare_contact(&self, actor: &Actor, id: Uuid, with: Uuid, _now: DateTime<Utc>) -> StoreResult<()> {
        let mut tx = self.begin().await?;
        let seq = self.next_seq_as(&mut tx, actor, 1).await?;
        let row = Self::visible_row(&mut tx, actor, id).await?;
        if !Self::may_manage(actor, &row) {
            return Err(StoreError::Forbidden(
                "seul le conseiller en charge ou le chef d'agence retire un partage",
            ));
        }
        let done = sqlx::query("DELETE FROM contact_shares WHERE contact_id = $1 AND user_id = $2 AND agency_id = $3")
            .bind(id)
            .bind(with)
            .bind(actor.agency_id)
            .execute(&mut *tx)
            .await?;
        if E::rows_affected(&done) == 0 {
            return Err(StoreError::NotFound);
        }
        sqlx::query("UPDATE contacts SET seq = $3 WHERE id = $1 AND agency_id = $2")
            .bind(id)
            .bind(actor.agency_id)
            .bind(seq)
            .execute(&mut *tx)
            .await?;
        tx.commit().await?;
        Ok(())
    }

    async fn contact_shares(&self, actor: &Actor, id: Uuid) -> StoreResult<Vec<AgencyUser>> {
        self.fetch_contact(actor, id).await?;
        let rows: Vec<(Uuid, String, String)> = sqlx::query_as(
            "SELECT u.id, u.display_name, u.role FROM contact_shares s JOIN users u ON u.id = s.user_id \
             WHERE s.contact_id = $1 AND s.agency_id = $2 ORDER BY u.display_name",
        )
        .bind(id)
        .bind(actor.agency_id)
        .fetch_all(&mut *self.conn().await?)
        .await?;
        rows.into_iter().map(crate::db::rows::agency_user).collect()
    }
}
