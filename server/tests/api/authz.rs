//! The authorization matrix: every route × {owner, colleague of the agency, manager, advisor
//! of another agency, anonymous}. Zero reads or writes across agencies; advisors see only
//! their portfolio and what is shared with them.

use crate::support::*;
use reqwest::StatusCode;
use serde_json::{json, Value};

#[derive(Clone, Copy, Debug)]
enum Who {
    Owner,
    Colleague,
    Manager,
    Foreign,
    Anonymous,
}

const EVERYONE: [Who; 5] = [Who::Owner, Who::Colleague, Who::Manager, Who::Foreign, Who::Anonymous];

/// A route: method, path template, body template, expected status per actor.
type RouteCase = (&'static str, &'static str, Value, [(Who, u16); 5]);

fn user(cast: &Cast, who: Who) -> &User {
    match who {
        Who::Owner => &cast.owner,
        Who::Colleague => &cast.colleague,
        Who::Manager => &cast.manager,
        Who::Foreign => &cast.foreign,
        Who::Anonymous => &cast.anonymous,
    }
}

/// Expected status per actor, for a route on a record owned by `Owner` (not shared).
fn record_route(owner_and_manager: u16) -> [(Who, u16); 5] {
    [
        (Who::Owner, owner_and_manager),
        (Who::Colleague, 404),
        (Who::Manager, owner_and_manager),
        (Who::Foreign, 404),
        (Who::Anonymous, 401),
    ]
}

async fn call(u: &User, method: &str, path: &str, body: &Value) -> StatusCode {
    match method {
        "GET" => u.get(path).await.status(),
        "POST" => u.post(path, body).await.status(),
        "PUT" => u.put(path, body).await.status(),
        "DELETE" => u.delete(path).await.status(),
        _ => unreachable!(),
    }
}

#[tokio::test]
async fn every_record_route_is_scoped_to_the_agency_and_the_portfolio() {
    let app = spawn_app().await;
    let cast = cast(&app).await;
    let mut n = 0;
    let routes: Vec<RouteCase> = vec![
        ("GET", "/contacts/{id}", json!(null), record_route(200)),
        (
            "PUT",
            "/contacts/{id}",
            json!({"last_name": "Changé", "phone_mobile": "0699999999"}),
            record_route(200),
        ),
        (
            "POST",
            "/contacts/{id}/stage",
            json!({"kind": "move", "to": "qualified"}),
            record_route(200),
        ),
        ("GET", "/contacts/{id}/stages", json!(null), record_route(200)),
        ("GET", "/contacts/{id}/shares", json!(null), record_route(200)),
        (
            "POST",
            "/contacts/{id}/shares",
            json!({"user_id": "MANAGER"}),
            record_route(204),
        ),
        (
            "DELETE",
            "/contacts/{id}/shares/MANAGER",
            json!(null),
            record_route(204),
        ),
        ("DELETE", "/contacts/{id}", json!(null), record_route(204)),
        ("GET", "/contacts/{id}/subject-access", json!(null), record_route(200)),
        // Erasure is the manager's: advisors are refused whoever's the record.
        (
            "POST",
            "/contacts/{id}/erase",
            json!({"reason": "request"}),
            [
                (Who::Owner, 403),
                (Who::Colleague, 403),
                (Who::Manager, 204),
                (Who::Foreign, 403),
                (Who::Anonymous, 401),
            ],
        ),
    ];
    for (method, template, body_template, expected) in routes {
        for (who, status) in expected {
            // A fresh record per call, owned by Owner and shared with the manager only where
            // the route needs an existing share.
            n += 1;
            let created = cast.owner.create_contact(contact(&format!("authz{n}"))).await;
            let id = created["id"].as_str().unwrap().to_string();
            if template.ends_with("/MANAGER") {
                let r = cast
                    .owner
                    .post(&format!("/contacts/{id}/shares"), &json!({"user_id": cast.manager.id}))
                    .await;
                assert_eq!(r.status(), StatusCode::NO_CONTENT);
            }
            let (_, c) = body_of(&cast.owner, &id).await;
            let path = template
                .replace("{id}", &id)
                .replace("MANAGER", &cast.manager.id.to_string());
            let body: Value = serde_json::from_str(
                &body_template
                    .to_string()
                    .replace("MANAGER", &cast.manager.id.to_string()),
            )
            .unwrap();
            let got = call(user(&cast, who), method, &path, &body).await;
            assert_eq!(got.as_u16(), status, "{method} {template} as {who:?}");
            // Whoever was refused changed nothing.
            if status >= 400 {
                let (s, after) = body_of(&cast.owner, &id).await;
                assert_eq!(s, StatusCode::OK);
                assert_eq!(after["last_name"], c["last_name"]);
                assert_eq!(after["stage"], c["stage"]);
                assert_eq!(
                    after["seq"], c["seq"],
                    "{method} {template} as {who:?} changed the record"
                );
            }
        }
    }
}

