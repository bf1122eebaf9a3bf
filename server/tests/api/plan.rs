//! "Plan my day": the day's places from the demo agency, planned with the shared planner.

use crate::support::*;
use reqwest::StatusCode;
use serde_json::json;
use shared::plan::itinerary::DayContext;
use shared::plan::RoadEstimate;
use tournee_server::time::AgencyTime;

#[tokio::test]
async fn the_day_has_its_meetings_at_their_times_and_nearby_overdue_clients() {
    let app = spawn_app().await;
    let today = AgencyTime::default().today();
    tournee_server::demo::load(&app.store, today, 120).await.unwrap();
    let login = |email: &str| {
        let u = User {
            id: uuid::Uuid::nil(),
            agency_id: uuid::Uuid::nil(),
            email: email.into(),
            client: new_client(),
            base: app.url.clone(),
        };
        async move {
            let r = u
                .post(
                    "/auth/login",
                    &json!({"email": u.email, "password": tournee_server::demo::PASSWORD}),
                )
                .await;
            assert_eq!(r.status(), StatusCode::OK);
            u
        }
    };
    let julien = login("julien.bernard@demo.tournee.fr").await;
    let (s, v) = body(julien.get("/plan/day").await).await;
    assert_eq!(s, StatusCode::OK, "{v}");
    let ctx: DayContext = serde_json::from_value(v).unwrap();
    assert_eq!(ctx.date, today);
    assert_eq!(ctx.start_label, "Agence, place Bellecour");
    assert_eq!(ctx.fixed.len(), 4, "the demo's four meetings");
    assert!(ctx.fixed.iter().all(|p| p.fixed && p.open == p.close));
    assert!(!ctx.candidates.is_empty() && ctx.fixed.len() + ctx.candidates.len() <= 12);
    assert!(
        ctx.candidates.windows(2).all(|w| w[0].priority >= w[1].priority),
        "most worth first"
    );
    assert!(ctx
        .candidates
        .iter()
        .all(|c| !ctx.fixed.iter().any(|f| f.contact_id == c.contact_id)));
    // Planned as the browser does: fixed meetings keep their times.
    let chosen: Vec<uuid::Uuid> = ctx.candidates.iter().map(|c| c.id).collect();
    let (places, plan) = ctx.plan(&chosen, RoadEstimate::default());
    assert!(plan.exact);
    for v in &plan.visits {
        if places[v.stop].fixed {
            assert_eq!(v.start, places[v.stop].open);
        }
    }
    // Someone else's day is for managers.
    let sophie = login("sophie.girard@demo.tournee.fr").await;
    let (_, me) = body(julien.get("/auth/me").await).await;
    let path = format!("/plan/day?owner={}", me["user_id"].as_str().unwrap());
    assert_eq!(sophie.get(&path).await.status(), StatusCode::FORBIDDEN);
    let claire = login("claire.martin@demo.tournee.fr").await;
    assert_eq!(claire.get(&path).await.status(), StatusCode::OK);
    assert_eq!(
        anonymous(&app).get("/plan/day").await.status(),
        StatusCode::UNAUTHORIZED
    );
    assert_eq!(
        julien.get("/plan/day?date=demain").await.status(),
        StatusCode::BAD_REQUEST
    );
}
