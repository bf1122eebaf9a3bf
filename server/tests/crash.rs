//! kill -9 during a stream of sync pushes: every mutation the server acknowledged is there
//! after a restart, and resending the unacknowledged rest applies each mutation exactly once.
//!
//! The real `tournee` binary on a SQLite file (WAL, synchronous=FULL), started and killed 20
//! times at points that vary from trial to trial, with one phone pushing its outbox as the app
//! does: send what is not acknowledged, drop what is.

use serde_json::{json, Value};
use std::io::{BufRead, BufReader};
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};
use uuid::Uuid;

const EMAIL: &str = "crash@test.fr";
const PASSWORD: &str = "correct horse battery staple";

struct Server {
    child: Child,
    url: String,
}

impl Server {
    fn start(database_url: &str) -> Server {
        let mut child = Command::new(env!("CARGO_BIN_EXE_tournee"))
            .arg("serve")
            .env("TOURNEE_DATABASE_URL", database_url)
            .env("TOURNEE_LISTEN", "127.0.0.1:0")
            .env("TOURNEE_LOG", "warn")
            .stdout(Stdio::piped())
            .stderr(Stdio::null())
            .spawn()
            .expect("start tournee");
        let stdout = child.stdout.take().unwrap();
        let mut lines = BufReader::new(stdout).lines();
        let url = loop {
            let line = lines.next().expect("tournee printed its address").unwrap();
            if let Some(rest) = line.split("running on ").nth(1) {
                break rest.split_whitespace().next().unwrap().to_string();
            }
        };
        // Keep reading so that the pipe never fills.
        std::thread::spawn(move || for _ in lines {});
        Server { child, url }
    }

    fn kill(mut self) {
        self.child.kill().unwrap(); // SIGKILL
        self.child.wait().unwrap();
    }
}

/// The phone: an outbox of numbered mutations and the last id the server acknowledged.
struct Phone {
    client_id: Uuid,
    outbox: Vec<Value>,
    acked: i64,
}

impl Phone {
    fn add_task(&mut self) {
        let id = self.outbox.last().map(|m| m["id"].as_i64().unwrap()).unwrap_or(0) + 1;
        self.outbox.push(json!({"id": id, "name": "create_task", "at": "2026-11-29T08:00:00Z",
            "args": {"id": Uuid::now_v7(), "title": format!("Tâche {id}"), "notes": "", "due_on": "2026-12-01", "priority": "normal"}}));
    }

    /// Sends what is not acknowledged, 5 at a time; stops at the first failure.
    async fn push(&mut self, http: &reqwest::Client, url: &str) -> Result<(), String> {
        let pending: Vec<Value> = self
            .outbox
            .iter()
            .filter(|m| m["id"].as_i64().unwrap() > self.acked)
            .cloned()
            .collect();
        for batch in pending.chunks(5) {
            let r = http
                .post(format!("{url}/api/v1/sync/push"))
                .json(&json!({"client_id": self.client_id, "mutations": batch}))
                .send()
                .await
                .map_err(|e| e.to_string())?;
            if !r.status().is_success() {
                return Err(r.status().to_string());
            }
            let answer: Value = r.json().await.map_err(|e| e.to_string())?;
            for o in answer["outcomes"].as_array().unwrap() {
                assert_ne!(o["status"], "refused", "{answer}");
            }
            self.acked = answer["last_mutation_id"].as_i64().unwrap();
        }
        Ok(())
    }
}

async fn login(url: &str) -> reqwest::Client {
    let http = reqwest::Client::builder().cookie_store(true).build().unwrap();
    let deadline = Instant::now() + Duration::from_secs(20);
    loop {
        let r = http
            .post(format!("{url}/api/v1/auth/login"))
            .json(&json!({"email": EMAIL, "password": PASSWORD}))
            .send()
            .await;
        match r {
            Ok(r) if r.status().is_success() => return http,
            _ if Instant::now() < deadline => tokio::time::sleep(Duration::from_millis(50)).await,
            other => panic!("login after restart: {other:?}"),
        }
    }
}

