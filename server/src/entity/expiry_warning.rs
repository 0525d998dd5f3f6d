//! The `expiry_warnings` table: each (key, expiry, warning) sent, once.

use sea_orm::entity::prelude::*;

#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
#[sea_orm(table_name = "expiry_warnings")]
pub struct Model {
    #[sea_orm(primary_key, auto_increment = false)]
    pub key_id: Uuid,
    #[sea_orm(primary_key, auto_increment = false)]
    pub expires_at: DateTimeUtc,
    /// `app::webhooks::expiry_warning::Warning::as_str`.
    #[sea_orm(primary_key, auto_increment = false)]
    pub warning: String,
    pub sent_at: DateTimeUtc,
}

#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {}

impl ActiveModelBehavior for ActiveModel {}
