//! The port the Audit Log's server function needs: a readable trail. `app` defines it; the
//! server crate implements it over SeaORM and provides it as context (`Arc<dyn AuditTrail>`).

use super::page::AuditPage;
use super::query::{AuditQuery, AuditScope};
use crate::error::AppError;
use chrono::{DateTime, Utc};
use std::sync::Arc;

#[async_trait::async_trait]
pub trait AuditTrail: Send + Sync + 'static {
    /// One page of `query`'s view of the events `scope` shows, newest first, with the count
    /// (up to `COUNT_LIMIT`) and the actors to filter by.
    async fn page(&self, query: &AuditQuery, scope: AuditScope, now: DateTime<Utc>) -> Result<AuditPage, AppError>;
}

/// How the trail travels through Leptos context.
pub type SharedAuditTrail = Arc<dyn AuditTrail>;
