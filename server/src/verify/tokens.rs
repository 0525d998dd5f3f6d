//! Service tokens: the credentials the channel services present (`Authorization: Bearer ...`) to
//! call the verification API. Made and revoked with `server token ...`, stored as SHA-256 hashes,
//! and checked against an in-memory set so verification never waits on the database.

use super::sync::{Announcement, announce};
use crate::audit::{self, Event};
use crate::entity::service_token::{self, Column, Entity as ServiceTokens};
use app::api_keys::secret::{Secret, generate_service_token, hash_secret};
use app::audit::{Actor, AuditAction};
use chrono::{DateTime, Utc};
use sea_orm::{
    ActiveModelTrait, ActiveValue::Set, ColumnTrait, ConnectionTrait, DatabaseConnection, DbErr, EntityTrait,
    ExprTrait, QueryFilter, QueryOrder, QuerySelect,
};
use std::collections::HashMap;
use std::sync::{Arc, RwLock};
use uuid::Uuid;

/// A live token: its name (for logs: who called), and when it stops if it was rotated.
#[derive(Debug)]
struct LiveToken {
    name: Arc<str>,
    revoked_at: Option<DateTime<Utc>>,
}

/// The live tokens by hash: those not revoked, and rotated ones still in their grace.
#[derive(Debug, Default)]
pub struct TokenSet {
    by_hash: RwLock<HashMap<[u8; 32], LiveToken>>,
}

impl TokenSet {
    /// The name of the live token `presented` is at `now`, if it is one.
    pub fn authenticate(&self, presented: &str, now: DateTime<Utc>) -> Option<Arc<str>> {
        let hash = hash_secret(presented);
        let tokens = self.by_hash.read().expect("token set lock");
        let token = tokens.get(&hash)?;
        token.revoked_at.is_none_or(|revoked| now < revoked).then(|| token.name.clone())
    }

    /// Replaces the set with the database's live tokens at `now`; returns how many there are.
    pub async fn reload(&self, db: &DatabaseConnection, now: DateTime<Utc>) -> Result<usize, DbErr> {
        let rows: Vec<(Vec<u8>, String, Option<DateTime<Utc>>)> = ServiceTokens::find()
            .select_only()
            .column(Column::TokenHash)
            .column(Column::Name)
            .column(Column::RevokedAt)
            .filter(Column::RevokedAt.is_null().or(Column::RevokedAt.gt(now)))
            .into_tuple()
            .all(db)
            .await?;
        let live: HashMap<[u8; 32], LiveToken> = rows
            .into_iter()
            .filter_map(|(hash, name, revoked_at)| {
                Some((<[u8; 32]>::try_from(hash).ok()?, LiveToken { name: Arc::from(name), revoked_at }))
            })
            .collect();
        let count = live.len();
        *self.by_hash.write().expect("token set lock") = live;
        Ok(count)
    }
}

#[derive(Debug, thiserror::Error)]
pub enum TokenError {
    #[error("a token name is 1 to 64 letters, digits, '.', '_' or '-'")]
    BadName,
    #[error("a live token named {0:?} exists already; revoke it first or choose another name")]
    Exists(String),
    #[error("no live token is named {0:?}")]
    NotFound(String),
    #[error("database: {0}")]
    Database(#[from] DbErr),
}

/// A token as `server token list` shows it (never the token itself).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct TokenInfo {
    pub name: String,
    pub display_prefix: String,
    pub created_at: DateTime<Utc>,
    pub revoked_at: Option<DateTime<Utc>>,
}

fn validate_name(name: &str) -> Result<(), TokenError> {
    let allowed = |c: char| c.is_ascii_alphanumeric() || matches!(c, '.' | '_' | '-');
    if name.is_empty() || name.len() > 64 || !name.chars().all(allowed) {
        return Err(TokenError::BadName);
    }
    Ok(())
}

