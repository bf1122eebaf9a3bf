//! Storage: one [`Store`] trait, the sum of one trait per resource (one file each), implemented
//! once for both engines by [`SqlStore<E>`].
//!
//! SQLite is the embedded default, PostgreSQL the engine for agencies that outgrow one
//! machine. Both run the same SQL (sqlx binds `$1`-style parameters on both engines and maps
//! ids, timestamps and dates to each engine's native types); what differs — connecting,
//! pragmas, migrations — lives in [`sqlite`] and [`postgres`]. The steps every write shares
//! are in `tx.rs`, the statement builder for requests of varying shape in `builder.rs`.
//!
//! Every method takes the [`Actor`] or the agency id: there is no query without the agency,
//! so a forgotten check yields "not found", never another agency's data.

pub mod accounts;
pub mod admin;
pub mod agency;
mod builder;
pub mod calendar;
pub mod complaints;
pub mod consents;
pub mod contacts;
pub mod dashboard;
pub mod engine;
pub mod geo;
pub mod imports;
pub mod meetings;
pub mod offers;
pub mod phoning;
pub mod postgres;
pub mod privacy;
pub mod reports;
mod rows;
pub mod search;
pub mod shares;
pub mod sqlite;
pub mod stages;
pub mod statistics;
pub mod sync;
pub mod targets;
pub mod tasks;
pub mod timeline;
mod tx;

use async_trait::async_trait;
use chrono::{DateTime, Utc};
use shared::api::Role;
use shared::settings::AgencySettings;
use shared::stage::StageError;
use std::sync::Arc;
use uuid::Uuid;

pub use accounts::AccountStore;
pub use admin::AdminStore;
pub use complaints::ComplaintStore;
pub use consents::ConsentStore;
pub use dashboard::DashboardStore;
pub use engine::{BatchStep, Engine, SqlStore};
pub use imports::ImportStore;
pub use offers::OfferStore;
pub use phoning::PhoningStore;
pub use privacy::PrivacyStore;
pub use rows::ContactFields;
pub use targets::TargetStore;

/// Who is asking: every contact query is scoped by this.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Actor {
    pub user_id: Uuid,
    pub agency_id: Uuid,
    pub role: Role,
    /// The sync mutation this request applies, if any: the transaction that writes its
    /// effects also records it as applied (see [`MutationAttempt`]).
    pub mutation: Option<MutationAttempt>,
}

/// A phone's mutation being applied. Every writing transaction starts by taking the agency's
/// next change number; when the actor carries a mutation, that same step marks the mutation
/// applied for its client, so effects and "applied" commit together or not at all — exactly
/// once. `attempt` is unique per try: several writes of one try record it once, and a
/// concurrent replay of the same mutation finds it taken and rolls back.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct MutationAttempt {
    pub client_id: Uuid,
    pub mutation_id: i64,
    pub attempt: Uuid,
}

impl Actor {
    /// The same person, applying a phone's mutation.
    pub fn applying(self, mutation: MutationAttempt) -> Actor {
        Actor {
            mutation: Some(mutation),
            ..self
        }
    }

    /// Managers see the whole agency; advisors their portfolio and what is shared with them.
    pub fn sees_whole_agency(&self) -> bool {
        self.role == Role::Manager
    }

    /// What this actor sees.
    pub fn scope(&self) -> Scope {
        Scope::from(self)
    }

    /// The writer, as the shared rules know them.
    pub fn author(&self) -> shared::visit::effects::Author {
        shared::visit::effects::Author {
            user_id: self.user_id,
            whole_agency: self.sees_whole_agency(),
        }
    }
}

/// Which records a read may return: what an actor sees (their portfolio and what is shared
/// with them, or the whole agency for a manager), or the whole agency for a read the rules
/// make past the actor's view — the row a write just changed, the record a report is about.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Scope {
    pub agency_id: Uuid,
    pub user_id: Uuid,
    pub whole_agency: bool,
}

impl Scope {
    /// Every record of the agency.
    pub fn agency(agency_id: Uuid) -> Scope {
        Scope {
            agency_id,
            user_id: Uuid::nil(),
            whole_agency: true,
        }
    }
}

impl From<&Actor> for Scope {
    fn from(actor: &Actor) -> Scope {
        Scope {
            agency_id: actor.agency_id,
            user_id: actor.user_id,
            whole_agency: actor.sees_whole_agency(),
        }
    }
}

#[derive(Debug, Clone, PartialEq)]
pub struct Agency {
    pub id: Uuid,
    pub name: String,
    pub settings: AgencySettings,
    pub created_at: DateTime<Utc>,
}

#[derive(Debug, Clone, PartialEq)]
pub struct User {
    pub id: Uuid,
    pub agency_id: Uuid,
    pub email: String,
    pub display_name: String,
    pub role: Role,
    pub password_hash: String,
    pub disabled: bool,
}

