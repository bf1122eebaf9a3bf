//! Geocoding: the HTTP providers against a local server speaking their formats (success,
//! 429, malformed JSON, timeout), and the background queue from save to point.

use crate::support::*;
use axum::extract::Query;
use axum::http::{HeaderMap, StatusCode as AxStatus};
use axum::response::IntoResponse;
use axum::routing::get;
use reqwest::StatusCode;
use serde_json::json;
use shared::api::Role;
use std::collections::HashMap;
use std::time::Duration;
use tournee_server::geo::http::{Ban, Nominatim};
use tournee_server::geo::{GeoError, GeoQuery, Lookup, Precision, Provider};

/// Answers like api-adresse.data.gouv.fr and like Nominatim, and misbehaves on request.
async fn fake_geocoders() -> String {
    async fn ban(Query(q): Query<HashMap<String, String>>) -> axum::response::Response {
        let text = q.get("q").cloned().unwrap_or_default();
        if text.contains("limite") {
            let mut h = HeaderMap::new();
            h.insert("retry-after", "7".parse().unwrap());
            return (AxStatus::TOO_MANY_REQUESTS, h, "slow down").into_response();
        }
        if text.contains("panne") {
            return (AxStatus::SERVICE_UNAVAILABLE, "down").into_response();
        }
        if text.contains("casse") {
            return ([("content-type", "application/json")], "{\"features\": [").into_response();
        }
        if text.contains("lent") {
            tokio::time::sleep(Duration::from_secs(3)).await;
        }
        if text.contains("Nulle") {
            return axum::Json(json!({"type": "FeatureCollection", "features": []})).into_response();
        }
        if text.contains("Grande Rue") {
            // Two streets of that name in the commune: ambiguous.
            return axum::Json(json!({"type": "FeatureCollection", "features": [
                {"type": "Feature", "geometry": {"type": "Point", "coordinates": [4.85, 45.76]}, "properties": {"label": "Grande Rue 69003 Lyon", "score": 0.71, "type": "street"}},
                {"type": "Feature", "geometry": {"type": "Point", "coordinates": [4.86, 45.75]}, "properties": {"label": "Grande Rue 69003 Lyon (bis)", "score": 0.69, "type": "street"}}
            ]})).into_response();
        }
        axum::Json(json!({"type": "FeatureCollection", "version": "draft", "features": [
            {"type": "Feature", "geometry": {"type": "Point", "coordinates": [4.851238, 45.760159]},
             "properties": {"label": "12 Rue de la République 69003 Lyon", "score": 0.93, "housenumber": "12", "id": "69383_xxxx_00012",
                            "name": "12 Rue de la République", "postcode": "69003", "citycode": "69383", "x": 842910.0, "y": 6519180.0,
                            "city": "Lyon", "district": "Lyon 3e Arrondissement", "context": "69, Rhône, Auvergne-Rhône-Alpes",
                            "type": "housenumber", "importance": 0.71, "street": "Rue de la République"}},
            {"type": "Feature", "geometry": {"type": "Point", "coordinates": [4.8357, 45.764]},
             "properties": {"label": "Lyon", "score": 0.41, "type": "municipality"}}
        ], "attribution": "BAN", "licence": "ETALAB-2.0", "query": text, "limit": 5}))
        .into_response()
    }
    async fn nominatim(headers: HeaderMap, Query(q): Query<HashMap<String, String>>) -> axum::response::Response {
        let ua = headers.get("user-agent").and_then(|v| v.to_str().ok()).unwrap_or("");
        if !ua.starts_with("Tournee") || q.get("format").map(String::as_str) != Some("jsonv2") {
            return (AxStatus::FORBIDDEN, "policy").into_response();
        }
        if q.get("q").is_some_and(|t| t.contains("casse")) {
            return axum::Json(json!([{"lat": "north", "lon": "4.8", "display_name": "x"}])).into_response();
        }
        axum::Json(json!([
            {"place_id": 1, "licence": "ODbL", "osm_type": "way", "osm_id": 2, "lat": "45.7601590", "lon": "4.8512380",
             "category": "place", "type": "house", "place_rank": 30, "importance": 0.6, "addresstype": "building",
             "name": "", "display_name": "12, Rue de la République, Lyon 3e, Lyon, Rhône, France", "boundingbox": ["45.7", "45.8", "4.8", "4.9"]}
        ]))
        .into_response()
    }
    let app = axum::Router::new()
        .route("/search/", get(ban))
        .route("/search", get(nominatim));
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let url = format!("http://{}", listener.local_addr().unwrap());
    tokio::spawn(async move {
        let _ = axum::serve(listener, app).await;
    });
    url
}

