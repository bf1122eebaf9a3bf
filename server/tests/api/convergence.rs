//! Convergence of offline sync, as a property: three phones (two of one advisor, one of a
//! colleague the record is shared with) run the real sync engine (`shared::sync::engine`)
//! against the real server, with random edits of the same and of different fields, new
//! tasks, and syncs whose pushes are lost, duplicated or whose answers are lost, while the
//! phones hop between two server processes on one database. After everyone syncs with the
//! network back:
//! - every replica equals what a fresh pull from 0 gives its user;
//! - every mutation was acknowledged, and every task created exactly once;
//! - no typed value is lost: each edited value is in the record, in a conflict, in a refusal
//!   shown to its author, or was seen by a later edit that replaced it;
//! - every refusal has a reason.
//!
//! `CONVERGENCE_CASES` sets the number of cases (default 40).

use crate::support::*;
use proptest::prelude::*;
use serde_json::{json, Value};
use shared::api::Role;
use shared::record::{Contact, ContactInput};
use shared::sync::engine::{Engine, MemoryStore, PageEnd, PullHead, PulledPage, RowKind, Transport, TransportError};
use shared::sync::{Change, Mutation, PullResponse, PushRequest, PushResponse, CURSOR_HEADER, HAS_MORE_HEADER};
use uuid::Uuid;

#[derive(Debug, Clone, Copy, PartialEq)]
enum Fault {
    None,
    LostRequest,
    LostReply,
    Duplicated,
}

#[derive(Debug, Clone)]
enum Op {
    Edit { phone: usize, record: usize, field: usize },
    Task { phone: usize },
    Sync { phone: usize, fault: Fault },
    Hop { phone: usize },
}

const FIELDS: [&str; 3] = ["notes", "city", "sector"];

fn op() -> impl Strategy<Value = Op> {
    let fault = prop_oneof![
        3 => Just(Fault::None),
        1 => Just(Fault::LostRequest),
        1 => Just(Fault::LostReply),
        1 => Just(Fault::Duplicated)
    ];
    prop_oneof![
        4 => (0..3usize, 0..2usize, 0..3usize).prop_map(|(phone, record, field)| Op::Edit { phone, record, field }),
        1 => (0..3usize).prop_map(|phone| Op::Task { phone }),
        4 => (0..3usize, fault).prop_map(|(phone, fault)| Op::Sync { phone, fault }),
        1 => (0..3usize).prop_map(|phone| Op::Hop { phone }),
    ]
}

/// The phone's way to the server, with the fault of the next call.
struct Http {
    client: reqwest::Client,
    base: String,
    fault: Fault,
}

impl Http {
    async fn send(&self, request: reqwest::RequestBuilder) -> Result<reqwest::Response, TransportError> {
        let r = request
            .send()
            .await
            .map_err(|e| TransportError::Unreachable(e.to_string()))?;
        if r.status().is_success() {
            return Ok(r);
        }
        let status = r.status().as_u16();
        let v: Value = r.json().await.unwrap_or_default();
        Err(TransportError::Server {
            status,
            error: v["error"].as_str().unwrap_or("").into(),
            detail: v["detail"].as_str().unwrap_or("").into(),
        })
    }
}

impl Transport for Http {
    async fn push(&mut self, request: &PushRequest) -> Result<PushResponse, TransportError> {
        let fault = std::mem::replace(&mut self.fault, Fault::None);
        let url = format!("{}/api/v1/sync/push", self.base);
        match fault {
            Fault::LostRequest => return Err(TransportError::Unreachable("requête perdue".into())),
            Fault::Duplicated => {
                let _ = self.send(self.client.post(&url).json(request)).await;
            }
            _ => {}
        }
        let r = self.send(self.client.post(&url).json(request)).await?;
        if fault == Fault::LostReply {
            return Err(TransportError::Unreachable("réponse perdue".into()));
        }
        r.json().await.map_err(|e| TransportError::Unreachable(e.to_string()))
    }

    async fn pull(&mut self, cursor: i64, limit: u32, client_id: Uuid) -> Result<PullResponse, TransportError> {
        let url = format!(
            "{}/api/v1/sync/pull?cursor={cursor}&limit={limit}&client_id={client_id}",
            self.base
        );
        let r = self.send(self.client.get(&url)).await?;
        r.json().await.map_err(|e| TransportError::Unreachable(e.to_string()))
    }

