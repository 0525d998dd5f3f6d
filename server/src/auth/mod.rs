//! Sign-in for the console: users and rights, password hashing, database sessions, and the
//! HTTP layer that guards every page and server function.
//!
//! - [`gate`]: the middleware. It works out the client's address and scheme (believing
//!   `X-Forwarded-*` only from `--trusted-proxies`), refuses cross-site state changes (Origin
//!   check), and lets a request through only with a live session, handing the app the
//!   [`CurrentUser`]; otherwise pages redirect to `/login?next=...` and server functions answer
//!   401. The verification API (`/api/v1`) is not cookie-authenticated and is left to its tokens.
//! - [`sign_in`] / [`sign_out`]: the `/login` and `/logout` form posts.

pub mod passwords;
pub mod sessions;
pub mod throttle;
pub mod users;

use crate::audit::{self, Event};
use app::audit::{Actor, AuditAction};
use app::auth::{ClientAddress, CurrentUser, LOGIN_PATH, WhoAmI};
use app::error::AppError;
use axum::Json;
use axum::extract::{ConnectInfo, Form, Request, State};
use axum::http::{HeaderMap, HeaderValue, Method, StatusCode, header};
use axum::middleware::Next;
use axum::response::{IntoResponse, Redirect, Response};
use chrono::Utc;
use ipnet::IpNet;
use leptos::server_fn::ServerFn;
use passwords::Passwords;
use sea_orm::DatabaseConnection;
use serde::Deserialize;
use sessions::{COOKIE, SessionPolicy};
use std::net::{IpAddr, Ipv4Addr, SocketAddr};
use std::sync::Arc;
use throttle::SignInThrottle;

/// Everything the guard and the sign-in handlers share.
#[derive(Clone)]
pub struct Auth {
    pub db: DatabaseConnection,
    pub passwords: Passwords,
    pub policy: SessionPolicy,
    pub throttle: Arc<SignInThrottle>,
    pub trusted_proxies: Arc<[IpNet]>,
}

impl Auth {
    pub fn new(db: DatabaseConnection, trusted_proxies: Vec<IpNet>) -> Self {
        Auth {
            db,
            passwords: Passwords::new(),
            policy: SessionPolicy::default(),
            throttle: Arc::new(SignInThrottle::default()),
            trusted_proxies: trusted_proxies.into(),
        }
    }
}

/// Where a request came from, as far as we can believe it.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Client {
    pub address: IpAddr,
    /// The browser spoke HTTPS (to us, or to a trusted proxy in front of us).
    pub https: bool,
}

impl Client {
    /// The peer's address, or, when the peer is a trusted proxy, the nearest untrusted address
    /// in `X-Forwarded-For` (and the scheme from `X-Forwarded-Proto`).
    pub fn of(peer: Option<IpAddr>, headers: &HeaderMap, trusted: &[IpNet]) -> Client {
        let peer = peer.unwrap_or(IpAddr::V4(Ipv4Addr::UNSPECIFIED));
        let is_trusted = |ip: &IpAddr| trusted.iter().any(|net| net.contains(ip));
        if !is_trusted(&peer) {
            return Client { address: peer, https: false };
        }
        let forwarded: Vec<IpAddr> = headers
            .get_all("x-forwarded-for")
            .iter()
            .filter_map(|v| v.to_str().ok())
            .flat_map(|v| v.split(','))
            .filter_map(|part| part.trim().parse().ok())
            .collect();
        // Walk from the nearest hop back; the first address we do not trust is the client.
        let address = forwarded.iter().rev().find(|ip| !is_trusted(ip)).or(forwarded.first()).copied().unwrap_or(peer);
        let https = headers
            .get("x-forwarded-proto")
            .and_then(|v| v.to_str().ok())
            .and_then(|v| v.split(',').next())
            .is_some_and(|proto| proto.trim().eq_ignore_ascii_case("https"));
        Client { address, https }
    }
}

