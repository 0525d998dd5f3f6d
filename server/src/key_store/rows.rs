//! Key rows: a new key's row; reading rows by id, by what a command line names, the names a copy
//! could take; and a row as the console sees it.

use super::{SeaKeyStore, internal};
use crate::entity::api_key::{self, Column, Entity as ApiKeys};
use app::api_keys::copy_name::copy_base;
use app::api_keys::restrictions::{RestrictionMode, Restrictions};
use app::api_keys::search::{escape_like, fold};
use app::api_keys::secret::generate_secret;
use app::api_keys::{ApiKey, CreatedKey, NewKey};
use app::error::AppError;
use chrono::{DateTime, Utc};
use sea_orm::ActiveValue::Set;
use sea_orm::sea_query::{Expr, LikeExpr};
use sea_orm::{
    ActiveModelTrait, ColumnTrait, ConnectionTrait, DatabaseBackend, DatabaseTransaction, EntityTrait, ExprTrait,
    QueryFilter, QuerySelect, Statement,
};
use uuid::Uuid;

/// The key a command line names: an id, or an exact name. A name that several keys share (a
/// rotation's two keys have one name) means the one not replaced, if exactly one is not.
pub async fn named_key(db: &impl ConnectionTrait, text: &str) -> Result<api_key::Model, String> {
    let database = |e: sea_orm::DbErr| format!("database: {e}");
    let mut found = match text.parse::<Uuid>() {
        Ok(id) => ApiKeys::find_by_id(id).all(db).await.map_err(database)?,
        Err(_) => ApiKeys::find().filter(Column::Name.eq(text)).all(db).await.map_err(database)?,
    };
    if found.len() > 1 && found.iter().filter(|row| row.replaced_by.is_none()).count() == 1 {
        found.retain(|row| row.replaced_by.is_none());
    }
    match found.len() {
        1 => Ok(found.remove(0)),
        0 => Err(format!("no API key has the id or name {:?}", crate::audit::printable(text))),
        many => {
            let ids: Vec<String> = found.iter().map(|row| row.id.to_string()).collect();
            Err(format!(
                "{many} keys are named {:?}; name one by its id: {}",
                crate::audit::printable(text),
                ids.join(", ")
            ))
        }
    }
}

/// Writes `changes` to key `id` if it is still at `version` (the changes carry the next
/// version); `false` when another writer got there first and nothing was written.
pub(super) async fn update_at_version(
    db: &impl ConnectionTrait,
    id: Uuid,
    version: i64,
    changes: api_key::ActiveModel,
) -> Result<bool, AppError> {
    let result = ApiKeys::update_many()
        .set(changes)
        .filter(Column::Id.eq(id))
        .filter(Column::Version.eq(version))
        .exec(db)
        .await
        .map_err(internal)?;
    Ok(result.rows_affected > 0)
}

pub(super) async fn find_row(db: &impl ConnectionTrait, id: Uuid) -> Result<api_key::Model, AppError> {
    ApiKeys::find_by_id(id).one(db).await.map_err(internal)?.ok_or(AppError::NotFound)
}

pub(super) async fn find(db: &impl ConnectionTrait, id: Uuid) -> Result<ApiKey, AppError> {
    to_api_key(find_row(db, id).await?)
}

/// Every name that could be a copy of `source_name`: those starting with its base and `_`.
pub(super) async fn copy_names(db: &impl ConnectionTrait, source_name: &str) -> Result<Vec<String>, AppError> {
    let pattern = format!("{}%", escape_like(&format!("{}_", copy_base(source_name))));
    let rows: Vec<String> = ApiKeys::find()
        .select_only()
        .column(Column::Name)
        .filter(Expr::col(Column::Name).like(LikeExpr::new(pattern).escape('\\')))
        .into_tuple()
        .all(db)
        .await
        .map_err(internal)?;
    Ok(rows)
}

/// Serialises copies of one base name so concurrent copies get distinct numbers. On SQLite the
/// write transaction already excludes other writers; PostgreSQL takes a transaction-scoped
/// advisory lock on the base name.
pub(super) async fn lock_copy_names(txn: &DatabaseTransaction, source_name: &str) -> Result<(), AppError> {
    if txn.get_database_backend() == DatabaseBackend::Postgres {
        let statement = Statement::from_sql_and_values(
            DatabaseBackend::Postgres,
            "SELECT pg_advisory_xact_lock(hashtext($1))",
            [format!("keydesk.copy:{}", copy_base(source_name)).into()],
        );
        txn.execute_raw(statement).await.map_err(internal)?;
    }
    Ok(())
}

pub(super) fn to_api_key(model: api_key::Model) -> Result<ApiKey, AppError> {
    let permission = model.permission.parse().map_err(internal)?;
    let restrictions = api_key::restrictions_of(model.id, &model.restriction_mode, &model.allowed_sources);
    Ok(ApiKey {
        id: model.id,
        name: model.name,
        permission,
        enabled: model.enabled,
        expires_at: model.expires_at,
        created_at: model.created_at,
        created_by: model.created_by,
        updated_at: model.updated_at,
        last_used_at: model.last_used_at,
        display_prefix: model.display_prefix,
        version: model.version,
        replaces: model.replaces,
        replaced_by: model.replaced_by,
        restrictions,
    })
}

impl SeaKeyStore {
    /// The row for a new key whose secret hashes to `secret_hash`.
    pub fn new_row(
        new: &NewKey,
        display_prefix: String,
        secret_hash: Vec<u8>,
        created_by: &str,
        created_at: DateTime<Utc>,
    ) -> api_key::ActiveModel {
        api_key::ActiveModel {
            id: Set(Uuid::new_v4()),
            name: Set(new.name.clone()),
            name_folded: Set(fold(&new.name)),
            permission: Set(new.permission.as_str().to_owned()),
            enabled: Set(new.enabled),
            expires_at: Set(new.expires_at),
            created_at: Set(created_at),
            created_by: Set(created_by.to_owned()),
            created_by_folded: Set(fold(created_by)),
            updated_at: Set(created_at),
            last_used_at: Set(None),
            display_prefix: Set(display_prefix),
            secret_hash: Set(secret_hash),
            version: Set(1),
            copied_from: Set(new.copied_from),
            replaces: Set(None),
            replaced_by: Set(None),
            rotated_at: Set(None),
            expiry_before_rotation: Set(None),
            stop_when_unused: Set(false),
            restriction_mode: Set(RestrictionMode::Off.code().to_owned()),
            allowed_sources: Set(api_key::stored_allowed_sources(&[])),
        }
    }

    /// Inserts a key with a fresh secret and `restrictions` within `txn`, and returns it with
    /// that secret.
    pub(crate) async fn insert(
        txn: &DatabaseTransaction,
        new: &NewKey,
        restrictions: &Restrictions,
        created_by: &str,
        created_at: DateTime<Utc>,
    ) -> Result<(CreatedKey, api_key::Model), AppError> {
        let secret = generate_secret(new.permission);
        let mut row = Self::new_row(new, secret.display_prefix(), secret.hash().to_vec(), created_by, created_at);
        row.restriction_mode = Set(restrictions.mode.code().to_owned());
        row.allowed_sources = Set(api_key::stored_allowed_sources(&restrictions.allowed));
        let row = row.insert(txn).await.map_err(internal)?;
        Ok((CreatedKey { key: to_api_key(row.clone())?, secret }, row))
    }
}
