//! The record's history in the pull: visit reports with their objections and referrals, calls
//! and messages, and the timeline's lines travel to exactly the phones that see the record —
//! on SQLite and PostgreSQL.

use crate::support::*;
use crate::visits::{contacted_prospect, local_in, meeting, report_with_two_objections_and_a_referral};
use reqwest::StatusCode;
use serde_json::{json, Value};
use sqlx::Connection;

/// Every change after `cursor`, pulled page by page (small pages, so that a page boundary
/// falls inside the morning's writes).
async fn pull_from(user: &User, mut cursor: i64) -> (Vec<Value>, i64) {
    let mut changes = Vec::new();
    loop {
        let (status, page) = body(user.get(&format!("/sync/pull?cursor={cursor}&limit=2")).await).await;
        assert_eq!(status, StatusCode::OK, "{page}");
        assert_eq!(page["reset"], false, "{page}");
        changes.extend(page["changes"].as_array().unwrap().iter().cloned());
        cursor = page["cursor"].as_i64().unwrap();
        if !page["has_more"].as_bool().unwrap() {
            return (changes, cursor);
        }
    }
}

fn of_kind<'a>(changes: &'a [Value], kind: &str) -> Vec<&'a Value> {
    changes
        .iter()
        .filter(|c| c["kind"] == kind)
        .map(|c| &c["row"])
        .collect()
}

/// The rows of `kind` about `contact`.
fn about<'a>(changes: &'a [Value], kind: &str, contact: &Value) -> Vec<&'a Value> {
    of_kind(changes, kind)
        .into_iter()
        .filter(|r| &r["contact_id"] == contact)
        .collect()
}

