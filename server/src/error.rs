//! The one API error type, mapped to HTTP once.
//!
//! Client mistakes carry a code and a French message; internal errors are logged with their
//! context and answered with a generic 500 that echoes nothing.

use axum::extract::rejection::{JsonRejection, PathRejection, QueryRejection};
use axum::http::{header, HeaderValue, StatusCode};
use axum::response::{IntoResponse, Response};
use axum::Json;
use shared::api::{DuplicateMatch, ErrorBody};
use shared::record::FieldErrors;

use crate::db::StoreError;

/// Why a session no longer works.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum SessionEnd {
    Revoked,
    Expired,
    UserDisabled,
}

impl SessionEnd {
    pub fn code(self) -> &'static str {
        match self {
            SessionEnd::Revoked => "session_revoked",
            SessionEnd::Expired => "session_expired",
            SessionEnd::UserDisabled => "user_disabled",
        }
    }

    fn detail(self) -> &'static str {
        match self {
            SessionEnd::Revoked => "cette session a été fermée depuis un autre appareil : reconnectez-vous",
            SessionEnd::Expired => "session expirée : reconnectez-vous",
            SessionEnd::UserDisabled => "ce compte est désactivé",
        }
    }
}

#[derive(Debug, thiserror::Error)]
pub enum ApiError {
    #[error("{0}")]
    BadRequest(String),
    /// A body naming a field the operation does not know (a typo would lose the value).
    #[error("unknown field {0}")]
    UnknownField(String),
    /// A route that exists, asked with a method it does not take (`PATCH /contacts/{id}`).
    #[error("method not allowed")]
    MethodNotAllowed,
    #[error("authentication required")]
    Unauthorized,
    /// The session was ended on purpose (revoked from another device, the user disabled) or
    /// ran out: a 401 whose code tells the phone what to do with the data it holds
    /// (`session_revoked` and `user_disabled` erase it, `session_expired` keeps it for the
    /// same user's next login).
    #[error("session ended")]
    SessionEnded(SessionEnd),
    #[error("{0}")]
    Forbidden(String),
    #[error("not found")]
    NotFound,
    #[error("{0}")]
    Conflict(String),
    #[error("likely duplicate")]
    Duplicate(Vec<DuplicateMatch>),
    #[error("validation failed")]
    Validation(FieldErrors),
    /// A request that is well-formed but breaks a business rule (a stage change…).
    #[error("{0}")]
    Unprocessable(String),
    #[error("too many attempts")]
    RateLimited { retry_after_secs: u64 },
    /// A body over the size limit.
    #[error("{0}")]
    PayloadTooLarge(String),
    /// A phone's mutation that an earlier try applied already.
    #[error("mutation already applied")]
    AlreadyApplied,
    /// The storage cannot take the request now (full, locked, unreachable); nothing was
    /// saved, and the client should send it again later.
    #[error("storage unavailable: {0}")]
    StorageUnavailable(String),
    #[error(transparent)]
    Internal(#[from] anyhow::Error),
}

pub type ApiResult<T> = Result<T, ApiError>;

/// What a 503 `storage_unavailable` asks the client to wait before sending again.
pub const STORAGE_RETRY_AFTER_SECS: u64 = 5;

impl ApiError {
    pub fn bad_request(detail: impl Into<String>) -> Self {
        ApiError::BadRequest(detail.into())
    }

    pub fn field(field: &str, message: impl Into<String>) -> Self {
        let mut f = FieldErrors::new();
        f.insert(field.to_string(), message.into());
        ApiError::Validation(f)
    }

