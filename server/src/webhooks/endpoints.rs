//! The webhook endpoints: adding (the URL checked, never contacted; the secret made, sealed and
//! shown once), listing with each one's last delivery, switching on and off, rolling the secret,
//! removing, the delivery log, `Send test event` and `Retry`. Each change is one transaction
//! with its audit event (shown to users with all five rights).

use super::client::WebhookClient;
use super::delivery::Deliverer;
use super::outbox;
use super::payload;
use super::sealing::SecretsKey;
use super::signing::SigningSecret;
use crate::audit::{self, Event};
use crate::auth::users;
use crate::entity::webhook_attempt::{self, Entity as Attempts};
use crate::entity::webhook_endpoint::{self, Column, Entity as Endpoints};
use crate::entity::webhook_message::{self, Entity as Messages};
use crate::message_state::{FAILED, PENDING};
use app::audit::{Actor, AuditAction};
use app::error::{AppError, Field};
use app::webhooks::endpoint::{
    CreatedEndpoint, DELIVERY_LOG_SIZE, Delivery, Endpoint, MailPreference, NewEndpoint, Outcome, RolledSecret,
};
use app::webhooks::endpoint_url::{check_url, masked};
use app::webhooks::event::EventType;
use app::webhooks::store::NotificationStore;
use chrono::{DateTime, Duration, Utc};
use sea_orm::sea_query::Expr;
use sea_orm::{
    ActiveModelTrait, ActiveValue::Set, ColumnTrait, DatabaseConnection, DbErr, EntityTrait, ExprTrait, QueryFilter,
    QueryOrder, QuerySelect,
};
use std::collections::HashMap;
use std::sync::Arc;
use uuid::Uuid;

/// How long a rolled secret keeps signing beside the new one.
pub fn roll_overlap() -> Duration {
    Duration::hours(24)
}

fn internal(error: DbErr) -> AppError {
    tracing::error!(%error, "webhook store");
    AppError::Internal
}

#[derive(Clone)]
pub struct SeaNotificationStore {
    db: DatabaseConnection,
    secrets: Option<Arc<SecretsKey>>,
    client: WebhookClient,
    /// Whether the server sends mail (for the page to say).
    mail_on: bool,
}

impl SeaNotificationStore {
    pub fn new(db: DatabaseConnection, secrets: Option<Arc<SecretsKey>>, client: WebhookClient) -> Self {
        SeaNotificationStore { db, secrets, client, mail_on: false }
    }

    pub fn with_mail_on(self, mail_on: bool) -> Self {
        SeaNotificationStore { mail_on, ..self }
    }

    /// The worker that delivers this store's messages, if secrets can be opened.
    pub fn deliverer(&self) -> Option<Deliverer> {
        self.secrets.clone().map(|secrets| Deliverer::new(self.db.clone(), secrets, self.client.clone()))
    }

    fn secrets(&self) -> Result<&SecretsKey, AppError> {
        self.secrets.as_deref().ok_or_else(|| {
            AppError::Refused(
                "Webhooks need a secrets key to seal their signing secrets: set KEYDESK_SECRETS_KEY (see the README)."
                    .to_owned(),
            )
        })
    }

    async fn find(&self, id: Uuid) -> Result<webhook_endpoint::Model, AppError> {
        Endpoints::find_by_id(id).one(&self.db).await.map_err(internal)?.ok_or(AppError::NotFound)
    }

    /// Each endpoint's newest attempt.
    async fn last_deliveries(&self) -> Result<HashMap<Uuid, Delivery>, DbErr> {
        let mut last = HashMap::new();
        for endpoint in Endpoints::find().select_only().column(Column::Id).into_tuple::<Uuid>().all(&self.db).await? {
            if let Some(delivery) = self.log(endpoint, 1).await?.into_iter().next() {
                last.insert(endpoint, delivery);
            }
        }
        Ok(last)
    }

