//! Security headers, one layer per kind of route group (see `http`). The console's pages and
//! data get a Content-Security-Policy whose script nonce is made per request (Leptos puts it on
//! its inline hydration scripts), no framing, a strict referrer policy, no MIME sniffing, HSTS
//! on an `https` console, and `Cache-Control: no-store` (never cached by a shared proxy or left
//! in a browser's cache). The verification API's JSON and the probes get only the two headers
//! that matter to them.
//!
//! Static files get caching that suits them instead, from the routes that serve them: the wasm
//! and its glue are revalidated on every load (an unchanged file answers 304), and the favicon is
//! cached for a day.
//!
//! Answers are compressed (brotli or gzip, as the browser accepts), static files from the
//! build's precompressed copies, the rest as they go out ([`compression`]), except an answer
//! that carries a secret: such a server function sets `Cache-Control: no-store` itself
//! (`server_fns::ssr::forbid_caching`), and compressing it beside reflected input would let its
//! size betray the secret (BREACH). (Chromium
//! loads and decodes the favicon again at every same-document navigation, that is at every
//! keystroke in Search, cached or not: hence a small PNG, not an SVG, whose decoding builds a
//! whole document.)

use crate::public_url::PublicUrl;
use axum::extract::{Request, State};
use axum::http::{Extensions, HeaderMap, HeaderValue, StatusCode, Version, header};
use axum::middleware::Next;
use axum::response::Response;
use std::sync::Arc;
use tower_http::compression::CompressionLayer;
use tower_http::compression::predicate::{DefaultPredicate, Predicate};

/// The nonce of this response's Content-Security-Policy.
#[derive(Debug, Clone)]
pub struct CspNonce(pub String);

impl CspNonce {
    fn new() -> Self {
        CspNonce(crate::random::hex::<16>())
    }
}

pub fn content_security_policy(nonce: &str) -> String {
    format!(
        "default-src 'self'; script-src 'self' 'nonce-{nonce}' 'wasm-unsafe-eval'; style-src 'self'; \
         img-src 'self' data:; connect-src 'self'; object-src 'none'; base-uri 'none'; \
         form-action 'self'; frame-ancestors 'none'"
    )
}

/// The console's pages, server functions and sign-in: the full set, with a fresh nonce.
/// Whatever set no caching policy of its own is `no-store`. On an `https` console, HSTS too.
///
/// A `304 Not Modified` gets none of them: it has no body for a policy to govern, and the
/// browser keeps the headers of the answer it stored, updating only those a 304 carries
/// (RFC 9111, 4.3.4). Each file a repeat visit revalidates is then about 110 bytes, not 460.
pub async fn page_headers(State(public_url): State<Arc<PublicUrl>>, mut request: Request, next: Next) -> Response {
    let nonce = CspNonce::new();
    let policy = content_security_policy(&nonce.0);
    request.extensions_mut().insert(nonce);
    let mut response = next.run(request).await;
    if response.status() == StatusCode::NOT_MODIFIED {
        return response;
    }
    let headers = response.headers_mut();
    headers.insert(header::CONTENT_SECURITY_POLICY, HeaderValue::from_str(&policy).expect("a valid policy"));
    headers.insert(header::X_FRAME_OPTIONS, HeaderValue::from_static("DENY"));
    headers.insert(header::REFERRER_POLICY, HeaderValue::from_static("same-origin"));
    headers.insert(header::X_CONTENT_TYPE_OPTIONS, HeaderValue::from_static("nosniff"));
    if public_url.is_https() {
        headers.insert(header::STRICT_TRANSPORT_SECURITY, HeaderValue::from_static("max-age=31536000"));
    }
    if !headers.contains_key(header::CACHE_CONTROL) {
        headers.insert(header::CACHE_CONTROL, HeaderValue::from_static("no-store"));
    }
    response
}

/// JSON and text for machines (the verification API, the probes): no script to police, and no
/// per-request nonce on the hot path.
pub async fn machine_headers(request: Request, next: Next) -> Response {
    let mut response = next.run(request).await;
    let headers = response.headers_mut();
    headers.insert(header::X_CONTENT_TYPE_OPTIONS, HeaderValue::from_static("nosniff"));
    headers.insert(header::CACHE_CONTROL, HeaderValue::from_static("no-store"));
    response
}

/// Whether an answer carries no secret: it did not set `Cache-Control: no-store` itself. The
/// compression layer runs inside [`page_headers`], so the `no-store` that layer adds to
/// everything does not count.
fn carries_no_secret(_: StatusCode, _: Version, headers: &HeaderMap, _: &Extensions) -> bool {
    headers.get(header::CACHE_CONTROL).is_none_or(|value| value.as_bytes() != b"no-store")
}

/// The console's compression: the usual kinds (not images, not already encoded, not tiny), and
/// no answer that carries a secret.
pub fn compression() -> CompressionLayer<impl Predicate> {
    CompressionLayer::new().compress_when(DefaultPredicate::new().and(carries_no_secret))
}

/// How a static file may be cached, for the route that serves it (and that it varies by the
/// encodings the browser takes); a missing file is not cached.
pub fn cache_static(
    policy: &'static str,
) -> impl Fn(Response) -> std::future::Ready<Response> + Clone + Send + Sync + 'static {
    move |mut response: Response| {
        let found = response.status().is_success() || response.status() == StatusCode::NOT_MODIFIED;
        if found {
            let headers = response.headers_mut();
            headers.insert(header::CACHE_CONTROL, HeaderValue::from_static(policy));
            // The file goes out as its brotli or gzip copy or plain, by the request's
            // Accept-Encoding: a cache must keep the three apart.
            let varies =
                headers.get_all(header::VARY).iter().any(|v| v.as_bytes().eq_ignore_ascii_case(b"accept-encoding"));
            if !varies {
                headers.append(header::VARY, HeaderValue::from_static("accept-encoding"));
            }
        }
        std::future::ready(response)
    }
}

/// The wasm and its glue: revalidated on every load (their names carry no hash, so a new
/// release must be seen at once; an unchanged file costs a 304).
pub const PKG_CACHING: &str = "no-cache";
/// The favicon: a day.
pub const FAVICON_CACHING: &str = "public, max-age=86400";
