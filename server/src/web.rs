//! The HTTP application: API, pages, static bundle, and the layers in front of them.

use axum::http::{header, HeaderValue};
use axum::{middleware, Router};
use leptos_axum::{generate_route_list, LeptosRoutes};
use std::net::SocketAddr;
use tokio::net::TcpListener;
use tower_http::services::{ServeDir, ServeFile};
use tower_http::set_header::SetResponseHeaderLayer;
use tower_http::trace::TraceLayer;

use crate::auth::csrf::reject_cross_site;
use crate::state::AppState;

/// The largest request body accepted (a sync push of a full outbox fits); larger ones get a
/// JSON 413.
pub const MAX_BODY_BYTES: usize = 2 * 1024 * 1024;

pub fn router(state: AppState) -> Router {
    let routes = generate_route_list(app::App);
    let pkg_dir = state.config.site_root.join("pkg");
    let options = state.leptos_options.clone();
    let secure = state.config.secure_cookies;
    let router = Router::new()
        // Answers carry personal data: never kept by a browser's or a proxy's cache.
        .nest(
            "/api/v1",
            crate::api::router().layer(SetResponseHeaderLayer::if_not_present(
                header::CACHE_CONTROL,
                HeaderValue::from_static("no-store"),
            )),
        )
        .route("/healthz", axum::routing::get(healthz))
        .route("/readyz", axum::routing::get(readyz))
        .route("/ical/{file}", axum::routing::get(crate::api::calendar::feed))
        // The login form also works before the page's code has loaded.
        .route("/login", axum::routing::post(crate::api::auth::login_form))
        .nest_service("/pkg", ServeDir::new(pkg_dir).precompressed_gzip())
        // The service worker, from the site root so that it may control the whole app; never
        // kept by the browser's HTTP cache, so that a new build is seen at once.
        .merge(
            Router::new()
                .route_service("/sw.js", ServeFile::new(state.config.site_root.join("sw.js")))
                .layer(SetResponseHeaderLayer::overriding(
                    header::CACHE_CONTROL,
                    HeaderValue::from_static("no-cache"),
                )),
        )
        .leptos_routes(&state, routes, move || app::shell(options.clone()))
        .fallback(leptos_axum::file_and_error_handler::<AppState, _>(app::shell))
        .layer(axum::extract::DefaultBodyLimit::max(MAX_BODY_BYTES))
        .layer(middleware::from_fn(reject_cross_site))
        .layer(SetResponseHeaderLayer::if_not_present(
            header::X_CONTENT_TYPE_OPTIONS,
            HeaderValue::from_static("nosniff"),
        ))
        .layer(SetResponseHeaderLayer::if_not_present(
            header::X_FRAME_OPTIONS,
            HeaderValue::from_static("DENY"),
        ))
        .layer(SetResponseHeaderLayer::if_not_present(
            header::REFERRER_POLICY,
            HeaderValue::from_static("same-origin"),
        ))
        .layer(TraceLayer::new_for_http())
        // A bug that panics in a handler answers the JSON 500 and is logged, instead of
        // dropping the connection.
        .layer(tower_http::catch_panic::CatchPanicLayer::custom(panic_answer));
    // Served over https (what secure cookies mean): browsers must never come back in clear.
    let router = if secure {
        router.layer(SetResponseHeaderLayer::if_not_present(
            header::STRICT_TRANSPORT_SECURITY,
            HeaderValue::from_static("max-age=31536000; includeSubDomains"),
        ))
    } else {
        router
    };
    router.with_state(state)
}

/// `GET /healthz`: the process answers.
async fn healthz() -> axum::Json<serde_json::Value> {
    axum::Json(serde_json::json!({"status": "ok"}))
}

/// `GET /readyz`: the database answers too; 503 otherwise (take this instance out of the
/// proxy's rotation).
async fn readyz(axum::extract::State(state): axum::extract::State<AppState>) -> axum::response::Response {
    use axum::response::IntoResponse;
    match state.store.ping().await {
        Ok(()) => axum::Json(serde_json::json!({"status": "ready", "storage": state.store.engine()})).into_response(),
        Err(e) => crate::error::ApiError::StorageUnavailable(e.to_string()).into_response(),
    }
}

fn panic_answer(panic: Box<dyn std::any::Any + Send + 'static>) -> axum::response::Response {
    let what = panic
        .downcast_ref::<String>()
        .map(String::as_str)
        .or_else(|| panic.downcast_ref::<&str>().copied())
        .unwrap_or("panic");
    axum::response::IntoResponse::into_response(crate::error::ApiError::Internal(anyhow::anyhow!(
        "handler panicked: {what}"
    )))
}

/// Serves until the process is stopped; `listener` may be bound to port 0 (tests).
pub async fn serve(listener: TcpListener, state: AppState) -> anyhow::Result<()> {
    tokio::spawn(cadence_tasks(state.clone()));
    tokio::spawn(crate::geo::worker::run(state.store.clone(), state.config.geocoders()));
    let store = state.store.clone();
    let app = router(state);
    let (stopping_tx, stopping) = tokio::sync::watch::channel(false);
    let server = axum::serve(listener, app.into_make_service_with_connect_info::<SocketAddr>()).with_graceful_shutdown(
        async move {
            shutdown_signal().await;
            tracing::info!("stopping: no new connections, finishing the requests under way");
            let _ = stopping_tx.send(true);
        },
    );
    // Graceful, but bounded: a client that never finishes its request does not keep the
    // process alive past the drain.
    let drain = async move {
        let mut stopping = stopping;
        let _ = stopping.wait_for(|s| *s).await;
        tokio::time::sleep(DRAIN).await;
    };
    tokio::select! {
        r = server => r?,
        _ = drain => tracing::warn!("drain time over: closing the connections still open"),
    }
    store.close().await;
    tracing::info!("stopped");
    Ok(())
}

/// How long requests under way may take to finish once a stop is asked.
pub const DRAIN: std::time::Duration = std::time::Duration::from_secs(10);

/// Opens the follow-up tasks of clients who fall due by their segment's cadence: at start,
/// then every hour (idempotent: one open cadence task per record).
async fn cadence_tasks(state: AppState) {
    let mut every = tokio::time::interval(std::time::Duration::from_secs(3600));
    loop {
        every.tick().await;
        let today = state.time.today();
        match state.store.agency_ids().await {
            Ok(ids) => {
                for id in ids {
                    match state.store.generate_cadence_tasks(id, today).await {
                        Ok(0) => {}
                        Ok(n) => tracing::info!(agency = %id, created = n, "cadence tasks opened"),
                        Err(e) => tracing::warn!(agency = %id, error = %e, "cadence tasks failed"),
                    }
                }
            }
            Err(e) => tracing::warn!(error = %e, "cadence tasks: cannot list agencies"),
        }
    }
}

/// SIGINT (Ctrl-C) or SIGTERM (systemd, a container runtime).
async fn shutdown_signal() {
    #[cfg(unix)]
    {
        use tokio::signal::unix::{signal, SignalKind};
        match signal(SignalKind::terminate()) {
            Ok(mut term) => {
                tokio::select! {
                    _ = tokio::signal::ctrl_c() => {}
                    _ = term.recv() => {}
                }
            }
            Err(_) => {
                let _ = tokio::signal::ctrl_c().await;
            }
        }
    }
    #[cfg(not(unix))]
    {
        let _ = tokio::signal::ctrl_c().await;
    }
}
