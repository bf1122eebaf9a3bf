//! The browser's client for the JSON API.
//!
//! Pages fetch their data from the browser (never during server rendering), so the same API
//! serves the UI, scripts, and later the offline sync. A 401 sends the user to the login page.

use serde::de::DeserializeOwned;
use serde::Serialize;
use shared::api::ErrorBody;

/// A failed call: the HTTP status (0 when the network is down) and the server's error body.
#[derive(Debug, Clone, PartialEq)]
pub struct ApiFailure {
    pub status: u16,
    pub body: ErrorBody,
}

impl ApiFailure {
    pub fn offline() -> Self {
        ApiFailure::local(0, "network", "pas de réseau : vos saisies sont conservées, réessayez")
    }

    /// A failure found on the phone, not said by the server.
    pub fn local(status: u16, code: &str, detail: &str) -> Self {
        ApiFailure {
            status,
            body: ErrorBody {
                error: code.into(),
                detail: detail.into(),
                fields: Default::default(),
                duplicates: Vec::new(),
            },
        }
    }

    /// The message to show.
    pub fn message(&self) -> String {
        self.body.detail.clone()
    }
}

#[derive(Clone, Copy)]
pub enum Method {
    Get,
    Post,
    Put,
    Delete,
}

#[cfg(feature = "hydrate")]
async fn call(method: Method, path: &str, body: Option<String>) -> Result<(u16, String), ApiFailure> {
    use gloo_net::http::Request;
    let url = format!("/api/v1{path}");
    let builder = match method {
        Method::Get => Request::get(&url),
        Method::Post => Request::post(&url),
        Method::Put => Request::put(&url),
        Method::Delete => Request::delete(&url),
    };
    let response = match body {
        Some(b) => {
            builder
                .header("content-type", "application/json")
                .body(b)
                .map_err(|_| ApiFailure::offline())?
                .send()
                .await
        }
        None => builder.send().await,
    }
    .map_err(|_| ApiFailure::offline())?;
    let status = response.status();
    let text = response.text().await.unwrap_or_default();
    if status == 401 && !path.starts_with(crate::endpoints::LOGIN) {
        // A session ended on purpose (revoked elsewhere, user disabled): nothing of the
        // agency's stays on the phone.
        let code = serde_json::from_str::<ErrorBody>(&text)
            .map(|b| b.error)
            .unwrap_or_default();
        let to = if matches!(code.as_str(), "session_revoked" | "user_disabled") {
            crate::replica::wipe().await;
            "/login?fin=revoquee"
        } else {
            "/login"
        };
        if let Some(w) = web_sys::window() {
            let _ = w.location().set_href(to);
        }
    }
    Ok((status, text))
}

#[cfg(not(feature = "hydrate"))]
async fn call(_method: Method, _path: &str, _body: Option<String>) -> Result<(u16, String), ApiFailure> {
    // Never awaited during server rendering: data loads in the browser.
    Err(ApiFailure::offline())
}

fn failure(status: u16, text: &str) -> ApiFailure {
    match serde_json::from_str::<ErrorBody>(text) {
        Ok(body) => ApiFailure { status, body },
        Err(_) => ApiFailure::local(
            status,
            "unexpected",
            &format!("réponse inattendue du serveur ({status})"),
        ),
    }
}

/// Calls the API and decodes a JSON answer.
pub async fn json<T: DeserializeOwned>(
    method: Method,
    path: &str,
    body: Option<&impl Serialize>,
) -> Result<T, ApiFailure> {
    let body = body.map(|b| serde_json::to_string(b).unwrap_or_default());
    let (status, text) = call(method, path, body).await?;
    if !(200..300).contains(&status) {
        return Err(failure(status, &text));
    }
    serde_json::from_str(&text).map_err(|_| ApiFailure::local(status, "unexpected", "réponse illisible du serveur"))
}

/// Calls the API for an answer without body (204).
pub async fn empty(method: Method, path: &str, body: Option<&impl Serialize>) -> Result<(), ApiFailure> {
    let body = body.map(|b| serde_json::to_string(b).unwrap_or_default());
    let (status, text) = call(method, path, body).await?;
    if !(200..300).contains(&status) {
        return Err(failure(status, &text));
    }
    Ok(())
}

/// A file chosen on the phone or the computer, sent as it is.
#[cfg(feature = "hydrate")]
pub type UploadFile = web_sys::File;
#[cfg(not(feature = "hydrate"))]
pub type UploadFile = ();

/// Sends a file as the request's body (POST) and decodes the JSON answer.
pub async fn upload<T: DeserializeOwned>(path: &str, file: UploadFile) -> Result<T, ApiFailure> {
    #[cfg(feature = "hydrate")]
    {
        let response = gloo_net::http::Request::post(&format!("/api/v1{path}"))
            .header("content-type", "text/csv")
            .body(file)
            .map_err(|_| ApiFailure::offline())?
            .send()
            .await
            .map_err(|_| ApiFailure::offline())?;
        let status = response.status();
        let text = response.text().await.unwrap_or_default();
        if !(200..300).contains(&status) {
            return Err(failure(status, &text));
        }
        serde_json::from_str(&text).map_err(|_| ApiFailure::local(status, "unexpected", "réponse illisible du serveur"))
    }
    #[cfg(not(feature = "hydrate"))]
    {
        let _ = (path, file);
        Err(ApiFailure::offline())
    }
}

pub async fn get<T: DeserializeOwned>(path: &str) -> Result<T, ApiFailure> {
    json(Method::Get, path, None::<&()>).await
}

/// Percent-encodes a query value.
pub fn encode(value: &str) -> String {
    let mut out = String::with_capacity(value.len());
    for b in value.bytes() {
        match b {
            b'A'..=b'Z' | b'a'..=b'z' | b'0'..=b'9' | b'-' | b'_' | b'.' | b'~' => out.push(b as char),
            _ => out.push_str(&format!("%{b:02X}")),
        }
    }
    out
}
