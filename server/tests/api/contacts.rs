use crate::support::*;
use reqwest::StatusCode;
use serde_json::json;
use shared::api::Role;

async fn advisor(app: &TestApp) -> User {
    let agency = app.agency("Agence").await;
    app.user(agency, "a@x.fr", Role::Advisor).await
}

#[tokio::test]
async fn a_contact_is_created_with_a_client_chosen_id_read_updated_and_deleted() {
    let app = spawn_app().await;
    let u = advisor(&app).await;
    let id = shared::new_id();
    let mut input = contact("crud");
    input["id"] = json!(id);
    input["email"] = json!("Jeanne.Test@Exemple.FR");
    input["accessible_potential_cents"] = json!(30_000_000);
    let created = u.create_contact(input).await;
    assert_eq!(created["id"], json!(id));
    assert_eq!(created["stage"], "identified");
    assert_eq!(created["email"], "Jeanne.Test@exemple.fr");
    assert_eq!(created["phone_mobile"].as_str().unwrap().len(), 12, "stored as E.164");
    assert_eq!(created["size_class"], "big");
    assert_eq!(created["owner_id"], json!(u.id));

    let (status, read) = body(u.get(&format!("/contacts/{id}")).await).await;
    assert_eq!(status, StatusCode::OK);
    assert_eq!(read, created);

    let mut edit = contact("crud");
    edit["city"] = json!("Villeurbanne");
    edit["postcode"] = json!("69100");
    edit["expected_seq"] = created["seq"].clone();
    let (status, updated) = body(u.put(&format!("/contacts/{id}"), &edit).await).await;
    assert_eq!(status, StatusCode::OK, "{updated}");
    assert_eq!(updated["city"], "Villeurbanne");
    assert!(updated["seq"].as_i64() > created["seq"].as_i64());
    // The history says who changed which fields, from what to what.
    let (_, timeline) = body(u.get(&format!("/contacts/{id}/timeline")).await).await;
    let line = &timeline["items"][0];
    assert_eq!(line["kind"], "edit", "{timeline}");
    assert!(
        line["title"]
            .as_str()
            .unwrap()
            .starts_with("Fiche modifiée : code postal, ville, e-mail"),
        "{line}"
    );
    let detail = line["detail"].as_str().unwrap();
    assert!(
        detail.contains("Ville : Lyon → Villeurbanne") && detail.contains("E-mail : Jeanne.Test@exemple.fr → —"),
        "{detail}"
    );
    assert!(!line["author_name"].as_str().unwrap().is_empty());
    // The same edit again changes nothing and writes no line.
    edit["expected_seq"] = updated["seq"].clone();
    assert_eq!(u.put(&format!("/contacts/{id}"), &edit).await.status(), StatusCode::OK);
    let (_, again) = body(u.get(&format!("/contacts/{id}/timeline")).await).await;
    assert_eq!(
        again["items"].as_array().unwrap().len(),
        timeline["items"].as_array().unwrap().len()
    );

    assert_eq!(
        u.delete(&format!("/contacts/{id}")).await.status(),
        StatusCode::NO_CONTENT
    );
    assert_eq!(u.get(&format!("/contacts/{id}")).await.status(), StatusCode::NOT_FOUND);
    // The tombstone stays for sync.
    let changes = app.store.changes_after(u.agency_id, 0, 100).await.unwrap();
    assert!(changes.iter().any(|c| c.id == id && c.deleted));
}

#[tokio::test]
async fn invalid_fields_are_all_reported_and_nothing_is_saved() {
    let app = spawn_app().await;
    let u = advisor(&app).await;
    let (status, b) = body(
        u.post(
            "/contacts",
            &json!({"email": "nope", "postcode": "123", "relationship_quality": 9}),
        )
        .await,
    )
    .await;
    assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY);
    assert_eq!(b["error"], "validation");
    for f in ["last_name", "email", "postcode", "relationship_quality"] {
        assert!(b["fields"][f].is_string(), "{f} missing in {b}");
    }
    assert_eq!(app.store.count_contacts(u.agency_id).await.unwrap(), 0);
}