async fn body_of(u: &User, id: &str) -> (StatusCode, Value) {
    body(u.get(&format!("/contacts/{id}")).await).await
}

#[tokio::test]
async fn lists_never_show_another_agency_or_an_unshared_portfolio() {
    let app = spawn_app().await;
    let cast = cast(&app).await;
    let mine = cast.owner.create_contact(contact("list-mine")).await;
    let mut late = contact("list-client");
    late["stage"] = json!("client");
    late["stage_reason"] = json!("reprise");
    late["last_meeting_on"] = json!("2020-01-01");
    let client = cast.owner.create_contact(late).await;
    let ids = |v: &Value, key: &str| -> Vec<String> {
        v.as_array()
            .or_else(|| v["items"].as_array())
            .unwrap()
            .iter()
            .map(|c| {
                if key.is_empty() {
                    c["id"].as_str().unwrap().to_string()
                } else {
                    c[key]["id"].as_str().unwrap().to_string()
                }
            })
            .collect()
    };
    for who in EVERYONE {
        let u = user(&cast, who);
        let (s, list) = body(u.get("/contacts").await).await;
        let (s2, due) = body(u.get("/contacts/due?on=2026-11-23").await).await;
        let (s3, users) = body(u.get("/agency/users").await).await;
        match who {
            Who::Anonymous => assert_eq!(
                (s, s2, s3),
                (
                    StatusCode::UNAUTHORIZED,
                    StatusCode::UNAUTHORIZED,
                    StatusCode::UNAUTHORIZED
                )
            ),
            Who::Owner | Who::Manager => {
                assert_eq!(ids(&list, "").len(), 2, "{who:?}");
                assert!(ids(&list, "").contains(&mine["id"].as_str().unwrap().to_string()));
                assert_eq!(ids(&due, "contact"), [client["id"].as_str().unwrap().to_string()]);
                assert_eq!(users.as_array().unwrap().len(), 3);
            }
            Who::Colleague | Who::Foreign => {
                assert!(ids(&list, "").is_empty(), "{who:?} sees {list}");
                assert!(ids(&due, "contact").is_empty());
                let n = users.as_array().unwrap().len();
                assert_eq!(
                    n,
                    if matches!(who, Who::Foreign) { 2 } else { 3 },
                    "only one's own agency's members"
                );
            }
        }
        // A search by exact name never crosses the agency either.
        let (_, found) = body(u.get("/contacts?q=list-mine").await).await;
        if matches!(who, Who::Foreign | Who::Colleague) {
            assert!(found["items"].as_array().unwrap().is_empty());
        }
    }
    // The owner filter cannot reach into another agency.
    let (_, r) = body(
        cast.foreign_manager
            .get(&format!("/contacts?owner={}", cast.owner.id))
            .await,
    )
    .await;
    assert!(r["items"].as_array().unwrap().is_empty());
}