    /// The status, the error code and the detail the client is sent.
    pub fn parts(&self) -> (StatusCode, &'static str, String) {
        match self {
            ApiError::BadRequest(d) => (StatusCode::BAD_REQUEST, "bad_request", d.clone()),
            ApiError::MethodNotAllowed => (
                StatusCode::METHOD_NOT_ALLOWED,
                "method_not_allowed",
                "méthode non prise en charge sur cette route".into(),
            ),
            ApiError::UnknownField(f) => (
                StatusCode::BAD_REQUEST,
                "unknown_field",
                format!("champ inconnu : « {f} » (vérifiez son nom) ; rien n'a été enregistré"),
            ),
            ApiError::SessionEnded(end) => (StatusCode::UNAUTHORIZED, end.code(), end.detail().into()),
            ApiError::Unauthorized => (
                StatusCode::UNAUTHORIZED,
                "unauthorized",
                "connectez-vous pour continuer".into(),
            ),
            ApiError::Forbidden(d) => (StatusCode::FORBIDDEN, "forbidden", d.clone()),
            ApiError::NotFound => (StatusCode::NOT_FOUND, "not_found", "introuvable".into()),
            ApiError::Conflict(d) => (StatusCode::CONFLICT, "conflict", d.clone()),
            ApiError::Duplicate(_) => (
                StatusCode::CONFLICT,
                "duplicate",
                "un dossier semblable existe déjà : ouvrez-le, ou confirmez la création".into(),
            ),
            ApiError::Validation(_) => (
                StatusCode::UNPROCESSABLE_ENTITY,
                "validation",
                "certains champs sont invalides".into(),
            ),
            ApiError::Unprocessable(d) => (StatusCode::UNPROCESSABLE_ENTITY, "rule", d.clone()),
            ApiError::RateLimited { retry_after_secs } => (
                StatusCode::TOO_MANY_REQUESTS,
                "rate_limited",
                format!("trop de tentatives : réessayez dans {retry_after_secs} s"),
            ),
            ApiError::PayloadTooLarge(d) => (StatusCode::PAYLOAD_TOO_LARGE, "payload_too_large", d.clone()),
            ApiError::AlreadyApplied => (
                StatusCode::CONFLICT,
                "already_applied",
                "cette modification a déjà été enregistrée".into(),
            ),
            ApiError::StorageUnavailable(_) => (
                StatusCode::SERVICE_UNAVAILABLE,
                "storage_unavailable",
                "le serveur ne peut pas enregistrer pour le moment : rien n'a été enregistré, réessayez dans un instant".into(),
            ),
            ApiError::Internal(_) => (
                StatusCode::INTERNAL_SERVER_ERROR,
                "internal",
                "erreur interne, l'incident est journalisé".into(),
            ),
        }
    }
}

impl IntoResponse for ApiError {
    fn into_response(self) -> Response {
        match &self {
            ApiError::Internal(e) => tracing::error!(error = ?e, "internal error"),
            ApiError::StorageUnavailable(e) => tracing::warn!(error = %e, "storage unavailable"),
            _ => {}
        }
        let (status, code, detail) = self.parts();
        let body = ErrorBody {
            error: code.to_string(),
            detail,
            fields: match &self {
                ApiError::Validation(f) => f.clone(),
                ApiError::UnknownField(f) => FieldErrors::from([(f.clone(), "champ inconnu".to_string())]),
                _ => FieldErrors::new(),
            },
            duplicates: match self {
                ApiError::Duplicate(ref d) => d.clone(),
                _ => Vec::new(),
            },
        };
        let mut response = (status, Json(body)).into_response();
        let retry_after = match self {
            ApiError::RateLimited { retry_after_secs } => Some(retry_after_secs),
            ApiError::StorageUnavailable(_) => Some(STORAGE_RETRY_AFTER_SECS),
            _ => None,
        };
        if let Some(secs) = retry_after {
            if let Ok(v) = HeaderValue::from_str(&secs.to_string()) {
                response.headers_mut().insert(header::RETRY_AFTER, v);
            }
        }
        response
    }
}

impl From<StoreError> for ApiError {
    fn from(e: StoreError) -> Self {
        match e {
            StoreError::NotFound => ApiError::NotFound,
            StoreError::Forbidden(m) => ApiError::Forbidden(m.to_string()),
            StoreError::Conflict(m) => ApiError::Conflict(m),
            StoreError::Invalid { field, message } => ApiError::field(&field, message),
            StoreError::Stage(s) => ApiError::Unprocessable(s.to_string()),
            StoreError::AlreadyApplied => ApiError::AlreadyApplied,
            StoreError::Validation(f) => ApiError::Validation(f),
            StoreError::Db(e) if crate::db::is_unavailable(&e) => ApiError::StorageUnavailable(e.to_string()),
            other => ApiError::Internal(other.into()),
        }
    }
}

impl From<JsonRejection> for ApiError {
    fn from(r: JsonRejection) -> Self {
        match r {
            r if r.status() == StatusCode::PAYLOAD_TOO_LARGE => ApiError::PayloadTooLarge(format!(
                "corps trop volumineux ({} octets au plus)",
                crate::web::MAX_BODY_BYTES
            )),
            JsonRejection::MissingJsonContentType(_) => {
                ApiError::bad_request("le corps doit être du JSON (Content-Type: application/json)")
            }
            other => {
                let text = other.body_text();
                match unknown_field(&text) {
                    Some(field) => ApiError::UnknownField(field),
                    None => ApiError::bad_request(format!("JSON invalide : {text}")),
                }
            }
        }
    }
}

/// The field serde names in "unknown field `notse`, expected one of …".
fn unknown_field(serde_message: &str) -> Option<String> {
    let rest = serde_message.split("unknown field `").nth(1)?;
    let name = rest.split('`').next()?;
    Some(name.chars().take(60).collect())
}

impl From<PathRejection> for ApiError {
    fn from(r: PathRejection) -> Self {
        ApiError::bad_request(format!("chemin invalide : {}", r.body_text()))
    }
}

impl From<QueryRejection> for ApiError {
    fn from(r: QueryRejection) -> Self {
        ApiError::bad_request(format!("paramètres invalides : {}", r.body_text()))
    }
}

/// A body that names an id must name the one in the URL.
pub fn check_body_id(body_id: Option<uuid::Uuid>, url_id: uuid::Uuid) -> ApiResult<()> {
    if body_id.is_some_and(|b| b != url_id) {
        return Err(ApiError::field(
            "id",
            "l'identifiant du corps ne correspond pas à l'URL",
        ));
    }
    Ok(())
}

/// `Json` whose rejections are [`ApiError`]s. A NUL character anywhere in the body is
/// refused (PostgreSQL cannot store it in text, and no field needs it).
#[derive(Debug)]
pub struct ApiJson<T>(pub T);

impl<T: serde::de::DeserializeOwned, S: Send + Sync> axum::extract::FromRequest<S> for ApiJson<T> {
    type Rejection = ApiError;

