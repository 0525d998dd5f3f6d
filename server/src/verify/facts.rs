//! Reading what verification needs about keys (`KeyFacts`) from the `api_keys` table: one key
//! (after an announcement, or a change on this instance) or all of them (the index's full load).
//! Kept apart from the key store so that the store and the sync task both depend on it, and not
//! on each other.

use crate::entity::api_key::{self, Column, Entity as ApiKeys, restrictions_of};
use app::api_keys::Permission;
use app::api_keys::restrictions::matcher::KeyRestrictions;
use app::api_keys::restrictions::{RestrictionMode, Restrictions};
use app::api_keys::verification::KeyFacts;
use chrono::{DateTime, Utc};
use futures::TryStreamExt;
use sea_orm::{
    ColumnTrait, ConnectionTrait, DbErr, EntityTrait, PaginatorTrait, QueryFilter, QuerySelect, Select, StreamTrait,
};
use uuid::Uuid;

/// The columns verification needs, in [`KeyFacts`] order.
type FactsRow = (Uuid, Vec<u8>, String, String, bool, Option<DateTime<Utc>>, i64, Option<Uuid>, String, String);

fn facts_select() -> Select<ApiKeys> {
    ApiKeys::find().select_only().columns([
        Column::Id,
        Column::SecretHash,
        Column::Name,
        Column::Permission,
        Column::Enabled,
        Column::ExpiresAt,
        Column::Version,
        Column::ReplacedBy,
        Column::RestrictionMode,
        Column::AllowedSources,
    ])
}

fn facts_from_row(
    (id, secret_hash, name, permission, enabled, expires_at, version, replaced_by, mode, allowed): FactsRow,
) -> Result<KeyFacts, DbErr> {
    let corrupt = |what: &str| DbErr::Custom(format!("key {id} has a corrupt {what}"));
    let permission: Permission = permission.parse().map_err(|_| corrupt("permission"))?;
    // Off (most keys) is read without parsing the list.
    let restrictions =
        if mode == RestrictionMode::Off.code() { None } else { compiled(id, permission, &mode, &allowed) };
    Ok(KeyFacts {
        id,
        secret_hash: secret_hash.try_into().map_err(|_| corrupt("secret hash"))?,
        name: name.into_boxed_str(),
        permission,
        enabled,
        expires_at,
        version,
        replaced_by,
        restrictions,
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
        row.replaced_by,
        row.restriction_mode.clone(),
        row.allowed_sources.clone(),
    ))
}

/// A key's restrictions for verification. A list that cannot be compiled (entries written
/// around the rules) closes the key rather than the whole index: nothing is on its list, so
/// enforcing refuses every caller and report-only reports every one.
fn compiled(id: Uuid, permission: Permission, mode: &str, allowed: &str) -> Option<Box<KeyRestrictions>> {
    let restrictions = restrictions_of(id, mode, allowed);
    let compiled = KeyRestrictions::compile(permission, &restrictions).unwrap_or_else(|error| {
        tracing::warn!(key_id = %id, %error, "uncompilable restrictions: the key is treated as allowing nowhere");
        let nowhere = Restrictions { allowed: Vec::new(), ..restrictions };
        KeyRestrictions::compile(permission, &nowhere).ok().flatten()
    });
    compiled.map(Box::new)
}

/// What verification needs about key `id`; `None` if it does not exist (any more).
pub async fn read_key_facts(db: &impl ConnectionTrait, id: Uuid) -> Result<Option<KeyFacts>, DbErr> {
    let row: Option<FactsRow> = facts_select().filter(Column::Id.eq(id)).into_tuple().one(db).await?;
    row.map(facts_from_row).transpose()
}

/// What verification needs about every key: the key index's full load.
///
/// Rows are streamed and each is turned into facts before the next is read: reading them all at
/// once held every row twice more (the driver's rows, then the tuples) and left the index's
/// allocations scattered among theirs, so the freed pages could not go back to the system
/// (100,000 keys: about 80 MB resident beyond the index's 23 MB).
pub async fn read_all_key_facts<C: ConnectionTrait + StreamTrait>(db: &C) -> Result<Vec<KeyFacts>, DbErr> {
    // Sized once: growing by doubling would leave freed blocks of every size behind.
    let expected = ApiKeys::find().count(db).await?;
    let mut all = Vec::with_capacity(usize::try_from(expected).unwrap_or(0));
    let mut rows = facts_select().into_tuple::<FactsRow>().stream(db).await?;
    while let Some(row) = rows.try_next().await? {
        all.push(facts_from_row(row)?);
    }
    Ok(all)
}