/// Titles of the tasks in the database, read through a connection of the test's own.
async fn task_titles(database_url: &str) -> Vec<String> {
    use sqlx::Connection;
    let mut conn = sqlx::SqliteConnection::connect(database_url).await.unwrap();
    let rows: Vec<(String,)> = sqlx::query_as("SELECT title FROM tasks")
        .fetch_all(&mut conn)
        .await
        .unwrap();
    rows.into_iter().map(|(t,)| t).collect()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn acknowledged_pushes_survive_kill_9_and_resent_ones_apply_once() {
    let dir = std::env::temp_dir().join(format!("tournee-crash-{}", Uuid::now_v7().simple()));
    std::fs::create_dir_all(&dir).unwrap();
    let database_url = format!("sqlite://{}", dir.join("t.db").display());
    {
        let store = tournee_server::db::connect(&database_url).await.unwrap();
        let agency = store.create_agency("Agence").await.unwrap();
        store
            .create_user(tournee_server::db::NewUser {
                agency_id: agency.id,
                email: EMAIL.into(),
                display_name: "Crash".into(),
                role: shared::api::Role::Advisor,
                password_hash: tournee_server::auth::password::hash_blocking(PASSWORD).unwrap(),
            })
            .await
            .unwrap();
    }

    let mut phone = Phone {
        client_id: Uuid::now_v7(),
        outbox: Vec::new(),
        acked: 0,
    };
    let mut interrupted = 0;
    let mut acked_in_trial = 0;
    for trial in 0..20u64 {
        let acked_at_start = phone.acked;
        let server = Server::start(&database_url);
        let http = login(&server.url).await;
        // The advisor keeps working offline while the phone pushes; the server dies at a
        // point that differs in every trial.
        // Enough work that the kill lands in the middle of the pushes in most trials (pushes are
        // applied in batches, so 40 tasks were often all sent before the kill).
        for _ in 0..150 {
            phone.add_task();
        }
        let kill_after = Duration::from_millis(10 + (trial * 37) % 150);
        let pushing = phone.push(&http, &server.url);
        let outcome = tokio::time::timeout(kill_after, pushing).await;
        if outcome.is_err() {
            interrupted += 1;
        }
        let acked_before_kill = phone.acked;
        if acked_before_kill > acked_at_start {
            acked_in_trial += 1;
        }
        server.kill();

        // Whatever was acknowledged is in the database after the crash.
        let titles = task_titles(&database_url).await;
        for id in 1..=acked_before_kill {
            let n = titles.iter().filter(|t| **t == format!("Tâche {id}")).count();
            assert_eq!(n, 1, "trial {trial}: acknowledged mutation {id} is there once");
        }
    }
    eprintln!("{interrupted} of 20 trials killed the server in the middle of a push, {acked_in_trial} after some acknowledgements");
    assert!(
        acked_in_trial >= 5,
        "acknowledged mutations were checked after a kill ({acked_in_trial})"
    );
    assert!(interrupted >= 5, "some pushes were cut by the kill ({interrupted})");

    // Back online for good: the rest goes through, and every mutation is there exactly once.
    let server = Server::start(&database_url);
    let http = login(&server.url).await;
    phone.push(&http, &server.url).await.unwrap();
    let total = phone.outbox.len() as i64;
    assert_eq!(phone.acked, total);
    server.kill();
    let titles = task_titles(&database_url).await;
    assert_eq!(titles.len() as i64, total, "nothing doubled, nothing lost");
    for id in 1..=total {
        assert_eq!(
            titles.iter().filter(|t| **t == format!("Tâche {id}")).count(),
            1,
            "mutation {id}"
        );
    }
    let _ = std::fs::remove_dir_all(&dir);
}

/// SIGTERM (or SIGINT) with a client that never finishes its request: the server stops taking
/// connections, waits for the drain at most, and exits 0.
#[test]
fn a_stop_signal_exits_cleanly_within_the_drain_even_with_a_stuck_client() {
    use std::io::Write;
    for signal in ["-TERM", "-INT"] {
        let dir = std::env::temp_dir().join(format!("tournee-stop-{}", Uuid::now_v7().simple()));
        std::fs::create_dir_all(&dir).unwrap();
        let server = Server::start(&format!("sqlite://{}", dir.join("t.db").display()));
        let addr = server.url.trim_start_matches("http://").to_string();
        let mut stuck = std::net::TcpStream::connect(&addr).unwrap();
        stuck.write_all(b"GET /api/v1/auth/me HTTP/1.1\r\nHost: x\r\n").unwrap(); // never ends
        std::thread::sleep(Duration::from_millis(200));
        let mut child = server.child;
        let sent = Command::new("kill")
            .arg(signal)
            .arg(child.id().to_string())
            .status()
            .unwrap();
        assert!(sent.success());
        let t = Instant::now();
        let status = loop {
            if let Some(s) = child.try_wait().unwrap() {
                break s;
            }
            assert!(
                t.elapsed() < Duration::from_secs(20),
                "{signal}: still running after the drain"
            );
            std::thread::sleep(Duration::from_millis(50));
        };
        assert!(status.success(), "{signal}: exit status {status}");
        // New connections are refused once it is stopping.
        assert!(std::net::TcpStream::connect(&addr).is_err());
        drop(stuck);
        let _ = std::fs::remove_dir_all(&dir);
    }
}

fn tournee(args: &[&str], database_url: &str) -> std::process::Output {
    Command::new(env!("CARGO_BIN_EXE_tournee"))
        .args(args)
        .env("TOURNEE_DATABASE_URL", database_url)
        .env("TOURNEE_PASSWORD", "a brand new password")
        .env("TOURNEE_LOG", "warn")
        .output()
        .unwrap()
}

/// Backup while serving, restore refused while serving, restore once stopped brings the
/// backed-up data back; disabling a user ends their sessions at once.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn backup_restore_and_user_administration_from_the_command_line() {
    let dir = std::env::temp_dir().join(format!("tournee-ops-{}", Uuid::now_v7().simple()));
    std::fs::create_dir_all(&dir).unwrap();
    let url = format!("sqlite://{}", dir.join("t.db").display());
    let out = tournee(&["agency", "add", "Agence"], &url);
    assert!(out.status.success(), "{out:?}");
    let out = tournee(
        &[
            "user", "add", "--agency", "Agence", "--email", EMAIL, "--role", "advisor",
        ],
        &url,
    );
    assert!(out.status.success(), "{out:?}");
    let out = tournee(&["user", "reset-password", "--email", EMAIL], &url);
    assert!(out.status.success(), "{out:?}");

    let server = Server::start(&url);
    let http = reqwest::Client::builder().cookie_store(true).build().unwrap();
    let login = |http: reqwest::Client, base: String| async move {
        http.post(format!("{base}/api/v1/auth/login"))
            .json(&json!({"email": EMAIL, "password": "a brand new password"}))
            .send()
            .await
            .unwrap()
            .status()
    };
    assert!(login(http.clone(), server.url.clone()).await.is_success());
    let before = http
        .post(format!("{}/api/v1/tasks", server.url))
        .json(&json!({"title": "Avant la sauvegarde", "due_on": "2026-12-01"}))
        .send()
        .await
        .unwrap();
    assert!(before.status().is_success());

    let backup = dir.join("backup.db");
    let out = tournee(&["backup", backup.to_str().unwrap()], &url);
    assert!(out.status.success(), "backup while the server runs: {out:?}");
    let out = tournee(&["restore", backup.to_str().unwrap()], &url);
    assert!(!out.status.success(), "restore refused while serving");
    assert!(
        String::from_utf8_lossy(&out.stderr).contains("another Tournée server"),
        "{out:?}"
    );

    // Disabling ends the session at once.
    let out = tournee(&["user", "disable", "--email", EMAIL], &url);
    assert!(out.status.success(), "{out:?}");
    let me = http.get(format!("{}/api/v1/auth/me", server.url)).send().await.unwrap();
    assert_eq!(me.status(), reqwest::StatusCode::UNAUTHORIZED);
    assert_eq!(
        login(http.clone(), server.url.clone()).await,
        reqwest::StatusCode::UNAUTHORIZED
    );
    let out = tournee(&["user", "enable", "--email", EMAIL], &url);
    assert!(out.status.success(), "{out:?}");
    assert!(login(http.clone(), server.url.clone()).await.is_success());
    let after = http
        .post(format!("{}/api/v1/tasks", server.url))
        .json(&json!({"title": "Après la sauvegarde", "due_on": "2026-12-01"}))
        .send()
        .await
        .unwrap();
    assert!(after.status().is_success());
    server.kill();

    let out = tournee(&["restore", backup.to_str().unwrap()], &url);
    assert!(out.status.success(), "{out:?}");
    let titles = task_titles(&url).await;
    assert_eq!(
        titles,
        vec!["Avant la sauvegarde".to_string()],
        "the database as it was at the backup"
    );
    let garbage = dir.join("garbage.db");
    std::fs::write(&garbage, b"not a database").unwrap();
    let out = tournee(&["restore", garbage.to_str().unwrap()], &url);
    assert!(!out.status.success(), "a damaged file is refused");
    assert_eq!(task_titles(&url).await.len(), 1, "and the database is untouched");
    let _ = std::fs::remove_dir_all(&dir);
}

