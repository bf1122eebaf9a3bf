//! Prometheus metrics at `/metrics` (text format 0.0.4): requests by route and status,
//! their latency as a histogram, connections and the database pool, and the sync pushes'
//! outcomes. Written by hand — a few counters behind one mutex — rather than a metrics
//! framework: nothing here is hot enough to need one.
//!
//! Access: with `metrics_token` set, a scraper sends `Authorization: Bearer <token>`; without
//! it, only the loopback address is answered (a scraper on the same machine). Anyone else gets
//! a 404, as if there were nothing there.

use std::collections::BTreeMap;
use std::fmt::Write as _;
use std::sync::{Mutex, OnceLock};
use std::time::Instant;

use axum::extract::{ConnectInfo, MatchedPath, Request, State};
use axum::http::{header, HeaderMap, StatusCode};
use axum::middleware::Next;
use axum::response::{IntoResponse, Response};

use crate::state::AppState;

/// Upper bounds of the latency buckets, in seconds.
const BUCKETS: [f64; 10] = [0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1.0, 2.5, 10.0];

#[derive(Default)]
struct Route {
    /// Count per status code.
    statuses: BTreeMap<u16, u64>,
    /// Cumulative counts per bucket, then the total and the sum of seconds.
    buckets: [u64; BUCKETS.len()],
    count: u64,
    sum: f64,
}

#[derive(Default)]
struct Registry {
    /// By (method, route template).
    routes: BTreeMap<(String, String), Route>,
    /// Sync mutations by outcome (`applied`, `already_applied`, `refused`).
    mutations: BTreeMap<&'static str, u64>,
}

fn registry() -> &'static Mutex<Registry> {
    static REGISTRY: OnceLock<Mutex<Registry>> = OnceLock::new();
    REGISTRY.get_or_init(Default::default)
}

/// Counts one sync mutation by its outcome.
pub fn count_mutation(outcome: &'static str) {
    if let Ok(mut r) = registry().lock() {
        *r.mutations.entry(outcome).or_default() += 1;
    }
}

/// Records every request: its route template (never the raw path, which holds ids), status
/// and duration.
pub async fn record(req: Request, next: Next) -> Response {
    let route = req
        .extensions()
        .get::<MatchedPath>()
        .map(|p| p.as_str().to_string())
        .unwrap_or_else(|| {
            if req.uri().path().starts_with("/pkg/") {
                "/pkg/*".into()
            } else {
                "page".into()
            }
        });
    let method = req.method().as_str().to_string();
    let started = Instant::now();
    let response = next.run(req).await;
    let seconds = started.elapsed().as_secs_f64();
    if let Ok(mut r) = registry().lock() {
        let entry = r.routes.entry((method, route)).or_default();
        *entry.statuses.entry(response.status().as_u16()).or_default() += 1;
        for (i, bound) in BUCKETS.iter().enumerate() {
            if seconds <= *bound {
                entry.buckets[i] += 1;
            }
        }
        entry.count += 1;
        entry.sum += seconds;
    }
    response
}

fn label(v: &str) -> String {
    v.replace('\\', "\\\\").replace('"', "\\\"").replace('\n', "\\n")
}

