//! Complaints (issue 10): the six phases in order, every step kept and attributed, the clocks
//! (24 h, 10 working days, a week, 2 months), the dashboard, who may do what, and the offline
//! mutations — on SQLite and PostgreSQL.

use crate::support::*;
use chrono::{Duration, Utc};
use reqwest::StatusCode;
use serde_json::{json, Value};
use uuid::Uuid;

fn complaint(contact_id: &Value, hours_ago: i64) -> Value {
    json!({
        "contact_id": contact_id,
        "received_at": (Utc::now() - Duration::hours(hours_ago)).to_rfc3339(),
        "channel": "letter",
        "description": "Prélèvement en double sur le contrat habitation",
    })
}

async fn step(u: &User, id: &str, body: Value) -> (StatusCode, Value) {
    body_of(u.post(&format!("/complaints/{id}/steps"), &body).await).await
}

async fn body_of(r: reqwest::Response) -> (StatusCode, Value) {
    body(r).await
}

fn clock<'a>(v: &'a Value, kind: &str) -> &'a Value {
    v["clocks"]
        .as_array()
        .unwrap()
        .iter()
        .find(|c| c["kind"] == kind)
        .unwrap()
}

#[tokio::test]
async fn a_complaint_goes_through_every_phase_in_order_and_keeps_each_step() {
    let app = spawn_app().await;
    let cast = cast(&app).await;
    let c = cast.owner.create_contact(contact("complaint-life")).await;
    let (s, k) = body(cast.owner.post("/complaints", &complaint(&c["id"], 2)).await).await;
    assert_eq!(s, StatusCode::CREATED, "{k}");
    assert_eq!(k["phase"], "received");
    assert_eq!(k["contact_name"], c["display_name"]);
    assert_eq!(clock(&k, "acknowledge24h")["state"], "running");
    assert_eq!(k["urgency"], "running");
    let id = k["id"].as_str().unwrap().to_string();

    // Out of order: refused, nothing changes.
    let (s, e) = step(&cast.owner, &id, json!({"phase": "resolved", "answer": "Remboursé"})).await;
    assert_eq!(s, StatusCode::CONFLICT, "{e}");
    assert!(e["detail"].as_str().unwrap().contains("accusé de réception"), "{e}");

    let (s, k) = step(
        &cast.owner,
        &id,
        json!({"phase": "acknowledged", "note": "Remerciée, réponse sous 8 jours"}),
    )
    .await;
    assert_eq!(s, StatusCode::OK, "{k}");
    assert_eq!(clock(&k, "acknowledge24h")["state"], "met");
    let (_, k) = step(
        &cast.owner,
        &id,
        json!({"phase": "registered", "founded": true, "nature": "technical"}),
    )
    .await;
    assert_eq!(
        (k["founded"].as_bool(), k["nature"].as_str()),
        (Some(true), Some("technical"))
    );
    // A serious case by phone; the answer is required.
    let (s, e) = step(
        &cast.owner,
        &id,
        json!({"phase": "resolved", "answer": "Remboursé", "serious": true}),
    )
    .await;
    assert_eq!(s, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(e["fields"]["by_phone"].is_string(), "{e}");
    let (s, _) = step(&cast.owner, &id, json!({"phase": "resolved", "answer": "  "})).await;
    assert_eq!(s, StatusCode::UNPROCESSABLE_ENTITY);
    let (s, k) = step(
        &cast.manager,
        &id,
        json!({"phase": "resolved", "answer": "Remboursé, excuses", "serious": true, "by_phone": true}),
    )
    .await;
    assert_eq!(s, StatusCode::OK, "{k}");
    assert_eq!(clock(&k, "answer_regulatory")["state"], "met");
    let (_, _) = step(&cast.owner, &id, json!({"phase": "closed", "satisfied": true})).await;
    let (_, _) = step(&cast.owner, &id, json!({"phase": "followed_up", "note": "Rappelée"})).await;
    let (s, _) = step(&cast.owner, &id, json!({"phase": "exploited", "preventive_action": ""})).await;
    assert_eq!(s, StatusCode::UNPROCESSABLE_ENTITY);
    let (s, k) = step(
        &cast.owner,
        &id,
        json!({"phase": "exploited", "preventive_action": "Contrôle des prélèvements"}),
    )
    .await;
    assert_eq!(s, StatusCode::OK, "{k}");
    assert_eq!(k["urgency"], Value::Null, "every clock done");

    let (_, k) = body(cast.owner.get(&format!("/complaints/{id}")).await).await;
    let steps: Vec<(&str, &str)> = k["steps"]
        .as_array()
        .unwrap()
        .iter()
        .map(|s| (s["phase"].as_str().unwrap(), s["by_name"].as_str().unwrap()))
        .collect();
    assert_eq!(
        steps,
        [
            ("received", "owner"),
            ("acknowledged", "owner"),
            ("registered", "owner"),
            ("resolved", "manager"),
            ("closed", "owner"),
            ("followed_up", "owner"),
            ("exploited", "owner"),
        ]
    );
    // No step is ever changed or deleted.
    assert_eq!(
        cast.manager.delete(&format!("/complaints/{id}")).await.status(),
        StatusCode::METHOD_NOT_ALLOWED
    );
    assert_eq!(
        cast.manager
            .put(&format!("/complaints/{id}"), &json!({}))
            .await
            .status(),
        StatusCode::METHOD_NOT_ALLOWED
    );
    let (s, _) = step(&cast.owner, &id, json!({"phase": "followed_up"})).await;
    assert_eq!(s, StatusCode::CONFLICT);
}

#[tokio::test]
async fn late_complaints_are_flagged_and_counted_on_the_dashboard() {
    let app = spawn_app().await;
    let cast = cast(&app).await;
    let c = cast.owner.create_contact(contact("complaint-late")).await;
    // Received 30 h ago and not acknowledged: late on the 24 h clock.
    let (_, late) = body(cast.owner.post("/complaints", &complaint(&c["id"], 30)).await).await;
    assert_eq!(clock(&late, "acknowledge24h")["state"], "late");
    assert_eq!(late["urgency"], "late");
    // Received 21 h ago: soon late.
    let (_, soon) = body(cast.owner.post("/complaints", &complaint(&c["id"], 21)).await).await;
    assert_eq!(soon["urgency"], "soon");
    let (_, fresh) = body(cast.owner.post("/complaints", &complaint(&c["id"], 1)).await).await;
    let fid = fresh["id"].as_str().unwrap().to_string();
    step(&cast.owner, &fid, json!({"phase": "acknowledged"})).await;
    // Not received in the future.
    let mut future = complaint(&c["id"], 0);
    future["received_at"] = json!((Utc::now() + Duration::days(2)).to_rfc3339());
    let (s, e) = body(cast.owner.post("/complaints", &future).await).await;
    assert_eq!(s, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(e["fields"]["received_at"].is_string());

    let (s, d) = body(cast.manager.get("/statistics/complaints").await).await;
    assert_eq!(s, StatusCode::OK, "{d}");
    assert_eq!(
        (
            d["total"].as_i64(),
            d["open"].as_i64(),
            d["late"].as_i64(),
            d["soon"].as_i64()
        ),
        (Some(3), Some(3), Some(1), Some(1))
    );
    assert_eq!(
        (d["acknowledged"].as_i64(), d["acknowledged_in_24h"].as_i64()),
        (Some(1), Some(1))
    );
    let by_phase = d["by_phase"].as_array().unwrap();
    assert_eq!(by_phase.len(), 7);
    assert_eq!(by_phase[0], json!({"phase": "received", "count": 2}));

    let (_, open) = body(cast.owner.get("/complaints?open=true").await).await;
    assert_eq!(open.as_array().unwrap().len(), 3);
    let (_, of_record) = body(
        cast.owner
            .get(&format!("/complaints?contact_id={}", c["id"].as_str().unwrap()))
            .await,
    )
    .await;
    assert_eq!(of_record.as_array().unwrap().len(), 3);
    let r = cast.manager.get("/complaints.csv").await;
    assert_eq!(r.status(), StatusCode::OK);
    let csv = r.text().await.unwrap();
    assert_eq!(csv.lines().count(), 4, "{csv}");
    assert!(csv.contains("en retard"), "{csv}");
}

#[tokio::test]
async fn complaint_routes_follow_the_portfolio_and_the_agency() {
    let app = spawn_app().await;
    let cast = cast(&app).await;
    let c = cast.owner.create_contact(contact("complaint-authz")).await;
    let (_, k) = body(cast.owner.post("/complaints", &complaint(&c["id"], 1)).await).await;
    let id = k["id"].as_str().unwrap().to_string();
    // (who, statuses of: read, list count, create, step)
    let cases: [(&User, u16, usize, u16, u16); 5] = [
        (&cast.colleague, 404, 0, 404, 404),
        (&cast.foreign, 404, 0, 404, 404),
        (&cast.anonymous, 401, 0, 401, 401),
        (&cast.manager, 200, 2, 201, 200),
        (&cast.owner, 200, 3, 201, 409),
    ];
    for (u, read, listed, create, stepped) in cases {
        assert_eq!(
            u.get(&format!("/complaints/{id}")).await.status().as_u16(),
            read,
            "{}",
            u.email
        );
        assert_eq!(
            u.post("/complaints", &complaint(&c["id"], 1)).await.status().as_u16(),
            create,
            "{}",
            u.email
        );
        let r = u.get("/complaints").await;
        if r.status() == StatusCode::OK {
            let v: Value = r.json().await.unwrap();
            assert_eq!(v.as_array().unwrap().len(), listed, "{}", u.email);
        }
        // The manager acknowledges; the owner then may not acknowledge again.
        let s = u
            .post(&format!("/complaints/{id}/steps"), &json!({"phase": "acknowledged"}))
            .await
            .status();
        assert_eq!(s.as_u16(), stepped, "{}", u.email);
    }
    let (_, d) = body(cast.foreign_manager.get("/statistics/complaints").await).await;
    assert_eq!(d["total"], 0);
}

fn mutation(id: i64, name: &str, args: Value) -> Value {
    json!({"id": id, "name": name, "args": args, "at": "2026-11-29T08:00:00Z"})
}

#[tokio::test]
async fn complaints_logged_offline_arrive_once_and_reach_the_phones_that_see_them() {
    let app = spawn_app().await;
    let cast = cast(&app).await;
    let c = cast.owner.create_contact(contact("complaint-sync")).await;
    let phone = Uuid::now_v7();
    let kid = Uuid::now_v7();
    let mut input = complaint(&c["id"], 3);
    input["id"] = json!(kid);
    let outbox = vec![
        mutation(1, "create_complaint", input),
        mutation(
            2,
            "advance_complaint",
            json!({"id": kid, "step": {"phase": "acknowledged", "note": "par SMS"}}),
        ),
        mutation(
            3,
            "advance_complaint",
            json!({"id": kid, "step": {"phase": "closed", "satisfied": true}}),
        ),
    ];
    for _ in 0..2 {
        let (s, answer) = body(
            cast.owner
                .post("/sync/push", &json!({"client_id": phone, "mutations": outbox}))
                .await,
        )
        .await;
        assert_eq!(s, StatusCode::OK, "{answer}");
        assert_eq!(answer["last_mutation_id"], 3);
    }
    let (_, k) = body(cast.owner.get(&format!("/complaints/{kid}")).await).await;
    assert_eq!(
        k["steps"].as_array().unwrap().len(),
        2,
        "received and acknowledged, once each: {k}"
    );
    assert_eq!(k["phase"], "acknowledged");
    let (_, page) = body(
        cast.owner
            .get(&format!("/sync/pull?cursor=0&limit=1000&client_id={phone}"))
            .await,
    )
    .await;
    let pulled: Vec<&Value> = page["changes"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|c| c["kind"] == "complaint")
        .collect();
    assert_eq!(pulled.len(), 1);
    assert_eq!(pulled[0]["row"]["steps"].as_array().unwrap().len(), 2);
    // The out-of-order step came back refused, with what was typed.
    let refused = page["refusals"].as_array().unwrap();
    assert_eq!(refused.len(), 1, "{page}");
    assert_eq!(refused[0]["refusal"]["error"], "conflict");
    let (_, theirs) = body(cast.colleague.get("/sync/pull?cursor=0&limit=1000").await).await;
    assert!(!theirs["changes"]
        .as_array()
        .unwrap()
        .iter()
        .any(|c| c["kind"] == "complaint"));
}
