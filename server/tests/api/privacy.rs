//! Privacy (issue 11, domain §8): erasure on request leaves nothing about the person in any
//! table — a scan of every column of every table says so — keeps the anonymous counts, tells a
//! phone that synced before to drop the record, and lands in the audit log. On SQLite and
//! PostgreSQL.

use crate::support::*;
use reqwest::StatusCode;
use serde_json::{json, Value};
use sqlx::{Connection, Row};

/// The person's data as written anywhere: what the scan looks for (lowercase).
const TRACES: [&str; 6] = [
    "quasimodo",
    "zebulon.q@exemple.fr",
    "+33619283746",
    "0619283746",
    "06 19 28 37 46",
    "impasse des lilas",
];

/// Counts, on one connection, the rows of each `(table, column)` whose text holds a trace:
/// `(table, column, trace, rows)` for each count above zero. `$ph` is the engine's placeholder.
macro_rules! traces_in {
    ($conn:expr, $columns:expr, $ph:literal) => {{
        let mut found = Vec::new();
        for (table, column) in $columns {
            for trace in TRACES {
                let sql = format!(
                    "SELECT COUNT(*) FROM \"{table}\" WHERE LOWER(CAST(\"{column}\" AS TEXT)) LIKE {}",
                    $ph
                );
                let n: i64 = sqlx::query_scalar(&sql)
                    .bind(format!("%{trace}%"))
                    .fetch_one(&mut $conn)
                    .await
                    .unwrap();
                if n > 0 {
                    found.push((table.clone(), column.clone(), trace.to_string(), n));
                }
            }
        }
        found
    }};
}

/// Every (table, column, trace, row count) whose text holds one of the traces, over every
/// column of every table of the database.
async fn scan(database_url: &str) -> Vec<(String, String, String, i64)> {
    if database_url.starts_with("sqlite:") {
        let mut conn = sqlx::SqliteConnection::connect(database_url).await.unwrap();
        let columns: Vec<(String, String)> = sqlx::query(
            "SELECT m.name, p.name FROM sqlite_master m JOIN pragma_table_info(m.name) p \
             WHERE m.type = 'table' AND m.name NOT LIKE 'sqlite_%'",
        )
        .fetch_all(&mut conn)
        .await
        .unwrap()
        .iter()
        .map(|r| (r.get(0), r.get(1)))
        .collect();
        assert!(columns.len() >= 100, "{columns:?}");
        traces_in!(conn, columns, "?")
    } else {
        let mut conn = sqlx::PgConnection::connect(database_url).await.unwrap();
        let columns: Vec<(String, String)> = sqlx::query(
            "SELECT table_name::text, column_name::text FROM information_schema.columns WHERE table_schema = current_schema()",
        )
        .fetch_all(&mut conn)
        .await
        .unwrap()
        .iter()
        .map(|r| (r.get(0), r.get(1)))
        .collect();
        assert!(columns.len() >= 100);
        traces_in!(conn, columns, "$1")
    }
}

