//! Writing and reading the audit trail (`app::audit` says what is recorded). Writers pass the
//! transaction of the change they record, so an event exists exactly when its change does.

use crate::entity::audit_event::{self, Column, Entity as AuditEvents};
use app::api_keys::input::FieldChange;
use app::audit::{Actor, AuditAction, AuditEntry};
use chrono::{DateTime, Utc};
use sea_orm::{
    ActiveModelTrait, ActiveValue::Set, ColumnTrait, ConnectionTrait, DbErr, EntityTrait, QueryFilter, QueryOrder,
};
use uuid::Uuid;

/// One event to record.
#[derive(Debug, Clone)]
pub struct Event<'a> {
    pub actor: &'a Actor,
    pub action: AuditAction,
    pub subject: &'a str,
    pub key_id: Option<Uuid>,
    pub changes: &'a [FieldChange],
    pub note: Option<String>,
    pub at: DateTime<Utc>,
}

impl<'a> Event<'a> {
    pub fn new(actor: &'a Actor, action: AuditAction, subject: &'a str, at: DateTime<Utc>) -> Self {
        Event { actor, action, subject, key_id: None, changes: &[], note: None, at }
    }

    pub fn key(mut self, id: Uuid) -> Self {
        self.key_id = Some(id);
        self
    }

    pub fn changes(mut self, changes: &'a [FieldChange]) -> Self {
        self.changes = changes;
        self
    }

    pub fn note(mut self, note: impl Into<String>) -> Self {
        self.note = Some(note.into());
        self
    }
}

pub async fn record(db: &impl ConnectionTrait, event: Event<'_>) -> Result<(), DbErr> {
    audit_event::ActiveModel {
        id: Set(Uuid::new_v4()),
        at: Set(event.at),
        actor: Set(event.actor.name.clone()),
        address: Set(event.actor.address.clone()),
        action: Set(event.action.as_str().to_owned()),
        subject: Set(event.subject.to_owned()),
        key_id: Set(event.key_id),
        changes: Set(serde_json::to_string(event.changes).expect("field changes serialise")),
        note: Set(event.note),
    }
    .insert(db)
    .await?;
    Ok(())
}

fn entry(row: audit_event::Model) -> AuditEntry {
    AuditEntry {
        at: row.at,
        actor: row.actor,
        address: row.address,
        // An action this version does not know (written by a newer one) reads as a change.
        action: AuditAction::parse(&row.action).unwrap_or(AuditAction::KeyUpdated),
        subject: row.subject,
        changes: serde_json::from_str(&row.changes).unwrap_or_default(),
        note: row.note,
    }
}

/// A key's history, newest first (it outlives the key).
pub async fn history_of_key(db: &impl ConnectionTrait, key_id: Uuid) -> Result<Vec<AuditEntry>, DbErr> {
    let rows = AuditEvents::find().filter(Column::KeyId.eq(key_id)).order_by_desc(Column::At).all(db).await?;
    Ok(rows.into_iter().map(entry).collect())
}

/// Everything since `since`, oldest first (`server audit`).
pub async fn since(db: &impl ConnectionTrait, since: DateTime<Utc>) -> Result<Vec<AuditEntry>, DbErr> {
    let rows = AuditEvents::find().filter(Column::At.gte(since)).order_by_asc(Column::At).all(db).await?;
    Ok(rows.into_iter().map(entry).collect())
}