impl User {
    pub fn actor(&self) -> Actor {
        Actor {
            user_id: self.id,
            agency_id: self.agency_id,
            role: self.role,
            mutation: None,
        }
    }
}

#[derive(Debug, Clone)]
pub struct NewUser {
    pub agency_id: Uuid,
    pub email: String,
    pub display_name: String,
    pub role: Role,
    pub password_hash: String,
}

#[derive(Debug, Clone)]
pub struct NewSession {
    pub id: Uuid,
    pub token_hash: String,
    pub user_id: Uuid,
    pub agency_id: Uuid,
    pub created_at: DateTime<Utc>,
    pub expires_at: DateTime<Utc>,
    pub user_agent: String,
    pub ip: String,
}

#[derive(Debug, Clone, PartialEq)]
pub struct Session {
    pub id: Uuid,
    pub user_id: Uuid,
    pub created_at: DateTime<Utc>,
    pub last_seen_at: DateTime<Utc>,
    pub expires_at: DateTime<Utc>,
    pub user_agent: String,
    pub ip: String,
    pub revoked: bool,
}

/// A session found by its token, with its user and agency.
#[derive(Debug, Clone)]
pub struct SessionUser {
    pub session: Session,
    pub user: User,
    pub agency_name: String,
}

/// Keys a new record is compared on to find likely duplicates.
#[derive(Debug, Clone, Default)]
pub struct DuplicateKeys {
    pub email_key: Option<String>,
    pub phones: Vec<String>,
    pub name_key: Option<String>,
    /// The record being edited, not a duplicate of itself.
    pub exclude: Option<Uuid>,
}

/// One record an import writes.
#[derive(Debug, Clone)]
pub struct ImportWrite {
    pub id: Uuid,
    pub fields: ContactFields,
    /// Updates the record `id` instead of creating it.
    pub update: bool,
    /// The record's first stage line says where it came from.
    pub stage_reason: String,
    /// The fingerprints of the lines it came from (`shared::import::line_key`).
    pub import_key: String,
}

/// An import to write: its records, and what its history line keeps.
pub struct ImportApply<'a> {
    pub id: Uuid,
    pub writes: &'a [ImportWrite],
    pub counts_json: &'a str,
    pub report_json: &'a str,
    /// Records written so far, for the progress bar.
    pub progress: &'a std::sync::atomic::AtomicU64,
}