    /// `endpoint`'s newest `limit` attempts, with their messages' event and state.
    async fn log(&self, endpoint: Uuid, limit: u64) -> Result<Vec<Delivery>, DbErr> {
        let attempts = Attempts::find()
            .filter(webhook_attempt::Column::EndpointId.eq(endpoint))
            .order_by_desc(webhook_attempt::Column::At)
            .order_by_desc(webhook_attempt::Column::Id)
            .limit(limit)
            .all(&self.db)
            .await?;
        let ids: Vec<Uuid> = attempts.iter().map(|attempt| attempt.message_id).collect();
        let messages: HashMap<Uuid, (String, String)> = Messages::find()
            .select_only()
            .column(webhook_message::Column::Id)
            .column(webhook_message::Column::EventType)
            .column(webhook_message::Column::State)
            .filter(webhook_message::Column::Id.is_in(ids))
            .into_tuple::<(Uuid, String, String)>()
            .all(&self.db)
            .await?
            .into_iter()
            .map(|(id, event, state)| (id, (event, state)))
            .collect();
        Ok(attempts
            .into_iter()
            .filter_map(|attempt| {
                let (event, state) = messages.get(&attempt.message_id)?;
                Some(Delivery {
                    message_id: attempt.message_id,
                    event: event.clone(),
                    at: attempt.at,
                    status: attempt.status.and_then(|status| u16::try_from(status).ok()),
                    outcome: Outcome::parse(&attempt.outcome).unwrap_or(Outcome::Unreachable),
                    duration_ms: u32::try_from(attempt.duration_ms).unwrap_or(0),
                    attempt: u32::try_from(attempt.attempt).unwrap_or(0),
                    retryable: state == FAILED,
                })
            })
            .collect())
    }

    fn endpoint(row: webhook_endpoint::Model, last_delivery: Option<Delivery>, now: DateTime<Utc>) -> Endpoint {
        Endpoint {
            id: row.id,
            url: row.url_masked,
            description: row.description,
            events: row.events.split(',').filter_map(EventType::parse).collect(),
            enabled: row.enabled,
            disabled_reason: row.disabled_reason,
            previous_secret_until: row.previous_secret_until.filter(|until| *until > now),
            last_delivery,
            created_at: row.created_at,
            created_by: row.created_by,
        }
    }

    /// Every endpoint (the CLI's `webhook list`).
    pub async fn list(&self, now: DateTime<Utc>) -> Result<Vec<Endpoint>, AppError> {
        let rows = Endpoints::find()
            .order_by_asc(Column::CreatedAt)
            .order_by_asc(Column::Id)
            .all(&self.db)
            .await
            .map_err(internal)?;
        let mut last = self.last_deliveries().await.map_err(internal)?;
        Ok(rows
            .into_iter()
            .map(|row| {
                let delivery = last.remove(&row.id);
                Self::endpoint(row, delivery, now)
            })
            .collect())
    }

    /// The endpoint whose id starts with `prefix` (the CLI names endpoints by id or its start).
    pub async fn find_by_prefix(&self, prefix: &str) -> Result<Uuid, String> {
        let prefix = prefix.trim().to_ascii_lowercase();
        let ids: Vec<Uuid> = Endpoints::find()
            .select_only()
            .column(Column::Id)
            .into_tuple()
            .all(&self.db)
            .await
            .map_err(|e| e.to_string())?;
        let matching: Vec<Uuid> =
            ids.into_iter().filter(|id| !prefix.is_empty() && id.to_string().starts_with(&prefix)).collect();
        match matching.as_slice() {
            [id] => Ok(*id),
            [] => Err(format!("No webhook endpoint has the id {prefix:?}; `server webhook list` shows them.")),
            _ => Err(format!("Several endpoints' ids start with {prefix:?}; give more of it.")),
        }
    }
}

#[async_trait::async_trait]
impl NotificationStore for SeaNotificationStore {
    fn secrets_ready(&self) -> bool {
        self.secrets.is_some()
    }

    async fn endpoints(&self) -> Result<Vec<Endpoint>, AppError> {
        self.list(app::clock::now()).await
    }

