//! Malformed or hostile input: a clear 4xx with a JSON body, never a 500, never a change.

use crate::support::*;
use reqwest::Method;
use shared::api::Role;

#[tokio::test]
async fn malformed_requests_get_json_errors_and_change_nothing() {
    let app = spawn_app().await;
    let agency = app.agency("Agence").await;
    let u = app.user(agency, "a@x.fr", Role::Advisor).await;
    let c = u.create_contact(contact("robust")).await;
    let id = c["id"].as_str().unwrap();
    let cases: Vec<(Method, String, &str, String)> = vec![
        (Method::POST, "/contacts".into(), "application/json", "{not json".into()),
        (Method::POST, "/contacts".into(), "text/plain", "{}".into()),
        (
            Method::POST,
            "/contacts".into(),
            "application/json",
            r#"{"last_name": 42}"#.into(),
        ),
        (
            Method::POST,
            "/contacts".into(),
            "application/json",
            r#"{"kind": "alien", "last_name": "x"}"#.into(),
        ),
        (
            Method::POST,
            "/contacts".into(),
            "application/json",
            r#"{"id": "not-a-uuid", "last_name": "x"}"#.into(),
        ),
        (
            Method::POST,
            "/contacts".into(),
            "application/json",
            format!(r#"{{"last_name": "{}", "email": "a@b.fr"}}"#, "x".repeat(100_000)),
        ),
        (
            Method::POST,
            "/contacts".into(),
            "application/json",
            r#"{"last_name": "x\u0000y", "email": "a@b.fr"}"#.into(),
        ),
        (
            Method::POST,
            "/contacts".into(),
            "application/json",
            r#"{"last_name": "x", "email": "a@b.fr", "household_size": -1}"#.into(),
        ),
        (
            Method::POST,
            "/contacts".into(),
            "application/json",
            r#"{"last_name": "x", "email": "a@b.fr", "lat": 1000, "lon": 0}"#.into(),
        ),
        (
            Method::POST,
            "/contacts".into(),
            "application/json",
            r#"{"last_name": "x", "email": "a@b.fr", "id": "01234567-89ab-4def-8123-456789abcdef"}"#.into(),
        ),
        (Method::PUT, format!("/contacts/{id}"), "application/json", "[]".into()),
        (
            Method::PUT,
            format!("/contacts/{id}"),
            "application/json",
            r#"{"last_name": ""}"#.into(),
        ),
        (
            Method::PUT,
            "/contacts/not-a-uuid".into(),
            "application/json",
            "{}".into(),
        ),
        (Method::GET, "/contacts/123".into(), "application/json", "".into()),
        (Method::GET, "/contacts?limit=abc".into(), "application/json", "".into()),
        (
            Method::GET,
            "/contacts?stage=nowhere".into(),
            "application/json",
            "".into(),
        ),
        (
            Method::GET,
            format!("/contacts?q={}", "a".repeat(500)),
            "application/json",
            "".into(),
        ),
        (
            Method::GET,
            "/contacts/due?on=yesterday".into(),
            "application/json",
            "".into(),
        ),
        (
            Method::POST,
            format!("/contacts/{id}/stage"),
            "application/json",
            r#"{"kind": "teleport", "to": "client"}"#.into(),
        ),
        (
            Method::POST,
            format!("/contacts/{id}/stage"),
            "application/json",
            r#"{"kind": "move", "to": "identified"}"#.into(),
        ),
        (
            Method::POST,
            format!("/contacts/{id}/stage"),
            "application/json",
            r#"{"kind": "client_left", "reason": "x"}"#.into(),
        ),
        (
            Method::POST,
            format!("/contacts/{id}/shares"),
            "application/json",
            r#"{"user_id": "00000000-0000-0000-0000-000000000000"}"#.into(),
        ),
        (
            Method::PATCH,
            format!("/contacts/{id}"),
            "application/json",
            "{}".into(),
        ),
        (Method::GET, "/nowhere".into(), "application/json", "".into()),
        (
            Method::POST,
            "/auth/login".into(),
            "application/json",
            r#"{"email": ["x"]}"#.into(),
        ),
        (
            Method::PUT,
            "/agency/settings".into(),
            "application/json",
            r#"{"cadence": 3}"#.into(),
        ),
    ];
    for (method, path, ct, payload) in cases {
        let r = u.raw(method.clone(), &path, ct, &payload).await;
        let status = r.status();
        let ct_back = r
            .headers()
            .get("content-type")
            .map(|v| v.to_str().unwrap().to_string())
            .unwrap_or_default();
        let (_, b) = body(r).await;
        assert!(
            status.is_client_error(),
            "{method} {path} {} → {status}",
            &payload[..payload.len().min(60)]
        );
        assert!(ct_back.starts_with("application/json"), "{method} {path}: {ct_back}");
        assert!(
            b["error"].is_string() && b["detail"].is_string(),
            "{method} {path}: {b}"
        );
    }
    // A method a route does not take is a 405 (JSON), not a 400.
    let r = u
        .raw(Method::PATCH, &format!("/contacts/{id}"), "application/json", "{}")
        .await;
    assert_eq!(r.status(), reqwest::StatusCode::METHOD_NOT_ALLOWED);
    let (_, b) = body(r).await;
    assert_eq!(b["error"], "method_not_allowed");
    let (_, after) = body(u.get(&format!("/contacts/{id}")).await).await;
    assert_eq!(after, c, "nothing saved was changed");
    assert_eq!(app.store.count_contacts(agency).await.unwrap(), 1);
}

#[tokio::test]
async fn the_service_worker_is_served_from_the_root_and_never_kept_by_the_http_cache() {
    let site = TempDir(std::env::temp_dir().join(format!("tournee-site-{}", uuid::Uuid::now_v7())));
    std::fs::create_dir_all(site.0.join("pkg")).unwrap();
    std::fs::write(site.0.join("sw.js"), "const VERSION = 'test';").unwrap();
    let root = site.0.clone();
    let app = spawn_app_with(move |c| c.site_root = root).await;
    let r = new_client().get(format!("{}/sw.js", app.url)).send().await.unwrap();
    assert_eq!(r.status(), reqwest::StatusCode::OK);
    assert_eq!(r.headers()["cache-control"], "no-cache");
    assert!(r.headers()["content-type"].to_str().unwrap().contains("javascript"));
    assert_eq!(r.text().await.unwrap(), "const VERSION = 'test';");
    // Not built: a plain 404, and the app still serves.
    std::fs::remove_file(site.0.join("sw.js")).unwrap();
    let r = new_client().get(format!("{}/sw.js", app.url)).send().await.unwrap();
    assert_eq!(r.status(), reqwest::StatusCode::NOT_FOUND);
}

#[tokio::test]
async fn extreme_dates_are_a_400_never_a_dropped_connection() {
    let app = spawn_app().await;
    let agency = app.agency("Agence").await;
    let m = app.user(agency, "m@x.fr", Role::Manager).await;
    for path in [
        "/reports/objections?to=-262143-01-01",
        "/reports/referrals?to=-262143-01-01",
        "/meetings?from=%2B262142-12-31",
        "/meetings.ics?from=%2B262142-12-31",
        "/plan/day?date=%2B262142-12-31",
        "/plan/week?from=%2B262142-12-31",
        "/tasks?on=9999-01-01",
        "/contacts/due?on=0001-01-01",
    ] {
        let r = m.get(path).await;
        let status = r.status();
        let (_, v) = body(r).await;
        assert_eq!(status, reqwest::StatusCode::BAD_REQUEST, "{path}: {v}");
        assert!(
            v["detail"].as_str().unwrap().contains("date hors de la plage"),
            "{path}: {v}"
        );
    }
    // Ordinary dates still work.
    assert_eq!(
        m.get("/meetings?from=2026-11-23&to=2026-11-29").await.status(),
        reqwest::StatusCode::OK
    );
}

#[tokio::test]
async fn health_readiness_and_cache_headers() {
    let app = spawn_app_with(|c| c.secure_cookies = true).await;
    let agency = app.agency("Agence").await;
    let u = app.user(agency, "a@x.fr", Role::Advisor).await;
    let http = reqwest::Client::new();
    let r = http.get(format!("{}/healthz", app.url)).send().await.unwrap();
    assert_eq!(r.status(), reqwest::StatusCode::OK);
    let r = http.get(format!("{}/readyz", app.url)).send().await.unwrap();
    assert_eq!(r.status(), reqwest::StatusCode::OK);
    let (_, v) = body(r).await;
    assert_eq!(v["status"], "ready");
    let r = u.get("/contacts").await;
    assert_eq!(
        r.headers()["cache-control"],
        "no-store",
        "personal data is never cached"
    );
    assert!(r.headers()["strict-transport-security"]
        .to_str()
        .unwrap()
        .contains("max-age="));
}

#[tokio::test]
async fn nul_characters_are_a_400_on_every_engine() {
    let app = spawn_app().await;
    let agency = app.agency("Agence").await;
    let u = app.user(agency, "a@x.fr", Role::Advisor).await;
    let r = u
        .raw(
            Method::POST,
            "/contacts",
            "application/json",
            r#"{"last_name": "x", "email": "a@b.fr", "notes": "a\u0000b"}"#,
        )
        .await;
    assert_eq!(r.status(), reqwest::StatusCode::BAD_REQUEST);
    let r = u.get("/contacts?sector=a%00b").await;
    assert_eq!(r.status(), reqwest::StatusCode::BAD_REQUEST);
    let anon = anonymous(&app);
    let r = anon
        .raw(
            Method::POST,
            "/auth/login",
            "application/json",
            r#"{"email": "a\u0000@x.fr", "password": "x"}"#,
        )
        .await;
    assert_eq!(r.status(), reqwest::StatusCode::BAD_REQUEST);
    // A backslash followed by the text "u0000" is ordinary text.
    let r = u
        .raw(
            Method::POST,
            "/contacts",
            "application/json",
            r#"{"last_name": "x", "email": "b@b.fr", "notes": "C:\\u0000"}"#,
        )
        .await;
    assert_eq!(r.status(), reqwest::StatusCode::CREATED);
}

#[tokio::test]
async fn one_name_however_its_accents_were_typed_and_no_disguised_names() {
    let app = spawn_app().await;
    let agency = app.agency("Agence").await;
    let u = app.user(agency, "a@x.fr", Role::Advisor).await;
    // "Hélène Lefèvre" typed with combining accents (NFD).
    let nfd = "He\u{0301}le\u{0300}ne";
    let c = u
        .create_contact(serde_json::json!({"first_name": nfd, "last_name": "Lefe\u{0300}vre", "address_line": "3 rue Garibaldi", "postcode": "69003", "city": "Lyon"}))
        .await;
    assert_eq!(c["first_name"], "Hélène", "stored in NFC");
    let (status, v) = body(
        u.post("/contacts", &serde_json::json!({"first_name": "Hélène", "last_name": "Lefèvre", "address_line": "5 rue Garibaldi", "postcode": "69003", "city": "Lyon"}))
            .await,
    )
    .await;
    assert_eq!(
        (status, v["error"].as_str()),
        (reqwest::StatusCode::CONFLICT, Some("duplicate")),
        "the same person: {v}"
    );
    for q in ["h%C3%A9l%C3%A8ne", "he%CC%81le%CC%80ne", "helene"] {
        let (_, page) = body(u.get(&format!("/contacts?q={q}")).await).await;
        assert_eq!(page["items"].as_array().unwrap().len(), 1, "{q}: {page}");
    }
    for disguised in ["Dupont\u{202E}tnopuD", "Du\u{200B}pont"] {
        let (status, v) = body(
            u.post(
                "/contacts",
                &serde_json::json!({"last_name": disguised, "email": "z@z.fr"}),
            )
            .await,
        )
        .await;
        assert_eq!(status, reqwest::StatusCode::BAD_REQUEST, "{v}");
    }
}

#[tokio::test]
async fn an_unknown_field_is_a_400_naming_it_and_a_record_read_can_be_sent_back() {
    let app = spawn_app().await;
    let agency = app.agency("Agence").await;
    let u = app.user(agency, "a@x.fr", Role::Advisor).await;
    // A typo ("notse") would lose the value: refused, naming the field, nothing saved.
    let mut typo = contact("typo");
    typo["notse"] = serde_json::json!("À rappeler après 18 h");
    let (status, v) = body(u.post("/contacts", &typo).await).await;
    assert_eq!(status, reqwest::StatusCode::BAD_REQUEST, "{v}");
    assert_eq!(v["error"], "unknown_field");
    assert!(v["fields"]["notse"].is_string(), "{v}");
    let (_, list) = body(u.get("/contacts?q=typo").await).await;
    assert_eq!(list["items"].as_array().unwrap().len(), 0, "nothing saved");
    // Nested too.
    let mut report_like = contact("nested"); // the situation is a nested object
    report_like["situation"] = serde_json::json!({"decider": "lui", "revenus": 1});
    let (status, v) = body(u.post("/contacts", &report_like).await).await;
    assert_eq!(status, reqwest::StatusCode::BAD_REQUEST, "{v}");
    assert_eq!(v["fields"]["situation.revenus"], "champ inconnu", "{v}");
    // A record as read (with its computed fields) goes back as it is.
    let c = u.create_contact(contact("read-back")).await;
    let mut edit = c.clone();
    edit["city"] = serde_json::json!("Villeurbanne");
    edit["expected_seq"] = c["seq"].clone();
    let (status, v) = body(u.put(&format!("/contacts/{}", c["id"].as_str().unwrap()), &edit).await).await;
    assert_eq!(status, reqwest::StatusCode::OK, "{v}");
    assert_eq!(v["city"], "Villeurbanne");
}

#[tokio::test]
async fn metrics_count_requests_by_route_for_the_scraper_only() {
    // A token configured: the scraper sends it; nobody else sees anything there.
    let app = spawn_app_with(|c| c.metrics_token = "scrape-me".into()).await;
    let agency = app.agency("Agence").await;
    let u = app.user(agency, "a@x.fr", Role::Advisor).await;
    let c = u.create_contact(contact("metrics")).await;
    u.get(&format!("/contacts/{}", c["id"].as_str().unwrap())).await;
    let client = reqwest::Client::new();
    let url = format!("{}/metrics", app.url);
    assert_eq!(
        client.get(&url).send().await.unwrap().status(),
        reqwest::StatusCode::NOT_FOUND,
        "no token, nothing"
    );
    assert_eq!(
        client.get(&url).bearer_auth("wrong").send().await.unwrap().status(),
        reqwest::StatusCode::NOT_FOUND
    );
    let r = client.get(&url).bearer_auth("scrape-me").send().await.unwrap();
    assert_eq!(r.status(), reqwest::StatusCode::OK);
    assert!(r.headers()["content-type"]
        .to_str()
        .unwrap()
        .starts_with("text/plain; version=0.0.4"));
    let text = r.text().await.unwrap();
    // By route template, never the raw path with its ids.
    assert!(
        text.contains(r#"tournee_http_requests_total{method="GET",route="/api/v1/contacts/{id}",status="200"}"#),
        "{text}"
    );
    assert!(text.contains(r#"tournee_http_requests_total{method="POST",route="/api/v1/contacts",status="201"}"#));
    assert!(!text.contains(c["id"].as_str().unwrap()));
    assert!(text.contains("tournee_http_request_duration_seconds_bucket"));
    assert!(text.contains(r#"tournee_db_pool_connections{state="open"}"#));
}
