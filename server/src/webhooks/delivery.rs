//! The delivery worker: every second it takes the messages that are due, delivers each once
//! (signed with the endpoint's secrets), and records the attempt, the message's next try or end,
//! and the endpoint's health, in one transaction per attempt (`message_state::spawn` runs it).
//!
//! Several instances may run it on one PostgreSQL database. A message is claimed by a
//! conditional update (`locked_until` moved forward only if it had passed): of two instances
//! trying at once exactly one changes the row, so exactly one delivers that attempt. The same
//! statement works on SQLite. A delivery cut short by a crash is tried again when its claim
//! lapses ([`CLAIM`]), with the same `webhook-id`: delivery is at least once.

use super::client::{Answer, WebhookClient};
use super::sealing::SecretsKey;
use super::signing::{SigningSecret, message_id, signature_header};
use crate::entity::webhook_attempt;
use crate::entity::webhook_endpoint::{self, Entity as Endpoints};
use crate::entity::webhook_message::{self, Column, Entity as Messages};
use crate::message_state::{self, DELIVERED, FAILED, OutboxWorker, PENDING};
use app::webhooks::delivery_schedule::{disable_after, disables, retry_delay};
use app::webhooks::endpoint::{Outcome, TEST_EVENT};
use chrono::{DateTime, Duration, Utc};
use futures::StreamExt;
use sea_orm::sea_query::{Expr, Query};
use sea_orm::{
    ActiveModelTrait, ActiveValue::Set, ColumnTrait, ConnectionTrait, DatabaseConnection, DbErr, EntityTrait,
    ExprTrait, QueryFilter, QueryOrder, QuerySelect,
};
use std::sync::Arc;
use uuid::Uuid;

/// How long a claimed message is an instance's to deliver: longer than an attempt can take.
pub const CLAIM: Duration = Duration::seconds(60);
/// Messages taken per round.
const BATCH: u64 = 32;
/// Deliveries in flight at once per instance.
const CONCURRENCY: usize = 8;
/// How often each instance looks for messages that are due.
pub const EVERY: std::time::Duration = std::time::Duration::from_secs(1);

#[derive(Clone)]
pub struct Deliverer {
    db: DatabaseConnection,
    secrets: Arc<SecretsKey>,
    client: WebhookClient,
}

/// What one attempt did.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Attempted {
    pub answer: Answer,
    pub attempt: i32,
}

impl Deliverer {
    pub fn new(db: DatabaseConnection, secrets: Arc<SecretsKey>, client: WebhookClient) -> Deliverer {
        Deliverer { db, secrets, client }
    }

    /// One round: delivers what is due at `now`; returns how many attempts were made.
    pub async fn run_once(&self, now: DateTime<Utc>) -> Result<usize, DbErr> {
        let enabled = Query::select()
            .column(webhook_endpoint::Column::Id)
            .from(Endpoints)
            .and_where(Expr::col(webhook_endpoint::Column::Enabled).eq(true))
            .to_owned();
        let due: Vec<Uuid> = Messages::find()
            .select_only()
            .column(Column::Id)
            .filter(Column::State.eq(PENDING))
            .filter(Column::NextAttemptAt.lte(now))
            .filter(Column::LockedUntil.is_null().or(Column::LockedUntil.lt(now)))
            .filter(Column::EndpointId.in_subquery(enabled))
            .order_by_asc(Column::NextAttemptAt)
            .limit(BATCH)
            .into_tuple()
            .all(&self.db)
            .await?;
        let attempts = futures::stream::iter(due)
            .map(|id| async move {
                match self.claim(id, now).await {
                    Ok(Some(message)) => self.attempt(message, now).await.map(|attempted| attempted.is_some()),
                    Ok(None) => Ok(false),
                    Err(error) => Err(error),
                }
            })
            .buffer_unordered(CONCURRENCY)
            .collect::<Vec<_>>()
            .await;
        let mut made = 0;
        for attempt in attempts {
            if attempt? {
                made += 1;
            }
        }
        Ok(made)
    }

