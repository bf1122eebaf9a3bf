//! The agency's people managed in the app (issue 11): invitations with a one-time link, roles,
//! disabling, a departing advisor's portfolio handed over, the audit log — and none of it for
//! an advisor or another agency. On SQLite and PostgreSQL.

use crate::support::*;
use reqwest::StatusCode;
use serde_json::{json, Value};

fn token_of(link: &Value) -> String {
    link.as_str().unwrap().split("t=").nth(1).unwrap().to_string()
}

#[tokio::test]
async fn an_invited_user_chooses_their_password_once_and_is_signed_in() {
    let app = spawn_app().await;
    let cast = cast(&app).await;
    let (s, inv) = body(
        cast.manager
            .post(
                "/team",
                &json!({"email": "Nouvelle@A.fr", "display_name": "Inès Nouvelle", "role": "advisor"}),
            )
            .await,
    )
    .await;
    assert_eq!(s, StatusCode::CREATED, "{inv}");
    assert_eq!(inv["member"]["email"], "nouvelle@a.fr");
    assert_eq!(inv["member"]["invited"], true);
    let token = token_of(&inv["link"]);
    // No password works before the link is used.
    let ines = User {
        id: uuid::Uuid::nil(),
        agency_id: cast.manager.agency_id,
        email: "nouvelle@a.fr".into(),
        client: new_client(),
        base: app.url.clone(),
    };
    let r = ines
        .post("/auth/login", &json!({"email": "nouvelle@a.fr", "password": ""}))
        .await;
    assert_eq!(r.status(), StatusCode::UNAUTHORIZED);
    let (s, e) = body(
        ines.post("/auth/invitation", &json!({"token": token, "password": "court"}))
            .await,
    )
    .await;
    assert_eq!(s, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(e["fields"]["password"].is_string());
    let (s, _) = body(
        ines.post(
            "/auth/invitation",
            &json!({"token": "faux", "password": "un mot de passe solide"}),
        )
        .await,
    )
    .await;
    assert_eq!(s, StatusCode::NOT_FOUND);
    let (s, me) = body(
        ines.post(
            "/auth/invitation",
            &json!({"token": token, "password": "un mot de passe solide"}),
        )
        .await,
    )
    .await;
    assert_eq!(s, StatusCode::OK, "{me}");
    assert_eq!(me["display_name"], "Inès Nouvelle");
    let (s, _) = body(ines.get("/auth/me").await).await;
    assert_eq!(s, StatusCode::OK, "signed in by the link");
    let (s, e) = body(
        ines.post(
            "/auth/invitation",
            &json!({"token": token, "password": "un autre mot de passe"}),
        )
        .await,
    )
    .await;
    assert_eq!(s, StatusCode::CONFLICT, "a link works once: {e}");
    let r = new_client()
        .post(format!("{}/api/v1/auth/login", app.url))
        .json(&json!({"email": "nouvelle@a.fr", "password": "un mot de passe solide"}))
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), StatusCode::OK);

    // The same e-mail twice, a bad e-mail: refused clearly.
    let (s, _) = body(
        cast.manager
            .post("/team", &json!({"email": "nouvelle@a.fr", "display_name": "X"}))
            .await,
    )
    .await;
    assert_eq!(s, StatusCode::CONFLICT);
    let (s, e) = body(
        cast.manager
            .post("/team", &json!({"email": "pas-une-adresse", "display_name": ""}))
            .await,
    )
    .await;
    assert_eq!(s, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(
        e["fields"]["email"].is_string() && e["fields"]["display_name"].is_string(),
        "{e}"
    );

    // A new link replaces the old one (a lost link, a forgotten password).
    let id = inv["member"]["id"].as_str().unwrap();
    let (s, again) = body(cast.manager.post(&format!("/team/{id}/invitation"), &json!({})).await).await;
    assert_eq!(s, StatusCode::CREATED);
    let (s, _) = body(
        ines.post(
            "/auth/invitation",
            &json!({"token": token_of(&again["link"]), "password": "encore un nouveau"}),
        )
        .await,
    )
    .await;
    assert_eq!(s, StatusCode::OK);

    let (_, audit) = body(cast.manager.get("/audit").await).await;
    let actions: Vec<&str> = audit
        .as_array()
        .unwrap()
        .iter()
        .map(|a| a["action"].as_str().unwrap())
        .collect();
    assert_eq!(actions, ["reinvite_user", "invite_user"]);
}

