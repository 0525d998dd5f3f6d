//! Users and their rights (`server user ...`), with the rule that someone must always hold all
//! five rights: the last such user cannot be removed or lose one.

use crate::audit::{self, Event};
use crate::entity::user::{self, Column, Entity as Users};
use app::audit::{Actor, AuditAction};
use app::auth::Rights;
use chrono::{DateTime, Utc};
use sea_orm::{
    ActiveModelTrait, ActiveValue::Set, ColumnTrait, ConnectionTrait, DatabaseBackend, DatabaseConnection,
    DatabaseTransaction, DbErr, EntityTrait, PaginatorTrait, QueryFilter, QueryOrder, Statement,
};
use uuid::Uuid;

#[derive(Debug, thiserror::Error)]
pub enum UserError {
    #[error("a user name is 1 to 64 letters, digits, '.', '_', '-' or '@'")]
    BadName,
    #[error("{0}")]
    BadRights(String),
    #[error("{0}")]
    BadPassword(String),
    #[error("{0:?} is not an e-mail address")]
    BadEmail(String),
    #[error("a user named {0:?} exists already")]
    Exists(String),
    #[error("no user is named {0:?}")]
    NotFound(String),
    #[error("{0:?} is the last user with all five rights; give them to someone else first")]
    LastAdministrator(String),
    #[error("database: {0}")]
    Database(#[from] DbErr),
}

/// A user as `server user list` shows them.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct UserInfo {
    pub name: String,
    pub rights: Rights,
    pub created_at: DateTime<Utc>,
    pub email: Option<String>,
}

/// What signing in needs to know about a user.
#[derive(Debug, Clone)]
pub struct SignInRecord {
    pub id: Uuid,
    pub name: String,
    pub password_hash: String,
}

pub fn validate_user_name(name: &str) -> Result<(), UserError> {
    let allowed = |c: char| c.is_ascii_alphanumeric() || matches!(c, '.' | '_' | '-' | '@');
    if name.is_empty() || name.len() > 64 || !name.chars().all(allowed) {
        return Err(UserError::BadName);
    }
    Ok(())
}

/// An e-mail address as mail can be sent to it (`lettre`'s reading of it), trimmed.
pub fn check_email(text: &str) -> Result<String, UserError> {
    let text = text.trim();
    text.parse::<lettre::Address>().map(|address| address.to_string()).map_err(|_| UserError::BadEmail(text.to_owned()))
}

pub fn parse_rights(text: &str) -> Result<Rights, UserError> {
    Rights::parse_list(text).map_err(UserError::BadRights)
}

/// A write transaction that excludes other changes to users (SQLite: `BEGIN IMMEDIATE`;
/// PostgreSQL: an advisory lock), so the last-administrator rule holds under concurrency.
async fn begin_users_change(db: &DatabaseConnection) -> Result<DatabaseTransaction, DbErr> {
    let txn = crate::db::begin_write(db).await?;
    if txn.get_database_backend() == DatabaseBackend::Postgres {
        let lock = Statement::from_string(
            DatabaseBackend::Postgres,
            "SELECT pg_advisory_xact_lock(hashtext('keydesk.users'))",
        );
        txn.execute_raw(lock).await?;
    }
    Ok(txn)
}

async fn find(txn: &impl ConnectionTrait, name: &str) -> Result<user::Model, UserError> {
    Users::find().filter(Column::Name.eq(name)).one(txn).await?.ok_or_else(|| UserError::NotFound(name.to_owned()))
}

/// Refuses a change that would leave nobody with all five rights.
async fn keep_an_administrator(txn: &impl ConnectionTrait, user: &user::Model) -> Result<(), UserError> {
    let is_administrator = Rights::parse_list(&user.rights).is_ok_and(Rights::is_all);
    if is_administrator {
        let administrators = Users::find().filter(Column::Rights.eq(Rights::all().to_list())).count(txn).await?;
        if administrators <= 1 {
            return Err(UserError::LastAdministrator(user.name.clone()));
        }
    }
    Ok(())
}

/// Adds a user; `password_hash` from [`super::passwords::Passwords::hash`]; `email`, if given,
/// gets mail about the user's keys' ends.
pub async fn add_user(
    db: &DatabaseConnection,
    name: &str,
    rights: Rights,
    password_hash: String,
    email: Option<&str>,
    actor: &Actor,
    now: DateTime<Utc>,
) -> Result<(), UserError> {
    validate_user_name(name)?;
    let email = email.map(check_email).transpose()?;
    let txn = begin_users_change(db).await?;
    if Users::find().filter(Column::Name.eq(name)).one(&txn).await?.is_some() {
        return Err(UserError::Exists(name.to_owned()));
    }
    user::ActiveModel {
        id: Set(Uuid::new_v4()),
        name: Set(name.to_owned()),
        password_hash: Set(password_hash),
        rights: Set(rights.to_list()),
        created_at: Set(now),
        updated_at: Set(now),
        email: Set(email.clone()),
        expiry_mail: Set(false),
    }
    .insert(&txn)
    .await?;
    let mut note = format!("rights {}", rights.to_list());
    if let Some(email) = &email {
        note.push_str(&format!("; e-mail {email}"));
    }
    audit::record(&txn, Event::new(actor, AuditAction::UserAdded, name, now).note(note)).await?;
    txn.commit().await?;
    Ok(())
}

