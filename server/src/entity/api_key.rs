//! The `api_keys` table.

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
}

#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {}

impl ActiveModelBehavior for ActiveModel {}
