//! A push is applied in batches: one transaction per batch (a savepoint per mutation when one
//! is refused), the agency's change counter bumped once per batch and counted on in memory, the
//! phone's applied marks too — on SQLite and
//! PostgreSQL. What must hold: a refused mutation leaves nothing behind, even when it was the
//! batch's first write; change numbers stay in commit order across batches and later writes;
//! a push longer than one batch is applied whole and in order.

use crate::support::*;
use reqwest::StatusCode;
use serde_json::{json, Value};
use shared::api::Role;
use uuid::Uuid;

fn mutation(id: i64, name: &str, args: Value) -> Value {
    json!({"id": id, "name": name, "args": args, "at": "2026-11-29T08:00:00Z"})
}

fn task(id: Uuid, title: &str) -> Value {
    json!({"id": id, "title": title, "notes": "", "due_on": "2026-12-01", "priority": "normal"})
}

async fn push(user: &User, client: Uuid, mutations: Vec<Value>) -> Value {
    let (status, r) = body(
        user.post("/sync/push", &json!({"client_id": client, "mutations": mutations}))
            .await,
    )
    .await;
    assert_eq!(status, StatusCode::OK, "{r}");
    r
}

/// Every change after `cursor`, and the cursor to ask from next.
async fn pull_from(user: &User, mut cursor: i64) -> (Vec<Value>, i64) {
    let mut changes = Vec::new();
    loop {
        let (status, page) = body(user.get(&format!("/sync/pull?cursor={cursor}&limit=50")).await).await;
        assert_eq!(status, StatusCode::OK, "{page}");
        changes.extend(page["changes"].as_array().unwrap().iter().cloned());
        cursor = page["cursor"].as_i64().unwrap();
        if !page["has_more"].as_bool().unwrap() {
            return (changes, cursor);
        }
    }
}

/// The change number of the row `id` of `kind` in a pull.
fn seq_of(changes: &[Value], kind: &str, id: &str) -> i64 {
    changes
        .iter()
        .filter(|c| c["kind"] == kind && c["row"]["id"] == id)
        .map(|c| c["row"]["seq"].as_i64().unwrap())
        .max()
        .unwrap_or_else(|| panic!("no {kind} {id} in the pull"))
}

fn statuses(answer: &Value) -> Vec<String> {
    answer["outcomes"]
        .as_array()
        .unwrap()
        .iter()
        .map(|o| o["status"].as_str().unwrap().to_string())
        .collect()
}

#[tokio::test]
async fn a_refused_first_write_is_undone_and_change_numbers_stay_in_commit_order() {
    let app = spawn_app().await;
    let agency = app.agency("Agence").await;
    let u = app.user(agency, "a@x.fr", Role::Advisor).await;
    let gone = u.create_contact(contact("parti")).await;
    let gone_id = gone["id"].as_str().unwrap().to_string();
    assert_eq!(
        u.delete(&format!("/contacts/{gone_id}")).await.status(),
        StatusCode::NO_CONTENT
    );
    let (_, before) = pull_from(&u, 0).await;

    let (task_a, contact_b) = (Uuid::now_v7(), Uuid::now_v7());
    let mut b = contact("batch-b");
    b["id"] = json!(contact_b);
    let mut edit = contact("parti");
    edit["notes"] = json!("écrit hors ligne");
    let r = push(
        &u,
        Uuid::now_v7(),
        vec![
            // The batch's first write takes a change number, then finds the record deleted:
            // refused, and its bump of the counter is undone with it.
            mutation(1, "edit_contact", json!({"id": gone_id, "input": edit})),
            mutation(2, "create_task", task(task_a, "Préparer le rendez-vous")),
            mutation(3, "create_contact", b),
            mutation(4, "create_task", task(Uuid::now_v7(), "")),
            mutation(
                5,
                "log_interaction",
                json!({"contact_id": contact_b, "input": {"kind": "call", "outcome": "reached", "note": "ok"}}),
            ),
        ],
    )
    .await;
    assert_eq!(
        statuses(&r),
        ["refused", "applied", "applied", "refused", "applied"],
        "{r}"
    );
    assert_eq!(r["last_mutation_id"], 5);

    // The refused edit left nothing: the record is still deleted, its notes untouched.
    assert_eq!(
        u.get(&format!("/contacts/{gone_id}")).await.status(),
        StatusCode::NOT_FOUND
    );

    // What the batch wrote comes after the cursor of the pull made before it, in order.
    let (after_batch, cursor) = pull_from(&u, before).await;
    let a = seq_of(&after_batch, "task", &task_a.to_string());
    let b = seq_of(&after_batch, "contact", &contact_b.to_string());
    assert!(
        before < a && a < b,
        "commit order: cursor {before}, task {a}, contact {b}"
    );

    // A write after the batch takes a number above everything the batch gave, so a phone
    // pulling from the cursor it holds sees it.
    let (status, c) = body(u.post("/tasks", &task(Uuid::now_v7(), "Après le lot")).await).await;
    assert_eq!(status, StatusCode::CREATED, "{c}");
    let (later, _) = pull_from(&u, cursor).await;
    let c_seq = seq_of(&later, "task", c["id"].as_str().unwrap());
    assert!(c_seq > b, "a later write ({c_seq}) after the batch's last number ({b})");
}