fn q(address: &str) -> GeoQuery {
    GeoQuery {
        address_line: address.into(),
        postcode: "69003".into(),
        city: "Lyon".into(),
    }
}

#[tokio::test]
async fn providers_read_their_real_formats_and_report_failures() {
    let url = fake_geocoders().await;
    let ban = Ban::new(&url, "Tournee/test", Duration::from_millis(500));
    match ban.lookup(&q("12 rue de la République")).await.unwrap() {
        Lookup::Found(c) => {
            assert_eq!(c.precision, Precision::Street);
            assert!(
                (c.lat - 45.760159).abs() < 1e-9 && (c.lon - 4.851238).abs() < 1e-9,
                "GeoJSON is lon, lat"
            );
        }
        other => panic!("{other:?}"),
    }
    assert!(matches!(ban.lookup(&q("3 Grande Rue")).await.unwrap(), Lookup::Ambiguous(v) if v.len() == 2));
    assert_eq!(ban.lookup(&q("limite")).await, Err(GeoError::RateLimited(7)));
    assert_eq!(ban.lookup(&q("panne")).await, Err(GeoError::Status(503)));
    assert!(matches!(ban.lookup(&q("casse")).await, Err(GeoError::Malformed(_))));
    assert_eq!(ban.lookup(&q("lent")).await, Err(GeoError::Timeout));

    let nominatim = Nominatim::new(&url, "Tournee/test", Duration::from_millis(500));
    let started = std::time::Instant::now();
    assert!(
        matches!(nominatim.lookup(&q("12 rue de la République")).await.unwrap(), Lookup::Found(c) if c.precision == Precision::Street)
    );
    assert!(matches!(
        nominatim.lookup(&q("casse")).await,
        Err(GeoError::Malformed(_))
    ));
    assert!(
        started.elapsed() >= Duration::from_millis(1000),
        "at most one request per second"
    );
    let bad_agent = Nominatim::new(&url, "curl/8", Duration::from_millis(500));
    assert_eq!(bad_agent.lookup(&q("x")).await, Err(GeoError::Status(403)));
}

