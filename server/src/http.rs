//! The HTTP surface: the Leptos app with its server functions, sign-in, the verification API
//! under `/api/v1`, health probes, static files. Everything passes `auth::gate`.

use crate::auth::{self, Auth};
use crate::db;
use crate::key_store::SeaKeyStore;
use crate::security_headers::{CspNonce, security_headers};
use crate::verify::VerifyServices;
use crate::verify::sync::SyncHealth;
use crate::verify::{api, index::KeyIndex};
use app::api_keys::store::SharedKeyStore;
use app::error::AppError;
use app::{API_KEYS_PATH, App, shell};
use axum::body::Body;
use axum::extract::Request;
use axum::extract::State;
use axum::http;
use axum::http::StatusCode;
use axum::middleware::Next;
use axum::response::{IntoResponse, Redirect, Response};
use axum::routing::{get, post};
use axum::{Json, Router};
use leptos::config::{Env, LeptosOptions};
use leptos::nonce::Nonce;
use leptos::prelude::{provide_context, use_context};
use leptos_axum::{LeptosRoutes, generate_route_list};
use sea_orm::DatabaseConnection;
use std::net::SocketAddr;
use std::path::Path;
use std::sync::Arc;
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
}

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
    let Services { db, verify, auth } = services.clone();
    let store: SharedKeyStore = Arc::new(SeaKeyStore::with_index(db.clone(), verify.index().clone()));
    // `/` is a plain HTTP redirect here, so browsers without wasm and tools get there too.
    let routes = generate_route_list(App).into_iter().filter(|route| route.path() != "/").collect();
    let probes = Router::new()
        .route("/", get(|| async { Redirect::to(API_KEYS_PATH) }))
        .route("/healthz", get(|| async { "ok" }))
        .route("/readyz", get(readyz))
        .with_state(Readiness { db, index: verify.index().clone(), health: verify.health().clone() });
    Router::new()
        .leptos_routes_with_context(
            &options,
            routes,
            move || {
                provide_context(store.clone());
                // The nonce the Content-Security-Policy header names, on Leptos' inline scripts.
                let nonce =
                    use_context::<http::request::Parts>().and_then(|parts| parts.extensions.get::<CspNonce>().cloned());
                if let Some(CspNonce(nonce)) = nonce {
                    provide_context(Nonce::from_value(nonce));
                }
            },
            {
                let options = options.clone();
                move || shell(options.clone())
            },
        )
        .fallback(leptos_axum::file_and_error_handler(shell))
        .with_state(options)
        .merge(probes)
        .nest("/api/v1", api::routes(&verify, bench_baseline))
        // The nested router's fallback does not see its own root; it is the API's, not the page's.
        .route("/api/v1/", axum::routing::any(api::not_found))
        .route(app::auth::LOGIN_PATH, post(auth::sign_in).with_state(auth.clone()))
        .route(app::auth::LOGOUT_PATH, post(auth::sign_out).with_state(auth.clone()))
        .layer(axum::middleware::from_fn(server_fn_error_status))
        .layer(axum::middleware::from_fn_with_state(auth, auth::gate))
        .layer(axum::middleware::from_fn(security_headers))
        .layer(TraceLayer::new_for_http())
}

/// Gives a failed server function's answer the status its error deserves when server_fn could
/// not: a request whose arguments do not decode fails before the function runs (and before
/// `server_fns::ssr::answer` can set 400), and server_fn answers those with 500. The error in
/// the body (an `AppError`, JSON) knows its own status.
async fn server_fn_error_status(request: Request, next: Next) -> Response {
    let response = next.run(request).await;
    if response.status() != StatusCode::INTERNAL_SERVER_ERROR
        || !response.headers().contains_key(leptos::server_fn::error::SERVER_FN_ERROR_HEADER)
    {
        return response;
    }
    let (mut parts, body) = response.into_parts();
    let Ok(bytes) = axum::body::to_bytes(body, 64 * 1024).await else {
        return StatusCode::INTERNAL_SERVER_ERROR.into_response();
    };
    if let Ok(error) = serde_json::from_slice::<AppError>(&bytes)
        && let Ok(status) = StatusCode::from_u16(error.status_code())
    {
        parts.status = status;
    }
    Response::from_parts(parts, Body::from(bytes))
}

#[derive(Clone)]
struct Readiness {
    db: DatabaseConnection,
    index: Arc<KeyIndex>,
    health: Arc<SyncHealth>,
}

/// Readiness: 200 only while the database answers (the console needs it). The body says how
/// verification stands: it keeps answering from memory while the database is away.
async fn readyz(State(ready): State<Readiness>) -> (StatusCode, Json<serde_json::Value>) {
    let database_up = db::ping(&ready.db).await;
    let status = if database_up { StatusCode::OK } else { StatusCode::SERVICE_UNAVAILABLE };
    let body = serde_json::json!({
        "database": if database_up { "up" } else { "down" },
        "verification": {
            "keys": ready.index.len(),
            "in_sync": ready.health.in_sync() && database_up,
            "last_full_load": ready.health.last_full_load(),
        },
    });
    (status, Json(body))
}
