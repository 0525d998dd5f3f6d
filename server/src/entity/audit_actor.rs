//! The `audit_actors` table: everyone who has acted, for the Audit Log's `Who` filter.

use sea_orm::entity::prelude::*;

#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
#[sea_orm(table_name = "audit_actors")]
pub struct Model {
    #[sea_orm(primary_key, auto_increment = false)]
    pub actor: String,
    /// Whether this row stands for the actor's key events (else for their other events).
    #[sea_orm(primary_key, auto_increment = false)]
    pub key_events: bool,
}

#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {}

impl ActiveModelBehavior for ActiveModel {}
