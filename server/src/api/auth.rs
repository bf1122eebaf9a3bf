//! Login, logout, "who am I" and "my sessions".

use axum::extract::rejection::FormRejection;
use axum::extract::{ConnectInfo, FromRequestParts, State};
use axum::http::request::Parts;
use axum::http::{header, HeaderMap, StatusCode};
use axum::response::{AppendHeaders, IntoResponse, Response};
use axum::Form;
use axum::Json;
use chrono::Duration;
use serde::Deserialize;
use shared::api::{LoginRequest, Me, SessionInfo};
use std::net::SocketAddr;
use std::time::Instant;
use uuid::Uuid;

use crate::auth::session::{clear_cookie, hash_token, new_token, session_cookie};
use crate::auth::CurrentUser;
use crate::db::NewSession;
use crate::error::{ApiError, ApiJson, ApiPath, ApiResult};
use crate::state::AppState;

/// The peer address, when the server was started with connection info.
pub struct ClientIp(pub String);

impl FromRequestParts<AppState> for ClientIp {
    type Rejection = std::convert::Infallible;
    async fn from_request_parts(parts: &mut Parts, state: &AppState) -> Result<Self, Self::Rejection> {
        let peer = parts.extensions.get::<ConnectInfo<SocketAddr>>().map(|c| c.0.ip());
        let forwarded = parts
            .headers
            .get_all("x-forwarded-for")
            .iter()
            .filter_map(|v| v.to_str().ok())
            .collect::<Vec<_>>()
            .join(",");
        Ok(ClientIp(match peer {
            Some(peer) => client_address(peer, &forwarded, &state.config.trusted_proxies).to_string(),
            None => "unknown".into(),
        }))
    }
}

/// The client's address: the peer's, or — when the peer is a trusted proxy — the rightmost
/// address of `X-Forwarded-For` that is not itself a trusted proxy (the leftmost entries are
/// whatever the client chose to send).
pub fn client_address(peer: std::net::IpAddr, forwarded: &str, trusted: &[std::net::IpAddr]) -> std::net::IpAddr {
    if !trusted.contains(&peer) {
        return peer;
    }
    let mut client = peer;
    for hop in forwarded.rsplit(',').map(str::trim) {
        match hop.parse::<std::net::IpAddr>() {
            Ok(ip) if trusted.contains(&ip) => client = ip,
            Ok(ip) => return ip,
            Err(_) => break,
        }
    }
    client
}

fn me_of(current: &CurrentUser) -> Me {
    Me {
        user_id: current.user.id,
        agency_id: current.user.agency_id,
        agency_name: current.agency_name.clone(),
        email: current.user.email.clone(),
        display_name: current.user.display_name.clone(),
        role: current.user.role,
    }
}

/// Signs in and sets the session cookie.
#[utoipa::path(post, path = "/api/v1/auth/login", tag = "auth", request_body = LoginRequest,
    responses((status = 200, body = Me), (status = 401, body = shared::api::ErrorBody), (status = 429, body = shared::api::ErrorBody)))]
pub async fn login(
    State(state): State<AppState>,
    ClientIp(ip): ClientIp,
    headers: HeaderMap,
    ApiJson(req): ApiJson<LoginRequest>,
) -> ApiResult<impl IntoResponse> {
    let (cookie, me) = sign_in(&state, ip, &headers, &req.email, req.password).await?;
    Ok((AppendHeaders([(header::SET_COOKIE, cookie)]), Json(me)))
}

/// The fields of the login page's form.
#[derive(Debug, Default, Deserialize)]
pub struct LoginForm {
    #[serde(default)]
    email: String,
    #[serde(default)]
    password: String,
}

/// `POST /login`: the login page's form when it is sent before the page's code has loaded
/// (a tap on a slow network). Same checks and limits as the API; answers with a redirect to
/// Today (`/?connexion`), or back to the form with the reason in the query
/// (`?erreur=identifiants|attente|serveur`).
pub async fn login_form(
    State(state): State<AppState>,
    ClientIp(ip): ClientIp,
    headers: HeaderMap,
    form: Result<Form<LoginForm>, FormRejection>,
) -> Response {
    let see_other = |to: &'static str| (StatusCode::SEE_OTHER, [(header::LOCATION, to)]);
    let Ok(Form(form)) = form else {
        return see_other("/login?erreur=identifiants").into_response();
    };
    match sign_in(&state, ip, &headers, &form.email, form.password).await {
        // `?connexion`: the page's code learns there who signed in, and erases another
        // user's replica before its first sync (`replica::service::signed_in_by_form`).
        Ok((cookie, _)) => (AppendHeaders([(header::SET_COOKIE, cookie)]), see_other("/?connexion")).into_response(),
        Err(ApiError::Unauthorized) => see_other("/login?erreur=identifiants").into_response(),
        Err(ApiError::RateLimited { retry_after_secs }) => (
            AppendHeaders([(header::RETRY_AFTER, retry_after_secs.to_string())]),
            see_other("/login?erreur=attente"),
        )
            .into_response(),
        Err(e) => {
            tracing::error!(error = ?e, "login form failed");
            see_other("/login?erreur=serveur").into_response()
        }
    }
}

