//! Calendar subscriptions (*abonnement d'agenda*): one secret feed address per advisor, stored
//! as a hash.

use async_trait::async_trait;
use chrono::{DateTime, Utc};
use uuid::Uuid;

use tournee_store_macros::engine_bounds;

use super::engine::SqlStore;
use super::rows::UserRow;
use super::{Actor, StoreResult, User};

#[async_trait]
pub trait CalendarStore: Send + Sync {
    /// Replaces the user's feed secret.
    async fn set_calendar_feed(&self, user: &Actor, token_hash: &str, now: DateTime<Utc>) -> StoreResult<()>;
    /// When the user's feed was made, if there is one.
    async fn calendar_feed(&self, user_id: Uuid) -> StoreResult<Option<DateTime<Utc>>>;
    async fn revoke_calendar_feed(&self, user_id: Uuid) -> StoreResult<bool>;
    /// The (enabled) user a feed secret belongs to.
    async fn calendar_user(&self, token_hash: &str) -> StoreResult<Option<User>>;
}

#[engine_bounds]
#[async_trait]
impl<E> CalendarStore for SqlStore<E> {
    async fn set_calendar_feed(&self, user: &Actor, token_hash: &str, now: DateTime<Utc>) -> StoreResult<()> {
        let mut tx = self.begin().await?;
        sqlx::query::<E>("DELETE FROM calendar_feeds WHERE user_id = $1")
            .bind(user.user_id)
            .execute(&mut *tx)
            .await?;
        sqlx::query::<E>(
            "INSERT INTO calendar_feeds (user_id, agency_id, token_hash, created_at) VALUES ($1, $2, $3, $4)",
        )
        .bind(user.user_id)
        .bind(user.agency_id)
        .bind(token_hash)
        .bind(now)
        .execute(&mut *tx)
        .await?;
        tx.commit().await?;
        Ok(())
    }

    async fn calendar_feed(&self, user_id: Uuid) -> StoreResult<Option<DateTime<Utc>>> {
        let row: Option<(DateTime<Utc>,)> =
            sqlx::query_as::<E, (DateTime<Utc>,)>("SELECT created_at FROM calendar_feeds WHERE user_id = $1")
                .bind(user_id)
                .fetch_optional(&mut *self.conn().await?)
                .await?;
        Ok(row.map(|(t,)| t))
    }

    async fn revoke_calendar_feed(&self, user_id: Uuid) -> StoreResult<bool> {
        let done = sqlx::query::<E>("DELETE FROM calendar_feeds WHERE user_id = $1")
            .bind(user_id)
            .execute(&mut *self.conn().await?)
            .await?;
        Ok(E::rows_affected(&done) > 0)
    }

    async fn calendar_user(&self, token_hash: &str) -> StoreResult<Option<User>> {
        let row: Option<UserRow> = sqlx::query_as::<E, UserRow>(
            "SELECT u.id, u.agency_id, u.email, u.display_name, u.role, u.password_hash, u.disabled_at \
             FROM calendar_feeds f JOIN users u ON u.id = f.user_id WHERE f.token_hash = $1",
        )
        .bind(token_hash)
        .fetch_optional(&mut *self.conn().await?)
        .await?;
        let user = row.map(UserRow::into_user).transpose()?;
        Ok(user.filter(|u| !u.disabled))
    }
}