#[tokio::test]
async fn roles_and_access_change_at_once_and_the_agency_keeps_a_manager() {
    let app = spawn_app().await;
    let cast = cast(&app).await;
    let manager_id = cast.manager.id;
    let (s, e) = body(
        cast.manager
            .put(&format!("/team/{manager_id}"), &json!({"disabled": true}))
            .await,
    )
    .await;
    assert_eq!(s, StatusCode::CONFLICT, "{e}");
    let (s, _) = body(
        cast.manager
            .put(&format!("/team/{manager_id}"), &json!({"role": "advisor"}))
            .await,
    )
    .await;
    assert_eq!(s, StatusCode::CONFLICT);

    // The colleague becomes a manager: sees the whole agency at once.
    let theirs = cast.owner.create_contact(contact("team-role")).await;
    let path = format!("/contacts/{}", theirs["id"].as_str().unwrap());
    assert_eq!(cast.colleague.get(&path).await.status(), StatusCode::NOT_FOUND);
    let (s, m) = body(
        cast.manager
            .put(&format!("/team/{}", cast.colleague.id), &json!({"role": "manager"}))
            .await,
    )
    .await;
    assert_eq!(s, StatusCode::OK, "{m}");
    assert_eq!(m["role"], "manager");
    assert_eq!(cast.colleague.get(&path).await.status(), StatusCode::OK);

    // Disabled: every session ends at once, with the reason the phone needs to wipe itself.
    let (s, m) = body(
        cast.manager
            .put(&format!("/team/{}", cast.owner.id), &json!({"disabled": true}))
            .await,
    )
    .await;
    assert_eq!(s, StatusCode::OK);
    assert_eq!(m["disabled"], true);
    let (s, e) = body(cast.owner.get("/today").await).await;
    assert_eq!(s, StatusCode::UNAUTHORIZED);
    assert_eq!(e["error"], "user_disabled");
    let (_, team) = body(cast.manager.get("/team").await).await;
    let owner = team
        .as_array()
        .unwrap()
        .iter()
        .find(|m| m["id"] == json!(cast.owner.id))
        .unwrap();
    assert_eq!(owner["disabled"], true);
    assert_eq!(owner["records"], 1);

    // None of it for an advisor; another agency's manager does not find the user.
    for (method, path) in [
        ("GET", "/team".to_string()),
        ("POST", "/team".to_string()),
        ("PUT", format!("/team/{}", cast.manager.id)),
        ("POST", format!("/team/{}/handover", cast.manager.id)),
        ("POST", format!("/team/{}/invitation", cast.manager.id)),
    ] {
        let body = json!({});
        let r = match method {
            "GET" => cast.foreign.get(&path).await,
            "PUT" => cast.foreign.put(&path, &body).await,
            _ => cast.foreign.post(&path, &body).await,
        };
        assert_eq!(r.status(), StatusCode::FORBIDDEN, "{method} {path}");
    }
    let r = cast
        .foreign_manager
        .put(&format!("/team/{}", cast.colleague.id), &json!({"disabled": true}))
        .await;
    assert_eq!(r.status(), StatusCode::NOT_FOUND);
    let r = cast
        .foreign_manager
        .post(
            &format!("/team/{}/handover", cast.colleague.id),
            &json!({"to": [cast.foreign.id]}),
        )
        .await;
    assert_eq!(r.status(), StatusCode::NOT_FOUND);
}

