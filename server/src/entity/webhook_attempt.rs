//! The `webhook_attempts` table: each delivery attempt, for the endpoint's delivery log.

use sea_orm::entity::prelude::*;

#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
#[sea_orm(table_name = "webhook_attempts")]
pub struct Model {
    #[sea_orm(primary_key, auto_increment = false)]
    pub id: Uuid,
    pub message_id: Uuid,
    pub endpoint_id: Uuid,
    pub at: DateTimeUtc,
    pub attempt: i32,
    pub status: Option<i32>,
    /// `app::webhooks::delivery_log::Outcome::code`.
    pub outcome: String,
    pub duration_ms: i32,
}

#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {}

impl ActiveModelBehavior for ActiveModel {}