    async fn from_request(req: axum::extract::Request, state: &S) -> Result<Self, Self::Rejection> {
        let is_json = req
            .headers()
            .get(header::CONTENT_TYPE)
            .and_then(|v| v.to_str().ok())
            .and_then(|v| v.split(';').next())
            .map(|mime| {
                let mime = mime.trim().to_ascii_lowercase();
                mime == "application/json" || (mime.starts_with("application/") && mime.ends_with("+json"))
            })
            .unwrap_or(false);
        if !is_json {
            return Err(ApiError::bad_request(
                "le corps doit être du JSON (Content-Type: application/json)",
            ));
        }
        let bytes = axum::body::Bytes::from_request(req, state).await.map_err(|r| {
            if r.status() == StatusCode::PAYLOAD_TOO_LARGE {
                ApiError::PayloadTooLarge(format!(
                    "corps trop volumineux ({} octets au plus)",
                    crate::web::MAX_BODY_BYTES
                ))
            } else {
                ApiError::bad_request(format!("corps illisible : {}", r.body_text()))
            }
        })?;
        if has_nul(&bytes) {
            return Err(ApiError::bad_request("caractère nul (\\u0000) refusé dans le texte"));
        }
        let axum::Json(mut value) = axum::Json::<serde_json::Value>::from_bytes(&bytes)?;
        clean_text(&mut value)?;
        // A field the operation does not know is refused, not silently dropped (a typo would
        // lose the value) — except the read-only fields of what the API sends back, so that a
        // record read can be sent back as it is.
        let mut unknown: Vec<String> = Vec::new();
        let v = serde_ignored::deserialize(value, |path| unknown.push(path.to_string()))
            .map_err(|e| ApiError::bad_request(format!("JSON invalide : {e}")))?;
        if let Some(path) = unknown
            .into_iter()
            .find(|p| !is_read_only(p.rsplit('.').next().unwrap_or(p)))
        {
            return Err(ApiError::UnknownField(path));
        }
        Ok(ApiJson(v))
    }
}

/// Fields the API sends in its answers but does not take in a write (computed or kept by the
/// server: names, score, change numbers, times): ignored when a client sends them back.
const READ_ONLY: [&str; 39] = [
    "author_name",
    "contact_name",
    "contact_phone",
    "created_at",
    "created_by",
    "deleted",
    "display_name",
    "done_at",
    "edited_seq",
    "geo_note",
    "geo_precision",
    "geo_source",
    "geo_status",
    "has_report",
    "last_contact_on",
    "local_start",
    "lost_to",
    "meeting_id",
    "next_call_due",
    "next_meeting_due",
    "owner_name",
    "referred",
    "score",
    "segment",
    "seq",
    "size_class",
    "source",
    "stage_changed_at",
    "stage_from",
    "status",
    "status_reason",
    "tasks",
    "updated_at",
    "updated_by",
    "contact_id",
    "label",
    "manual_prognosis",
    "prognosis_changed_at",
    "prognosis_changed_by",
];

fn is_read_only(field: &str) -> bool {
    READ_ONLY.contains(&field)
}

/// Invisible characters that reorder or hide text (bidi overrides and isolates, zero-width
/// space, word joiner, byte-order mark): refused, they only serve to disguise a name.
fn is_disguising(c: char) -> bool {
    matches!(c, '\u{202A}'..='\u{202E}' | '\u{2066}'..='\u{2069}' | '\u{200B}' | '\u{2060}' | '\u{FEFF}')
}

/// Every string of a request body in NFC (an "é" typed as e + combining accent is the same
/// letter as a precomposed "é": one record, found by one search), disguising characters
/// refused.
fn clean_text(value: &mut serde_json::Value) -> ApiResult<()> {
    use unicode_normalization::{is_nfc_quick, IsNormalized, UnicodeNormalization};
    match value {
        serde_json::Value::String(s) => {
            if s.chars().any(is_disguising) {
                return Err(ApiError::bad_request(
                    "caractère invisible de mise en forme (inversion de sens, espace sans largeur) refusé",
                ));
            }
            if is_nfc_quick(s.chars()) != IsNormalized::Yes {
                *s = s.nfc().collect();
            }
        }
        serde_json::Value::Array(items) => {
            for item in items {
                clean_text(item)?;
            }
        }
        serde_json::Value::Object(map) => {
            for (_, item) in map.iter_mut() {
                clean_text(item)?;
            }
        }
        _ => {}
    }
    Ok(())
}

/// Whether a JSON text holds a NUL, raw or escaped (`\u0000`).
fn has_nul(json: &[u8]) -> bool {
    json.contains(&0)
        || json.windows(6).enumerate().any(|(i, w)| {
            w[0] == b'\\'
                && w[1..].eq_ignore_ascii_case(b"u0000")
                // `\\u0000` is a backslash followed by text, not a NUL.
                && json[..i].iter().rev().take_while(|&&b| b == b'\\').count() % 2 == 0
        })
}

/// `Path` whose rejections are [`ApiError`]s.
#[derive(Debug, axum::extract::FromRequestParts)]
#[from_request(via(axum::extract::Path), rejection(ApiError))]
pub struct ApiPath<T>(pub T);

/// `Query` whose rejections are [`ApiError`]s. Dates outside [`SANE_YEARS`] are refused
/// before any handler computes with them (chrono's extreme dates overflow date arithmetic).
#[derive(Debug)]
pub struct ApiQuery<T>(pub T);

/// The years a date in a request may have.
pub const SANE_YEARS: std::ops::RangeInclusive<i32> = 1900..=2200;

impl<T: serde::de::DeserializeOwned, S: Send + Sync> axum::extract::FromRequestParts<S> for ApiQuery<T> {
    type Rejection = ApiError;

