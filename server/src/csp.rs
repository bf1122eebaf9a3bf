//! The Content-Security-Policy of the pages: scripts only from this server, the page's inline
//! hydration scripts only with this answer's nonce, WebAssembly allowed (`'wasm-unsafe-eval'`),
//! nothing framed, no plugin, forms and requests to this server only. A script injected into a
//! record's text has no nonce and does not run.
//!
//! The nonce is made per request here, before Leptos renders the page, and handed to it through
//! the request (`CspNonce` in its extensions; see [`provide_nonce`]), so the header and the
//! `nonce` attributes of the inline scripts agree.

use axum::extract::Request;
use axum::http::{header, HeaderValue};
use axum::middleware::Next;
use axum::response::Response;

/// This request's nonce.
#[derive(Debug, Clone)]
pub struct CspNonce(pub String);

/// The policy for a page answered with `nonce`; `tiles` is the origin of the configured map
/// tile server, if any (the phone loads its images directly).
pub fn policy(nonce: &str, tiles: Option<&str>) -> String {
    let img = match tiles {
        Some(origin) => format!("img-src 'self' data: blob: {origin}"),
        None => "img-src 'self' data: blob:".to_string(),
    };
    format!(
        "default-src 'self'; script-src 'self' 'nonce-{nonce}' 'wasm-unsafe-eval'; \
         style-src 'self' 'unsafe-inline'; {img}; connect-src 'self'; worker-src 'self'; \
         manifest-src 'self'; object-src 'none'; base-uri 'none'; frame-ancestors 'none'; \
         form-action 'self'"
    )
}

/// The origin (`https://tile.example.org`) of a tile URL template, for the policy.
pub fn origin_of(url: &str) -> Option<String> {
    let (scheme, rest) = url.split_once("://")?;
    let host = rest
        .split('/')
        .next()
        .filter(|h| !h.is_empty() && !h.contains(['{', '}', '\'', ';', ' ']))?;
    matches!(scheme, "http" | "https").then(|| format!("{scheme}://{host}"))
}

/// Makes the nonce, lets the page be rendered with it, and sets the policy on HTML answers.
pub async fn layer(tiles: Option<String>, mut req: Request, next: Next) -> Response {
    let nonce = uuid::Uuid::new_v4().simple().to_string();
    req.extensions_mut().insert(CspNonce(nonce.clone()));
    let mut res = next.run(req).await;
    let html = res
        .headers()
        .get(header::CONTENT_TYPE)
        .and_then(|v| v.to_str().ok())
        .is_some_and(|v| v.starts_with("text/html"));
    if html {
        if let Ok(v) = HeaderValue::from_str(&policy(&nonce, tiles.as_deref())) {
            res.headers_mut().insert(header::CONTENT_SECURITY_POLICY, v);
        }
    }
    res
}

/// Inside Leptos's rendering: the page's inline scripts carry this request's nonce.
pub fn provide_nonce() {
    if let Some(parts) = leptos::prelude::use_context::<axum::http::request::Parts>() {
        if let Some(CspNonce(n)) = parts.extensions.get::<CspNonce>() {
            leptos::prelude::provide_context(leptos::nonce::Nonce::from_value(n.as_str()));
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_policy_names_the_nonce_and_the_tile_server_only() {
        let p = policy(
            "abc",
            origin_of("https://tile.openstreetmap.org/{z}/{x}/{y}.png").as_deref(),
        );
        assert!(p.contains("script-src 'self' 'nonce-abc' 'wasm-unsafe-eval';"));
        assert!(p.contains("img-src 'self' data: blob: https://tile.openstreetmap.org;"));
        assert!(!p.contains("unsafe-eval'; ") || p.contains("wasm-unsafe-eval"));
        assert_eq!(origin_of("javascript:alert(1)"), None);
        assert_eq!(origin_of("https://evil.example; script-src *"), None);
        assert_eq!(origin_of(""), None);
    }
}