    /// As the phone does: where the page ends from the answer's headers, the body read later.
    async fn pull_head(&mut self, cursor: i64, limit: u32, client_id: Uuid) -> Result<PullHead, TransportError> {
        let url = format!(
            "{}/api/v1/sync/pull?cursor={cursor}&limit={limit}&client_id={client_id}",
            self.base
        );
        let r = self.send(self.client.get(&url)).await?;
        let header = |name: &str| r.headers().get(name).and_then(|v| v.to_str().ok()).map(str::to_owned);
        let end = match (header(CURSOR_HEADER), header(HAS_MORE_HEADER)) {
            (Some(cursor), Some(more)) => Some(PageEnd {
                cursor: cursor.parse().expect("a cursor header"),
                has_more: more.parse().expect("a has-more header"),
            }),
            _ => None,
        };
        Ok(PullHead {
            end,
            // Read as the phone reads it, its changes' text kept.
            body: Box::pin(async move {
                let bytes = r
                    .bytes()
                    .await
                    .map_err(|e| TransportError::Unreachable(e.to_string()))?;
                PulledPage::read(&bytes).map_err(|e| TransportError::Unreachable(e.to_string()))
            }),
        })
    }
}

struct Phone {
    engine: Engine<MemoryStore>,
    http: Http,
}

fn contact_row(store: &MemoryStore, id: Uuid) -> Option<Contact> {
    match store.rows.get(&(RowKind::Contact, id)) {
        Some(Change::Contact(c)) => Some((**c).clone()),
        _ => None,
    }
}

/// What the phone's form shows for a record: the replica with its own pending edits laid over.
fn shown(store: &MemoryStore, id: Uuid) -> Option<ContactInput> {
    let pending = store.outbox.iter().rev().find_map(|m| match &m.mutation {
        Mutation::EditContact { id: e, input, .. } if *e == id => Some(input.clone()),
        _ => None,
    });
    pending.or_else(|| contact_row(store, id).map(|c| c.to_input()))
}

fn value_of(input: &ContactInput, name: &str) -> String {
    serde_json::to_value(input).unwrap()[name]
        .as_str()
        .unwrap_or_default()
        .to_string()
}

async fn login(base: &str, email: &str) -> reqwest::Client {
    let client = new_client();
    let r = client
        .post(format!("{base}/api/v1/auth/login"))
        .json(&json!({"email": email, "password": PASSWORD}))
        .send()
        .await
        .unwrap();
    assert!(r.status().is_success());
    client
}

/// A fresh pull from 0 for a user: what their replica must equal.
async fn fresh_replica(base: &str, client: &reqwest::Client) -> MemoryStore {
    let mut e = Engine::new(MemoryStore::new(Uuid::now_v7()));
    let mut t = Http {
        client: client.clone(),
        base: base.to_string(),
        fault: Fault::None,
    };
    e.sync(&mut t, chrono::Utc::now()).await.unwrap();
    e.store
}

/// Two servers on one database (a restart, or two processes behind a proxy).
struct World {
    bases: [String; 2],
    _apps: Vec<TestApp>,
}

async fn world() -> World {
    let first = spawn_app().await;
    let url = first.database_url.clone();
    let store = tournee_server::db::connect(&url).await.unwrap();
    let second = spawn_app_on(
        store,
        tournee_server::config::Config {
            database_url: url,
            ..Default::default()
        },
    )
    .await;
    World {
        bases: [first.url.clone(), second.url.clone()],
        _apps: vec![first, second],
    }
}