    async fn add(&self, new: NewEndpoint, actor: &Actor, now: DateTime<Utc>) -> Result<CreatedEndpoint, AppError> {
        let url = check_url(&new.url, self.client.allow_private()).map_err(|e| AppError::invalid(Field::Url, e))?;
        let description = new.checked_description().map_err(|e| AppError::invalid(Field::Description, e))?;
        let events = new.checked_events().map_err(|e| AppError::invalid(Field::Events, e))?;
        let secrets = self.secrets()?;
        let id = Uuid::now_v7();
        let secret = SigningSecret::generate();
        let row = webhook_endpoint::ActiveModel {
            id: Set(id),
            url_masked: Set(masked(&url)),
            url_sealed: Set(secrets.seal(url.as_str().as_bytes(), id)),
            description: Set(description),
            events: Set(EventType::list_text(&events)),
            enabled: Set(true),
            disabled_reason: Set(None),
            secret_sealed: Set(secrets.seal(secret.expose().as_bytes(), id)),
            previous_secret_sealed: Set(None),
            previous_secret_until: Set(None),
            failing_since: Set(None),
            created_at: Set(now),
            created_by: Set(actor.name.clone()),
            version: Set(1),
        };
        let txn = crate::db::begin_write(&self.db).await.map_err(internal)?;
        let row = row.insert(&txn).await.map_err(internal)?;
        let note = format!("{} for {}", row.url_masked, row.events);
        audit::record(&txn, Event::new(actor, AuditAction::WebhookAdded, &id.to_string(), now).note(note))
            .await
            .map_err(internal)?;
        txn.commit().await.map_err(internal)?;
        tracing::info!(endpoint_id = %id, events = row.events, "webhook endpoint added");
        Ok(CreatedEndpoint { endpoint: Self::endpoint(row, None, now), secret: secret.expose().to_owned() })
    }

    async fn remove(&self, id: Uuid, actor: &Actor, now: DateTime<Utc>) -> Result<(), AppError> {
        let txn = crate::db::begin_write(&self.db).await.map_err(internal)?;
        let row = Endpoints::find_by_id(id).one(&txn).await.map_err(internal)?.ok_or(AppError::NotFound)?;
        // Attempts go with their messages, messages with their endpoint (cascades); spelled out
        // for databases opened without foreign keys.
        Attempts::delete_many()
            .filter(webhook_attempt::Column::EndpointId.eq(id))
            .exec(&txn)
            .await
            .map_err(internal)?;
        Messages::delete_many()
            .filter(webhook_message::Column::EndpointId.eq(id))
            .exec(&txn)
            .await
            .map_err(internal)?;
        Endpoints::delete_by_id(id).exec(&txn).await.map_err(internal)?;
        audit::record(&txn, Event::new(actor, AuditAction::WebhookRemoved, &id.to_string(), now).note(row.url_masked))
            .await
            .map_err(internal)?;
        txn.commit().await.map_err(internal)?;
        tracing::info!(endpoint_id = %id, "webhook endpoint removed");
        Ok(())
    }

    async fn set_enabled(&self, id: Uuid, enabled: bool, actor: &Actor, now: DateTime<Utc>) -> Result<(), AppError> {
        let txn = crate::db::begin_write(&self.db).await.map_err(internal)?;
        let row = Endpoints::find_by_id(id).one(&txn).await.map_err(internal)?.ok_or(AppError::NotFound)?;
        if row.enabled == enabled {
            return Ok(());
        }
        // Switched on again, it starts afresh: its past failures no longer count towards
        // switching it off.
        Endpoints::update_many()
            .col_expr(Column::Enabled, Expr::value(enabled))
            .col_expr(Column::DisabledReason, Expr::value(Option::<String>::None))
            .col_expr(Column::FailingSince, Expr::value(Option::<DateTime<Utc>>::None))
            .col_expr(Column::Version, Expr::col(Column::Version).add(1))
            .filter(Column::Id.eq(id))
            .exec(&txn)
            .await
            .map_err(internal)?;
        let action = if enabled { AuditAction::WebhookEnabled } else { AuditAction::WebhookDisabled };
        audit::record(&txn, Event::new(actor, action, &id.to_string(), now).note(row.url_masked))
            .await
            .map_err(internal)?;
        txn.commit().await.map_err(internal)
    }

