//! The HTTP surface, built as route groups that each carry their own layers, merged once:
//!
//! | group | routes | layers, outermost first |
//! |---|---|---|
//! | [`site::console`] | every page but sign-in, every server function but `who_am_i`, the usage CSV download, unknown paths | page headers, own Host (421), client, cross-site refusal (403), body limit, timeout, **session required** |
//! | [`site::public`] | `/login` (page and post), `/logout`, `who_am_i`, `/`, `/pkg/*`, the favicon | page headers, own Host, client, cross-site refusal, body limit, timeout |
//! | `/api/v1` ([`crate::verify::api`]) | verification, the channel examples, OpenAPI | machine headers, timeout; tokens or keys per route |
//! | [`probes`] | `/healthz`, `/readyz` | machine headers |
//!
//! A new route is guarded by the group it joins; `tests/integration/route_groups.rs` lists every route
//! and checks its group's guard. A live stream or a streamed download would be a group of its
//! own, without the timeout.

pub mod probes;
pub mod site;

use crate::auth::Auth;
use crate::key_store::SeaKeyStore;
use crate::security_headers::machine_headers;
use crate::verify::VerifyServices;
use crate::verify::api;
use app::api_keys::key_list::BrowserTableLimit;
use app::api_keys::store::SharedKeyStore;
use axum::http::StatusCode;
use axum::{Router, middleware};
use leptos::config::{Env, LeptosOptions};
use sea_orm::DatabaseConnection;
use std::net::SocketAddr;
use std::path::Path;
use std::sync::Arc;
use std::time::Duration;
use tower_http::timeout::TimeoutLayer;
use tower_http::trace::TraceLayer;

/// Leptos' settings for serving the built site from `site_root`.
pub fn leptos_options(site_root: &Path, addr: SocketAddr) -> LeptosOptions {
    LeptosOptions::builder()
        .output_name("keydesk")
        .site_root(site_root.to_string_lossy().as_ref())
        .site_pkg_dir("pkg")
        .site_addr(addr)
        .env(Env::PROD)
        .build()
}

/// What the router serves from: the database, the verification index, sign-in.
#[derive(Clone)]
pub struct Services {
    pub db: DatabaseConnection,
    pub verify: VerifyServices,
    pub auth: Auth,
    pub limits: Limits,
    /// The Notifications page's endpoints.
    pub webhooks: app::webhooks::store::SharedNotificationStore,
}

/// How long and how large a request may be.
#[derive(Debug, Clone, Copy)]
pub struct Limits {
    /// From the request's arrival to its answer's head, for the console and the API.
    pub request_timeout: Duration,
    /// The most keys a page holds in the browser (`--browser-table-limit`).
    pub browser_table: BrowserTableLimit,
}

impl Default for Limits {
    fn default() -> Self {
        Limits { request_timeout: Duration::from_secs(30), browser_table: BrowserTableLimit::default() }
    }
}

impl Limits {
    fn timeout(&self) -> TimeoutLayer {
        TimeoutLayer::with_status_code(StatusCode::REQUEST_TIMEOUT, self.request_timeout)
    }
}

/// The largest body a server function (or any other console request but sign-in) takes; the
/// largest real one, a key's changes, is well under 1 KiB.
pub const MAX_CONSOLE_BODY_BYTES: usize = 64 * 1024;

/// The whole application as one router.
pub fn router(options: LeptosOptions, services: &Services) -> Router {
    build(options, services, false)
}

/// [`router`] plus `POST /api/v1/bench/baseline`, a trivial handler behind the same layers, for
/// `bench/verify.sh` to measure the stack's own cost beside the verification API's.
pub fn router_with_bench_baseline(options: LeptosOptions, services: &Services) -> Router {
    build(options, services, true)
}

fn build(options: LeptosOptions, services: &Services, bench_baseline: bool) -> Router {
    let Services { db, verify, auth, limits, webhooks } = services.clone();
    let store: SharedKeyStore = Arc::new(SeaKeyStore::with_index(db.clone(), verify.index().clone()));
    let site = site::routes(&options, store, webhooks, &auth, limits, verify.live());
    let api = Router::new()
        .nest("/api/v1", api::routes(&verify, bench_baseline))
        // The nested router's fallback does not see its own root; it is the API's, not the page's.
        .route("/api/v1/", axum::routing::any(api::not_found))
        .layer(limits.timeout())
        .layer(middleware::from_fn(machine_headers));
    let probes = probes::routes(db, &verify).layer(middleware::from_fn(machine_headers));
    Router::new().merge(site).merge(api).merge(probes).layer(TraceLayer::new_for_http())
}
