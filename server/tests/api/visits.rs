//! Meetings, visit reports with objections and referrals, interactions, tasks, the timeline,
//! the Today screen, calendar export and feed, activity reports.

use crate::support::*;
use chrono::{Duration, NaiveDateTime, Utc};
use reqwest::StatusCode;
use serde_json::{json, Value};
use shared::api::Role;
use tournee_server::time::AgencyTime;

/// A local wall-clock time `minutes` from now, as the API takes it.
pub(crate) fn local_in(minutes: i64) -> String {
    let t = AgencyTime::default().local(Utc::now() + Duration::minutes(minutes));
    t.format("%Y-%m-%dT%H:%M").to_string()
}

fn today() -> String {
    AgencyTime::default().today().to_string()
}

pub(crate) async fn meeting(u: &User, contact_id: &Value, starts_at: &str) -> Value {
    let (s, m) = body(
        u.post(
            "/meetings",
            &json!({"contact_id": contact_id, "starts_at": starts_at, "duration_min": 60, "place": "client", "subject": "Bilan"}),
        )
        .await,
    )
    .await;
    assert_eq!(s, StatusCode::CREATED, "{m}");
    m
}

pub(crate) fn report_with_two_objections_and_a_referral() -> Value {
    json!({
        "outcome": "positive",
        "summary": "Intéressé par une épargne retraite pour lui et son épouse.",
        "needs": "Retraite, transmission",
        "interest_signs": "A demandé une simulation",
        "satisfaction": 4,
        "stage_to": "engaged",
        "next_step": "Envoyer la simulation PER",
        "next_step_due": (AgencyTime::default().today() + Duration::days(3)).to_string(),
        "objections": [
            {"code": "price", "answer": "Versements libres dès 50 €", "overcome": true},
            {"text": "Mauvaise expérience avec sa banque", "answer": "Rendez-vous de suivi tous les six mois", "overcome": false}
        ],
        "referrals_asked": true,
        "referrals": [{"first_name": "Paul", "last_name": "Roux", "phone": "06 11 22 33 44", "note": "Son beau-frère, artisan"}],
        "checkin": {"at": Utc::now(), "lat": 45.764, "lon": 4.8357, "accuracy_m": 12.0}
    })
}

pub(crate) async fn contacted_prospect(u: &User, tag: &str) -> Value {
    let mut c = contact(tag);
    c["stage"] = json!("contacted");
    c["stage_reason"] = json!("appel entrant");
    c["address_line"] = json!("12 rue de la République");
    u.create_contact(c).await
}

