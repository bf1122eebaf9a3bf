//! Geocoding: address → point, behind one [`Provider`] trait, as a chain. The HTTP providers
//! (the national address base's API and Nominatim, each enabled by a configured URL) give
//! street precision; the embedded [`offline`] geocoder gives commune precision with no network.
//! Geocoding runs after the save, in the background ([`worker`]), never in a request.

pub mod http;
pub mod offline;
pub mod osrm;
pub mod worker;

use async_trait::async_trait;
use serde::{Deserialize, Serialize};

/// How precise a point is.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Precision {
    Street,
    Commune,
    Manual,
    Gps,
}

impl Precision {
    pub fn as_str(self) -> &'static str {
        match self {
            Precision::Street => "street",
            Precision::Commune => "commune",
            Precision::Manual => "manual",
            Precision::Gps => "gps",
        }
    }
}

#[derive(Debug, Clone, PartialEq)]
pub struct GeoQuery {
    pub address_line: String,
    pub postcode: String,
    pub city: String,
}

impl GeoQuery {
    pub fn text(&self) -> String {
        [self.address_line.trim(), self.postcode.trim(), self.city.trim()]
            .into_iter()
            .filter(|s| !s.is_empty())
            .collect::<Vec<_>>()
            .join(" ")
    }
}

#[derive(Debug, Clone, PartialEq)]
pub struct Candidate {
    pub lat: f64,
    pub lon: f64,
    pub label: String,
    pub precision: Precision,
    /// The provider's confidence, 0–1.
    pub score: f64,
}

/// What a provider answered.
#[derive(Debug, Clone, PartialEq)]
pub enum Lookup {
    Found(Candidate),
    /// Several places fit, or the postcode and the city disagree: the advisor chooses.
    Ambiguous(Vec<Candidate>),
    NotFound,
}

/// Why a provider could not answer (worth retrying later).
#[derive(Debug, Clone, PartialEq, thiserror::Error)]
pub enum GeoError {
    #[error("timeout")]
    Timeout,
    #[error("rate limited, retry after {0} s")]
    RateLimited(u64),
    #[error("HTTP {0}")]
    Status(u16),
    #[error("malformed answer: {0}")]
    Malformed(String),
    #[error("network: {0}")]
    Network(String),
}

#[async_trait]
pub trait Provider: Send + Sync {
    /// A short name recorded as the point's source.
    fn name(&self) -> &'static str;
    async fn lookup(&self, q: &GeoQuery) -> Result<Lookup, GeoError>;
}

/// The embedded communes as a provider.
pub struct Offline;

#[async_trait]
impl Provider for Offline {
    fn name(&self) -> &'static str {
        "communes"
    }
    async fn lookup(&self, q: &GeoQuery) -> Result<Lookup, GeoError> {
        Ok(offline::lookup(q))
    }
}

/// The result of the chain for one address.
#[derive(Debug, Clone, PartialEq)]
pub struct Outcome {
    pub lookup: Lookup,
    pub source: &'static str,
    /// A street-level provider failed for a reason worth retrying.
    pub retry: Option<GeoError>,
}

/// Asks the street-level providers in order, then the communes: the first answer wins (a
/// point, or several candidates to flag); a failing provider does not stop the chain but is
/// remembered for a retry.
pub async fn geocode(providers: &[Box<dyn Provider>], q: &GeoQuery) -> Outcome {
    let mut retry = None;
    for p in providers {
        match p.lookup(q).await {
            Ok(Lookup::Found(c)) => {
                return Outcome {
                    lookup: Lookup::Found(c),
                    source: p.name(),
                    retry,
                }
            }
            // Several streets fit: the advisor chooses; a commune centre would hide it.
            Ok(l @ Lookup::Ambiguous(_)) => {
                return Outcome {
                    lookup: l,
                    source: p.name(),
                    retry,
                }
            }
            Ok(Lookup::NotFound) => {}
            Err(e) => {
                tracing::warn!(provider = p.name(), error = %e, "geocoder failed");
                retry.get_or_insert(e);
            }
        }
    }
    Outcome {
        lookup: Lookup::NotFound,
        source: "",
        retry,
    }
}
