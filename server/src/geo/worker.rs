//! The background geocoding queue: due records in, points (or flags, or retries) out.

use chrono::{DateTime, Duration, Utc};

use super::{geocode, GeoError, GeoQuery, Lookup, Precision, Provider};
use crate::db::geo::{GeoJob, GeoUpdate};
use crate::db::DynStore;

/// After this many attempts, a commune-level point is kept and no street-level retry is made.
pub const MAX_ATTEMPTS: i64 = 5;

/// Backoff before the next attempt: 30 s, 1 min, 2 min… capped at 6 hours; a provider's
/// Retry-After is respected.
pub fn backoff(attempts: i64, error: Option<&GeoError>) -> Duration {
    let exp = Duration::seconds(30 * (1i64 << attempts.clamp(0, 10))).min(Duration::hours(6));
    match error {
        Some(GeoError::RateLimited(s)) => exp.max(Duration::seconds(*s as i64)),
        _ => exp,
    }
}

/// What to store for a job, from what the chain answered.
pub fn decide(
    job: &GeoJob,
    lookup: &Lookup,
    source: &'static str,
    retry: Option<&GeoError>,
    now: DateTime<Utc>,
) -> GeoUpdate {
    let retry_at = (retry.is_some() && job.attempts + 1 < MAX_ATTEMPTS).then(|| now + backoff(job.attempts, retry));
    match lookup {
        Lookup::Found(c) => GeoUpdate::Point {
            lat: c.lat,
            lon: c.lon,
            precision: c.precision.as_str(),
            source,
            // A commune-level point while a street-level provider was down: ask again later.
            retry_at: if c.precision == Precision::Commune {
                retry_at
            } else {
                None
            },
        },
        Lookup::Ambiguous(list) => GeoUpdate::Flag {
            status: "ambiguous",
            note: format!(
                "Adresse ambiguë : {}",
                list.iter().map(|c| c.label.as_str()).collect::<Vec<_>>().join(" ; ")
            ),
        },
        Lookup::NotFound => match retry_at {
            Some(at) => GeoUpdate::Retry {
                at,
                note: format!(
                    "géocodeur indisponible : {}",
                    retry.map(|e| e.to_string()).unwrap_or_default()
                ),
            },
            None => GeoUpdate::Flag {
                status: "not_found",
                note: "Adresse introuvable : vérifiez le code postal et la ville".into(),
            },
        },
    }
}

/// Geocodes what is due, once. Returns how many records were handled.
pub async fn run_once(store: &DynStore, providers: &[Box<dyn Provider>]) -> anyhow::Result<usize> {
    let now = crate::db::now();
    let jobs = store.geocode_due(20, now).await?;
    for job in &jobs {
        let q = GeoQuery {
            address_line: job.address_line.clone(),
            postcode: job.postcode.clone(),
            city: job.city.clone(),
        };
        let outcome = geocode(providers, &q).await;
        let update = decide(
            job,
            &outcome.lookup,
            outcome.source,
            outcome.retry.as_ref(),
            crate::db::now(),
        );
        store.geocode_done(job, &update, crate::db::now()).await?;
    }
    Ok(jobs.len())
}

/// Runs the queue forever, every two seconds (faster while there is work).
pub async fn run(store: DynStore, providers: Vec<Box<dyn Provider>>) {
    loop {
        let pause = match run_once(&store, &providers).await {
            Ok(0) => std::time::Duration::from_secs(2),
            Ok(_) => std::time::Duration::from_millis(50),
            Err(e) => {
                tracing::warn!(error = %e, "geocoding queue");
                std::time::Duration::from_secs(10)
            }
        };
        tokio::time::sleep(pause).await;
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::geo::Candidate;

    fn job(attempts: i64) -> GeoJob {
        GeoJob {
            id: uuid::Uuid::nil(),
            agency_id: uuid::Uuid::nil(),
            address_line: String::new(),
            postcode: "69003".into(),
            city: "Lyon".into(),
            attempts,
        }
    }

    #[test]
    fn backoff_grows_and_respects_retry_after() {
        assert_eq!(backoff(0, None), Duration::seconds(30));
        assert_eq!(backoff(3, None), Duration::seconds(240));
        assert_eq!(backoff(20, None), Duration::hours(6));
        assert_eq!(backoff(0, Some(&GeoError::RateLimited(600))), Duration::seconds(600));
    }

    #[test]
    fn commune_points_are_kept_and_retried_while_a_street_geocoder_is_down() {
        let now = Utc::now();
        let commune = Lookup::Found(Candidate {
            lat: 45.75,
            lon: 4.86,
            label: "Lyon 3e".into(),
            precision: Precision::Commune,
            score: 1.0,
        });
        match decide(&job(0), &commune, "communes", Some(&GeoError::Timeout), now) {
            GeoUpdate::Point {
                retry_at: Some(at),
                precision: "commune",
                ..
            } => assert!(at > now),
            other => panic!("{other:?}"),
        }
        // After the last attempt the commune point stays for good.
        assert!(matches!(
            decide(&job(MAX_ATTEMPTS), &commune, "communes", Some(&GeoError::Timeout), now),
            GeoUpdate::Point { retry_at: None, .. }
        ));
        assert!(matches!(
            decide(&job(0), &Lookup::NotFound, "", None, now),
            GeoUpdate::Flag {
                status: "not_found",
                ..
            }
        ));
        assert!(matches!(
            decide(&job(0), &Lookup::NotFound, "", Some(&GeoError::Status(503)), now),
            GeoUpdate::Retry { .. }
        ));
    }
}
