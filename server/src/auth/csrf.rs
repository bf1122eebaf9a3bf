//! Cross-site request protection for every state-changing route.
//!
//! Browsers send `Sec-Fetch-Site` (and `Origin`) with every non-GET request; a request that
//! says it comes from another site is refused. Requests with neither header come from
//! non-browser clients (scripts, the CLI, tests), which a malicious page cannot forge. This
//! covers the JSON API and Leptos server functions alike, since it runs as a middleware in
//! front of the whole router. The session cookie's `SameSite=Lax` is a second line.

use axum::extract::Request;
use axum::http::{header, Method};
use axum::middleware::Next;
use axum::response::{IntoResponse, Response};

use crate::error::ApiError;

pub async fn reject_cross_site(request: Request, next: Next) -> Response {
    if is_cross_site(&request) {
        return ApiError::Forbidden("requête d'un autre site refusée".into()).into_response();
    }
    next.run(request).await
}

fn is_cross_site(request: &Request) -> bool {
    if matches!(*request.method(), Method::GET | Method::HEAD | Method::OPTIONS) {
        return false;
    }
    let headers = request.headers();
    if let Some(site) = headers.get("sec-fetch-site").and_then(|v| v.to_str().ok()) {
        return !matches!(site, "same-origin" | "none");
    }
    if let Some(origin) = headers.get(header::ORIGIN).and_then(|v| v.to_str().ok()) {
        let host = headers.get(header::HOST).and_then(|v| v.to_str().ok()).unwrap_or("");
        let origin_host = origin.split_once("://").map(|(_, h)| h).unwrap_or("");
        return origin == "null" || !origin_host.eq_ignore_ascii_case(host);
    }
    false
}

#[cfg(test)]
mod tests {
    use super::*;
    use axum::body::Body;

    fn req(method: Method, headers: &[(&str, &str)]) -> Request {
        let mut b = Request::builder().method(method).uri("/api/v1/contacts");
        for (k, v) in headers {
            b = b.header(*k, *v);
        }
        b.body(Body::empty()).unwrap()
    }

    #[test]
    fn cross_site_posts_are_refused_and_same_site_ones_pass() {
        assert!(is_cross_site(&req(Method::POST, &[("sec-fetch-site", "cross-site")])));
        assert!(is_cross_site(&req(Method::POST, &[("sec-fetch-site", "same-site")])));
        assert!(!is_cross_site(&req(Method::POST, &[("sec-fetch-site", "same-origin")])));
        assert!(is_cross_site(&req(
            Method::DELETE,
            &[("origin", "https://evil.example"), ("host", "tournee.example")]
        )));
        assert!(!is_cross_site(&req(
            Method::PUT,
            &[("origin", "http://127.0.0.1:3000"), ("host", "127.0.0.1:3000")]
        )));
        assert!(is_cross_site(&req(
            Method::POST,
            &[("origin", "null"), ("host", "127.0.0.1:3000")]
        )));
    }

    #[test]
    fn reads_and_non_browser_clients_pass() {
        assert!(!is_cross_site(&req(Method::GET, &[("sec-fetch-site", "cross-site")])));
        assert!(!is_cross_site(&req(Method::POST, &[])));
    }
}
