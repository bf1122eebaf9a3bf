//! Offers and prognosis (issue 10): the life of an offer with its kept prognosis history, the
//! global prognosis by the agency's rule, the weighted pipeline, who may do what, and the
//! offline mutations — on SQLite and PostgreSQL.

use crate::support::*;
use reqwest::StatusCode;
use serde_json::{json, Value};
use uuid::Uuid;

fn offer(contact_id: &Value, prognosis: u8) -> Value {
    json!({
        "contact_id": contact_id,
        "family": "savings",
        "label": "Assurance-vie, versement initial",
        "amount_cents": 5_000_000,
        "amount_kind": "capital",
        "closing_month": "2027-03",
        "prognosis": prognosis,
    })
}

async fn create(u: &User, body: &Value) -> Value {
    let (s, v) = super::support::body(u.post("/offers", body).await).await;
    assert_eq!(s, StatusCode::CREATED, "{v}");
    v
}

#[tokio::test]
async fn an_offer_keeps_every_prognosis_change_and_a_signature_makes_a_quasi_client() {
    let app = spawn_app().await;
    let cast = cast(&app).await;
    let mut c = contact("offer-life");
    c["stage"] = json!("engaged");
    c["stage_reason"] = json!("reprise d'un dossier");
    let c = cast.owner.create_contact(c).await;
    let o = create(&cast.owner, &offer(&c["id"], 20)).await;
    assert_eq!(
        (o["status"].as_str(), o["prognosis"].as_u64()),
        (Some("open"), Some(20))
    );
    let id = o["id"].as_str().unwrap().to_string();

    // 20 → 60 (an edit of the amount alone adds no line), then signed.
    let mut edit = offer(&c["id"], 20);
    edit["amount_cents"] = json!(6_000_000);
    let (s, v) = body(cast.owner.put(&format!("/offers/{id}"), &edit).await).await;
    assert_eq!(
        (s, v["amount_cents"].as_i64()),
        (StatusCode::OK, Some(6_000_000)),
        "{v}"
    );
    edit["prognosis"] = json!(60);
    assert_eq!(
        cast.owner.put(&format!("/offers/{id}"), &edit).await.status(),
        StatusCode::OK
    );
    edit["prognosis"] = json!(100);
    let (_, signed) = body(cast.manager.put(&format!("/offers/{id}"), &edit).await).await;
    assert_eq!(signed["status"], "signed", "100 % is a signature");

    let (s, history) = body(cast.owner.get(&format!("/offers/{id}/history")).await).await;
    assert_eq!(s, StatusCode::OK);
    let steps: Vec<(Value, Value, Value)> = history
        .as_array()
        .unwrap()
        .iter()
        .map(|h| (h["from"].clone(), h["to"].clone(), h["by_name"].clone()))
        .collect();
    assert_eq!(
        steps,
        [
            (json!(null), json!(20), json!("owner")),
            (json!(20), json!(60), json!("owner")),
            (json!(60), json!(100), json!("manager")),
        ]
    );

    let (_, record) = body(
        cast.owner
            .get(&format!("/contacts/{}/offers", c["id"].as_str().unwrap()))
            .await,
    )
    .await;
    assert_eq!(record["quasi_client"], true);
    assert_eq!(record["global_prognosis"], 100);
    assert_eq!(record["rule"], "highest");
    // The stage rules still decide: engaged → client is one step.
    let (s, moved) = body(
        cast.owner
            .post(
                &format!("/contacts/{}/stage", c["id"].as_str().unwrap()),
                &json!({"kind": "move", "to": "client"}),
            )
            .await,
    )
    .await;
    assert_eq!(
        (s, moved["stage"].as_str()),
        (StatusCode::OK, Some("client")),
        "{moved}"
    );
    let (_, record) = body(
        cast.owner
            .get(&format!("/contacts/{}/offers", c["id"].as_str().unwrap()))
            .await,
    )
    .await;
    assert_eq!(record["quasi_client"], false, "a client is no longer quasi");
}