#[tokio::test]
async fn a_visit_report_records_objections_creates_the_referred_prospect_and_its_tasks() {
    let app = spawn_app().await;
    let agency = app.agency("Agence").await;
    let u = app.user(agency, "a@x.fr", Role::Advisor).await;
    let client = contacted_prospect(&u, "report").await;
    let m = meeting(&u, &client["id"], &local_in(-90)).await;
    assert_eq!(
        m["address"], "12 rue de la République, 69003 Lyon",
        "the client's address by default"
    );
    let mid = m["id"].as_str().unwrap();

    let (s, r) = body(
        u.post(
            &format!("/meetings/{mid}/report"),
            &report_with_two_objections_and_a_referral(),
        )
        .await,
    )
    .await;
    assert_eq!(s, StatusCode::CREATED, "{r}");
    assert_eq!(r["objections"].as_array().unwrap().len(), 2);
    assert_eq!(r["objections"][0]["label"], "Trop cher");
    assert_eq!(r["stage_from"], "contacted");
    assert_eq!(r["stage_to"], "engaged");
    assert_eq!(r["checkin"]["lat"], 45.764);
    assert_eq!(r["tasks"].as_array().unwrap().len(), 2, "thank-you and next step");
    let prospect_id = r["referred"][0]["id"].as_str().unwrap().to_string();

    // The meeting was planned: the report marks it held and moves the record's dates.
    let (_, m) = body(u.get(&format!("/meetings/{mid}")).await).await;
    assert_eq!(m["status"], "held");
    assert_eq!(m["has_report"], true);
    let (_, c) = body(u.get(&format!("/contacts/{}", client["id"].as_str().unwrap())).await).await;
    assert_eq!(c["stage"], "engaged");
    // The meeting's day on the agency's clock: 90 minutes ago is yesterday just after midnight.
    let meeting_day = &m["local_start"].as_str().unwrap()[..10];
    assert_eq!(c["last_meeting_on"], json!(meeting_day));
    assert_eq!(c["last_contact_on"], json!(meeting_day));
    assert_eq!(c["referrals_made"], 1);

    // The referred prospect, linked both ways.
    let (_, p) = body(u.get(&format!("/contacts/{prospect_id}")).await).await;
    assert_eq!(p["stage"], "referred");
    assert_eq!(p["referred_by"], client["id"]);
    assert_eq!(p["owner_id"], json!(u.id));
    assert_eq!(p["phone_mobile"], "+33611223344");
    let (_, chain) = body(
        u.get(&format!("/contacts/{}/referrals", client["id"].as_str().unwrap()))
            .await,
    )
    .await;
    assert_eq!(chain["referred"][0]["id"], json!(prospect_id));
    let (_, chain) = body(u.get(&format!("/contacts/{prospect_id}/referrals")).await).await;
    assert_eq!(chain["referred_by"]["id"], client["id"]);

    // The tasks: thank the referrer (high priority, tomorrow) and the next step.
    let (_, tasks) = body(u.get("/tasks?scope=open").await).await;
    let titles: Vec<&str> = tasks
        .as_array()
        .unwrap()
        .iter()
        .map(|t| t["title"].as_str().unwrap())
        .collect();
    assert!(
        titles.iter().any(|t| t.starts_with("Remercier TEST REPORT Jeanne")),
        "{titles:?}"
    );
    assert!(titles.contains(&"Envoyer la simulation PER"), "{titles:?}");
    let thanks = tasks
        .as_array()
        .unwrap()
        .iter()
        .find(|t| t["source"] == "referral_thanks")
        .unwrap();
    assert_eq!(thanks["priority"], "high");
    assert_eq!(thanks["notes"], "ROUX Paul");

    // The timeline tells the story, newest first.
    let (_, tl) = body(
        u.get(&format!("/contacts/{}/timeline", client["id"].as_str().unwrap()))
            .await,
    )
    .await;
    let kinds: Vec<&str> = tl["items"]
        .as_array()
        .unwrap()
        .iter()
        .map(|e| e["kind"].as_str().unwrap())
        .collect();
    for k in ["meeting", "report", "objection", "referral", "stage"] {
        assert!(kinds.contains(&k), "{k} missing from {kinds:?}");
    }
    let times: Vec<&str> = tl["items"]
        .as_array()
        .unwrap()
        .iter()
        .map(|e| e["at"].as_str().unwrap())
        .collect();
    assert!(times.windows(2).all(|w| w[0] >= w[1]), "newest first: {times:?}");

    // One report per meeting.
    let (s, e) = body(
        u.post(
            &format!("/meetings/{mid}/report"),
            &report_with_two_objections_and_a_referral(),
        )
        .await,
    )
    .await;
    assert_eq!(s, StatusCode::CONFLICT, "{e}");

    // When the referred prospect becomes a client, the advisor is told to inform the referrer.
    let (s, e) = body(
        u.post(
            &format!("/contacts/{prospect_id}/stage"),
            &json!({"kind": "move", "to": "client", "reason": "signature directe"}),
        )
        .await,
    )
    .await;
    assert_eq!(s, StatusCode::OK, "{e}");
    let (_, tasks) = body(u.get("/tasks?scope=open").await).await;
    let inform = tasks
        .as_array()
        .unwrap()
        .iter()
        .find(|t| t["source"] == "referral_outcome")
        .expect("inform task");
    assert_eq!(
        inform["title"],
        "Informer TEST REPORT Jeanne : ROUX Paul est devenu client"
    );
    assert_eq!(inform["contact_id"], client["id"]);
    let (_, rep) = body(u.get("/reports/referrals").await).await;
    let me = &rep["advisors"][0];
    assert_eq!(
        (
            me["reports"].as_i64(),
            me["asked"].as_i64(),
            me["obtained"].as_i64(),
            me["converted"].as_i64()
        ),
        (Some(1), Some(1), Some(1), Some(1))
    );
}