    async fn from_request_parts(parts: &mut axum::http::request::Parts, state: &S) -> Result<Self, Self::Rejection> {
        let raw = parts.uri.query().unwrap_or("");
        if raw.contains("%00") {
            return Err(ApiError::bad_request("caractère nul (%00) refusé dans l'adresse"));
        }
        for pair in raw.split('&') {
            let (key, value) = pair.split_once('=').unwrap_or((pair, ""));
            if let Some(year) = date_year(value) {
                if !SANE_YEARS.contains(&year) {
                    return Err(ApiError::bad_request(format!(
                        "{key} : date hors de la plage acceptée ({}–{})",
                        SANE_YEARS.start(),
                        SANE_YEARS.end()
                    )));
                }
            }
        }
        let axum::extract::Query(v) = axum::extract::Query::<T>::from_request_parts(parts, state).await?;
        Ok(ApiQuery(v))
    }
}

/// The year of a value written like a date (`2026-11-29`, `+262142-12-31`, `%2B262142-…`).
fn date_year(value: &str) -> Option<i32> {
    let v = value
        .strip_prefix("%2B")
        .or_else(|| value.strip_prefix("%2b"))
        .unwrap_or(value);
    let v = v.strip_prefix('+').unwrap_or(v);
    let (sign, digits) = match v.strip_prefix('-') {
        Some(rest) => (-1, rest),
        None => (1, v),
    };
    let (year, rest) = digits.split_once('-')?;
    let looks_like_date =
        year.len() >= 4 && year.bytes().all(|b| b.is_ascii_digit()) && rest.len() == 5 && rest.as_bytes()[2] == b'-';
    looks_like_date.then(|| {
        year.parse::<i64>()
            .ok()
            .map(|y| (sign * y).clamp(i32::MIN as i64, i32::MAX as i64) as i32)
    })?
}

#[cfg(test)]
mod tests {
    use super::date_year;

    #[test]
    fn a_nul_is_found_raw_or_escaped_but_not_in_an_escaped_backslash() {
        use super::has_nul;
        assert!(has_nul(br#"{"a": "x\u0000y"}"#));
        assert!(has_nul(br#"{"a": "x\U0000y"}"#));
        assert!(has_nul(b"{\"a\": \"x\0y\"}"));
        assert!(!has_nul(br#"{"a": "x\\u0000y"}"#), "a backslash, then the text u0000");
        assert!(has_nul(br#"{"a": "x\\\u0000y"}"#));
        assert!(!has_nul(br#"{"a": "u0000"}"#));
    }

    #[test]
    fn dates_are_recognised_in_every_written_form() {
        assert_eq!(date_year("2026-11-29"), Some(2026));
        assert_eq!(date_year("+262142-12-31"), Some(262142));
        assert_eq!(date_year("%2B262142-12-31"), Some(262142));
        assert_eq!(date_year("-262143-01-01"), Some(-262143));
        assert_eq!(date_year("lyon"), None);
        assert_eq!(date_year("06-11-22"), None);
        assert_eq!(date_year("0611223344"), None);
    }
}
