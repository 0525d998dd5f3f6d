//! Sign-in sessions, stored in the database so every instance behind a load balancer shares
//! them. The cookie carries a random 256-bit id; the table keeps only its SHA-256, so a leaked
//! table yields no live session. A session ends when idle for [`SessionPolicy::idle`], at its
//! absolute end however active, at sign-out, or when the user's password changes or the user
//! is removed. Every sign-in gets a new id.

use crate::entity::session::{self, Column, Entity as Sessions};
use crate::entity::user::{self, Entity as Users};
use app::auth::{CurrentUser, Rights};
use chrono::{DateTime, Duration, Utc};
use sea_orm::sea_query::Expr;
use sea_orm::{
    ActiveModelTrait, ActiveValue::Set, ColumnTrait, ConnectionTrait, DatabaseConnection, DbErr, EntityTrait,
    QueryFilter,
};
use sha2::{Digest, Sha256};
use uuid::Uuid;

/// The session cookie's name.
pub const COOKIE: &str = "keydesk_session";

#[derive(Debug, Clone, Copy)]
pub struct SessionPolicy {
    /// Ends a session nobody used for this long.
    pub idle: Duration,
    /// Ends every session this long after sign-in.
    pub absolute: Duration,
}

impl Default for SessionPolicy {
    fn default() -> Self {
        SessionPolicy { idle: Duration::minutes(30), absolute: Duration::hours(12) }
    }
}

/// How stale `last_seen_at` may get before a request refreshes it (saves a write per request).
const TOUCH_AFTER: Duration = Duration::seconds(60);

/// A session id in the clear: only ever in the cookie. `Debug` does not print it.
pub struct SessionId(String);

impl SessionId {
    pub fn cookie_value(&self) -> &str {
        &self.0
    }
}

impl std::fmt::Debug for SessionId {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("SessionId([redacted])")
    }
}

fn hash(id: &str) -> Vec<u8> {
    Sha256::digest(id.as_bytes()).to_vec()
}

/// Starts a session for `user_id`.
pub async fn start_session(
    db: &impl ConnectionTrait,
    user_id: Uuid,
    policy: SessionPolicy,
    now: DateTime<Utc>,
) -> Result<SessionId, DbErr> {
    let id = crate::random::hex::<32>();
    session::ActiveModel {
        id_hash: Set(hash(&id)),
        user_id: Set(user_id),
        created_at: Set(now),
        last_seen_at: Set(now),
        expires_at: Set(now + policy.absolute),
    }
    .insert(db)
    .await?;
    Ok(SessionId(id))
}

/// The user whose live session `cookie` names, refreshing its idle clock.
pub async fn resolve_session(
    db: &DatabaseConnection,
    cookie: &str,
    policy: SessionPolicy,
    now: DateTime<Utc>,
) -> Result<Option<CurrentUser>, DbErr> {
    let id_hash = hash(cookie);
    // One query for the session and its user: this runs on every signed-in request.
    let Some((found, user)) = Sessions::find_by_id(id_hash.clone()).find_also_related(Users).one(db).await? else {
        return Ok(None);
    };
    if now >= found.expires_at || now - found.last_seen_at >= policy.idle {
        Sessions::delete_by_id(id_hash).exec(db).await?;
        return Ok(None);
    }
    let Some(user) = user else {
        return Ok(None);
    };
    if now - found.last_seen_at >= TOUCH_AFTER {
        Sessions::update_many()
            .col_expr(Column::LastSeenAt, Expr::value(now))
            .filter(Column::IdHash.eq(id_hash))
            .exec(db)
            .await?;
    }
    Ok(Some(current_user(&user)))
}

/// The session's user if the session stands at `now`, read without touching it: what a long
/// request (the live stream) checks now and then, which must not keep an idle session alive.
pub async fn peek_session(
    db: &DatabaseConnection,
    cookie: &str,
    policy: SessionPolicy,
    now: DateTime<Utc>,
) -> Result<Option<CurrentUser>, DbErr> {
    let found = Sessions::find_by_id(hash(cookie)).find_also_related(Users).one(db).await?;
    Ok(found.and_then(|(session, user)| {
        let live = now < session.expires_at && now - session.last_seen_at < policy.idle;
        user.filter(|_| live).map(|user| current_user(&user))
    }))
}

pub fn current_user(user: &user::Model) -> CurrentUser {
    CurrentUser { name: user.name.clone(), rights: Rights::parse_list(&user.rights).unwrap_or_default() }
}

/// Sign-out: the session is gone on the server, so its cookie is useless from now on. Returns
/// whose session it was, if it existed.
pub async fn end_session(db: &DatabaseConnection, cookie: &str) -> Result<Option<String>, DbErr> {
    let Some(found) = Sessions::find_by_id(hash(cookie)).one(db).await? else {
        return Ok(None);
    };
    Sessions::delete_by_id(found.id_hash).exec(db).await?;
    Ok(Users::find_by_id(found.user_id).one(db).await?.map(|user| user.name))
}

/// Deletes sessions past their absolute end or idle limit (called at each sign-in).
pub async fn purge_ended(db: &DatabaseConnection, policy: SessionPolicy, now: DateTime<Utc>) -> Result<(), DbErr> {
    Sessions::delete_many()
        .filter(
            sea_orm::Condition::any().add(Column::ExpiresAt.lte(now)).add(Column::LastSeenAt.lte(now - policy.idle)),
        )
        .exec(db)
        .await?;
    Ok(())
}

pub async fn end_all_sessions_of(db: &impl ConnectionTrait, user_id: Uuid) -> Result<(), DbErr> {
    Sessions::delete_many().filter(Column::UserId.eq(user_id)).exec(db).await?;
    Ok(())
}