/// The verification API's paths.
pub fn is_api_v1(path: &str) -> bool {
    path == "/api/v1" || path.starts_with("/api/v1/")
}

/// Paths anyone may fetch: the sign-in page and its assets, probes, and the token-guarded API.
fn is_public(path: &str) -> bool {
    path == LOGIN_PATH
        || path == "/healthz"
        || path == "/readyz"
        || path == app::FAVICON_PATH
        || path.starts_with("/pkg/")
        || is_api_v1(path)
        || path == WhoAmI::PATH
}

/// The value of the session cookie, if the request carries one.
pub fn session_cookie(headers: &HeaderMap) -> Option<&str> {
    headers
        .get_all(header::COOKIE)
        .iter()
        .filter_map(|v| v.to_str().ok())
        .flat_map(|v| v.split(';'))
        .filter_map(|pair| pair.trim().split_once('='))
        .find(|(name, _)| *name == COOKIE)
        .map(|(_, value)| value)
}

/// Cross-site request forgery: a state-changing request from a browser must come from our own
/// origin. Browsers send `Origin` on every POST; a request without it (curl, scripts) carries no
/// ambient cookies unless its author put them there.
fn is_cross_site(method: &Method, headers: &HeaderMap) -> bool {
    if matches!(*method, Method::GET | Method::HEAD | Method::OPTIONS) {
        return false;
    }
    let Some(origin) = headers.get(header::ORIGIN).and_then(|v| v.to_str().ok()) else {
        // Without Origin, a browser's Fetch Metadata still tells a cross-site request apart.
        return headers.get("sec-fetch-site").is_some_and(|v| v != "same-origin" && v != "none");
    };
    let host = headers.get(header::HOST).and_then(|v| v.to_str().ok()).unwrap_or("");
    let origin_host = origin.split_once("://").map_or("", |(_, rest)| rest);
    origin == "null" || origin_host != host
}

/// The guard around the whole console; see the module's documentation.
pub async fn gate(State(auth): State<Auth>, mut request: Request, next: Next) -> Response {
    // The verification API carries no cookies and guards itself with tokens and keys; it is on
    // every channel request's path, so it passes straight through.
    if is_api_v1(request.uri().path()) {
        return next.run(request).await;
    }
    let peer = request.extensions().get::<ConnectInfo<SocketAddr>>().map(|ConnectInfo(addr)| addr.ip());
    let client = Client::of(peer, request.headers(), &auth.trusted_proxies);
    request.extensions_mut().insert(client);
    request.extensions_mut().insert(ClientAddress(client.address.to_string()));
    let path = request.uri().path().to_owned();
    if is_cross_site(request.method(), request.headers()) {
        tracing::warn!(path, address = %client.address, "cross-site request refused");
        return (StatusCode::FORBIDDEN, Json(AppError::Forbidden("Cross-site requests are not accepted.".into())))
            .into_response();
    }
    if is_public(&path) {
        return next.run(request).await;
    }
    let user = match session_cookie(request.headers()) {
        Some(cookie) => match sessions::resolve_session(&auth.db, cookie, auth.policy, Utc::now()).await {
            Ok(user) => user,
            Err(error) => {
                tracing::error!(%error, "cannot read sessions");
                return (StatusCode::SERVICE_UNAVAILABLE, Json(AppError::Internal)).into_response();
            }
        },
        None => None,
    };
    match user {
        Some(user) => {
            request.extensions_mut().insert::<CurrentUser>(user);
            next.run(request).await
        }
        None if path.starts_with("/api/") => {
            (StatusCode::UNAUTHORIZED, Json(AppError::Unauthenticated)).into_response()
        }
        None => {
            let here = request.uri().path_and_query().map_or("/", |pq| pq.as_str());
            Redirect::to(&login_url(here, None)).into_response()
        }
    }
}

/// `/login?next=...`, with `failed` or `wait` when the last attempt did not succeed.
fn login_url(next: &str, outcome: Option<(&str, String)>) -> String {
    let mut url = format!("{LOGIN_PATH}?next={}", encode(next));
    if let Some((name, value)) = outcome {
        url.push_str(&format!("&{name}={}", encode(&value)));
    }
    url
}