#[tokio::test]
async fn a_departing_advisors_portfolio_goes_to_others_with_its_tasks_and_meetings() {
    let app = spawn_app().await;
    let cast = cast(&app).await;
    let mut ids = Vec::new();
    for tag in ["hand-a", "hand-b", "hand-c"] {
        ids.push(
            cast.owner.create_contact(contact(tag)).await["id"]
                .as_str()
                .unwrap()
                .to_string(),
        );
    }
    let (s, m) = body(
        cast.owner
            .post(
                "/meetings",
                &json!({"contact_id": ids[0], "starts_at": "2031-05-06T10:00", "duration_min": 60, "place": "client"}),
            )
            .await,
    )
    .await;
    assert_eq!(s, StatusCode::CREATED, "{m}");
    let (s, t) = body(
        cast.owner
            .post(
                "/tasks",
                &json!({"title": "Envoyer le devis", "due_on": "2031-05-01", "contact_id": ids[1]}),
            )
            .await,
    )
    .await;
    assert_eq!(s, StatusCode::CREATED, "{t}");
    let (_, first) = body(cast.owner.get("/sync/pull?cursor=0&limit=1000").await).await;
    let cursor = first["cursor"].as_i64().unwrap();

    let (s, e) = body(
        cast.manager
            .post(&format!("/team/{}/handover", cast.owner.id), &json!({"to": []}))
            .await,
    )
    .await;
    assert_eq!(s, StatusCode::UNPROCESSABLE_ENTITY, "{e}");
    let (s, e) = body(
        cast.manager
            .post(
                &format!("/team/{}/handover", cast.owner.id),
                &json!({"to": [cast.foreign.id]}),
            )
            .await,
    )
    .await;
    assert_eq!(s, StatusCode::UNPROCESSABLE_ENTITY, "another agency's advisor: {e}");
    let (s, done) = body(
        cast.manager
            .post(
                &format!("/team/{}/handover", cast.owner.id),
                &json!({"to": [cast.colleague.id, cast.manager.id]}),
            )
            .await,
    )
    .await;
    assert_eq!(s, StatusCode::OK, "{done}");
    assert_eq!(done, json!({"records": 3, "tasks": 1, "meetings": 1}));

    // Split in turn; each record's history says who had it; its meeting and task went with it.
    let mut owners = Vec::new();
    for id in &ids {
        let (_, c) = body(cast.manager.get(&format!("/contacts/{id}")).await).await;
        owners.push(c["owner_id"].as_str().unwrap().to_string());
        let (_, h) = body(cast.manager.get(&format!("/contacts/{id}/timeline")).await).await;
        assert!(h.to_string().contains("portefeuille de owner"), "{h}");
    }
    assert_eq!(
        owners.iter().filter(|o| **o == cast.colleague.id.to_string()).count(),
        2
    );
    assert_eq!(owners.iter().filter(|o| **o == cast.manager.id.to_string()).count(), 1);
    let (_, meeting) = body(
        cast.manager
            .get(&format!("/meetings/{}", m["id"].as_str().unwrap()))
            .await,
    )
    .await;
    assert_eq!(meeting["owner_id"].as_str().unwrap(), owners[0]);
    let (_, task) = body(cast.manager.get(&format!("/tasks/{}", t["id"].as_str().unwrap())).await).await;
    assert_eq!(task["owner_id"].as_str().unwrap(), owners[1]);
    let (_, colleague_list) = body(cast.colleague.get("/contacts?limit=50").await).await;
    assert_eq!(colleague_list["items"].as_array().unwrap().len(), 2);

    // The former owner's phone drops them at its next pull.
    let (_, next) = body(cast.owner.get(&format!("/sync/pull?cursor={cursor}&limit=1000")).await).await;
    for id in &ids {
        assert!(
            next["changes"]
                .as_array()
                .unwrap()
                .iter()
                .any(|c| c["kind"] == "contact_removed" && c["row"]["id"] == json!(id)),
            "{id} not removed: {next}"
        );
    }
    let (_, audit) = body(cast.manager.get("/audit").await).await;
    assert_eq!(audit[0]["action"], "hand_over");
    assert!(audit[0]["detail"].as_str().unwrap().contains("3 dossiers"));
}

