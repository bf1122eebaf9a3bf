//! Contact search and create on a large agency (SQLite, synchronous=FULL).
//!
//! `cargo bench -p tournee-server --bench contacts` — seeds 100 000 demo contacts once into
//! `target/bench/contacts-100k.db` (reused by later runs; delete it to reseed), then times:
//! - search at the storage layer (what the handler spends in the database and mapping),
//! - search and create through the real HTTP server on loopback (client-side wall time, an
//!   upper bound of the server-side time).
//!
//! Prints p50 / p95 / p99 per case. `BENCH_CONTACTS=N` changes the size.

mod common;
use common::report;
use serde_json::json;
use shared::api::{ContactQuery, DueKind};
use std::time::{Duration, Instant};
use tournee_server::db::{self, Actor};

#[tokio::main]
async fn main() -> anyhow::Result<()> {
    let count: usize = std::env::var("BENCH_CONTACTS")
        .ok()
        .and_then(|v| v.parse().ok())
        .unwrap_or(100_000);
    let dir = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("../target/bench");
    std::fs::create_dir_all(&dir)?;
    let path = dir.join(format!("contacts-{}k.db", count / 1000));
    let url = format!("sqlite://{}", path.display());
    let store = db::connect(&url).await?;
    let today = chrono::NaiveDate::from_ymd_opt(2026, 11, 23).unwrap_or_default();
    let agency = match store.agency_by_name(tournee_server::demo::AGENCY).await? {
        Some(a) => a,
        None => {
            let t = Instant::now();
            tournee_server::demo::load(&store, today, count).await?;
            report_seed(count, t.elapsed());
            store
                .agency_by_name(tournee_server::demo::AGENCY)
                .await?
                .ok_or_else(|| anyhow::anyhow!("seed failed"))?
        }
    };
    let manager = store
        .user_by_email(tournee_server::demo::LOGINS[0].0)
        .await?
        .ok_or_else(|| anyhow::anyhow!("no manager"))?;
    let advisor = store
        .user_by_email(tournee_server::demo::LOGINS[1].0)
        .await?
        .ok_or_else(|| anyhow::anyhow!("no advisor"))?;
    anyhow::ensure!(
        store.count_contacts(agency.id).await? as usize >= count,
        "seed incomplete"
    );

    let queries: Vec<ContactQuery> = vec![
        ContactQuery {
            q: Some("martin".into()),
            ..Default::default()
        },
        ContactQuery {
            q: Some("ecuyer".into()),
            ..Default::default()
        },
        ContactQuery {
            q: Some("villeurbanne".into()),
            ..Default::default()
        },
        ContactQuery {
            q: Some("69003".into()),
            ..Default::default()
        },
        ContactQuery {
            q: Some("helene dup".into()),
            ..Default::default()
        },
        ContactQuery {
            q: Some("zzzz".into()),
            ..Default::default()
        },
        // One typo: the exact search finds nothing, the second try forgives it.
        ContactQuery {
            q: Some("martni".into()),
            ..Default::default()
        },
        ContactQuery {
            q: Some("dupnot".into()),
            ..Default::default()
        },
        ContactQuery {
            stage: Some(shared::stage::Stage::Client),
            ..Default::default()
        },
        ContactQuery {
            due: Some(DueKind::Any),
            on: Some(today),
            ..Default::default()
        },
        ContactQuery::default(),
    ];
    for (who, actor) in [
        ("manager, whole agency", manager.actor()),
        ("advisor, own portfolio", advisor.actor()),
    ] {
        let mut samples = Vec::new();
        for _ in 0..30 {
            for q in &queries {
                let t = Instant::now();
                let _ = store.search_contacts(&actor, q, today).await?;
                samples.push(t.elapsed());
            }
        }
        report(&format!("store search ({who})"), samples);
    }
    per_query(&store, &manager.actor(), &queries, today).await?;

    // Through HTTP: the whole stack, login once, then the same queries and creates.
    let (base, client) = common::serve_and_login(
        store.clone(),
        url,
        tournee_server::demo::LOGINS[0].0,
        tournee_server::demo::PASSWORD,
    )
    .await?;
    let paths = [
        "q=martin",
        "q=ecuyer",
        "q=villeurbanne",
        "q=69003",
        "q=helene%20dup",
        "q=zzzz",
        "q=martni",
        "q=dupnot",
        "stage=client",
        "due=any",
        "",
    ];
    let mut samples = Vec::new();
    for _ in 0..30 {
        for p in paths {
            let t = Instant::now();
            let r = client.get(format!("{base}/api/v1/contacts?{p}")).send().await?;
            anyhow::ensure!(r.status().is_success());
            let _ = r.bytes().await?;
            samples.push(t.elapsed());
        }
    }
    report("HTTP GET /contacts (search, manager)", samples);
    let mut samples = Vec::new();
    let run = std::process::id();
    for i in 0..200 {
        let body = json!({"first_name": "Bench", "last_name": format!("Create {run} {i}"), "email": format!("bench{run}.{i}@x.fr"), "postcode": "69003", "city": "Lyon"});
        let t = Instant::now();
        let r = client
            .post(format!("{base}/api/v1/contacts"))
            .json(&body)
            .send()
            .await?;
        anyhow::ensure!(r.status().as_u16() == 201, "create: {}", r.status());
        let _ = r.bytes().await?;
        samples.push(t.elapsed());
    }
    report("HTTP POST /contacts (create, sync=FULL)", samples);
    Ok(())
}

async fn per_query(
    store: &db::DynStore,
    actor: &Actor,
    queries: &[ContactQuery],
    today: chrono::NaiveDate,
) -> anyhow::Result<()> {
    for q in queries {
        let mut samples = Vec::new();
        for _ in 0..20 {
            let t = Instant::now();
            let _ = store.search_contacts(actor, q, today).await?;
            samples.push(t.elapsed());
        }
        let label = format!(
            "  {:?} {:?} {:?}",
            q.q.as_deref().unwrap_or(""),
            q.stage.map(|s| s.as_str()).unwrap_or(""),
            q.due.map(|_| "due").unwrap_or("")
        );
        report(&label, samples);
    }
    Ok(())
}

#[allow(clippy::print_stdout)]
fn report_seed(count: usize, took: Duration) {
    println!("seeded {count} contacts in {:.1} s", took.as_secs_f64());
}
