//! The store's own operations ([`Store`](super::Store)): its engine, health, pool, backup, and
//! the agency's settings (which reclassify every record).

use async_trait::async_trait;
use shared::api::Role;
use shared::settings::AgencySettings;

use tournee_store_macros::engine_bounds;

use super::contacts::CONTACT_SELECT;
use super::engine::{Engine, SqlStore};
use super::rows::{ContactRow, Derived};
use super::{Actor, StoreError, StoreResult};

#[engine_bounds]
#[async_trait]
impl<E> super::Store for SqlStore<E> {
    fn engine(&self) -> &'static str {
        <E as Engine>::NAME
    }

    async fn close(&self) {
        self.pool.close().await;
    }

    async fn ping(&self) -> StoreResult<()> {
        sqlx::query("SELECT 1").execute(&self.pool).await?;
        Ok(())
    }

    async fn batch(&self) -> StoreResult<super::DynStore> {
        Ok(std::sync::Arc::new(self.new_batch().await?))
    }

    async fn batch_step(&self, step: super::BatchStep) -> StoreResult<()> {
        self.batch_savepoint(step).await
    }

    async fn commit_batch(&self) -> StoreResult<()> {
        self.store_numbers().await?;
        self.commit_batch_tx().await
    }

    fn pool_status(&self) -> Option<(u32, usize)> {
        Some((self.pool.size(), self.pool.num_idle()))
    }

    async fn set_agency_settings(&self, actor: &Actor, settings: &AgencySettings) -> StoreResult<u64> {
        if actor.role != Role::Manager {
            return Err(StoreError::Forbidden("réservé au chef d'agence"));
        }
        let mut tx = self.begin().await?;
        // Lock the agency first, like every write; the number brings the settings to every
        // phone at its next pull.
        let seq = self.next_seq_as(&mut tx, actor, 1).await?;
        let json = serde_json::to_string(settings).map_err(|e| StoreError::Corrupt(e.to_string()))?;
        sqlx::query("UPDATE agencies SET settings = $2, settings_seq = $3 WHERE id = $1")
            .bind(actor.agency_id)
            .bind(&json)
            .bind(seq)
            .execute(&mut *tx)
            .await?;
        let sql = format!("{CONTACT_SELECT} WHERE c.agency_id = $1 AND c.deleted_at IS NULL");
        let rows: Vec<ContactRow> = sqlx::query_as(&sql).bind(actor.agency_id).fetch_all(&mut *tx).await?;
        let mut changed = Vec::new();
        for row in &rows {
            let d = Derived::compute(&row.derive_inputs()?, settings);
            if d.score != row.score
                || d.segment.as_str() != row.segment
                || d.size_class.as_str() != row.size_class
                || d.next_meeting_due != row.next_meeting_due
                || d.next_call_due != row.next_call_due
            {
                changed.push((row.id, d));
            }
        }
        if !changed.is_empty() {
            let last = self.next_seq_as(&mut tx, actor, changed.len() as i64).await?;
            let first = last - changed.len() as i64 + 1;
            let now = crate::db::now();
            for (i, (id, d)) in changed.iter().enumerate() {
                sqlx::query(
                    "UPDATE contacts SET score = $3, segment = $4, size_class = $5, next_meeting_due = $6, next_call_due = $7, \
                     seq = $8, updated_at = $9, next_due = $10 WHERE id = $1 AND agency_id = $2",
                )
                .bind(id)
                .bind(actor.agency_id)
                .bind(d.score)
                .bind(d.segment.as_str())
                .bind(d.size_class.as_str())
                .bind(d.next_meeting_due)
                .bind(d.next_call_due)
                .bind(first + i as i64)
                .bind(now)
                .bind(d.next_due())
                .execute(&mut *tx)
                .await?;
            }
        }
        tx.commit().await?;
        Ok(changed.len() as u64)
    }

    async fn backup_to(&self, path: &str) -> StoreResult<()> {
        if <E as Engine>::NAME != "sqlite" {
            return Err(StoreError::Invalid {
                field: "database".into(),
                message: "PostgreSQL : utilisez pg_dump".into(),
            });
        }
        // VACUUM INTO writes a consistent snapshot of the live database (readers and
        // writers go on) into a new file; it takes the path as a string literal.
        let quoted = path.replace('\'', "''");
        sqlx::query(&format!("VACUUM INTO '{quoted}'"))
            .execute(&self.pool)
            .await?;
        Ok(())
    }
}