#[tokio::test]
async fn a_saved_address_gets_its_point_in_the_background_and_problems_are_flagged() {
    let url = fake_geocoders().await;
    let app = spawn_app().await;
    let agency = app.agency("Agence").await;
    let u = app.user(agency, "a@x.fr", Role::Advisor).await;
    let mut c = contact("geo-street");
    c["address_line"] = json!("12 rue de la République");
    let street = u.create_contact(c).await;
    assert_eq!(
        street["geo_status"], "pending",
        "the save does not wait for the geocoder"
    );
    let mut c = contact("geo-down");
    c["address_line"] = json!("panne");
    let down = u.create_contact(c).await;
    let mut c = contact("geo-ambiguous");
    c["address_line"] = json!("3 Grande Rue");
    let ambiguous = u.create_contact(c).await;
    let mut c = contact("geo-unknown");
    c["postcode"] = json!("");
    c["city"] = json!("Nulle-Part-sur-Mer");
    let unknown = u.create_contact(c).await;
    let mut c = contact("geo-typed");
    c["lat"] = json!(45.7);
    c["lon"] = json!(4.8);
    let typed = u.create_contact(c).await;
    assert_eq!(
        (typed["geo_precision"].as_str(), typed["geo_status"].as_str()),
        (Some("manual"), Some("done"))
    );

    let providers: Vec<Box<dyn Provider>> = vec![
        Box::new(Ban::new(&url, "Tournee/test", Duration::from_millis(500))),
        Box::new(tournee_server::geo::Offline),
    ];
    let n = tournee_server::geo::worker::run_once(&app.store, &providers)
        .await
        .unwrap();
    assert_eq!(n, 4);
    let get = |v: &serde_json::Value| {
        let path = format!("/contacts/{}", v["id"].as_str().unwrap());
        let u = &u;
        async move { body(u.get(&path).await).await.1 }
    };
    let s = get(&street).await;
    assert_eq!(
        (
            s["geo_precision"].as_str(),
            s["geo_source"].as_str(),
            s["geo_status"].as_str()
        ),
        (Some("street"), Some("ban"), Some("done"))
    );
    assert!((s["lat"].as_f64().unwrap() - 45.760159).abs() < 1e-9);
    // The street geocoder is down: the commune's centre now, a retry later.
    let d = get(&down).await;
    assert_eq!(
        (
            d["geo_precision"].as_str(),
            d["geo_source"].as_str(),
            d["geo_status"].as_str()
        ),
        (Some("commune"), Some("communes"), Some("pending"))
    );
    assert!((d["lat"].as_f64().unwrap() - 45.75).abs() < 0.05);
    let a = get(&ambiguous).await;
    assert_eq!(a["geo_status"], "ambiguous");
    assert!(a["geo_note"].as_str().unwrap().contains("Grande Rue"));
    assert!(a["lat"].is_null(), "not guessed");
    let x = get(&unknown).await;
    assert_eq!(x["geo_status"], "not_found");
    let (_, flagged) = body(u.get("/contacts/geocoding/flagged").await).await;
    let ids: Vec<&str> = flagged
        .as_array()
        .unwrap()
        .iter()
        .map(|c| c["id"].as_str().unwrap())
        .collect();
    assert_eq!(ids.len(), 2);
    // A form loaded before the point was found still saves, and keeps the point; a second
    // save from that old version is another person's conflict.
    let mut edit = contact("geo-street");
    edit["address_line"] = json!("12 rue de la République");
    edit["notes"] = json!("Parking dans la cour");
    edit["expected_seq"] = street["seq"].clone();
    let path = format!("/contacts/{}", street["id"].as_str().unwrap());
    let (s1, e1) = body(u.put(&path, &edit).await).await;
    assert_eq!(s1, StatusCode::OK, "{e1}");
    assert!(
        (e1["lat"].as_f64().unwrap() - 45.760159).abs() < 1e-9,
        "the geocoded point is kept"
    );
    assert_eq!(e1["geo_precision"], "street");
    assert_eq!(u.put(&path, &edit).await.status(), StatusCode::CONFLICT);
    // Nothing more is due right now (the retry is later).
    assert_eq!(
        tournee_server::geo::worker::run_once(&app.store, &providers)
            .await
            .unwrap(),
        0
    );

    // "I'm at the client's": the phone's position wins, and stays.
    let path = format!("/contacts/{}/position", ambiguous["id"].as_str().unwrap());
    let (s2, p) = body(u.post(&path, &json!({"lat": 45.7612, "lon": 4.8533})).await).await;
    assert_eq!(s2, StatusCode::OK, "{p}");
    assert_eq!(
        (p["geo_precision"].as_str(), p["geo_status"].as_str()),
        (Some("gps"), Some("done"))
    );
    assert_eq!(
        u.post(&path, &json!({"lat": 123.0, "lon": 4.8})).await.status(),
        StatusCode::UNPROCESSABLE_ENTITY
    );
    let other = app.user(agency, "b@x.fr", Role::Advisor).await;
    assert_eq!(
        other.post(&path, &json!({"lat": 45.0, "lon": 4.0})).await.status(),
        StatusCode::NOT_FOUND
    );
    // Editing the address of a record placed by the phone keeps the phone's point.
    let mut edit = contact("geo-ambiguous");
    edit["address_line"] = json!("5 Grande Rue");
    edit["lat"] = json!(45.7612);
    edit["lon"] = json!(4.8533);
    let (s3, e) = body(
        u.put(&format!("/contacts/{}", ambiguous["id"].as_str().unwrap()), &edit)
            .await,
    )
    .await;
    assert_eq!(s3, StatusCode::OK, "{e}");
    assert_eq!(
        (e["geo_precision"].as_str(), e["geo_status"].as_str()),
        (Some("gps"), Some("done"))
    );
}
