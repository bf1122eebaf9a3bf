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
    seq: i64,
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
            seq: self.seq,
        })
    }
}

const COLUMNS: &str =
    "k.id, k.contact_id, k.purpose, k.granted, k.channel, k.proof, k.at, u.display_name AS recorded_by_name, k.seq";
const FROM: &str = "FROM consents k JOIN users u ON u.id = k.recorded_by";

#[engine_bounds]
impl<E> SqlStore<E> {
    /// The consents written between two change numbers, with the owner of their record (the
    /// pull sends each to whoever sees the record).
    pub(crate) async fn consents_changed(
        conn: &mut E::Connection,
        agency_id: Uuid,
        after: i64,
        upper: i64,
    ) -> StoreResult<Vec<(Consent, Uuid)>> {
        let sql = format!(
            "SELECT {COLUMNS}, c.owner_id AS contact_owner_id {FROM} JOIN contacts c ON c.id = k.contact_id \
             WHERE k.agency_id = $1 AND k.seq > $2 AND k.seq <= $3 AND c.deleted_at IS NULL"
        );
        sqlx::query_as::<E, ConsentRowWithOwner>(&sql)
            .bind(agency_id)
            .bind(after)
            .bind(upper)
            .fetch_all(&mut *conn)
            .await?
            .into_iter()
            .map(|r| Ok((r.consent.into_consent()?, r.contact_owner_id)))
            .collect()
    }
}

#[derive(FromRow)]
struct ConsentRowWithOwner {
    #[sqlx(flatten)]
    consent: ConsentRow,
    contact_owner_id: Uuid,
}

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
        // The number first, like every write (it also marks a phone's mutation applied).
        let seq = self.next_seq_as(&mut tx, actor, 1).await?;
        Self::check_visible(&mut tx, actor, contact_id).await?;
        // Given offline and sent later, it keeps its time — never one ahead of the server's.
        let at = input.at.map_or(now, |at| at.min(now));
        sqlx::query::<E>("UPDATE consents SET current = $3 WHERE contact_id = $1 AND purpose = $2 AND current = $4")
            .bind(contact_id)
            .bind(input.purpose.as_str().to_string())
            .bind(false)
            .bind(true)
            .execute(&mut *tx)
            .await?;
        let id = input.id.unwrap_or_else(shared::new_id);
        sqlx::query::<E>(
            "INSERT INTO consents (id, agency_id, contact_id, purpose, granted, channel, proof, at, recorded_by, current, seq) \
             VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11)",
        )
        .bind(id)
        .bind(actor.agency_id)
        .bind(contact_id)
        .bind(input.purpose.as_str().to_string())
        .bind(input.granted)
        .bind(input.channel.as_str().to_string())
        .bind(input.proof.clone())
        .bind(at)
        .bind(actor.user_id)
        .bind(true)
        .bind(seq)
        .execute(&mut *tx)
        .await
        .map_err(|e| super::engine::map_unique(e, "ce consentement est déjà enregistré"))?;
        let row = sqlx::query_as::<E, ConsentRow>(&format!("SELECT {COLUMNS} {FROM} WHERE k.id = $1"))
            .bind(id)
            .fetch_one(&mut *tx)
            .await?;
        tx.commit().await?;
        row.into_consent()
    }

    async fn consents(&self, actor: &Actor, contact_id: Uuid) -> StoreResult<Vec<Consent>> {
        let mut conn = self.conn().await?;
        Self::check_visible(&mut conn, actor, contact_id).await?;
        sqlx::query_as::<E, ConsentRow>(&format!(
            "SELECT {COLUMNS} {FROM} WHERE k.contact_id = $1 ORDER BY k.at, k.id"
        ))
        .bind(contact_id)
        .fetch_all(&mut *conn)
        .await?
        .into_iter()
        .map(ConsentRow::into_consent)
        .collect()
    }
}