#[tokio::test]
async fn an_erased_person_is_gone_from_every_table_and_from_the_phone() {
    let app = spawn_app().await;
    let cast = cast(&app).await;
    let mut p = contact("erase-me");
    p["first_name"] = json!("Zébulon");
    p["last_name"] = json!("Quasimodo");
    p["email"] = json!("zebulon.q@exemple.fr");
    p["phone_mobile"] = json!("06 19 28 37 46");
    p["address_line"] = json!("4 impasse des Lilas");
    p["notes"] = json!("Préfère être appelé le soir");
    p["stage"] = json!("contacted");
    p["stage_reason"] = json!("Zébulon Quasimodo a appelé l'agence");
    let p = cast.owner.create_contact(p).await;
    let id = p["id"].as_str().unwrap().to_string();
    // Someone else's record that speaks of them, and a prospect they referred.
    let mut other = contact("erase-other");
    other["notes"] = json!("Voisin de Zébulon Quasimodo (zebulon.q@exemple.fr, 06 19 28 37 46)");
    let other = cast.owner.create_contact(other).await;

    // The phone of the advisor synced before the erasure.
    let (status, first) = body(cast.owner.get("/sync/pull?cursor=0&limit=1000").await).await;
    assert_eq!(status, StatusCode::OK, "{first}");
    let cursor = first["cursor"].as_i64().unwrap();

    // Everything a field day leaves about a person.
    let (s, m) = body(
        cast.owner
            .post(
                "/meetings",
                &json!({"contact_id": id, "starts_at": format!("{}T10:00", (chrono::Utc::now() - chrono::Duration::days(2)).date_naive()), "duration_min": 60, "place": "client",
                    "subject": "Bilan avec Zébulon Quasimodo", "address": "4 impasse des Lilas"}),
            )
            .await,
    )
    .await;
    assert_eq!(s, StatusCode::CREATED, "{m}");
    let report = json!({
        "outcome": "positive",
        "summary": "Zébulon Quasimodo veut préparer sa retraite",
        "stage_to": "engaged",
        "next_step": "Rappeler Zébulon Quasimodo",
        "next_step_due": "2027-01-12",
        "objections": [{"text": "Quasimodo trouve les frais élevés", "answer": "Frais dégressifs", "overcome": true}],
        "referrals_asked": true,
        "referrals": [{"first_name": "Paul", "last_name": "Esmeralda", "phone": "06 55 44 33 21", "note": "Ami de Zébulon Quasimodo"}],
    });
    let (s, r) = body(
        cast.owner
            .post(&format!("/meetings/{}/report", m["id"].as_str().unwrap()), &report)
            .await,
    )
    .await;
    assert_eq!(s, StatusCode::CREATED, "{r}");
    let (s, _) = body(
        cast.owner
            .post(
                &format!("/contacts/{id}/interactions"),
                &json!({"kind": "call", "outcome": "reached", "note": "Quasimodo rappellera"}),
            )
            .await,
    )
    .await;
    assert_eq!(s, StatusCode::CREATED);
    let (s, _) = body(
        cast.owner
            .post(
                "/tasks",
                &json!({"title": "Envoyer la brochure à Zébulon Quasimodo", "due_on": "2027-01-10", "contact_id": id}),
            )
            .await,
    )
    .await;
    assert_eq!(s, StatusCode::CREATED);
    let (s, o) = body(
        cast.owner
            .post(
                "/offers",
                &json!({"contact_id": id, "family": "savings", "label": "PER de Zébulon Quasimodo", "amount_cents": 1_000_000,
                    "amount_kind": "capital", "closing_month": "2027-03", "prognosis": 40, "notes": "zebulon.q@exemple.fr"}),
            )
            .await,
    )
    .await;
    assert_eq!(s, StatusCode::CREATED, "{o}");
    let (s, k) = body(
        cast.owner
            .post(
                "/complaints",
                &json!({"contact_id": id, "received_at": chrono::Utc::now().to_rfc3339(), "channel": "letter",
                    "from_whom": "Zébulon Quasimodo", "description": "Courrier de Zébulon Quasimodo, 4 impasse des Lilas"}),
            )
            .await,
    )
    .await;
    assert_eq!(s, StatusCode::CREATED, "{k}");
    let (s, k) = body(
        cast.owner
            .post(
                &format!("/contacts/{id}/consents"),
                &json!({"purpose": "email", "granted": true, "channel": "paper", "proof": "Formulaire signé par Zébulon Quasimodo"}),
            )
            .await,
    )
    .await;
    assert_eq!(s, StatusCode::CREATED, "{k}");
    // A colleague's task elsewhere that names them.
    cast.colleague
        .post(
            "/tasks",
            &json!({"title": "Demander à Julien qui est Zébulon Quasimodo", "due_on": "2027-01-10"}),
        )
        .await;
    assert!(
        !scan(&app.database_url).await.is_empty(),
        "the scan finds the person before"
    );

    // What the person may ask to see: everything held on them, in one file.
    let access = format!("/contacts/{id}/subject-access");
    let r = cast.manager.get(&access).await;
    assert_eq!(r.status(), StatusCode::OK);
    assert!(r.headers()["content-disposition"]
        .to_str()
        .unwrap()
        .contains("attachment"));
    let held: Value = r.json().await.unwrap();
    assert_eq!(held["record"]["email"], "zebulon.q@exemple.fr");
    assert_eq!(held["meetings"].as_array().unwrap().len(), 1);
    assert_eq!(
        held["reports"][0]["summary"],
        "Zébulon Quasimodo veut préparer sa retraite"
    );
    assert_eq!(held["offers"].as_array().unwrap().len(), 1);
    assert_eq!(held["complaints"].as_array().unwrap().len(), 1);
    assert_eq!(held["consents"][0]["purpose"], "email");
    assert!(held["stage_history"].as_array().unwrap().len() >= 2);
    assert!(held["timeline"].as_array().unwrap().len() >= 4, "{}", held["timeline"]);
    assert_eq!(
        cast.owner.get(&access).await.status(),
        StatusCode::OK,
        "the advisor in charge"
    );
    assert_eq!(cast.colleague.get(&access).await.status(), StatusCode::NOT_FOUND);
    assert_eq!(cast.foreign_manager.get(&access).await.status(), StatusCode::NOT_FOUND);

    // Only a manager erases; the advisor's try changes nothing.
    let erase = format!("/contacts/{id}/erase");
    assert_eq!(
        cast.owner.post(&erase, &json!({})).await.status(),
        StatusCode::FORBIDDEN
    );
    assert_eq!(
        cast.foreign_manager.post(&erase, &json!({})).await.status(),
        StatusCode::NOT_FOUND
    );
    assert_eq!(
        cast.manager.post(&erase, &json!({"reason": "request"})).await.status(),
        StatusCode::NO_CONTENT
    );

    let left = scan(&app.database_url).await;
    assert!(left.is_empty(), "the person is still in: {left:?}");
    assert_eq!(
        cast.owner.get(&format!("/contacts/{id}")).await.status(),
        StatusCode::NOT_FOUND
    );
    assert_eq!(
        cast.manager.post(&erase, &json!({})).await.status(),
        StatusCode::NOT_FOUND,
        "once"
    );
    // The other record keeps its notes, the person scrubbed from them.
    let (_, o2) = body(
        cast.owner
            .get(&format!("/contacts/{}", other["id"].as_str().unwrap()))
            .await,
    )
    .await;
    assert_eq!(
        o2["notes"],
        "Voisin de [personne effacée] ([personne effacée], [personne effacée])"
    );

    // The phone that synced before drops the record at its next pull.
    let (_, next) = body(cast.owner.get(&format!("/sync/pull?cursor={cursor}&limit=1000")).await).await;
    let gone = next["changes"].as_array().unwrap().iter().any(|c| {
        (c["kind"] == "contact" && c["row"]["id"] == json!(id) && c["row"]["deleted"] == true)
            || (c["kind"] == "contact_removed" && c["row"]["id"] == json!(id))
    });
    assert!(gone, "{next}");
    // …and gets the other record again, scrubbed, so no phone keeps the name.
    let scrubbed = next["changes"].as_array().unwrap().iter().any(|c| {
        c["kind"] == "contact"
            && c["row"]["id"] == other["id"]
            && c["row"]["notes"] == "Voisin de [personne effacée] ([personne effacée], [personne effacée])"
    });
    assert!(scrubbed, "{next}");
    assert!(!next.to_string().to_lowercase().contains("quasimodo"), "{next}");

    // The audit log says who erased what, with no personal data.
    assert_eq!(cast.owner.get("/audit").await.status(), StatusCode::FORBIDDEN);
    assert_eq!(
        cast.owner.get("/privacy/retention").await.status(),
        StatusCode::FORBIDDEN
    );
    let (s, due) = body(cast.manager.get("/privacy/retention").await).await;
    assert_eq!(s, StatusCode::OK);
    assert!(
        due.as_array().unwrap().is_empty(),
        "records made today are not due: {due}"
    );
    let (_, audit) = body(cast.manager.get("/audit").await).await;
    assert_eq!(audit[0]["action"], "erase_contact");
    assert_eq!(audit[0]["target_id"], json!(id));
    assert_eq!(audit[0]["actor_name"], "manager");
    assert_eq!(audit[0]["detail"], "Effacement RGPD : demande de la personne");
}