fn encode(text: &str) -> String {
    text.bytes()
        .map(|b| match b {
            b'A'..=b'Z' | b'a'..=b'z' | b'0'..=b'9' | b'-' | b'_' | b'.' | b'~' | b'/' => (b as char).to_string(),
            _ => format!("%{b:02X}"),
        })
        .collect()
}

/// Where to go after signing in: a path on this site only (no `//host`, no scheme), else the
/// API Keys page. This is what stops `next` from being an open redirect.
pub fn safe_next(next: Option<&str>) -> String {
    match next {
        Some(path)
            if path.starts_with('/')
                && !path.starts_with("//")
                && !path.starts_with("/\\")
                && !path.chars().any(|c| c.is_control() || c == '\\') =>
        {
            path.to_owned()
        }
        _ => app::API_KEYS_PATH.to_owned(),
    }
}

#[derive(Deserialize)]
pub struct SignInForm {
    username: String,
    password: String,
    next: Option<String>,
}

fn session_cookie_header(value: &str, max_age_seconds: i64, https: bool) -> HeaderValue {
    let secure = if https { "; Secure" } else { "" };
    HeaderValue::from_str(&format!(
        "{COOKIE}={value}; Path=/; HttpOnly; SameSite=Lax; Max-Age={max_age_seconds}{secure}"
    ))
    .expect("a session cookie is a valid header value")
}

/// `POST /login`: checks the password (slowed down after repeated failures), starts a new
/// session and returns to `next`; a failure returns to the form with a message that never says
/// whether the user exists.
pub async fn sign_in(
    State(auth): State<Auth>,
    axum::Extension(client): axum::Extension<Client>,
    headers: HeaderMap,
    Form(form): Form<SignInForm>,
) -> Response {
    let next = safe_next(form.next.as_deref());
    let now = std::time::Instant::now();
    let username = form.username.trim().to_owned();
    if let Err(wait) = auth.throttle.check(&username, client.address, now) {
        tracing::warn!(user = username, address = %client.address, "sign-in held back after repeated failures");
        let seconds = wait.as_secs().max(1).to_string();
        return (StatusCode::SEE_OTHER, [(header::LOCATION, login_url(&next, Some(("wait", seconds))))])
            .into_response();
    }
    let record = match users::find_for_sign_in(&auth.db, &username).await {
        Ok(record) => record,
        Err(error) => {
            tracing::error!(%error, "cannot read users");
            return (StatusCode::SERVICE_UNAVAILABLE, "The database is unavailable; try again shortly.")
                .into_response();
        }
    };
    let stored = record.as_ref().map(|r| r.password_hash.clone());
    let actor = Actor::new(username.clone(), Some(client.address.to_string()));
    if !auth.passwords.verify(form.password, stored).await {
        auth.throttle.failed(&username, client.address, now);
        tracing::info!(user = username, address = %client.address, "sign-in failed");
        record_sign_in(&auth, &actor, AuditAction::SignInFailed).await;
        return Redirect::to(&login_url(&next, Some(("failed", "1".into())))).into_response();
    }
    let record = record.expect("a verified password belongs to a user");
    auth.throttle.succeeded(&username);
    if let Some(old) = session_cookie(&headers) {
        let _ = sessions::end_session(&auth.db, old).await;
    }
    if let Err(error) = sessions::purge_ended(&auth.db, auth.policy, Utc::now()).await {
        tracing::warn!(%error, "cannot delete ended sessions");
    }
    let started = sessions::start_session(&auth.db, record.id, auth.policy, Utc::now()).await;
    let Ok(session) = started else {
        tracing::error!("cannot start a session");
        return (StatusCode::SERVICE_UNAVAILABLE, "The database is unavailable; try again shortly.").into_response();
    };
    tracing::info!(user = record.name, address = %client.address, "signed in");
    record_sign_in(&auth, &actor, AuditAction::SignedIn).await;
    let cookie = session_cookie_header(session.cookie_value(), auth.policy.absolute.num_seconds(), client.https);
    (
        StatusCode::SEE_OTHER,
        [
            (header::SET_COOKIE, cookie),
            (header::LOCATION, HeaderValue::from_str(&next).unwrap_or(HeaderValue::from_static("/"))),
        ],
    )
        .into_response()
}

