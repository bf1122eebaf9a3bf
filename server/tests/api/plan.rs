//! "Plan my day": the day's places from the demo agency, planned with the shared planner.

use crate::support::*;
use reqwest::StatusCode;
use serde_json::json;
use shared::api::Role;
use shared::plan::itinerary::DayContext;
use shared::plan::RoadEstimate;
use tournee_server::time::AgencyTime;

#[tokio::test]
async fn the_day_has_its_meetings_at_their_times_and_nearby_overdue_clients() {
    let app = spawn_app().await;
    let today = AgencyTime::default().today();
    tournee_server::demo::load(&app.store, today, 120).await.unwrap();
    let login = |email: &'static str| demo_user(&app, email);
    let julien = login("julien.bernard@demo.tournee.fr").await;
    let (s, v) = body(julien.get("/plan/day").await).await;
    assert_eq!(s, StatusCode::OK, "{v}");
    let ctx: DayContext = serde_json::from_value(v).unwrap();
    assert_eq!(ctx.tiles, None, "no tile server unless one is configured");
    assert_eq!(ctx.date, today);
    assert_eq!(ctx.start_label, "Agence, place Bellecour");
    assert_eq!(ctx.fixed.len(), 4, "the demo's four meetings");
    // The communes to name on the map, from the embedded data: the office's first (place
    // Bellecour is in Lyon's 2nd arrondissement), each within reach of the day's places, none
    // twice, Lyon itself among them.
    assert_eq!(
        ctx.towns.first().map(|t| t.name.as_str()),
        Some("Lyon 2e"),
        "{:?}",
        ctx.towns
    );
    assert!(ctx.towns.iter().any(|t| t.name == "Lyon"), "{:?}", ctx.towns);
    assert!(ctx.towns.len() > 5 && ctx.towns.len() <= 40, "{}", ctx.towns.len());
    let names: std::collections::BTreeSet<&str> = ctx.towns.iter().map(|t| t.name.as_str()).collect();
    assert_eq!(names.len(), ctx.towns.len());
    let places: Vec<(f64, f64)> = ctx
        .fixed
        .iter()
        .chain(&ctx.candidates)
        .map(|p| (p.lat, p.lon))
        .collect();
    for t in &ctx.towns {
        let nearest = places
            .iter()
            .chain(std::iter::once(&(ctx.start_lat, ctx.start_lon)))
            .map(|p| shared::plan::haversine_m(*p, (t.lat, t.lon)))
            .fold(f64::MAX, f64::min);
        assert!(nearest < 30_000.0, "{} is {nearest} m from every place", t.name);
    }
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
    // Exported from the phone as .ics: parsed back by a second iCalendar implementation, one
    // event per stop, the fixed meetings under the UIDs of the server's own export.
    let ics = shared::plan::ics::day_ics(
        &ctx,
        &places.iter().map(|p| (*p).clone()).collect::<Vec<_>>(),
        &plan,
        chrono::Utc::now(),
    );
    let cals = crate::visits::parse_ics(&ics);
    assert_eq!(cals.len(), 1);
    let events = &cals[0].events;
    assert_eq!(events.len(), plan.visits.len());
    let export = julien.get(&format!("/meetings.ics?from={today}")).await;
    assert_eq!(export.status(), StatusCode::OK);
    let export = crate::visits::parse_ics(&export.text().await.unwrap());
    let fixed_uids: std::collections::BTreeSet<&str> = export[0]
        .events
        .iter()
        .filter_map(|e| crate::visits::prop(e, "UID"))
        .collect();
    let ours: Vec<&ical::parser::ical::component::IcalEvent> = events
        .iter()
        .filter(|e| crate::visits::prop(e, "STATUS") == Some("CONFIRMED"))
        .collect();
    assert_eq!(ours.len(), 4);
    for e in ours {
        assert!(fixed_uids.contains(crate::visits::prop(e, "UID").unwrap()));
    }
    for (e, v) in events.iter().zip(&plan.visits) {
        let start = crate::visits::prop(e, "DTSTART").unwrap();
        assert_eq!(start, format!("{}T{}", today.format("%Y%m%d"), hhmmss(v.start)));
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

#[tokio::test]
async fn areas_group_the_portfolio_and_nearby_ranks_who_is_close() {
    let app = spawn_app().await;
    let agency = app.agency("Agence").await;
    let u = app.user(agency, "a@x.fr", Role::Advisor).await;
    let boss = app.user(agency, "boss@x.fr", Role::Manager).await;
    let place = |tag: &str, lat: f64, lon: f64, postcode: &str, late: bool| {
        let mut c = contact(tag);
        c["lat"] = json!(lat);
        c["lon"] = json!(lon);
        c["postcode"] = json!(postcode);
        if late {
            c["stage"] = json!("client");
            c["stage_reason"] = json!("reprise");
            c["last_meeting_on"] = json!("2020-01-01");
            c["last_call_on"] = json!("2020-01-01");
        }
        c
    };
    let mut ids = Vec::new();
    for k in 0..4 {
        let c = u
            .create_contact(place(
                &format!("lyon{k}"),
                45.76 + k as f64 * 0.003,
                4.84,
                "69003",
                k == 0,
            ))
            .await;
        ids.push(c["id"].as_str().unwrap().to_string());
    }
    for k in 0..3 {
        u.create_contact(place(
            &format!("vienne{k}"),
            45.52 + k as f64 * 0.003,
            4.87,
            "38200",
            false,
        ))
        .await;
    }
    u.create_contact(place("isole", 46.1, 4.2, "69870", false)).await;
    let (s, a) = body(u.get("/areas").await).await;
    assert_eq!(s, StatusCode::OK, "{a}");
    let areas = a["areas"].as_array().unwrap();
    assert_eq!(areas.len(), 3, "{a}");
    assert_eq!(
        (areas[0]["count"].as_u64(), areas[0]["due"].as_u64()),
        (Some(4), Some(1))
    );
    assert_eq!(areas[2]["label"], "Clients isolés");
    assert_eq!(
        u.get("/areas?radius_km=0").await.status(),
        StatusCode::UNPROCESSABLE_ENTITY
    );

    // Sectors drawn by the manager, by postcode prefix.
    let (_, mut settings) = body(boss.get("/agency/settings").await).await;
    settings["sectors"] = json!([{"name": "Lyon 3", "postcodes": ["69003"]}, {"name": "Isère", "postcodes": ["38"]}]);
    assert_eq!(boss.put("/agency/settings", &settings).await.status(), StatusCode::OK);
    let (_, a) = body(u.get("/areas").await).await;
    let sectors: Vec<(String, u64)> = a["sectors"]
        .as_array()
        .unwrap()
        .iter()
        .map(|s| (s["name"].as_str().unwrap().to_string(), s["count"].as_u64().unwrap()))
        .collect();
    assert_eq!(
        sectors,
        vec![("Lyon 3".into(), 4), ("Isère".into(), 3), ("Hors secteur".into(), 1)]
    );
    settings["sectors"] = json!([{"name": "Mauvais", "postcodes": ["69A"]}]);
    assert_eq!(
        boss.put("/agency/settings", &settings).await.status(),
        StatusCode::UNPROCESSABLE_ENTITY
    );

    // Nearby: the late client first, the far ones out, the record itself excluded.
    let (s, n) = body(u.get("/nearby?lat=45.761&lon=4.84&km=2").await).await;
    assert_eq!(s, StatusCode::OK, "{n}");
    let got: Vec<&str> = n
        .as_array()
        .unwrap()
        .iter()
        .map(|x| x["place"]["id"].as_str().unwrap())
        .collect();
    assert_eq!(got.len(), 4);
    assert_eq!(got[0], ids[0], "overdue first");
    let (_, n) = body(u.get(&format!("/nearby?contact_id={}&km=2", ids[1])).await).await;
    assert_eq!(n.as_array().unwrap().len(), 3);
    assert_eq!(u.get("/nearby").await.status(), StatusCode::BAD_REQUEST);
    // A colleague's portfolio is not in anyone else's nearby list.
    let other = app.user(agency, "b@x.fr", Role::Advisor).await;
    let (_, n) = body(other.get("/nearby?lat=45.761&lon=4.84&km=50").await).await;
    assert!(n.as_array().unwrap().is_empty());
    let (_, located) = body(u.get("/located").await).await;
    assert_eq!(located.as_array().unwrap().len(), 8);
}

#[tokio::test]
async fn road_times_and_map_tiles_come_from_the_configured_services() {
    use axum::extract::Path;
    use axum::routing::get;
    async fn table(Path(coords): Path<String>) -> axum::response::Response {
        use axum::response::IntoResponse;
        let n = coords.split(';').count();
        if coords.contains("-") {
            return (
                axum::http::StatusCode::BAD_REQUEST,
                axum::Json(json!({"code": "InvalidQuery", "message": "bad"})),
            )
                .into_response();
        }
        let mut d = vec![vec![serde_json::Value::from(900.4); n]; n];
        for (i, row) in d.iter_mut().enumerate() {
            row[i] = json!(0.0);
        }
        d[0][n - 1] = serde_json::Value::Null;
        axum::Json(json!({"code": "Ok", "durations": d, "sources": [], "destinations": []})).into_response()
    }
    let mock = axum::Router::new().route("/table/v1/driving/{coords}", get(table));
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let osrm = format!("http://{}", listener.local_addr().unwrap());
    tokio::spawn(async move {
        let _ = axum::serve(listener, mock).await;
    });
    let app = spawn_app_with(|c| {
        c.routing_osrm_url = osrm.clone();
        c.map_tiles_url = "https://tiles.example.fr/{z}/{x}/{y}.png".into();
        c.map_tiles_attribution = "© contributeurs OpenStreetMap".into();
    })
    .await;
    let today = AgencyTime::default().today();
    tournee_server::demo::load(&app.store, today, 60).await.unwrap();
    let u = demo_user(&app, "julien.bernard@demo.tournee.fr").await;
    let (s, v) = body(u.get("/plan/day").await).await;
    assert_eq!(s, StatusCode::OK, "{v}");
    let ctx: DayContext = serde_json::from_value(v).unwrap();
    let tiles = ctx.tiles.clone().expect("the configured tile server");
    assert_eq!(
        tiles.tile_url(13, 4205, 2922),
        "https://tiles.example.fr/13/4205/2922.png"
    );
    assert_eq!(tiles.attribution, "© contributeurs OpenStreetMap");
    let d = ctx.durations.clone().expect("road times from OSRM");
    let n = 1 + ctx.fixed.len() + ctx.candidates.len();
    assert_eq!((d.len(), d[0].len()), (n, n));
    assert_eq!(d[0][1], 900, "seconds, rounded");
    assert_eq!(d[0][n - 1], 24 * 3600, "unreachable pairs cost a day");
    let chosen: Vec<uuid::Uuid> = ctx.candidates.iter().map(|c| c.id).collect();
    let (_, plan) = ctx.plan(&chosen, RoadEstimate::default());
    assert!(plan
        .visits
        .iter()
        .all(|v| v.travel == 900 || v.travel == 0 || v.travel == 24 * 3600));
    // An OSRM error answer is an error (the handler then falls back to estimates).
    let failed = tournee_server::geo::osrm::table(
        &osrm,
        "Tournee/test",
        &[(45.0, -1.0), (45.1, 4.0)],
        std::time::Duration::from_secs(2),
    )
    .await;
    assert!(failed.is_err());
}

/// `seconds` after midnight as `HHMMSS`.
fn hhmmss(seconds: i64) -> String {
    format!("{:02}{:02}{:02}", seconds / 3600, seconds % 3600 / 60, seconds % 60)
}

/// The non-fixed stops of a week's days (the week or one advisor of the team's).
fn visits(days: &serde_json::Value) -> Vec<String> {
    days.as_array()
        .unwrap()
        .iter()
        .flat_map(|d| d["stops"].as_array().unwrap().iter())
        .filter(|s| s["fixed"] == false)
        .map(|s| s["id"].as_str().unwrap().to_string())
        .collect()
}

#[tokio::test]
async fn the_week_spreads_due_clients_around_the_meetings_the_same_way_each_time() {
    let app = spawn_app().await;
    let today = AgencyTime::default().today();
    tournee_server::demo::load(&app.store, today, 120).await.unwrap();
    let julien = demo_user(&app, "julien.bernard@demo.tournee.fr").await;
    let (s, week) = body(julien.get(&format!("/plan/week?from={today}")).await).await;
    assert_eq!(s, StatusCode::OK, "{week}");
    let days = week["days"].as_array().unwrap();
    assert_eq!(days.len(), 5);
    for d in days {
        let date: chrono::NaiveDate = d["date"].as_str().unwrap().parse().unwrap();
        assert!(
            chrono::Datelike::weekday(&date).number_from_monday() <= 5,
            "{date}: a weekend"
        );
        assert!(d["stops"].as_array().unwrap().len() <= 12);
    }
    // Each day's meetings at their times, as the day's own places say.
    for d in days {
        let (_, ctx) = body(
            julien
                .get(&format!("/plan/day?date={}", d["date"].as_str().unwrap()))
                .await,
        )
        .await;
        let ctx: DayContext = serde_json::from_value(ctx).unwrap();
        for f in &ctx.fixed {
            let stop = d["stops"]
                .as_array()
                .unwrap()
                .iter()
                .find(|s| s["id"] == f.id.to_string())
                .unwrap_or_else(|| panic!("{}: meeting {} missing", d["date"], f.label));
            assert!(stop["start"] == f.open || d["feasible"] == false);
        }
    }
    let planned = visits(&week["days"]);
    assert!(!planned.is_empty());
    let mut once = planned.clone();
    once.sort();
    once.dedup();
    assert_eq!(once.len(), planned.len(), "a client twice in the week");
    assert!(week["unplanned"]
        .as_array()
        .unwrap()
        .iter()
        .all(|u| !planned.contains(&u.as_str().unwrap().to_string())));
    let (_, again) = body(julien.get(&format!("/plan/week?from={today}")).await).await;
    assert_eq!(again, week, "the same week gives the same plan");

    let (s, long) = body(julien.get(&format!("/plan/week?from={today}&days=30")).await).await;
    assert_eq!(s, StatusCode::OK);
    assert_eq!(long["days"].as_array().unwrap().len(), 10, "at most ten days");
    assert_eq!(
        julien.get("/plan/week?from=lundi").await.status(),
        StatusCode::BAD_REQUEST
    );
    let sophie = demo_user(&app, "sophie.girard@demo.tournee.fr").await;
    assert_eq!(
        sophie.get(&format!("/plan/week?owner={}", julien.id)).await.status(),
        StatusCode::FORBIDDEN
    );
}

#[tokio::test]
async fn the_team_week_spreads_the_agency_over_every_advisor_for_the_manager_only() {
    let app = spawn_app().await;
    let today = AgencyTime::default().today();
    tournee_server::demo::load(&app.store, today, 120).await.unwrap();
    let claire = demo_user(&app, "claire.martin@demo.tournee.fr").await;
    let (s, team) = body(claire.get(&format!("/plan/team?from={today}&days=3")).await).await;
    assert_eq!(s, StatusCode::OK, "{team}");
    let (_, users) = body(claire.get("/agency/users").await).await;
    let advisors: Vec<&serde_json::Value> = users
        .as_array()
        .unwrap()
        .iter()
        .filter(|u| u["role"] == "advisor")
        .collect();
    let weeks = team["advisors"].as_array().unwrap();
    assert_eq!(weeks.len(), advisors.len());
    let mut planned = Vec::new();
    for w in weeks {
        assert!(advisors.iter().any(|a| a["id"] == w["advisor"]));
        assert_eq!(w["days"].as_array().unwrap().len(), 3);
        // Only the advisor's own meetings in their days.
        let (_, own) = body(
            claire
                .get(&format!(
                    "/plan/week?from={today}&days=3&owner={}",
                    w["advisor"].as_str().unwrap()
                ))
                .await,
        )
        .await;
        for (mine, theirs) in w["days"]
            .as_array()
            .unwrap()
            .iter()
            .zip(own["days"].as_array().unwrap())
        {
            let fixed = |d: &serde_json::Value| -> Vec<String> {
                d["stops"]
                    .as_array()
                    .unwrap()
                    .iter()
                    .filter(|s| s["fixed"] == true)
                    .map(|s| s["id"].as_str().unwrap().to_string())
                    .collect()
            };
            let (mut a, mut b) = (fixed(mine), fixed(theirs));
            a.sort();
            b.sort();
            assert_eq!(a, b, "{}", mine["date"]);
        }
        planned.extend(visits(&w["days"]));
    }
    assert!(!planned.is_empty());
    let mut once = planned.clone();
    once.sort();
    once.dedup();
    assert_eq!(once.len(), planned.len(), "a client twice in the team's week");

    let julien = demo_user(&app, "julien.bernard@demo.tournee.fr").await;
    let (s, refused) = body(julien.get("/plan/team").await).await;
    assert_eq!(s, StatusCode::FORBIDDEN);
    assert!(refused["detail"].as_str().unwrap().contains("chef d'agence"));
    assert_eq!(
        claire.get("/plan/team?jours=3").await.status(),
        StatusCode::BAD_REQUEST,
        "an unknown parameter"
    );
}
