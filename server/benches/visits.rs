//! The record's timeline and saving a visit report (SQLite, synchronous=FULL).
//!
//! `cargo bench -p tournee-server --bench visits` — builds a fresh `target/bench/visits.db`:
//! one record with 2 000 interactions (and 50 others with 60 each, so the index holds other
//! records too), then times:
//! - the timeline: first page and every following page of the 2 000-line record, at the
//!   storage layer and through the HTTP server on loopback;
//! - saving a report with two objections and one referral (a prospect created, two tasks,
//!   the stage moved), at the storage layer and through HTTP.
//!
//! Prints p50 / p95 / p99 per case.

mod common;
use chrono::{Duration as Days, Utc};
use common::report;
use shared::api::Role;
use shared::record::{ContactInput, MeetingPlace};
use shared::stage::Stage;
use shared::visit::{
    CallOutcome, InteractionInput, InteractionKind, MeetingInput, ObjectionInput, Outcome, ReferralInput, ReportInput,
};
use std::time::Instant;
use tournee_server::db::{self, Actor, ContactFields, DynStore, NewUser};
use tournee_server::time::AgencyTime;
use uuid::Uuid;

async fn contact(store: &DynStore, actor: &Actor, n: usize) -> anyhow::Result<Uuid> {
    let input = ContactInput {
        first_name: "Bench".into(),
        last_name: format!("Timeline {n}"),
        phone_mobile: format!("06{:08}", n),
        postcode: "69003".into(),
        city: "Lyon".into(),
        stage: Some(Stage::Contacted),
        ..ContactInput::default()
    };
    let valid = input.validate().map_err(|e| anyhow::anyhow!("{e:?}"))?;
    let id = shared::new_id();
    store
        .insert_contact(actor, id, &ContactFields::from_valid(&valid), Some("bench"), db::now())
        .await?;
    Ok(id)
}

fn interaction(i: usize, at: chrono::DateTime<Utc>) -> InteractionInput {
    let kind = InteractionKind::ALL[i % 4];
    InteractionInput {
        id: None,
        kind,
        outcome: (kind == InteractionKind::Call).then_some(CallOutcome::ALL[i % 5]),
        at: Some(at),
        note: format!("échange numéro {i} : point sur le contrat et les versements"),
        call_back_on: None,
        session_id: None,
        objection: None,
    }
}

fn report_input(n: usize) -> ReportInput {
    ReportInput {
        outcome: Outcome::Positive,
        summary: "Intéressé par une épargne retraite, simulation à envoyer.".into(),
        needs: "Retraite".into(),
        interest_signs: String::new(),
        satisfaction: Some(4),
        recommend_score: Some(8),
        stage_to: Some(Stage::Engaged),
        next_step: "Envoyer la simulation".into(),
        next_step_due: None,
        objections: vec![
            ObjectionInput {
                code: Some("price".into()),
                text: String::new(),
                answer: "versements libres".into(),
                overcome: true,
            },
            ObjectionInput {
                code: None,
                text: "Mauvaise expérience bancaire".into(),
                answer: String::new(),
                overcome: false,
            },
        ],
        referrals_asked: true,
        referrals: vec![ReferralInput {
            first_name: "Paul".into(),
            last_name: format!("Recommandé {n}"),
            phone: format!("07{:08}", n),
            ..Default::default()
        }],
        checkin: None,
    }
}

