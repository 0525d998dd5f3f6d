//! The `webhook_endpoints` table.

use sea_orm::entity::prelude::*;

#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
#[sea_orm(table_name = "webhook_endpoints")]
pub struct Model {
    #[sea_orm(primary_key, auto_increment = false)]
    pub id: Uuid,
    /// `app::webhooks::endpoint_url::masked`: what the console and the CLI show.
    pub url_masked: String,
    /// The URL as typed, sealed under the secrets key (it may carry credentials).
    pub url_sealed: Vec<u8>,
    pub description: String,
    /// Comma-separated event names (`EventType::list_text`).
    pub events: String,
    pub enabled: bool,
    /// Why Keydesk switched it off, if it did.
    pub disabled_reason: Option<String>,
    pub secret_sealed: Vec<u8>,
    pub previous_secret_sealed: Option<Vec<u8>>,
    pub previous_secret_until: Option<DateTimeUtc>,
    pub failing_since: Option<DateTimeUtc>,
    pub created_at: DateTimeUtc,
    pub created_by: String,
    pub version: i64,
}

#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {}

impl ActiveModelBehavior for ActiveModel {}
