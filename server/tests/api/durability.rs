//! No acknowledgement without a durable commit. Sync deletes a phone's copy of a change on the
//! server's 2xx, so a 2xx for a write that is not in the database is data lost for good.
//!
//! Storage is made to fail in the middle of a stream of writes — SQLite runs out of room (a
//! database size limit, SQLITE_FULL), PostgreSQL has its connections killed under it — then
//! the database is read through a new connection: every write that was acknowledged must be
//! there, every write refused with 503 must not (SQLite: the failure is before the commit),
//! and the service must take writes again once the cause is gone, without a restart.

use crate::support::*;
use reqwest::StatusCode;
use serde_json::Value;
use shared::api::Role;
use std::sync::Arc;
use tokio::sync::Mutex;
use tournee_server::config::Config;
use tournee_server::db::{self, StoreOptions};
use uuid::Uuid;

/// Outcome of one create: the id the client chose, the status and the error code.
type Outcome = (Uuid, StatusCode, String);

/// `workers` clients create contacts until `stop` says so or `max` have been sent.
async fn stream_creates(
    user: &User,
    workers: usize,
    max: usize,
    stop: impl Fn(&[Outcome]) -> bool + Send + Sync + 'static,
) -> Vec<Outcome> {
    let outcomes: Arc<Mutex<Vec<Outcome>>> = Arc::default();
    let stop = Arc::new(stop);
    let mut tasks = Vec::new();
    for w in 0..workers {
        let (user, outcomes, stop) = (user.clone(), outcomes.clone(), stop.clone());
        tasks.push(tokio::spawn(async move {
            for i in 0.. {
                {
                    let seen = outcomes.lock().await;
                    if seen.len() >= max || stop(&seen) {
                        break;
                    }
                }
                let id = Uuid::now_v7();
                let mut body = contact(&format!("durable-{w}-{i}-{id}"));
                body["id"] = Value::String(id.to_string());
                body["notes"] = Value::String("x".repeat(1500));
                let r = user.post("/contacts", &body).await;
                let status = r.status();
                let retry_after = r.headers().get("retry-after").is_some();
                let (_, v) = crate::support::body(r).await;
                let code = v["error"].as_str().unwrap_or("").to_string();
                if status == StatusCode::SERVICE_UNAVAILABLE {
                    assert!(retry_after, "a 503 says when to come back");
                }
                outcomes.lock().await.push((id, status, code));
            }
        }));
    }
    for t in tasks {
        t.await.unwrap();
    }
    Arc::try_unwrap(outcomes).unwrap().into_inner()
}

fn trailing_failures(seen: &[Outcome]) -> usize {
    seen.iter().rev().take_while(|(_, s, _)| !s.is_success()).count()
}

/// Ids present in the contacts table, read through a connection of its own (what a restarted
/// server would see: committed data only).
async fn committed_ids(url: &str) -> Vec<Uuid> {
    use sqlx::Connection;
    let sql = "SELECT id FROM contacts";
    let rows: Vec<(Uuid,)> = if url.starts_with("sqlite:") {
        let mut conn = sqlx::SqliteConnection::connect(url).await.unwrap();
        sqlx::query_as(sql).fetch_all(&mut conn).await.unwrap()
    } else {
        let mut conn = sqlx::PgConnection::connect(url).await.unwrap();
        sqlx::query_as(sql).fetch_all(&mut conn).await.unwrap()
    };
    rows.into_iter().map(|(id,)| id).collect()
}

/// SQLite with a size limit (`PRAGMA max_page_count`): statements fail with SQLITE_FULL.
/// Runs anywhere.
#[tokio::test]
async fn sqlite_over_its_size_limit_never_acknowledges_a_lost_write_and_recovers() {
    let (url, _dir) = fresh_database().await;
    if !url.starts_with("sqlite:") {
        return; // the PostgreSQL twin is below
    }
    // Room for the schema, the accounts and a few hundred records, then SQLITE_FULL.
    let store = db::connect_with(
        &url,
        &StoreOptions {
            max_size_bytes: Some(1_200_000),
        },
    )
    .await
    .expect("open store");
    // Room comes back: the search index is dropped (rebuilt on the next start), which frees
    // pages that SQLite reuses.
    let url2 = url.clone();
    out_of_room_story(store, &url, move || {
        Box::pin(async move { free_index_pages(&url2).await })
    })
    .await;
}

