//! The mail worker: every few seconds it claims the mails that are due (a conditional update,
//! as the webhook worker does, so that of several instances exactly one sends each try), sends
//! each over SMTP, and records the outcome; a failed try is retried on the webhooks' schedule.

use super::MailSettings;
use crate::entity::mail_message::{self, Column, Entity as Mails};
use crate::message_state::{self, DELIVERED, FAILED, OutboxWorker, PENDING};
use app::webhooks::delivery_schedule::retry_delay;
use chrono::{DateTime, Duration, Utc};
use lettre::message::header::ContentType;
use lettre::{AsyncTransport, Message};
use sea_orm::sea_query::Expr;
use sea_orm::{ColumnTrait, DatabaseConnection, DbErr, EntityTrait, ExprTrait, QueryFilter, QueryOrder, QuerySelect};
use uuid::Uuid;

/// How often each instance looks for mails that are due.
pub const EVERY: std::time::Duration = std::time::Duration::from_secs(2);
/// How long a claimed mail is this instance's to send.
const CLAIM: Duration = Duration::seconds(120);

#[derive(Clone)]
pub struct MailSender {
    db: DatabaseConnection,
    settings: MailSettings,
}

impl MailSender {
    pub fn new(db: DatabaseConnection, settings: MailSettings) -> MailSender {
        MailSender { db, settings }
    }

    /// Sends what is due at `now`; returns how many mails were tried.
    pub async fn run_once(&self, now: DateTime<Utc>) -> Result<usize, DbErr> {
        let due: Vec<Uuid> = Mails::find()
            .select_only()
            .column(Column::Id)
            .filter(Column::State.eq(PENDING))
            .filter(Column::NextAttemptAt.lte(now))
            .filter(Column::LockedUntil.is_null().or(Column::LockedUntil.lt(now)))
            .order_by_asc(Column::NextAttemptAt)
            .limit(32)
            .into_tuple()
            .all(&self.db)
            .await?;
        let mut tried = 0;
        for id in due {
            let claimed = Mails::update_many()
                .col_expr(Column::LockedUntil, Expr::value(now + CLAIM))
                .filter(Column::Id.eq(id))
                .filter(Column::State.eq(PENDING))
                .filter(Column::LockedUntil.is_null().or(Column::LockedUntil.lt(now)))
                .exec(&self.db)
                .await?;
            if claimed.rows_affected != 1 {
                continue;
            }
            let Some(mail) = Mails::find_by_id(id).one(&self.db).await? else { continue };
            let sent = self.send(&mail).await;
            self.record(&mail, sent, now).await?;
            tried += 1;
        }
        Ok(tried)
    }

    async fn send(&self, mail: &mail_message::Model) -> bool {
        let message = mail.recipient.parse().map_err(|_| "the recipient is not an address".to_owned()).and_then(|to| {
            Message::builder()
                .from(self.settings.from.clone())
                .to(to)
                .subject(mail.subject.clone())
                .header(ContentType::TEXT_PLAIN)
                .body(mail.body.clone())
                .map_err(|e| e.to_string())
        });
        let outcome = match message {
            Ok(message) => self.settings.transport.send(message).await.map(|_| ()).map_err(|e| e.to_string()),
            Err(error) => Err(error),
        };
        match outcome {
            Ok(()) => true,
            Err(error) => {
                // lettre's errors name the server and the SMTP reply, never the password.
                tracing::warn!(mail_id = %mail.id, %error, "a mail could not be sent; it is tried again later");
                false
            }
        }
    }

    async fn record(&self, mail: &mail_message::Model, sent: bool, now: DateTime<Utc>) -> Result<(), DbErr> {
        let attempts = mail.attempts + 1;
        let retry = if sent { None } else { retry_delay(attempts as u32, crate::random::unit()) };
        let state = message_state::after_try(sent, retry);
        Mails::update_many()
            .col_expr(Column::State, Expr::value(state))
            .col_expr(Column::Attempts, Expr::value(attempts))
            .col_expr(Column::NextAttemptAt, Expr::value(now + retry.unwrap_or_default()))
            .col_expr(Column::LockedUntil, Expr::value(Option::<DateTime<Utc>>::None))
            .col_expr(Column::FinishedAt, Expr::value((state != PENDING).then_some(now)))
            .filter(Column::Id.eq(mail.id))
            .filter(Column::LockedUntil.eq(mail.locked_until))
            .exec(&self.db)
            .await?;
        Ok(())
    }
}

#[async_trait::async_trait]
impl OutboxWorker for MailSender {
    const SENDS: &'static str = "mails";

    async fn run_once(&self, now: DateTime<Utc>) -> Result<usize, DbErr> {
        MailSender::run_once(self, now).await
    }

    async fn purge(&self, now: DateTime<Utc>) -> Result<u64, DbErr> {
        let gone = Mails::delete_many()
            .filter(Column::State.is_in([DELIVERED, FAILED]))
            .filter(Column::FinishedAt.lt(now - message_state::kept_for()))
            .exec(&self.db)
            .await?;
        Ok(gone.rows_affected)
    }
}
