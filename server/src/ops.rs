//! Operating a SQLite installation: the lock that says a server is using the database, and
//! restoring a backup made by `tournee backup` (PostgreSQL: `pg_dump` / `pg_restore`, see
//! docs/operations.md).

use std::fs::File;
use std::path::{Path, PathBuf};
use std::str::FromStr;

/// The database file of a `sqlite://` URL.
pub fn sqlite_path(url: &str) -> Option<PathBuf> {
    if !url.starts_with("sqlite:") {
        return None;
    }
    sqlx::sqlite::SqliteConnectOptions::from_str(url)
        .ok()
        .map(|o| o.get_filename().to_path_buf())
}

fn lock_path(db: &Path) -> PathBuf {
    let mut p = db.as_os_str().to_owned();
    p.push(".lock");
    PathBuf::from(p)
}

/// Held by a running server for as long as it runs: `restore` refuses to replace the file
/// under it. The operating system lets go of it when the process ends, even on kill -9.
pub struct ServerLock(#[allow(dead_code)] File);

impl ServerLock {
    /// Takes the lock of the database at `url` (SQLite only; `None` for PostgreSQL). Fails when
    /// another process holds it.
    pub fn acquire(url: &str) -> anyhow::Result<Option<ServerLock>> {
        let Some(db) = sqlite_path(url) else { return Ok(None) };
        let file = File::options()
            .create(true)
            .truncate(false)
            .write(true)
            .open(lock_path(&db))?;
        match file.try_lock() {
            Ok(()) => Ok(Some(ServerLock(file))),
            Err(std::fs::TryLockError::WouldBlock) => {
                anyhow::bail!("another Tournée server is using {}", db.display())
            }
            Err(std::fs::TryLockError::Error(e)) => Err(e.into()),
        }
    }
}

/// Replaces the database at `url` with the backup `from`, after checking the backup is a
/// sound Tournée database. Refused while a server uses the database.
pub async fn restore(url: &str, from: &Path) -> anyhow::Result<()> {
    use sqlx::{ConnectOptions, Connection};
    let db = sqlite_path(url).ok_or_else(|| anyhow::anyhow!("restore is for SQLite; for PostgreSQL use pg_restore"))?;
    let _lock = ServerLock::acquire(url).map_err(|e| anyhow::anyhow!("{e}: stop it before restoring"))?;
    {
        let mut conn = sqlx::sqlite::SqliteConnectOptions::new()
            .filename(from)
            .read_only(true)
            .connect()
            .await
            .map_err(|e| anyhow::anyhow!("{}: not a readable SQLite database: {e}", from.display()))?;
        let (check,): (String,) = sqlx::query_as("PRAGMA integrity_check").fetch_one(&mut conn).await?;
        anyhow::ensure!(check == "ok", "{}: damaged ({check})", from.display());
        let (tables,): (i64,) = sqlx::query_as(
            "SELECT count(*) FROM sqlite_master WHERE name IN ('_sqlx_migrations', 'agencies', 'contacts')",
        )
        .fetch_one(&mut conn)
        .await?;
        anyhow::ensure!(tables == 3, "{}: not a Tournée database", from.display());
        conn.close().await?;
    }
    // Copy beside the target, then rename over it: a crash leaves the old or the new file,
    // never half of one. The old WAL belongs to the old file and goes.
    let tmp = db.with_extension("restoring");
    std::fs::copy(from, &tmp)?;
    File::open(&tmp)?.sync_all()?;
    for suffix in ["-wal", "-shm"] {
        let mut p = db.as_os_str().to_owned();
        p.push(suffix);
        let _ = std::fs::remove_file(PathBuf::from(p));
    }
    std::fs::rename(&tmp, &db)?;
    Ok(())
}
