//! The port the server functions need: a store of keys. `app` defines it; the server crate
//! implements it over SeaORM and provides it as context (`Arc<dyn KeyStore>`).
//!
//! Implementations apply the rules of this crate inside one transaction per change: they call
//! [`NewKey::validate`], [`KeyChanges::validate`] and the copy-naming rule rather than
//! re-stating them, record each change in the audit trail in that same transaction, and never
//! store or log a secret in the clear.

use super::attention::Notice;
use super::bulk::{BulkAction, BulkOutcome, BulkPreview, Selection};
use super::input::{KeyChanges, NewKey};
use super::key_list::{KeyList, UsageSince};
use super::key_page::KeyPage;
use super::model::{ApiKey, CreatedKey};
use super::query::KeyQuery;
use super::restrictions::{RestrictionReport, SourceCount};
use super::rotation::{RotatedKey, RotationRequest, RotationsOfKey};
use crate::audit::{Actor, AuditEntry};
use crate::error::AppError;
use crate::usage::{Range, UsageImpact, UsageReport};
use chrono::{DateTime, Utc};
use std::sync::Arc;
use uuid::Uuid;

#[async_trait::async_trait]
pub trait KeyStore: Send + Sync + 'static {
    /// One page of the keys in `query`'s view, filtered and sorted by the database.
    async fn list(&self, query: &KeyQuery, now: DateTime<Utc>) -> Result<KeyPage, AppError>;

    /// Every key with its week of uses, for the browser to hold; `None` when there are more
    /// than `limit`.
    async fn list_all(&self, limit: u64, now: DateTime<Utc>) -> Result<Option<KeyList>, AppError>;

    /// The usage figures of the keys used since `since` (last use at or after it).
    async fn usage_since(&self, since: DateTime<Utc>, now: DateTime<Utc>) -> Result<UsageSince, AppError>;

    /// The notices above the table with keys to show (each counted as its view counts).
    async fn notices(&self, now: DateTime<Utc>) -> Result<Vec<Notice>, AppError>;

    async fn get(&self, id: Uuid) -> Result<ApiKey, AppError>;

    /// What the "New API Key" panel proposes when copying key `id`.
    async fn propose_copy(&self, id: Uuid, now: DateTime<Utc>) -> Result<NewKey, AppError>;

    /// Creates a key with a fresh secret, made by `actor` ("Created By"). A copy that kept its
    /// proposed name is renumbered inside the transaction (see [`NewKey::renumbers_copy`]).
    async fn create(&self, new: NewKey, actor: &Actor, now: DateTime<Utc>) -> Result<CreatedKey, AppError>;

    /// Applies the details panel's changes, refusing them if the key changed since
    /// `changes.expected_version`.
    async fn update(
        &self,
        id: Uuid,
        changes: KeyChanges,
        actor: &Actor,
        now: DateTime<Utc>,
    ) -> Result<ApiKey, AppError>;

    /// The Enabled toggle: a change of intent that needs no version (toggling twice is harmless).
    async fn set_enabled(&self, id: Uuid, enabled: bool, actor: &Actor, now: DateTime<Utc>)
    -> Result<ApiKey, AppError>;

    async fn delete(&self, id: Uuid, actor: &Actor, now: DateTime<Utc>) -> Result<(), AppError>;

    /// The key's audit trail, newest first; it stays after the key is deleted.
    async fn history(&self, id: Uuid) -> Result<Vec<AuditEntry>, AppError>;

    /// The key's verifications over `range` at `now`, by bucket, result and origin. Counts reach
    /// the database a flush interval (10 s) after the verifications.
    async fn usage(&self, id: Uuid, range: Range, now: DateTime<Utc>) -> Result<UsageReport, AppError>;

    /// What stopping the key would break: its recent valid verifications and their origins.
    async fn usage_impact(&self, id: Uuid, now: DateTime<Utc>) -> Result<UsageImpact, AppError>;

    /// Rotates key `id` in one transaction: a new key with a new secret takes its name,
    /// permission, state and expiry, and the old key's expiry becomes the grace's end (see
    /// `rotation`). Expired, disabled and already replaced keys are refused (409).
    async fn rotate(
        &self,
        id: Uuid,
        request: RotationRequest,
        actor: &Actor,
        now: DateTime<Utc>,
    ) -> Result<RotatedKey, AppError>;

    /// Ends the grace of the rotation that replaced key `old_id`: the old key expires now.
    async fn finish_rotation(&self, old_id: Uuid, actor: &Actor, now: DateTime<Utc>) -> Result<ApiKey, AppError>;

    /// Moves the grace end of the rotation that replaced key `old_id` to `until`.
    async fn extend_rotation(
        &self,
        old_id: Uuid,
        until: DateTime<Utc>,
        actor: &Actor,
        now: DateTime<Utc>,
    ) -> Result<ApiKey, AppError>;

    /// The rotations key `id` took part in, each with its migration meter while it is shown.
    async fn rotations(&self, id: Uuid, now: DateTime<Utc>) -> Result<RotationsOfKey, AppError>;

    /// The origins (or networks) key `id` was used from in the last 30 days, busiest first, at
    /// most [`SUGGESTIONS`](super::restrictions::SUGGESTIONS).
    async fn restriction_suggestions(&self, id: Uuid, now: DateTime<Utc>) -> Result<Vec<SourceCount>, AppError>;

    /// What enforcing key `id`'s report-only restrictions would have refused in the last 7 days.
    async fn restriction_report(&self, id: Uuid, now: DateTime<Utc>) -> Result<RestrictionReport, AppError>;

    /// Previews `action` on `selection` for `actor`: the keys it changes (with their recent
    /// uses) and those it skips and why. The keys and their versions are kept under the
    /// preview's token for `bulk::PREVIEW_MINUTES`.
    async fn preview_bulk(
        &self,
        selection: Selection,
        action: BulkAction,
        actor: &Actor,
        now: DateTime<Utc>,
    ) -> Result<BulkPreview, AppError>;

    /// Applies preview `token` (made by `actor` for `action`) in one transaction: every key at
    /// the version previewed, or nothing (409 naming what changed). Each key gets its own audit
    /// event; all of them share the outcome's batch id.
    async fn apply_bulk(
        &self,
        token: Uuid,
        action: BulkAction,
        actor: &Actor,
        now: DateTime<Utc>,
    ) -> Result<BulkOutcome, AppError>;
}

/// How the store travels through Leptos context.
pub type SharedKeyStore = Arc<dyn KeyStore>;
