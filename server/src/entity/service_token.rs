//! The `service_tokens` table: who may call the verification API.

use sea_orm::entity::prelude::*;

#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
#[sea_orm(table_name = "service_tokens")]
pub struct Model {
    #[sea_orm(primary_key, auto_increment = false)]
    pub id: Uuid,
    pub name: String,
    /// The token's start (`kd_svc__4fQz`), for recognising it in a list.
    pub display_prefix: String,
    /// SHA-256 of the token; the token itself is never stored.
    pub token_hash: Vec<u8>,
    pub created_at: DateTimeUtc,
    /// Set when revoked; a revoked token never authenticates again.
    pub revoked_at: Option<DateTimeUtc>,
}

#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {}

impl ActiveModelBehavior for ActiveModel {}