#[tokio::test]
async fn bad_offers_are_refused_field_by_field_and_change_nothing() {
    let app = spawn_app().await;
    let cast = cast(&app).await;
    let c = cast.owner.create_contact(contact("offer-bad")).await;
    let mut bad = offer(&c["id"], 40);
    bad["family"] = json!("yachts");
    bad["amount_cents"] = json!(0);
    bad["closing_month"] = json!("mars");
    let (s, e) = body(cast.owner.post("/offers", &bad).await).await;
    assert_eq!(s, StatusCode::UNPROCESSABLE_ENTITY, "{e}");
    for f in ["family", "amount_cents", "closing_month"] {
        assert!(e["fields"][f].is_string(), "{f} in {e}");
    }
    // A prognosis off the steps is not an offer at all.
    let (s, e) = body(cast.owner.post("/offers", &offer(&c["id"], 50)).await).await;
    assert!(
        s == StatusCode::BAD_REQUEST || s == StatusCode::UNPROCESSABLE_ENTITY,
        "{s} {e}"
    );
    assert!(e["detail"].as_str().unwrap().contains("0, 20, 40"), "{e}");
    let (_, record) = body(
        cast.owner
            .get(&format!("/contacts/{}/offers", c["id"].as_str().unwrap()))
            .await,
    )
    .await;
    assert_eq!(record["offers"], json!([]));
    assert_eq!(record["global_prognosis"], Value::Null);

    // An offer does not move to another record; POST does not overwrite one.
    let o = create(&cast.owner, &offer(&c["id"], 40)).await;
    let other = cast.owner.create_contact(contact("offer-other")).await;
    let mut moved = offer(&other["id"], 40);
    moved["id"] = o["id"].clone();
    let (s, e) = body(
        cast.owner
            .put(&format!("/offers/{}", o["id"].as_str().unwrap()), &moved)
            .await,
    )
    .await;
    assert_eq!(s, StatusCode::UNPROCESSABLE_ENTITY, "{e}");
    assert!(e["fields"]["contact_id"].is_string());
    let mut again = offer(&c["id"], 80);
    again["id"] = o["id"].clone();
    assert_eq!(cast.owner.post("/offers", &again).await.status(), StatusCode::CONFLICT);
    let (_, kept) = body(cast.owner.get(&format!("/offers/{}", o["id"].as_str().unwrap())).await).await;
    assert_eq!(kept["prognosis"], 40);
}