#[tokio::test]
async fn a_visit_its_report_and_a_call_reach_exactly_the_phones_that_see_the_record() {
    let app = spawn_app().await;
    let cast = cast(&app).await;
    let client = contacted_prospect(&cast.owner, "history").await;
    let cid = client["id"].clone();
    let m = meeting(&cast.owner, &cid, &local_in(-90)).await;
    let (s, report) = body(
        cast.owner
            .post(
                &format!("/meetings/{}/report", m["id"].as_str().unwrap()),
                &report_with_two_objections_and_a_referral(),
            )
            .await,
    )
    .await;
    assert_eq!(s, StatusCode::CREATED, "{report}");
    let (s, call) = body(
        cast.owner
            .post(
                &format!("/contacts/{}/interactions", cid.as_str().unwrap()),
                &json!({"kind": "call", "outcome": "reached", "note": "Confirme la simulation"}),
            )
            .await,
    )
    .await;
    assert_eq!(s, StatusCode::CREATED, "{call}");

    // The owner's phone: the report with both objections and the prospect named, the call,
    // and the same history as the record's timeline.
    let (changes, cursor) = pull_from(&cast.owner, 0).await;
    let reports = about(&changes, "report", &cid);
    assert_eq!(reports.len(), 1, "{changes:?}");
    assert_eq!(reports[0]["id"], report["id"]);
    assert_eq!(reports[0]["objections"].as_array().unwrap().len(), 2);
    assert_eq!(reports[0]["referred"], report["referred"]);
    assert!(reports[0]["seq"].as_i64().unwrap() > 0);
    let calls = about(&changes, "interaction", &cid);
    assert_eq!(calls.len(), 1, "{changes:?}");
    assert_eq!(calls[0]["outcome"], "reached");
    assert_eq!(calls[0]["note"], "Confirme la simulation");
    let (_, timeline) = body(
        cast.owner
            .get(&format!("/contacts/{}/timeline?limit=200", cid.as_str().unwrap()))
            .await,
    )
    .await;
    let mut pulled: Vec<&Value> = about(&changes, "event", &cid).into_iter().map(|e| &e["id"]).collect();
    let mut listed: Vec<&Value> = timeline["items"].as_array().unwrap().iter().map(|e| &e["id"]).collect();
    pulled.sort_by_key(|v| v.to_string());
    listed.sort_by_key(|v| v.to_string());
    assert!(
        listed.len() >= 4,
        "created, meeting, report, objections, call: {timeline}"
    );
    assert_eq!(pulled, listed, "every line of the timeline, once");
    // The prospect named in the report comes with its own history.
    let prospect = &report["referred"][0]["id"];
    assert!(!about(&changes, "event", prospect).is_empty());

    // A colleague who does not see the record gets none of it; the manager gets all of it;
    // the other agency nothing.
    let (theirs, _) = pull_from(&cast.colleague, 0).await;
    for kind in ["report", "interaction", "event"] {
        assert!(about(&theirs, kind, &cid).is_empty(), "{kind} on a colleague's phone");
    }
    let (managers, _) = pull_from(&cast.manager, 0).await;
    assert_eq!(about(&managers, "report", &cid).len(), 1);
    assert_eq!(about(&managers, "interaction", &cid).len(), 1);
    assert_eq!(about(&managers, "event", &cid).len(), listed.len());
    let (foreign, _) = pull_from(&cast.foreign, 0).await;
    assert!(!serde_json::to_string(&foreign).unwrap().contains(cid.as_str().unwrap()));

    // Shared with the colleague: their phone, already synced, gets the record with its
    // whole history at the next pull.
    let (_, colleague_before) = pull_from(&cast.colleague, 0).await;
    let r = cast
        .owner
        .post(
            &format!("/contacts/{}/shares", cid.as_str().unwrap()),
            &json!({"user_id": cast.colleague.id}),
        )
        .await;
    assert_eq!(r.status(), StatusCode::NO_CONTENT);
    let (shared, colleague_cursor) = pull_from(&cast.colleague, colleague_before).await;
    assert_eq!(about(&shared, "report", &cid).len(), 1, "{shared:?}");
    assert_eq!(about(&shared, "interaction", &cid).len(), 1);
    assert_eq!(about(&shared, "meeting", &cid).len(), 1);
    assert_eq!(about(&shared, "event", &cid).len(), listed.len());
    // (The owner's phone gets them again too: a put of what it has changes nothing.)
    let (_, owner_cursor) = pull_from(&cast.owner, cursor).await;
    let (s, _) = body(
        cast.colleague
            .post(
                &format!("/contacts/{}/interactions", cid.as_str().unwrap()),
                &json!({"kind": "sms", "note": "Rappel du rendez-vous"}),
            )
            .await,
    )
    .await;
    assert_eq!(s, StatusCode::CREATED);
    for (user, after) in [(&cast.owner, owner_cursor), (&cast.colleague, colleague_cursor)] {
        let (next, _) = pull_from(user, after).await;
        let calls = about(&next, "interaction", &cid);
        assert_eq!(calls.len(), 1, "only the new message: {next:?}");
        assert_eq!(calls[0]["kind"], "sms");
        let lines = about(&next, "event", &cid);
        assert_eq!(lines.len(), 1, "only the new line: {next:?}");
        assert_eq!(lines[0]["kind"], "sms");
    }

    // Unshared: the colleague's phone is told to drop the record (and what hangs on it).
    let r = cast
        .owner
        .delete(&format!(
            "/contacts/{}/shares/{}",
            cid.as_str().unwrap(),
            cast.colleague.id
        ))
        .await;
    assert_eq!(r.status(), StatusCode::NO_CONTENT);
    let (next, _) = pull_from(&cast.colleague, colleague_cursor).await;
    assert!(of_kind(&next, "contact_removed").iter().any(|r| r["id"] == cid));
}

