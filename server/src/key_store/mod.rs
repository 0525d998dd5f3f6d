//! `app`'s `KeyStore` over SeaORM: every change is one transaction that applies `app`'s rules.
//!
//! Each change is announced inside its transaction (`verify::sync::announce`, for the other
//! instances) and, once committed, applied to this instance's key index, so verification here
//! sees it at once. The table's view as SQL is [`view_sql`]; reading rows is [`rows`];
//! rotation is [`rotation`]; the restrictions' reads of traffic are [`restrictions`]; what the
//! page's browser table reads is [`browser_list`]; the notices above the table are [`notices`];
//! reading what verification needs about keys is `verify::facts`.

use crate::audit::{self, Event};
use crate::entity::api_key::{self, Column, Entity as ApiKeys};
use crate::usage;
use crate::verify::facts::key_facts;
use crate::verify::index::KeyIndex;
use crate::verify::sync::{Announcement, announce};
use app::api_keys::attention::Notice;
use app::api_keys::bulk::{BulkAction, BulkOutcome, BulkPreview, Selection};
use app::api_keys::copy_name::next_copy_name;
use app::api_keys::input::FieldChange;
use app::api_keys::key_list::{KeyList, UsageSince};
use app::api_keys::name::validate_name;
use app::api_keys::query::PAGE_SIZE;
use app::api_keys::restrictions::{RestrictionReport, Restrictions, SourceCount};
use app::api_keys::rotation::{RotatedKey, RotationRequest, RotationsOfKey, check_replaced_key_expiry};
use app::api_keys::search::fold;
use app::api_keys::store::KeyStore;
use app::api_keys::{ApiKey, CreatedKey, KeyChanges, KeyPage, KeyQuery, NewKey};
use app::audit::{Actor, AuditAction, AuditEntry};
use app::error::{AppError, Field};
use app::usage::{Range, UsageImpact, UsageReport};
pub use bulk::{ANNOUNCE_EACH_UP_TO, bulk_action, preview_text};
use chrono::{DateTime, Utc};
use rotation::GraceChange;
pub use rows::named_key;
use rows::{copy_names, find, find_row, lock_copy_names, to_api_key, update_at_version};
use sea_orm::sea_query::Expr;
use sea_orm::{
    ActiveValue::Set, ColumnTrait, DatabaseConnection, DatabaseTransaction, EntityTrait, ExprTrait, PaginatorTrait,
    QueryFilter, QuerySelect,
};
use std::sync::Arc;
use uuid::Uuid;
use view_sql::{filtered, sorted};

mod browser_list;
mod bulk;
pub mod csv_export;
mod notices;
mod restrictions;
mod rotation;
mod rows;
mod view_sql;

#[derive(Clone)]
pub struct SeaKeyStore {
    db: DatabaseConnection,
    /// The serving instance's key index; `None` in the CLI and in tests of the store alone.
    index: Option<Arc<KeyIndex>>,
}

impl SeaKeyStore {
    pub fn new(db: DatabaseConnection) -> Self {
        SeaKeyStore { db, index: None }
    }

    /// A store that keeps `index` current with its own changes.
    pub fn with_index(db: DatabaseConnection, index: Arc<KeyIndex>) -> Self {
        SeaKeyStore { db, index: Some(index) }
    }

    /// Announces the change to key `id` inside `txn`, commits, and applies the committed state
    /// (`row`, or deletion) to this instance's index.
    async fn commit_change(
        &self,
        txn: DatabaseTransaction,
        id: Uuid,
        row: Option<&api_key::Model>,
    ) -> Result<(), AppError> {
        self.commit_changes(txn, &[(id, row)]).await
    }

    /// [`Self::commit_change`] for a change to several keys at once.
    async fn commit_changes(
        &self,
        txn: DatabaseTransaction,
        changes: &[(Uuid, Option<&api_key::Model>)],
    ) -> Result<(), AppError> {
        for (id, _) in changes {
            announce(&txn, Announcement::Key(*id)).await.map_err(internal)?;
        }
        txn.commit().await.map_err(internal)?;
        if let Some(index) = &self.index {
            for (id, row) in changes {
                match row {
                    Some(row) => index.apply(key_facts(row).map_err(internal)?),
                    None => index.remove(*id),
                }
            }
        }
        Ok(())
    }