#[tokio::test]
async fn the_global_prognosis_follows_the_rule_the_manager_sets() {
    let app = spawn_app().await;
    let cast = cast(&app).await;
    let c = cast.owner.create_contact(contact("offer-rule")).await;
    let cid = c["id"].as_str().unwrap().to_string();
    let mut small = offer(&c["id"], 20);
    small["amount_cents"] = json!(1_000_000);
    create(&cast.owner, &small).await;
    let mut big = offer(&c["id"], 80);
    big["amount_cents"] = json!(3_000_000);
    create(&cast.owner, &big).await;
    assert_eq!(global(&cast.owner, &cid).await, 80);

    let (_, mut settings) = body(cast.manager.get("/agency/settings").await).await;
    assert_eq!(settings["product_families"].as_array().unwrap().len(), 8);
    settings["prognosis_rule"] = json!("weighted");
    assert_eq!(
        cast.owner.put("/agency/settings", &settings).await.status(),
        StatusCode::FORBIDDEN
    );
    assert_eq!(
        cast.manager.put("/agency/settings", &settings).await.status(),
        StatusCode::OK
    );
    assert_eq!(global(&cast.owner, &cid).await, 65, "(1 × 20 + 3 × 80) / 4");

    settings["prognosis_rule"] = json!("manual");
    assert_eq!(
        cast.manager.put("/agency/settings", &settings).await.status(),
        StatusCode::OK
    );
    assert_eq!(global(&cast.owner, &cid).await, Value::Null);
    let (s, v) = body(
        cast.owner
            .put(&format!("/contacts/{cid}/prognosis"), &json!({"prognosis": 40}))
            .await,
    )
    .await;
    assert_eq!((s, v["manual_prognosis"].as_u64()), (StatusCode::OK, Some(40)), "{v}");
    assert_eq!(global(&cast.owner, &cid).await, 40);
    let (s, _) = body(
        cast.owner
            .put(&format!("/contacts/{cid}/prognosis"), &json!({"prognosis": 45}))
            .await,
    )
    .await;
    assert!(s.is_client_error());
    assert_eq!(global(&cast.owner, &cid).await, 40);

    // A family list without duplicates, and an offer of a family the manager removed stays.
    settings["product_families"] =
        json!([{"code": "savings", "label": "Épargne"}, {"code": "savings", "label": "Bis"}]);
    let (s, e) = body(cast.manager.put("/agency/settings", &settings).await).await;
    assert_eq!(s, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(e["fields"]["product_families"].as_str().unwrap().contains("double"));
    settings["product_families"] = json!([{"code": "health", "label": "Santé"}]);
    assert_eq!(
        cast.manager.put("/agency/settings", &settings).await.status(),
        StatusCode::OK
    );
    let (_, record) = body(cast.owner.get(&format!("/contacts/{cid}/offers")).await).await;
    let kept = record["offers"][0].clone();
    let (s, _) = body(
        cast.owner
            .put(&format!("/offers/{}", kept["id"].as_str().unwrap()), &kept)
            .await,
    )
    .await;
    assert_eq!(s, StatusCode::OK, "its family stays valid on it");
    assert_eq!(
        cast.owner.post("/offers", &offer(&c["id"], 40)).await.status(),
        StatusCode::UNPROCESSABLE_ENTITY,
        "a new offer takes a family of the list"
    );
}

#[tokio::test]
async fn offer_routes_follow_the_portfolio_and_the_agency() {
    let app = spawn_app().await;
    let cast = cast(&app).await;
    let c = cast.owner.create_contact(contact("offer-authz")).await;
    let cid = c["id"].as_str().unwrap().to_string();
    let o = create(&cast.owner, &offer(&c["id"], 40)).await;
    let oid = o["id"].as_str().unwrap().to_string();
    let mut edit = offer(&c["id"], 60);
    edit["id"] = o["id"].clone();
    // (who, status of: list, read, history, create, update, manual)
    let expected: [(&User, [u16; 6]); 5] = [
        (&cast.owner, [200, 200, 200, 201, 200, 200]),
        (&cast.colleague, [404, 404, 404, 404, 404, 404]),
        (&cast.manager, [200, 200, 200, 201, 200, 200]),
        (&cast.foreign, [404, 404, 404, 404, 404, 404]),
        (&cast.anonymous, [401, 401, 401, 401, 401, 401]),
    ];
    for (u, codes) in expected {
        let got = [
            u.get(&format!("/contacts/{cid}/offers")).await.status().as_u16(),
            u.get(&format!("/offers/{oid}")).await.status().as_u16(),
            u.get(&format!("/offers/{oid}/history")).await.status().as_u16(),
            u.post("/offers", &offer(&c["id"], 20)).await.status().as_u16(),
            u.put(&format!("/offers/{oid}"), &edit).await.status().as_u16(),
            u.put(&format!("/contacts/{cid}/prognosis"), &json!({"prognosis": 20}))
                .await
                .status()
                .as_u16(),
        ];
        assert_eq!(got, codes, "{}", u.email);
    }
    // Shared with the colleague: they see and work on it.
    let r = cast
        .owner
        .post(
            &format!("/contacts/{cid}/shares"),
            &json!({"user_id": cast.colleague.id}),
        )
        .await;
    assert_eq!(r.status(), StatusCode::NO_CONTENT);
    assert_eq!(
        cast.colleague.get(&format!("/offers/{oid}")).await.status(),
        StatusCode::OK
    );
    // Nobody of another agency takes an id that exists (no overwrite through POST).
    let theirs = cast.foreign.create_contact(contact("offer-foreign")).await;
    let mut steal = offer(&theirs["id"], 20);
    steal["id"] = o["id"].clone();
    let s = cast.foreign.post("/offers", &steal).await.status();
    assert_eq!(s, StatusCode::CONFLICT);
    let (_, kept) = body(cast.owner.get(&format!("/offers/{oid}")).await).await;
    assert_eq!(kept["contact_id"], c["id"]);
}

#[tokio::test]
async fn the_pipeline_weighs_offers_by_month_and_advisor_for_whoever_sees_them() {
    let app = spawn_app().await;
    let cast = cast(&app).await;
    let mine = cast.owner.create_contact(contact("pipe-mine")).await;
    let theirs = cast.colleague.create_contact(contact("pipe-theirs")).await;
    let mut a = offer(&mine["id"], 40);
    a["amount_cents"] = json!(1_000_000);
    a["closing_month"] = json!("2027-02");
    create(&cast.owner, &a).await;
    create(&cast.owner, &offer(&mine["id"], 60)).await; // 50 000 € in 2027-03
    let mut won = offer(&mine["id"], 100);
    won["amount_cents"] = json!(200_000);
    create(&cast.owner, &won).await;
    let mut lost = offer(&mine["id"], 0);
    lost["status"] = json!("lost");
    create(&cast.owner, &lost).await;
    create(&cast.colleague, &offer(&theirs["id"], 80)).await;

    let (s, p) = body(cast.owner.get("/statistics/pipeline").await).await;
    assert_eq!(s, StatusCode::OK, "{p}");
    let months = p["months"].as_array().unwrap();
    assert_eq!(months.len(), 2);
    assert_eq!(months[0]["month"], "2027-02");
    assert_eq!(months[0]["weighted_cents"], 400_000);
    assert_eq!(months[1]["open_count"], 1, "only the owner's own offers");
    assert_eq!(months[1]["weighted_cents"], 3_000_000);
    assert_eq!(
        (months[1]["signed_count"].as_i64(), months[1]["signed_cents"].as_i64()),
        (Some(1), Some(200_000))
    );

    let (_, agency) = body(cast.manager.get("/statistics/pipeline").await).await;
    assert_eq!(agency["months"][1]["open_count"], 2);
    assert_eq!(agency["months"][1]["weighted_cents"], 3_000_000 + 4_000_000);
    let advisors = agency["advisors"].as_array().unwrap();
    assert_eq!(advisors.len(), 2);
    let (_, one) = body(
        cast.manager
            .get(&format!(
                "/statistics/pipeline?owner_id={}&from=2027-03&to=2027-12",
                cast.colleague.id
            ))
            .await,
    )
    .await;
    assert_eq!(one["months"].as_array().unwrap().len(), 1);
    assert_eq!(one["months"][0]["weighted_cents"], 4_000_000);

    let (_, foreign) = body(cast.foreign_manager.get("/statistics/pipeline").await).await;
    assert_eq!(foreign["months"], json!([]));
    let (s, e) = body(cast.manager.get("/statistics/pipeline?from=2027-13").await).await;
    assert!(s.is_client_error() && e["fields"]["from"].is_string(), "{s} {e}");
    let (s, _) = body(cast.manager.get("/statistics/pipeline?from=2027-05&to=2027-01").await).await;
    assert!(s.is_client_error());

    let r = cast.manager.get("/statistics/pipeline.csv").await;
    assert_eq!(r.status(), StatusCode::OK);
    assert!(r.headers()["content-type"].to_str().unwrap().starts_with("text/csv"));
    let csv = r.text().await.unwrap();
    let lines: Vec<&str> = csv.lines().collect();
    assert_eq!(lines.len(), 4, "{csv}");
    assert_eq!(lines[1], "2027-02;1;10000.00;4000.00;0;0.00");
    assert!(lines[3].starts_with("total;3;"), "{csv}");

    // The offers follow their record: shared with the owner, the colleague's record counts in
    // the owner's pipeline; handed over, it counts for its new advisor; deleted, for nobody.
    let (s, e) = body(
        cast.colleague
            .post(
                &format!("/contacts/{}/shares", theirs["id"].as_str().unwrap()),
                &json!({"user_id": cast.owner.id}),
            )
            .await,
    )
    .await;
    assert!(s.is_success(), "{e}");
    let (_, p) = body(cast.owner.get("/statistics/pipeline").await).await;
    assert_eq!(p["months"][1]["open_count"], 2, "{p}");
    let (s, e) = body(
        cast.manager
            .post(
                &format!("/team/{}/handover", cast.colleague.id),
                &json!({"to": [cast.manager.id]}),
            )
            .await,
    )
    .await;
    assert_eq!(s, StatusCode::OK, "{e}");
    let (_, agency) = body(cast.manager.get("/statistics/pipeline").await).await;
    let names: Vec<&str> = agency["advisors"]
        .as_array()
        .unwrap()
        .iter()
        .map(|a| a["owner_name"].as_str().unwrap())
        .collect();
    assert!(!names.contains(&"colleague") && names.len() == 2, "{agency}");
    let r = cast
        .manager
        .delete(&format!("/contacts/{}", theirs["id"].as_str().unwrap()))
        .await;
    assert!(r.status().is_success());
    let (_, agency) = body(cast.manager.get("/statistics/pipeline").await).await;
    assert_eq!(agency["months"][1]["open_count"], 1, "{agency}");
    assert_eq!(agency["advisors"].as_array().unwrap().len(), 1, "{agency}");
}

async fn global(u: &User, cid: &str) -> Value {
    body(u.get(&format!("/contacts/{cid}/offers")).await).await.1["global_prognosis"].clone()
}

async fn pulled(u: &User) -> Vec<Value> {
    let (_, page) = body(u.get("/sync/pull?cursor=0&limit=1000").await).await;
    page["changes"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|c| c["kind"] == "offer")
        .map(|c| c["row"].clone())
        .collect()
}

fn mutation(id: i64, name: &str, args: Value) -> Value {
    json!({"id": id, "name": name, "args": args, "at": "2026-11-29T08:00:00Z"})
}

#[tokio::test]
async fn offers_written_offline_arrive_once_and_reach_the_phones_that_see_them() {
    let app = spawn_app().await;
    let cast = cast(&app).await;
    let c = cast.owner.create_contact(contact("offer-sync")).await;
    let phone = Uuid::now_v7();
    let oid = Uuid::now_v7();
    let mut first = offer(&c["id"], 20);
    first["id"] = json!(oid);
    let mut second = first.clone();
    second["prognosis"] = json!(60);
    let outbox = vec![
        mutation(1, "save_offer", first),
        mutation(2, "save_offer", second),
        mutation(
            3,
            "set_manual_prognosis",
            json!({"contact_id": c["id"], "prognosis": 80}),
        ),
    ];
    for _ in 0..2 {
        // The second push is a replay after a lost answer: nothing is applied twice.
        let (s, answer) = body(
            cast.owner
                .post("/sync/push", &json!({"client_id": phone, "mutations": outbox}))
                .await,
        )
        .await;
        assert_eq!(s, StatusCode::OK, "{answer}");
        assert_eq!(answer["last_mutation_id"], 3);
    }
    let (_, history) = body(cast.owner.get(&format!("/offers/{oid}/history")).await).await;
    assert_eq!(history.as_array().unwrap().len(), 2, "{history}");

    let mine = pulled(&cast.owner).await;
    assert_eq!(mine.len(), 1);
    assert_eq!(mine[0]["prognosis"], 60);
    assert!(pulled(&cast.colleague).await.is_empty());
    assert!(pulled(&cast.foreign).await.is_empty());
    // Shared: the colleague's next pull brings the record's offers too.
    let cid = c["id"].as_str().unwrap();
    let r = cast
        .owner
        .post(
            &format!("/contacts/{cid}/shares"),
            &json!({"user_id": cast.colleague.id}),
        )
        .await;
    assert_eq!(r.status(), StatusCode::NO_CONTENT);
    assert_eq!(pulled(&cast.colleague).await.len(), 1);

    // Refused offline (unknown family): kept with what was typed, the rest goes on.
    let mut bad = offer(&c["id"], 40);
    bad["id"] = json!(Uuid::now_v7());
    bad["family"] = json!("yachts");
    let (_, answer) = body(
        cast.owner
            .post(
                "/sync/push",
                &json!({"client_id": phone, "mutations": [mutation(4, "save_offer", bad)]}),
            )
            .await,
    )
    .await;
    assert_eq!(answer["outcomes"][0]["status"], "refused", "{answer}");
    assert_eq!(answer["outcomes"][0]["refusal"]["mutation"]["args"]["family"], "yachts");
}
