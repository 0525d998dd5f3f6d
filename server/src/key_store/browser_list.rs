//! What the page's browser table reads (`app::api_keys::key_list`): every key at once, for an
//! account within the limit, and then every 30 s the usage figures of the keys used since.

use super::internal;
use super::rows::to_api_key;
use crate::entity::api_key::{Column, Entity as ApiKeys};
use crate::usage;
use app::api_keys::key_list::{KeyList, KeyUsageFigures, UsageSince};
use app::error::AppError;
use chrono::{DateTime, Utc};
use sea_orm::{ColumnTrait, DatabaseConnection, EntityTrait, PaginatorTrait, QueryFilter, QuerySelect};
use std::collections::BTreeMap;
use uuid::Uuid;

/// Every key with its week of uses; `None` when there are more than `limit`.
pub(super) async fn whole_list(
    db: &DatabaseConnection,
    limit: u64,
    now: DateTime<Utc>,
) -> Result<Option<KeyList>, AppError> {
    // Counted no further than one past the limit: a large account pays little to hear no.
    let past_limit = Ord::min(limit.saturating_add(1), i64::MAX as u64);
    let ids = ApiKeys::find().select_only().column(Column::Id).limit(past_limit);
    if ids.count(db).await.map_err(internal)? > limit {
        return Ok(None);
    }
    let rows = ApiKeys::find().all(db).await.map_err(internal)?;
    let weeks = usage::store::weeks_of_all_keys(db, now).await.map_err(internal)?;
    let keys = rows.into_iter().map(to_api_key).collect::<Result<_, _>>()?;
    Ok(Some(KeyList { keys, weeks, read_at: now }))
}

/// The last use and week of uses of each key last used at or after `since`.
pub(super) async fn usage_since(
    db: &DatabaseConnection,
    since: DateTime<Utc>,
    now: DateTime<Utc>,
) -> Result<UsageSince, AppError> {
    let used: Vec<(Uuid, Option<DateTime<Utc>>)> = ApiKeys::find()
        .select_only()
        .column(Column::Id)
        .column(Column::LastUsedAt)
        .filter(Column::LastUsedAt.gte(since))
        .into_tuple()
        .all(db)
        .await
        .map_err(internal)?;
    let weeks: BTreeMap<Uuid, [u64; 7]> =
        usage::store::weeks_of_keys_used_since(db, since, now).await.map_err(internal)?.into_iter().collect();
    let keys = used
        .into_iter()
        .map(|(id, last_used_at)| KeyUsageFigures { id, last_used_at, week: weeks.get(&id).copied().unwrap_or([0; 7]) })
        .collect();
    Ok(UsageSince { keys, read_at: now })
}
