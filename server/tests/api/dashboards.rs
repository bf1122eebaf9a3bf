//! The photo, the film and the KPIs (issue 10): stages as of a date from the dated history,
//! conversion rates between two dates per advisor and per campaign, KPIs against targets, and
//! who sees what — on SQLite and PostgreSQL. The history is written in the past through the
//! store, as an import of an agency's history would.

use crate::support::*;
use chrono::{Duration, Utc};
use reqwest::StatusCode;
use serde_json::{json, Value};
use shared::record::ContactInput;
use shared::stage::{Stage, StageChange};
use tournee_server::db::{Actor, ContactFields};

/// A record created `created` days ago, moved to each `(stage, days ago)` in turn.
async fn history(
    app: &TestApp,
    actor: &Actor,
    name: &str,
    campaign: &str,
    created: i64,
    moves: &[(Stage, i64)],
) -> uuid::Uuid {
    let now = Utc::now();
    let input = ContactInput {
        first_name: "Test".into(),
        last_name: name.into(),
        city: "Lyon".into(),
        email: format!("{}@exemple.fr", name.to_lowercase().replace(' ', "")),
        campaign: campaign.into(),
        ..ContactInput::default()
    };
    let v = input.validate().unwrap();
    let mut fields = ContactFields::from_valid(&v);
    fields.owner_id = Some(actor.user_id);
    let id = shared::new_id();
    app.store
        .insert_contact(actor, id, &fields, None, now - Duration::days(created))
        .await
        .unwrap();
    for (to, ago) in moves {
        let change = StageChange::Move {
            to: *to,
            reason: Some("reprise".into()),
        };
        app.store
            .change_stage(actor, id, &change, now - Duration::days(*ago))
            .await
            .unwrap();
    }
    id
}

fn actor_of(u: &User, role: shared::api::Role) -> Actor {
    Actor {
        user_id: u.id,
        agency_id: u.agency_id,
        role,
        mutation: None,
    }
}

fn count(photo: &Value, stage: &str) -> i64 {
    photo["cells"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|c| c["stage"] == stage)
        .map(|c| c["count"].as_i64().unwrap())
        .sum()
}