    /// Takes message `id` for this instance until `now` + [`CLAIM`], if no one holds it.
    pub async fn claim(&self, id: Uuid, now: DateTime<Utc>) -> Result<Option<webhook_message::Model>, DbErr> {
        let claimed = Messages::update_many()
            .col_expr(Column::LockedUntil, Expr::value(now + CLAIM))
            .filter(Column::Id.eq(id))
            .filter(Column::State.eq(PENDING))
            .filter(Column::LockedUntil.is_null().or(Column::LockedUntil.lt(now)))
            .exec(&self.db)
            .await?;
        if claimed.rows_affected != 1 {
            return Ok(None);
        }
        Messages::find_by_id(id).one(&self.db).await
    }

    /// Delivers a claimed message once and records how it went. `None` when the message was no
    /// longer this instance's to record (its endpoint removed meanwhile).
    pub async fn attempt(
        &self,
        message: webhook_message::Model,
        now: DateTime<Utc>,
    ) -> Result<Option<Attempted>, DbErr> {
        let Some(endpoint) = Endpoints::find_by_id(message.endpoint_id).one(&self.db).await? else {
            return Ok(None);
        };
        let answer = match self.open(&endpoint, now) {
            Some((url, secrets)) => {
                let id = message_id(message.id);
                // The moment of sending (receivers refuse old timestamps), whatever `now` the
                // schedule is computed at.
                let timestamp = app::clock::now().timestamp();
                let secrets: Vec<&SigningSecret> = secrets.iter().collect();
                let headers = [
                    ("webhook-id", id.clone()),
                    ("webhook-timestamp", timestamp.to_string()),
                    ("webhook-signature", signature_header(&secrets, &id, timestamp, &message.body)),
                ];
                self.client.post(&url, &headers, message.body.clone()).await
            }
            // Sealed under another key: nothing can be sent until the right key is configured.
            None => Answer { outcome: Outcome::Unreachable, status: None, duration: std::time::Duration::ZERO },
        };
        let attempt = message.attempts + 1;
        if answer.outcome != Outcome::Delivered {
            // The cause, for the operator (the console says no more than the status or
            // "Unreachable"); never the URL, which may carry credentials.
            tracing::warn!(
                endpoint_id = %endpoint.id,
                message_id = %message.id,
                attempt,
                outcome = answer.outcome.code(),
                status = ?answer.status,
                "webhook delivery failed"
            );
        }
        self.record(&message, &endpoint, answer, attempt, now).await?;
        Ok(Some(Attempted { answer, attempt }))
    }

    /// The endpoint's URL and signing secrets (the previous one too while a roll lasts).
    fn open(&self, endpoint: &webhook_endpoint::Model, now: DateTime<Utc>) -> Option<(String, Vec<SigningSecret>)> {
        let text = |sealed: &[u8]| {
            let opened = self.secrets.open(sealed, endpoint.id).ok()?;
            String::from_utf8(opened).ok()
        };
        let opened = (|| {
            let url = text(&endpoint.url_sealed)?;
            let mut secrets = vec![SigningSecret::from_text(&text(&endpoint.secret_sealed)?)?];
            if let (Some(previous), Some(until)) = (&endpoint.previous_secret_sealed, endpoint.previous_secret_until)
                && until > now
            {
                secrets.extend(text(previous).as_deref().and_then(SigningSecret::from_text));
            }
            Some((url, secrets))
        })();
        if opened.is_none() {
            tracing::error!(endpoint_id = %endpoint.id, "an endpoint's URL or secret does not open with this server's secrets key");
        }
        opened
    }