    /// Starts a transaction that will write (see [`crate::db::begin_write`]).
    pub(crate) async fn begin_write(&self) -> Result<DatabaseTransaction, AppError> {
        crate::db::begin_write(&self.db).await.map_err(internal)
    }
}

#[async_trait::async_trait]
impl KeyStore for SeaKeyStore {
    async fn list(&self, query: &KeyQuery, now: DateTime<Utc>) -> Result<KeyPage, AppError> {
        let select = filtered(query, now);
        let rows_of_page = |page: u64| {
            sorted(select.clone(), query, now, self.db.get_database_backend())
                .limit(PAGE_SIZE)
                .offset(page * PAGE_SIZE)
                .all(&self.db)
        };
        // The count and the page are independent reads: on two pooled connections at once, a
        // search costs the slower of the two scans rather than both. (The page number read
        // beside the count is capped so its offset stays a valid SQL integer.)
        let guess = Ord::min(query.page, u64::from(u32::MAX));
        let (total, rows) =
            futures::try_join!(select.clone().count(&self.db), rows_of_page(guess)).map_err(internal)?;
        // A page past the end (a stale link, the last row deleted) shows the last page.
        let page = Ord::min(query.page, total.saturating_sub(1) / PAGE_SIZE);
        let rows = if page == guess { rows } else { rows_of_page(page).await.map_err(internal)? };
        let ids: Vec<Uuid> = rows.iter().map(|row| row.id).collect();
        let weeks = usage::store::weeks(&self.db, &ids, now).await.map_err(internal)?;
        Ok(KeyPage {
            keys: rows.into_iter().map(to_api_key).collect::<Result<_, _>>()?,
            total,
            page,
            page_size: PAGE_SIZE,
            read_at: now,
            weeks,
            leaving: Vec::new(),
            notices: None,
        })
    }

    async fn list_all(&self, limit: u64, now: DateTime<Utc>) -> Result<Option<KeyList>, AppError> {
        browser_list::whole_list(&self.db, limit, now).await
    }

    async fn usage_since(&self, since: DateTime<Utc>, now: DateTime<Utc>) -> Result<UsageSince, AppError> {
        browser_list::usage_since(&self.db, since, now).await
    }

    async fn notices(&self, now: DateTime<Utc>) -> Result<Vec<Notice>, AppError> {
        notices::notices(&self.db, now).await
    }

    async fn get(&self, id: Uuid) -> Result<ApiKey, AppError> {
        find(&self.db, id).await
    }

    async fn propose_copy(&self, id: Uuid, now: DateTime<Utc>) -> Result<NewKey, AppError> {
        let source = find(&self.db, id).await?;
        let names = copy_names(&self.db, &source.name).await?;
        Ok(NewKey::copy_of(&source, names.iter().map(String::as_str), now))
    }

