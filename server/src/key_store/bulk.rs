//! Bulk actions (`app::api_keys::bulk` has the rules): the preview reads the selection and
//! keeps what it would change under a token; the apply checks every key's version and changes
//! them all in one transaction, or none.
//!
//! Statements take the keys a few hundred at a time (PostgreSQL and SQLite cap a statement's
//! parameters). Other instances hear of more than [`ANNOUNCE_EACH_UP_TO`] keys as one
//! announcement that reloads their whole index, which is quicker than thousands of single
//! reads and keeps them within a second of the commit.

use super::rows::to_api_key;
use super::view_sql::filtered;
use super::{SeaKeyStore, deletion_note, internal};
use crate::audit::{self, Event};
use crate::entity::api_key::{self, Column, Entity as ApiKeys};
use crate::entity::bulk_preview::{self, Entity as BulkPreviews};
use crate::usage;
use crate::verify::facts::key_facts;
use crate::verify::sync::{Announcement, announce};
use app::api_keys::bulk::{
    self, BulkAction, BulkOutcome, BulkPreview, MAX_KEYS, PREVIEW_MINUTES, PREVIEW_ROWS, PreviewKey, Selection,
};
use app::api_keys::input::FieldChange;
use app::api_keys::{ApiKey, KeyQuery};
use app::audit::{Actor, AuditAction};
use app::error::{AppError, Field};
use chrono::{DateTime, Utc};
use sea_orm::sea_query::Expr;
use sea_orm::{
    ActiveModelTrait, ActiveValue::Set, ColumnTrait, ConnectionTrait, DatabaseTransaction, EntityTrait, ExprTrait,
    QueryFilter, QueryOrder, QuerySelect,
};
use std::collections::HashMap;
use uuid::Uuid;

/// Keys per statement.
const CHUNK: usize = 500;
/// Up to this many changed keys are announced one by one; more, as "reload all keys".
pub const ANNOUNCE_EACH_UP_TO: usize = 100;

impl SeaKeyStore {
    pub(super) async fn preview(
        &self,
        selection: Selection,
        action: BulkAction,
        actor: &Actor,
        now: DateTime<Utc>,
    ) -> Result<BulkPreview, AppError> {
        action.validate(now)?;
        selection.validate()?;
        let selected = selected_keys(&self.db, &selection, now).await?;
        let (affected, skipped) = bulk::partition(action, selected);
        let mut uses: HashMap<Uuid, u64> = HashMap::new();
        let ids: Vec<Uuid> = affected.iter().map(|key| key.id).collect();
        for chunk in ids.chunks(CHUNK) {
            let weeks = usage::store::weeks(&self.db, chunk, now).await.map_err(internal)?;
            uses.extend(weeks.into_iter().map(|(id, week)| (id, week.iter().sum::<u64>())));
        }
        let mut keys: Vec<PreviewKey> = affected
            .iter()
            .map(|key| PreviewKey {
                id: key.id,
                name: key.name.clone(),
                status: key.status(now),
                uses_7d: uses.get(&key.id).copied().unwrap_or(0),
            })
            .collect();
        // Busiest first: what the admin most needs to see before acting.
        keys.sort_by(|a, b| b.uses_7d.cmp(&a.uses_7d).then_with(|| a.name.cmp(&b.name)));
        keys.truncate(PREVIEW_ROWS);
        let expires_at = now + chrono::Duration::minutes(PREVIEW_MINUTES);
        let token = if affected.is_empty() {
            Uuid::nil()
        } else {
            let versions: Vec<(Uuid, i64)> = affected.iter().map(|key| (key.id, key.version)).collect();
            let txn = self.begin_write().await?;
            BulkPreviews::delete_many()
                .filter(bulk_preview::Column::ExpiresAt.lt(now))
                .exec(&txn)
                .await
                .map_err(internal)?;
            let token = Uuid::new_v4();
            bulk_preview::ActiveModel {
                token: Set(token),
                actor: Set(actor.name.clone()),
                action: Set(serde_json::to_string(&action).map_err(internal)?),
                keys: Set(serde_json::to_string(&versions).map_err(internal)?),
                expires_at: Set(expires_at),
            }
            .insert(&txn)
            .await
            .map_err(internal)?;
            txn.commit().await.map_err(internal)?;
            token
        };
        Ok(BulkPreview {
            token,
            action,
            count: affected.len() as u64,
            keys,
            uses_7d: uses.values().sum(),
            skipped,
            expires_at,
        })
    }