#[tokio::test]
async fn the_audit_log_exports_as_csv_for_the_days_asked_managers_only() {
    let app = spawn_app().await;
    let cast = cast(&app).await;
    for (email, name) in [("a@a.fr", "Alice Premier"), ("b@a.fr", "Bruno Second; et fils")] {
        let (s, inv) = body(
            cast.manager
                .post(
                    "/team",
                    &json!({"email": email, "display_name": name, "role": "advisor"}),
                )
                .await,
        )
        .await;
        assert_eq!(s, StatusCode::CREATED, "{inv}");
    }
    let r = cast.manager.get("/audit.csv").await;
    assert_eq!(r.status(), StatusCode::OK);
    assert!(r.headers()["content-type"].to_str().unwrap().starts_with("text/csv"));
    let bytes = r.bytes().await.unwrap();
    assert!(
        bytes.starts_with("\u{feff}".as_bytes()),
        "Excel needs the byte-order mark"
    );
    let mut reader = csv::ReaderBuilder::new().delimiter(b';').from_reader(&bytes[3..]);
    assert_eq!(
        reader.headers().unwrap().iter().collect::<Vec<_>>(),
        ["date", "heure", "auteur", "action", "concerne", "détail"]
    );
    let rows: Vec<csv::StringRecord> = reader.records().map(Result::unwrap).collect();
    // Oldest first, on the agency's clock, the separator inside a name quoted.
    let today = tournee_server::time::AgencyTime::default().today();
    assert_eq!(rows.len(), 2, "{rows:?}");
    assert_eq!(&rows[0][0], today.format("%d/%m/%Y").to_string());
    assert_eq!(&rows[0][2], "manager");
    assert_eq!(&rows[0][3], "invite_user");
    assert!(rows[0][5].starts_with("Invitation de Alice Premier"), "{rows:?}");
    assert!(
        rows[1][5].starts_with("Invitation de Bruno Second; et fils"),
        "{rows:?}"
    );
    assert!(
        uuid::Uuid::parse_str(&rows[1][4]).is_ok(),
        "the user concerned: {rows:?}"
    );

    // The days asked for: today holds both, tomorrow nothing (the header alone).
    let day = |d: chrono::NaiveDate| d.format("%Y-%m-%d").to_string();
    let r = cast
        .manager
        .get(&format!("/audit.csv?from={}&to={}", day(today), day(today)))
        .await;
    assert_eq!(r.text().await.unwrap().lines().count(), 3);
    let tomorrow = today + chrono::Duration::days(1);
    let r = cast.manager.get(&format!("/audit.csv?from={}", day(tomorrow))).await;
    assert_eq!(r.status(), StatusCode::OK);
    assert_eq!(r.text().await.unwrap().lines().count(), 1);
    let r = cast
        .manager
        .get(&format!("/audit.csv?to={}", day(today - chrono::Duration::days(1))))
        .await;
    assert_eq!(r.text().await.unwrap().lines().count(), 1);

    // Bad periods and names are refused, saying why.
    let (s, e) = body(
        cast.manager
            .get(&format!(
                "/audit.csv?from={}&to={}",
                day(today),
                day(today - chrono::Duration::days(1))
            ))
            .await,
    )
    .await;
    assert_eq!(s, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(e["fields"]["to"].is_string(), "{e}");
    assert_eq!(
        cast.manager.get("/audit.csv?depuis=2026-01-01").await.status(),
        StatusCode::BAD_REQUEST
    );
    assert_eq!(
        cast.manager.get("/audit.csv?from=+262142-12-31").await.status(),
        StatusCode::BAD_REQUEST
    );

    // Nobody else reads it.
    assert_eq!(cast.owner.get("/audit.csv").await.status(), StatusCode::FORBIDDEN);
    assert_eq!(cast.foreign.get("/audit.csv").await.status(), StatusCode::FORBIDDEN);
    assert_eq!(
        cast.anonymous.get("/audit.csv").await.status(),
        StatusCode::UNAUTHORIZED
    );
}