/// SQLite on a real file system that fills up (a 12 MB tmpfs, 3 MB of it free): the WAL cannot grow, so the
/// commit itself fails — the case that once acknowledged 178 writes that were never saved.
/// Mounting needs root (CI and the development machines run as root); elsewhere this says
/// so and does nothing.
#[tokio::test]
async fn sqlite_on_a_full_disk_never_acknowledges_a_lost_write_and_recovers() {
    let (url, _dir) = fresh_database().await;
    if !url.starts_with("sqlite:") {
        return;
    }
    const SIZE: u64 = 12 << 20;
    let Some(mount) = Tmpfs::mount(&SIZE.to_string()) else {
        eprintln!("not root: cannot mount a tmpfs, the full-disk case is not run here");
        return;
    };
    let url = format!("sqlite://{}", mount.0.join("t.db").display());
    let store = db::connect(&url).await.expect("open store");
    // A ballast file takes all but 3 MB of what the migrated database left (so the room does
    // not shrink as migrations are added); deleting it is "room returns".
    let used: u64 = std::fs::read_dir(&mount.0)
        .unwrap()
        .map(|e| e.unwrap().metadata().unwrap().len())
        .sum();
    let ballast = mount.0.join("ballast");
    std::fs::write(&ballast, vec![0u8; (SIZE - used - (3 << 20)) as usize]).unwrap();
    out_of_room_story(store, &url, move || {
        Box::pin(async move {
            std::fs::remove_file(&ballast).unwrap();
        })
    })
    .await;
}

/// A tmpfs mounted on a temporary directory, unmounted on drop.
struct Tmpfs(std::path::PathBuf);
impl Tmpfs {
    fn mount(size: &str) -> Option<Tmpfs> {
        let dir = std::env::temp_dir().join(format!("tournee-full-{}", Uuid::now_v7().simple()));
        std::fs::create_dir_all(&dir).ok()?;
        let ok = std::process::Command::new("mount")
            .args(["-t", "tmpfs", "-o", &format!("size={size}"), "tmpfs"])
            .arg(&dir)
            .stderr(std::process::Stdio::null())
            .status()
            .map(|s| s.success())
            .unwrap_or(false);
        if ok {
            Some(Tmpfs(dir))
        } else {
            let _ = std::fs::remove_dir(&dir);
            None
        }
    }
}
impl Drop for Tmpfs {
    fn drop(&mut self) {
        let _ = std::process::Command::new("umount").arg("-l").arg(&self.0).status();
        let _ = std::fs::remove_dir(&self.0);
    }
}

/// Writes until the database refuses 40 in a row, gives room back, writes again, then reads
/// what was committed through a connection of its own.
async fn out_of_room_story(
    store: db::DynStore,
    url: &str,
    free_room: impl FnOnce() -> std::pin::Pin<Box<dyn std::future::Future<Output = ()> + Send>>,
) {
    let app = spawn_app_on(
        store,
        Config {
            database_url: url.to_string(),
            ..Config::default()
        },
    )
    .await;
    let agency = app.agency("Agence").await;
    let user = app.user(agency, "a@x.fr", Role::Advisor).await;

    let outcomes = stream_creates(&user, 4, 3_000, |seen| trailing_failures(seen) >= 40).await;
    let ok: Vec<Uuid> = outcomes
        .iter()
        .filter(|(_, s, _)| s.is_success())
        .map(|(id, _, _)| *id)
        .collect();
    let refused: Vec<&Outcome> = outcomes.iter().filter(|(_, s, _)| !s.is_success()).collect();
    eprintln!(
        "{} acknowledged, {} refused before room returned",
        ok.len(),
        refused.len()
    );
    assert!(
        ok.len() > 20,
        "there was room for some records: {} acknowledged",
        ok.len()
    );
    assert!(
        refused.len() >= 40,
        "the stream ran out of room ({} sent)",
        outcomes.len()
    );
    for (id, status, code) in &refused {
        assert_eq!(
            (*status, code.as_str()),
            (StatusCode::SERVICE_UNAVAILABLE, "storage_unavailable"),
            "out of room is a 503 the client retries, never a 500 or a 2xx ({id})"
        );
    }

    // The same server takes writes again once there is room, without a restart.
    free_room().await;
    for i in 0..5 {
        let r = user.post("/contacts", &contact(&format!("after-{i}"))).await;
        assert_eq!(r.status(), StatusCode::CREATED, "writes resume once there is room");
    }

    let committed = committed_ids(url).await;
    let lost: Vec<&Uuid> = ok.iter().filter(|id| !committed.contains(id)).collect();
    assert!(
        lost.is_empty(),
        "{} of {} acknowledged writes are not in the database",
        lost.len(),
        ok.len()
    );
    for (id, _, _) in &refused {
        assert!(!committed.contains(id), "refused {id} was not half-written");
    }
}

