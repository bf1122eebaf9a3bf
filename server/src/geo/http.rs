//! Street-level geocoders over HTTP: the French national address base's API (BAN,
//! `api-adresse` format) and Nominatim (OpenStreetMap), each enabled by a configured URL.

use async_trait::async_trait;
use serde::Deserialize;
use std::time::Duration;
use tokio::sync::Mutex;
use tokio::time::Instant;

use super::{Candidate, GeoError, GeoQuery, Lookup, Precision, Provider};

fn client(user_agent: &str, timeout: Duration) -> reqwest::Client {
    reqwest::Client::builder()
        .user_agent(user_agent)
        .timeout(timeout)
        .build()
        .unwrap_or_else(|_| reqwest::Client::new())
}

async fn get_json<T: serde::de::DeserializeOwned>(req: reqwest::RequestBuilder) -> Result<T, GeoError> {
    let response = req.send().await.map_err(|e| {
        if e.is_timeout() {
            GeoError::Timeout
        } else {
            GeoError::Network(e.to_string())
        }
    })?;
    let status = response.status();
    if status.as_u16() == 429 {
        let after = response
            .headers()
            .get(reqwest::header::RETRY_AFTER)
            .and_then(|v| v.to_str().ok())
            .and_then(|v| v.trim().parse().ok())
            .unwrap_or(60);
        return Err(GeoError::RateLimited(after));
    }
    if !status.is_success() {
        return Err(GeoError::Status(status.as_u16()));
    }
    let bytes = response.bytes().await.map_err(|e| {
        if e.is_timeout() {
            GeoError::Timeout
        } else {
            GeoError::Network(e.to_string())
        }
    })?;
    serde_json::from_slice(&bytes).map_err(|e| GeoError::Malformed(e.to_string()))
}

/// Keeps the best candidate when it clearly wins, else reports the close ones.
fn decide(mut candidates: Vec<Candidate>, min_score: f64) -> Lookup {
    candidates.retain(|c| c.score >= min_score && c.lat.is_finite() && c.lon.is_finite());
    candidates.sort_by(|a, b| b.score.total_cmp(&a.score));
    match candidates.as_slice() {
        [] => Lookup::NotFound,
        [one] => Lookup::Found(one.clone()),
        [first, second, ..] if first.score - second.score >= 0.1 => Lookup::Found(first.clone()),
        _ => Lookup::Ambiguous(candidates.into_iter().take(5).collect()),
    }
}

/// The national address base (`/search/?q=…`, a GeoJSON FeatureCollection).
pub struct Ban {
    base: String,
    http: reqwest::Client,
}

impl Ban {
    pub fn new(base: &str, user_agent: &str, timeout: Duration) -> Self {
        Ban {
            base: base.trim_end_matches('/').to_string(),
            http: client(user_agent, timeout),
        }
    }
}

#[derive(Deserialize)]
struct BanAnswer {
    features: Vec<BanFeature>,
}

#[derive(Deserialize)]
struct BanFeature {
    geometry: BanGeometry,
    properties: BanProperties,
}

#[derive(Deserialize)]
struct BanGeometry {
    coordinates: (f64, f64),
}

#[derive(Deserialize)]
struct BanProperties {
    label: String,
    score: f64,
    #[serde(rename = "type")]
    kind: String,
}

#[async_trait]
impl Provider for Ban {
    fn name(&self) -> &'static str {
        "ban"
    }

    async fn lookup(&self, q: &GeoQuery) -> Result<Lookup, GeoError> {
        let mut req = self
            .http
            .get(format!("{}/search/", self.base))
            .query(&[("q", q.text().as_str()), ("limit", "5")]);
        if q.postcode.trim().len() == 5 {
            req = req.query(&[("postcode", q.postcode.trim())]);
        }
        let answer: BanAnswer = get_json(req).await?;
        let candidates = answer
            .features
            .into_iter()
            .map(|f| Candidate {
                lat: f.geometry.coordinates.1,
                lon: f.geometry.coordinates.0,
                label: f.properties.label,
                precision: match f.properties.kind.as_str() {
                    "housenumber" | "street" | "locality" => Precision::Street,
                    _ => Precision::Commune,
                },
                score: f.properties.score,
            })
            .collect();
        Ok(decide(candidates, 0.5))
    }
}

/// Nominatim (`/search?format=jsonv2`), at most one request per second as its policy asks,
/// with a real User-Agent.
pub struct Nominatim {
    base: String,
    http: reqwest::Client,
    last: Mutex<Option<Instant>>,
    interval: Duration,
}

impl Nominatim {
    pub fn new(base: &str, user_agent: &str, timeout: Duration) -> Self {
        Nominatim {
            base: base.trim_end_matches('/').to_string(),
            http: client(user_agent, timeout),
            last: Mutex::new(None),
            interval: Duration::from_secs(1),
        }
    }
}

#[derive(Deserialize)]
struct NominatimPlace {
    lat: String,
    lon: String,
    display_name: String,
    #[serde(default)]
    importance: Option<f64>,
    #[serde(default)]
    addresstype: Option<String>,
}

#[async_trait]
impl Provider for Nominatim {
    fn name(&self) -> &'static str {
        "nominatim"
    }

    async fn lookup(&self, q: &GeoQuery) -> Result<Lookup, GeoError> {
        {
            // One request at a time, a second apart.
            let mut last = self.last.lock().await;
            if let Some(t) = *last {
                let next = t + self.interval;
                if next > Instant::now() {
                    tokio::time::sleep_until(next).await;
                }
            }
            *last = Some(Instant::now());
        }
        let req = self.http.get(format!("{}/search", self.base)).query(&[
            ("q", q.text().as_str()),
            ("format", "jsonv2"),
            ("limit", "5"),
            ("countrycodes", "fr"),
        ]);
        let places: Vec<NominatimPlace> = get_json(req).await?;
        let mut candidates = Vec::new();
        for p in places {
            let (Ok(lat), Ok(lon)) = (p.lat.parse::<f64>(), p.lon.parse::<f64>()) else {
                return Err(GeoError::Malformed(format!("coordinates {:?} {:?}", p.lat, p.lon)));
            };
            let precision = match p.addresstype.as_deref() {
                Some("city" | "town" | "village" | "municipality" | "hamlet" | "county" | "state" | "postcode") => {
                    Precision::Commune
                }
                _ => Precision::Street,
            };
            candidates.push(Candidate {
                lat,
                lon,
                label: p.display_name,
                precision,
                score: p.importance.unwrap_or(0.5).clamp(0.0, 1.0),
            });
        }
        Ok(decide(candidates, 0.0))
    }
}