/// Makes a token named `name` and returns it: the only time it is seen in the clear.
pub async fn add_token(
    db: &DatabaseConnection,
    name: &str,
    actor: &Actor,
    now: DateTime<Utc>,
) -> Result<Secret, TokenError> {
    validate_name(name)?;
    let txn = crate::db::begin_write(db).await?;
    let exists = ServiceTokens::find()
        .filter(Column::Name.eq(name))
        .filter(Column::RevokedAt.is_null())
        .one(&txn)
        .await?
        .is_some();
    if exists {
        txn.rollback().await?;
        return Err(TokenError::Exists(name.to_owned()));
    }
    let token = insert_token(&txn, name, now).await?;
    let note = format!("prefix {}", token.display_prefix());
    audit::record(&txn, Event::new(actor, AuditAction::TokenAdded, name, now).note(note)).await?;
    announce(&txn, Announcement::Tokens).await?;
    txn.commit().await?;
    Ok(token)
}

/// Stores a new live token named `name`, returning it in the clear (to be shown once).
async fn insert_token(txn: &impl ConnectionTrait, name: &str, now: DateTime<Utc>) -> Result<Secret, DbErr> {
    let token = generate_service_token();
    service_token::ActiveModel {
        id: Set(Uuid::new_v4()),
        name: Set(name.to_owned()),
        display_prefix: Set(token.display_prefix()),
        token_hash: Set(token.hash().to_vec()),
        created_at: Set(now),
        revoked_at: Set(None),
    }
    .insert(txn)
    .await?;
    Ok(token)
}

/// Revokes the live token named `name`, and ends at once the grace of an older one of that name
/// (from `rotate_token`); every instance refuses them from then on.
pub async fn revoke_token(
    db: &DatabaseConnection,
    name: &str,
    actor: &Actor,
    now: DateTime<Utc>,
) -> Result<(), TokenError> {
    let txn = crate::db::begin_write(db).await?;
    let result = ServiceTokens::update_many()
        .col_expr(Column::RevokedAt, sea_orm::sea_query::Expr::value(now))
        .filter(Column::Name.eq(name))
        .filter(Column::RevokedAt.is_null().or(Column::RevokedAt.gt(now)))
        .exec(&txn)
        .await?;
    if result.rows_affected == 0 {
        // Ended now, not whenever the pool next touches the connection.
        txn.rollback().await?;
        return Err(TokenError::NotFound(name.to_owned()));
    }
    audit::record(&txn, Event::new(actor, AuditAction::TokenRevoked, name, now)).await?;
    announce(&txn, Announcement::Tokens).await?;
    txn.commit().await?;
    Ok(())
}

/// Replaces the live token named `name` with a new one of the same name, printed once by the
/// caller; the old one keeps working for `grace` (its revocation is set for then), so callers
/// can switch without an outage. Both work meanwhile on every instance.
pub async fn rotate_token(
    db: &DatabaseConnection,
    name: &str,
    grace: chrono::Duration,
    actor: &Actor,
    now: DateTime<Utc>,
) -> Result<Secret, TokenError> {
    let txn = crate::db::begin_write(db).await?;
    let ends = now + grace;
    let result = ServiceTokens::update_many()
        .col_expr(Column::RevokedAt, sea_orm::sea_query::Expr::value(ends))
        .filter(Column::Name.eq(name))
        .filter(Column::RevokedAt.is_null())
        .exec(&txn)
        .await?;
    if result.rows_affected == 0 {
        txn.rollback().await?;
        return Err(TokenError::NotFound(name.to_owned()));
    }
    let token = insert_token(&txn, name, now).await?;
    let note = format!("new prefix {}; the old token works until {}", token.display_prefix(), ends.to_rfc3339());
    audit::record(&txn, Event::new(actor, AuditAction::TokenRotated, name, now).note(note)).await?;
    announce(&txn, Announcement::Tokens).await?;
    txn.commit().await?;
    Ok(token)
}

/// Every token, live and revoked, oldest first.
pub async fn list_tokens(db: &DatabaseConnection) -> Result<Vec<TokenInfo>, DbErr> {
    let rows = ServiceTokens::find().order_by_asc(Column::CreatedAt).all(db).await?;
    Ok(rows
        .into_iter()
        .map(|row| TokenInfo {
            name: row.name,
            display_prefix: row.display_prefix,
            created_at: row.created_at,
            revoked_at: row.revoked_at,
        })
        .collect())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn token_names_are_short_and_plain() {
        assert!(validate_name("chat-widget.prod_1").is_ok());
        for bad in ["", "has space", "ünï", &"x".repeat(65)] {
            assert!(matches!(validate_name(bad), Err(TokenError::BadName)), "{bad:?}");
        }
    }
}