/// Checks the password (rate-limited per account and per address), opens a session, and
/// returns its cookie with who signed in.
pub(crate) async fn sign_in(
    state: &AppState,
    ip: String,
    headers: &HeaderMap,
    email: &str,
    password: String,
) -> ApiResult<(String, Me)> {
    let email = email.trim().to_lowercase();
    if email.is_empty() || password.is_empty() || password.len() > 1024 || email.len() > 254 {
        return Err(ApiError::Unauthorized);
    }
    // Counted before the password is checked: a flood is cut at the limit, not after the
    // hashes. Keyed per (account, address) and per address, so that strangers elsewhere cannot
    // lock a user out; the account from all addresses has a ten times higher ceiling.
    let keys = [
        format!("acct+ip:{email}|{ip}"),
        format!("ip:{ip}"),
        format!("acct:{email}"),
    ];
    if let Err(wait) = state.limiter.try_attempt(&keys, Instant::now()) {
        tracing::warn!(%email, %ip, "login rate limited");
        return Err(ApiError::RateLimited { retry_after_secs: wait });
    }
    let user = state.store.user_by_email(&email).await?.filter(|u| !u.disabled);
    let ok = match state
        .passwords
        .verify(password, user.as_ref().map(|u| u.password_hash.clone()))
        .await
    {
        Ok(ok) => ok,
        Err(e) if e.is::<crate::auth::password::Busy>() => {
            state.limiter.forgive(&keys);
            return Err(ApiError::RateLimited { retry_after_secs: 2 });
        }
        Err(e) => return Err(e.into()),
    };
    let Some(user) = user.filter(|_| ok) else {
        tracing::info!(%email, %ip, "login failed");
        return Err(ApiError::Unauthorized);
    };
    state.limiter.forgive(&keys);
    let token = new_token();
    let now = crate::db::now();
    let days = state.config.session_days.clamp(1, 365);
    let session_id = shared::new_id();
    let user_agent: String = headers
        .get(header::USER_AGENT)
        .and_then(|v| v.to_str().ok())
        .unwrap_or("")
        .chars()
        .take(300)
        .collect();
    state
        .store
        .create_session(NewSession {
            id: session_id,
            token_hash: hash_token(&token),
            user_id: user.id,
            agency_id: user.agency_id,
            created_at: now,
            expires_at: now + Duration::days(days),
            user_agent,
            ip,
        })
        .await?;
    let agency = state
        .store
        .agency(user.agency_id)
        .await?
        .ok_or(ApiError::Unauthorized)?;
    let current = CurrentUser {
        user,
        session_id,
        agency_name: agency.name,
    };
    let cookie = session_cookie(&token, days * 86_400, state.config.secure_cookies);
    Ok((cookie, me_of(&current)))
}

/// Ends this session.
#[utoipa::path(post, path = "/api/v1/auth/logout", tag = "auth", responses((status = 204)))]
pub async fn logout(State(state): State<AppState>, current: CurrentUser) -> ApiResult<impl IntoResponse> {
    state
        .store
        .revoke_session(current.user.id, current.session_id, crate::db::now())
        .await?;
    Ok((
        StatusCode::NO_CONTENT,
        AppendHeaders([(header::SET_COOKIE, clear_cookie(state.config.secure_cookies))]),
    ))
}

/// The signed-in user.
#[utoipa::path(get, path = "/api/v1/auth/me", tag = "auth", responses((status = 200, body = Me), (status = 401, body = shared::api::ErrorBody)))]
pub async fn me(current: CurrentUser) -> Json<Me> {
    Json(me_of(&current))
}

/// The user's open sessions ("my sessions"), to spot and revoke a lost phone.
#[utoipa::path(get, path = "/api/v1/auth/sessions", tag = "auth", responses((status = 200, body = [SessionInfo])))]
pub async fn sessions(State(state): State<AppState>, current: CurrentUser) -> ApiResult<Json<Vec<SessionInfo>>> {
    let list = state.store.user_sessions(current.user.id, crate::db::now()).await?;
    Ok(Json(
        list.into_iter()
            .map(|s| SessionInfo {
                current: s.id == current.session_id,
                id: s.id,
                created_at: s.created_at,
                last_seen_at: s.last_seen_at,
                expires_at: s.expires_at,
                user_agent: s.user_agent,
                ip: s.ip,
            })
            .collect(),
    ))
}

/// Revokes one of the user's sessions.
#[utoipa::path(delete, path = "/api/v1/auth/sessions/{id}", tag = "auth", params(("id" = Uuid, Path)), responses((status = 204), (status = 404, body = shared::api::ErrorBody)))]
pub async fn revoke_session(
    State(state): State<AppState>,
    current: CurrentUser,
    ApiPath(id): ApiPath<Uuid>,
) -> ApiResult<StatusCode> {
    if state
        .store
        .revoke_session(current.user.id, id, crate::db::now())
        .await?
    {
        Ok(StatusCode::NO_CONTENT)
    } else {
        Err(ApiError::NotFound)
    }
}

#[cfg(test)]
mod tests {
    use super::client_address;

    #[test]
    fn only_a_trusted_proxy_is_believed() {
        let proxy = "10.0.0.1".parse().unwrap();
        let direct = "203.0.113.9".parse().unwrap();
        assert_eq!(
            client_address(direct, "1.2.3.4", &[proxy]),
            direct,
            "a client cannot choose its address"
        );
        assert_eq!(client_address(proxy, "1.2.3.4", &[proxy]).to_string(), "1.2.3.4");
        assert_eq!(
            client_address(proxy, "6.6.6.6, 1.2.3.4", &[proxy]).to_string(),
            "1.2.3.4",
            "the rightmost hop the proxy saw, not what the client wrote"
        );
        assert_eq!(client_address(proxy, "garbage", &[proxy]), proxy);
        assert_eq!(client_address(proxy, "", &[proxy]), proxy);
    }
}