    async fn record(
        &self,
        message: &webhook_message::Model,
        endpoint: &webhook_endpoint::Model,
        answer: Answer,
        attempt: i32,
        now: DateTime<Utc>,
    ) -> Result<(), DbErr> {
        let delivered = answer.outcome == Outcome::Delivered;
        let test = message.event_type == TEST_EVENT;
        let retry = if delivered || test { None } else { retry_delay(attempt as u32, crate::random::unit()) };
        let state = message_state::after_try(delivered, retry);
        let txn = crate::db::begin_write(&self.db).await?;
        // Only while this instance still holds the claim (it may have lapsed during a slow try).
        let updated = Messages::update_many()
            .col_expr(Column::State, Expr::value(state))
            .col_expr(Column::Attempts, Expr::value(attempt))
            .col_expr(Column::NextAttemptAt, Expr::value(now + retry.unwrap_or_default()))
            .col_expr(Column::LockedUntil, Expr::value(Option::<DateTime<Utc>>::None))
            .col_expr(Column::FinishedAt, Expr::value((state != PENDING).then_some(now)))
            .filter(Column::Id.eq(message.id))
            .filter(Column::LockedUntil.eq(message.locked_until))
            .exec(&txn)
            .await?;
        if updated.rows_affected != 1 {
            return Ok(());
        }
        webhook_attempt::ActiveModel {
            id: Set(Uuid::now_v7()),
            message_id: Set(message.id),
            endpoint_id: Set(endpoint.id),
            at: Set(now),
            attempt: Set(attempt),
            status: Set(answer.status.map(i32::from)),
            outcome: Set(answer.outcome.code().to_owned()),
            duration_ms: Set(answer.duration.as_millis().min(i32::MAX as u128) as i32),
        }
        .insert(&txn)
        .await?;
        if !test {
            health(&txn, endpoint, delivered, now).await?;
        }
        txn.commit().await
    }
}

/// An endpoint's run of failures: forgotten on a success; after [`disable_after`] of nothing but
/// failures the endpoint is switched off, and says why.
async fn health(
    db: &impl ConnectionTrait,
    endpoint: &webhook_endpoint::Model,
    delivered: bool,
    now: DateTime<Utc>,
) -> Result<(), DbErr> {
    let update = Endpoints::update_many().filter(webhook_endpoint::Column::Id.eq(endpoint.id));
    if delivered {
        if endpoint.failing_since.is_some() {
            update
                .col_expr(webhook_endpoint::Column::FailingSince, Expr::value(Option::<DateTime<Utc>>::None))
                .exec(db)
                .await?;
        }
        return Ok(());
    }
    let since = endpoint.failing_since.unwrap_or(now);
    let mut update = update.col_expr(webhook_endpoint::Column::FailingSince, Expr::value(since));
    if disables(Some(since), now) {
        let days = disable_after().num_days();
        let reason = format!(
            "Switched off on {}: every delivery failed for {days} days in a row.",
            now.format("%Y-%m-%d %H:%M UTC")
        );
        update = update
            .col_expr(webhook_endpoint::Column::Enabled, Expr::value(false))
            .col_expr(webhook_endpoint::Column::DisabledReason, Expr::value(reason));
        tracing::warn!(endpoint_id = %endpoint.id, "webhook endpoint switched off after {days} days of failures");
    }
    update.exec(db).await?;
    Ok(())
}

#[async_trait::async_trait]
impl OutboxWorker for Deliverer {
    const SENDS: &'static str = "webhook messages";

    async fn run_once(&self, now: DateTime<Utc>) -> Result<usize, DbErr> {
        Deliverer::run_once(self, now).await
    }

    /// Delivered and failed messages go with their attempts.
    async fn purge(&self, now: DateTime<Utc>) -> Result<u64, DbErr> {
        let gone = Messages::delete_many()
            .filter(Column::State.is_in([DELIVERED, FAILED]))
            .filter(Column::FinishedAt.lt(now - message_state::kept_for()))
            .exec(&self.db)
            .await?;
        Ok(gone.rows_affected)
    }
}
