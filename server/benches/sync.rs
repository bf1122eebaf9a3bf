//! Sync: push throughput with durable commits, and pull latency.
//!
//! `cargo bench -p tournee-server --bench sync` on SQLite (a fresh file under `target/bench`,
//! WAL, synchronous=FULL); with `BENCH_POSTGRES_URL=postgres://…/db` also on PostgreSQL (a
//! fresh database is created on that server). Through the real HTTP server on loopback:
//! - push: phones sending their outboxes in batches of 100 `create_task` mutations — one
//!   phone, then 8 at once — mutations acknowledged per second; and one phone sending a field
//!   mix (a call logged, a task on the record, the task ticked, a consent) on 100 records;
//! - pull: 100 changes after a cursor, p50 / p95 / p99.

mod common;
use common::report;
use serde_json::{json, Value};
use std::time::{Duration, Instant};
use tournee_server::db::{self, NewUser};
use uuid::Uuid;

const PASSWORD: &str = "correct horse battery staple";

#[tokio::main]
async fn main() -> anyhow::Result<()> {
    let dir = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("../target/bench");
    std::fs::create_dir_all(&dir)?;
    let path = dir.join("sync.db");
    for suffix in ["", "-wal", "-shm"] {
        let _ = std::fs::remove_file(format!("{}{suffix}", path.display()));
    }
    run("sqlite", &format!("sqlite://{}", path.display())).await?;
    if let Ok(admin) = std::env::var("BENCH_POSTGRES_URL") {
        use sqlx::Connection;
        let name = format!("tournee_bench_{}", Uuid::now_v7().simple());
        let mut conn = sqlx::PgConnection::connect(&admin).await?;
        sqlx::query(&format!("CREATE DATABASE {name}"))
            .execute(&mut conn)
            .await?;
        let base = admin.rsplit_once('/').map(|(b, _)| b).unwrap_or(&admin);
        run("postgres", &format!("{base}/{name}")).await?;
    }
    Ok(())
}

fn outbox(from: i64, count: i64) -> Vec<Value> {
    (from..from + count)
        .map(|id| {
            json!({"id": id, "name": "create_task", "at": "2026-11-29T08:00:00Z",
                   "args": {"id": Uuid::now_v7(), "title": format!("Relance {id}"), "notes": "", "due_on": "2026-12-01", "priority": "normal"}})
        })
        .collect()
}

/// A morning's field writes on `records` (a call logged, a follow-up task on the record, that
/// task ticked, a consent recorded), four per record in turn, from mutation id `from`.
fn field_mix(records: &[String], from: i64, count: i64) -> Vec<Value> {
    let mut tasks = Vec::new();
    (from..from + count)
        .map(|id| {
            let record = &records[(id as usize / 4) % records.len()];
            let (name, args) = match id % 4 {
                0 => ("log_interaction", json!({"contact_id": record, "input": {"id": Uuid::now_v7(), "kind": "call", "outcome": "reached", "note": "Point sur l'assurance vie"}})),
                1 => {
                    let task = Uuid::now_v7();
                    tasks.push(task);
                    ("create_task", json!({"id": task, "title": "Envoyer la simulation", "notes": "", "due_on": "2026-12-01", "priority": "normal", "contact_id": record}))
                }
                2 => ("set_task_done", json!({"id": tasks.last().copied().unwrap_or_default(), "done": true})),
                _ => ("record_consent", json!({"contact_id": record, "input": {"id": Uuid::now_v7(), "purpose": "email", "granted": true, "channel": "meeting", "proof": "formulaire signé"}})),
            };
            json!({"id": id, "name": name, "at": "2026-11-29T08:00:00Z", "args": args})
        })
        .collect()
}

/// Pushes `batches` batches of 100 for one phone; returns the mutations acknowledged.
async fn phone(base: String, client: reqwest::Client, batches: i64) -> anyhow::Result<i64> {
    let client_id = Uuid::now_v7();
    for b in 0..batches {
        let r = client
            .post(format!("{base}/api/v1/sync/push"))
            .json(&json!({"client_id": client_id, "mutations": outbox(b * 100 + 1, 100)}))
            .send()
            .await?;
        anyhow::ensure!(r.status().is_success(), "push: {}", r.status());
    }
    Ok(batches * 100)
}