#[tokio::test]
async fn a_likely_duplicate_is_offered_before_creating_a_second_record() {
    let app = spawn_app().await;
    let u = advisor(&app).await;
    let first = u
        .create_contact(json!({"first_name": "Hélène", "last_name": "Lefèvre", "email": "h@x.fr", "postcode": "69003"}))
        .await;
    // Same name and postcode, spelled differently.
    let (status, b) = body(
        u.post(
            "/contacts",
            &json!({"first_name": "helene", "last_name": "LEFEVRE", "phone_mobile": "0611111111", "postcode": "69003"}),
        )
        .await,
    )
    .await;
    assert_eq!(status, StatusCode::CONFLICT);
    assert_eq!(b["error"], "duplicate");
    assert_eq!(b["duplicates"][0]["id"], first["id"]);
    assert_eq!(b["duplicates"][0]["matched_on"], "name_postcode");
    assert_eq!(b["duplicates"][0]["visible"], true);
    // Same e-mail, any case.
    let (status, b) = body(
        u.post("/contacts", &json!({"last_name": "Autre", "email": "H@X.FR"}))
            .await,
    )
    .await;
    assert_eq!(status, StatusCode::CONFLICT);
    assert_eq!(b["duplicates"][0]["matched_on"], "email");
    // Confirmed: created anyway.
    let r = u
        .post(
            "/contacts",
            &json!({"last_name": "Autre", "email": "h@x.fr", "allow_duplicate": true}),
        )
        .await;
    assert_eq!(r.status(), StatusCode::CREATED);
}

#[tokio::test]
async fn a_stale_edit_is_refused_and_keeps_the_newer_data() {
    let app = spawn_app().await;
    let u = advisor(&app).await;
    let c = u.create_contact(contact("stale")).await;
    let id = c["id"].as_str().unwrap();
    let mut first = contact("stale");
    first["city"] = json!("Bron");
    first["expected_seq"] = c["seq"].clone();
    assert_eq!(u.put(&format!("/contacts/{id}"), &first).await.status(), StatusCode::OK);
    let mut second = contact("stale");
    second["city"] = json!("Vénissieux");
    second["expected_seq"] = c["seq"].clone();
    let (status, b) = body(u.put(&format!("/contacts/{id}"), &second).await).await;
    assert_eq!(status, StatusCode::CONFLICT, "{b}");
    let (_, now) = body(u.get(&format!("/contacts/{id}")).await).await;
    assert_eq!(now["city"], "Bron");
}

#[tokio::test]
async fn stages_move_by_the_rules_and_every_change_is_dated() {
    let app = spawn_app().await;
    let u = advisor(&app).await;
    let c = u.create_contact(contact("stages")).await;
    let path = format!("/contacts/{}/stage", c["id"].as_str().unwrap());
    let (s, b) = body(u.post(&path, &json!({"kind": "move", "to": "qualified"})).await).await;
    assert_eq!((s, b["stage"].clone()), (StatusCode::OK, json!("qualified")));
    // A skip without a reason is a rule error that changes nothing.
    let (s, b) = body(u.post(&path, &json!({"kind": "move", "to": "engaged"})).await).await;
    assert_eq!(s, StatusCode::UNPROCESSABLE_ENTITY);
    assert_eq!(b["error"], "rule");
    assert!(b["detail"].as_str().unwrap().contains("saute une étape"));
    let (s, b) = body(
        u.post(
            &path,
            &json!({"kind": "move", "to": "engaged", "reason": "demande de devis entrante"}),
        )
        .await,
    )
    .await;
    assert_eq!((s, b["stage"].clone()), (StatusCode::OK, json!("engaged")));
    // Lost to a competitor: back to contacted with the competitor noted.
    let (s, b) = body(
        u.post(&path, &json!({"kind": "lost_to_competitor", "competitor": "AXA"}))
            .await,
    )
    .await;
    assert_eq!(s, StatusCode::OK);
    assert_eq!(b["stage"], "contacted");
    assert_eq!(b["lost_to"], "AXA");
    let (_, history) = body(u.get(&format!("/contacts/{}/stages", c["id"].as_str().unwrap())).await).await;
    let kinds: Vec<&str> = history
        .as_array()
        .unwrap()
        .iter()
        .map(|t| t["kind"].as_str().unwrap())
        .collect();
    assert_eq!(kinds, ["lost", "skip", "step", "created"]);
    assert_eq!(history[1]["reason"], "demande de devis entrante");
    assert_eq!(history[0]["competitor"], "AXA");
}

