//! The periodic scan for keys' ends (`app::webhooks::expiry_warning` says which warning is due).
//!
//! Each warning sent is recorded as (key, expiry, warning) in the transaction that writes its
//! messages; the record's primary key refuses a second one, so a warning is sent once even when
//! several instances scan at the same moment or a scan is repeated after a restart. A changed
//! expiry is another expiry: its warnings are due afresh.

use super::outbox;
use super::payload::Context;
use crate::entity::api_key::{self, Column, Entity as ApiKeys};
use crate::entity::expiry_warning::{self, Entity as ExpiryWarnings};
use crate::mail::MailSettings;
use app::webhooks::event::EventType;
use app::webhooks::expiry_warning::{KeyEnd, Warning, expired_notice_window, to_send};
use chrono::{DateTime, Duration, Utc};
use sea_orm::{
    ActiveValue::Set, ColumnTrait, DatabaseConnection, DbErr, EntityTrait, QueryFilter, QuerySelect, TryInsertResult,
};

/// How often the server scans.
pub const EVERY: std::time::Duration = std::time::Duration::from_secs(60);
/// The earliest warning, in days before the expiry.
const HORIZON_DAYS: i64 = 30;

fn event_of(warning: Warning) -> EventType {
    match warning {
        Warning::Expiring30 | Warning::Expiring7 | Warning::Expiring1 => EventType::KeyExpiring,
        Warning::GraceEnding => EventType::KeyGraceEnding,
        Warning::Expired => EventType::KeyExpired,
    }
}

/// Sends the warnings due at `now` (and, with `mail`, mails them); returns how many this scan
/// sent.
pub async fn scan(db: &DatabaseConnection, now: DateTime<Utc>, mail: Option<&MailSettings>) -> Result<usize, DbErr> {
    let keys = ApiKeys::find()
        .filter(Column::Enabled.eq(true))
        .filter(Column::ExpiresAt.gt(now - expired_notice_window()))
        .filter(Column::ExpiresAt.lte(now + Duration::days(HORIZON_DAYS)))
        .all(db)
        .await?;
    let mut sent = 0;
    for key in keys {
        if warn(db, &key, now, mail).await? {
            sent += 1;
        }
    }
    Ok(sent)
}

/// Sends `key`'s due warning, if there is one and nobody sent it yet.
async fn warn(
    db: &DatabaseConnection,
    key: &api_key::Model,
    now: DateTime<Utc>,
    mail: Option<&MailSettings>,
) -> Result<bool, DbErr> {
    let Some(expires_at) = key.expires_at else { return Ok(false) };
    let in_use = key.last_used_at.is_some_and(|at| now - at <= Duration::days(7));
    let end =
        KeyEnd { enabled: key.enabled, replaced: key.replaced_by.is_some(), in_use, expires_at: Some(expires_at) };
    let sent: Vec<Warning> = ExpiryWarnings::find()
        .select_only()
        .column(expiry_warning::Column::Warning)
        .filter(expiry_warning::Column::KeyId.eq(key.id))
        .filter(expiry_warning::Column::ExpiresAt.eq(expires_at))
        .into_tuple::<String>()
        .all(db)
        .await?
        .iter()
        .filter_map(|text| Warning::parse(text))
        .collect();
    let Some(warning) = to_send(end, &sent, now) else { return Ok(false) };
    let txn = crate::db::begin_write(db).await?;
    let record = expiry_warning::ActiveModel {
        key_id: Set(key.id),
        expires_at: Set(expires_at),
        warning: Set(warning.as_str().to_owned()),
        sent_at: Set(now),
    };
    let recorded = ExpiryWarnings::insert(record)
        .on_conflict_do_nothing_on([
            expiry_warning::Column::KeyId,
            expiry_warning::Column::ExpiresAt,
            expiry_warning::Column::Warning,
        ])
        .exec_without_returning(&txn)
        .await?;
    // The key as it is inside the transaction: changed since it was read (extended, switched
    // off), its warning is no longer due and is not sent.
    let current = ApiKeys::find_by_id(key.id).one(&txn).await?;
    let unchanged = current.is_some_and(|current| {
        (current.enabled, current.expires_at, current.replaced_by) == (key.enabled, key.expires_at, key.replaced_by)
    });
    if !matches!(recorded, TryInsertResult::Inserted(1)) || !unchanged {
        return Ok(false);
    }
    let usage = crate::usage::store::impact(&txn, key.id, key.last_used_at, now).await?;
    let context = Context { usage: Some(&usage), warning: Some(warning), ..Context::default() };
    outbox::announce_warning(&txn, event_of(warning), key, context, now).await?;
    if let Some(mail) = mail
        && warning != Warning::Expired
    {
        crate::mail::outbox::enqueue_warning(&txn, key, warning, &usage, &mail.console, now).await?;
    }
    txn.commit().await?;
    Ok(true)
}

/// Scans every [`EVERY`] until aborted.
pub fn spawn(db: DatabaseConnection, mail: Option<MailSettings>) -> tokio::task::JoinHandle<()> {
    crate::message_state::every(EVERY, move |_| {
        let (db, mail) = (db.clone(), mail.clone());
        async move {
            match scan(&db, app::clock::now(), mail.as_ref()).await {
                Ok(0) => {}
                Ok(sent) => tracing::info!(sent, "expiry warnings sent"),
                Err(error) => tracing::warn!(%error, "the expiry scan failed; it runs again in a minute"),
            }
        }
    })
}