/// Clients that open connections and never finish their headers (or say nothing) do not hold
/// the server: with a cap of 20 connections and 40 such clients, a real request is still
/// served once the header timeout has closed theirs.
#[test]
fn slow_and_silent_clients_do_not_hold_the_server() {
    use std::io::{Read, Write};
    let dir = std::env::temp_dir().join(format!("tournee-slow-{}", Uuid::now_v7().simple()));
    std::fs::create_dir_all(&dir).unwrap();
    let mut child = Command::new(env!("CARGO_BIN_EXE_tournee"))
        .arg("serve")
        .env(
            "TOURNEE_DATABASE_URL",
            format!("sqlite://{}", dir.join("t.db").display()),
        )
        .env("TOURNEE_LISTEN", "127.0.0.1:0")
        .env("TOURNEE_LOG", "warn")
        .env("TOURNEE_MAX_CONNECTIONS", "20")
        .env("TOURNEE_HEADER_TIMEOUT_SECS", "1")
        .stdout(Stdio::piped())
        .stderr(Stdio::null())
        .spawn()
        .unwrap();
    let mut lines = BufReader::new(child.stdout.take().unwrap()).lines();
    let url = loop {
        let line = lines.next().unwrap().unwrap();
        if let Some(rest) = line.split("running on ").nth(1) {
            break rest.split_whitespace().next().unwrap().to_string();
        }
    };
    std::thread::spawn(move || for _ in lines {});
    let addr = url.trim_start_matches("http://").to_string();
    let mut slow = Vec::new();
    for i in 0..40 {
        let mut s = std::net::TcpStream::connect(&addr).unwrap();
        if i % 2 == 0 {
            s.write_all(b"GET /healthz HTTP/1.1\r\nHost: x\r\n").unwrap(); // never finished
        } // the others say nothing at all
        slow.push(s);
    }
    let t = Instant::now();
    let mut fine = std::net::TcpStream::connect(&addr).unwrap();
    fine.set_read_timeout(Some(Duration::from_secs(15))).unwrap();
    fine.write_all(b"GET /healthz HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n")
        .unwrap();
    let mut answer = String::new();
    fine.read_to_string(&mut answer).unwrap();
    assert!(answer.starts_with("HTTP/1.1 200"), "{answer}");
    assert!(
        t.elapsed() < Duration::from_secs(10),
        "served after the slow ones timed out ({:?})",
        t.elapsed()
    );
    // The slow ones were closed by the server.
    let mut buf = [0u8; 64];
    let s = &mut slow[0];
    s.set_read_timeout(Some(Duration::from_secs(5))).unwrap();
    let n = s.read(&mut buf).unwrap_or(0);
    assert!(
        n == 0 || String::from_utf8_lossy(&buf[..n]).contains("408"),
        "closed, not kept open"
    );
    child.kill().unwrap();
    child.wait().unwrap();
    let _ = std::fs::remove_dir_all(&dir);
}