/// Frees pages inside the size limit: deletes the rows of the search index through a
/// connection of the test's own (it waits if a writer holds the database, and fails the test
/// if one never lets go).
async fn free_index_pages(url: &str) {
    use sqlx::{ConnectOptions, Connection};
    use std::str::FromStr;
    let mut conn = sqlx::sqlite::SqliteConnectOptions::from_str(url)
        .unwrap()
        .busy_timeout(std::time::Duration::from_secs(5))
        .connect()
        .await
        .unwrap();
    sqlx::query("DELETE FROM contact_terms")
        .execute(&mut conn)
        .await
        .expect("no connection of the server holds the database locked");
    conn.close().await.unwrap();
}

#[tokio::test]
async fn postgres_connections_killed_mid_stream_never_acknowledge_a_lost_write() {
    let (url, _dir) = fresh_database().await;
    if !url.starts_with("postgres") {
        return; // the SQLite twin is above
    }
    let store = db::connect(&url).await.expect("open store");
    let app = spawn_app_on(
        store,
        Config {
            database_url: url.clone(),
            ..Config::default()
        },
    )
    .await;
    let agency = app.agency("Agence").await;
    let user = app.user(agency, "a@x.fr", Role::Advisor).await;

    // A killer ends every other connection to the database every 15 ms while 4 clients write.
    let killer_url = url.clone();
    let killing = Arc::new(std::sync::atomic::AtomicBool::new(true));
    let k = killing.clone();
    let killer = tokio::spawn(async move {
        use sqlx::Connection;
        let mut conn = sqlx::PgConnection::connect(&killer_url).await.unwrap();
        let mut killed = 0i64;
        while k.load(std::sync::atomic::Ordering::Relaxed) {
            let (n,): (i64,) = sqlx::query_as(
                "SELECT count(pg_terminate_backend(pid)) FROM pg_stat_activity \
                 WHERE datname = current_database() AND pid <> pg_backend_pid()",
            )
            .fetch_one(&mut conn)
            .await
            .unwrap();
            killed += n;
            tokio::time::sleep(std::time::Duration::from_millis(15)).await;
        }
        killed
    });
    let outcomes = stream_creates(&user, 4, 400, |_| false).await;
    killing.store(false, std::sync::atomic::Ordering::Relaxed);
    let killed = killer.await.unwrap();
    assert!(killed > 10, "connections were killed under the server ({killed})");

    let ok: Vec<Uuid> = outcomes
        .iter()
        .filter(|(_, s, _)| s.is_success())
        .map(|(id, _, _)| *id)
        .collect();
    let refused = outcomes.iter().filter(|(_, s, _)| !s.is_success()).count();
    assert!(refused > 0, "some writes met a dead connection");
    for (id, status, code) in outcomes.iter().filter(|(_, s, _)| !s.is_success()) {
        assert_eq!(
            (*status, code.as_str()),
            (StatusCode::SERVICE_UNAVAILABLE, "storage_unavailable"),
            "a lost connection is a 503 the client retries ({id})"
        );
    }
    for i in 0..5 {
        let r = user.post("/contacts", &contact(&format!("after-{i}"))).await;
        assert_eq!(
            r.status(),
            StatusCode::CREATED,
            "writes resume once the database is back"
        );
    }
    // A commit whose answer was lost with its connection may or may not have happened, so
    // only the acknowledged ones are checked (sync's replay of the same mutation id settles
    // the rest).
    let committed = committed_ids(&url).await;
    for id in &ok {
        assert!(committed.contains(id), "acknowledged {id} is in the database");
    }
}
