//! The HTTP application: API, pages, static bundle, and the layers in front of them.

use axum::http::{header, HeaderValue};
use axum::{middleware, Router};
use leptos_axum::{generate_route_list, LeptosRoutes};
use tokio::net::TcpListener;
use tower_http::compression::{CompressionLayer, CompressionLevel};
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
    let tiles = crate::csp::origin_of(&state.config.map_tiles_url);
    let router = Router::new()
        // Answers carry personal data: never kept by a browser's or a proxy's cache. They
        // are compressed for a phone that asks (a first sync of 10 000 records is 32.9 MB of
        // JSON: 3.4 MB in zstd, which browsers prefer and costs next to nothing, 6.4 MB in
        // gzip); the fastest level, as the server's CPU is the first sync's limit on a fast
        // network (docs/benchmarks.md).
        .nest(
            "/api/v1",
            crate::api::router()
                .layer(SetResponseHeaderLayer::if_not_present(
                    header::CACHE_CONTROL,
                    HeaderValue::from_static("no-store"),
                ))
                .layer(CompressionLayer::new().quality(CompressionLevel::Fastest)),
        )
        .route("/healthz", axum::routing::get(healthz))
        .route("/readyz", axum::routing::get(readyz))
        .route("/metrics", axum::routing::get(crate::metrics::serve))
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
        .leptos_routes_with_context(&state, routes, crate::csp::provide_nonce, move || {
            app::shell(options.clone())
        })
        .fallback(leptos_axum::file_and_error_handler_with_context::<AppState, _>(
            crate::csp::provide_nonce,
            app::shell,
        ))
        .layer(axum::extract::DefaultBodyLimit::max(MAX_BODY_BYTES))
        .layer(middleware::from_fn(reject_cross_site))
        .layer(middleware::from_fn(move |req, next| {
            crate::csp::layer(tiles.clone(), req, next)
        }))
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
        .layer(middleware::from_fn(crate::metrics::record))
        // A bug that panics in a handler answers the JSON 500 and is logged, instead of
        // dropping the connection.
        .layer(tower_http::catch_panic::CatchPanicLayer::custom(panic_answer))
        // A request that takes longer than this is cut (408): nothing here should.
        .layer(tower_http::timeout::TimeoutLayer::with_status_code(
            axum::http::StatusCode::REQUEST_TIMEOUT,
            REQUEST_TIMEOUT,
        ));
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
///
/// The accept loop is ours rather than `axum::serve` so that slow or silent clients cannot
/// hold the server: a client has [`Config::header_timeout_secs`] to send a request's headers
/// (also between requests on a kept-alive connection), at most
/// [`Config::max_connections`] connections are served at once (the next ones wait in the
/// kernel's backlog instead of using up file descriptors), and a stop lets the requests under
/// way finish for at most [`DRAIN`].
pub async fn serve(listener: TcpListener, state: AppState) -> anyhow::Result<()> {
    use hyper_util::rt::{TokioIo, TokioTimer};
    use tower::ServiceExt;

    tokio::spawn(cadence_tasks(state.clone()));
    tokio::spawn(crate::geo::worker::run(state.store.clone(), state.config.geocoders()));
    let store = state.store.clone();
    let slots = std::sync::Arc::new(tokio::sync::Semaphore::new(state.config.max_connections.max(1)));
    let header_timeout = std::time::Duration::from_secs(state.config.header_timeout_secs.max(1));
    let app = router(state);
    SERVING.store(true, std::sync::atomic::Ordering::Relaxed);
    // HTTP/1.1 only (a reverse proxy speaks HTTP/2 to the phones): version detection would
    // wait for a silent client's first bytes with no timeout.
    let mut builder = hyper::server::conn::http1::Builder::new();
    builder.timer(TokioTimer::new()).header_read_timeout(header_timeout);
    let graceful = hyper_util::server::graceful::GracefulShutdown::new();
    let stop = shutdown_signal();
    tokio::pin!(stop);
    loop {
        let slot = tokio::select! {
            slot = slots.clone().acquire_owned() => slot?,
            _ = &mut stop => break,
        };
        let (stream, peer) = tokio::select! {
            accepted = listener.accept() => match accepted {
                Ok(a) => a,
                Err(e) => {
                    // Out of descriptors or a reset before accept: wait a little, go on.
                    tracing::warn!(error = %e, "accept failed");
                    tokio::time::sleep(std::time::Duration::from_millis(100)).await;
                    continue;
                }
            },
            _ = &mut stop => break,
        };
        let app = app.clone();
        let service = hyper::service::service_fn(move |mut request: axum::extract::Request<hyper::body::Incoming>| {
            request.extensions_mut().insert(axum::extract::ConnectInfo(peer));
            app.clone().oneshot(request.map(axum::body::Body::new))
        });
        let connection = builder.serve_connection(TokioIo::new(stream), service);
        let connection = graceful.watch(connection);
        let counted = Counted::new();
        tokio::spawn(async move {
            let _slot = slot;
            let _counted = counted;
            let _ = connection.await;
        });
    }
    tracing::info!("stopping: no new connections, finishing the requests under way");
    drop(listener);
    tokio::select! {
        _ = graceful.shutdown() => {}
        _ = tokio::time::sleep(DRAIN) => tracing::warn!("drain time over: closing the connections still open"),
    }
    store.close().await;
    tracing::info!("stopped");
    Ok(())
}

/// Client connections being served, while [`serve`] runs (`/metrics`).
static CONNECTIONS: std::sync::atomic::AtomicUsize = std::sync::atomic::AtomicUsize::new(0);
static SERVING: std::sync::atomic::AtomicBool = std::sync::atomic::AtomicBool::new(false);

/// Client connections being served now, when this process serves through [`serve`].
pub fn connections_in_use() -> Option<usize> {
    use std::sync::atomic::Ordering;
    SERVING
        .load(Ordering::Relaxed)
        .then(|| CONNECTIONS.load(Ordering::Relaxed))
}

/// One connection counted while it lives.
struct Counted;
impl Counted {
    fn new() -> Counted {
        CONNECTIONS.fetch_add(1, std::sync::atomic::Ordering::Relaxed);
        Counted
    }
}
impl Drop for Counted {
    fn drop(&mut self) {
        CONNECTIONS.fetch_sub(1, std::sync::atomic::Ordering::Relaxed);
    }
}

/// The longest a request may take.
pub const REQUEST_TIMEOUT: std::time::Duration = std::time::Duration::from_secs(60);

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
