//! Road travel times from an OSRM server's `table` service, when one is configured; the
//! planner falls back to straight-line estimates otherwise (and when OSRM fails).

use serde::Deserialize;
use std::time::Duration;

use super::GeoError;

/// A pair of places OSRM cannot connect costs a whole day: the planner will not use it.
const UNREACHABLE: i64 = 24 * 3600;

#[derive(Deserialize)]
struct Table {
    code: String,
    #[serde(default)]
    message: Option<String>,
    durations: Option<Vec<Vec<Option<f64>>>>,
}

/// Travel seconds between every pair of points (latitude, longitude).
pub async fn table(
    base: &str,
    user_agent: &str,
    points: &[(f64, f64)],
    timeout: Duration,
) -> Result<Vec<Vec<i64>>, GeoError> {
    if points.len() < 2 {
        return Ok(vec![vec![0; points.len()]; points.len()]);
    }
    let coords = points
        .iter()
        .map(|(lat, lon)| format!("{lon:.6},{lat:.6}"))
        .collect::<Vec<_>>()
        .join(";");
    let url = format!(
        "{}/table/v1/driving/{coords}?annotations=duration",
        base.trim_end_matches('/')
    );
    let client = reqwest::Client::builder()
        .user_agent(user_agent)
        .timeout(timeout)
        .build()
        .map_err(|e| GeoError::Network(e.to_string()))?;
    let response = client.get(url).send().await.map_err(|e| {
        if e.is_timeout() {
            GeoError::Timeout
        } else {
            GeoError::Network(e.to_string())
        }
    })?;
    let status = response.status().as_u16();
    if status == 429 {
        return Err(GeoError::RateLimited(60));
    }
    let body = response.bytes().await.map_err(|e| GeoError::Network(e.to_string()))?;
    let t: Table = serde_json::from_slice(&body).map_err(|e| GeoError::Malformed(e.to_string()))?;
    if t.code != "Ok" {
        return Err(if status >= 400 {
            GeoError::Status(status)
        } else {
            GeoError::Malformed(format!("{}: {}", t.code, t.message.unwrap_or_default()))
        });
    }
    let d = t.durations.ok_or_else(|| GeoError::Malformed("no durations".into()))?;
    if d.len() != points.len() || d.iter().any(|r| r.len() != points.len()) {
        return Err(GeoError::Malformed("matrix size".into()));
    }
    Ok(d.into_iter()
        .map(|row| {
            row.into_iter()
                .map(|v| v.map(|s| s.round() as i64).unwrap_or(UNREACHABLE))
                .collect()
        })
        .collect())
}
