//! Offline sync over HTTP: push applies a phone's outbox exactly once, pull brings what the
//! user may see after a cursor — on SQLite and PostgreSQL.

use crate::support::*;
use reqwest::StatusCode;
use serde_json::{json, Value};
use shared::api::Role;
use uuid::Uuid;

fn mutation(id: i64, name: &str, args: Value) -> Value {
    json!({"id": id, "name": name, "args": args, "at": "2026-11-29T08:00:00Z"})
}

async fn push(user: &User, client: Uuid, mutations: Vec<Value>) -> (StatusCode, Value) {
    body(
        user.post("/sync/push", &json!({"client_id": client, "mutations": mutations}))
            .await,
    )
    .await
}

async fn pull_all(user: &User, client: Option<Uuid>) -> (Vec<Value>, Value) {
    let mut cursor = 0;
    let mut changes = Vec::new();
    loop {
        let q = match client {
            Some(c) => format!("/sync/pull?cursor={cursor}&limit=3&client_id={c}"),
            None => format!("/sync/pull?cursor={cursor}&limit=3"),
        };
        let (status, page) = body(user.get(&q).await).await;
        assert_eq!(status, StatusCode::OK, "{page}");
        changes.extend(page["changes"].as_array().unwrap().iter().cloned());
        cursor = page["cursor"].as_i64().unwrap();
        if !page["has_more"].as_bool().unwrap() {
            return (changes, page);
        }
    }
}

/// Each outcome's status (`applied`, `already_applied`, `refused`), in order.
fn statuses(answer: &Value) -> Vec<&str> {
    answer["outcomes"]
        .as_array()
        .unwrap()
        .iter()
        .map(|o| o["status"].as_str().unwrap())
        .collect()
}

fn ids_of(changes: &[Value], kind: &str) -> Vec<String> {
    changes
        .iter()
        .filter(|c| c["kind"] == kind)
        .map(|c| c["row"]["id"].as_str().unwrap().to_string())
        .collect()
}

/// A morning offline: a new contact, a call on it, a task; the outbox pushed once.
fn morning(contact_id: Uuid, task_id: Uuid) -> Vec<Value> {
    let mut c = contact("sync-morning");
    c["id"] = json!(contact_id);
    vec![
        mutation(1, "create_contact", c),
        mutation(
            2,
            "log_interaction",
            json!({"contact_id": contact_id, "input": {"kind": "call", "outcome": "reached", "note": "rappel demain"}}),
        ),
        mutation(
            3,
            "create_task",
            json!({"id": task_id, "title": "Envoyer le devis", "notes": "", "due_on": "2026-12-01", "priority": "high", "contact_id": contact_id}),
        ),
    ]
}

#[tokio::test]
async fn a_pushed_outbox_is_applied_once_and_a_replay_changes_nothing() {
    let app = spawn_app().await;
    let agency = app.agency("Agence").await;
    let u = app.user(agency, "a@x.fr", Role::Advisor).await;
    let (client, contact_id, task_id) = (Uuid::now_v7(), Uuid::now_v7(), Uuid::now_v7());

    let (status, r) = push(&u, client, morning(contact_id, task_id)).await;
    assert_eq!(status, StatusCode::OK, "{r}");
    assert_eq!(r["last_mutation_id"], 3);
    assert_eq!(statuses(&r), ["applied", "applied", "applied"], "{r}");

    // The answer was lost: the phone sends the same outbox again.
    let (status, again) = push(&u, client, morning(contact_id, task_id)).await;
    assert_eq!(status, StatusCode::OK, "{again}");
    assert_eq!(statuses(&again), ["already_applied"; 3]);

    let (_, timeline) = body(u.get(&format!("/contacts/{contact_id}/timeline")).await).await;
    let calls = timeline["items"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|e| e["kind"] == "call")
        .count();
    assert_eq!(calls, 1, "the call was logged once: {timeline}");
    let (_, tasks) = body(u.get(&format!("/tasks?contact_id={contact_id}&scope=open")).await).await;
    assert_eq!(
        tasks
            .as_array()
            .unwrap()
            .iter()
            .filter(|t| t["id"] == json!(task_id))
            .count(),
        1
    );

    let (changes, last) = pull_all(&u, Some(client)).await;
    assert!(ids_of(&changes, "contact").contains(&contact_id.to_string()));
    assert!(ids_of(&changes, "task").contains(&task_id.to_string()));
    assert_eq!(last["last_mutation_id"], 3);
    assert_eq!(last["refusals"], json!([]));
}