/// Runs the `UPDATE` statements of a migration file against the test's database.
async fn rerun_updates(database_url: &str, migration: &str) {
    let engine = if database_url.starts_with("sqlite:") {
        "sqlite"
    } else {
        "postgres"
    };
    let path = format!("{}/migrations/{engine}/{migration}", env!("CARGO_MANIFEST_DIR"));
    let text = std::fs::read_to_string(&path).unwrap();
    let updates: Vec<String> = text
        .split(';')
        .map(|s| {
            s.lines()
                .filter(|l| !l.trim_start().starts_with("--"))
                .collect::<Vec<_>>()
                .join("\n")
        })
        .filter(|s| s.trim_start().starts_with("UPDATE"))
        .collect();
    assert!(!updates.is_empty(), "{path}");
    for sql in updates {
        if engine == "sqlite" {
            let mut conn = sqlx::SqliteConnection::connect(database_url).await.unwrap();
            sqlx::query(&sql).execute(&mut conn).await.unwrap();
        } else {
            let mut conn = sqlx::PgConnection::connect(database_url).await.unwrap();
            sqlx::query(&sql).execute(&mut conn).await.unwrap();
        }
    }
}

#[tokio::test]
async fn a_phone_synced_before_the_history_travelled_gets_it_at_its_next_pull() {
    let app = spawn_app().await;
    let cast = cast(&app).await;
    let mut ids = Vec::new();
    for i in 0..5 {
        let c = cast.owner.create_contact(contact(&format!("before{i}"))).await;
        let (s, _) = body(
            cast.owner
                .post(
                    &format!("/contacts/{}/interactions", c["id"].as_str().unwrap()),
                    &json!({"kind": "call", "outcome": "reached", "note": "avant"}),
                )
                .await,
        )
        .await;
        assert_eq!(s, StatusCode::CREATED);
        ids.push(c["id"].clone());
    }
    let (_, cursor) = pull_from(&cast.owner, 0).await;
    // What migrations 0019 to 0022 do to rows written before them: new numbers above every
    // cursor handed out.
    rerun_updates(&app.database_url, "0019_history_in_sync.sql").await;
    rerun_updates(&app.database_url, "0020_settings_in_sync.sql").await;
    rerun_updates(&app.database_url, "0021_team_in_sync.sql").await;
    rerun_updates(&app.database_url, "0022_consents_in_sync.sql").await;
    // The phone's next pull (pages of two changes: no reset, no page repeated forever) brings
    // every record's history, its calls and the settings.
    let (next, after) = pull_from(&cast.owner, cursor).await;
    assert!(after > cursor);
    for id in &ids {
        assert_eq!(about(&next, "interaction", id).len(), 1, "{next:?}");
        assert_eq!(about(&next, "event", id).len(), 2, "created and called: {next:?}");
    }
    assert_eq!(of_kind(&next, "settings").len(), 1);
    assert_eq!(of_kind(&next, "team").len(), 1);
    // A new phone from 0 gets the same, and a cursor given since needs nothing more.
    let (fresh, end) = pull_from(&cast.owner, 0).await;
    assert_eq!(end, after);
    for id in &ids {
        assert_eq!(about(&fresh, "event", id).len(), 2);
    }
    let (again, _) = pull_from(&cast.owner, after).await;
    assert!(again.is_empty(), "{again:?}");
}

#[tokio::test]
async fn the_agencys_settings_and_lists_come_in_a_first_pull_and_after_each_change() {
    let app = spawn_app().await;
    let cast = cast(&app).await;
    // (In an agency with no change at all the cursor stays 0, and each pull is a first one.)
    cast.owner.create_contact(contact("settings")).await;
    let (changes, cursor) = pull_from(&cast.owner, 0).await;
    let settings = of_kind(&changes, "settings");
    assert_eq!(settings.len(), 1, "a first pull carries the settings: {changes:?}");
    let (_, current) = body(cast.owner.get("/agency/settings").await).await;
    assert_eq!(settings[0]["settings"], current);
    let (nothing, _) = pull_from(&cast.owner, cursor).await;
    assert!(of_kind(&nothing, "settings").is_empty(), "not again while unchanged");

    // A manager adds an objection to the list: every phone of the agency gets it next pull,
    // none of the other agency's.
    let mut changed = current.clone();
    changed["objections"]
        .as_array_mut()
        .unwrap()
        .push(json!({"code": "car_park", "label": "Pas le temps, entre deux rendez-vous"}));
    let (s, saved) = body(cast.manager.put("/agency/settings", &changed).await).await;
    assert_eq!(s, StatusCode::OK, "{saved}");
    let (next, after) = pull_from(&cast.owner, cursor).await;
    let settings = of_kind(&next, "settings");
    assert_eq!(settings.len(), 1, "{next:?}");
    assert!(settings[0]["settings"]["objections"]
        .as_array()
        .unwrap()
        .iter()
        .any(|o| o["code"] == "car_park"));
    let (again, _) = pull_from(&cast.owner, after).await;
    assert!(of_kind(&again, "settings").is_empty());
    let (foreign, _) = pull_from(&cast.foreign, 0).await;
    assert!(!serde_json::to_string(&foreign).unwrap().contains("car_park"));
}

