//! The `unresolved_usage` table: verifications that named no key, per bucket and code (never per
//! presented string: forged keys grow nothing).

use sea_orm::entity::prelude::*;

#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
#[sea_orm(table_name = "unresolved_usage")]
pub struct Model {
    #[sea_orm(primary_key, auto_increment = false)]
    pub resolution: String,
    #[sea_orm(primary_key, auto_increment = false)]
    pub bucket: i64,
    /// `app::api_keys::verification::Refusal::code()`.
    #[sea_orm(primary_key, auto_increment = false)]
    pub code: String,
    pub count: i64,
}

#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {}

impl ActiveModelBehavior for ActiveModel {}
