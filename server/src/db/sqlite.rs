//! SQLite, the embedded default: one file, no set-up.
//!
//! Durability first: WAL journal with `synchronous=FULL` (a committed visit report survives a
//! power cut), foreign keys on, and a busy timeout so concurrent writers wait instead of
//! failing.

use sqlx::sqlite::{SqliteConnectOptions, SqliteJournalMode, SqlitePoolOptions, SqliteSynchronous};
use std::str::FromStr;
use std::time::Duration;

pub type SqliteStore = super::SqlStore<sqlx::Sqlite>;

impl SqliteStore {
    pub async fn connect(url: &str, store_options: &super::StoreOptions) -> anyhow::Result<Self> {
        let mut options = SqliteConnectOptions::from_str(url)?
            .create_if_missing(true)
            .journal_mode(SqliteJournalMode::Wal)
            .synchronous(SqliteSynchronous::Full)
            .foreign_keys(true)
            .busy_timeout(Duration::from_secs(10))
            // The WAL is checkpointed every 1 000 pages (SQLite's default); after a burst of
            // writes its file is cut back to 64 MB instead of keeping its largest size.
            .pragma("journal_size_limit", (64 * 1024 * 1024).to_string())
            // 32 MiB of page cache per connection (SQLite's default is 2 MiB): the dashboards
            // read ranges of hundreds of thousands of index entries.
            .pragma("cache_size", "-32768")
            // Reads go through a memory map of the first GiB of the file instead of a system
            // call per page missing from the cache: the KPIs' correlated lookups on a 400 MB
            // agency took a third less time (docs/benchmarks.md, session 14). Writes still go
            // through the WAL, so durability is unchanged.
            .pragma("mmap_size", (1024 * 1024 * 1024).to_string())
            // A query's rows wait for the request's task in a channel of 4 096 (sqlx's
            // default is 50): SQLite's thread runs a pull page's 1 000 rows through without
            // stopping and waking for each (docs/benchmarks.md, session 19).
            .row_buffer_size(4096);
        if let Some(bytes) = store_options.max_size_bytes {
            // The default page size (4 KiB) is kept, so the limit is a page count.
            options = options.pragma("max_page_count", (bytes / 4096).max(1).to_string());
        }
        if let Some(dir) = options.get_filename().parent() {
            if !dir.as_os_str().is_empty() {
                std::fs::create_dir_all(dir)?;
            }
        }
        let pool = SqlitePoolOptions::new()
            .max_connections(8)
            .acquire_timeout(Duration::from_secs(10))
            .after_release(|conn, _| Box::pin(super::reusable(conn)))
            .connect_with(options)
            .await?;
        sqlx::migrate!("./migrations/sqlite").run(&pool).await?;
        let store = SqliteStore::new(pool);
        let indexed = store.backfill_terms().await?;
        if indexed > 0 {
            tracing::info!(indexed, "search index backfilled");
        }
        Ok(store)
    }
}
