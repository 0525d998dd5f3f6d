//! The `bulk_previews` table: a bulk action's keys and versions, kept under its token.

use sea_orm::entity::prelude::*;

#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
#[sea_orm(table_name = "bulk_previews")]
pub struct Model {
    #[sea_orm(primary_key, auto_increment = false)]
    pub token: Uuid,
    /// Who made it: only they may apply it.
    pub actor: String,
    /// JSON of `app::api_keys::bulk::BulkAction`.
    pub action: String,
    /// JSON: `[[key id, version], ...]`.
    pub keys: String,
    pub expires_at: DateTimeUtc,
}

#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {}

impl ActiveModelBehavior for ActiveModel {}
