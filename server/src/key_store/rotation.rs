//! Rotation in the database: rotating a key, ending or extending its grace, the early stop of
//! unused old keys, and the details' view of a key's rotations with the migration meter.
//! `app::api_keys::rotation` holds the rules; each change here is one transaction.

use super::rows::{find_row, to_api_key, update_at_version};
use super::{SeaKeyStore, internal};
use crate::audit::{self, Event};
use crate::entity::api_key::{self, Column, Entity as ApiKeys};
use crate::usage::store::origin_rows;
use app::api_keys::input::FieldChange;
use app::api_keys::rotation::{
    KeyLink, Meter, MeterOrigin, RotatedKey, RotationInfo, RotationRequest, RotationsOfKey, check_extension,
    check_rotatable, early_stop_due, grace_end, meter_shown,
};
use app::api_keys::secret::generate_secret;
use app::api_keys::{ApiKey, CreatedKey, NewKey};
use app::audit::{Actor, AuditAction};
use app::error::{AppError, Field};
use app::usage::{Resolution, UsageResult};
use chrono::{DateTime, Utc};
use sea_orm::ActiveValue::Set;
use sea_orm::{ActiveModelTrait, ColumnTrait, ConnectionTrait, DatabaseConnection, EntityTrait, QueryFilter};
use std::collections::BTreeMap;
use uuid::Uuid;

/// What ends a grace early or moves it later.
#[derive(Debug, Clone, Copy)]
pub(super) enum GraceChange {
    FinishNow,
    ExtendTo(DateTime<Utc>),
}

/// The actor of changes nobody asked for at that moment (the early stop).
pub const SYSTEM: &str = "system";

fn when(at: DateTime<Utc>) -> String {
    at.to_rfc3339_opts(chrono::SecondsFormat::Secs, true)
}

impl SeaKeyStore {
    pub(super) async fn rotate_key(
        &self,
        id: Uuid,
        request: RotationRequest,
        actor: &Actor,
        now: DateTime<Utc>,
    ) -> Result<RotatedKey, AppError> {
        let txn = self.begin_write().await?;
        let old = find_row(&txn, id).await?;
        check_rotatable(&to_api_key(old.clone())?, now)?;
        let grace = grace_end(request.grace, old.expires_at, now)?;
        let permission = old.permission.parse().map_err(internal)?;
        let successor = NewKey {
            name: old.name.clone(),
            permission,
            enabled: old.enabled,
            expires_at: old.expires_at,
            copied_from: None,
        };
        let secret = generate_secret(permission);
        let mut row = Self::new_row(&successor, secret.display_prefix(), secret.hash().to_vec(), &actor.name, now);
        row.replaces = Set(Some(id));
        // The new key works where the old one did.
        row.restriction_mode = Set(old.restriction_mode.clone());
        row.allowed_sources = Set(old.allowed_sources.clone());
        let new_row = row.insert(&txn).await.map_err(internal)?;
        let replaced = api_key::ActiveModel {
            replaced_by: Set(Some(new_row.id)),
            rotated_at: Set(Some(now)),
            expiry_before_rotation: Set(old.expires_at),
            expires_at: Set(Some(grace.at)),
            stop_when_unused: Set(request.stop_when_unused),
            updated_at: Set(now),
            version: Set(old.version + 1),
            ..Default::default()
        };
        // Of two rotations of one key at once, the second finds the version moved on (on
        // PostgreSQL it waits for the first's row lock, then re-reads): one new key, one 409.
        if !update_at_version(&txn, id, old.version, replaced).await? {
            return Err(AppError::Refused(format!(
                "{} was changed or rotated by someone else just now; reload it and try again.",
                old.name
            )));
        }
        let old_row = find_row(&txn, id).await?;
        let capped = if grace.capped { " (cut short by its own expiry)" } else { "" };
        let early = if request.stop_when_unused { "; stops early once unused for 24 hours" } else { "" };
        let note =
            format!("replaced by key {}; the old key {id} works until {}{capped}{early}", new_row.id, when(grace.at));
        let event = Event::new(actor, AuditAction::KeyRotated, &old.name, now).key(id).other_key(new_row.id).note(note);
        audit::record(&txn, event).await.map_err(internal)?;
        self.commit_changes(txn, &[(id, Some(&old_row)), (new_row.id, Some(&new_row))]).await?;
        tracing::info!(key_id = %id, new_key_id = %new_row.id, grace_end = %when(grace.at), "API key rotated");
        Ok(RotatedKey { created: CreatedKey { key: to_api_key(new_row)?, secret }, old_key_id: id, grace_end: grace })
    }

