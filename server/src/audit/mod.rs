//! Writing and reading the audit trail (`app::audit` says what is recorded). Writers pass the
//! transaction of the change they record, so an event exists exactly when its change does; a key
//! change's webhook messages are written beside it (`webhooks::outbox`), so they do too. A key's
//! deletion is recorded before its row goes, so its messages can name it.
//! [`trail`] reads the Audit Log page's views; [`csv_export`] downloads them.

pub mod csv_export;
pub mod trail;

use crate::entity::audit_actor::{self, Entity as AuditActors};
use crate::entity::audit_event::{self, Column, Entity as AuditEvents};
use app::api_keys::input::FieldChange;
use app::audit::{Actor, AuditAction, AuditEntry};
use chrono::{DateTime, Utc};
use sea_orm::{
    ActiveModelTrait, ActiveValue::Set, ColumnTrait, ConnectionTrait, DbErr, EntityTrait, ExprTrait, QueryFilter,
    QueryOrder,
};
use uuid::Uuid;

/// One event to record.
#[derive(Debug, Clone)]
pub struct Event<'a> {
    pub actor: &'a Actor,
    pub action: AuditAction,
    pub subject: &'a str,
    pub key_id: Option<Uuid>,
    /// A second key the event concerns (a rotation's other key): it is in that key's history too.
    pub other_key_id: Option<Uuid>,
    pub changes: &'a [FieldChange],
    pub note: Option<String>,
    /// The bulk action this event is one of.
    pub batch_id: Option<Uuid>,
    pub at: DateTime<Utc>,
}

impl<'a> Event<'a> {
    pub fn new(actor: &'a Actor, action: AuditAction, subject: &'a str, at: DateTime<Utc>) -> Self {
        Event { actor, action, subject, key_id: None, other_key_id: None, changes: &[], note: None, batch_id: None, at }
    }

    pub fn key(mut self, id: Uuid) -> Self {
        self.key_id = Some(id);
        self
    }