/// Why a storage call failed.
#[derive(Debug, thiserror::Error)]
pub enum StoreError {
    #[error("not found")]
    NotFound,
    #[error("forbidden: {0}")]
    Forbidden(&'static str),
    #[error("conflict: {0}")]
    Conflict(String),
    /// A value that passed validation but does not fit the stored data (unknown referrer…).
    #[error("invalid {field}: {message}")]
    Invalid {
        field: std::borrow::Cow<'static, str>,
        message: String,
    },
    #[error(transparent)]
    Stage(#[from] StageError),
    #[error("database: {0}")]
    Db(#[from] sqlx::Error),
    #[error("migration: {0}")]
    Migrate(#[from] sqlx::migrate::MigrateError),
    #[error("stored data is corrupt: {0}")]
    Corrupt(String),
    /// Values that do not pass validation (a merged edit, a conflict's chosen value).
    #[error("validation failed")]
    Validation(shared::record::FieldErrors),
    /// The phone's mutation was applied already (a concurrent replay got there first).
    #[error("mutation already applied")]
    AlreadyApplied,
}

pub type StoreResult<T> = Result<T, StoreError>;

impl From<shared::visit::effects::Denied> for StoreError {
    fn from(d: shared::visit::effects::Denied) -> Self {
        use shared::visit::effects::Denied;
        match d {
            Denied::Forbidden(why) => StoreError::Forbidden(why),
            Denied::Conflict(why) => StoreError::Conflict(why),
            Denied::Invalid { field, message } => StoreError::Invalid {
                field: field.into(),
                message,
            },
        }
    }
}

#[async_trait]
pub trait Store:
    accounts::AccountStore
    + contacts::ContactStore
    + search::SearchStore
    + stages::StageStore
    + shares::ShareStore
    + meetings::MeetingStore
    + reports::ReportStore
    + tasks::TaskStore
    + timeline::TimelineStore
    + calendar::CalendarStore
    + statistics::StatisticsStore
    + geo::GeoStore
    + offers::OfferStore
    + complaints::ComplaintStore
    + phoning::PhoningStore
    + targets::TargetStore
    + dashboard::DashboardStore
    + sync::SyncStore
    + imports::ImportStore
    + privacy::PrivacyStore
    + admin::AdminStore
    + consents::ConsentStore
    + Send
    + Sync
    + 'static
{
    /// `sqlite` or `postgres`.
    fn engine(&self) -> &'static str;
    /// Closes the pool: waits for the connections in use to come back, then closes them all
    /// (SQLite checkpoints its WAL on the last close).
    async fn close(&self);
    /// Whether the database answers (`GET /readyz`).
    async fn ping(&self) -> StoreResult<()>;
    /// Connections open in the pool, and idle among them (`/metrics`).
    fn pool_status(&self) -> Option<(u32, usize)>;

    /// A store whose calls all run in one transaction until [`Store::commit_batch`]: a phone's
    /// push applies its mutations in few commits. Dropped uncommitted, it rolls back.
    async fn batch(&self) -> StoreResult<DynStore>;
    /// Within a batch: one mutation's savepoint opened, kept, or undone (a refused mutation
    /// leaves nothing behind); outside a batch, nothing.
    async fn batch_step(&self, step: BatchStep) -> StoreResult<()>;
    /// Commits a batch, durably.
    async fn commit_batch(&self) -> StoreResult<()>;
    // The agency's settings (recomputes every record's class, segment and due dates).
    async fn set_agency_settings(&self, actor: &Actor, settings: &AgencySettings) -> StoreResult<u64>;
    /// A consistent copy of the live database into `path` (SQLite `VACUUM INTO`). PostgreSQL
    /// answers `Invalid`: use `pg_dump`.
    async fn backup_to(&self, path: &str) -> StoreResult<()>;
}

pub type DynStore = Arc<dyn Store>;

/// How the store is opened, beyond its URL.
#[derive(Debug, Clone, Default)]
pub struct StoreOptions {
    /// SQLite only: writes that would grow the database past this size are refused (a quota,
    /// and how the tests make the disk "full"). `None`: as large as the disk allows.
    pub max_size_bytes: Option<u64>,
}

/// Opens the store named by a database URL (`sqlite://…` or `postgres://…`) and migrates it.
pub async fn connect(url: &str) -> anyhow::Result<DynStore> {
    connect_with(url, &StoreOptions::default()).await
}

/// [`connect`] with options.
pub async fn connect_with(url: &str, options: &StoreOptions) -> anyhow::Result<DynStore> {
    if url.starts_with("sqlite:") {
        Ok(Arc::new(sqlite::SqliteStore::connect(url, options).await?))
    } else if url.starts_with("postgres:") || url.starts_with("postgresql:") {
        Ok(Arc::new(postgres::PgStore::connect(url).await?))
    } else {
        anyhow::bail!("unsupported database URL (use sqlite://FILE or postgres://…)")
    }
}

/// Whether a connection handed back to the pool may serve again.
///
/// Why this exists: a failed COMMIT (SQLITE_FULL or an I/O error while the WAL grows, a lost
/// PostgreSQL connection) leaves sqlx believing the connection is still inside a transaction,
/// while the engine may or may not have rolled it back. Returned to the pool, such a
/// connection turns the next `BEGIN` into a `SAVEPOINT` and its `COMMIT` into a `RELEASE`:
/// later writes were answered 201 and never committed, and the open transaction kept the
/// database locked until a restart (2 620 of 2 633 acknowledged writes lost in
/// `tests/api/durability.rs` before this). So a connection goes back only when its queued
/// rollback has run (the ping is processed after it) and it is outside any transaction;
/// otherwise the pool closes it and opens a clean one.
pub(crate) async fn reusable<C: sqlx::Connection>(conn: &mut C) -> Result<bool, sqlx::Error> {
    conn.ping().await?;
    Ok(!conn.is_in_transaction())
}

/// Whether a storage failure is the storage being unavailable — full, locked, unreachable,
/// restarting — rather than a fault in the request or the code: the client should retry
/// later (503), and nothing of the write was kept.
pub fn is_unavailable(e: &sqlx::Error) -> bool {
    match e {
        sqlx::Error::PoolTimedOut | sqlx::Error::PoolClosed | sqlx::Error::Io(_) | sqlx::Error::WorkerCrashed => true,
        sqlx::Error::Database(d) => {
            let code = d.code().unwrap_or_default();
            match code.parse::<i64>() {
                // SQLite (extended codes carry the primary one in the low byte): BUSY, LOCKED,
                // NOMEM, READONLY, IOERR, FULL, CANTOPEN, PROTOCOL.
                Ok(n) => matches!(n & 0xff, 5 | 6 | 7 | 8 | 10 | 13 | 14 | 15),
                // PostgreSQL SQLSTATE classes: connection exception, insufficient resources
                // (disk full, out of memory, too many connections), operator intervention
                // (shutdown, terminated), system error; serialization failures and deadlocks.
                Err(_) => {
                    ["08", "53", "57", "58"].iter().any(|class| code.starts_with(class))
                        || code == "40001"
                        || code == "40P01"
                }
            }
        }
        _ => false,
    }
}

/// Microsecond precision: what PostgreSQL keeps, so both engines return what was written.
pub fn now() -> DateTime<Utc> {
    micros(Utc::now())
}

/// An instant cut to microseconds, the precision both engines keep (a timeline cursor must
/// compare equal to what was stored).
pub fn micros(t: DateTime<Utc>) -> DateTime<Utc> {
    DateTime::from_timestamp_micros(t.timestamp_micros()).unwrap_or(t)
}
