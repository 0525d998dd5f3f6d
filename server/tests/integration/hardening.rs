//! The console's own door, in-process on real databases: sign-in throttling under parallel
//! guesses and from many addresses, bounded sign-in input, the console answering only for its
//! public URL, body limits and timeouts.

use crate::support;

use app::api_keys::server_fns::{CreateKey, ListKeys};
use app::api_keys::{KeyQuery, NewKey};
use app::audit::AuditAction;
use app::auth::{Rights, WhoAmI};
use axum::body::Body;
use axum::extract::ConnectInfo;
use axum::http::{Request, StatusCode, header};
use axum::response::Response;
use chrono::{Duration, Utc};
use leptos::server_fn::ServerFn;
use sea_orm::DatabaseConnection;
use serde_json::json;
use server::auth::passwords::hash_password;
use server::auth::sign_in::INVALID_NAME;
use server::auth::throttle::FREE_FAILURES;
use server::auth::users;
use server::public_url::PublicUrl;
use std::net::SocketAddr;
use std::path::Path;
use tower::ServiceExt;

const PASSWORD: &str = "a long test password";

async fn send(app: &axum::Router, request: Request<Body>) -> Response {
    app.clone().oneshot(request).await.unwrap()
}

async fn body_text(response: Response) -> String {
    let bytes = axum::body::to_bytes(response.into_body(), usize::MAX).await.unwrap();
    String::from_utf8_lossy(&bytes).into_owned()
}

/// A sign-in form post from `peer`, as a browser on the console's own page sends it.
fn sign_in_from(peer: &str, username: &str, password: &str) -> Request<Body> {
    let form = format!("username={}&password={}&next=%2F", urlencode(username), urlencode(password));
    let mut request = Request::post("/login")
        .header(header::CONTENT_TYPE, "application/x-www-form-urlencoded")
        .header(header::ORIGIN, support::ORIGIN)
        .body(Body::from(form))
        .unwrap();
    let peer: SocketAddr = SocketAddr::new(peer.parse().unwrap(), 50_000);
    request.extensions_mut().insert(ConnectInfo(peer));
    request
}

fn urlencode(text: &str) -> String {
    text.bytes()
        .map(|b| if b.is_ascii_alphanumeric() { (b as char).to_string() } else { format!("%{b:02X}") })
        .collect()
}

fn location(response: &Response) -> String {
    response.headers().get(header::LOCATION).map_or(String::new(), |v| v.to_str().unwrap().to_owned())
}

fn set_cookie(response: &Response) -> Option<String> {
    response.headers().get(header::SET_COOKIE).map(|v| v.to_str().unwrap().to_owned())
}

async fn with_user(db: &DatabaseConnection, name: &str) {
    let hash = hash_password(PASSWORD.into()).await;
    users::add_user(db, name, Rights::all(), hash, None, &support::by("ops"), Utc::now()).await.unwrap();
}