    async fn create(&self, new: NewKey, actor: &Actor, now: DateTime<Utc>) -> Result<CreatedKey, AppError> {
        let mut new = new.validate(now)?;
        let txn = self.begin_write().await?;
        // A copy works where its source works.
        let mut restrictions = Restrictions::default();
        if let Some(source_id) = new.copied_from {
            let source = find(&txn, source_id).await.map_err(|error| match error {
                AppError::NotFound => AppError::invalid(Field::Name, "The API key being copied no longer exists."),
                other => other,
            })?;
            if source.permission == new.permission {
                restrictions = source.restrictions.clone();
            }
            if new.renumbers_copy(&source.name) {
                lock_copy_names(&txn, &source.name).await?;
                let names = copy_names(&txn, &source.name).await?;
                new.name = validate_name(&next_copy_name(&source.name, names.iter().map(String::as_str)))
                    .map_err(|e| AppError::invalid(Field::Name, e))?;
            }
        }
        let (created, row) = Self::insert(&txn, &new, &restrictions, &actor.name, now).await?;
        let key = &created.key;
        let expires = key.expires_at.map_or_else(|| "never".to_owned(), |at| at.to_rfc3339());
        let state = if key.enabled { "enabled" } else { "disabled" };
        let mut facts = format!("permission {}, {state}, expires {expires}", key.permission.as_str());
        if !restrictions.is_default() {
            facts.push_str(&format!("; restrictions {}", restrictions.describe()));
        }
        let event = match new.copied_from {
            Some(source) => {
                Event::new(actor, AuditAction::KeyCopied, &key.name, now).note(format!("copy of key {source}; {facts}"))
            }
            None => Event::new(actor, AuditAction::KeyCreated, &key.name, now).note(facts),
        };
        let event = event.key(key.id);
        audit::record(&txn, event).await.map_err(internal)?;
        self.commit_change(txn, row.id, Some(&row)).await?;
        let key = &created.key;
        tracing::info!(key_id = %key.id, permission = key.permission.as_str(), copied_from = ?new.copied_from, "API key created");
        Ok(created)
    }

    async fn update(
        &self,
        id: Uuid,
        changes: KeyChanges,
        actor: &Actor,
        now: DateTime<Utc>,
    ) -> Result<ApiKey, AppError> {
        let txn = self.begin_write().await?;
        let stored = find_row(&txn, id).await?;
        let current = to_api_key(stored.clone())?;
        let (changes, changed) = changes.validate(&current, now)?;
        if changed.is_empty() {
            return Ok(current);
        }
        if stored.replaced_by.is_some() && changes.expires_at != current.expires_at {
            check_replaced_key_expiry(changes.expires_at, stored.expiry_before_rotation)?;
        }
        let mut updated = api_key::ActiveModel {
            name: Set(changes.name.clone()),
            name_folded: Set(fold(&changes.name)),
            enabled: Set(changes.enabled),
            expires_at: Set(changes.expires_at),
            updated_at: Set(now),
            version: Set(current.version + 1),
            ..Default::default()
        };
        if let Some(restrictions) = &changes.restrictions {
            updated.restriction_mode = Set(restrictions.mode.code().to_owned());
            updated.allowed_sources = Set(api_key::stored_allowed_sources(&restrictions.allowed));
        }
        if !update_at_version(&txn, id, current.version, updated).await? {
            // Another writer got in between our read and our write (PostgreSQL only).
            let current = find(&txn, id).await?;
            return Err(AppError::Conflict { current: Box::new(current) });
        }
        let row = find_row(&txn, id).await?;
        let event = Event::new(actor, AuditAction::KeyUpdated, &row.name, now).key(id).changes(&changed);
        audit::record(&txn, event).await.map_err(internal)?;
        self.commit_change(txn, id, Some(&row)).await?;
        let fields: Vec<String> = changed.iter().map(|c| c.field.to_string()).collect();
        tracing::info!(key_id = %id, changed = ?fields, "API key updated");
        to_api_key(row)
    }

    async fn set_enabled(
        &self,
        id: Uuid,
        enabled: bool,
        actor: &Actor,
        now: DateTime<Utc>,
    ) -> Result<ApiKey, AppError> {
        let txn = self.begin_write().await?;
        let current = find(&txn, id).await?;
        if current.enabled == enabled {
            return Ok(current);
        }
        ApiKeys::update_many()
            .col_expr(Column::Enabled, Expr::value(enabled))
            .col_expr(Column::UpdatedAt, Expr::value(now))
            .col_expr(Column::Version, Expr::col(Column::Version).add(1))
            .filter(Column::Id.eq(id))
            .exec(&txn)
            .await
            .map_err(internal)?;
        let row = find_row(&txn, id).await?;
        let action = if enabled { AuditAction::KeyEnabled } else { AuditAction::KeyDisabled };
        let changed = [FieldChange::enabled(enabled)];
        audit::record(&txn, Event::new(actor, action, &row.name, now).key(id).changes(&changed))
            .await
            .map_err(internal)?;
        self.commit_change(txn, id, Some(&row)).await?;
        tracing::info!(key_id = %id, enabled, "API key toggled");
        to_api_key(row)
    }

