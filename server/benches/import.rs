//! Importing a large file (issue 11): a spreadsheet export of N lines (default 100 000) in
//! Windows-1252 with `;`, a few bad lines and duplicates, into a new SQLite agency
//! (synchronous=FULL), through the same steps as the import screen: read and keep the file,
//! plan (parse, check, compare), write in one transaction. Then the same file again: every
//! line already imported, compared with the N records now there.
//!
//! `cargo bench -p tournee-server --bench import` (`BENCH_IMPORT_LINES=N` for another size;
//! `BENCH_POSTGRES_URL=postgres://…/db` also runs it on a new PostgreSQL database).

use std::sync::Arc;
use std::time::Instant;

use shared::api::Role;
use shared::import::{DuplicateChoice, ImportOptions};
use tournee_server::db::{self, Actor, NewUser};

const FIRST: [&str; 12] = [
    "Hélène",
    "Jérôme",
    "Anaïs",
    "François",
    "Zoé",
    "Loïc",
    "Marie",
    "Paul",
    "Céline",
    "Noël",
    "Agnès",
    "Luc",
];
const LAST: [&str; 10] = [
    "Lefèvre", "Dupré", "Müller", "Garçon", "Roux", "Martin", "Bernard", "Petit", "Durand", "Faure",
];
const CITIES: [(&str, &str); 5] = [
    ("69004", "Lyon"),
    ("01000", "Bourg-en-Bresse"),
    ("38000", "Grenoble"),
    ("42000", "Saint-Étienne"),
    ("73000", "Chambéry"),
];

/// The file: one line in 50 with a bad e-mail, one in 50 repeating the line before's mobile.
fn file(lines: usize) -> Vec<u8> {
    let mut text = String::from("Nom;Prénom;Tél. portable;Adresse e-mail;Adresse;Code postal;Ville;Commentaire\r\n");
    for i in 0..lines {
        let (pc, city) = CITIES[i % CITIES.len()];
        let mobile = if i % 50 == 49 {
            60_000_000 + i - 1
        } else {
            60_000_000 + i
        };
        let email = if i % 50 == 25 {
            format!("client{i}@exemple")
        } else if i % 2 == 0 {
            format!("client{i}@exemple.fr")
        } else {
            String::new()
        };
        text.push_str(&format!(
            "{} {};{};06{:08};{email};{} rue de la République;{pc};{city};\"vu le {}/03,\r\nà rappeler\"\r\n",
            LAST[i % LAST.len()],
            i,
            FIRST[i % FIRST.len()],
            mobile % 100_000_000,
            i % 200 + 1,
            i % 28 + 1,
        ));
    }
    encoding_rs::WINDOWS_1252.encode(&text).0.into_owned()
}

#[allow(clippy::print_stdout)]
#[tokio::main]
async fn main() -> anyhow::Result<()> {
    let lines: usize = std::env::var("BENCH_IMPORT_LINES")
        .ok()
        .and_then(|v| v.parse().ok())
        .unwrap_or(100_000);
    let dir = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("../target/bench");
    std::fs::create_dir_all(&dir)?;
    let path = dir.join("import.db");
    for suffix in ["", "-wal", "-shm"] {
        let _ = std::fs::remove_file(format!("{}{suffix}", path.display()));
    }
    let bytes = file(lines);
    println!(
        "file: {lines} lines, {:.1} MB, Windows-1252, ;",
        bytes.len() as f64 / 1e6
    );
    run("sqlite", &format!("sqlite://{}", path.display()), &bytes).await?;
    if let Ok(admin) = std::env::var("BENCH_POSTGRES_URL") {
        use sqlx::Connection;
        let name = format!("tournee_bench_{}", uuid::Uuid::now_v7().simple());
        let mut conn = sqlx::PgConnection::connect(&admin).await?;
        sqlx::query(&format!("CREATE DATABASE {name}"))
            .execute(&mut conn)
            .await?;
        let base = admin.rsplit_once('/').map(|(b, _)| b).unwrap_or(&admin);
        run("postgres", &format!("{base}/{name}"), &bytes).await?;
    }
    Ok(())
}

/// Both imports on one engine.
#[allow(clippy::print_stdout)]
async fn run(engine: &str, url: &str, bytes: &[u8]) -> anyhow::Result<()> {
    let store = db::connect(url).await?;
    let agency = store.create_agency("Agence import").await?;
    let manager = store
        .create_user(NewUser {
            agency_id: agency.id,
            email: "chef@import.fr".into(),
            display_name: "Chef".into(),
            role: Role::Manager,
            password_hash: "x".into(),
        })
        .await?;
    let actor = Actor {
        user_id: manager.id,
        agency_id: agency.id,
        role: Role::Manager,
        mutation: None,
    };
    for round in ["first import", "same file again"] {
        let t = Instant::now();
        let preview = tournee_server::imports::upload(&store, &actor, "export.csv", bytes, db::now())
            .await
            .map_err(|e| anyhow::anyhow!("{e}"))?;
        let read = t.elapsed();
        let options = ImportOptions {
            mapping: preview.mapping.clone(),
            on_duplicate: DuplicateChoice::Skip,
            ..ImportOptions::default()
        };
        let t2 = Instant::now();
        let row = store.import(&actor, preview.id).await?;
        let (plan, _) = tournee_server::imports::prepare(&store, &actor, &row, &options)
            .await
            .map_err(|e| anyhow::anyhow!("{e}"))?;
        let planned = t2.elapsed();
        let counts = plan.counts();
        store
            .claim_import(&actor, preview.id, &serde_json::to_string(&options)?)
            .await?;
        let t3 = Instant::now();
        let jobs = Arc::new(tournee_server::imports::Jobs::default());
        tournee_server::imports::run(store.clone(), jobs, actor, preview.id, options).await;
        let run = t3.elapsed();
        let status = store.import(&actor, preview.id).await?.status;
        anyhow::ensure!(status == "done", "import {status}");
        println!(
            "{engine:<8} {round:<16} read {:6.2} s   check {:6.2} s   run (check again + write) {:6.2} s   total {:6.2} s   \
             — created {}, skipped {}, already imported {}, refused {}",
            read.as_secs_f64(),
            planned.as_secs_f64(),
            run.as_secs_f64(),
            t.elapsed().as_secs_f64(),
            counts.created,
            counts.skipped,
            counts.already_imported,
            counts.invalid
        );
    }
    println!("records in the agency: {}", store.count_contacts(agency.id).await?);
    Ok(())
}