#[tokio::test]
async fn creating_and_settings_follow_roles_and_agencies() {
    let app = spawn_app().await;
    let cast = cast(&app).await;
    // Anonymous cannot create; an advisor cannot create for a colleague; a manager can assign.
    assert_eq!(
        cast.anonymous.post("/contacts", &contact("x1")).await.status(),
        StatusCode::UNAUTHORIZED
    );
    let mut for_colleague = contact("x2");
    for_colleague["owner_id"] = json!(cast.colleague.id);
    assert_eq!(
        cast.owner.post("/contacts", &for_colleague).await.status(),
        StatusCode::FORBIDDEN
    );
    let c = cast.manager.create_contact(for_colleague.clone()).await;
    assert_eq!(c["owner_id"], json!(cast.colleague.id));
    // A manager cannot assign to someone of another agency.
    let mut foreign_owner = contact("x3");
    foreign_owner["owner_id"] = json!(cast.foreign.id);
    let (s, b) = body(cast.manager.post("/contacts", &foreign_owner).await).await;
    assert_eq!(s, StatusCode::UNPROCESSABLE_ENTITY, "{b}");
    // A referrer from another agency is not found.
    let theirs = cast.foreign.create_contact(contact("x4")).await;
    let mut referred = contact("x5");
    referred["referred_by"] = theirs["id"].clone();
    let (s, b) = body(cast.owner.post("/contacts", &referred).await).await;
    assert_eq!(s, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(b["fields"]["referred_by"].is_string());
    // Settings: read by all members, written by the manager of that agency only.
    for who in [Who::Owner, Who::Colleague, Who::Manager, Who::Foreign] {
        assert_eq!(user(&cast, who).get("/agency/settings").await.status(), StatusCode::OK);
    }
    assert_eq!(
        cast.anonymous.get("/agency/settings").await.status(),
        StatusCode::UNAUTHORIZED
    );
    let (_, mut settings) = body(cast.foreign_manager.get("/agency/settings").await).await;
    settings["segment_bands"] = json!({"vip": 90, "gold": 60, "silver": 30});
    assert_eq!(
        cast.foreign_manager.put("/agency/settings", &settings).await.status(),
        StatusCode::OK
    );
    let (_, ours) = body(cast.manager.get("/agency/settings").await).await;
    assert_eq!(
        ours["segment_bands"]["vip"], 75,
        "another agency's settings are untouched"
    );
    // Sessions: one's own only.
    let (_, sessions) = body(cast.owner.get("/auth/sessions").await).await;
    let sid = sessions[0]["id"].as_str().unwrap().to_string();
    for who in [Who::Colleague, Who::Manager, Who::Foreign] {
        assert_eq!(
            user(&cast, who).delete(&format!("/auth/sessions/{sid}")).await.status(),
            StatusCode::NOT_FOUND
        );
    }
    assert_eq!(
        cast.anonymous.delete(&format!("/auth/sessions/{sid}")).await.status(),
        StatusCode::UNAUTHORIZED
    );
}

#[tokio::test]
async fn a_referrer_must_be_a_record_the_caller_may_see() {
    let app = spawn_app().await;
    let cast = cast(&app).await;
    let private = cast.owner.create_contact(contact("private-referrer")).await;
    let mut body_json = contact("referred-by-private");
    body_json["referred_by"] = private["id"].clone();
    let (status, v) = body(cast.colleague.post("/contacts", &body_json).await).await;
    assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY, "{v}");
    assert!(v["fields"]["referred_by"].is_string(), "{v}");

    let mine = cast.colleague.create_contact(contact("colleague-own")).await;
    let mut edit = mine.clone();
    edit["referred_by"] = private["id"].clone();
    let (status, _) = body(
        cast.colleague
            .put(&format!("/contacts/{}", mine["id"].as_str().unwrap()), &edit)
            .await,
    )
    .await;
    assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY);
    let (_, chain) = body(
        cast.colleague
            .get(&format!("/contacts/{}/referrals", mine["id"].as_str().unwrap()))
            .await,
    )
    .await;
    assert!(
        !chain.to_string().contains("private-referrer"),
        "nothing of the private record leaks: {chain}"
    );

    // The manager sees the whole agency and may link them; the colleague's later edits keep
    // that link without being refused.
    let (status, v) = body(
        cast.manager
            .put(&format!("/contacts/{}", mine["id"].as_str().unwrap()), &edit)
            .await,
    )
    .await;
    assert_eq!(status, StatusCode::OK, "{v}");
    let mut again = v.clone();
    again["notes"] = json!("rappeler en janvier");
    let (status, v) = body(
        cast.colleague
            .put(&format!("/contacts/{}", mine["id"].as_str().unwrap()), &again)
            .await,
    )
    .await;
    assert_eq!(status, StatusCode::OK, "{v}");
}