    async fn delete(&self, id: Uuid, actor: &Actor, now: DateTime<Utc>) -> Result<(), AppError> {
        let txn = self.begin_write().await?;
        let key = find(&txn, id).await?;
        let note = deletion_note(key.permission.as_str(), &key.display_prefix);
        audit::record(&txn, Event::new(actor, AuditAction::KeyDeleted, &key.name, now).key(id).note(note))
            .await
            .map_err(internal)?;
        ApiKeys::delete_by_id(id).exec(&txn).await.map_err(internal)?;
        self.commit_change(txn, id, None).await?;
        tracing::info!(key_id = %id, "API key deleted");
        Ok(())
    }

    async fn history(&self, id: Uuid) -> Result<Vec<AuditEntry>, AppError> {
        audit::history_of_key(&self.db, id).await.map_err(internal)
    }

    async fn usage(&self, id: Uuid, range: Range, now: DateTime<Utc>) -> Result<UsageReport, AppError> {
        find_row(&self.db, id).await?;
        usage::store::report(&self.db, id, range, now).await.map_err(internal)
    }

    async fn usage_impact(&self, id: Uuid, now: DateTime<Utc>) -> Result<UsageImpact, AppError> {
        let row = find_row(&self.db, id).await?;
        usage::store::impact(&self.db, id, row.last_used_at, now).await.map_err(internal)
    }

    async fn rotate(
        &self,
        id: Uuid,
        request: RotationRequest,
        actor: &Actor,
        now: DateTime<Utc>,
    ) -> Result<RotatedKey, AppError> {
        self.rotate_key(id, request, actor, now).await
    }

    async fn finish_rotation(&self, old_id: Uuid, actor: &Actor, now: DateTime<Utc>) -> Result<ApiKey, AppError> {
        self.end_grace(old_id, GraceChange::FinishNow, actor, now).await
    }

    async fn extend_rotation(
        &self,
        old_id: Uuid,
        until: DateTime<Utc>,
        actor: &Actor,
        now: DateTime<Utc>,
    ) -> Result<ApiKey, AppError> {
        self.end_grace(old_id, GraceChange::ExtendTo(until), actor, now).await
    }

    async fn rotations(&self, id: Uuid, now: DateTime<Utc>) -> Result<RotationsOfKey, AppError> {
        rotation::rotations_of(&self.db, id, now).await
    }

    async fn restriction_suggestions(&self, id: Uuid, now: DateTime<Utc>) -> Result<Vec<SourceCount>, AppError> {
        self.suggestions(id, now).await
    }

    async fn preview_bulk(
        &self,
        selection: Selection,
        action: BulkAction,
        actor: &Actor,
        now: DateTime<Utc>,
    ) -> Result<BulkPreview, AppError> {
        self.preview(selection, action, actor, now).await
    }

    async fn apply_bulk(
        &self,
        token: Uuid,
        action: BulkAction,
        actor: &Actor,
        now: DateTime<Utc>,
    ) -> Result<BulkOutcome, AppError> {
        self.apply(token, action, actor, now).await
    }

    async fn restriction_report(&self, id: Uuid, now: DateTime<Utc>) -> Result<RestrictionReport, AppError> {
        self.would_block(id, now).await
    }
}

/// Logs a storage failure's cause and gives the person a safe message.
/// What the trail keeps of a deleted key besides its name.
fn deletion_note(permission: &str, display_prefix: &str) -> String {
    format!("permission {permission}, prefix {display_prefix}")
}

pub(crate) fn internal(error: impl std::fmt::Display) -> AppError {
    tracing::error!(%error, "key store failure");
    AppError::Internal
}