#[tokio::test]
async fn the_anonymous_counts_stay_after_an_erasure() {
    let app = spawn_app().await;
    let cast = cast(&app).await;
    let c = cast.owner.create_contact(contact("counted")).await;
    let photo = |v: &Value| v.to_string();
    let (_, before) = body(cast.manager.get("/statistics/photo").await).await;
    let (s, _) = body(
        cast.manager
            .post(
                &format!("/contacts/{}/erase", c["id"].as_str().unwrap()),
                &json!({"reason": "retention"}),
            )
            .await,
    )
    .await;
    assert_eq!(s, StatusCode::NO_CONTENT);
    let (_, after) = body(cast.manager.get("/statistics/photo").await).await;
    // Today's photo counts live records: one fewer; the stage history is kept for the film.
    assert_ne!(photo(&before), photo(&after));
    let (_, audit) = body(cast.manager.get("/audit").await).await;
    assert_eq!(audit[0]["detail"], "Effacement RGPD : durée de conservation dépassée");
}

#[tokio::test]
async fn a_refusal_of_the_phone_or_bloctel_takes_the_person_out_of_phoning() {
    let app = spawn_app().await;
    let cast = cast(&app).await;
    let mut c = contact("consent-phone");
    c["stage"] = json!("contacted");
    c["stage_reason"] = json!("appel entrant");
    let c = cast.owner.create_contact(c).await;
    let id = c["id"].as_str().unwrap();
    let listed = |list: &Value| list.as_array().unwrap().iter().any(|i| i["contact_id"] == json!(id));
    let (_, list) = body(cast.owner.get("/phoning/list").await).await;
    assert!(listed(&list), "{list}");

    let path = format!("/contacts/{id}/consents");
    let (s, e) = body(
        cast.owner
            .post(
                &path,
                &json!({"purpose": "phone", "granted": true, "channel": "meeting", "proof": " "}),
            )
            .await,
    )
    .await;
    assert_eq!(s, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(e["fields"]["proof"].is_string(), "a consent given needs its proof: {e}");
    let (s, e) = body(
        cast.owner
            .post(
                &path,
                &json!({"purpose": "email", "granted": false, "channel": "bloctel"}),
            )
            .await,
    )
    .await;
    assert_eq!(s, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(e["fields"]["channel"].is_string(), "{e}");
    assert_eq!(
        cast.colleague
            .post(
                &path,
                &json!({"purpose": "phone", "granted": false, "channel": "bloctel"})
            )
            .await
            .status(),
        StatusCode::NOT_FOUND
    );

    let (s, k) = body(
        cast.owner
            .post(
                &path,
                &json!({"purpose": "phone", "granted": false, "channel": "bloctel"}),
            )
            .await,
    )
    .await;
    assert_eq!(s, StatusCode::CREATED, "{k}");
    assert_eq!(k["recorded_by_name"], "owner");
    let (_, list) = body(cast.owner.get("/phoning/list").await).await;
    assert!(!listed(&list), "on Bloctel: not proposed");
    // Given again later (signed form): proposed again, the history kept.
    let (s, _) = body(
        cast.owner
            .post(
                &path,
                &json!({"purpose": "phone", "granted": true, "channel": "paper", "proof": "formulaire du 12/03"}),
            )
            .await,
    )
    .await;
    assert_eq!(s, StatusCode::CREATED);
    let (_, list) = body(cast.owner.get("/phoning/list").await).await;
    assert!(listed(&list));
    let (_, history) = body(cast.owner.get(&path).await).await;
    assert_eq!(history.as_array().unwrap().len(), 2);
    assert_eq!(history[0]["channel"], "bloctel");
}
