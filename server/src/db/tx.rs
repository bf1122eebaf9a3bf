//! The steps every writing transaction shares: the agency's change number (with the phone's
//! mutation marked applied), the settings, the visibility of a record, the owner and referrer
//! checks.

use shared::settings::AgencySettings;
use uuid::Uuid;

use tournee_store_macros::engine_bounds;

use super::contacts::CONTACT_SELECT;
use super::engine::{SqlStore, Tx};
use super::rows::ContactRow;
use super::{Actor, StoreError, StoreResult};

#[engine_bounds]
impl<E> SqlStore<E> {
    pub(crate) async fn next_seq(tx: &mut Tx<'_, E>, agency_id: Uuid, count: i64) -> StoreResult<i64> {
        let (seq,): (i64,) =
            sqlx::query_as("UPDATE agencies SET change_seq = change_seq + $2 WHERE id = $1 RETURNING change_seq")
                .bind(agency_id)
                .bind(count)
                .fetch_optional(&mut **tx)
                .await?
                .ok_or(StoreError::NotFound)?;
        Ok(seq)
    }

    /// [`Self::next_seq`] for a write made by `actor`. When the write applies a phone's
    /// mutation, the mutation is marked applied here, in the same transaction as its
    /// effects: both commit or neither does (exactly once). A try that finds the
    /// mutation taken by another try rolls back with `AlreadyApplied`.
    pub(crate) async fn next_seq_as(tx: &mut Tx<'_, E>, actor: &Actor, count: i64) -> StoreResult<i64> {
        let seq = Self::next_seq(tx, actor.agency_id, count).await?;
        if let Some(m) = actor.mutation {
            let done = sqlx::query(crate::db::sync::MARK_APPLIED)
                .bind(m.client_id)
                .bind(actor.user_id)
                .bind(m.mutation_id)
                .bind(m.attempt)
                .execute(&mut **tx)
                .await?;
            if E::rows_affected(&done) == 0 {
                return Err(StoreError::AlreadyApplied);
            }
        }
        Ok(seq)
    }

    pub(crate) async fn settings_tx(tx: &mut Tx<'_, E>, agency_id: Uuid) -> StoreResult<AgencySettings> {
        let (json,): (String,) = sqlx::query_as("SELECT settings FROM agencies WHERE id = $1")
            .bind(agency_id)
            .fetch_optional(&mut **tx)
            .await?
            .ok_or(StoreError::NotFound)?;
        serde_json::from_str(&json).map_err(|e| StoreError::Corrupt(format!("settings: {e}")))
    }

    /// The row if the actor may see it (live records only).
    pub(crate) async fn visible_row(tx: &mut Tx<'_, E>, actor: &Actor, id: Uuid) -> StoreResult<ContactRow> {
        let sql = format!(
            "{CONTACT_SELECT} WHERE c.id = $1 AND c.agency_id = $2 AND c.deleted_at IS NULL \
             AND ($3 OR c.owner_id = $4 OR EXISTS (SELECT 1 FROM contact_shares s WHERE s.contact_id = c.id AND s.user_id = $4))"
        );
        sqlx::query_as::<_, ContactRow>(&sql)
            .bind(id)
            .bind(actor.agency_id)
            .bind(actor.sees_whole_agency())
            .bind(actor.user_id)
            .fetch_optional(&mut **tx)
            .await?
            .ok_or(StoreError::NotFound)
    }

    pub(crate) async fn check_owner(tx: &mut Tx<'_, E>, agency_id: Uuid, owner_id: Uuid) -> StoreResult<()> {
        let found: Option<(Uuid,)> =
            sqlx::query_as("SELECT id FROM users WHERE id = $1 AND agency_id = $2 AND disabled_at IS NULL")
                .bind(owner_id)
                .bind(agency_id)
                .fetch_optional(&mut **tx)
                .await?;
        found.map(|_| ()).ok_or(StoreError::Invalid {
            field: "owner_id".into(),
            message: "conseiller inconnu dans l'agence".into(),
        })
    }

    /// The referrer named by a record must be a record the actor may see: naming one
    /// would otherwise reveal a colleague's private record through the referral chain.
    pub(crate) async fn check_referrer(
        tx: &mut Tx<'_, E>,
        actor: &Actor,
        referrer: Option<Uuid>,
        this: Uuid,
    ) -> StoreResult<()> {
        let Some(r) = referrer else { return Ok(()) };
        if r == this {
            return Err(StoreError::Invalid {
                field: "referred_by".into(),
                message: "un dossier ne peut pas se recommander lui-même".into(),
            });
        }
        match Self::visible_row(tx, actor, r).await {
            Ok(_) => Ok(()),
            Err(StoreError::NotFound) => Err(StoreError::Invalid {
                field: "referred_by".into(),
                message: "prescripteur introuvable".into(),
            }),
            Err(e) => Err(e),
        }
    }
}