#[allow(clippy::print_stdout)]
async fn run(engine: &str, url: &str) -> anyhow::Result<()> {
    let store = db::connect(url).await?;
    let agency = store.create_agency("Agence bench").await?;
    let mut users = Vec::new();
    for i in 0..8 {
        let email = format!("phone{i}@bench.fr");
        store
            .create_user(NewUser {
                agency_id: agency.id,
                email: email.clone(),
                display_name: format!("Conseiller {i}"),
                role: shared::api::Role::Advisor,
                password_hash: tournee_server::auth::password::hash_blocking(PASSWORD)?,
            })
            .await?;
        users.push(email);
    }
    // The manager who pulls at the end (made first: a new member is a change of the team).
    store
        .create_user(NewUser {
            agency_id: agency.id,
            email: "manager@bench.fr".into(),
            display_name: "Cheffe".into(),
            role: shared::api::Role::Manager,
            password_hash: tournee_server::auth::password::hash_blocking(PASSWORD)?,
        })
        .await?;
    let mut clients = Vec::new();
    let mut base = String::new();
    for (i, email) in users.iter().enumerate() {
        let (b, c) = if i == 0 {
            common::serve_and_login(store.clone(), url.to_string(), email, PASSWORD).await?
        } else {
            let c = reqwest::Client::builder().cookie_store(true).build()?;
            let r = c
                .post(format!("{base}/api/v1/auth/login"))
                .json(&json!({"email": email, "password": PASSWORD}))
                .send()
                .await?;
            anyhow::ensure!(r.status().is_success(), "login");
            (base.clone(), c)
        };
        base = b;
        clients.push(c);
    }

    let t = Instant::now();
    let n = phone(base.clone(), clients[0].clone(), 60).await?;
    let one = n as f64 / t.elapsed().as_secs_f64();
    println!("{engine:<9} push, 1 phone, batches of 100        {one:8.0} mutations/s  (n={n})");

    // The field mix, on records of the first phone's.
    let mut records = Vec::new();
    for i in 0..100 {
        let r = clients[0]
            .post(format!("{base}/api/v1/contacts"))
            .json(&json!({"first_name": "Jeanne", "last_name": format!("Client {i}"), "phone_mobile": format!("06{:08}", 10_000_000 + i), "postcode": "69003", "city": "Lyon"}))
            .send()
            .await?;
        anyhow::ensure!(r.status().is_success(), "contact: {}", r.status());
        let v: Value = r.json().await?;
        records.push(v["id"].as_str().unwrap_or_default().to_string());
    }
    let client_id = Uuid::now_v7();
    let t = Instant::now();
    let mut n = 0;
    for b in 0..60 {
        let r = clients[0]
            .post(format!("{base}/api/v1/sync/push"))
            .json(&json!({"client_id": client_id, "mutations": field_mix(&records, b * 100 + 1, 100)}))
            .send()
            .await?;
        anyhow::ensure!(r.status().is_success(), "push: {}", r.status());
        let answer: Value = r.json().await?;
        let applied = answer["outcomes"]
            .as_array()
            .map_or(0, |o| o.iter().filter(|o| o["status"] == "applied").count());
        anyhow::ensure!(applied == 100, "every field write applied: {answer}");
        n += 100;
    }
    let mix = n as f64 / t.elapsed().as_secs_f64();
    println!("{engine:<9} push, 1 phone, field mix, batches of 100 {mix:8.0} mutations/s  (n={n})");

    let t = Instant::now();
    let runs: Vec<_> = clients
        .iter()
        .map(|c| tokio::spawn(phone(base.clone(), c.clone(), 20)))
        .collect();
    let mut n = 0;
    for r in runs {
        n += r.await??;
    }
    let eight = n as f64 / t.elapsed().as_secs_f64();
    println!("{engine:<9} push, 8 phones at once, batches of 100 {eight:8.0} mutations/s  (n={n})");

    // Pull: the last 100 changes of the agency, as a manager's phone sees them.
    let manager = reqwest::Client::builder().cookie_store(true).build()?;
    let r = manager
        .post(format!("{base}/api/v1/auth/login"))
        .json(&json!({"email": "manager@bench.fr", "password": PASSWORD}))
        .send()
        .await?;
    anyhow::ensure!(r.status().is_success(), "login");
    let mut last = 0;
    loop {
        let page: Value = manager
            .get(format!("{base}/api/v1/sync/pull?cursor={last}&limit=1000"))
            .send()
            .await?
            .json()
            .await?;
        last = page["cursor"].as_i64().unwrap_or(last);
        if page["has_more"] != true {
            break;
        }
    }
    let mut samples: Vec<Duration> = Vec::new();
    for _ in 0..300 {
        let t = Instant::now();
        let page: Value = manager
            .get(format!("{base}/api/v1/sync/pull?cursor={}&limit=100", last - 100))
            .send()
            .await?
            .json()
            .await?;
        samples.push(t.elapsed());
        anyhow::ensure!(
            page["changes"].as_array().map(Vec::len) == Some(100),
            "100 changes: {page}"
        );
    }
    report(&format!("{engine:<9} pull, 100 changes (HTTP, client-side)"), samples);
    Ok(())
}
