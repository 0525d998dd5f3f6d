//! The `key_usage` table: verifications per key, bucket, result and origin or network.

use sea_orm::entity::prelude::*;

#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
#[sea_orm(table_name = "key_usage")]
pub struct Model {
    #[sea_orm(primary_key, auto_increment = false)]
    pub key_id: Uuid,
    /// `app::usage::Resolution::code()`.
    #[sea_orm(primary_key, auto_increment = false)]
    pub resolution: String,
    /// Unix seconds of the bucket's UTC start.
    #[sea_orm(primary_key, auto_increment = false)]
    pub bucket: i64,
    /// `app::usage::UsageResult::code()`.
    #[sea_orm(primary_key, auto_increment = false)]
    pub result: String,
    /// `origin` or `network`.
    #[sea_orm(primary_key, auto_increment = false)]
    pub dimension: String,
    #[sea_orm(primary_key, auto_increment = false)]
    pub label: String,
    pub count: i64,
}

#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {}

impl ActiveModelBehavior for ActiveModel {}