#[tokio::test]
async fn the_photo_is_correct_as_of_its_date_and_the_film_converts_between_two() {
    let app = spawn_app().await;
    let cast = cast(&app).await;
    let owner = actor_of(&cast.owner, shared::api::Role::Advisor);
    let colleague = actor_of(&cast.colleague, shared::api::Role::Advisor);
    // A: identified 100 days ago → qualified (80) → contacted (60) → engaged (30) → client (10).
    history(
        &app,
        &owner,
        "A",
        "Salon 2026",
        100,
        &[
            (Stage::Qualified, 80),
            (Stage::Contacted, 60),
            (Stage::Engaged, 30),
            (Stage::Client, 10),
        ],
    )
    .await;
    // B: identified 100 days ago → contacted (50).
    history(&app, &owner, "B", "Salon 2026", 100, &[(Stage::Contacted, 50)]).await;
    // C, the colleague's: identified 20 days ago → contacted (5). Created after the film starts.
    history(&app, &colleague, "C", "Fichier", 20, &[(Stage::Contacted, 5)]).await;

    let day = |ago: i64| (Utc::now() - Duration::days(ago)).date_naive();
    let (s, then) = body(cast.manager.get(&format!("/statistics/photo?on={}", day(70))).await).await;
    assert_eq!(s, StatusCode::OK, "{then}");
    assert_eq!(
        (
            count(&then, "qualified"),
            count(&then, "identified"),
            count(&then, "client")
        ),
        (1, 1, 0)
    );
    let (_, now) = body(cast.manager.get("/statistics/photo").await).await;
    assert_eq!((count(&now, "client"), count(&now, "contacted")), (1, 2));
    assert_eq!(now["cells"].as_array().unwrap().len(), 21);

    let (s, film) = body(
        cast.manager
            .get(&format!("/statistics/film?from={}&to={}", day(45), day(0)))
            .await,
    )
    .await;
    assert_eq!(s, StatusCode::OK, "{film}");
    let total = &film["lines"][0];
    assert_eq!(total["group"], "");
    // At the start: A and B contacted; C appears (identified) then contacted.
    assert_eq!(total["identified_to_contacted"], json!({"cohort": 1, "converted": 1}));
    assert_eq!(total["contacted_to_engaged"], json!({"cohort": 3, "converted": 1}));
    assert_eq!(total["engaged_to_client"], json!({"cohort": 1, "converted": 1}));
    let groups: Vec<&str> = film["lines"]
        .as_array()
        .unwrap()
        .iter()
        .map(|l| l["group"].as_str().unwrap())
        .collect();
    assert_eq!(groups, ["", "colleague", "owner"]);
    let (_, by_campaign) = body(
        cast.manager
            .get(&format!("/statistics/film?from={}&by=campaign", day(45)))
            .await,
    )
    .await;
    let salon = by_campaign["lines"]
        .as_array()
        .unwrap()
        .iter()
        .find(|l| l["group"] == "Salon 2026")
        .unwrap();
    assert_eq!(salon["engaged_to_client"]["converted"], 1);
    let (s, _) = body(
        cast.manager
            .get(&format!("/statistics/film?from={}&to={}", day(0), day(10)))
            .await,
    )
    .await;
    assert!(s.is_client_error());
    let (s, _) = body(cast.manager.get("/statistics/film?by=moon").await).await;
    assert!(s.is_client_error());

    // An advisor: their own records only; another agency: nothing.
    let (_, mine) = body(cast.owner.get("/statistics/photo").await).await;
    assert_eq!(count(&mine, "contacted") + count(&mine, "client"), 2);
    let (_, theirs) = body(
        cast.colleague
            .get(&format!("/statistics/photo?owner_id={}", cast.owner.id))
            .await,
    )
    .await;
    assert_eq!(
        count(&theirs, "contacted"),
        1,
        "an advisor's owner_id is ignored: their own"
    );
    let (_, foreign) = body(cast.foreign_manager.get("/statistics/photo").await).await;
    assert!(foreign["cells"].as_array().unwrap().iter().all(|c| c["count"] == 0));

    // The campaign is a filter of the contact list too.
    let (_, list) = body(cast.manager.get("/contacts?campaign=salon%202026").await).await;
    assert_eq!(list["items"].as_array().unwrap().len(), 2);

    let r = cast
        .manager
        .get(&format!("/statistics/film.csv?from={}", day(45)))
        .await;
    assert_eq!(r.status(), StatusCode::OK);
    assert!(r.text().await.unwrap().starts_with("groupe;identifiés"));
    let r = cast.manager.get("/statistics/photo.csv").await;
    assert_eq!(r.text().await.unwrap().lines().count(), 22);
}

/// The photo's cells at the end of `on`, as rewinding the records gives them (the reference
/// the summary is checked against).
async fn rewound(app: &TestApp, actor: &Actor, on: chrono::NaiveDate, owner: Option<uuid::Uuid>) -> Value {
    use tournee_server::db::dashboard::GroupBy;
    let at = tournee_server::time::AgencyTime::default().day_end(on);
    let (records, moves) = app
        .store
        .records_and_moves(actor, at, owner, GroupBy::None)
        .await
        .unwrap();
    let stages = if at >= Utc::now() {
        records
            .iter()
            .map(|r| r.deleted_at.is_none().then_some(r.stage))
            .collect()
    } else {
        shared::dashboard::rewind(&records, &moves, at)
    };
    let cells: Vec<_> = shared::dashboard::cells_of(&records, &stages)
        .into_iter()
        .map(|(c, _)| c)
        .collect();
    serde_json::to_value(shared::dashboard::Photo::of(on, &cells)).unwrap()
}

