//! PostgreSQL, for agencies that outgrow one machine.

use sqlx::postgres::PgPoolOptions;
use std::time::Duration;

pub type PgStore = super::SqlStore<sqlx::Postgres>;

impl PgStore {
    pub async fn connect(url: &str) -> anyhow::Result<Self> {
        let pool = PgPoolOptions::new()
            .max_connections(16)
            .acquire_timeout(Duration::from_secs(10))
            .after_release(|conn, _| Box::pin(super::reusable(conn)))
            // A commit is acknowledged (and a phone drops its copy) only once it is durable,
            // whatever the server's default says.
            .after_connect(|conn, _| {
                Box::pin(async move {
                    sqlx::Executor::execute(&mut *conn, "SET synchronous_commit = on").await?;
                    Ok(())
                })
            })
            .connect(url)
            .await?;
        sqlx::migrate!("./migrations/postgres").run(&pool).await?;
        let store = PgStore::new(pool);
        let indexed = store.backfill_terms().await?;
        if indexed > 0 {
            tracing::info!(indexed, "search index backfilled");
        }
        Ok(store)
    }
}
