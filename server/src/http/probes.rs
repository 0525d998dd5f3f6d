//! Liveness and readiness for load balancers and orchestrators. They answer whatever name they
//! are called by, and need no session.

use crate::db;
use crate::verify::VerifyServices;
use crate::verify::index::KeyIndex;
use crate::verify::sync::SyncHealth;
use axum::extract::State;
use axum::http::StatusCode;
use axum::routing::get;
use axum::{Json, Router};
use sea_orm::DatabaseConnection;
use std::sync::Arc;

/// The probe paths, for the route-group test.
pub const PATHS: [&str; 2] = ["/healthz", "/readyz"];

pub fn routes(db: DatabaseConnection, verify: &VerifyServices) -> Router {
    Router::new().route("/healthz", get(|| async { "ok" })).route("/readyz", get(readyz)).with_state(Readiness {
        db,
        index: verify.index().clone(),
        health: verify.health().clone(),
    })
}

#[derive(Clone)]
struct Readiness {
    db: DatabaseConnection,
    index: Arc<KeyIndex>,
    health: Arc<SyncHealth>,
}

/// Readiness: 200 only while the database answers (the console needs it). The body says how
/// verification stands: it answers from memory while the database is away, within the
/// staleness bound.
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
