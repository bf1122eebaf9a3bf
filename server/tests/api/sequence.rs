//! The change sequence: a reader pulling "changes after N" while many writers commit can
//! never miss a change (the pull side of offline sync).

use crate::support::*;
use shared::api::Role;
use std::collections::HashSet;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::Arc;
use tournee_server::db::{ContactFields, NewUser};
use uuid::Uuid;

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn a_reader_pulling_changes_after_n_never_misses_a_concurrent_commit() {
    let (store, _dir) = store().await;
    let agency = store.create_agency("Agence").await.unwrap();
    let user = store
        .create_user(NewUser {
            agency_id: agency.id,
            email: "w@x.fr".into(),
            display_name: "W".into(),
            role: Role::Advisor,
            password_hash: "x".into(),
        })
        .await
        .unwrap();
    let actor = user.actor();
    const WRITERS: usize = 8;
    const EACH: usize = 40;
    let done = Arc::new(AtomicBool::new(false));

    // The reader: pull after its cursor, advance to the largest sequence seen.
    let reader = {
        let store = store.clone();
        let done = done.clone();
        tokio::spawn(async move {
            let mut cursor = 0i64;
            let mut seen = HashSet::new();
            let mut last_seq = 0i64;
            loop {
                let finished = done.load(Ordering::SeqCst);
                let page = store.changes_after(agency.id, cursor, 1000).await.unwrap();
                for c in &page {
                    assert!(c.seq > last_seq, "sequence numbers arrive strictly increasing");
                    last_seq = c.seq;
                    seen.insert(c.id);
                }
                if let Some(last) = page.last() {
                    cursor = last.seq;
                }
                if finished && page.is_empty() {
                    return seen;
                }
            }
        })
    };

    // The writers: inserts and updates from many tasks at once.
    let mut handles = Vec::new();
    for w in 0..WRITERS {
        let store = store.clone();
        handles.push(tokio::spawn(async move {
            let mut ids = Vec::new();
            for i in 0..EACH {
                let valid = shared::record::ContactInput {
                    last_name: format!("W{w} N{i}"),
                    email: format!("w{w}n{i}@x.fr"),
                    ..Default::default()
                }
                .validate()
                .unwrap();
                let fields = ContactFields::from_valid(&valid);
                let id = Uuid::now_v7();
                store
                    .insert_contact(&actor, id, &fields, None, tournee_server::db::now())
                    .await
                    .unwrap();
                if i % 4 == 0 {
                    store
                        .update_contact(&actor, id, &fields, None, tournee_server::db::now())
                        .await
                        .unwrap();
                }
                ids.push(id);
            }
            ids
        }));
    }
    let mut all = HashSet::new();
    for h in handles {
        all.extend(h.await.unwrap());
    }
    done.store(true, Ordering::SeqCst);
    let seen = reader.await.unwrap();
    assert_eq!(all.len(), WRITERS * EACH);
    let missed: Vec<_> = all.difference(&seen).collect();
    assert!(
        missed.is_empty(),
        "the reader missed {} of {} changes",
        missed.len(),
        all.len()
    );
}