/// Sets (or with `None` removes) a user's e-mail address.
pub async fn set_email(
    db: &DatabaseConnection,
    name: &str,
    email: Option<&str>,
    actor: &Actor,
    now: DateTime<Utc>,
) -> Result<(), UserError> {
    let email = email.map(check_email).transpose()?;
    let txn = begin_users_change(db).await?;
    let user = find(&txn, name).await?;
    Users::update(user::ActiveModel {
        id: Set(user.id),
        email: Set(email.clone()),
        updated_at: Set(now),
        ..Default::default()
    })
    .exec(&txn)
    .await?;
    let note = email.map_or_else(|| "no e-mail address".to_owned(), |email| format!("e-mail {email}"));
    audit::record(&txn, Event::new(actor, AuditAction::UserEmailSet, name, now).note(note)).await?;
    txn.commit().await?;
    Ok(())
}

/// A user's e-mail address and whether they asked for mail about every key about to expire.
pub async fn mail_preference(db: &DatabaseConnection, name: &str) -> Result<(Option<String>, bool), UserError> {
    let user = find(db, name).await?;
    Ok((user.email, user.expiry_mail))
}

/// The user's own choice: mail about every key about to expire, or only their own.
pub async fn set_expiry_mail(db: &DatabaseConnection, name: &str, on: bool) -> Result<(), UserError> {
    let updated = Users::update_many()
        .col_expr(Column::ExpiryMail, sea_orm::sea_query::Expr::value(on))
        .filter(Column::Name.eq(name))
        .exec(db)
        .await?;
    if updated.rows_affected == 0 {
        return Err(UserError::NotFound(name.to_owned()));
    }
    Ok(())
}

/// Replaces a user's rights.
pub async fn set_rights(
    db: &DatabaseConnection,
    name: &str,
    rights: Rights,
    actor: &Actor,
    now: DateTime<Utc>,
) -> Result<(), UserError> {
    let txn = begin_users_change(db).await?;
    let user = find(&txn, name).await?;
    if !rights.is_all() {
        keep_an_administrator(&txn, &user).await?;
    }
    let note = format!("rights {} (were {})", rights.to_list(), user.rights);
    let mut active: user::ActiveModel = user.into();
    active.rights = Set(rights.to_list());
    active.updated_at = Set(now);
    active.update(&txn).await?;
    audit::record(&txn, Event::new(actor, AuditAction::UserRightsSet, name, now).note(note)).await?;
    txn.commit().await?;
    Ok(())
}

/// Sets a new password and ends the user's sessions (a password change signs them out everywhere).
pub async fn set_password(
    db: &DatabaseConnection,
    name: &str,
    password_hash: String,
    actor: &Actor,
    now: DateTime<Utc>,
) -> Result<(), UserError> {
    let txn = begin_users_change(db).await?;
    let user = find(&txn, name).await?;
    let id = user.id;
    let mut active: user::ActiveModel = user.into();
    active.password_hash = Set(password_hash);
    active.updated_at = Set(now);
    active.update(&txn).await?;
    super::sessions::end_all_sessions_of(&txn, id).await?;
    audit::record(&txn, Event::new(actor, AuditAction::UserPasswordSet, name, now)).await?;
    txn.commit().await?;
    Ok(())
}

/// Removes a user and their sessions.
pub async fn remove_user(
    db: &DatabaseConnection,
    name: &str,
    actor: &Actor,
    now: DateTime<Utc>,
) -> Result<(), UserError> {
    let txn = begin_users_change(db).await?;
    let user = find(&txn, name).await?;
    keep_an_administrator(&txn, &user).await?;
    super::sessions::end_all_sessions_of(&txn, user.id).await?;
    Users::delete_by_id(user.id).exec(&txn).await?;
    audit::record(&txn, Event::new(actor, AuditAction::UserRemoved, name, now)).await?;
    txn.commit().await?;
    Ok(())
}

pub async fn list_users(db: &DatabaseConnection) -> Result<Vec<UserInfo>, DbErr> {
    let rows = Users::find().order_by_asc(Column::Name).all(db).await?;
    Ok(rows
        .into_iter()
        .map(|row| UserInfo {
            rights: Rights::parse_list(&row.rights).unwrap_or_default(),
            name: row.name,
            created_at: row.created_at,
            email: row.email,
        })
        .collect())
}

pub async fn count_users(db: &DatabaseConnection) -> Result<u64, DbErr> {
    Users::find().count(db).await
}

pub async fn find_for_sign_in(db: &DatabaseConnection, name: &str) -> Result<Option<SignInRecord>, DbErr> {
    Ok(Users::find().filter(Column::Name.eq(name)).one(db).await?.map(|row| SignInRecord {
        id: row.id,
        name: row.name,
        password_hash: row.password_hash,
    }))
}