    pub(super) async fn end_grace(
        &self,
        old_id: Uuid,
        change: GraceChange,
        actor: &Actor,
        now: DateTime<Utc>,
    ) -> Result<ApiKey, AppError> {
        let txn = self.begin_write().await?;
        let old = find_row(&txn, old_id).await?;
        let Some(new_id) = old.replaced_by else {
            return Err(AppError::Refused(format!("{} is not being replaced by a rotation.", old.name)));
        };
        let current_end = old.expires_at.unwrap_or(now);
        let (end, action) = match change {
            // Finishing a grace that has already ended changes nothing.
            GraceChange::FinishNow if current_end <= now => return to_api_key(old),
            GraceChange::FinishNow => (now, AuditAction::KeyRotationFinished),
            GraceChange::ExtendTo(until) => {
                check_extension(until, current_end, old.expiry_before_rotation, now)?;
                (until, AuditAction::KeyRotationExtended)
            }
        };
        let row = set_expiry(&txn, &old, end, now).await?.ok_or_else(|| {
            AppError::Refused(format!("{} was changed by someone else just now; reload it and try again.", old.name))
        })?;
        let changed = [FieldChange { field: Field::ExpiresAt, old: when(current_end), new: when(end) }];
        let event = Event::new(actor, action, &old.name, now).key(old_id).other_key(new_id).changes(&changed);
        audit::record(&txn, event).await.map_err(internal)?;
        self.commit_change(txn, old_id, Some(&row)).await?;
        tracing::info!(key_id = %old_id, action = action.as_str(), grace_end = %when(end), "rotation grace changed");
        to_api_key(row)
    }

    /// Expires every replaced key that asked to stop early and has gone unused for 24 hours,
    /// each in its own transaction, recorded as done by the system. Safe on several instances:
    /// a key another instance stopped first has a new version, and is left alone here.
    /// Returns how many keys this call stopped.
    pub async fn stop_unused_replaced_keys(&self, now: DateTime<Utc>) -> Result<usize, AppError> {
        let candidates = ApiKeys::find()
            .filter(Column::ReplacedBy.is_not_null())
            .filter(Column::StopWhenUnused.eq(true))
            .filter(Column::ExpiresAt.gt(now))
            .all(&self.db)
            .await
            .map_err(internal)?;
        let system = Actor::new(SYSTEM, None);
        let mut stopped = 0;
        for old in candidates {
            let (Some(rotated_at), Some(new_id)) = (old.rotated_at, old.replaced_by) else { continue };
            if !early_stop_due(rotated_at, old.last_used_at, now) {
                continue;
            }
            let txn = self.begin_write().await?;
            let Some(row) = set_expiry(&txn, &old, now, now).await? else { continue };
            let end = old.expires_at.unwrap_or(now);
            let changed = [FieldChange { field: Field::ExpiresAt, old: when(end), new: when(now) }];
            let quiet = old.last_used_at.map_or(rotated_at, |used| used.max(rotated_at));
            let note = format!("stopped early: not used since {}", when(quiet));
            let event = Event::new(&system, AuditAction::KeyRotationFinished, &old.name, now)
                .key(old.id)
                .other_key(new_id)
                .changes(&changed)
                .note(note);
            audit::record(&txn, event).await.map_err(internal)?;
            self.commit_change(txn, old.id, Some(&row)).await?;
            tracing::info!(key_id = %old.id, "replaced key stopped early: unused for 24 hours");
            stopped += 1;
        }
        Ok(stopped)
    }

    /// Runs [`Self::stop_unused_replaced_keys`] every `every` until the process ends.
    pub fn spawn_early_stop(self, every: std::time::Duration) -> tokio::task::JoinHandle<()> {
        tokio::spawn(async move {
            let mut ticks = tokio::time::interval(every);
            ticks.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Delay);
            loop {
                ticks.tick().await;
                if let Err(error) = self.stop_unused_replaced_keys(app::clock::now()).await {
                    tracing::warn!(%error, "early stop of unused replaced keys failed; trying again later");
                }
            }
        })
    }
}