#[tokio::test]
async fn the_team_comes_with_the_settings_and_again_when_someone_joins_leaves_or_changes_role() {
    let app = spawn_app().await;
    let cast = cast(&app).await;
    cast.owner.create_contact(contact("team")).await;
    let names = |changes: &[Value]| -> Vec<String> {
        let team = of_kind(changes, "team");
        assert_eq!(team.len(), 1, "one team row: {changes:?}");
        let mut v: Vec<String> = team[0]["members"]
            .as_array()
            .unwrap()
            .iter()
            .map(|m| {
                format!(
                    "{}:{}",
                    m["display_name"].as_str().unwrap(),
                    m["role"].as_str().unwrap()
                )
            })
            .collect();
        v.sort();
        v
    };
    // A first pull: the agency's members (an advisor's phone too: they share with colleagues),
    // none of the other agency's.
    let (changes, cursor) = pull_from(&cast.owner, 0).await;
    let first = names(&changes);
    assert!(first.contains(&"colleague:advisor".to_string()), "{first:?}");
    assert!(first.iter().any(|m| m.ends_with(":manager")), "{first:?}");
    assert!(!first.iter().any(|m| m.starts_with("foreign")), "{first:?}");
    let (_, rest) = body(cast.manager.get("/agency/users").await).await;
    assert_eq!(
        first.len(),
        rest.as_array().unwrap().len(),
        "the same people as the REST list"
    );
    let (nothing, cursor) = pull_from(&cast.owner, cursor).await;
    assert!(of_kind(&nothing, "team").is_empty(), "not again while unchanged");

    // Someone joins: the next pull has them.
    let (s, inv) = body(
        cast.manager
            .post(
                "/team",
                &json!({"email": "ines@a.fr", "display_name": "Inès Nouvelle", "role": "advisor"}),
            )
            .await,
    )
    .await;
    assert_eq!(s, StatusCode::CREATED, "{inv}");
    let (next, cursor) = pull_from(&cast.owner, cursor).await;
    assert!(names(&next).contains(&"Inès Nouvelle:advisor".to_string()));
    // A colleague becomes a manager, then leaves: each time the next pull says so.
    let path = format!("/team/{}", cast.colleague.id);
    let (s, r) = body(cast.manager.put(&path, &json!({"role": "manager"})).await).await;
    assert_eq!(s, StatusCode::OK, "{r}");
    let (next, cursor) = pull_from(&cast.owner, cursor).await;
    assert!(names(&next).contains(&"colleague:manager".to_string()));
    let (s, r) = body(cast.manager.put(&path, &json!({"disabled": true})).await).await;
    assert_eq!(s, StatusCode::OK, "{r}");
    let (next, _) = pull_from(&cast.owner, cursor).await;
    assert!(!names(&next).iter().any(|m| m.starts_with("colleague")));
    let (foreign, _) = pull_from(&cast.foreign, 0).await;
    assert!(!serde_json::to_string(&foreign).unwrap().contains("Inès"));
}

