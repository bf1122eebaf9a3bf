//! Consents per purpose (issue 11, domain §8), for both engines: the rules are
//! `shared::consent`; a new word for a purpose becomes the current one, the history stays.

use async_trait::async_trait;
use chrono::{DateTime, Utc};
use shared::consent::{Channel, Consent, ConsentInput, Purpose};
use sqlx::FromRow;
use uuid::Uuid;

use tournee_store_macros::engine_bounds;

use super::engine::SqlStore;
use super::{Actor, StoreError, StoreResult};

#[async_trait]
pub trait ConsentStore: Send + Sync {
    /// Records a consent given or refused for a record the actor sees.
    async fn record_consent(
        &self,
        actor: &Actor,
        contact_id: Uuid,
        input: &ConsentInput,
        now: DateTime<Utc>,
    ) -> StoreResult<Consent>;
    /// A record's consents, oldest first.
    async fn consents(&self, actor: &Actor, contact_id: Uuid) -> StoreResult<Vec<Consent>>;
}

#[derive(FromRow)]
pub struct ConsentRow {
    id: Uuid,
    contact_id: Uuid,
    purpose: String,
    granted: bool,
    channel: String,
    proof: String,
    at: DateTime<Utc>,
    recorded_by_name: String,
}

impl ConsentRow {
    fn into_consent(self) -> StoreResult<Consent> {
        Ok(Consent {
            id: self.id,
            contact_id: self.contact_id,
            purpose: Purpose::parse(&self.purpose)
                .ok_or_else(|| StoreError::Corrupt(format!("purpose {}", self.purpose)))?,
            granted: self.granted,
            channel: Channel::parse(&self.channel)
                .ok_or_else(|| StoreError::Corrupt(format!("channel {}", self.channel)))?,
            proof: self.proof,
            at: self.at,
            recorded_by_name: self.recorded_by_name,
        })
    }
}

const SELECT: &str =
    "SELECT k.id, k.contact_id, k.purpose, k.granted, k.channel, k.proof, k.at, u.display_name AS recorded_by_name \
     FROM consents k JOIN users u ON u.id = k.recorded_by";

#[engine_bounds]
#[async_trait]
impl<E> ConsentStore for SqlStore<E> {
    async fn record_consent(
        &self,
        actor: &Actor,
        contact_id: Uuid,
        input: &ConsentInput,
        now: DateTime<Utc>,
    ) -> StoreResult<Consent> {
        let mut tx = self.begin().await?;
        Self::check_visible(&mut tx, actor, contact_id).await?;
        sqlx::query::<E>("UPDATE consents SET current = $3 WHERE contact_id = $1 AND purpose = $2 AND current = $4")
            .bind(contact_id)
            .bind(input.purpose.as_str().to_string())
            .bind(false)
            .bind(true)
            .execute(&mut *tx)
            .await?;
        let id = shared::new_id();
        sqlx::query::<E>(
            "INSERT INTO consents (id, agency_id, contact_id, purpose, granted, channel, proof, at, recorded_by, current) \
             VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10)",
        )
        .bind(id)
        .bind(actor.agency_id)
        .bind(contact_id)
        .bind(input.purpose.as_str().to_string())
        .bind(input.granted)
        .bind(input.channel.as_str().to_string())
        .bind(input.proof.clone())
        .bind(now)
        .bind(actor.user_id)
        .bind(true)
        .execute(&mut *tx)
        .await?;
        let row = sqlx::query_as::<E, ConsentRow>(&format!("{SELECT} WHERE k.id = $1"))
            .bind(id)
            .fetch_one(&mut *tx)
            .await?;
        tx.commit().await?;
        row.into_consent()
    }

    async fn consents(&self, actor: &Actor, contact_id: Uuid) -> StoreResult<Vec<Consent>> {
        let mut conn = self.conn().await?;
        Self::check_visible(&mut conn, actor, contact_id).await?;
        sqlx::query_as::<E, ConsentRow>(&format!("{SELECT} WHERE k.contact_id = $1 ORDER BY k.at, k.id"))
            .bind(contact_id)
            .fetch_all(&mut *conn)
            .await?
            .into_iter()
            .map(ConsentRow::into_consent)
            .collect()
    }
}