/// Sets `old`'s expiry to `end` if it is still at the version read; the updated row, or `None`
/// when another writer got there first.
async fn set_expiry(
    txn: &impl ConnectionTrait,
    old: &api_key::Model,
    end: DateTime<Utc>,
    now: DateTime<Utc>,
) -> Result<Option<api_key::Model>, AppError> {
    let changed = api_key::ActiveModel {
        expires_at: Set(Some(end)),
        updated_at: Set(now),
        version: Set(old.version + 1),
        ..Default::default()
    };
    if !update_at_version(txn, old.id, old.version, changed).await? {
        return Ok(None);
    }
    find_row(txn, old.id).await.map(Some)
}

/// Key `id`'s rotations: the one that made it and the one replacing it.
pub(super) async fn rotations_of(
    db: &DatabaseConnection,
    id: Uuid,
    now: DateTime<Utc>,
) -> Result<RotationsOfKey, AppError> {
    let key = find_row(db, id).await?;
    let made_by = match key.replaces {
        Some(old_id) => match ApiKeys::find_by_id(old_id).one(db).await.map_err(internal)? {
            Some(old) => Some(rotation_info(db, &old, Some(&key), now).await?),
            None => None,
        },
        None => None,
    };
    let replaced_in = match key.replaced_by {
        Some(new_id) => {
            let new = ApiKeys::find_by_id(new_id).one(db).await.map_err(internal)?;
            Some(rotation_info(db, &key, new.as_ref(), now).await?)
        }
        None => None,
    };
    Ok(RotationsOfKey { made_by, replaced_in, read_at: now })
}

/// The rotation that replaced `old` by `new` (`None` once deleted).
async fn rotation_info(
    db: &DatabaseConnection,
    old: &api_key::Model,
    new: Option<&api_key::Model>,
    now: DateTime<Utc>,
) -> Result<RotationInfo, AppError> {
    let new_id = old.replaced_by.ok_or_else(|| internal("a rotation's old key names no successor"))?;
    let rotated_at = old.rotated_at.ok_or_else(|| internal("a replaced key has no rotation time"))?;
    let meter =
        if meter_shown(old.expires_at, now) { Some(meter(db, old.id, new_id, rotated_at, now).await?) } else { None };
    Ok(RotationInfo {
        old: KeyLink { id: old.id, name: Some(old.name.clone()) },
        new: KeyLink { id: new_id, name: new.map(|new| new.name.clone()) },
        rotated_at,
        grace_end: old.expires_at,
        expiry_before_rotation: old.expiry_before_rotation,
        stop_when_unused: old.stop_when_unused,
        meter,
    })
}

/// Valid verifications of both keys since the rotation, per origin: hourly (the rotation's own
/// hour counts whole), or daily once the rotation is older than the hours are kept.
async fn meter(
    db: &DatabaseConnection,
    old_id: Uuid,
    new_id: Uuid,
    rotated_at: DateTime<Utc>,
    now: DateTime<Utc>,
) -> Result<Meter, AppError> {
    let resolution = if Resolution::Hour.purge_before(now) <= rotated_at { Resolution::Hour } else { Resolution::Day };
    let since = resolution.bucket(rotated_at.timestamp());
    let mut by_origin: BTreeMap<String, MeterOrigin> = BTreeMap::new();
    let (mut old_uses, mut new_uses) = (0, 0);
    for (key, is_old) in [(old_id, true), (new_id, false)] {
        for row in origin_rows(db, key, resolution, since).await.map_err(internal)? {
            if !UsageResult::parse(&row.result).is_some_and(UsageResult::is_use) {
                continue;
            }
            let count = u64::try_from(row.count).unwrap_or(0);
            let entry = by_origin.entry(row.label.clone()).or_insert_with(|| MeterOrigin {
                origin: row.label.clone(),
                old_uses: 0,
                new_uses: 0,
                old_last_used: None,
            });
            if is_old {
                entry.old_uses += count;
                old_uses += count;
                let bucket = DateTime::from_timestamp(row.bucket, 0);
                entry.old_last_used = entry.old_last_used.max(bucket);
            } else {
                entry.new_uses += count;
                new_uses += count;
            }
        }
    }
    let mut origins: Vec<MeterOrigin> = by_origin.into_values().collect();
    origins.sort_by(|a, b| {
        (b.old_uses + b.new_uses).cmp(&(a.old_uses + a.new_uses)).then_with(|| a.origin.cmp(&b.origin))
    });
    Ok(Meter { old_uses, new_uses, origins })
}