#[tokio::test]
async fn a_consent_reaches_the_phones_that_see_the_record_and_goes_once_from_an_offline_phone() {
    let app = spawn_app().await;
    let cast = cast(&app).await;
    let c = cast.owner.create_contact(contact("consent")).await;
    let id = c["id"].as_str().unwrap().to_string();
    let (_, owner_cursor) = pull_from(&cast.owner, 0).await;
    let (_, colleague_cursor) = pull_from(&cast.colleague, 0).await;

    // Recorded online: the owner's and the manager's phones get it, not a colleague's without
    // a share, not another agency's.
    let (s, given) = body(
        cast.owner
            .post(
                &format!("/contacts/{id}/consents"),
                &json!({"purpose": "email", "granted": true, "channel": "meeting", "proof": "formulaire signé"}),
            )
            .await,
    )
    .await;
    assert_eq!(s, StatusCode::CREATED, "{given}");
    let (mine, owner_cursor) = pull_from(&cast.owner, owner_cursor).await;
    let consents = about(&mine, "consent", &c["id"]);
    assert_eq!(consents.len(), 1, "{mine:?}");
    assert_eq!(consents[0]["proof"], "formulaire signé");
    let (all, _) = pull_from(&cast.manager, 0).await;
    assert_eq!(about(&all, "consent", &c["id"]).len(), 1);
    let (theirs, _) = pull_from(&cast.colleague, colleague_cursor).await;
    assert!(about(&theirs, "consent", &c["id"]).is_empty(), "{theirs:?}");
    let (foreign, _) = pull_from(&cast.foreign, 0).await;
    assert!(!serde_json::to_string(&foreign).unwrap().contains("formulaire signé"));

    // Recorded offline in the morning, pushed in the afternoon: applied once, dated when it
    // was said; the same consent sent again under another mutation (the REST answer was lost)
    // is applied already, not recorded twice.
    let client = uuid::Uuid::now_v7();
    let consent_id = uuid::Uuid::now_v7();
    let said = "2026-11-30T09:15:00Z";
    let refusal = json!({"contact_id": id, "input": {"id": consent_id, "at": said, "purpose": "sms", "granted": false, "channel": "phone"}});
    let push = |mutations: Value| {
        let owner = &cast.owner;
        async move {
            let (s, r) = body(
                owner
                    .post("/sync/push", &json!({"client_id": client, "mutations": mutations}))
                    .await,
            )
            .await;
            assert_eq!(s, StatusCode::OK, "{r}");
            r
        }
    };
    let r = push(json!([{"id": 1, "name": "record_consent", "args": refusal, "at": said}])).await;
    assert_eq!(r["outcomes"][0]["status"], "applied", "{r}");
    let r = push(json!([{"id": 2, "name": "record_consent", "args": refusal, "at": said}])).await;
    assert_eq!(r["outcomes"][0]["status"], "applied", "{r}");
    let (_, list) = body(cast.owner.get(&format!("/contacts/{id}/consents")).await).await;
    let sms: Vec<&Value> = list
        .as_array()
        .unwrap()
        .iter()
        .filter(|k| k["purpose"] == "sms")
        .collect();
    assert_eq!(sms.len(), 1, "recorded once: {list}");
    assert_eq!(sms[0]["id"], json!(consent_id));
    assert_eq!(sms[0]["at"], said);
    let (next, _) = pull_from(&cast.owner, owner_cursor).await;
    assert_eq!(about(&next, "consent", &c["id"]).len(), 1, "{next:?}");

    // Erased: the consents go with the person, from the phones too.
    let (s, _) = body(
        cast.manager
            .post(&format!("/contacts/{id}/erase"), &json!({"reason": "request"}))
            .await,
    )
    .await;
    assert!(s.is_success(), "erasure: {s}");
    let (_, list) = body(cast.manager.get(&format!("/contacts/{id}/consents")).await).await;
    assert!(list.as_array().is_none_or(|l| l.is_empty()), "{list}");
}
