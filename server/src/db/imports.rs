//! Imports (issue 11): the file kept between its preview and its run, the history, and what
//! the plan needs to know of the agency (its records' duplicate keys, its advisors). The
//! records themselves are written by `Store::apply_import`, through the same insert as a record
//! created by hand, in one transaction.

use async_trait::async_trait;
use chrono::{DateTime, Utc};
use shared::import::fields::Advisor;
use shared::import::Existing;
use shared::record::{display_name, ContactKind};
use sqlx::FromRow;
use uuid::Uuid;

use tournee_store_macros::engine_bounds;

use super::contacts::NewRow;
use super::engine::{Engine, SqlStore};
use super::{Actor, ContactFields, ImportApply, StoreError, StoreResult};

/// A file read and kept for its import.
#[derive(Debug, Clone, PartialEq, FromRow)]
pub struct ImportRow {
    pub id: Uuid,
    pub created_by: Uuid,
    pub created_at: DateTime<Utc>,
    pub file_name: String,
    pub encoding: String,
    pub delimiter: String,
    pub line_count: i64,
    /// The decoded text; cleared once imported.
    pub content: Option<String>,
    /// `draft`, `running`, `done` or `failed`.
    pub status: String,
    /// JSON: `shared::import::ImportOptions` of the run.
    pub options: Option<String>,
    /// JSON: `shared::import::plan::Counts`.
    pub counts: Option<String>,
    /// JSON: the report's lines.
    pub report: Option<String>,
    pub error: Option<String>,
    pub finished_at: Option<DateTime<Utc>>,
}

const COLUMNS: &str =
    "id, created_by, created_at, file_name, encoding, delimiter, line_count, content, status, options, \
     counts, report, error, finished_at";

#[async_trait]
pub trait ImportStore: Send + Sync {
    /// Keeps a file read for an import (status `draft`).
    async fn save_import(&self, actor: &Actor, row: &ImportRow) -> StoreResult<()>;
    /// One import of the actor's agency.
    async fn import(&self, actor: &Actor, id: Uuid) -> StoreResult<ImportRow>;
    /// The agency's imports, newest first, without their files and reports.
    async fn imports(&self, actor: &Actor) -> StoreResult<Vec<ImportRow>>;
    /// Takes a draft (or a failed run) to run it; `Conflict` when it runs or ran already.
    async fn claim_import(&self, actor: &Actor, id: Uuid, options_json: &str) -> StoreResult<()>;
    /// Records a failed run (nothing of it was kept).
    async fn fail_import(&self, actor: &Actor, id: Uuid, error: &str, now: DateTime<Utc>) -> StoreResult<()>;
    /// Runs cut by a stop of the server are failed runs (their transaction rolled back).
    async fn fail_interrupted_imports(&self, now: DateTime<Utc>) -> StoreResult<u64>;
    /// The agency's live records as the duplicate check sees them, and its active users.
    async fn import_base(&self, agency_id: Uuid) -> StoreResult<(Vec<Existing>, Vec<Advisor>)>;
    /// The agency's active users, whom a line may name as its advisor.
    async fn import_advisors(&self, agency_id: Uuid) -> StoreResult<Vec<Advisor>>;
    /// Writes an import's records (created through the same insert as by hand, or updated as
    /// an edit) and marks the import done, in one transaction: all or nothing.
    async fn apply_import(&self, actor: &Actor, import: &ImportApply<'_>, now: DateTime<Utc>) -> StoreResult<()>;
}

#[derive(FromRow)]
struct KeyRow {
    id: Uuid,
    kind: String,
    first_name: String,
    last_name: String,
    company_name: String,
    email_key: Option<String>,
    phone_mobile: String,
    phone_landline: String,
    name_key: Option<String>,
    import_key: Option<String>,
}

#[engine_bounds]
#[async_trait]
impl<E> ImportStore for SqlStore<E> {
    async fn save_import(&self, actor: &Actor, r: &ImportRow) -> StoreResult<()> {
        sqlx::query::<E>(
            "INSERT INTO imports (id, agency_id, created_by, created_at, file_name, encoding, delimiter, line_count, content, status) \
             VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, 'draft')",
        )
        .bind(r.id)
        .bind(actor.agency_id)
        .bind(actor.user_id)
        .bind(r.created_at)
        .bind(r.file_name.clone())
        .bind(r.encoding.clone())
        .bind(r.delimiter.clone())
        .bind(r.line_count)
        .bind(r.content.clone())
        .execute(&mut *self.conn().await?)
        .await?;
        // Drafts never run are dropped after a day: they hold a whole file.
        sqlx::query::<E>("DELETE FROM imports WHERE agency_id = $1 AND status = 'draft' AND created_at < $2")
            .bind(actor.agency_id)
            .bind(r.created_at - chrono::Duration::days(1))
            .execute(&mut *self.conn().await?)
            .await?;
        Ok(())
    }

