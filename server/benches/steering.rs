//! The steering dashboards on a large agency (issue 10): 100 000 records, 1 000 000 stage
//! changes, 200 000 offers (with their first prognosis line), and the field work that the
//! KPIs and the weekly targets count — 300 000 meetings, ~110 000 visit reports, 500 000
//! calls, 20 000 call-backs, 5 000 referrals — over two years.
//!
//! `cargo bench -p tournee-server --bench steering` — seeds once into
//! `target/bench/steering-100k.db` (delete it to reseed), then times each dashboard at the
//! storage layer plus the shared computation (what the handler spends), p50 / p95 / p99.
//! `BENCH_POSTGRES_URL=postgres://…` runs the same on a new PostgreSQL database instead.
//! `BENCH_RECORDS=N` changes the size (the stage changes are 10 × N, the offers 2 × N).
//!
//! The records go through the store (`insert_contact`, like an import); the history — stage
//! changes and offers — is written in bulk, row for row what the store writes, so that seeding
//! takes minutes, not hours.

#[allow(dead_code)]
mod common;
use chrono::{DateTime, Duration, NaiveDate, Utc};
use common::report;
use rand::rngs::StdRng;
use rand::{Rng, SeedableRng};
use shared::record::ContactInput;
use shared::stage::Stage;
use std::time::Instant;
use tournee_server::db::dashboard::GroupBy;
use tournee_server::db::{self, Actor, ContactFields, DynStore, NewUser};
use uuid::Uuid;

const AGENCY: &str = "Bench pilotage";
const ADVISORS: usize = 10;

/// Every stage change of the seed: (id, contact, from, to, at).
type Transition = (Uuid, Uuid, Option<&'static str>, &'static str, DateTime<Utc>);