#[tokio::test]
async fn concurrent_replays_of_one_outbox_apply_each_mutation_once() {
    let app = spawn_app().await;
    let agency = app.agency("Agence").await;
    let u = app.user(agency, "a@x.fr", Role::Advisor).await;
    let client = Uuid::now_v7();
    let outbox: Vec<Value> = (1..=12)
        .map(|i| {
            json!({"id": i, "name": "create_task", "at": "2026-11-29T08:00:00Z",
                   "args": {"id": Uuid::now_v7(), "title": format!("Tâche {i}"), "notes": "", "due_on": "2026-12-01", "priority": "normal"}})
        })
        .collect();
    // Two tabs, or a retry racing the first try: the same outbox sent four times at once.
    let sends: Vec<_> = (0..4)
        .map(|_| {
            let (u, outbox) = (u.clone(), outbox.clone());
            tokio::spawn(async move { push(&u, client, outbox).await })
        })
        .collect();
    let mut answers = Vec::new();
    for s in sends {
        answers.push(s.await.unwrap());
    }
    let mut applied = 0;
    for (status, r) in &answers {
        if *status == StatusCode::OK {
            applied += r["outcomes"]
                .as_array()
                .unwrap()
                .iter()
                .filter(|o| o["status"] == "applied")
                .count();
        } else {
            eprintln!("{status} {r}");
            // A try that lost the race on its first mutation may be told to resend.
            assert!(
                *status == StatusCode::CONFLICT || *status == StatusCode::SERVICE_UNAVAILABLE,
                "{status} {r}"
            );
        }
    }
    let (_, tasks) = body(u.get("/tasks?scope=open").await).await;
    let titles: Vec<&str> = tasks
        .as_array()
        .unwrap()
        .iter()
        .map(|t| t["title"].as_str().unwrap())
        .collect();
    assert_eq!(titles.len(), 12, "each task once: {titles:?}");
    assert_eq!(applied, 12, "each mutation reported applied by exactly one try");
}

#[tokio::test]
async fn a_gap_is_refused_with_nothing_applied() {
    let app = spawn_app().await;
    let agency = app.agency("Agence").await;
    let u = app.user(agency, "a@x.fr", Role::Advisor).await;
    let client = Uuid::now_v7();
    let mut m = morning(Uuid::now_v7(), Uuid::now_v7());
    m.remove(0);
    let (status, r) = push(&u, client, m).await;
    assert_eq!(status, StatusCode::CONFLICT, "{r}");
    assert!(r["detail"].as_str().unwrap().contains("la 1 est attendue"), "{r}");
    let (_, tasks) = body(u.get("/tasks?scope=open").await).await;
    assert_eq!(tasks, json!([]));
}

#[tokio::test]
async fn a_client_id_belongs_to_one_user() {
    let app = spawn_app().await;
    let agency = app.agency("Agence").await;
    let a = app.user(agency, "a@x.fr", Role::Advisor).await;
    let b = app.user(agency, "b@x.fr", Role::Advisor).await;
    let client = Uuid::now_v7();
    let (status, _) = push(&a, client, vec![]).await;
    assert_eq!(status, StatusCode::OK);
    let (status, r) = push(&b, client, morning(Uuid::now_v7(), Uuid::now_v7())).await;
    assert_eq!(status, StatusCode::FORBIDDEN, "{r}");
    let (status, _) = body(b.get(&format!("/sync/pull?client_id={client}")).await).await;
    assert_eq!(status, StatusCode::FORBIDDEN);
}

