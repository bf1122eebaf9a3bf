//! Weekly targets (issue 10): actuals counted from what was logged — meetings booked and
//! held, offers decided and signed, referrals, calls — against each advisor's targets; an
//! advisor sees their own weeks, the manager everyone's. SQLite and PostgreSQL.

use crate::support::*;
use reqwest::StatusCode;
use serde_json::{json, Value};

fn line<'a>(lines: &'a Value, email_name: &str) -> &'a Value {
    lines
        .as_array()
        .unwrap()
        .iter()
        .rev()
        .find(|l| l["user_name"] == email_name)
        .unwrap_or_else(|| panic!("no line for {email_name} in {lines}"))
}

#[tokio::test]
async fn this_weeks_actuals_count_what_was_logged_against_the_targets() {
    let app = spawn_app().await;
    let cast = cast(&app).await;
    let c = cast.owner.create_contact(contact("targets")).await;
    let cid = c["id"].as_str().unwrap().to_string();
    // Two calls, one offer signed (a closing and a sale), one lost (a closing).
    for outcome in ["reached", "no_answer"] {
        let r = cast
            .owner
            .post(
                &format!("/contacts/{cid}/interactions"),
                &json!({"kind": "call", "outcome": outcome}),
            )
            .await;
        assert_eq!(r.status(), StatusCode::CREATED);
    }
    for (p, status) in [(100, "signed"), (0, "lost")] {
        let r = cast
            .owner
            .post(
                "/offers",
                &json!({"contact_id": cid, "family": "savings", "amount_cents": 100_000, "closing_month": "2027-01",
                        "prognosis": p, "status": status}),
            )
            .await;
        assert_eq!(r.status(), StatusCode::CREATED);
    }
    // A meeting booked for later this week or next: booked now.
    let start = (chrono::Utc::now() + chrono::Duration::days(2))
        .format("%Y-%m-%dT10:00")
        .to_string();
    let r = cast
        .owner
        .post(
            "/meetings",
            &json!({"contact_id": cid, "starts_at": start, "duration_min": 60, "place": "client"}),
        )
        .await;
    assert_eq!(r.status(), StatusCode::CREATED);

    let (s, mine) = body(cast.owner.get("/targets").await).await;
    assert_eq!(s, StatusCode::OK, "{mine}");
    assert_eq!(mine.as_array().unwrap().len(), 1, "an advisor sees their own week");
    let l = line(&mine, "owner");
    assert_eq!(l["actual"]["calls"], 2);
    assert_eq!(l["actual"]["meetings_booked"], 1);
    assert_eq!(
        (l["actual"]["closings"].as_u64(), l["actual"]["sales"].as_u64()),
        (Some(2), Some(1))
    );
    assert_eq!(l["target"]["meetings_booked"], 10, "the domain's default");
    // Asking for someone else changes nothing for an advisor.
    let (_, still_mine) = body(
        cast.owner
            .get(&format!("/targets?owner_id={}", cast.colleague.id))
            .await,
    )
    .await;
    assert_eq!(line(&still_mine, "owner")["actual"]["calls"], 2);

    // The manager: every advisor, 12 weeks, a target set for one.
    let (_, mut settings) = body(cast.manager.get("/agency/settings").await).await;
    settings["targets"]["per_advisor"] = json!([{"user_id": cast.owner.id, "targets": {"calls": 5}}]);
    assert_eq!(
        cast.manager.put("/agency/settings", &settings).await.status(),
        StatusCode::OK
    );
    let (_, all) = body(cast.manager.get("/targets?weeks=12").await).await;
    let lines = all.as_array().unwrap();
    assert_eq!(lines.len(), 24, "two advisors × 12 weeks");
    let l = line(&all, "owner");
    assert_eq!(
        (l["actual"]["calls"].as_u64(), l["target"]["calls"].as_u64()),
        (Some(2), Some(5))
    );
    assert_eq!(line(&all, "colleague")["target"]["calls"], 40);
    assert_eq!(line(&all, "colleague")["actual"]["calls"], 0);
    let (s, _) = body(cast.manager.get("/targets?weeks=60").await).await;
    assert_eq!(s, StatusCode::BAD_REQUEST.max(s).min(StatusCode::UNPROCESSABLE_ENTITY));
    assert!(s.is_client_error());
    let (s, _) = body(
        cast.foreign_manager
            .get(&format!("/targets?owner_id={}", cast.owner.id))
            .await,
    )
    .await;
    assert!(s.is_client_error(), "another agency's advisor is unknown");
    settings["targets"]["default"]["calls"] = json!(100_000);
    assert_eq!(
        cast.manager.put("/agency/settings", &settings).await.status(),
        StatusCode::UNPROCESSABLE_ENTITY
    );
}

/// The calls of each week line, oldest first.
fn calls_by_week(lines: &Value) -> Vec<u64> {
    lines
        .as_array()
        .unwrap()
        .iter()
        .map(|l| l["actual"]["calls"].as_u64().unwrap())
        .collect()
}

#[tokio::test]
async fn facts_of_past_weeks_count_in_their_own_week() {
    let app = spawn_app().await;
    let cast = cast(&app).await;
    let c = cast.owner.create_contact(contact("past-weeks")).await;
    let cid = c["id"].as_str().unwrap().to_string();
    let (_, before) = body(cast.owner.get("/targets?weeks=12").await).await;
    let mondays: Vec<chrono::NaiveDate> = before
        .as_array()
        .unwrap()
        .iter()
        .map(|l| l["week"].as_str().unwrap().parse().unwrap())
        .collect();
    assert_eq!(mondays.len(), 12);
    // Calls on the Wednesday at noon of the week before, of three weeks back (twice) and of the
    // first week shown; one today; one the week before the first (not counted).
    let wednesday = |monday: chrono::NaiveDate| format!("{}T12:00:00Z", monday + chrono::Duration::days(2));
    let at = [
        Some(wednesday(mondays[10])),
        Some(wednesday(mondays[8])),
        Some(wednesday(mondays[8])),
        Some(wednesday(mondays[0])),
        None,
        Some(wednesday(mondays[0] - chrono::Duration::weeks(1))),
    ];
    for at in at {
        let r = cast
            .owner
            .post(
                &format!("/contacts/{cid}/interactions"),
                &json!({"kind": "call", "outcome": "reached", "at": at}),
            )
            .await;
        assert_eq!(r.status(), StatusCode::CREATED);
    }
    let (_, weeks) = body(cast.owner.get("/targets?weeks=12").await).await;
    assert_eq!(calls_by_week(&weeks), [1, 0, 0, 0, 0, 0, 0, 0, 2, 0, 1, 1]);
    // The manager's view of the same advisor counts the same.
    let (_, all) = body(
        cast.manager
            .get(&format!("/targets?weeks=12&owner_id={}", cast.owner.id))
            .await,
    )
    .await;
    assert_eq!(calls_by_week(&all), [1, 0, 0, 0, 0, 0, 0, 0, 2, 0, 1, 1]);
}