/// The metrics in Prometheus' text format.
pub fn render(pool: Option<(u32, usize)>, connections: Option<(usize, usize)>) -> String {
    let mut out = String::new();
    let Ok(r) = registry().lock() else { return out };
    out.push_str("# HELP tournee_http_requests_total HTTP requests answered, by route and status.\n");
    out.push_str("# TYPE tournee_http_requests_total counter\n");
    for ((method, route), v) in &r.routes {
        for (status, n) in &v.statuses {
            let _ = writeln!(
                out,
                "tournee_http_requests_total{{method=\"{}\",route=\"{}\",status=\"{status}\"}} {n}",
                label(method),
                label(route)
            );
        }
    }
    out.push_str("# HELP tournee_http_request_duration_seconds Time to answer, by route.\n");
    out.push_str("# TYPE tournee_http_request_duration_seconds histogram\n");
    for ((method, route), v) in &r.routes {
        let (m, rt) = (label(method), label(route));
        for (i, bound) in BUCKETS.iter().enumerate() {
            let _ = writeln!(
                out,
                "tournee_http_request_duration_seconds_bucket{{method=\"{m}\",route=\"{rt}\",le=\"{bound}\"}} {}",
                v.buckets[i]
            );
        }
        let _ = writeln!(
            out,
            "tournee_http_request_duration_seconds_bucket{{method=\"{m}\",route=\"{rt}\",le=\"+Inf\"}} {}",
            v.count
        );
        let _ = writeln!(
            out,
            "tournee_http_request_duration_seconds_sum{{method=\"{m}\",route=\"{rt}\"}} {}",
            v.sum
        );
        let _ = writeln!(
            out,
            "tournee_http_request_duration_seconds_count{{method=\"{m}\",route=\"{rt}\"}} {}",
            v.count
        );
    }
    out.push_str("# HELP tournee_sync_mutations_total Mutations pushed by phones, by outcome.\n");
    out.push_str("# TYPE tournee_sync_mutations_total counter\n");
    for (outcome, n) in &r.mutations {
        let _ = writeln!(out, "tournee_sync_mutations_total{{outcome=\"{outcome}\"}} {n}");
    }
    if let Some((size, idle)) = pool {
        out.push_str("# HELP tournee_db_pool_connections Database connections open, and idle among them.\n");
        out.push_str("# TYPE tournee_db_pool_connections gauge\n");
        let _ = writeln!(out, "tournee_db_pool_connections{{state=\"open\"}} {size}");
        let _ = writeln!(out, "tournee_db_pool_connections{{state=\"idle\"}} {idle}");
    }
    if let Some((used, max)) = connections {
        out.push_str("# HELP tournee_http_connections Client connections being served, and the cap.\n");
        out.push_str("# TYPE tournee_http_connections gauge\n");
        let _ = writeln!(out, "tournee_http_connections{{state=\"open\"}} {used}");
        let _ = writeln!(out, "tournee_http_connections{{state=\"max\"}} {max}");
    }
    out
}

/// Whether this request may read the metrics.
pub fn allowed(token: &str, headers: &HeaderMap, peer: Option<std::net::SocketAddr>) -> bool {
    if token.is_empty() {
        return peer.is_some_and(|p| p.ip().is_loopback());
    }
    let sent = headers
        .get(header::AUTHORIZATION)
        .and_then(|v| v.to_str().ok())
        .and_then(|v| v.strip_prefix("Bearer "))
        .unwrap_or("");
    // Compared in constant time: the token is a secret.
    sent.len() == token.len() && sent.bytes().zip(token.bytes()).fold(0u8, |acc, (a, b)| acc | (a ^ b)) == 0
}

/// `GET /metrics`.
pub async fn serve(State(state): State<AppState>, req: Request) -> Response {
    let peer = req.extensions().get::<ConnectInfo<std::net::SocketAddr>>().map(|c| c.0);
    if !allowed(&state.config.metrics_token, req.headers(), peer) {
        return StatusCode::NOT_FOUND.into_response();
    }
    let pool = state.store.pool_status();
    let connections = crate::web::connections_in_use().map(|used| (used, state.config.max_connections));
    (
        [(header::CONTENT_TYPE, "text/plain; version=0.0.4; charset=utf-8")],
        render(pool, connections),
    )
        .into_response()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_token_or_the_loopback_opens_the_metrics() {
        let mut h = HeaderMap::new();
        let local = Some("127.0.0.1:5000".parse().unwrap());
        let remote = Some("192.0.2.7:5000".parse().unwrap());
        assert!(allowed("", &h, local));
        assert!(!allowed("", &h, remote));
        assert!(!allowed("s3cret", &h, local), "with a token, the loopback needs it too");
        h.insert(header::AUTHORIZATION, "Bearer s3cret".parse().unwrap());
        assert!(allowed("s3cret", &h, remote));
        h.insert(header::AUTHORIZATION, "Bearer s3cres".parse().unwrap());
        assert!(!allowed("s3cret", &h, remote));
    }
}