#[tokio::test]
async fn a_refused_mutation_keeps_its_values_and_does_not_block_the_next() {
    let app = spawn_app().await;
    let agency = app.agency("Agence").await;
    let u = app.user(agency, "a@x.fr", Role::Advisor).await;
    let c = u.create_contact(contact("refused")).await;
    let id = c["id"].as_str().unwrap().to_string();
    assert_eq!(
        u.delete(&format!("/contacts/{id}")).await.status(),
        StatusCode::NO_CONTENT
    );
    let client = Uuid::now_v7();
    let mut edit = contact("refused");
    edit["notes"] = json!("Veut un bilan retraite en janvier");
    let (status, r) = push(
        &u,
        client,
        vec![
            // An edit of a record deleted meanwhile.
            mutation(1, "edit_contact", json!({"id": id, "input": edit})),
            // A task with no title.
            mutation(2, "create_task", json!({"id": Uuid::now_v7(), "title": "", "notes": "", "due_on": "2026-12-01", "priority": "normal"})),
            mutation(3, "create_task", json!({"id": Uuid::now_v7(), "title": "Rappeler", "notes": "", "due_on": "2026-12-01", "priority": "normal"})),
        ],
    )
    .await;
    assert_eq!(status, StatusCode::OK, "{r}");
    let o = r["outcomes"].as_array().unwrap();
    assert_eq!(o[0]["status"], "refused");
    assert_eq!(o[0]["refusal"]["error"], "not_found");
    assert_eq!(o[1]["status"], "refused");
    assert_eq!(o[1]["refusal"]["error"], "validation");
    assert!(o[1]["refusal"]["fields"]["title"].is_string(), "{r}");
    assert_eq!(o[2]["status"], "applied");
    assert_eq!(r["last_mutation_id"], 3);

    // The typed values come back with the refusal, on the push and on every pull.
    let (_, page) = body(u.get(&format!("/sync/pull?client_id={client}")).await).await;
    let refusals = page["refusals"].as_array().unwrap();
    assert_eq!(refusals.len(), 2);
    assert_eq!(refusals[0]["id"], 1);
    assert_eq!(
        refusals[0]["refusal"]["mutation"]["args"]["input"]["notes"],
        "Veut un bilan retraite en janvier"
    );
    assert_eq!(refusals[0]["refusal"]["name"], "edit_contact");
}

#[tokio::test]
async fn push_and_pull_never_cross_agencies_or_portfolios() {
    let app = spawn_app().await;
    let cast = cast(&app).await;
    let theirs = cast.foreign.create_contact(contact("foreign")).await;
    let colleague = cast.colleague.create_contact(contact("colleague")).await;
    let client = Uuid::now_v7();
    let (status, r) = push(
        &cast.owner,
        client,
        vec![
            mutation(1, "delete_contact", json!({"id": theirs["id"]})),
            mutation(
                2,
                "change_stage",
                json!({"id": colleague["id"], "change": {"kind": "move", "to": "referred"}}),
            ),
            mutation(
                3,
                "log_interaction",
                json!({"contact_id": theirs["id"], "input": {"kind": "sms", "note": "x"}}),
            ),
        ],
    )
    .await;
    assert_eq!(status, StatusCode::OK, "{r}");
    for o in r["outcomes"].as_array().unwrap() {
        assert_eq!(o["status"], "refused", "{r}");
        assert_eq!(
            o["refusal"]["error"], "not_found",
            "same answer as for an id that does not exist: {r}"
        );
    }
    assert_eq!(
        cast.foreign
            .get(&format!("/contacts/{}", theirs["id"].as_str().unwrap()))
            .await
            .status(),
        StatusCode::OK
    );
    let (changes, _) = pull_all(&cast.owner, None).await;
    let seen = ids_of(&changes, "contact");
    assert!(!seen.contains(&theirs["id"].as_str().unwrap().to_string()));
    assert!(
        !seen.contains(&colleague["id"].as_str().unwrap().to_string()),
        "a colleague's record is not on my phone"
    );
    // The manager's phone holds the whole agency, and nothing of the other one.
    let (changes, _) = pull_all(&cast.manager, None).await;
    let seen = ids_of(&changes, "contact");
    assert!(seen.contains(&colleague["id"].as_str().unwrap().to_string()));
    assert!(!seen.contains(&theirs["id"].as_str().unwrap().to_string()));
}