#[tokio::test]
async fn a_bad_report_is_refused_field_by_field_and_saves_nothing() {
    let app = spawn_app().await;
    let agency = app.agency("Agence").await;
    let u = app.user(agency, "a@x.fr", Role::Advisor).await;
    let client = contacted_prospect(&u, "bad").await;
    let m = meeting(&u, &client["id"], &local_in(-30)).await;
    let mid = m["id"].as_str().unwrap();
    let mut r = report_with_two_objections_and_a_referral();
    r["objections"][0]["code"] = json!("unknown_code");
    r["referrals"][0]["phone"] = json!("");
    let (s, e) = body(u.post(&format!("/meetings/{mid}/report"), &r).await).await;
    assert_eq!(s, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(e["fields"]["objections.0.code"].is_string(), "{e}");
    assert!(e["fields"]["referrals.0.phone"].is_string(), "{e}");
    // A stage the rules refuse (back from contacted to qualified) rolls everything back.
    let mut r = report_with_two_objections_and_a_referral();
    r["stage_to"] = json!("qualified");
    let (s, e) = body(u.post(&format!("/meetings/{mid}/report"), &r).await).await;
    assert_eq!(s, StatusCode::UNPROCESSABLE_ENTITY, "{e}");
    assert!(e["fields"]["stage_to"].is_string(), "{e}");
    let (_, m) = body(u.get(&format!("/meetings/{mid}")).await).await;
    assert_eq!(m["status"], "planned", "rolled back");
    assert_eq!(m["has_report"], false);
    let (_, list) = body(u.get("/contacts?q=roux").await).await;
    assert!(list["items"].as_array().unwrap().is_empty(), "no prospect created");
    let (_, tasks) = body(u.get("/tasks?scope=open").await).await;
    assert!(tasks.as_array().unwrap().is_empty());
    // Malformed JSON is a 400 with the JSON error shape.
    let (s, e) = body(
        u.raw(
            reqwest::Method::POST,
            &format!("/meetings/{mid}/report"),
            "application/json",
            "{\"outcome\":",
        )
        .await,
    )
    .await;
    assert_eq!(s, StatusCode::BAD_REQUEST);
    assert!(e["detail"].is_string());
    // A cancelled meeting has no report.
    assert_eq!(
        u.post(
            &format!("/meetings/{mid}/status"),
            &json!({"status": "cancelled", "reason": "malade"})
        )
        .await
        .status(),
        StatusCode::OK
    );
    let (s, _) = body(
        u.post(
            &format!("/meetings/{mid}/report"),
            &report_with_two_objections_and_a_referral(),
        )
        .await,
    )
    .await;
    assert_eq!(s, StatusCode::CONFLICT);
}

#[tokio::test]
async fn meetings_are_planned_rescheduled_cancelled_and_listed_by_day() {
    let app = spawn_app().await;
    let agency = app.agency("Agence").await;
    let u = app.user(agency, "a@x.fr", Role::Advisor).await;
    let c = contacted_prospect(&u, "agenda").await;
    let tomorrow = AgencyTime::default().today() + Duration::days(1);
    let m = meeting(&u, &c["id"], &format!("{tomorrow}T10:00")).await;
    let mid = m["id"].as_str().unwrap();
    assert_eq!(m["local_start"], format!("{tomorrow}T10:00:00"));
    assert_eq!(m["status"], "planned");

    let (_, day) = body(u.get(&format!("/meetings?from={tomorrow}")).await).await;
    assert_eq!(day.as_array().unwrap().len(), 1);
    let (_, other_day) = body(u.get(&format!("/meetings?from={}", tomorrow + Duration::days(1))).await).await;
    assert!(other_day.as_array().unwrap().is_empty());
    let (_, week) = body(
        u.get(&format!(
            "/meetings?from={}&to={}",
            tomorrow - Duration::days(1),
            tomorrow + Duration::days(5)
        ))
        .await,
    )
    .await;
    assert_eq!(week.as_array().unwrap().len(), 1);

    // Reschedule, with the version read.
    let edit = json!({"contact_id": c["id"], "starts_at": format!("{tomorrow}T14:30"), "duration_min": 45, "place": "agency", "expected_seq": m["seq"]});
    let (s, moved) = body(u.put(&format!("/meetings/{mid}"), &edit).await).await;
    assert_eq!(s, StatusCode::OK, "{moved}");
    assert_eq!(moved["local_start"], format!("{tomorrow}T14:30:00"));
    let (s, _) = body(u.put(&format!("/meetings/{mid}"), &edit).await).await;
    assert_eq!(s, StatusCode::CONFLICT, "stale expected_seq");
    let (_, tl) = body(
        u.get(&format!("/contacts/{}/timeline", c["id"].as_str().unwrap()))
            .await,
    )
    .await;
    assert!(tl["items"]
        .as_array()
        .unwrap()
        .iter()
        .any(|e| e["title"] == "RDV déplacé"));

    // Not held before it happens; cancelled with a reason; then hidden from the agenda.
    let (s, _) = body(
        u.post(&format!("/meetings/{mid}/status"), &json!({"status": "held"}))
            .await,
    )
    .await;
    assert_eq!(s, StatusCode::CONFLICT);
    let (s, x) = body(
        u.post(
            &format!("/meetings/{mid}/status"),
            &json!({"status": "cancelled", "reason": "client malade"}),
        )
        .await,
    )
    .await;
    assert_eq!(s, StatusCode::OK, "{x}");
    assert_eq!(x["status_reason"], "client malade");
    let (_, day) = body(u.get(&format!("/meetings?from={tomorrow}")).await).await;
    assert!(day.as_array().unwrap().is_empty());
    let (_, day) = body(
        u.get(&format!("/meetings?from={tomorrow}&include_cancelled=true"))
            .await,
    )
    .await;
    assert_eq!(day.as_array().unwrap().len(), 1);
    let (s, _) = body(
        u.post(&format!("/meetings/{mid}/status"), &json!({"status": "no_show"}))
            .await,
    )
    .await;
    assert_eq!(s, StatusCode::CONFLICT, "cancelled → no-show is refused");

    // Bad input: a time skipped by the clock change, a silly duration, a record not found.
    let (s, e) = body(
        u.post(
            "/meetings",
            &json!({"contact_id": c["id"], "starts_at": "2027-03-28T02:30", "duration_min": 60, "place": "town"}),
        )
        .await,
    )
    .await;
    assert_eq!(s, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(e["fields"]["starts_at"].is_string(), "{e}");
    let (s, e) = body(
        u.post(
            "/meetings",
            &json!({"contact_id": c["id"], "starts_at": "2027-01-05T10:00", "duration_min": 2, "place": "town"}),
        )
        .await,
    )
    .await;
    assert_eq!(s, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(e["fields"]["duration_min"].is_string(), "{e}");
    let (s, e) = body(u.post("/meetings", &json!({"contact_id": shared::new_id(), "starts_at": "2027-01-05T10:00", "duration_min": 30, "place": "town"})).await).await;
    assert_eq!(s, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(e["fields"]["contact_id"].is_string(), "{e}");
    let (s, _) = body(u.get("/meetings?from=2026-01-10&to=2026-01-01").await).await;
    assert_eq!(s, StatusCode::BAD_REQUEST);
}

#[tokio::test]
async fn calls_move_the_last_contact_dates_and_call_back_opens_a_task() {
    let app = spawn_app().await;
    let agency = app.agency("Agence").await;
    let u = app.user(agency, "a@x.fr", Role::Advisor).await;
    let c = u.create_contact(contact("calls")).await;
    let id = c["id"].as_str().unwrap();
    let (s, e) = body(
        u.post(&format!("/contacts/{id}/interactions"), &json!({"kind": "call"}))
            .await,
    )
    .await;
    assert_eq!(s, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(e["fields"]["outcome"].is_string());

    let (s, _) = body(
        u.post(
            &format!("/contacts/{id}/interactions"),
            &json!({"kind": "call", "outcome": "no_answer"}),
        )
        .await,
    )
    .await;
    assert_eq!(s, StatusCode::CREATED);
    let (_, after) = body(u.get(&format!("/contacts/{id}")).await).await;
    assert_eq!(after["last_call_on"], Value::Null, "nobody answered: not a contact");

    let (s, _) = body(
        u.post(
            &format!("/contacts/{id}/interactions"),
            &json!({"kind": "email", "note": "Envoi de la plaquette"}),
        )
        .await,
    )
    .await;
    assert_eq!(s, StatusCode::CREATED);
    let (_, after) = body(u.get(&format!("/contacts/{id}")).await).await;
    assert_eq!(after["last_contact_on"], json!(today()));
    assert_eq!(after["last_call_on"], Value::Null);

    let back = AgencyTime::default().today() + Duration::days(2);
    let (s, _) = body(
        u.post(
            &format!("/contacts/{id}/interactions"),
            &json!({"kind": "call", "outcome": "call_back", "call_back_on": back, "note": "rappeler après 18h"}),
        )
        .await,
    )
    .await;
    assert_eq!(s, StatusCode::CREATED);
    let (_, tasks) = body(u.get(&format!("/tasks?scope=open&contact_id={id}")).await).await;
    assert_eq!(tasks[0]["title"], "Rappeler TEST CALLS Jeanne");
    assert_eq!(tasks[0]["due_on"], json!(back.to_string()));

    let (s, _) = body(
        u.post(
            &format!("/contacts/{id}/interactions"),
            &json!({"kind": "call", "outcome": "reached"}),
        )
        .await,
    )
    .await;
    assert_eq!(s, StatusCode::CREATED);
    let (_, after) = body(u.get(&format!("/contacts/{id}")).await).await;
    assert_eq!(after["last_call_on"], json!(today()));
    let (_, tl) = body(u.get(&format!("/contacts/{id}/timeline")).await).await;
    assert_eq!(tl["items"][0]["title"], "Appel : joint");
}

#[tokio::test]
async fn tasks_are_listed_by_scope_and_done_undone() {
    let app = spawn_app().await;
    let agency = app.agency("Agence").await;
    let u = app.user(agency, "a@x.fr", Role::Advisor).await;
    let other = app.user(agency, "b@x.fr", Role::Advisor).await;
    let d = |days: i64| (AgencyTime::default().today() + Duration::days(days)).to_string();
    let mut ids = Vec::new();
    for (title, due, prio) in [
        ("late", d(-2), "normal"),
        ("today high", d(0), "high"),
        ("today low", d(0), "low"),
        ("later", d(5), "normal"),
    ] {
        let (s, t) = body(
            u.post("/tasks", &json!({"title": title, "due_on": due, "priority": prio}))
                .await,
        )
        .await;
        assert_eq!(s, StatusCode::CREATED, "{t}");
        ids.push(t["id"].as_str().unwrap().to_string());
    }
    let titles = |v: &Value| {
        v.as_array()
            .unwrap()
            .iter()
            .map(|t| t["title"].as_str().unwrap().to_string())
            .collect::<Vec<_>>()
    };
    let (_, due) = body(u.get("/tasks").await).await;
    assert_eq!(titles(&due), ["late", "today high", "today low"]);
    let (_, late) = body(u.get("/tasks?scope=overdue").await).await;
    assert_eq!(titles(&late), ["late"]);
    let (s, t) = body(u.post(&format!("/tasks/{}/done", ids[0]), &json!({"done": true})).await).await;
    assert_eq!(s, StatusCode::OK);
    assert!(t["done_at"].is_string());
    let (_, done) = body(u.get("/tasks?scope=done").await).await;
    assert_eq!(titles(&done), ["late"]);
    let (_, t) = body(
        u.post(&format!("/tasks/{}/done", ids[0]), &json!({"done": false}))
            .await,
    )
    .await;
    assert!(t["done_at"].is_null());
    // Someone else's task is not found; an empty title is refused.
    assert_eq!(
        other
            .post(&format!("/tasks/{}/done", ids[1]), &json!({"done": true}))
            .await
            .status(),
        StatusCode::NOT_FOUND
    );
    assert_eq!(
        other.get(&format!("/tasks?owner={}", u.id)).await.status(),
        StatusCode::FORBIDDEN
    );
    let (s, e) = body(u.post("/tasks", &json!({"title": " ", "due_on": d(0)})).await).await;
    assert_eq!(s, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(e["fields"]["title"].is_string());
    assert_eq!(
        u.delete(&format!("/tasks/{}", ids[3])).await.status(),
        StatusCode::NO_CONTENT
    );
    let (_, open) = body(u.get("/tasks?scope=open").await).await;
    assert_eq!(open.as_array().unwrap().len(), 3);
    // A manager's task for the advisor, on a record: the answer to the create is what a read
    // finds (names of the owner and the record included).
    let manager = app.user(agency, "m@x.fr", Role::Manager).await;
    let record = u.create_contact(contact("Tâche")).await;
    let (s, made) = body(
        manager
            .post(
                "/tasks",
                &json!({"title": "Rappeler", "due_on": d(1), "owner_id": u.id, "contact_id": record["id"]}),
            )
            .await,
    )
    .await;
    assert_eq!(s, StatusCode::CREATED, "{made}");
    let (_, read) = body(u.get(&format!("/tasks/{}", made["id"].as_str().unwrap())).await).await;
    assert_eq!(made, read);
    assert_eq!(read["owner_name"], "a");
    assert!(
        read["contact_name"]
            .as_str()
            .is_some_and(|n| n.to_lowercase().contains("tâche")),
        "{read}"
    );
}

#[tokio::test]
async fn today_shows_the_days_meetings_due_tasks_and_overdue_clients() {
    let app = spawn_app().await;
    let agency = app.agency("Agence").await;
    let u = app.user(agency, "a@x.fr", Role::Advisor).await;
    let mut late = contact("today-client");
    late["stage"] = json!("client");
    late["stage_reason"] = json!("reprise");
    late["last_meeting_on"] = json!("2024-01-01");
    late["last_call_on"] = json!("2024-01-01");
    let client = u.create_contact(late).await;
    // Meetings around now, but both today.
    let now_local = AgencyTime::default().local(Utc::now());
    let at = |h: u32| format!("{}T{h:02}:00", now_local.date());
    meeting(&u, &client["id"], &at(23)).await;
    meeting(&u, &client["id"], &at(0)).await;
    let (_, t) = body(u.get("/today").await).await;
    assert_eq!(t["date"], json!(today()));
    let starts: Vec<&str> = t["meetings"]
        .as_array()
        .unwrap()
        .iter()
        .map(|m| m["local_start"].as_str().unwrap())
        .collect();
    assert_eq!(starts.len(), 2);
    assert!(starts[0] < starts[1], "in order");
    assert_eq!(t["overdue"][0]["contact"]["id"], client["id"]);

    // Cadence tasks are opened once per record, and closed by the meeting held.
    let n = app
        .store
        .generate_cadence_tasks(agency, AgencyTime::default().today())
        .await
        .unwrap();
    assert_eq!(n, 1);
    assert_eq!(
        app.store
            .generate_cadence_tasks(agency, AgencyTime::default().today())
            .await
            .unwrap(),
        0
    );
    let (_, t) = body(u.get("/today").await).await;
    assert!(
        t["tasks"].as_array().unwrap().iter().any(|x| x["source"] == "cadence"),
        "{t}"
    );
    let past = meeting(&u, &client["id"], &local_in(-120)).await;
    let (s, _) = body(
        u.post(
            &format!("/meetings/{}/status", past["id"].as_str().unwrap()),
            &json!({"status": "held"}),
        )
        .await,
    )
    .await;
    assert_eq!(s, StatusCode::OK);
    let (_, t) = body(u.get("/today").await).await;
    assert!(!t["tasks"].as_array().unwrap().iter().any(|x| x["source"] == "cadence"));
    assert_eq!(t["reports_missing"][0]["id"], past["id"]);
    let (_, c) = body(u.get(&format!("/contacts/{}", client["id"].as_str().unwrap())).await).await;
    assert!(
        c["next_meeting_due"].as_str().unwrap() > today().as_str(),
        "met today: next meeting later"
    );
}

#[tokio::test]
async fn the_timeline_pages_newest_first_without_gaps_or_repeats() {
    let app = spawn_app().await;
    let agency = app.agency("Agence").await;
    let u = app.user(agency, "a@x.fr", Role::Advisor).await;
    let c = u.create_contact(contact("pages")).await;
    let id = c["id"].as_str().unwrap();
    let base = Utc::now() - Duration::days(10);
    for i in 0..45 {
        // Some share a timestamp: the cursor must still not skip or repeat.
        let at = base + Duration::minutes(i / 3);
        let (s, e) = body(
            u.post(
                &format!("/contacts/{id}/interactions"),
                &json!({"kind": "sms", "note": format!("n{i}"), "at": at}),
            )
            .await,
        )
        .await;
        assert_eq!(s, StatusCode::CREATED, "{e}");
    }
    let mut seen = Vec::new();
    let mut cursor: Option<String> = None;
    loop {
        let path = match &cursor {
            Some(c) => format!("/contacts/{id}/timeline?limit=20&before={c}"),
            None => format!("/contacts/{id}/timeline?limit=20"),
        };
        let (s, page) = body(u.get(&path).await).await;
        assert_eq!(s, StatusCode::OK, "{page}");
        for e in page["items"].as_array().unwrap() {
            seen.push((
                e["at"].as_str().unwrap().to_string(),
                e["id"].as_str().unwrap().to_string(),
            ));
        }
        match page["next"].as_str() {
            Some(n) => cursor = Some(n.to_string()),
            None => break,
        }
    }
    assert_eq!(seen.len(), 46, "45 SMS and the creation");
    let mut sorted = seen.clone();
    sorted.sort_by(|a, b| b.cmp(a));
    sorted.dedup();
    assert_eq!(sorted.len(), 46, "no repeats");
    assert_eq!(
        u.get(&format!("/contacts/{id}/timeline?before=garbage")).await.status(),
        StatusCode::BAD_REQUEST
    );
}

pub(crate) fn parse_ics(text: &str) -> Vec<ical::parser::ical::component::IcalCalendar> {
    ical::IcalParser::new(std::io::BufReader::new(text.as_bytes()))
        .collect::<Result<Vec<_>, _>>()
        .expect("valid iCalendar")
}

pub(crate) fn prop<'a>(e: &'a ical::parser::ical::component::IcalEvent, name: &str) -> Option<&'a str> {
    e.properties
        .iter()
        .find(|p| p.name == name)
        .and_then(|p| p.value.as_deref())
}

#[tokio::test]
async fn the_day_exports_to_ics_and_the_feed_url_is_secret_and_revocable() {
    let app = spawn_app().await;
    let agency = app.agency("Agence").await;
    let u = app.user(agency, "a@x.fr", Role::Advisor).await;
    let c = contacted_prospect(&u, "ics").await;
    let day = AgencyTime::default().today() + Duration::days(1);
    let m = meeting(&u, &c["id"], &format!("{day}T09:15")).await;

    let r = u.get(&format!("/meetings.ics?from={day}")).await;
    assert_eq!(r.status(), StatusCode::OK);
    assert!(r.headers()["content-type"]
        .to_str()
        .unwrap()
        .starts_with("text/calendar"));
    let text = r.text().await.unwrap();
    assert!(text.contains("\r\n"), "CRLF line ends");
    let cals = parse_ics(&text);
    assert_eq!(cals.len(), 1);
    let cal = &cals[0];
    assert!(cal
        .properties
        .iter()
        .any(|p| p.name == "VERSION" && p.value.as_deref() == Some("2.0")));
    assert!(cal.properties.iter().any(|p| p.name == "PRODID"));
    assert_eq!(cal.events.len(), 1);
    let e = &cal.events[0];
    assert_eq!(
        prop(e, "UID").unwrap(),
        format!("{}@tournee", m["id"].as_str().unwrap())
    );
    assert!(prop(e, "DTSTAMP").is_some());
    let start = prop(e, "DTSTART").unwrap();
    let expected = AgencyTime::default()
        .instant(NaiveDateTime::parse_from_str(&format!("{day}T09:15"), "%Y-%m-%dT%H:%M").unwrap())
        .unwrap()
        .format("%Y%m%dT%H%M%SZ")
        .to_string();
    assert_eq!(start, expected, "UTC start");
    assert!(prop(e, "SUMMARY").unwrap().contains("TEST ICS Jeanne"));
    assert_eq!(prop(e, "LOCATION").unwrap(), "12 rue de la République\\, 69003 Lyon");

    // The subscription: shown once, readable without a session, revocable.
    let anon = anonymous(&app);
    let (s, feed) = body(u.post("/calendar/feed", &json!(null)).await).await;
    assert_eq!(s, StatusCode::CREATED);
    let url = feed["url"].as_str().unwrap().to_string();
    let (_, status) = body(u.get("/calendar/feed").await).await;
    assert_eq!(status["active"], true);
    assert!(status["url"].is_null(), "never shown again");
    let fetch = |path: String| {
        let client = anon.client.clone();
        let base = app.url.clone();
        async move { client.get(format!("{base}{path}")).send().await.unwrap() }
    };
    let r = fetch(url.clone()).await;
    assert_eq!(r.status(), StatusCode::OK);
    let cals = parse_ics(&r.text().await.unwrap());
    assert_eq!(cals[0].events.len(), 1);
    assert_eq!(
        fetch("/ical/not-a-token.ics".into()).await.status(),
        StatusCode::NOT_FOUND
    );
    // A new URL replaces the old one; revoking ends it.
    let (_, feed2) = body(u.post("/calendar/feed", &json!(null)).await).await;
    let url2 = feed2["url"].as_str().unwrap().to_string();
    assert_ne!(url, url2);
    assert_eq!(fetch(url).await.status(), StatusCode::NOT_FOUND);
    assert_eq!(u.delete("/calendar/feed").await.status(), StatusCode::NO_CONTENT);
    assert_eq!(fetch(url2).await.status(), StatusCode::NOT_FOUND);
    assert_eq!(anon.get("/meetings.ics").await.status(), StatusCode::UNAUTHORIZED);
}

#[tokio::test]
async fn objection_reports_count_and_group_per_advisor() {
    let app = spawn_app().await;
    let agency = app.agency("Agence").await;
    let a = app.user(agency, "a@x.fr", Role::Advisor).await;
    let b = app.user(agency, "b@x.fr", Role::Advisor).await;
    let boss = app.user(agency, "boss@x.fr", Role::Manager).await;
    for (u, tag, overcome) in [(&a, "o1", true), (&a, "o2", false), (&b, "o3", true)] {
        let c = contacted_prospect(u, tag).await;
        let m = meeting(u, &c["id"], &local_in(-60)).await;
        let r = json!({"outcome": "follow_up", "objections": [
            {"code": "price", "overcome": overcome},
            {"text": "Pas confiance", "overcome": false}
        ]});
        let (s, e) = body(
            u.post(&format!("/meetings/{}/report", m["id"].as_str().unwrap()), &r)
                .await,
        )
        .await;
        assert_eq!(s, StatusCode::CREATED, "{e}");
    }
    let (_, rep) = body(boss.get("/reports/objections").await).await;
    let price = rep["overall"]
        .as_array()
        .unwrap()
        .iter()
        .find(|s| s["code"] == "price")
        .unwrap();
    assert_eq!(
        (price["count"].as_i64(), price["overcome"].as_i64()),
        (Some(3), Some(2))
    );
    let free = rep["overall"]
        .as_array()
        .unwrap()
        .iter()
        .find(|s| s["code"].is_null())
        .unwrap();
    assert_eq!(
        (free["label"].as_str(), free["count"].as_i64()),
        (Some("Pas confiance"), Some(3))
    );
    assert_eq!(rep["by_advisor"].as_array().unwrap().len(), 4);
    // An advisor sees their own figures only.
    let (_, mine) = body(b.get("/reports/objections").await).await;
    let price = mine["overall"]
        .as_array()
        .unwrap()
        .iter()
        .find(|s| s["code"] == "price")
        .unwrap();
    assert_eq!(price["count"], 1);
    // A period before any report is empty.
    let (_, none) = body(boss.get("/reports/objections?from=2020-01-01&to=2020-12-31").await).await;
    assert!(none["overall"].as_array().unwrap().is_empty());
    // The statistics' own address answers the same as the former one.
    for kind in ["objections", "referrals"] {
        let (_, old) = body(boss.get(&format!("/reports/{kind}")).await).await;
        let (status, new) = body(boss.get(&format!("/statistics/{kind}")).await).await;
        assert_eq!((status, &new), (StatusCode::OK, &old), "{kind}");
    }
}

#[tokio::test]
async fn meeting_and_visit_routes_follow_the_record_and_the_agency() {
    let app = spawn_app().await;
    let cast = cast(&app).await;
    // (method, path, body, status for owner/manager); colleague and foreign get 404, anonymous 401.
    let routes: Vec<(&str, &str, Value, u16)> = vec![
        ("GET", "/meetings/{mid}", json!(null), 200),
        (
            "PUT",
            "/meetings/{mid}",
            json!({"contact_id": "CID", "starts_at": "2031-01-02T10:00", "duration_min": 30, "place": "town"}),
            200,
        ),
        ("POST", "/meetings/{mid}/status", json!({"status": "cancelled"}), 200),
        (
            "POST",
            "/meetings/{mid}/report",
            json!({"outcome": "positive", "objections": [{"code": "price"}]}),
            201,
        ),
        ("GET", "/meetings/{mid}/report", json!(null), 404),
        ("GET", "/contacts/{cid}/timeline", json!(null), 200),
        ("GET", "/contacts/{cid}/referrals", json!(null), 200),
        ("POST", "/contacts/{cid}/interactions", json!({"kind": "sms"}), 201),
    ];
    let mut n = 0;
    for (method, template, body_template, ok) in routes {
        for who in ["owner", "colleague", "manager", "foreign", "anonymous"] {
            n += 1;
            let c = cast.owner.create_contact(contact(&format!("mz{n}"))).await;
            let starts = if template.ends_with("/report") {
                local_in(-30)
            } else {
                "2031-01-01T10:00".to_string()
            };
            let m = meeting(&cast.owner, &c["id"], &starts).await;
            let path = template
                .replace("{mid}", m["id"].as_str().unwrap())
                .replace("{cid}", c["id"].as_str().unwrap());
            let body_v: Value =
                serde_json::from_str(&body_template.to_string().replace("CID", c["id"].as_str().unwrap())).unwrap();
            let u = match who {
                "owner" => &cast.owner,
                "colleague" => &cast.colleague,
                "manager" => &cast.manager,
                "foreign" => &cast.foreign,
                _ => &cast.anonymous,
            };
            let expected = match who {
                "owner" | "manager" => ok,
                "anonymous" => 401,
                _ => 404,
            };
            let got = match method {
                "GET" => u.get(&path).await.status(),
                "POST" => u.post(&path, &body_v).await.status(),
                _ => u.put(&path, &body_v).await.status(),
            };
            assert_eq!(got.as_u16(), expected, "{method} {template} as {who}");
            if expected >= 400 && method != "GET" {
                let (_, after) = body(
                    cast.owner
                        .get(&format!("/meetings/{}", m["id"].as_str().unwrap()))
                        .await,
                )
                .await;
                assert_eq!(
                    after["seq"], m["seq"],
                    "{method} {template} as {who} changed the meeting"
                );
                let (_, tl) = body(
                    cast.owner
                        .get(&format!("/contacts/{}/timeline", c["id"].as_str().unwrap()))
                        .await,
                )
                .await;
                assert_eq!(
                    tl["items"].as_array().unwrap().len(),
                    2,
                    "{method} {template} as {who} wrote to the timeline"
                );
            }
        }
    }
    // Agendas and task lists of others: managers only, and never across agencies.
    let path = format!("/meetings?owner={}", cast.owner.id);
    assert_eq!(cast.colleague.get(&path).await.status(), StatusCode::FORBIDDEN);
    assert_eq!(cast.manager.get(&path).await.status(), StatusCode::OK);
    let (s, theirs) = body(cast.foreign_manager.get(&format!("{path}&from=2031-01-01")).await).await;
    assert_eq!(s, StatusCode::OK);
    assert!(
        theirs.as_array().unwrap().is_empty(),
        "another agency's agenda is empty"
    );
    // The agency's day (every advisor's meetings): the manager's team view, nobody else's.
    let team = "/meetings?team=true&from=2031-01-01&to=2031-01-01";
    assert_eq!(cast.owner.get(team).await.status(), StatusCode::FORBIDDEN);
    let (s, all) = body(cast.manager.get(team).await).await;
    assert_eq!(s, StatusCode::OK);
    let all = all.as_array().unwrap();
    assert!(
        !all.is_empty() && all.iter().all(|m| m["owner_id"] == json!(cast.owner.id)),
        "the owner's meetings, in the agency's day"
    );
    let (_, foreign_team) = body(cast.foreign_manager.get(team).await).await;
    assert!(foreign_team.as_array().unwrap().is_empty(), "never another agency's");
    // An advisor cannot plan for a colleague; a manager can.
    let c = cast.owner.create_contact(contact("assign")).await;
    let plan = json!({"contact_id": c["id"], "starts_at": "2031-02-01T10:00", "duration_min": 30, "place": "town", "owner_id": cast.colleague.id});
    assert_eq!(
        cast.owner.post("/meetings", &plan).await.status(),
        StatusCode::FORBIDDEN
    );
    assert_eq!(
        cast.manager.post("/meetings", &plan).await.status(),
        StatusCode::CREATED
    );
    for u in [&cast.anonymous] {
        for p in [
            "/today",
            "/tasks",
            "/meetings",
            "/reports/objections",
            "/reports/referrals",
            "/calendar/feed",
        ] {
            assert_eq!(u.get(p).await.status(), StatusCode::UNAUTHORIZED, "{p}");
        }
    }
}

#[tokio::test]
async fn the_demo_has_todays_meetings_past_reports_and_tasks() {
    let app = spawn_app().await;
    let today = AgencyTime::default().today();
    tournee_server::demo::load(&app.store, today, 80).await.unwrap();
    let julien = demo_user(&app, "julien.bernard@demo.tournee.fr").await;
    let (_, t) = body(julien.get("/today").await).await;
    assert_eq!(t["meetings"].as_array().unwrap().len(), 4, "{t}");
    assert!(!t["tasks"].as_array().unwrap().is_empty());
    let (_, rep) = body(
        julien
            .get(&format!("/reports/objections?from={}", today - Duration::days(60)))
            .await,
    )
    .await;
    assert!(!rep["overall"].as_array().unwrap().is_empty(), "{rep}");
    let (_, refs) = body(
        julien
            .get(&format!("/reports/referrals?from={}", today - Duration::days(60)))
            .await,
    )
    .await;
    assert!(refs["advisors"][0]["reports"].as_i64().unwrap() > 3, "{refs}");
    // Offers: a pipeline in several months, some signed, each offer with its history.
    let (_, p) = body(julien.get("/statistics/pipeline").await).await;
    let months = p["months"].as_array().unwrap();
    assert!(months.len() >= 3, "{p}");
    assert!(months.iter().any(|m| m["signed_count"].as_i64().unwrap() > 0), "{p}");
    assert!(
        months
            .iter()
            .map(|m| m["weighted_cents"].as_i64().unwrap())
            .sum::<i64>()
            > 0
    );
    // Complaints in every phase, one late and one about to be, for the whole agency.
    let claire = demo_user(&app, "claire.martin@demo.tournee.fr").await;
    let (_, d) = body(claire.get("/statistics/complaints").await).await;
    assert!(
        d["by_phase"]
            .as_array()
            .unwrap()
            .iter()
            .all(|p| p["count"].as_i64().unwrap() > 0),
        "{d}"
    );
    assert!(
        d["late"].as_i64().unwrap() >= 1 && d["soon"].as_i64().unwrap() >= 1,
        "{d}"
    );
    // A history of stage changes over past months: the film has conversions, the photo of
    // three months ago differs from today's.
    let (_, film) = body(claire.get("/statistics/film").await).await;
    let total = &film["lines"][0];
    assert!(
        total["contacted_to_engaged"]["converted"].as_i64().unwrap() > 0,
        "{film}"
    );
    assert_ne!(film["start"]["cells"], film["end"]["cells"]);
}