#[tokio::test]
async fn creating_past_the_entry_stages_needs_a_reason() {
    let app = spawn_app().await;
    let u = advisor(&app).await;
    let mut input = contact("entry");
    input["stage"] = json!("client");
    let (s, b) = body(u.post("/contacts", &input).await).await;
    assert_eq!(s, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(b["fields"]["stage"].is_string());
    input["stage_reason"] = json!("client repris d'un confrère");
    let c = u.create_contact(input).await;
    assert_eq!(c["stage"], "client");
    assert!(c["next_meeting_due"].is_string(), "a client gets cadence due dates");
}

#[tokio::test]
async fn search_ignores_accents_and_case_filters_and_pages() {
    let app = spawn_app().await;
    let u = advisor(&app).await;
    u.create_contact(json!({"first_name": "Hélène", "last_name": "Écuyer", "phone_mobile": "0611111111", "city": "Saint-Étienne", "postcode": "42000"})).await;
    u.create_contact(json!({"kind": "company", "company_name": "Boulangerie Dupré", "email": "b@x.fr", "city": "Lyon", "postcode": "69002"})).await;
    for i in 0..5 {
        u.create_contact(contact(&format!("page{i}"))).await;
    }
    let names = |v: &serde_json::Value| -> Vec<String> {
        v["items"]
            .as_array()
            .unwrap()
            .iter()
            .map(|c| c["display_name"].as_str().unwrap().to_string())
            .collect()
    };
    let (_, r) = body(u.get("/contacts?q=ECUYER%20saint%20etienne").await).await;
    assert_eq!(names(&r), ["ÉCUYER Hélène"]);
    let (_, r) = body(u.get("/contacts?q=dupre").await).await;
    assert_eq!(names(&r), ["Boulangerie Dupré"]);
    let (_, r) = body(u.get("/contacts?q=42000").await).await;
    assert_eq!(names(&r).len(), 1);
    let (_, r) = body(u.get("/contacts?kind=company").await).await;
    assert_eq!(names(&r), ["Boulangerie Dupré"]);
    let (_, r) = body(u.get("/contacts?q=hel%20ECU").await).await;
    assert_eq!(
        names(&r),
        ["ÉCUYER Hélène"],
        "each word typed may be the start of a word"
    );
    // What advisors type: a phone number however written, "st" for Saint, an arrondissement.
    for typed in [
        "0611111111",
        "06%2011%2011%2011%2011",
        "%2B33%206%2011%2011%2011%2011",
        "06.11.11",
        "st%20etienne",
    ] {
        let (_, r) = body(u.get(&format!("/contacts?q={typed}")).await).await;
        assert_eq!(names(&r), ["ÉCUYER Hélène"], "{typed}");
    }
    let (_, r) = body(u.get("/contacts?q=lyon%202e").await).await;
    assert_eq!(names(&r), ["Boulangerie Dupré"]);
    let (_, r) = body(u.get("/contacts?q=lyon%203e").await).await;
    assert_eq!(
        names(&r).len(),
        5,
        "the five records of Lyon 3e, not the bakery of the 2e"
    );
    let (_, r) = body(u.get("/contacts?q=cuyer").await).await;
    assert!(names(&r).is_empty(), "words match from their start");
    // One typo forgiven in a word of four letters or more, when the exact search finds nothing.
    for typed in ["ecuyre", "ecyuer", "helne%20ecuyer", "boulangrie"] {
        let (_, r) = body(u.get(&format!("/contacts?q={typed}")).await).await;
        assert_eq!(names(&r).len(), 1, "{typed}: {r}");
    }
    let (_, r) = body(u.get("/contacts?q=ecuyrr%20dupre").await).await;
    assert!(names(&r).is_empty(), "every word must still match something: {r}");
    let (_, r) = body(u.get("/contacts?q=100%25_").await).await;
    assert!(names(&r).is_empty(), "wildcards are not wildcards");
    let (_, p1) = body(u.get("/contacts?limit=4").await).await;
    let (_, p2) = body(u.get("/contacts?limit=4&offset=4").await).await;
    assert_eq!(p1["has_more"], true);
    assert_eq!(p2["has_more"], false);
    assert_eq!(names(&p1).len() + names(&p2).len(), 7);
    assert!(names(&p1).iter().all(|n| !names(&p2).contains(n)));
}

#[tokio::test]
async fn the_due_list_puts_the_latest_clients_first() {
    let app = spawn_app().await;
    let u = advisor(&app).await;
    let client = |tag: &str, last_meeting: &str| {
        let mut c = contact(tag);
        c["stage"] = json!("client");
        c["stage_reason"] = json!("reprise");
        c["last_meeting_on"] = json!(last_meeting);
        c["last_call_on"] = json!(last_meeting);
        c["assets_entrusted_cents"] = json!(200_000_000_i64);
        c
    };
    u.create_contact(client("late", "2025-01-10")).await;
    u.create_contact(client("later", "2024-06-01")).await;
    u.create_contact(client("fresh", "2026-11-01")).await;
    let (s, due) = body(u.get("/contacts/due?on=2026-11-23").await).await;
    assert_eq!(s, StatusCode::OK, "{due}");
    let names: Vec<&str> = due
        .as_array()
        .unwrap()
        .iter()
        .map(|d| d["contact"]["display_name"].as_str().unwrap())
        .collect();
    assert_eq!(names, ["TEST LATER Jeanne", "TEST LATE Jeanne"]);
    assert_eq!(due[0]["kind"], "meeting");
    assert!(due[0]["days_late"].as_i64().unwrap() > due[1]["days_late"].as_i64().unwrap());
}

#[tokio::test]
async fn agency_settings_changed_by_the_manager_reclassify_records() {
    let app = spawn_app().await;
    let agency = app.agency("Agence").await;
    let advisor = app.user(agency, "a@x.fr", Role::Advisor).await;
    let manager = app.user(agency, "m@x.fr", Role::Manager).await;
    let mut input = contact("size");
    input["accessible_potential_cents"] = json!(6_000_000);
    let c = advisor.create_contact(input).await;
    assert_eq!(c["size_class"], "medium");
    let (_, mut settings) = body(manager.get("/agency/settings").await).await;
    settings["size_thresholds"] = json!({"medium_from_euros": 10000, "big_from_euros": 50000});
    assert_eq!(
        advisor.put("/agency/settings", &settings).await.status(),
        StatusCode::FORBIDDEN
    );
    let (s, _) = body(manager.put("/agency/settings", &settings).await).await;
    assert_eq!(s, StatusCode::OK);
    let (_, now) = body(advisor.get(&format!("/contacts/{}", c["id"].as_str().unwrap())).await).await;
    assert_eq!(now["size_class"], "big");
    // Weights that do not add up to 100 are refused with the field named.
    settings["segment_weights"] = json!({"assets": 90, "potential": 25, "relationship": 20, "referrals": 15});
    let (s, b) = body(manager.put("/agency/settings", &settings).await).await;
    assert_eq!(s, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(b["fields"]["segment_weights"].is_string());
}

#[tokio::test]
async fn a_shared_record_becomes_visible_to_the_colleague() {
    let app = spawn_app().await;
    let cast = cast(&app).await;
    let c = cast.owner.create_contact(contact("share")).await;
    let id = c["id"].as_str().unwrap();
    assert_eq!(
        cast.colleague.get(&format!("/contacts/{id}")).await.status(),
        StatusCode::NOT_FOUND
    );
    let r = cast
        .owner
        .post(
            &format!("/contacts/{id}/shares"),
            &json!({"user_id": cast.colleague.id}),
        )
        .await;
    assert_eq!(r.status(), StatusCode::NO_CONTENT);
    assert_eq!(
        cast.colleague.get(&format!("/contacts/{id}")).await.status(),
        StatusCode::OK
    );
    let (_, list) = body(cast.colleague.get("/contacts").await).await;
    assert_eq!(list["items"].as_array().unwrap().len(), 1);
    // Sharing with someone of another agency is refused.
    let (s, b) = body(
        cast.owner
            .post(&format!("/contacts/{id}/shares"), &json!({"user_id": cast.foreign.id}))
            .await,
    )
    .await;
    assert_eq!(s, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(b["fields"]["user_id"].is_string());
    assert_eq!(
        cast.owner
            .delete(&format!("/contacts/{id}/shares/{}", cast.colleague.id))
            .await
            .status(),
        StatusCode::NO_CONTENT
    );
    assert_eq!(
        cast.colleague.get(&format!("/contacts/{id}")).await.status(),
        StatusCode::NOT_FOUND
    );
}

#[tokio::test]
async fn the_openapi_document_describes_every_route() {
    let app = spawn_app().await;
    let (s, doc) = body(anonymous(&app).get("/openapi.json").await).await;
    assert_eq!(s, StatusCode::OK);
    let paths = doc["paths"].as_object().unwrap();
    for p in [
        "/api/v1/auth/login",
        "/api/v1/auth/logout",
        "/api/v1/auth/me",
        "/api/v1/auth/sessions",
        "/api/v1/auth/sessions/{id}",
        "/api/v1/contacts",
        "/api/v1/contacts/due",
        "/api/v1/contacts/{id}",
        "/api/v1/contacts/{id}/stage",
        "/api/v1/contacts/{id}/stages",
        "/api/v1/contacts/{id}/shares",
        "/api/v1/contacts/{id}/shares/{user_id}",
        "/api/v1/agency/settings",
        "/api/v1/agency/users",
    ] {
        assert!(paths.contains_key(p), "{p} missing from the OpenAPI document");
    }
    assert!(doc["components"]["schemas"]["Contact"].is_object());
}