async fn run_case(world: &World, ops: Vec<Op>) -> Result<(), TestCaseError> {
    let app = &world._apps[0];
    let agency = app.agency(&format!("Agence {}", Uuid::now_v7())).await;
    let tag = Uuid::now_v7().simple().to_string();
    let (owner_email, colleague_email, manager_email) =
        (format!("o{tag}@a.fr"), format!("c{tag}@a.fr"), format!("m{tag}@a.fr"));
    let owner = app.user(agency, &owner_email, Role::Advisor).await;
    let colleague = app.account(agency, &colleague_email, Role::Advisor).await;
    app.account(agency, &manager_email, Role::Manager).await;
    let mut records = Vec::new();
    for i in 0..2 {
        let c = owner.create_contact(contact(&format!("{tag}-{i}"))).await;
        records.push(Uuid::parse_str(c["id"].as_str().unwrap()).unwrap());
    }
    let r = owner
        .post(
            &format!("/contacts/{}/shares", records[0]),
            &json!({"user_id": colleague.id}),
        )
        .await;
    prop_assert_eq!(r.status(), reqwest::StatusCode::NO_CONTENT);

    let emails = [&owner_email, &owner_email, &colleague_email];
    let mut phones = Vec::new();
    for email in emails {
        let client = login(&world.bases[0], email).await;
        let mut phone = Phone {
            engine: Engine::new(MemoryStore::new(Uuid::now_v7())),
            http: Http {
                client,
                base: world.bases[0].clone(),
                fault: Fault::None,
            },
        };
        phone.engine.sync(&mut phone.http, chrono::Utc::now()).await.unwrap();
        phones.push(phone);
    }

    // (phone, record, field, value, base value of that field) for every edit made.
    let mut edits: Vec<(usize, Uuid, &str, String, String)> = Vec::new();
    let mut titles = Vec::new();
    let mut n = 0;
    for op in ops {
        n += 1;
        match op {
            Op::Edit { phone, record, field } => {
                let p = &mut phones[phone];
                let id = records[record];
                let Some(base) = shown(&p.engine.store, id) else {
                    continue;
                };
                let value = format!("p{phone} v{n}");
                let mut input = serde_json::to_value(&base).unwrap();
                input[FIELDS[field]] = json!(value);
                let input: ContactInput = serde_json::from_value(input).unwrap();
                edits.push((phone, id, FIELDS[field], value, value_of(&base, FIELDS[field])));
                let m = Mutation::EditContact {
                    id,
                    input,
                    base: Some(Box::new(base)),
                };
                p.engine.record(m, chrono::Utc::now()).await.unwrap();
            }
            Op::Task { phone } => {
                let title = format!("Tâche {tag} {n}");
                let input =
                    serde_json::from_value(json!({"id": Uuid::now_v7(), "title": title, "due_on": "2026-12-01"}))
                        .unwrap();
                titles.push((phone, title));
                phones[phone]
                    .engine
                    .record(Mutation::CreateTask(input), chrono::Utc::now())
                    .await
                    .unwrap();
            }
            Op::Sync { phone, fault } => {
                let p = &mut phones[phone];
                p.http.fault = fault;
                let _ = p.engine.sync(&mut p.http, chrono::Utc::now()).await;
                p.http.fault = Fault::None;
            }
            Op::Hop { phone } => {
                let p = &mut phones[phone];
                p.http.base = if p.http.base == world.bases[0] {
                    world.bases[1].clone()
                } else {
                    world.bases[0].clone()
                };
            }
        }
    }

    // The network comes back for good: everyone syncs, then everyone pulls what the others sent.
    for _ in 0..2 {
        for p in phones.iter_mut() {
            p.engine.sync(&mut p.http, chrono::Utc::now()).await.unwrap();
        }
    }

    for (i, p) in phones.iter().enumerate() {
        let s = &p.engine.store;
        prop_assert!(s.outbox.is_empty(), "phone {i}: everything acknowledged");
        prop_assert_eq!(s.meta.acked, s.meta.next_mutation_id - 1);
        let fresh = fresh_replica(&p.http.base, &p.http.client).await;
        prop_assert_eq!(&s.rows, &fresh.rows, "phone {}: replica equals a fresh pull", i);
        for r in &s.refusals {
            prop_assert!(!r.refusal.detail.is_empty() && !r.refusal.error.is_empty());
        }
    }

    // Exactly once: every task once, in its author's replica.
    for (phone, title) in &titles {
        let rows = &phones[*phone].engine.store.rows;
        let count = rows
            .values()
            .filter(|r| matches!(r, Change::Task(t) if &t.title == title))
            .count();
        prop_assert_eq!(count, 1, "{}", title);
    }

    // No typed value lost.
    let manager = login(&world.bases[0], &manager_email).await;
    let all = fresh_replica(&world.bases[0], &manager).await;
    for (phone, id, f, value, _) in &edits {
        let in_record = contact_row(&all, *id)
            .map(|c| value_of(&c.to_input(), f) == *value)
            .unwrap_or(false);
        let in_conflict = all.rows.values().any(|r| match r {
            Change::Conflict(c) => {
                c.contact_id == *id
                    && c.field == *f
                    && [Some(&c.mine), Some(&c.theirs), c.resolution.as_ref()].contains(&Some(&json!(value)))
            }
            _ => false,
        });
        let refused = phones[*phone]
            .engine
            .store
            .refusals
            .iter()
            .any(|r| r.refusal.mutation.to_string().contains(value.as_str()));
        let seen_later = edits
            .iter()
            .any(|(_, id2, f2, v2, base2)| id2 == id && f2 == f && base2 == value && v2 != value);
        prop_assert!(
            in_record || in_conflict || refused || seen_later,
            "{} on {} lost",
            value,
            f
        );
    }
    Ok(())
}

#[test]
fn phones_converge_and_nothing_typed_is_lost() {
    let cases = std::env::var("CONVERGENCE_CASES")
        .ok()
        .and_then(|v| v.parse().ok())
        .unwrap_or(40);
    let rt = tokio::runtime::Runtime::new().unwrap();
    let world = rt.block_on(world());
    let config = ProptestConfig {
        cases,
        failure_persistence: None,
        ..ProptestConfig::default()
    };
    proptest!(config, |(ops in prop::collection::vec(op(), 1..40))| {
        rt.block_on(run_case(&world, ops))?;
    });
}