#[tokio::test]
async fn a_record_that_stops_being_visible_arrives_as_a_removal() {
    let app = spawn_app().await;
    let cast = cast(&app).await;
    let c = cast.owner.create_contact(contact("shared")).await;
    let id = c["id"].as_str().unwrap().to_string();
    let r = cast
        .owner
        .post(
            &format!("/contacts/{id}/shares"),
            &json!({"user_id": cast.colleague.id}),
        )
        .await;
    assert_eq!(r.status(), StatusCode::NO_CONTENT);
    let (changes, page) = pull_all(&cast.colleague, None).await;
    assert!(
        ids_of(&changes, "contact").contains(&id),
        "shared: on the colleague's phone"
    );
    let cursor = page["cursor"].as_i64().unwrap();

    let r = cast
        .owner
        .delete(&format!("/contacts/{id}/shares/{}", cast.colleague.id))
        .await;
    assert_eq!(r.status(), StatusCode::NO_CONTENT);
    let (_, page) = body(cast.colleague.get(&format!("/sync/pull?cursor={cursor}")).await).await;
    let changes = page["changes"].as_array().unwrap();
    assert_eq!(ids_of(changes, "contact_removed"), vec![id.clone()], "{page}");
    assert!(
        ids_of(changes, "contact").is_empty(),
        "no personal data of a record no longer shared: {page}"
    );
}

#[tokio::test]
async fn a_cursor_this_server_never_gave_asks_for_a_reset() {
    let app = spawn_app().await;
    let agency = app.agency("Agence").await;
    let u = app.user(agency, "a@x.fr", Role::Advisor).await;
    u.create_contact(contact("reset")).await;
    u.create_contact(contact("reset 2")).await;
    // A page's end is in its headers too (the phone asks for the next page before reading
    // the body): the same as in the body.
    let r = u.get("/sync/pull?cursor=0&limit=1").await;
    let header = |r: &reqwest::Response, name: &str| r.headers().get(name).map(|v| v.to_str().unwrap().to_string());
    let (cursor, more) = (header(&r, "sync-cursor"), header(&r, "sync-has-more"));
    let (_, page) = body(r).await;
    assert_eq!(cursor, Some(page["cursor"].to_string()), "{page}");
    assert_eq!(more.as_deref(), Some("true"), "{page}");
    let r = u.get("/sync/pull?cursor=1000000").await;
    assert_eq!(header(&r, "sync-cursor"), None, "no end on a reset");
    let (status, page) = body(r).await;
    assert_eq!(status, StatusCode::OK);
    assert_eq!(page["reset"], true);
    assert_eq!(page["cursor"], 0);
    let (status, _) = body(u.get("/sync/pull?cursor=-1").await).await;
    assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY);
}