    async fn roll_secret(&self, id: Uuid, actor: &Actor, now: DateTime<Utc>) -> Result<RolledSecret, AppError> {
        let secrets = self.secrets()?;
        let txn = crate::db::begin_write(&self.db).await.map_err(internal)?;
        let row = Endpoints::find_by_id(id).one(&txn).await.map_err(internal)?.ok_or(AppError::NotFound)?;
        let secret = SigningSecret::generate();
        let old_until = now + roll_overlap();
        Endpoints::update_many()
            .col_expr(Column::PreviousSecretSealed, Expr::value(Some(row.secret_sealed.clone())))
            .col_expr(Column::PreviousSecretUntil, Expr::value(Some(old_until)))
            .col_expr(Column::SecretSealed, Expr::value(secrets.seal(secret.expose().as_bytes(), id)))
            .col_expr(Column::Version, Expr::col(Column::Version).add(1))
            .filter(Column::Id.eq(id))
            .exec(&txn)
            .await
            .map_err(internal)?;
        let note = format!("{}; the old secret signs too until {}", row.url_masked, old_until.to_rfc3339());
        audit::record(&txn, Event::new(actor, AuditAction::WebhookSecretRolled, &id.to_string(), now).note(note))
            .await
            .map_err(internal)?;
        txn.commit().await.map_err(internal)?;
        tracing::info!(endpoint_id = %id, "webhook secret rolled");
        Ok(RolledSecret { secret: secret.expose().to_owned(), old_until })
    }

    async fn send_test(&self, id: Uuid, _actor: &Actor, now: DateTime<Utc>) -> Result<Delivery, AppError> {
        self.find(id).await?;
        let deliverer = self.deliverer().ok_or_else(|| self.secrets().err().unwrap_or(AppError::Internal))?;
        let mut message = outbox::message(id, app::webhooks::endpoint::TEST_EVENT, payload::test_event(id, now), now);
        // Claimed from the start: this request delivers it, not the worker.
        message.locked_until = Set(Some(now + super::delivery::CLAIM));
        let message = message.insert(&self.db).await.map_err(internal)?;
        deliverer.attempt(message.clone(), now).await.map_err(internal)?;
        self.log(id, DELIVERY_LOG_SIZE)
            .await
            .map_err(internal)?
            .into_iter()
            .find(|delivery| delivery.message_id == message.id)
            .ok_or(AppError::Internal)
    }

    async fn deliveries(&self, id: Uuid) -> Result<Vec<Delivery>, AppError> {
        self.find(id).await?;
        self.log(id, DELIVERY_LOG_SIZE).await.map_err(internal)
    }

    async fn retry(&self, message_id: Uuid, _actor: &Actor, now: DateTime<Utc>) -> Result<(), AppError> {
        let retried = Messages::update_many()
            .col_expr(webhook_message::Column::State, Expr::value(PENDING))
            .col_expr(webhook_message::Column::NextAttemptAt, Expr::value(now))
            .col_expr(webhook_message::Column::FinishedAt, Expr::value(Option::<DateTime<Utc>>::None))
            .filter(webhook_message::Column::Id.eq(message_id))
            .filter(webhook_message::Column::State.eq(FAILED))
            .exec(&self.db)
            .await
            .map_err(internal)?;
        if retried.rows_affected == 0 {
            return Err(AppError::Refused("Only a delivery that was given up can be retried.".to_owned()));
        }
        Ok(())
    }

    async fn mail_preference(&self, user: &str) -> Result<MailPreference, AppError> {
        let (email, expiry_mail) = users::mail_preference(&self.db, user).await.map_err(user_error)?;
        Ok(MailPreference { email, expiry_mail, mail_on: self.mail_on })
    }

    async fn set_expiry_mail(&self, user: &str, on: bool) -> Result<MailPreference, AppError> {
        users::set_expiry_mail(&self.db, user, on).await.map_err(user_error)?;
        self.mail_preference(user).await
    }
}

fn user_error(error: users::UserError) -> AppError {
    match error {
        users::UserError::NotFound(_) => AppError::NotFound,
        other => {
            tracing::error!(error = %other, "mail preference");
            AppError::Internal
        }
    }
}
