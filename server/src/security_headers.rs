//! Security headers on every response (the verification API's JSON gets only the two that
//! matter to it): a Content-Security-Policy whose script nonce is made
//! per request (Leptos puts it on its inline hydration scripts, see `http.rs`), no framing, a
//! strict referrer policy, no MIME sniffing, and `Cache-Control: no-store` on the console's own
//! pages and data (never cached by a shared proxy or left in a browser's cache).
//!
//! Static files get caching that suits them instead: the wasm and its glue are revalidated on
//! every load (their names carry no hash, so a new release must be seen at once; an unchanged
//! file costs a 304), and the favicon is cached for a day. (Chromium loads and decodes the
//! favicon again at every same-document navigation, that is at every keystroke in Search,
//! cached or not: hence a small PNG, not an SVG, whose decoding builds a whole document.)

use axum::extract::Request;
use axum::http::{HeaderValue, header};
use axum::middleware::Next;
use axum::response::Response;

/// The nonce of this response's Content-Security-Policy.
#[derive(Debug, Clone)]
pub struct CspNonce(pub String);

impl CspNonce {
    fn new() -> Self {
        let mut bytes = [0u8; 16];
        getrandom::fill(&mut bytes).expect("the operating system's random source failed");
        CspNonce(bytes.iter().map(|b| format!("{b:02x}")).collect())
    }
}

pub fn content_security_policy(nonce: &str) -> String {
    format!(
        "default-src 'self'; script-src 'self' 'nonce-{nonce}' 'wasm-unsafe-eval'; style-src 'self'; \
         img-src 'self' data:; connect-src 'self'; object-src 'none'; base-uri 'none'; \
         form-action 'self'; frame-ancestors 'none'"
    )
}

pub async fn security_headers(mut request: Request, next: Next) -> Response {
    // JSON for machines: no script to police, and no per-request nonce on the hot path.
    if crate::auth::is_api_v1(request.uri().path()) {
        let mut response = next.run(request).await;
        let headers = response.headers_mut();
        headers.insert(header::X_CONTENT_TYPE_OPTIONS, HeaderValue::from_static("nosniff"));
        headers.insert(header::CACHE_CONTROL, HeaderValue::from_static("no-store"));
        return response;
    }
    let nonce = CspNonce::new();
    let policy = content_security_policy(&nonce.0);
    let static_caching = static_cache_control(request.uri().path());
    request.extensions_mut().insert(nonce);
    let mut response = next.run(request).await;
    let found = response.status().is_success() || response.status() == axum::http::StatusCode::NOT_MODIFIED;
    let headers = response.headers_mut();
    headers.insert(header::CONTENT_SECURITY_POLICY, HeaderValue::from_str(&policy).expect("a valid policy"));
    headers.insert(header::X_FRAME_OPTIONS, HeaderValue::from_static("DENY"));
    headers.insert(header::REFERRER_POLICY, HeaderValue::from_static("same-origin"));
    headers.insert(header::X_CONTENT_TYPE_OPTIONS, HeaderValue::from_static("nosniff"));
    if let Some(policy) = static_caching.filter(|_| found) {
        headers.insert(header::CACHE_CONTROL, HeaderValue::from_static(policy));
    } else if !headers.contains_key(header::CACHE_CONTROL) {
        headers.insert(header::CACHE_CONTROL, HeaderValue::from_static("no-store"));
    }
    response
}

/// How a static file may be cached, or `None` for everything else (pages, server functions).
fn static_cache_control(path: &str) -> Option<&'static str> {
    if path == app::FAVICON_PATH {
        Some("public, max-age=86400")
    } else if path.starts_with("/pkg/") {
        Some("no-cache")
    } else {
        None
    }
}