    async fn import(&self, actor: &Actor, id: Uuid) -> StoreResult<ImportRow> {
        sqlx::query_as::<E, ImportRow>(&format!(
            "SELECT {COLUMNS} FROM imports WHERE id = $1 AND agency_id = $2"
        ))
        .bind(id)
        .bind(actor.agency_id)
        .fetch_optional(&mut *self.conn().await?)
        .await?
        .ok_or(StoreError::NotFound)
    }

    async fn imports(&self, actor: &Actor) -> StoreResult<Vec<ImportRow>> {
        let sql = "SELECT id, created_by, created_at, file_name, encoding, delimiter, line_count, NULL AS content, status, \
             options, counts, NULL AS report, error, finished_at FROM imports WHERE agency_id = $1 AND status <> 'draft' \
             ORDER BY created_at DESC LIMIT 100";
        Ok(sqlx::query_as::<E, ImportRow>(sql)
            .bind(actor.agency_id)
            .fetch_all(&mut *self.conn().await?)
            .await?)
    }

    async fn claim_import(&self, actor: &Actor, id: Uuid, options_json: &str) -> StoreResult<()> {
        let done = sqlx::query::<E>(
            "UPDATE imports SET status = 'running', options = $3, error = NULL \
             WHERE id = $1 AND agency_id = $2 AND status IN ('draft', 'failed') AND content IS NOT NULL",
        )
        .bind(id)
        .bind(actor.agency_id)
        .bind(options_json.to_string())
        .execute(&mut *self.conn().await?)
        .await?;
        if E::rows_affected(&done) == 1 {
            return Ok(());
        }
        self.import(actor, id).await?;
        Err(StoreError::Conflict("cet import est déjà lancé ou fait".into()))
    }

    async fn fail_import(&self, actor: &Actor, id: Uuid, error: &str, now: DateTime<Utc>) -> StoreResult<()> {
        sqlx::query::<E>(
            "UPDATE imports SET status = 'failed', error = $3, finished_at = $4 WHERE id = $1 AND agency_id = $2",
        )
        .bind(id)
        .bind(actor.agency_id)
        .bind(error.to_string())
        .bind(now)
        .execute(&mut *self.conn().await?)
        .await?;
        Ok(())
    }

    async fn fail_interrupted_imports(&self, now: DateTime<Utc>) -> StoreResult<u64> {
        let done = sqlx::query::<E>(
            "UPDATE imports SET status = 'failed', error = 'interrompu par un arrêt du serveur : rien n''a été importé', \
             finished_at = $1 WHERE status = 'running'",
        )
        .bind(now)
        .execute(&mut *self.conn().await?)
        .await?;
        Ok(E::rows_affected(&done))
    }

    async fn import_base(&self, agency_id: Uuid) -> StoreResult<(Vec<Existing>, Vec<Advisor>)> {
        let rows = sqlx::query_as::<E, KeyRow>(
            "SELECT id, kind, first_name, last_name, company_name, email_key, phone_mobile, phone_landline, name_key, import_key \
             FROM contacts WHERE agency_id = $1 AND deleted_at IS NULL",
        )
        .bind(agency_id)
        .fetch_all(&mut *self.conn().await?)
        .await?;
        let existing = rows
            .into_iter()
            .map(|r| Existing {
                id: r.id,
                name: display_name(
                    ContactKind::parse(&r.kind).unwrap_or_default(),
                    &r.first_name,
                    &r.last_name,
                    &r.company_name,
                ),
                email_key: r.email_key,
                phones: [r.phone_mobile, r.phone_landline]
                    .into_iter()
                    .filter(|p| !p.is_empty())
                    .collect(),
                name_key: r.name_key,
                import_key: r.import_key,
            })
            .collect();
        Ok((existing, self.import_advisors(agency_id).await?))
    }

    async fn import_advisors(&self, agency_id: Uuid) -> StoreResult<Vec<Advisor>> {
        Ok(sqlx::query_as::<E, (Uuid, String, String)>(
            "SELECT id, email, display_name FROM users WHERE agency_id = $1 AND disabled_at IS NULL ORDER BY display_name",
        )
        .bind(agency_id)
        .fetch_all(&mut *self.conn().await?)
        .await?
        .into_iter()
        .map(|(id, email, name)| Advisor { id, email, name })
        .collect())
    }

