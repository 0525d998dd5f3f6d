//! The `audit_events` table: the audit trail.

use sea_orm::entity::prelude::*;

#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
#[sea_orm(table_name = "audit_events")]
pub struct Model {
    #[sea_orm(primary_key, auto_increment = false)]
    pub id: Uuid,
    pub at: DateTimeUtc,
    pub actor: String,
    pub address: Option<String>,
    /// `app::audit::AuditAction::as_str()`.
    pub action: String,
    pub subject: String,
    pub key_id: Option<Uuid>,
    /// A second key the event concerns (the other key of a rotation).
    pub other_key_id: Option<Uuid>,
    /// JSON array of `app::api_keys::input::FieldChange`.
    pub changes: String,
    pub note: Option<String>,
    /// Shared by the events of one bulk action.
    pub batch_id: Option<Uuid>,
}

#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {}

impl ActiveModelBehavior for ActiveModel {}