async fn failed_sign_ins(db: &DatabaseConnection) -> Vec<app::audit::AuditEntry> {
    let trail = server::audit::since(db, Utc::now() - Duration::hours(1)).await.unwrap();
    trail.into_iter().filter(|e| e.action == AuditAction::SignInFailed).collect()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_burst_of_parallel_guesses_tests_no_more_passwords_than_the_allowance() {
    let db = support::sqlite().await;
    let (app, _) = support::router_on(&db).await;
    with_user(&db, "ann").await;
    let guesses = (0..30).map(|n| send(&app, sign_in_from("203.0.113.5", "ann", &format!("guess {n}"))));
    let answers = futures::future::join_all(guesses).await;
    let tested = answers.iter().filter(|r| location(r).contains("failed=1")).count();
    let held = answers.iter().filter(|r| location(r).contains("wait=") || r.status() == 503).count();
    assert!(tested >= 1 && tested <= FREE_FAILURES as usize, "{tested} passwords tested");
    assert_eq!(tested + held, answers.len(), "every other guess was held back, never told `failed`");
    assert_eq!(failed_sign_ins(&db).await.len(), tested, "the audit trail counts exactly the tested ones");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn one_address_guessing_cannot_lock_the_owner_out() {
    let db = support::sqlite().await;
    let (app, _) = support::router_on(&db).await;
    with_user(&db, "admin").await;
    for _ in 0..FREE_FAILURES {
        let guess = send(&app, sign_in_from("198.51.100.66", "admin", "guess")).await;
        assert!(location(&guess).contains("failed=1"), "{}", location(&guess));
    }
    let held = send(&app, sign_in_from("198.51.100.66", "admin", PASSWORD)).await;
    assert!(location(&held).contains("wait="), "the guessing address waits, even with the right password");
    assert!(set_cookie(&held).is_none());
    let owner = send(&app, sign_in_from("192.0.2.10", "admin", PASSWORD)).await;
    assert!(set_cookie(&owner).is_some_and(|c| c.contains("keydesk_session=")), "{}", location(&owner));
    // An IPv6 attacker's neighbours in its /64 are the same address to the throttle.
    for n in 0..FREE_FAILURES {
        send(&app, sign_in_from(&format!("2001:db8:5:6::{n}"), "bob", "guess")).await;
    }
    let neighbour = send(&app, sign_in_from("2001:db8:5:6::ffff", "carol", "guess")).await;
    assert!(location(&neighbour).contains("wait="), "{}", location(&neighbour));
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_full_hashing_pool_answers_503_at_once_and_counts_nothing() {
    let db = support::sqlite().await;
    let services = support::services_on(&db).await;
    let app = support::router_of(&services, Path::new("target/site"));
    with_user(&db, "ann").await;
    let busy: Vec<_> = std::iter::from_fn(|| services.auth.passwords.try_permit()).collect();
    assert!(!busy.is_empty());
    for _ in 0..3 {
        let refused = tokio::time::timeout(
            std::time::Duration::from_secs(10),
            send(&app, sign_in_from("192.0.2.1", "ann", "guess")),
        )
        .await
        .expect("answered without waiting for a hashing slot");
        assert_eq!(refused.status(), StatusCode::SERVICE_UNAVAILABLE);
        assert!(refused.headers().contains_key(header::RETRY_AFTER));
    }
    drop(busy);
    // The refused attempts tested nothing and count for nothing: the full allowance is left.
    for _ in 0..FREE_FAILURES {
        assert!(location(&send(&app, sign_in_from("192.0.2.1", "ann", "guess")).await).contains("failed=1"));
    }
    assert!(failed_sign_ins(&db).await.len() == FREE_FAILURES as usize);
}

#[tokio::test]
async fn sign_in_input_is_bounded_and_odd_names_are_never_stored() {
    let db = support::sqlite().await;
    let (app, _) = support::router_on(&db).await;
    let huge = "a".repeat(2 * 1024 * 1024);
    assert_eq!(send(&app, sign_in_from("192.0.2.1", &huge, "x")).await.status(), StatusCode::PAYLOAD_TOO_LARGE);
    assert_eq!(
        send(&app, sign_in_from("192.0.2.1", &"a".repeat(5000), "x")).await.status(),
        StatusCode::PAYLOAD_TOO_LARGE
    );
    let hostile = "admin\n2026-11-29T00:00:00Z  forged\u{1b}[2J";
    let answer = send(&app, sign_in_from("192.0.2.1", hostile, "x")).await;
    assert!(location(&answer).contains("failed=1"));
    let long_name = "b".repeat(65);
    send(&app, sign_in_from("192.0.2.2", &long_name, "x")).await;
    let failures = failed_sign_ins(&db).await;
    assert_eq!(failures.len(), 2);
    for failure in &failures {
        assert_eq!((failure.actor.as_str(), failure.subject.as_str()), (INVALID_NAME, INVALID_NAME));
    }
    // The sign-in page shows a number of seconds, or nothing of what the link says.
    let page = |query: &str| Request::get(format!("/login?{query}")).body(Body::empty()).unwrap();
    let answer = send(&app, page("wait=Call%20%2B1-555-0100%20to%20unlock")).await;
    let status = answer.status();
    let forged = body_text(answer).await;
    assert!(!forged.contains("555-0100") && forged.contains("Try again shortly"), "{status}: {forged}");
    let real = body_text(send(&app, page("wait=7")).await).await;
    assert!(real.contains("Try again in 7 seconds"));
}

#[tokio::test]
async fn the_console_answers_only_for_its_public_url() {
    let db = support::sqlite().await;
    let (app, _) = support::router_on(&db).await;
    with_user(&db, "ann").await;
    let cookie = support::signed_in(&db, "bob", Rights::all()).await;
    let rebound = |mut request: Request<Body>| {
        request.headers_mut().insert(header::HOST, "rebind.attacker.test:3000".parse().unwrap());
        request.headers_mut().insert(header::ORIGIN, "http://rebind.attacker.test:3000".parse().unwrap());
        request
    };
    // DNS rebinding: the attacker's name, resolving to the console's address.
    let sign_in = send(&app, rebound(sign_in_from("192.0.2.1", "ann", PASSWORD))).await;
    assert_eq!(sign_in.status(), StatusCode::MISDIRECTED_REQUEST);
    assert!(set_cookie(&sign_in).is_none());
    let create = Request::post(CreateKey::PATH)
        .header(header::CONTENT_TYPE, "application/json")
        .header(header::COOKIE, &cookie)
        .body(Body::from(json!({ "new": NewKey { name: "rebound".into(), ..NewKey::blank() } }).to_string()))
        .unwrap();
    assert_eq!(send(&app, rebound(create)).await.status(), StatusCode::MISDIRECTED_REQUEST);
    for path in ["/provisioning/api-keys", "/login", "/pkg/keydesk.js", "/"] {
        let request = Request::get(path).header(header::HOST, "rebind.attacker.test:3000").body(Body::empty()).unwrap();
        assert_eq!(send(&app, request).await.status(), StatusCode::MISDIRECTED_REQUEST, "{path}");
    }
    // The probes and the verification API answer any name.
    for path in ["/healthz", "/readyz", "/api/v1/openapi.json"] {
        let request = Request::get(path).header(header::HOST, "keydesk.internal.lb").body(Body::empty()).unwrap();
        assert_eq!(send(&app, request).await.status(), StatusCode::OK, "{path}");
    }
    // The whole origin counts: the right host with the wrong scheme or port is cross-site.
    let create_from = |host: &str, origin: &str, name: &str| {
        Request::post(CreateKey::PATH)
            .header(header::CONTENT_TYPE, "application/json")
            .header(header::COOKIE, &cookie)
            .header(header::HOST, host)
            .header(header::ORIGIN, origin)
            .body(Body::from(json!({ "new": NewKey { name: name.into(), ..NewKey::blank() } }).to_string()))
            .unwrap()
    };
    let https = send(&app, create_from("127.0.0.1:3000", "https://127.0.0.1:3000", "scheme")).await;
    assert_eq!(https.status(), StatusCode::FORBIDDEN);
    let port = send(&app, create_from("127.0.0.1:3000", "http://127.0.0.1:3001", "port")).await;
    assert_eq!(port.status(), StatusCode::FORBIDDEN);
    let loopback = send(&app, create_from("localhost:3000", "http://localhost:3000", "loopback")).await;
    assert_eq!(loopback.status(), StatusCode::OK, "a loopback console answers to each loopback name");
}

#[tokio::test]
async fn an_https_console_sends_hsts_and_a_host_only_secure_cookie() {
    let db = support::sqlite().await;
    let mut services = support::services_on(&db).await;
    let public_url = PublicUrl::parse("https://keys.example.com").unwrap();
    services.auth = server::auth::Auth::new(db.clone(), Vec::new(), public_url);
    let app = support::router_of(&services, Path::new("target/site"));
    with_user(&db, "ann").await;
    let mut request = sign_in_from("192.0.2.1", "ann", PASSWORD);
    request.headers_mut().insert(header::HOST, "keys.example.com".parse().unwrap());
    request.headers_mut().insert(header::ORIGIN, "https://keys.example.com".parse().unwrap());
    let signed_in = send(&app, request).await;
    let cookie = set_cookie(&signed_in).expect("signed in");
    assert!(cookie.starts_with("__Host-keydesk_session=") && cookie.contains("; Secure"), "{cookie}");
    assert!(!cookie.contains("Domain"));
    let page = Request::get("/login").header(header::HOST, "keys.example.com").body(Body::empty()).unwrap();
    let hsts = send(&app, page).await.headers().get(header::STRICT_TRANSPORT_SECURITY).cloned();
    assert_eq!(hsts.unwrap(), "max-age=31536000");
}

/// A body that sends its first bytes and then nothing, ever.
fn stalled_body() -> Body {
    let first =
        futures::stream::once(async { Ok::<_, std::io::Error>(axum::body::Bytes::from_static(b"{\"query\":")) });
    Body::from_stream(futures::StreamExt::chain(first, futures::stream::pending()))
}

#[tokio::test]
async fn bodies_are_capped_and_slow_requests_time_out() {
    let db = support::sqlite().await;
    let mut services = support::services_on(&db).await;
    services.limits.request_timeout = std::time::Duration::from_millis(300);
    let app = support::router_of(&services, Path::new("target/site"));
    let cookie = support::signed_in(&db, "ann", Rights::all()).await;
    let three_megabytes = vec![b' '; 3 * 1024 * 1024];
    for (path, cookie) in [(WhoAmI::PATH, None), (ListKeys::PATH, Some(&cookie))] {
        let mut request = Request::post(path)
            .header(header::CONTENT_TYPE, "application/json")
            .header(header::CONTENT_LENGTH, three_megabytes.len());
        if let Some(cookie) = cookie {
            request = request.header(header::COOKIE, cookie);
        }
        let response = send(&app, request.body(Body::from(three_megabytes.clone())).unwrap()).await;
        assert_eq!(response.status(), StatusCode::PAYLOAD_TOO_LARGE, "{path}");
    }
    let list = json!({ "query": KeyQuery::default() }).to_string();
    let fine = Request::post(ListKeys::PATH)
        .header(header::CONTENT_TYPE, "application/json")
        .header(header::COOKIE, &cookie)
        .body(Body::from(list))
        .unwrap();
    assert_eq!(send(&app, fine).await.status(), StatusCode::OK);

    let limit = std::time::Duration::from_secs(10);
    let stalled = Request::post(ListKeys::PATH)
        .header(header::CONTENT_TYPE, "application/json")
        .header(header::COOKIE, &cookie)
        .body(stalled_body())
        .unwrap();
    let answer = tokio::time::timeout(limit, send(&app, stalled)).await.expect("the console gave up on the request");
    assert_eq!(answer.status(), StatusCode::REQUEST_TIMEOUT);
    // Without a token, the verification API answers before reading any of a body.
    let untokened = Request::post("/api/v1/keys/verify").body(stalled_body()).unwrap();
    let answer = tokio::time::timeout(limit, send(&app, untokened)).await.expect("answered at once");
    assert_eq!(answer.status(), StatusCode::UNAUTHORIZED);
}

#[test]
fn a_console_on_every_interface_needs_its_public_url_to_start() {
    let dir = std::env::temp_dir().join(format!("keydesk-public-url-{}", uuid::Uuid::new_v4().simple()));
    let url = format!("sqlite://{}/keydesk.db?mode=rwc", dir.display());
    let output = std::process::Command::new(env!("CARGO_BIN_EXE_server"))
        .args(["--database-url", &url, "--addr", "0.0.0.0:0", "serve"])
        .env_remove("KEYDESK_PUBLIC_URL")
        .output()
        .expect("run the server");
    let touched = dir.exists();
    let _ = std::fs::remove_dir_all(&dir);
    assert!(!output.status.success(), "it refused to start");
    let said = String::from_utf8_lossy(&output.stderr);
    assert!(said.contains("--public-url"), "and said why: {said}");
    assert!(!touched, "before touching the database");
}
