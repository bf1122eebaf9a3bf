//! Imports (issue 11): the file kept between its preview and its run, the history, and what
//! the plan needs to know of the agency (its records' duplicate keys, its advisors). The
//! records themselves are written by `Store::apply_import`, through the same insert as a record
//! created by hand, in one transaction.

use async_trait::async_trait;
use chrono::{DateTime, Utc};
use shared::import::fields::Advisor;
use shared::import::Existing;
use shared::record::{display_name, ContactKind};
use sqlx::{Encode, Executor, FromRow, IntoArguments, Pool, Type};
use uuid::Uuid;

use super::engine::{Engine, SqlStore};
use super::{Actor, StoreError, StoreResult};

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

#[async_trait]
impl<E> ImportStore for SqlStore<E>
where
    E: Engine,
    for<'q> E::Arguments<'q>: IntoArguments<'q, E>,
    for<'c> &'c Pool<E>: Executor<'c, Database = E>,
    Uuid: for<'q> Encode<'q, E> + Type<E>,
    String: for<'q> Encode<'q, E> + Type<E>,
    i64: for<'q> Encode<'q, E> + Type<E>,
    Option<String>: for<'q> Encode<'q, E> + Type<E>,
    DateTime<Utc>: for<'q> Encode<'q, E> + Type<E>,
    ImportRow: for<'r> FromRow<'r, E::Row>,
    KeyRow: for<'r> FromRow<'r, E::Row>,
    (Uuid, String, String): for<'r> FromRow<'r, E::Row>,
{
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
        .execute(&self.pool)
        .await?;
        // Drafts never run are dropped after a day: they hold a whole file.
        sqlx::query::<E>("DELETE FROM imports WHERE agency_id = $1 AND status = 'draft' AND created_at < $2")
            .bind(actor.agency_id)
            .bind(r.created_at - chrono::Duration::days(1))
            .execute(&self.pool)
            .await?;
        Ok(())
    }

    async fn import(&self, actor: &Actor, id: Uuid) -> StoreResult<ImportRow> {
        sqlx::query_as::<E, ImportRow>(&format!(
            "SELECT {COLUMNS} FROM imports WHERE id = $1 AND agency_id = $2"
        ))
        .bind(id)
        .bind(actor.agency_id)
        .fetch_optional(&self.pool)
        .await?
        .ok_or(StoreError::NotFound)
    }

    async fn imports(&self, actor: &Actor) -> StoreResult<Vec<ImportRow>> {
        let sql = "SELECT id, created_by, created_at, file_name, encoding, delimiter, line_count, NULL AS content, status, \
             options, counts, NULL AS report, error, finished_at FROM imports WHERE agency_id = $1 AND status <> 'draft' \
             ORDER BY created_at DESC LIMIT 100";
        Ok(sqlx::query_as::<E, ImportRow>(sql)
            .bind(actor.agency_id)
            .fetch_all(&self.pool)
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
        .execute(&self.pool)
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
        .execute(&self.pool)
        .await?;
        Ok(())
    }

    async fn fail_interrupted_imports(&self, now: DateTime<Utc>) -> StoreResult<u64> {
        let done = sqlx::query::<E>(
            "UPDATE imports SET status = 'failed', error = 'interrompu par un arrêt du serveur : rien n''a été importé', \
             finished_at = $1 WHERE status = 'running'",
        )
        .bind(now)
        .execute(&self.pool)
        .await?;
        Ok(E::rows_affected(&done))
    }

    async fn import_base(&self, agency_id: Uuid) -> StoreResult<(Vec<Existing>, Vec<Advisor>)> {
        let rows = sqlx::query_as::<E, KeyRow>(
            "SELECT id, kind, first_name, last_name, company_name, email_key, phone_mobile, phone_landline, name_key, import_key \
             FROM contacts WHERE agency_id = $1 AND deleted_at IS NULL",
        )
        .bind(agency_id)
        .fetch_all(&self.pool)
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
        let advisors = sqlx::query_as::<E, (Uuid, String, String)>(
            "SELECT id, email, display_name FROM users WHERE agency_id = $1 AND disabled_at IS NULL",
        )
        .bind(agency_id)
        .fetch_all(&self.pool)
        .await?
        .into_iter()
        .map(|(id, email, name)| Advisor { id, email, name })
        .collect();
        Ok((existing, advisors))
    }
}
