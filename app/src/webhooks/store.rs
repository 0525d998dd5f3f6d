//! The port the Notifications page's server functions need: the webhook endpoints and each
//! user's mail preference. `app` defines it; the server crate implements it (sealed secrets, the
//! outbox, the delivery worker, the users table) and provides it as context
//! (`Arc<dyn NotificationStore>`).

use super::endpoint::{CreatedEndpoint, Delivery, Endpoint, MailPreference, NewEndpoint, RolledSecret};
use crate::audit::Actor;
use crate::error::AppError;
use chrono::{DateTime, Utc};
use std::sync::Arc;
use uuid::Uuid;

#[async_trait::async_trait]
pub trait NotificationStore: Send + Sync + 'static {
    /// Whether endpoints can be added: the server has a key to seal their secrets with.
    fn secrets_ready(&self) -> bool;

    /// Every endpoint, oldest first, with its last delivery.
    async fn endpoints(&self) -> Result<Vec<Endpoint>, AppError>;

    /// Adds an endpoint (without contacting it) and makes its signing secret.
    async fn add(&self, new: NewEndpoint, actor: &Actor, now: DateTime<Utc>) -> Result<CreatedEndpoint, AppError>;

    /// Removes an endpoint with its messages and delivery log.
    async fn remove(&self, id: Uuid, actor: &Actor, now: DateTime<Utc>) -> Result<(), AppError>;

    /// Switches an endpoint on (forgetting its failures) or off.
    async fn set_enabled(&self, id: Uuid, enabled: bool, actor: &Actor, now: DateTime<Utc>) -> Result<(), AppError>;

    /// Makes a new signing secret; the old one signs too for 24 hours.
    async fn roll_secret(&self, id: Uuid, actor: &Actor, now: DateTime<Utc>) -> Result<RolledSecret, AppError>;

    /// Sends a `webhook.test` message now and waits for its outcome.
    async fn send_test(&self, id: Uuid, actor: &Actor, now: DateTime<Utc>) -> Result<Delivery, AppError>;

    /// The endpoint's last deliveries, newest first.
    async fn deliveries(&self, id: Uuid) -> Result<Vec<Delivery>, AppError>;

    /// Tries a given-up message again, now.
    async fn retry(&self, message_id: Uuid, actor: &Actor, now: DateTime<Utc>) -> Result<(), AppError>;

    /// The user's address and mail choice, and whether the server sends mail at all.
    async fn mail_preference(&self, user: &str) -> Result<MailPreference, AppError>;

    /// The user's own choice: mail about every key about to expire, or only their own.
    async fn set_expiry_mail(&self, user: &str, on: bool) -> Result<MailPreference, AppError>;
}

/// How the store travels through Leptos context.
pub type SharedNotificationStore = Arc<dyn NotificationStore>;