    /// Also in `id`'s history.
    pub fn other_key(mut self, id: Uuid) -> Self {
        self.other_key_id = Some(id);
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

    pub fn batch(mut self, batch_id: Option<Uuid>) -> Self {
        self.batch_id = batch_id;
        self
    }
}

pub async fn record(db: &impl ConnectionTrait, event: Event<'_>) -> Result<(), DbErr> {
    row(&event).insert(db).await?;
    remember_actor(db, &event).await?;
    crate::webhooks::outbox::announce_changes(db, std::slice::from_ref(&event)).await
}

/// Records many events at once (a bulk action's), in statements of a few hundred rows.
pub async fn record_many(db: &impl ConnectionTrait, events: &[Event<'_>]) -> Result<(), DbErr> {
    for chunk in events.chunks(500) {
        AuditEvents::insert_many(chunk.iter().map(row)).exec_without_returning(db).await?;
    }
    let mut remembered: Vec<(&str, bool)> = Vec::new();
    for event in events {
        let seen = (event.actor.name.as_str(), event.action.is_key_event());
        if !remembered.contains(&seen) {
            remembered.push(seen);
            remember_actor(db, event).await?;
        }
    }
    crate::webhooks::outbox::announce_changes(db, events).await
}

fn row(event: &Event<'_>) -> audit_event::ActiveModel {
    audit_event::ActiveModel {
        // Time-ordered (and monotonic within the process): orders events recorded at the same
        // instant in the order they were recorded.
        id: Set(Uuid::now_v7()),
        at: Set(event.at),
        actor: Set(event.actor.name.clone()),
        address: Set(event.actor.address.clone()),
        action: Set(event.action.as_str().to_owned()),
        subject: Set(event.subject.to_owned()),
        key_id: Set(event.key_id),
        other_key_id: Set(event.other_key_id),
        changes: Set(serde_json::to_string(event.changes).expect("field changes serialise")),
        note: Set(event.note.clone()),
        batch_id: Set(event.batch_id),
    }
}

/// The `Who` filter's choices: a row per actor and kind of event, written once.
async fn remember_actor(db: &impl ConnectionTrait, event: &Event<'_>) -> Result<(), DbErr> {
    let actor =
        audit_actor::ActiveModel { actor: Set(event.actor.name.clone()), key_events: Set(event.action.is_key_event()) };
    AuditActors::insert(actor)
        .on_conflict_do_nothing_on([audit_actor::Column::Actor, audit_actor::Column::KeyEvents])
        .exec_without_returning(db)
        .await?;
    Ok(())
}

pub(crate) fn entry(row: audit_event::Model) -> AuditEntry {
    AuditEntry {
        id: row.id,
        at: row.at,
        actor: row.actor,
        address: row.address,
        // An action this version does not know (written by a newer one) reads as a change.
        action: AuditAction::parse(&row.action).unwrap_or(AuditAction::KeyUpdated),
        subject: row.subject,
        changes: serde_json::from_str(&row.changes).unwrap_or_default(),
        note: row.note,
        key_id: row.key_id,
        other_key_id: row.other_key_id,
        batch_id: row.batch_id,
    }
}

/// A key's history, newest first (it outlives the key).
pub async fn history_of_key(db: &impl ConnectionTrait, key_id: Uuid) -> Result<Vec<AuditEntry>, DbErr> {
    let rows = AuditEvents::find()
        .filter(Column::KeyId.eq(key_id).or(Column::OtherKeyId.eq(key_id)))
        .order_by_desc(Column::At)
        .order_by_desc(Column::Id)
        .all(db)
        .await?;
    Ok(rows.into_iter().map(entry).collect())
}

/// Everything since `since`, oldest first (`server audit`).
pub async fn since(db: &impl ConnectionTrait, since: DateTime<Utc>) -> Result<Vec<AuditEntry>, DbErr> {
    let rows = AuditEvents::find()
        .filter(Column::At.gte(since))
        .order_by_asc(Column::At)
        .order_by_asc(Column::Id)
        .all(db)
        .await?;
    Ok(rows.into_iter().map(entry).collect())
}

/// One event as `server audit` prints it. Every field is [`printable`]: names and notes come from
/// people (a mistyped user name at sign-in, a key's name), and must not move the cursor, clear
/// the screen or hide text in the operator's terminal.
pub fn terminal_line(entry: &AuditEntry) -> String {
    let changes: Vec<String> = entry
        .changes
        .iter()
        .map(|c| format!("{}: \"{}\" -> \"{}\"", c.field, printable(&c.old), printable(&c.new)))
        .collect();
    format!(
        "{}  {:<20} {:<16} {:<18} \"{}\"{}{}",
        entry.at.to_rfc3339_opts(chrono::SecondsFormat::Secs, true),
        printable(&entry.actor),
        printable(entry.address.as_deref().unwrap_or("-")),
        entry.action.as_str(),
        printable(&entry.subject),
        if changes.is_empty() { String::new() } else { format!("  {}", changes.join("; ")) },
        entry.note.as_deref().map(|note| format!("  ({})", printable(note))).unwrap_or_default(),
    )
}

/// `text` with control characters (and the bidirectional overrides that reorder what a terminal
/// shows) written as escapes like `\u{1b}`; `"` and `\` escaped too, so quoted fields stay
/// unambiguous.
pub fn printable(text: &str) -> std::borrow::Cow<'_, str> {
    let needs_escape =
        |c: char| c.is_control() || matches!(c, '"' | '\\' | '\u{202a}'..='\u{202e}' | '\u{2066}'..='\u{2069}');
    if !text.chars().any(needs_escape) {
        return text.into();
    }
    text.chars()
        .map(|c| match c {
            '"' | '\\' => format!("\\{c}"),
            c if needs_escape(c) => c.escape_unicode().to_string(),
            c => c.to_string(),
        })
        .collect::<String>()
        .into()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn control_characters_never_reach_the_terminal() {
        let hostile = "admin\n2026-01-01 forged line\u{1b}[2J\u{7}\u{202e}txt.exe\"";
        let entry = AuditEntry {
            id: Uuid::nil(),
            at: Utc::now(),
            actor: hostile.to_owned(),
            address: Some("10.0.0.1\r".to_owned()),
            action: AuditAction::SignInFailed,
            subject: hostile.to_owned(),
            changes: vec![FieldChange {
                field: app::error::Field::Name,
                old: "a\tb".to_owned(),
                new: "c\u{9b}d".to_owned(),
            }],
            note: Some("\u{1b}]0;title\u{7}".to_owned()),
            key_id: None,
            other_key_id: None,
            batch_id: None,
        };
        let line = terminal_line(&entry);
        assert!(!line.chars().any(|c| c.is_control()), "{line:?}");
        assert!(!line.contains('\u{202e}'));
        assert!(line.contains(r"admin\u{a}2026-01-01 forged line\u{1b}[2J"), "{line}");
        assert!(line.contains(r#"txt.exe\""#), "{line}");
        assert_eq!(printable("Chat widget 35-05"), "Chat widget 35-05");
    }
}