#[tokio::main]
#[allow(clippy::print_stdout)]
async fn main() -> anyhow::Result<()> {
    let records: usize = std::env::var("BENCH_RECORDS")
        .ok()
        .and_then(|v| v.parse().ok())
        .unwrap_or(100_000);
    let (url, engine) = match std::env::var("BENCH_POSTGRES_URL") {
        Ok(u) => (u, "postgres"),
        Err(_) => {
            let dir = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("../target/bench");
            std::fs::create_dir_all(&dir)?;
            let path = dir.join(format!("steering-{}k.db", records / 1000));
            (format!("sqlite://{}", path.display()), "sqlite")
        }
    };
    let store = db::connect(&url).await?;
    let now = Utc::now();
    let agency = match store.agency_by_name(AGENCY).await? {
        Some(a) => a,
        None => {
            let t = Instant::now();
            seed(&store, &url, records, now).await?;
            println!(
                "seeded {records} records, history and offers in {:.0} s",
                t.elapsed().as_secs_f64()
            );
            // The history was written in bulk, around the triggers: the summary is rebuilt.
            let t = Instant::now();
            store
                .rebuild_cells(&tournee_server::time::AgencyTime::default())
                .await?;
            println!("summary rebuilt in {:.1} s", t.elapsed().as_secs_f64());
            store
                .agency_by_name(AGENCY)
                .await?
                .ok_or_else(|| anyhow::anyhow!("seed failed"))?
        }
    };
    let t = Instant::now();
    if store
        .prepare_cells(&tournee_server::time::AgencyTime::default())
        .await?
    {
        println!("summary built in {:.1} s", t.elapsed().as_secs_f64());
    }
    let manager = store
        .user_by_email("manager@bench.fr")
        .await?
        .ok_or_else(|| anyhow::anyhow!("no manager"))?
        .actor();
    let advisor = store
        .user_by_email("advisor0@bench.fr")
        .await?
        .ok_or_else(|| anyhow::anyhow!("no advisor"))?
        .actor();
    println!(
        "{engine}: {} records in {}",
        store.count_contacts(agency.id).await?,
        agency.name
    );
    let time = tournee_server::time::AgencyTime::default();
    let today = time.today();
    let runs = 20;

    for (who, actor) in [("manager", manager), ("advisor", advisor)] {
        let owner = (!actor.sees_whole_agency()).then_some(actor.user_id);
        let store = &store;
        let time = &time;
        time_it(runs, &format!("photo today ({who})"), || async move {
            let cells = store.photo_cells(&actor, owner, None).await?;
            let _ = shared::dashboard::Photo::of(today, &cells);
            Ok(())
        })
        .await?;
        time_it(runs, &format!("photo 6 months ago ({who})"), || async move {
            // What `GET /statistics/photo?on=…` does for a past day: the summary.
            let on = today - Duration::days(182);
            let cells = store.photo_cells(&actor, owner, Some(on)).await?;
            let _ = shared::dashboard::Photo::of(on, &cells);
            Ok(())
        })
        .await?;
        time_it(runs, &format!("photo 6 months ago, rewinding ({who})"), || async move {
            // The same photo read from the records and the stage changes since (the reference
            // the summary is checked against, and the film's reading).
            let on = today - Duration::days(182);
            let at = time.day_end(on);
            let (records, moves) = store.records_and_moves(&actor, at, owner, GroupBy::None).await?;
            let cells = shared::dashboard::cells_of(&records, &shared::dashboard::rewind(&records, &moves, at));
            let cells: Vec<_> = cells.into_iter().map(|(c, _)| c).collect();
            let _ = shared::dashboard::Photo::of(on, &cells);
            Ok(())
        })
        .await?;
        for (label, by) in [("advisor", GroupBy::Advisor), ("campaign", GroupBy::Campaign)] {
            time_it(runs, &format!("film 90 days by {label} ({who})"), || async move {
                // What `GET /statistics/film` does: one reading, everything worked out from it.
                let start = time.day_end(today - Duration::days(91));
                let end = time.day_end(today);
                let (records, moves) = store.records_and_moves(&actor, start, owner, by).await?;
                let (cells, moved) = shared::dashboard::film_facts(&records, &moves, start, end);
                let at_start: Vec<_> = cells.iter().map(|(c, g)| (c.stage, g.clone(), c.count)).collect();
                let _ = shared::dashboard::conversions(&at_start, &moved);
                Ok(())
            })
            .await?;
        }
        time_it(runs, &format!("KPIs 90 days ({who})"), || async move {
            let f = store
                .kpi_facts(
                    &actor,
                    time.day_start(today - Duration::days(90)),
                    time.day_end(today),
                    today,
                    owner,
                )
                .await?;
            let _ = shared::dashboard::kpis(today, today, &f, &Default::default());
            Ok(())
        })
        .await?;
        time_it(runs, &format!("pipeline by month and advisor ({who})"), || async move {
            let filter = db::offers::PipelineFilter::default();
            store.pipeline(&actor, &filter).await?;
            Ok(())
        })
        .await?;
        time_it(runs, &format!("targets, 12 weeks ({who})"), || async move {
            // What `GET /targets?weeks=12` does: counts per advisor and week.
            let first = shared::targets::week_of(today) - Duration::weeks(11);
            let bounds: Vec<_> = (0..=12).map(|w| time.day_start(first + Duration::weeks(w))).collect();
            store.target_counts(&actor, owner, &bounds).await?;
            Ok(())
        })
        .await?;
        time_it(runs, &format!("complaints dashboard ({who})"), || async move {
            let list = store.complaints(&actor, &Default::default()).await?;
            let _ = shared::complaint::dashboard(&list, Utc::now(), &|t| time.day_of(t), &|d| time.day_end(d));
            Ok(())
        })
        .await?;
    }
    let store2 = &store;
    time_it(runs, "phoning list (advisor)", || async move {
        store2.call_list(&advisor, today, Utc::now()).await?;
        Ok(())
    })
    .await?;
    Ok(())
}

/// Runs `f` once to warm up, then `runs` times, and prints the percentiles.
async fn time_it<F, Fut>(runs: usize, name: &str, f: F) -> anyhow::Result<()>
where
    F: Fn() -> Fut,
    Fut: std::future::Future<Output = anyhow::Result<()>>,
{
    f().await?;
    let mut samples = Vec::new();
    for _ in 0..runs {
        let t = Instant::now();
        f().await?;
        samples.push(t.elapsed());
    }
    report(name, samples);
    Ok(())
}

fn stage_str(s: Stage) -> &'static str {
    s.as_str()
}