    async fn apply_import(
        &self,
        actor: &Actor,
        import: &crate::db::ImportApply<'_>,
        now: DateTime<Utc>,
    ) -> StoreResult<()> {
        // One transaction of a hundred thousand records: SQLite would spill its dirty
        // pages to the WAL again and again as its cache fills (the WAL grew past 250 MB
        // for 30 000 records); with spilling off they stay in memory until the commit.
        let mut conn = self.pool.acquire().await?;
        if <E as Engine>::NAME == "sqlite" {
            sqlx::query("PRAGMA cache_spill = OFF").execute(&mut *conn).await?;
        }
        let outcome = self.apply_import_on(&mut conn, actor, import, now).await;
        if <E as Engine>::NAME == "sqlite" {
            sqlx::query("PRAGMA cache_spill = ON").execute(&mut *conn).await?;
        }
        outcome
    }
}

#[engine_bounds]
impl<E> SqlStore<E> {
    /// [`Store::apply_import`] on one connection, in one transaction.
    pub(crate) async fn apply_import_on(
        &self,
        conn: &mut E::Connection,
        actor: &Actor,
        import: &crate::db::ImportApply<'_>,
        now: DateTime<Utc>,
    ) -> StoreResult<()> {
        let mut tx = sqlx::Connection::begin(conn).await?;
        // The checks and the settings once, a block of change numbers: a record written
        // is four statements.
        let settings = Self::settings_tx(&mut tx, actor.agency_id).await?;
        let mut owners_checked = Vec::new();
        let creates = import.writes.iter().filter(|w| !w.update).count() as i64;
        let first_seq = if creates > 0 {
            self.next_seq_as(&mut tx, actor, creates).await? - creates + 1
        } else {
            0
        };
        let mut created = 0;
        // New records go in by blocks: one statement writes 200 rows, three more their
        // words, stage lines and timeline lines.
        let mut rows: Vec<NewRow<'_>> = Vec::new();
        let mut pending: Vec<(Uuid, &ContactFields, Option<&str>, i64)> = Vec::new();
        for w in import.writes {
            if w.update {
                let seq = self.next_seq_as(&mut tx, actor, 1).await?;
                let row = Self::visible_row(&mut tx, actor, w.id).await?;
                self.write_contact_edit(&mut tx, actor, w.id, &row, &w.fields, seq, now)
                    .await?;
                sqlx::query("UPDATE contacts SET import_key = CASE WHEN import_key IS NULL THEN $2 ELSE import_key || ' ' || $2 END WHERE id = $1")
                    .bind(w.id).bind(&w.import_key).execute(&mut *tx).await?;
            } else {
                let owner = w.fields.owner_id.unwrap_or(actor.user_id);
                if !owners_checked.contains(&owner) || w.fields.referred_by.is_some() {
                    self.check_new_contact(&mut tx, actor, w.id, &w.fields).await?;
                    owners_checked.push(owner);
                }
                let seq = first_seq + created;
                created += 1;
                rows.push(NewRow {
                    id: w.id,
                    fields: &w.fields,
                    seq,
                    import: Some((import.id, &w.import_key)),
                });
                pending.push((w.id, &w.fields, Some(w.stage_reason.as_str()), seq));
                if pending.len() == 200 {
                    Self::insert_contact_rows(&mut tx, actor, &rows, now, &settings).await?;
                    Self::write_created_lines(&mut tx, actor, &pending, now).await?;
                    rows.clear();
                    pending.clear();
                }
            }
            import.progress.fetch_add(1, std::sync::atomic::Ordering::Relaxed);
        }
        Self::insert_contact_rows(&mut tx, actor, &rows, now, &settings).await?;
        Self::write_created_lines(&mut tx, actor, &pending, now).await?;
        let done = sqlx::query(
            "UPDATE imports SET status = 'done', counts = $3, report = $4, content = NULL, finished_at = $5 \
             WHERE id = $1 AND agency_id = $2 AND status = 'running'",
        )
        .bind(import.id)
        .bind(actor.agency_id)
        .bind(import.counts_json)
        .bind(import.report_json)
        .bind(now)
        .execute(&mut *tx)
        .await?;
        if E::rows_affected(&done) != 1 {
            return Err(StoreError::Conflict("cet import n'est plus en cours".into()));
        }
        tx.commit().await?;
        Ok(())
    }
}
