//! Reading what verification needs about keys (`KeyFacts`) from the `api_keys` table: one key
//! (after an announcement, or a change on this instance) or all of them (the index's full load).
//! Kept apart from the key store so that the store and the sync task both depend on it, and not
//! on each other.

use crate::entity::api_key::{self, Column, Entity as ApiKeys};
use app::api_keys::verification::KeyFacts;
use chrono::{DateTime, Utc};
use sea_orm::{ColumnTrait, ConnectionTrait, DbErr, EntityTrait, QueryFilter, QuerySelect, Select};
use uuid::Uuid;

/// The columns verification needs, in [`KeyFacts`] order.
type FactsRow = (Uuid, Vec<u8>, String, String, bool, Option<DateTime<Utc>>, i64);

fn facts_select() -> Select<ApiKeys> {
    ApiKeys::find().select_only().columns([
        Column::Id,
        Column::SecretHash,
        Column::Name,
        Column::Permission,
        Column::Enabled,
        Column::ExpiresAt,
        Column::Version,
    ])
}

fn facts_from_row(
    (id, secret_hash, name, permission, enabled, expires_at, version): FactsRow,
) -> Result<KeyFacts, DbErr> {
    let corrupt = |what: &str| DbErr::Custom(format!("key {id} has a corrupt {what}"));
    Ok(KeyFacts {
        id,
        secret_hash: secret_hash.try_into().map_err(|_| corrupt("secret hash"))?,
        name: name.into_boxed_str(),
        permission: permission.parse().map_err(|_| corrupt("permission"))?,
        enabled,
        expires_at,
        version,
    })
}

pub(crate) fn key_facts(row: &api_key::Model) -> Result<KeyFacts, DbErr> {
    facts_from_row((
        row.id,
        row.secret_hash.clone(),
        row.name.clone(),
        row.permission.clone(),
        row.enabled,
        row.expires_at,
        row.version,
    ))
}

/// What verification needs about key `id`; `None` if it does not exist (any more).
pub async fn read_key_facts(db: &impl ConnectionTrait, id: Uuid) -> Result<Option<KeyFacts>, DbErr> {
    let row: Option<FactsRow> = facts_select().filter(Column::Id.eq(id)).into_tuple().one(db).await?;
    row.map(facts_from_row).transpose()
}

/// What verification needs about every key: the key index's full load.
pub async fn read_all_key_facts(db: &impl ConnectionTrait) -> Result<Vec<KeyFacts>, DbErr> {
    let rows: Vec<FactsRow> = facts_select().into_tuple().all(db).await?;
    rows.into_iter().map(facts_from_row).collect()
}