/// The agency, its people, the records through the store, then the history in bulk.
async fn seed(store: &DynStore, url: &str, records: usize, now: DateTime<Utc>) -> anyhow::Result<()> {
    let agency = store.create_agency(AGENCY).await?;
    let mut advisors = Vec::new();
    let manager = store
        .create_user(NewUser {
            agency_id: agency.id,
            email: "manager@bench.fr".into(),
            display_name: "Chef d'agence".into(),
            role: shared::api::Role::Manager,
            password_hash: "x".into(),
        })
        .await?;
    for i in 0..ADVISORS {
        advisors.push(
            store
                .create_user(NewUser {
                    agency_id: agency.id,
                    email: format!("advisor{i}@bench.fr"),
                    display_name: format!("Conseiller {i:02}"),
                    role: shared::api::Role::Advisor,
                    password_hash: "x".into(),
                })
                .await?,
        );
    }
    let actor: Actor = manager.actor();
    let mut rng = StdRng::seed_from_u64(20_261_130);
    let campaigns = [
        "Salon 2025",
        "Salon 2026",
        "Fichier notaires",
        "Parrainage",
        "Site web",
        "",
    ];
    let ladder = [
        Stage::Identified,
        Stage::Qualified,
        Stage::Contacted,
        Stage::Engaged,
        Stage::Client,
    ];
    let mut ids: Vec<(Uuid, DateTime<Utc>)> = Vec::with_capacity(records);
    for i in 0..records {
        let input = ContactInput {
            first_name: format!("Prénom{}", i % 997),
            last_name: format!("Nom{i}"),
            email: format!("c{i}@bench.fr"),
            city: "Lyon".into(),
            postcode: "69003".into(),
            campaign: campaigns[i % campaigns.len()].into(),
            accessible_potential_cents: Some(rng.gen_range(0..50_000_000)),
            ..ContactInput::default()
        };
        let v = input.validate().map_err(|e| anyhow::anyhow!("{e:?}"))?;
        let mut fields = ContactFields::from_valid(&v);
        fields.owner_id = Some(advisors[i % ADVISORS].id);
        let id = shared::new_id();
        let created = now - Duration::days(rng.gen_range(1..730));
        store.insert_contact(&actor, id, &fields, None, created).await?;
        ids.push((id, created));
    }
    // Ten stage changes per record on average: up and down the ladder over two years.
    let mut transitions: Vec<Transition> = Vec::with_capacity(records * 10);
    let mut last: Vec<Stage> = Vec::with_capacity(records);
    for (id, created) in &ids {
        let mut at = *created;
        let mut rank = 0usize;
        let mut from = Stage::Identified;
        for _ in 0..9 {
            let gap = ((now - at).num_minutes() / 10).max(1);
            at += Duration::minutes(rng.gen_range(1..=gap));
            rank = if rng.gen_bool(0.7) {
                (rank + 1).min(4)
            } else {
                rank.saturating_sub(1)
            };
            let to = ladder[rank];
            transitions.push((Uuid::now_v7(), *id, Some(stage_str(from)), stage_str(to), at));
            from = to;
        }
        last.push(from);
    }
    // The offers: two per record on average, each with its first prognosis line.
    let families = ["savings", "retirement", "protection", "health", "property_casualty"];
    let mut offers = Vec::with_capacity(records * 2);
    for (i, (id, created)) in ids.iter().enumerate() {
        for _ in 0..(if i % 2 == 0 { 1 } else { 3 }) {
            let p = [20u8, 40, 60, 80, 100, 0][rng.gen_range(0..6)];
            let status = match p {
                100 => "signed",
                0 => "lost",
                _ => "open",
            };
            let month = now.date_naive() + Duration::days(rng.gen_range(-300..300));
            offers.push((
                Uuid::now_v7(),
                *id,
                families[rng.gen_range(0..families.len())],
                rng.gen_range(1_000i64..10_000_000),
                shared::offer::month_of(month),
                status,
                i64::from(p),
                *created + Duration::days(rng.gen_range(0..30)),
            ));
        }
    }
    // The field work, as an agency of this size logs it over two years: three meetings per
    // record (past ones held, cancelled or missed; coming ones planned), a report on half the
    // held ones (most with a recommendation score), five calls, a call-back done on one record
    // in five, and one record in twenty brought by a referral.
    let mut meetings = Vec::with_capacity(records * 3);
    let mut reports = Vec::with_capacity(records);
    let mut calls = Vec::with_capacity(records * 5);
    let mut call_backs = Vec::with_capacity(records / 5);
    let mut referrals = Vec::with_capacity(records / 20);
    for (i, (id, created)) in ids.iter().enumerate() {
        let owner = advisors[i % ADVISORS].id;
        let span = (now + Duration::days(30) - *created).num_minutes().max(1);
        for _ in 0..3 {
            let starts = *created + Duration::minutes(rng.gen_range(0..span));
            let booked = (starts - Duration::days(rng.gen_range(1..20))).max(*created);
            let status = if starts > now {
                "planned"
            } else {
                ["held", "held", "held", "held", "held", "held", "cancelled", "no_show"][rng.gen_range(0..8)]
            };
            let meeting = Uuid::now_v7();
            meetings.push((meeting, *id, owner, starts, status, booked));
            if status == "held" && rng.gen_bool(0.5) {
                let score = rng.gen_bool(0.8).then(|| rng.gen_range(0i64..=10));
                reports.push((Uuid::now_v7(), meeting, *id, owner, score, starts + Duration::hours(2)));
            }
        }
        let span = (now - *created).num_minutes().max(1);
        for _ in 0..5 {
            let at = *created + Duration::minutes(rng.gen_range(0..span));
            let outcome = [
                "reached",
                "no_answer",
                "no_answer",
                "call_back",
                "appointment_booked",
                "refused",
            ][rng.gen_range(0..6)];
            calls.push((Uuid::now_v7(), *id, owner, outcome, at));
        }
        if i % 5 == 0 {
            let asked = *created + Duration::minutes(rng.gen_range(0..span));
            let done = (asked + Duration::minutes(rng.gen_range(10..72 * 60))).min(now);
            call_backs.push((Uuid::now_v7(), owner, *id, asked, done));
        }
        if i % 20 == 1 {
            referrals.push((Uuid::now_v7(), ids[i - 1].0, *id, owner, *created));
        }
    }
    let by = manager.id;
    macro_rules! bulk {
        ($pool:expr, $db:ty) => {{
            let pool = $pool;
            for chunk in transitions.chunks(2000) {
                let mut qb = sqlx::QueryBuilder::<$db>::new(
                    "INSERT INTO stage_transitions (id, agency_id, contact_id, from_stage, to_stage, kind, reason, competitor, at, author_id, seq) ",
                );
                qb.push_values(chunk, |mut b, (id, contact, from, to, at)| {
                    b.push_bind(*id).push_bind(agency.id).push_bind(*contact).push_bind(*from).push_bind(*to)
                        .push_bind("move").push_bind(None::<String>).push_bind(None::<String>).push_bind(*at).push_bind(by).push_bind(0i64);
                });
                qb.build().execute(&pool).await?;
            }
            for chunk in offers.chunks(1000) {
                let mut qb = sqlx::QueryBuilder::<$db>::new(
                    "INSERT INTO offers (id, agency_id, contact_id, family, label, amount_cents, amount_kind, closing_month, quote_sent_on, \
                     quote_answer, status, prognosis, notes, prognosis_changed_at, prognosis_changed_by, created_at, created_by, updated_at, seq) ",
                );
                qb.push_values(chunk, |mut b, (id, contact, family, amount, month, status, p, at)| {
                    b.push_bind(*id).push_bind(agency.id).push_bind(*contact).push_bind(*family).push_bind("").push_bind(*amount)
                        .push_bind("premium").push_bind(month.clone()).push_bind(None::<NaiveDate>).push_bind("awaited").push_bind(*status)
                        .push_bind(*p).push_bind("").push_bind(*at).push_bind(by).push_bind(*at).push_bind(by).push_bind(*at).push_bind(0i64);
                });
                qb.build().execute(&pool).await?;
                let mut qb = sqlx::QueryBuilder::<$db>::new(
                    "INSERT INTO offer_prognosis_changes (id, agency_id, offer_id, from_step, to_step, author_id, at) ",
                );
                qb.push_values(chunk, |mut b, (id, _, _, _, _, _, p, at)| {
                    b.push_bind(Uuid::now_v7()).push_bind(agency.id).push_bind(*id).push_bind(None::<i64>).push_bind(*p).push_bind(by).push_bind(*at);
                });
                qb.build().execute(&pool).await?;
            }
            for chunk in meetings.chunks(1000) {
                let mut qb = sqlx::QueryBuilder::<$db>::new(
                    "INSERT INTO meetings (id, agency_id, contact_id, owner_id, starts_at, duration_min, place, address, subject, notes, \
                     status, status_reason, created_at, created_by, updated_at, updated_by, seq) ",
                );
                qb.push_values(chunk, |mut b, (id, contact, owner, starts, status, booked)| {
                    b.push_bind(*id).push_bind(agency.id).push_bind(*contact).push_bind(*owner).push_bind(*starts).push_bind(60i64)
                        .push_bind("client").push_bind("").push_bind("Rendez-vous").push_bind("").push_bind(*status)
                        .push_bind(None::<String>).push_bind(*booked).push_bind(*owner).push_bind(*booked).push_bind(*owner).push_bind(0i64);
                });
                qb.build().execute(&pool).await?;
            }
            for chunk in reports.chunks(1000) {
                let mut qb = sqlx::QueryBuilder::<$db>::new(
                    "INSERT INTO visit_reports (id, agency_id, meeting_id, contact_id, author_id, outcome, summary, needs, interest_signs, \
                     satisfaction, stage_from, stage_to, next_step, next_step_due, referrals_asked, recommend_score, created_at, seq) ",
                );
                qb.push_values(chunk, |mut b, (id, meeting, contact, author, score, at)| {
                    b.push_bind(*id).push_bind(agency.id).push_bind(*meeting).push_bind(*contact).push_bind(*author).push_bind("positive")
                        .push_bind("").push_bind("").push_bind("").push_bind(Some(4i64)).push_bind("contacted").push_bind(None::<String>)
                        .push_bind("").push_bind(None::<NaiveDate>).push_bind(false).push_bind(*score).push_bind(*at).push_bind(0i64);
                });
                qb.build().execute(&pool).await?;
            }
            for chunk in calls.chunks(2000) {
                let mut qb = sqlx::QueryBuilder::<$db>::new(
                    "INSERT INTO interactions (id, agency_id, contact_id, author_id, kind, outcome, note, at, seq) ",
                );
                qb.push_values(chunk, |mut b, (id, contact, author, outcome, at)| {
                    b.push_bind(*id).push_bind(agency.id).push_bind(*contact).push_bind(*author).push_bind("call")
                        .push_bind(*outcome).push_bind("").push_bind(*at).push_bind(0i64);
                });
                qb.build().execute(&pool).await?;
            }
            for chunk in call_backs.chunks(1000) {
                let mut qb = sqlx::QueryBuilder::<$db>::new(
                    "INSERT INTO tasks (id, agency_id, owner_id, contact_id, title, notes, due_on, priority, priority_rank, source, \
                     done_at, created_at, created_by, updated_at, seq) ",
                );
                qb.push_values(chunk, |mut b, (id, owner, contact, asked, done)| {
                    b.push_bind(*id).push_bind(agency.id).push_bind(*owner).push_bind(*contact).push_bind("Rappeler").push_bind("")
                        .push_bind(asked.date_naive()).push_bind("high").push_bind(0i64).push_bind("call_back").push_bind(*done)
                        .push_bind(*asked).push_bind(*owner).push_bind(*done).push_bind(0i64);
                });
                qb.build().execute(&pool).await?;
            }
            for chunk in referrals.chunks(1000) {
                let mut qb = sqlx::QueryBuilder::<$db>::new(
                    "INSERT INTO referrals (id, agency_id, referrer_id, prospect_id, advisor_id, at) ",
                );
                qb.push_values(chunk, |mut b, (id, referrer, prospect, advisor, at)| {
                    b.push_bind(*id).push_bind(agency.id).push_bind(*referrer).push_bind(*prospect).push_bind(*advisor).push_bind(*at);
                });
                qb.build().execute(&pool).await?;
            }
            // Each record's stage is its last change's.
            for (chunk_ids, chunk_last) in ids.chunks(1000).zip(last.chunks(1000)) {
                let mut tx = pool.begin().await?;
                for ((id, _), stage) in chunk_ids.iter().zip(chunk_last) {
                    sqlx::query("UPDATE contacts SET stage = $2 WHERE id = $1").bind(*id).bind(stage.as_str()).execute(&mut *tx).await?;
                }
                tx.commit().await?;
            }
        }};
    }
    if url.starts_with("sqlite:") {
        bulk!(sqlx::SqlitePool::connect(url).await?, sqlx::Sqlite);
    } else {
        bulk!(sqlx::PgPool::connect(url).await?, sqlx::Postgres);
    }
    Ok(())
}