#[tokio::test]
async fn a_push_longer_than_one_batch_is_applied_whole_and_in_order() {
    let app = spawn_app().await;
    let agency = app.agency("Agence").await;
    let u = app.user(agency, "a@x.fr", Role::Advisor).await;
    let client = Uuid::now_v7();
    let ids: Vec<Uuid> = (0..250).map(|_| Uuid::now_v7()).collect();
    let mutations = ids
        .iter()
        .enumerate()
        .map(|(i, id)| {
            // One refusal in the second batch, by validation (before anything is written);
            // one in the first, by the store, after the mutation was marked applied (the task
            // names a record that does not exist): its mark is undone with it, then the
            // refusal is recorded.
            let title = if i == 150 {
                String::new()
            } else {
                format!("Relance {i}")
            };
            let mut args = task(*id, &title);
            if i == 60 {
                args["contact_id"] = json!(Uuid::now_v7());
            }
            mutation(i as i64 + 1, "create_task", args)
        })
        .collect();
    let r = push(&u, client, mutations).await;
    assert_eq!(r["last_mutation_id"], 250);
    let s = statuses(&r);
    assert_eq!(s.iter().filter(|s| *s == "applied").count(), 248, "{r}");
    assert_eq!((s[60].as_str(), s[150].as_str()), ("refused", "refused"), "{r}");

    let (changes, _) = pull_from(&u, 0).await;
    let seqs: Vec<i64> = ids
        .iter()
        .enumerate()
        .filter(|(i, _)| *i != 60 && *i != 150)
        .map(|(_, id)| seq_of(&changes, "task", &id.to_string()))
        .collect();
    assert!(
        seqs.windows(2).all(|w| w[0] < w[1]),
        "tasks numbered in push order: {seqs:?}"
    );

    // Sent again (the answer lost): nothing applied twice.
    let again = push(
        &u,
        client,
        ids.iter()
            .enumerate()
            .map(|(i, id)| mutation(i as i64 + 1, "create_task", task(*id, "Relance")))
            .collect(),
    )
    .await;
    assert!(statuses(&again).iter().all(|s| s == "already_applied"), "{again}");
}

#[tokio::test]
async fn a_batch_that_reads_before_it_writes_is_not_failed_by_a_write_committed_meanwhile() {
    // SQLite: a transaction that begins by reading holds a snapshot; had another connection
    // committed before its first write, that write failed at once (SQLITE_BUSY_SNAPSHOT), the
    // busy timeout notwithstanding, and the phone was answered 503 for nothing — seen when the
    // geocoder saved a new record's position while a push recorded a refusal. Writes now take
    // the lock first and the other writer waits its turn; PostgreSQL is unaffected.
    let app = spawn_app().await;
    let agency = app.agency("Agence").await;
    let manager = app.account(agency, "m@x.fr", Role::Manager).await;
    let actor = tournee_server::db::Actor {
        user_id: manager.id,
        agency_id: agency,
        role: Role::Manager,
        mutation: None,
    };
    let batch = app.store.batch().await.unwrap();
    let settings = batch.agency(agency).await.unwrap().unwrap().settings;
    let outside = tokio::spawn({
        let (store, settings) = (app.store.clone(), settings.clone());
        async move { store.set_agency_settings(&actor, &settings).await }
    });
    // The other write commits now (deferred transactions) or waits for the batch's lock.
    tokio::time::sleep(std::time::Duration::from_millis(300)).await;
    batch
        .set_agency_settings(&actor, &settings)
        .await
        .expect("the batch writes after its read");
    batch.commit_batch().await.unwrap();
    outside
        .await
        .unwrap()
        .expect("the other write goes through once the batch is done");
}
