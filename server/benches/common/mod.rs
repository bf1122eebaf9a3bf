//! What the benchmark binaries share: latency percentiles, printed one case a line.

use std::time::Duration;

pub fn percentiles(mut samples: Vec<Duration>) -> String {
    samples.sort();
    let p = |q: f64| samples[((samples.len() as f64 - 1.0) * q).round() as usize].as_secs_f64() * 1000.0;
    format!(
        "p50 {:7.2} ms   p95 {:7.2} ms   p99 {:7.2} ms   (n={})",
        p(0.50),
        p(0.95),
        p(0.99),
        samples.len()
    )
}

#[allow(clippy::print_stdout)]
pub fn report(name: &str, samples: Vec<Duration>) {
    println!("{name:<52} {}", percentiles(samples));
}

/// Serves the whole app on a loopback port for `store` and signs `email` in: the base URL and
/// a client holding the session cookie.
pub async fn serve_and_login(
    store: tournee_server::db::DynStore,
    database_url: String,
    email: &str,
    password: &str,
) -> anyhow::Result<(String, reqwest::Client)> {
    let config = tournee_server::config::Config {
        database_url,
        ..Default::default()
    };
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await?;
    let base = format!("http://{}", listener.local_addr()?);
    let state = tournee_server::state::AppState::open(store, config).await?;
    tokio::spawn(async move {
        let _ = axum::serve(
            listener,
            tournee_server::web::router(state).into_make_service_with_connect_info::<std::net::SocketAddr>(),
        )
        .await;
    });
    let client = reqwest::Client::builder().cookie_store(true).build()?;
    let r = client
        .post(format!("{base}/api/v1/auth/login"))
        .json(&serde_json::json!({"email": email, "password": password}))
        .send()
        .await?;
    anyhow::ensure!(r.status().is_success(), "login failed: {}", r.status());
    Ok((base, client))
}
