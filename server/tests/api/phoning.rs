//! Phoning sessions (issue 10): the call list in priority order, the tally of a session, and
//! no fourth follow-up of one person within the agency's period — by REST and offline, on
//! SQLite and PostgreSQL.

use crate::support::*;
use reqwest::StatusCode;
use serde_json::{json, Value};
use uuid::Uuid;

fn call(session: Uuid, outcome: &str) -> Value {
    json!({"id": Uuid::now_v7(), "kind": "call", "outcome": outcome, "session_id": session})
}

#[tokio::test]
async fn the_fourth_follow_up_in_the_period_is_refused_and_the_tally_counts_the_session() {
    let app = spawn_app().await;
    let cast = cast(&app).await;
    let mut p = contact("phoning-prospect");
    p["stage"] = json!("qualified");
    p["stage_reason"] = json!("fichier salon");
    let p = cast.owner.create_contact(p).await;
    let path = format!("/contacts/{}/interactions", p["id"].as_str().unwrap());

    let (s, list) = body(cast.owner.get("/phoning/list").await).await;
    assert_eq!(s, StatusCode::OK, "{list}");
    let item = list
        .as_array()
        .unwrap()
        .iter()
        .find(|i| i["contact_id"] == p["id"])
        .expect("the prospect is on the list");
    assert_eq!(
        (item["reason"].as_str(), item["follow_ups"].as_u64()),
        (Some("prospect"), Some(0))
    );
    assert!(cast.colleague.get("/phoning/list").await.status() == StatusCode::OK);
    let (_, theirs) = body(cast.colleague.get("/phoning/list").await).await;
    assert!(
        !theirs.as_array().unwrap().iter().any(|i| i["contact_id"] == p["id"]),
        "only one's own portfolio"
    );

    let session = Uuid::now_v7();
    for outcome in ["no_answer", "call_back", "no_answer"] {
        let (s, v) = body(cast.owner.post(&path, &call(session, outcome)).await).await;
        assert_eq!(s, StatusCode::CREATED, "{v}");
    }
    let (s, e) = body(cast.owner.post(&path, &call(session, "reached")).await).await;
    assert_eq!(s, StatusCode::CONFLICT, "{e}");
    assert!(e["detail"].as_str().unwrap().contains("3 relances"), "{e}");
    // A call outside a session (the client calling back) is not a follow-up.
    let (s, _) = body(
        cast.owner
            .post(&path, &json!({"kind": "call", "outcome": "reached"}))
            .await,
    )
    .await;
    assert_eq!(s, StatusCode::CREATED);

    let (_, list) = body(cast.owner.get("/phoning/list").await).await;
    let items = list.as_array().unwrap();
    let item = items.iter().find(|i| i["contact_id"] == p["id"]).unwrap();
    assert_eq!(item["follow_ups"], 3);
    assert_eq!(items.last().unwrap()["contact_id"], p["id"], "the blocked go last");
    // The call-back made a task due tomorrow: not on today's list as a call-back yet.
    assert_eq!(item["reason"], "prospect");

    let (s, t) = body(cast.owner.get(&format!("/phoning/sessions/{session}")).await).await;
    assert_eq!(s, StatusCode::OK);
    assert_eq!(
        (t["dialled"].as_u64(), t["no_answer"].as_u64(), t["call_backs"].as_u64()),
        (Some(3), Some(2), Some(1))
    );
    let (_, other) = body(cast.colleague.get(&format!("/phoning/sessions/{session}")).await).await;
    assert_eq!(other["dialled"], 0, "a session counts its author's calls only");

    // A shorter period set by the manager: the same calls, still within it, still block.
    let (_, mut settings) = body(cast.manager.get("/agency/settings").await).await;
    assert_eq!(settings["follow_up_period_days"], 30);
    settings["follow_up_period_days"] = json!(0);
    assert_eq!(
        cast.manager.put("/agency/settings", &settings).await.status(),
        StatusCode::UNPROCESSABLE_ENTITY
    );
    settings["follow_up_period_days"] = json!(7);
    assert_eq!(
        cast.manager.put("/agency/settings", &settings).await.status(),
        StatusCode::OK
    );
    let (s, _) = body(cast.owner.post(&path, &call(Uuid::now_v7(), "reached")).await).await;
    assert_eq!(s, StatusCode::CONFLICT, "three in the last 7 days too");
}

#[tokio::test]
async fn a_refusal_names_an_objection_of_the_list_and_a_wrong_number_makes_a_task() {
    let app = spawn_app().await;
    let cast = cast(&app).await;
    let p = cast.owner.create_contact(contact("phoning-objection")).await;
    let path = format!("/contacts/{}/interactions", p["id"].as_str().unwrap());
    let session = Uuid::now_v7();
    let mut refused = call(session, "refused");
    refused["objection"] = json!("no_such_code");
    let (s, e) = body(cast.owner.post(&path, &refused).await).await;
    assert_eq!(s, StatusCode::UNPROCESSABLE_ENTITY, "{e}");
    assert!(e["fields"]["objection"].is_string());
    let (_, settings) = body(cast.owner.get("/agency/settings").await).await;
    refused["objection"] = settings["objections"][0]["code"].clone();
    let (s, _) = body(cast.owner.post(&path, &refused).await).await;
    assert_eq!(s, StatusCode::CREATED);
    let mut not_refused = call(session, "reached");
    not_refused["objection"] = settings["objections"][0]["code"].clone();
    assert_eq!(
        cast.owner.post(&path, &not_refused).await.status(),
        StatusCode::UNPROCESSABLE_ENTITY
    );

    let (s, _) = body(cast.owner.post(&path, &call(session, "wrong_number")).await).await;
    assert_eq!(s, StatusCode::CREATED);
    let (_, tasks) = body(cast.owner.get("/tasks").await).await;
    assert!(
        tasks
            .as_array()
            .unwrap()
            .iter()
            .any(|t| t["title"].as_str().unwrap().starts_with("Corriger le numéro")),
        "{tasks}"
    );
}

#[tokio::test]
async fn the_fourth_follow_up_made_offline_comes_back_refused_with_what_was_typed() {
    let app = spawn_app().await;
    let cast = cast(&app).await;
    let p = cast.owner.create_contact(contact("phoning-offline")).await;
    let phone = Uuid::now_v7();
    let session = Uuid::now_v7();
    let outbox: Vec<Value> = (1..=4)
        .map(|i| {
            let mut c = call(session, "no_answer");
            c["note"] = json!(format!("essai {i}"));
            json!({"id": i, "name": "log_interaction", "args": {"contact_id": p["id"], "input": c}, "at": "2026-11-29T08:00:00Z"})
        })
        .collect();
    let (s, answer) = body(
        cast.owner
            .post("/sync/push", &json!({"client_id": phone, "mutations": outbox}))
            .await,
    )
    .await;
    assert_eq!(s, StatusCode::OK, "{answer}");
    let statuses: Vec<&str> = answer["outcomes"]
        .as_array()
        .unwrap()
        .iter()
        .map(|o| o["status"].as_str().unwrap())
        .collect();
    assert_eq!(statuses, ["applied", "applied", "applied", "refused"]);
    assert_eq!(
        answer["outcomes"][3]["refusal"]["mutation"]["args"]["input"]["note"],
        "essai 4"
    );
}
