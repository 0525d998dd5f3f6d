//! The HTTP surface: the Leptos app with its server functions, health probes, static files.

use crate::db;
use crate::key_store::SeaKeyStore;
use app::api_keys::server_fns::ssr::Actor;
use app::api_keys::store::SharedKeyStore;
use app::{API_KEYS_PATH, App, shell};
use axum::Router;
use axum::extract::State;
use axum::http::StatusCode;
use axum::response::Redirect;
use axum::routing::get;
use leptos::config::{Env, LeptosOptions};
use leptos::prelude::provide_context;
use leptos_axum::{LeptosRoutes, generate_route_list};
use sea_orm::DatabaseConnection;
use std::net::SocketAddr;
use std::path::Path;
use std::sync::Arc;
use tower_http::trace::TraceLayer;

/// Until sign-in exists, every change is attributed to this user ("Created By").
const DEFAULT_ACTOR: &str = "admin";

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

/// The whole application as one router.
pub fn router(options: LeptosOptions, db: DatabaseConnection) -> Router {
    let store: SharedKeyStore = Arc::new(SeaKeyStore::new(db.clone()));
    // `/` is a plain HTTP redirect here, so browsers without wasm and tools get there too.
    let routes = generate_route_list(App).into_iter().filter(|route| route.path() != "/").collect();
    let probes = Router::new()
        .route("/", get(|| async { Redirect::to(API_KEYS_PATH) }))
        .route("/healthz", get(|| async { "ok" }))
        .route("/readyz", get(readyz))
        .with_state(db);
    Router::new()
        .leptos_routes_with_context(
            &options,
            routes,
            move || {
                provide_context(store.clone());
                provide_context(Actor(DEFAULT_ACTOR.to_owned()));
            },
            {
                let options = options.clone();
                move || shell(options.clone())
            },
        )
        .fallback(leptos_axum::file_and_error_handler(shell))
        .with_state(options)
        .merge(probes)
        .layer(TraceLayer::new_for_http())
}

/// Readiness: 200 only while the database answers.
async fn readyz(State(db): State<DatabaseConnection>) -> (StatusCode, &'static str) {
    if db::ping(&db).await {
        (StatusCode::OK, "ready")
    } else {
        (StatusCode::SERVICE_UNAVAILABLE, "database unavailable")
    }
}
