//! The `api_keys` table.

use app::api_keys::restrictions::{RestrictionMode, Restrictions};
use sea_orm::entity::prelude::*;

#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
#[sea_orm(table_name = "api_keys")]
pub struct Model {
    #[sea_orm(primary_key, auto_increment = false)]
    pub id: Uuid,
    pub name: String,
    /// `search::fold(name)`: lets SQL search case-insensitively beyond ASCII on SQLite too.
    pub name_folded: String,
    /// `Permission::as_str()`: `chat` or `secure_mail`.
    pub permission: String,
    pub enabled: bool,
    pub expires_at: Option<DateTimeUtc>,
    pub created_at: DateTimeUtc,
    pub created_by: String,
    pub created_by_folded: String,
    pub updated_at: DateTimeUtc,
    pub last_used_at: Option<DateTimeUtc>,
    pub display_prefix: String,
    /// SHA-256 of the secret; the secret itself is never stored.
    pub secret_hash: Vec<u8>,
    pub version: i64,
    /// The key this one was copied from, if any (kept even after that key is deleted).
    pub copied_from: Option<Uuid>,
    /// Rotation: the key this one took over from.
    pub replaces: Option<Uuid>,
    /// Rotation: the key that took over from this one; this one works until `expires_at`.
    pub replaced_by: Option<Uuid>,
    /// When this key was replaced.
    pub rotated_at: Option<DateTimeUtc>,
    /// This key's expiry from before it was replaced, which caps extending the grace.
    pub expiry_before_rotation: Option<DateTimeUtc>,
    /// Expire this (replaced) key once it has gone unused for 24 hours.
    pub stop_when_unused: bool,
    /// `RestrictionMode::code()`: `off`, `report_only` or `enforce`.
    pub restriction_mode: String,
    /// The allowed origins (chat keys) or networks (secure-mail keys): a JSON array of entries
    /// in their normal spelling, kept while the mode is off.
    pub allowed_sources: String,
}

#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {}

impl ActiveModelBehavior for ActiveModel {}

/// A key's restrictions from their two columns. Values that cannot be read (written around the
/// rules, by hand) read as allowing nowhere, in the stored mode if that much can be read, else
/// `Enforce`: the key is closed, not the console or the index, and a warning says so.
pub fn restrictions_of(id: Uuid, mode: &str, allowed_sources: &str) -> Restrictions {
    let mode_read = RestrictionMode::parse(mode);
    let allowed = serde_json::from_str(allowed_sources);
    match (mode_read, allowed) {
        (Some(mode), Ok(allowed)) => Restrictions { mode, allowed },
        (mode_read, _) => {
            tracing::warn!(key_id = %id, mode, "unreadable restrictions: the key is treated as allowing nowhere");
            Restrictions { mode: mode_read.unwrap_or(RestrictionMode::Enforce), allowed: Vec::new() }
        }
    }
}

/// The `allowed_sources` column's value for `allowed`.
pub fn stored_allowed_sources(allowed: &[String]) -> String {
    serde_json::to_string(allowed).expect("a list of strings serialises")
}

/// A key row for unit tests: `name`, a chat key made by alice at `at`, enabled, expiring then.
#[cfg(test)]
pub(crate) fn sample(name: &str, at: DateTimeUtc) -> Model {
    Model {
        id: Uuid::nil(),
        name: name.into(),
        name_folded: name.to_lowercase(),
        permission: "chat".into(),
        enabled: true,
        expires_at: Some(at),
        created_at: at,
        created_by: "alice".into(),
        created_by_folded: "alice".into(),
        updated_at: at,
        last_used_at: None,
        display_prefix: "kd_chat_AbC".into(),
        secret_hash: vec![0xAB; 32],
        version: 1,
        copied_from: None,
        replaces: None,
        replaced_by: None,
        rotated_at: None,
        expiry_before_rotation: None,
        stop_when_unused: false,
        restriction_mode: "off".into(),
        allowed_sources: "[]".into(),
    }
}