    pub(super) async fn apply(
        &self,
        token: Uuid,
        action: BulkAction,
        actor: &Actor,
        now: DateTime<Utc>,
    ) -> Result<BulkOutcome, AppError> {
        action.validate(now)?;
        let txn = self.begin_write().await?;
        let gone =
            || AppError::Refused("This preview has expired or was already applied; preview the action again.".into());
        let preview = BulkPreviews::find_by_id(token).one(&txn).await.map_err(internal)?.ok_or_else(gone)?;
        if preview.actor != actor.name || preview.expires_at <= now {
            return Err(gone());
        }
        // Compared as the wire writes them (instants to the millisecond); the preview's is applied.
        let action = match serde_json::from_str::<BulkAction>(&preview.action) {
            Ok(previewed) if serde_json::to_string(&action).ok().as_deref() == Some(preview.action.as_str()) => {
                previewed
            }
            _ => return Err(AppError::invalid(Field::Filter, "This is not the action that was previewed.")),
        };
        BulkPreviews::delete_by_id(token).exec(&txn).await.map_err(internal)?;
        let expected: Vec<(Uuid, i64)> = serde_json::from_str(&preview.keys).map_err(internal)?;
        let ids: Vec<Uuid> = expected.iter().map(|(id, _)| *id).collect();
        let current = rows_by_id(&txn, &ids).await?;
        let changed: Vec<&str> = expected
            .iter()
            .filter(|(id, version)| current.get(id).map(|row| row.version) != Some(*version))
            .map(|(id, _)| current.get(id).map_or("a deleted key", |row| row.name.as_str()))
            .collect();
        if !changed.is_empty() {
            // Dropping the transaction rolls it back: the preview stays, nothing changed.
            let shown: Vec<&str> = changed.iter().take(5).copied().collect();
            let more = if changed.len() > shown.len() { ", …" } else { "" };
            return Err(AppError::Refused(format!(
                "{} changed since the preview ({}{more}). Nothing was changed; preview the action again.",
                bulk::keys(changed.len() as u64),
                shown.join(", ")
            )));
        }
        let batch_id = Uuid::new_v4();
        let rows: Vec<&api_key::Model> = ids.iter().filter_map(|id| current.get(id)).collect();
        let changes: Vec<[FieldChange; 1]> = rows.iter().map(|row| field_change(row, action)).collect();
        let notes: Vec<Option<String>> = rows.iter().map(|row| note(row, action)).collect();
        let events: Vec<Event> = rows
            .iter()
            .zip(&changes)
            .zip(&notes)
            .map(|((row, change), note)| {
                let event = Event::new(actor, audit_action(action), &row.name, now).key(row.id).batch(Some(batch_id));
                let event = if action == BulkAction::Delete { event } else { event.changes(change) };
                match note {
                    Some(note) => event.note(note.clone()),
                    None => event,
                }
            })
            .collect();
        // A deletion is recorded while its keys still exist (their webhook messages name them);
        // any other change once it is made.
        if action == BulkAction::Delete {
            audit::record_many(&txn, &events).await.map_err(internal)?;
        }
        for chunk in ids.chunks(CHUNK) {
            change(&txn, chunk, action, now).await?;
        }
        if action != BulkAction::Delete {
            audit::record_many(&txn, &events).await.map_err(internal)?;
        }
        if ids.len() > ANNOUNCE_EACH_UP_TO {
            announce(&txn, Announcement::AllKeys).await.map_err(internal)?;
        } else {
            for id in &ids {
                announce(&txn, Announcement::Key(*id)).await.map_err(internal)?;
            }
        }
        txn.commit().await.map_err(internal)?;
        self.apply_to_index(&ids, action).await?;
        tracing::info!(action = action.code(), keys = ids.len(), %batch_id, "bulk action applied");
        Ok(BulkOutcome { batch_id, changed: ids.len() as u64 })
    }

    /// Brings this instance's index up to the committed keys.
    async fn apply_to_index(&self, ids: &[Uuid], action: BulkAction) -> Result<(), AppError> {
        let Some(index) = &self.index else { return Ok(()) };
        if action == BulkAction::Delete {
            ids.iter().for_each(|id| index.remove(*id));
            return Ok(());
        }
        for row in rows_by_id(&self.db, ids).await?.into_values() {
            index.apply(key_facts(&row).map_err(internal)?);
        }
        Ok(())
    }
}

/// The keys a selection names, as they are now (at most [`MAX_KEYS`]).
async fn selected_keys(
    db: &impl ConnectionTrait,
    selection: &Selection,
    now: DateTime<Utc>,
) -> Result<Vec<ApiKey>, AppError> {
    let rows = match selection {
        Selection::View(query) => {
            let query = KeyQuery { page: 0, ..query.clone() };
            filtered(&query, now)
                .order_by_desc(Column::CreatedAt)
                .order_by_asc(Column::Id)
                .limit(MAX_KEYS as u64 + 1)
                .all(db)
                .await
                .map_err(internal)?
        }
        Selection::Picked(ids) => rows_by_id(db, ids).await?.into_values().collect(),
    };
    if rows.len() > MAX_KEYS {
        return Err(bulk::too_many(rows.len()));
    }
    rows.into_iter().map(to_api_key).collect()
}