#[tokio::test]
async fn oversize_or_malformed_pushes_are_refused_whole() {
    let app = spawn_app().await;
    let agency = app.agency("Agence").await;
    let u = app.user(agency, "a@x.fr", Role::Advisor).await;
    let client = Uuid::now_v7();
    let many: Vec<Value> = (1..=501)
        .map(|i| mutation(i, "set_task_done", json!({"id": Uuid::now_v7(), "done": true})))
        .collect();
    let (status, r) = push(&u, client, many).await;
    assert_eq!(status, StatusCode::PAYLOAD_TOO_LARGE, "{r}");
    assert_eq!(r["error"], "payload_too_large");

    let big = "x".repeat(3 * 1024 * 1024);
    let (status, r) = body(
        u.raw(
            reqwest::Method::POST,
            "/sync/push",
            "application/json",
            &format!(r#"{{"client_id": "{client}", "mutations": [], "pad": "{big}"}}"#),
        )
        .await,
    )
    .await;
    assert_eq!(status, StatusCode::PAYLOAD_TOO_LARGE, "{r}");

    // One bad mutation in the batch: nothing of the batch is applied.
    let mut outbox = morning(Uuid::now_v7(), Uuid::now_v7());
    outbox.push(mutation(4, "drop_everything", json!({})));
    let (status, r) = push(&u, client, outbox).await;
    assert_eq!(status, StatusCode::BAD_REQUEST, "{r}");
    assert_eq!(r["error"], "bad_request");
    let (changes, _) = pull_all(&u, None).await;
    assert!(
        changes.iter().all(|c| c["kind"] == "settings" || c["kind"] == "team"),
        "nothing but the agency's settings and team: {changes:?}"
    );
}

/// Without the per-phone lock (two server processes on one PostgreSQL): two tries of the same
/// mutation race at the storage level; the database lets exactly one of them write.
#[tokio::test]
async fn racing_tries_of_one_mutation_write_once_at_the_storage_level() {
    use tournee_server::db::MutationAttempt;
    let app = spawn_app().await;
    let agency = app.agency("Agence").await;
    let u = app.user(agency, "a@x.fr", Role::Advisor).await;
    let client = Uuid::now_v7();
    let (status, _) = push(&u, client, vec![]).await;
    assert_eq!(status, StatusCode::OK);
    let user = app.store.user_by_email("a@x.fr").await.unwrap().unwrap();
    let input: shared::visit::TaskInput =
        serde_json::from_value(json!({"title": "Relancer", "due_on": "2026-12-01"})).unwrap();
    let input = input.validate().unwrap();
    let tries: Vec<_> = (0..6)
        .map(|_| {
            let actor = user.actor().applying(MutationAttempt {
                client_id: client,
                mutation_id: 1,
                attempt: Uuid::now_v7(),
            });
            let (store, input) = (app.store.clone(), input.clone());
            tokio::spawn(async move {
                store
                    .create_task(&actor, Uuid::now_v7(), &input, tournee_server::db::now())
                    .await
            })
        })
        .collect();
    let mut written = 0;
    for t in tries {
        match t.await.unwrap() {
            Ok(_) => written += 1,
            Err(tournee_server::db::StoreError::AlreadyApplied) => {}
            Err(e) => panic!("{e}"),
        }
    }
    assert_eq!(written, 1);
    let (_, tasks) = body(u.get("/tasks?scope=open").await).await;
    assert_eq!(tasks.as_array().unwrap().len(), 1, "{tasks}");
}

/// The record as a phone holds it after a pull, as the base of an edit.
async fn base_of(user: &User, id: &str) -> Value {
    let (status, c) = body(user.get(&format!("/contacts/{id}")).await).await;
    assert_eq!(status, StatusCode::OK);
    c
}

fn edited(base: &Value, changes: Value) -> Value {
    let mut v = base.clone();
    for (k, val) in changes.as_object().unwrap() {
        v[k] = val.clone();
    }
    v
}

#[tokio::test]
async fn two_phones_editing_one_field_end_in_a_conflict_not_a_silent_overwrite() {
    let app = spawn_app().await;
    let cast = cast(&app).await;
    let c = cast.owner.create_contact(contact("conflict")).await;
    let id = c["id"].as_str().unwrap().to_string();
    let r = cast
        .owner
        .post(
            &format!("/contacts/{id}/shares"),
            &json!({"user_id": cast.colleague.id}),
        )
        .await;
    assert_eq!(r.status(), StatusCode::NO_CONTENT);
    // Both phones pulled the record, then went offline.
    let base = base_of(&cast.owner, &id).await;
    let (phone_a, phone_b) = (Uuid::now_v7(), Uuid::now_v7());

    let a_edit = edited(&base, json!({"phone_mobile": "0700000001", "city": "Bron"}));
    let (status, r) = push(
        &cast.owner,
        phone_a,
        vec![mutation(
            1,
            "edit_contact",
            json!({"id": id, "input": a_edit, "base": base}),
        )],
    )
    .await;
    assert_eq!(status, StatusCode::OK, "{r}");
    assert_eq!(r["outcomes"][0]["status"], "applied");

    let b_edit = edited(
        &base,
        json!({"phone_mobile": "07 00 00 00 02", "notes": "Préfère être appelée le soir", "city": "Bron"}),
    );
    let (status, r) = push(
        &cast.colleague,
        phone_b,
        vec![mutation(
            1,
            "edit_contact",
            json!({"id": id, "input": b_edit, "base": base}),
        )],
    )
    .await;
    assert_eq!(status, StatusCode::OK, "{r}");
    assert_eq!(r["outcomes"][0]["status"], "applied", "{r}");

    let now = base_of(&cast.owner, &id).await;
    assert_eq!(
        now["phone_mobile"], "+33700000001",
        "the first value stays until someone picks"
    );
    assert_eq!(
        now["notes"], "Préfère être appelée le soir",
        "a field changed on one side only is merged"
    );
    assert_eq!(now["city"], "Bron", "the same change on both sides is no conflict");

    // Both advisors see the conflict, with both values, authors and times.
    let mut conflict_id = String::new();
    for who in [&cast.owner, &cast.colleague, &cast.manager] {
        let (changes, _) = pull_all(who, None).await;
        let conflicts: Vec<&Value> = changes
            .iter()
            .filter(|c| c["kind"] == "conflict")
            .map(|c| &c["row"])
            .collect();
        assert_eq!(conflicts.len(), 1, "{changes:?}");
        let f = conflicts[0];
        assert_eq!(f["field"], "phone_mobile");
        assert_eq!(f["mine"], "+33700000002");
        assert_eq!(f["mine_by_name"], "colleague");
        assert_eq!(f["theirs"], "+33700000001");
        assert_eq!(f["theirs_by_name"], "owner");
        assert!(f["resolved_at"].is_null());
        conflict_id = f["id"].as_str().unwrap().to_string();
    }
    let (changes, _) = pull_all(&cast.foreign_manager, None).await;
    assert!(
        changes.iter().all(|c| c["kind"] != "conflict"),
        "nothing of it in another agency"
    );
    let outsider = app.user(cast.owner.agency_id, "outsider@a.fr", Role::Advisor).await;
    let (changes, _) = pull_all(&outsider, None).await;
    assert!(changes.iter().all(|c| c["kind"] != "conflict"));
    let (status, _) = body(
        outsider
            .post(
                &format!("/conflicts/{conflict_id}/resolve"),
                &json!({"value": "0600000000"}),
            )
            .await,
    )
    .await;
    assert_eq!(status, StatusCode::NOT_FOUND, "only the people involved settle it");

    // The colleague keeps their value: resolving is a mutation like any other.
    let (status, r) = push(
        &cast.colleague,
        phone_b,
        vec![mutation(
            2,
            "resolve_conflict",
            json!({"id": conflict_id, "value": "+33700000002"}),
        )],
    )
    .await;
    assert_eq!(status, StatusCode::OK, "{r}");
    assert_eq!(r["outcomes"][0]["status"], "applied", "{r}");
    assert_eq!(base_of(&cast.owner, &id).await["phone_mobile"], "+33700000002");
    let (changes, _) = pull_all(&cast.owner, None).await;
    let f = changes.iter().find(|c| c["kind"] == "conflict").unwrap();
    assert_eq!(f["row"]["resolution"], "+33700000002");
    assert!(!f["row"]["resolved_at"].is_null());
    // Settled once: a second answer is refused, with its value kept in the refusal.
    let (status, r) = body(
        cast.owner
            .post(
                &format!("/conflicts/{conflict_id}/resolve"),
                &json!({"value": "0600000000"}),
            )
            .await,
    )
    .await;
    assert_eq!(status, StatusCode::CONFLICT, "{r}");
}

#[tokio::test]
async fn a_merged_edit_that_does_not_validate_is_refused_with_its_values() {
    let app = spawn_app().await;
    let agency = app.agency("Agence").await;
    let u = app.user(agency, "a@x.fr", Role::Advisor).await;
    let c = u.create_contact(contact("invalid-merge")).await;
    let id = c["id"].as_str().unwrap().to_string();
    let base = base_of(&u, &id).await;
    let bad = edited(&base, json!({"email": "pas-une-adresse"}));
    let (status, r) = push(
        &u,
        Uuid::now_v7(),
        vec![mutation(
            1,
            "edit_contact",
            json!({"id": id, "input": bad, "base": base}),
        )],
    )
    .await;
    assert_eq!(status, StatusCode::OK, "{r}");
    let o = &r["outcomes"][0];
    assert_eq!(o["status"], "refused");
    assert!(o["refusal"]["fields"]["email"].is_string(), "{r}");
    assert_eq!(o["refusal"]["mutation"]["args"]["input"]["email"], "pas-une-adresse");
}

#[tokio::test]
async fn the_openapi_document_has_the_sync_routes_and_no_dangling_reference() {
    let app = spawn_app().await;
    let (status, doc) = body(anonymous(&app).get("/openapi.json").await).await;
    assert_eq!(status, StatusCode::OK);
    for p in [
        "/api/v1/sync/push",
        "/api/v1/sync/pull",
        "/api/v1/conflicts/{id}/resolve",
    ] {
        assert!(doc["paths"][p].is_object(), "{p} missing");
    }
    fn refs(v: &Value, out: &mut Vec<String>) {
        match v {
            Value::Object(m) => {
                for (k, x) in m {
                    if k == "$ref" {
                        out.push(x.as_str().unwrap_or_default().to_string());
                    } else {
                        refs(x, out);
                    }
                }
            }
            Value::Array(a) => a.iter().for_each(|x| refs(x, out)),
            _ => {}
        }
    }
    let mut all = Vec::new();
    refs(&doc, &mut all);
    assert!(!all.is_empty());
    for r in all {
        let name = r.trim_start_matches("#/components/schemas/");
        assert!(doc["components"]["schemas"][name].is_object(), "{r} points nowhere");
    }
    let local_start = &doc["components"]["schemas"]["Meeting"]["properties"]["local_start"];
    assert_ne!(
        local_start["format"], "date-time",
        "sent without an offset: {local_start}"
    );
}

#[tokio::test]
async fn a_create_sent_by_rest_whose_answer_was_lost_is_applied_once_not_refused() {
    // The phone posted the record by the REST route, the answer never came back, and it
    // queued the same write (same id) for the push: applied already, and the next mutation
    // still goes through (no gap in the client's sequence).
    let app = spawn_app().await;
    let agency = app.agency("Agence").await;
    let u = app.user(agency, "a@x.fr", Role::Advisor).await;
    let other = app.user(agency, "b@x.fr", Role::Advisor).await;
    let (client, contact_id, task_id) = (Uuid::now_v7(), Uuid::now_v7(), Uuid::now_v7());
    let mut c = contact("lost-answer");
    c["id"] = json!(contact_id);
    assert_eq!(u.post("/contacts", &c).await.status(), StatusCode::CREATED);

    let (status, r) = push(&u, client, morning(contact_id, task_id)).await;
    assert_eq!(status, StatusCode::OK, "{r}");
    assert_eq!(statuses(&r), ["applied", "applied", "applied"], "{r}");
    let (_, found) = body(u.get("/contacts?q=lost-answer").await).await;
    assert_eq!(found["items"].as_array().unwrap().len(), 1);

    // Someone else's id is not theirs to claim: still a refusal.
    let mut c2 = contact("not-mine");
    c2["id"] = json!(contact_id);
    let (_, r) = push(&other, Uuid::now_v7(), vec![mutation(1, "create_contact", c2)]).await;
    assert_eq!(r["outcomes"][0]["status"], "refused", "{r}");
}

#[tokio::test]
async fn a_pull_comes_compressed_when_the_phone_asks_and_says_the_same() {
    let app = spawn_app().await;
    let agency = app.agency("Agence").await;
    let u = app.user(agency, "a@x.fr", Role::Advisor).await;
    let (client, contact_id, task_id) = (Uuid::now_v7(), Uuid::now_v7(), Uuid::now_v7());
    let (status, r) = push(&u, client, morning(contact_id, task_id)).await;
    assert_eq!(status, StatusCode::OK, "{r}");
    let url = format!("{}/api/v1/sync/pull?cursor=0&limit=1000", u.base);
    let get = |encoding: &'static str| {
        let request = u.client.get(&url).header("accept-encoding", encoding);
        async move {
            let r = request.send().await.unwrap();
            assert_eq!(r.status(), StatusCode::OK);
            let said = r
                .headers()
                .get("content-encoding")
                .map(|v| v.to_str().unwrap().to_string());
            (said, r.bytes().await.unwrap().to_vec())
        }
    };
    let (plain_encoding, plain) = get("identity").await;
    assert_eq!(plain_encoding, None);
    let plain: Value = serde_json::from_slice(&plain).unwrap();
    assert!(!plain["changes"].as_array().unwrap().is_empty());

    // A browser that takes zstd gets zstd (Chromium, Firefox); one that takes gzip only, gzip.
    let (encoding, zstd) = get("gzip, deflate, br, zstd").await;
    assert_eq!(encoding.as_deref(), Some("zstd"));
    let decoded: Value = serde_json::from_slice(&zstd::decode_all(&zstd[..]).unwrap()).unwrap();
    assert_eq!(decoded, plain);
    let (encoding, gzip) = get("gzip").await;
    assert_eq!(encoding.as_deref(), Some("gzip"));
    let mut text = Vec::new();
    std::io::Read::read_to_end(&mut flate2::read::GzDecoder::new(&gzip[..]), &mut text).unwrap();
    assert_eq!(serde_json::from_slice::<Value>(&text).unwrap(), plain);
}
