//! Server-side sessions behind an opaque cookie.
//!
//! The cookie holds 32 random bytes; the database holds only their SHA-256, so a leaked
//! database does not leak live sessions. A session can be revoked from "my sessions" (a lost
//! phone) and expires after the configured number of days.

use axum::extract::{FromRef, FromRequestParts};
use axum::http::request::Parts;
use axum::http::{header, HeaderMap};
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use base64::Engine;
use chrono::Duration;
use rand::RngCore;
use sha2::{Digest, Sha256};
use uuid::Uuid;

use crate::db::{Actor, DynStore, User};
use crate::error::{ApiError, SessionEnd};

pub const SESSION_COOKIE: &str = "tournee_session";

/// The session cookie's name over https: the `__Host-` prefix makes the browser refuse it
/// unless it is `Secure`, has `Path=/` and no `Domain` — a sibling subdomain cannot plant or
/// shadow it.
pub const SECURE_SESSION_COOKIE: &str = "__Host-tournee_session";

fn cookie_name(secure: bool) -> &'static str {
    if secure {
        SECURE_SESSION_COOKIE
    } else {
        SESSION_COOKIE
    }
}

/// Touch `last_seen_at` at most this often, not on every request.
const TOUCH_EVERY: Duration = Duration::minutes(5);

pub fn new_token() -> String {
    let mut bytes = [0u8; 32];
    rand::rngs::OsRng.fill_bytes(&mut bytes);
    URL_SAFE_NO_PAD.encode(bytes)
}

pub fn hash_token(token: &str) -> String {
    let digest = Sha256::digest(token.as_bytes());
    digest.iter().map(|b| format!("{b:02x}")).collect()
}

pub fn session_cookie(token: &str, max_age_secs: i64, secure: bool) -> String {
    let name = cookie_name(secure);
    let secure = if secure { "; Secure" } else { "" };
    format!("{name}={token}; Path=/; HttpOnly; SameSite=Lax; Max-Age={max_age_secs}{secure}")
}

pub fn clear_cookie(secure: bool) -> String {
    session_cookie("", 0, secure)
}

/// The session token: from the `__Host-` cookie when there is one (https), else the plain one.
pub fn token_from_headers(headers: &HeaderMap) -> Option<String> {
    let cookies = || {
        headers
            .get_all(header::COOKIE)
            .iter()
            .filter_map(|v| v.to_str().ok())
            .flat_map(|v| v.split(';'))
            .filter_map(|pair| pair.trim().split_once('='))
    };
    [SECURE_SESSION_COOKIE, SESSION_COOKIE].into_iter().find_map(|name| {
        cookies()
            .find(|(k, v)| *k == name && !v.is_empty())
            .map(|(_, v)| v.to_string())
    })
}

/// The signed-in user, from the session cookie; 401 otherwise.
#[derive(Debug, Clone)]
pub struct CurrentUser {
    pub user: User,
    pub session_id: Uuid,
    pub agency_name: String,
}

impl CurrentUser {
    pub fn actor(&self) -> Actor {
        self.user.actor()
    }

    /// The actor when the user is the agency's manager; 403 saying `what` is theirs otherwise.
    pub fn manager(&self, what: &str) -> Result<Actor, ApiError> {
        if self.user.role != shared::api::Role::Manager {
            return Err(ApiError::Forbidden(format!("{what} : réservé au chef d'agence")));
        }
        Ok(self.actor())
    }
}

/// Needs only the store from the router's state (not the whole `AppState`, which knows about
/// auth: no module loop).
impl<S> FromRequestParts<S> for CurrentUser
where
    S: Send + Sync,
    DynStore: FromRef<S>,
{
    type Rejection = ApiError;

    async fn from_request_parts(parts: &mut Parts, state: &S) -> Result<Self, Self::Rejection> {
        let store = DynStore::from_ref(state);
        if let Some(cached) = parts.extensions.get::<CurrentUser>() {
            return Ok(cached.clone());
        }
        let token = token_from_headers(&parts.headers).ok_or(ApiError::Unauthorized)?;
        let found = store
            .session_by_token(&hash_token(&token))
            .await?
            .ok_or(ApiError::Unauthorized)?;
        let now = crate::db::now();
        if found.user.disabled {
            return Err(ApiError::SessionEnded(SessionEnd::UserDisabled));
        }
        if found.session.revoked {
            return Err(ApiError::SessionEnded(SessionEnd::Revoked));
        }
        if found.session.expires_at <= now {
            return Err(ApiError::SessionEnded(SessionEnd::Expired));
        }
        if now - found.session.last_seen_at > TOUCH_EVERY {
            // Bookkeeping only: a full or busy database must not turn every read into an error.
            if let Err(e) = store.touch_session(found.session.id, now).await {
                tracing::warn!(error = %e, "session last-seen time not updated");
            }
        }
        let current = CurrentUser {
            session_id: found.session.id,
            agency_name: found.agency_name,
            user: found.user,
        };
        parts.extensions.insert(current.clone());
        Ok(current)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn tokens_are_long_random_and_hashed() {
        let a = new_token();
        let b = new_token();
        assert_ne!(a, b);
        assert_eq!(a.len(), 43);
        assert_eq!(hash_token(&a).len(), 64);
        assert_ne!(hash_token(&a), a);
    }

    #[test]
    fn the_cookie_is_http_only_lax_and_secure_on_https() {
        let c = session_cookie("t", 60, true);
        assert!(c.contains("HttpOnly") && c.contains("SameSite=Lax") && c.contains("Secure"));
        assert!(!session_cookie("t", 60, false).contains("Secure"));
    }

    #[test]
    fn the_token_is_found_among_other_cookies() {
        let mut h = HeaderMap::new();
        h.insert(header::COOKIE, "a=1; tournee_session=abc; b=2".parse().unwrap());
        assert_eq!(token_from_headers(&h).as_deref(), Some("abc"));
        h.insert(
            header::COOKIE,
            "tournee_session=planted; __Host-tournee_session=mine".parse().unwrap(),
        );
        assert_eq!(
            token_from_headers(&h).as_deref(),
            Some("mine"),
            "the __Host- cookie wins"
        );
        assert!(session_cookie("t", 60, true).starts_with("__Host-tournee_session=t; Path=/;"));
        assert!(session_cookie("t", 60, true).ends_with("; Secure"));
        assert!(session_cookie("t", 60, false).starts_with("tournee_session=t;"));
    }
}