#[tokio::main]
async fn main() -> anyhow::Result<()> {
    let dir = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("../target/bench");
    std::fs::create_dir_all(&dir)?;
    let path = dir.join("visits.db");
    for suffix in ["", "-wal", "-shm"] {
        let _ = std::fs::remove_file(format!("{}{suffix}", path.display()));
    }
    let url = format!("sqlite://{}", path.display());
    let store = db::connect(&url).await?;
    let time = AgencyTime::default();
    let agency = store.create_agency("Bench").await?;
    let hash = tournee_server::auth::password::hash_blocking("bench-password")?;
    let user = store
        .create_user(NewUser {
            agency_id: agency.id,
            email: "bench@x.fr".into(),
            display_name: "Bench".into(),
            role: Role::Advisor,
            password_hash: hash,
        })
        .await?;
    let actor = user.actor();

    // Seed: the big record, then others.
    let t = Instant::now();
    let big = contact(&store, &actor, 0).await?;
    let start = Utc::now() - Days::days(800);
    for i in 0..2000 {
        store
            .log_interaction(
                &actor,
                big,
                &interaction(i, start + Days::hours(9 * i as i64)),
                &time,
                db::now(),
            )
            .await?;
    }
    for n in 1..=50 {
        let c = contact(&store, &actor, n).await?;
        for i in 0..60 {
            store
                .log_interaction(
                    &actor,
                    c,
                    &interaction(i, start + Days::days(i as i64)),
                    &time,
                    db::now(),
                )
                .await?;
        }
    }
    #[allow(clippy::print_stdout)]
    {
        println!(
            "seeded 1 record × 2 000 interactions + 50 × 60 in {:.1} s",
            t.elapsed().as_secs_f64()
        );
    }

    let mut first = Vec::new();
    let mut deep = Vec::new();
    for _ in 0..50 {
        let t = Instant::now();
        let (page, _) = store.timeline(&actor, big, None, 30).await?;
        first.push(t.elapsed());
        anyhow::ensure!(page.len() == 30);
    }
    // Walk every page once, twice.
    for _ in 0..2 {
        let mut cursor = None;
        loop {
            let t = Instant::now();
            let (page, more) = store.timeline(&actor, big, cursor, 30).await?;
            deep.push(t.elapsed());
            match (more, page.last()) {
                (true, Some(last)) => cursor = Some((last.at, last.id)),
                _ => break,
            }
        }
    }
    report("store timeline, first page (2 000 lines)", first);
    report("store timeline, every page (2 000 lines)", deep);

    // Report saves at the store: one meeting an hour ago per record.
    let mut saves = Vec::new();
    for n in 0..100 {
        let c = contact(&store, &actor, 1000 + n).await?;
        let m = meeting(&store, &actor, c, &time).await?;
        let input = report_input(n);
        let t = Instant::now();
        store.save_report(&actor, m, &input, &time, db::now()).await?;
        saves.push(t.elapsed());
    }
    report("store save report (2 objections, 1 referral)", saves);

    // Through HTTP.
    let (base, client) = common::serve_and_login(store.clone(), url, "bench@x.fr", "bench-password").await?;
    let mut samples = Vec::new();
    for _ in 0..2 {
        let mut cursor: Option<String> = None;
        loop {
            let url = match &cursor {
                Some(c) => format!("{base}/api/v1/contacts/{big}/timeline?before={c}"),
                None => format!("{base}/api/v1/contacts/{big}/timeline"),
            };
            let t = Instant::now();
            let page: serde_json::Value = client.get(url).send().await?.json().await?;
            samples.push(t.elapsed());
            match page["next"].as_str() {
                Some(n) => cursor = Some(n.to_string()),
                None => break,
            }
        }
    }
    report("HTTP GET timeline, every page (2 000 lines)", samples);
    let mut samples = Vec::new();
    for n in 0..100 {
        let c = contact(&store, &actor, 5000 + n).await?;
        let m = meeting(&store, &actor, c, &time).await?;
        let body = serde_json::to_value(report_input(5000 + n))?;
        let t = Instant::now();
        let r = client
            .post(format!("{base}/api/v1/meetings/{m}/report"))
            .json(&body)
            .send()
            .await?;
        let status = r.status();
        let _ = r.bytes().await?;
        samples.push(t.elapsed());
        anyhow::ensure!(status.as_u16() == 201, "report: {status}");
    }
    report("HTTP POST report (2 objections, 1 referral)", samples);
    Ok(())
}

async fn meeting(store: &DynStore, actor: &Actor, contact_id: Uuid, time: &AgencyTime) -> anyhow::Result<Uuid> {
    let id = shared::new_id();
    let input = MeetingInput {
        id: Some(id),
        contact_id,
        starts_at: time.local(Utc::now() - Days::hours(1)),
        duration_min: 60,
        place: MeetingPlace::Client,
        address: String::new(),
        subject: "Bench".into(),
        notes: String::new(),
        owner_id: None,
        expected_seq: None,
    };
    store.create_meeting(actor, id, &input, time, db::now()).await?;
    Ok(id)
}
