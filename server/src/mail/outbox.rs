//! The mails to send, written in the expiry scan's transaction beside its webhook messages.

use super::compose::{Reason, expiry_mail};
use crate::entity::api_key;
use crate::entity::mail_message;
use crate::entity::user::{self, Entity as Users};
use crate::message_state::PENDING;
use app::usage::UsageImpact;
use app::webhooks::expiry_warning::Warning;
use chrono::{DateTime, Utc};
use sea_orm::{ActiveValue::Set, ColumnTrait, Condition, ConnectionTrait, DbErr, EntityTrait, QueryFilter};
use uuid::Uuid;

/// Queues the mail about `warning` for `key`: to its creator, if they have an address, and to
/// every user who asked for mail about all keys; one mail per address.
pub async fn enqueue_warning(
    db: &impl ConnectionTrait,
    key: &api_key::Model,
    warning: Warning,
    usage: &UsageImpact,
    console: &str,
    now: DateTime<Utc>,
) -> Result<usize, DbErr> {
    let recipients = Users::find()
        .filter(user::Column::Email.is_not_null())
        .filter(
            Condition::any().add(user::Column::Name.eq(key.created_by.as_str())).add(user::Column::ExpiryMail.eq(true)),
        )
        .all(db)
        .await?;
    let mut sent_to: Vec<String> = Vec::new();
    let mut mails = Vec::new();
    for recipient in recipients {
        let Some(address) = recipient.email else { continue };
        if sent_to.contains(&address) {
            continue;
        }
        let reason = if recipient.name == key.created_by { Reason::Creator } else { Reason::Subscribed };
        let (subject, body) = expiry_mail(key, warning, usage, console, reason);
        mails.push(mail_message::ActiveModel {
            id: Set(Uuid::now_v7()),
            recipient: Set(address.clone()),
            subject: Set(subject),
            body: Set(body),
            created_at: Set(now),
            state: Set(PENDING.to_owned()),
            attempts: Set(0),
            next_attempt_at: Set(now),
            locked_until: Set(None),
            finished_at: Set(None),
        });
        sent_to.push(address);
    }
    let queued = mails.len();
    if !mails.is_empty() {
        mail_message::Entity::insert_many(mails).exec_without_returning(db).await?;
    }
    Ok(queued)
}