#[tokio::test]
async fn the_day_by_day_summary_gives_the_photo_of_any_day_and_follows_every_write() {
    let app = spawn_app().await;
    let cast = cast(&app).await;
    let owner = actor_of(&cast.owner, shared::api::Role::Advisor);
    let colleague = actor_of(&cast.colleague, shared::api::Role::Advisor);
    let manager = actor_of(&cast.manager, shared::api::Role::Manager);
    // Histories over 200 days, several moves each, some records deleted on the way.
    let mut ids = Vec::new();
    for i in 0..12i64 {
        let who = if i % 3 == 0 { &colleague } else { &owner };
        let stages = [Stage::Qualified, Stage::Contacted, Stage::Engaged, Stage::Client];
        let moves: Vec<(Stage, i64)> = stages[(i % 2) as usize..]
            .iter()
            .take((i % 5) as usize)
            .enumerate()
            .map(|(k, s)| (*s, 190 - 30 * k as i64 - i))
            .collect();
        let id = history(&app, who, &format!("Suivi{i}"), "", 200 - i, &moves).await;
        if i % 4 == 1 {
            app.store
                .delete_contact(who, id, Utc::now() - Duration::days(20 + i))
                .await
                .unwrap();
        }
        ids.push(id);
    }
    let day = |ago: i64| (Utc::now() - Duration::days(ago)).date_naive();
    for ago in [210, 199, 150, 120, 95, 61, 30, 19, 1, 0] {
        let (s, photo) = body(cast.manager.get(&format!("/statistics/photo?on={}", day(ago))).await).await;
        assert_eq!(s, StatusCode::OK, "{photo}");
        assert_eq!(photo, rewound(&app, &manager, day(ago), None).await, "{ago} days ago");
        let (_, mine) = body(cast.owner.get(&format!("/statistics/photo?on={}", day(ago))).await).await;
        assert_eq!(
            mine,
            rewound(&app, &owner, day(ago), Some(owner.user_id)).await,
            "{ago} days ago"
        );
    }

    // Writes of every other kind keep today's photo equal to the records: a potential edited,
    // a record handed over, a record erased.
    let (_, record) = body(cast.owner.get(&format!("/contacts/{}", ids[2])).await).await;
    let mut edit = record.clone();
    edit["accessible_potential_cents"] = json!(12_345_600);
    let (s, e) = body(cast.owner.put(&format!("/contacts/{}", ids[2]), &edit).await).await;
    assert_eq!(s, StatusCode::OK, "{e}");
    let (s, e) = body(
        cast.manager
            .post(
                &format!("/team/{}/handover", cast.colleague.id),
                &json!({"to": [cast.owner.id]}),
            )
            .await,
    )
    .await;
    assert_eq!(s, StatusCode::OK, "{e}");
    let (s, e) = body(
        cast.manager
            .post(&format!("/contacts/{}/erase", ids[4]), &json!({"reason": "request"}))
            .await,
    )
    .await;
    assert!(s.is_success(), "{e}");
    let (_, now) = body(cast.manager.get("/statistics/photo").await).await;
    assert_eq!(now, rewound(&app, &manager, day(0), None).await);
    let (_, mine) = body(cast.owner.get("/statistics/photo").await).await;
    assert_eq!(mine, rewound(&app, &owner, day(0), Some(owner.user_id)).await);
    // From the summary on, the past keeps whose records they were then: ten days ago the
    // handed-over records were still the colleague's.
    let (_, colleague_then) = body(
        cast.manager
            .get(&format!(
                "/statistics/photo?on={}&owner_id={}",
                day(10),
                cast.colleague.id
            ))
            .await,
    )
    .await;
    let then: i64 = colleague_then["cells"]
        .as_array()
        .unwrap()
        .iter()
        .map(|c| c["count"].as_i64().unwrap())
        .sum();
    assert!(then > 0, "{colleague_then}");
    let (_, colleague_now) = body(
        cast.manager
            .get(&format!("/statistics/photo?owner_id={}", cast.colleague.id))
            .await,
    )
    .await;
    assert!(colleague_now["cells"]
        .as_array()
        .unwrap()
        .iter()
        .all(|c| c["count"] == 0));

    // Rebuilt from the history (a new zone, or the first start after the upgrade), the summary
    // gives today's owners and sizes to the whole past: the photo of any day is then the
    // rewound one again, and today's is unchanged.
    app.store
        .rebuild_cells(&tournee_server::time::AgencyTime::default())
        .await
        .unwrap();
    let (_, again) = body(cast.manager.get("/statistics/photo").await).await;
    assert_eq!(again, now);
    for ago in [150, 61, 10] {
        let (_, photo) = body(cast.manager.get(&format!("/statistics/photo?on={}", day(ago))).await).await;
        assert_eq!(photo, rewound(&app, &manager, day(ago), None).await, "{ago} days ago");
    }
    // Another zone: the next start rebuilds once, the one after finds it ready.
    let reunion = tournee_server::time::AgencyTime::parse("Indian/Reunion").unwrap();
    assert!(app.store.prepare_cells(&reunion).await.unwrap());
    assert!(!app.store.prepare_cells(&reunion).await.unwrap());
}