/// Records a sign-in attempt or a sign-out; a failure to record is logged, not shown.
async fn record_sign_in(auth: &Auth, actor: &Actor, action: AuditAction) {
    let event = Event::new(actor, action, &actor.name, Utc::now());
    if let Err(error) = audit::record(&auth.db, event).await {
        tracing::error!(%error, "cannot record a sign-in in the audit trail");
    }
}

/// `POST /logout`: ends the session on the server and clears the cookie.
pub async fn sign_out(
    State(auth): State<Auth>,
    axum::Extension(client): axum::Extension<Client>,
    headers: HeaderMap,
) -> Response {
    if let Some(cookie) = session_cookie(&headers) {
        match sessions::end_session(&auth.db, cookie).await {
            Ok(Some(name)) => {
                let actor = Actor::new(name, Some(client.address.to_string()));
                record_sign_in(&auth, &actor, AuditAction::SignedOut).await;
            }
            Ok(None) => {}
            Err(error) => tracing::error!(%error, "cannot end a session"),
        }
    }
    (
        StatusCode::SEE_OTHER,
        [
            (header::SET_COOKIE, session_cookie_header("", 0, client.https)),
            (header::LOCATION, HeaderValue::from_static(LOGIN_PATH)),
        ],
    )
        .into_response()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn next_is_a_local_path_or_the_api_keys_page() {
        assert_eq!(
            safe_next(Some("/provisioning/api-keys?q=chat&status=available")),
            "/provisioning/api-keys?q=chat&status=available"
        );
        for hostile in
            ["//evil.example/x", "https://evil.example", "/\\evil.example", "javascript:alert(1)", "", "/\nx"]
        {
            assert_eq!(safe_next(Some(hostile)), app::API_KEYS_PATH, "{hostile:?}");
        }
        assert_eq!(safe_next(None), app::API_KEYS_PATH);
    }

    #[test]
    fn forwarded_headers_count_only_from_trusted_proxies() {
        let mut headers = HeaderMap::new();
        headers.insert("x-forwarded-for", "203.0.113.9, 10.0.0.7".parse().unwrap());
        headers.insert("x-forwarded-proto", "https".parse().unwrap());
        let proxy: IpAddr = "10.0.0.5".parse().unwrap();
        let untrusted = Client::of(Some(proxy), &headers, &[]);
        assert_eq!(untrusted, Client { address: proxy, https: false });
        let trusted = Client::of(Some(proxy), &headers, &["10.0.0.0/8".parse().unwrap()]);
        assert_eq!(trusted, Client { address: "203.0.113.9".parse().unwrap(), https: true });
    }

    #[test]
    fn cross_site_posts_are_told_apart() {
        let headers = |pairs: &[(&'static str, &'static str)]| {
            let mut map = HeaderMap::new();
            for (name, value) in pairs {
                map.insert(*name, value.parse().unwrap());
            }
            map
        };
        let own = headers(&[("host", "keys.example:3000"), ("origin", "http://keys.example:3000")]);
        assert!(!is_cross_site(&Method::POST, &own));
        let evil = headers(&[("host", "keys.example:3000"), ("origin", "https://evil.example")]);
        assert!(is_cross_site(&Method::POST, &evil));
        assert!(!is_cross_site(&Method::GET, &evil), "reads are not state changes");
        assert!(is_cross_site(&Method::POST, &headers(&[("host", "k"), ("sec-fetch-site", "cross-site")])));
        assert!(!is_cross_site(&Method::POST, &headers(&[("host", "k")])), "no browser, no ambient cookie");
    }
}