async fn rows_by_id(db: &impl ConnectionTrait, ids: &[Uuid]) -> Result<HashMap<Uuid, api_key::Model>, AppError> {
    let mut rows = HashMap::with_capacity(ids.len());
    for chunk in ids.chunks(CHUNK) {
        let found = ApiKeys::find().filter(Column::Id.is_in(chunk.iter().copied())).all(db).await.map_err(internal)?;
        rows.extend(found.into_iter().map(|row| (row.id, row)));
    }
    Ok(rows)
}

async fn change(
    txn: &DatabaseTransaction,
    ids: &[Uuid],
    action: BulkAction,
    now: DateTime<Utc>,
) -> Result<(), AppError> {
    let in_chunk = Column::Id.is_in(ids.iter().copied());
    if action == BulkAction::Delete {
        ApiKeys::delete_many().filter(in_chunk).exec(txn).await.map_err(internal)?;
        return Ok(());
    }
    let update = ApiKeys::update_many()
        .col_expr(Column::UpdatedAt, Expr::value(now))
        .col_expr(Column::Version, Expr::col(Column::Version).add(1));
    let update = match action {
        BulkAction::SetExpiry { expires_at } => update.col_expr(Column::ExpiresAt, Expr::value(expires_at)),
        _ => update.col_expr(Column::Enabled, Expr::value(action == BulkAction::Enable)),
    };
    update.filter(in_chunk).exec(txn).await.map_err(internal)?;
    Ok(())
}

fn audit_action(action: BulkAction) -> AuditAction {
    match action {
        BulkAction::Enable => AuditAction::KeyEnabled,
        BulkAction::Disable => AuditAction::KeyDisabled,
        BulkAction::SetExpiry { .. } => AuditAction::KeyUpdated,
        BulkAction::Delete => AuditAction::KeyDeleted,
    }
}

/// What the action changes on `row`, as the trail records it (unused for Delete).
fn field_change(row: &api_key::Model, action: BulkAction) -> [FieldChange; 1] {
    match action {
        BulkAction::SetExpiry { expires_at } => [FieldChange::expiry(row.expires_at, expires_at)],
        _ => [FieldChange::enabled(action == BulkAction::Enable)],
    }
}

fn note(row: &api_key::Model, action: BulkAction) -> Option<String> {
    (action == BulkAction::Delete).then(|| deletion_note(&row.permission, &row.display_prefix))
}

/// The command line's action: `enable`, `disable`, `set-expiry` (with an RFC 3339 instant or
/// `never`), `delete`.
pub fn bulk_action(code: &str, expires_at: Option<&str>) -> Result<BulkAction, String> {
    match (code, expires_at) {
        ("set-expiry", None) => Err("set-expiry needs --expires-at (RFC 3339, or never)".into()),
        ("set-expiry", Some("never")) => Ok(BulkAction::SetExpiry { expires_at: None }),
        ("set-expiry", Some(text)) => DateTime::parse_from_rfc3339(text)
            .map(|at| BulkAction::SetExpiry { expires_at: Some(at.to_utc()) })
            .map_err(|e| format!("--expires-at must be RFC 3339, e.g. 2027-12-31T23:59:00Z, or never: {e}")),
        (_, Some(_)) => Err("--expires-at goes with set-expiry only".into()),
        ("enable", None) => Ok(BulkAction::Enable),
        ("disable", None) => Ok(BulkAction::Disable),
        ("delete", None) => Ok(BulkAction::Delete),
        (other, None) => Err(format!("unknown action {other:?}: enable, disable, set-expiry or delete")),
    }
}

/// A preview as the command line prints it (names escaped for the terminal).
pub fn preview_text(preview: &BulkPreview) -> String {
    use crate::audit::printable;
    let mut text = format!(
        "{}: {} ({} valid verifications in the last 7 days)\n",
        preview.action.code(),
        bulk::keys(preview.count),
        preview.uses_7d
    );
    for key in &preview.keys {
        text.push_str(&format!(
            "  {}  {:<16} {:>8} uses  {}\n",
            key.id,
            key.status.label(),
            key.uses_7d,
            printable(&key.name)
        ));
    }
    if preview.count as usize > preview.keys.len() {
        text.push_str(&format!("  and {} more\n", preview.count as usize - preview.keys.len()));
    }
    for skipped in &preview.skipped {
        text.push_str(&format!("{}\n", printable(&skipped.sentence())));
    }
    text
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_command_lines_actions_read_as_the_pages() {
        assert_eq!(bulk_action("disable", None), Ok(BulkAction::Disable));
        assert_eq!(bulk_action("set-expiry", Some("never")), Ok(BulkAction::SetExpiry { expires_at: None }));
        let at = bulk_action("set-expiry", Some("2027-12-31T23:59:00Z")).unwrap();
        assert!(matches!(at, BulkAction::SetExpiry { expires_at: Some(_) }));
        assert!(bulk_action("set-expiry", None).unwrap_err().contains("--expires-at"));
        assert!(bulk_action("disable", Some("never")).is_err());
        assert!(bulk_action("explode", None).unwrap_err().contains("unknown action"));
    }
}