#[tokio::test]
async fn kpis_are_computed_from_the_period_and_compared_with_the_targets() {
    let app = spawn_app().await;
    let cast = cast(&app).await;
    let owner = actor_of(&cast.owner, shared::api::Role::Advisor);
    // A client for 400 days, still a client: kept. Another who left: not kept.
    history(&app, &owner, "Fidèle", "", 500, &[(Stage::Client, 400)]).await;
    let gone = history(&app, &owner, "Parti", "", 500, &[(Stage::Client, 400)]).await;
    let change = StageChange::ClientLeft {
        reason: "déménagement".into(),
        competitor: None,
    };
    app.store
        .change_stage(&owner, gone, &change, Utc::now() - Duration::days(3))
        .await
        .unwrap();

    let (s, k) = body(cast.manager.get("/statistics/kpis").await).await;
    assert_eq!(s, StatusCode::OK, "{k}");
    let kpis = k["kpis"].as_array().unwrap();
    assert_eq!(kpis.len(), 5);
    let retention = kpis.iter().find(|x| x["code"] == "retention").unwrap();
    assert_eq!(
        (retention["value"].as_f64(), retention["met"].as_bool()),
        (Some(50.0), Some(false)),
        "{retention}"
    );
    assert_eq!(retention["target"], 95.0);
    let nps = kpis.iter().find(|x| x["code"] == "nps").unwrap();
    assert_eq!(nps["value"], Value::Null, "no answer yet");

    let (_, mut settings) = body(cast.manager.get("/agency/settings").await).await;
    settings["kpi_targets"]["retention"] = json!(40);
    assert_eq!(
        cast.manager.put("/agency/settings", &settings).await.status(),
        StatusCode::OK
    );
    let (_, k) = body(cast.manager.get("/statistics/kpis").await).await;
    let retention = k["kpis"]
        .as_array()
        .unwrap()
        .iter()
        .find(|x| x["code"] == "retention")
        .unwrap()
        .clone();
    assert_eq!(retention["met"], true);
    settings["kpi_targets"]["retention"] = json!(140);
    assert_eq!(
        cast.manager.put("/agency/settings", &settings).await.status(),
        StatusCode::UNPROCESSABLE_ENTITY
    );
    let r = cast.manager.get("/statistics/kpis.csv").await;
    assert_eq!(r.text().await.unwrap().lines().count(), 6);
    assert_eq!(
        cast.anonymous.get("/statistics/kpis").await.status(),
        StatusCode::UNAUTHORIZED
    );
}
