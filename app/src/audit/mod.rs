//! The audit trail: who changed what, when, and from where. Every change to a key, a user or a
//! service token, and every sign-in attempt, is recorded in the same transaction as the change
//! (or the attempt's outcome), with old and new values of changed fields, never a secret.

//!
//! [`query`] is the Audit Log page's view of the trail (its filters, in the URL), [`page`] one
//! page of it; [`server_fns`] reads it for the page.

pub mod page;
pub mod query;
pub mod server_fns;
#[cfg(feature = "ssr")]
pub mod store;

use crate::api_keys::input::FieldChange;
use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};
use std::fmt;
use uuid::Uuid;

#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum AuditAction {
    KeyCreated,
    KeyCopied,
    KeyUpdated,
    KeyEnabled,
    KeyDisabled,
    KeyDeleted,
    KeyRotated,
    KeyRotationFinished,
    KeyRotationExtended,
    SignedIn,
    SignInFailed,
    SignedOut,
    UserAdded,
    UserRightsSet,
    UserPasswordSet,
    UserRemoved,
    UserEmailSet,
    TokenAdded,
    TokenRevoked,
    TokenRotated,
    WebhookAdded,
    WebhookEnabled,
    WebhookDisabled,
    WebhookSecretRolled,
    WebhookRemoved,
}

impl AuditAction {
    pub const ALL: [AuditAction; 25] = [
        AuditAction::KeyCreated,
        AuditAction::KeyCopied,
        AuditAction::KeyUpdated,
        AuditAction::KeyEnabled,
        AuditAction::KeyDisabled,
        AuditAction::KeyDeleted,
        AuditAction::KeyRotated,
        AuditAction::KeyRotationFinished,
        AuditAction::KeyRotationExtended,
        AuditAction::SignedIn,
        AuditAction::SignInFailed,
        AuditAction::SignedOut,
        AuditAction::UserAdded,
        AuditAction::UserRightsSet,
        AuditAction::UserPasswordSet,
        AuditAction::UserRemoved,
        AuditAction::UserEmailSet,
        AuditAction::TokenAdded,
        AuditAction::TokenRevoked,
        AuditAction::TokenRotated,
        AuditAction::WebhookAdded,
        AuditAction::WebhookEnabled,
        AuditAction::WebhookDisabled,
        AuditAction::WebhookSecretRolled,
        AuditAction::WebhookRemoved,
    ];

    /// The stored spelling: `key_created`, ...
    pub fn as_str(self) -> &'static str {
        match self {
            AuditAction::KeyCreated => "key_created",
            AuditAction::KeyCopied => "key_copied",
            AuditAction::KeyUpdated => "key_updated",
            AuditAction::KeyEnabled => "key_enabled",
            AuditAction::KeyDisabled => "key_disabled",
            AuditAction::KeyDeleted => "key_deleted",
            AuditAction::KeyRotated => "key_rotated",
            AuditAction::KeyRotationFinished => "key_rotation_finished",
            AuditAction::KeyRotationExtended => "key_rotation_extended",
            AuditAction::SignedIn => "signed_in",
            AuditAction::SignInFailed => "sign_in_failed",
            AuditAction::SignedOut => "signed_out",
            AuditAction::UserAdded => "user_added",
            AuditAction::UserRightsSet => "user_rights_set",
            AuditAction::UserPasswordSet => "user_password_set",
            AuditAction::UserRemoved => "user_removed",
            AuditAction::UserEmailSet => "user_email_set",
            AuditAction::TokenAdded => "token_added",
            AuditAction::TokenRevoked => "token_revoked",
            AuditAction::TokenRotated => "token_rotated",
            AuditAction::WebhookAdded => "webhook_added",
            AuditAction::WebhookEnabled => "webhook_enabled",
            AuditAction::WebhookDisabled => "webhook_disabled",
            AuditAction::WebhookSecretRolled => "webhook_secret_rolled",
            AuditAction::WebhookRemoved => "webhook_removed",
        }
    }

    pub fn parse(text: &str) -> Option<AuditAction> {
        AuditAction::ALL.into_iter().find(|action| action.as_str() == text)
    }

    /// Whether the event concerns a key. Anyone who may see keys (canView and canRead) sees
    /// these; sign-ins and changes to users and tokens carry addresses and mistyped user names,
    /// and only users with all five rights see them.
    pub fn is_key_event(self) -> bool {
        matches!(
            self,
            AuditAction::KeyCreated
                | AuditAction::KeyCopied
                | AuditAction::KeyUpdated
                | AuditAction::KeyEnabled
                | AuditAction::KeyDisabled
                | AuditAction::KeyDeleted
                | AuditAction::KeyRotated
                | AuditAction::KeyRotationFinished
                | AuditAction::KeyRotationExtended
        )
    }

    /// How the details panel words it.
    pub fn label(self) -> &'static str {
        match self {
            AuditAction::KeyCreated => "Created",
            AuditAction::KeyCopied => "Created as a copy",
            AuditAction::KeyUpdated => "Changed",
            AuditAction::KeyEnabled => "Enabled",
            AuditAction::KeyDisabled => "Disabled",
            AuditAction::KeyDeleted => "Deleted",
            AuditAction::KeyRotated => "Rotated",
            AuditAction::KeyRotationFinished => "Rotation finished",
            AuditAction::KeyRotationExtended => "Rotation extended",
            AuditAction::SignedIn => "Signed in",
            AuditAction::SignInFailed => "Sign-in failed",
            AuditAction::SignedOut => "Signed out",
            AuditAction::UserAdded => "User added",
            AuditAction::UserRightsSet => "Rights set",
            AuditAction::UserPasswordSet => "Password set",
            AuditAction::UserRemoved => "User removed",
            AuditAction::UserEmailSet => "E-mail address set",
            AuditAction::TokenAdded => "Service token added",
            AuditAction::TokenRevoked => "Service token revoked",
            AuditAction::TokenRotated => "Service token rotated",
            AuditAction::WebhookAdded => "Webhook endpoint added",
            AuditAction::WebhookEnabled => "Webhook endpoint enabled",
            AuditAction::WebhookDisabled => "Webhook endpoint disabled",
            AuditAction::WebhookSecretRolled => "Webhook secret rolled",
            AuditAction::WebhookRemoved => "Webhook endpoint removed",
        }
    }
}

impl fmt::Display for AuditAction {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

/// Who acted and from where: the signed-in user and their address, or `cli:USER` for the
/// command line.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Actor {
    pub name: String,
    pub address: Option<String>,
}

impl Actor {
    pub fn new(name: impl Into<String>, address: Option<String>) -> Self {
        Actor { name: name.into(), address }
    }
}

/// One recorded event, as the Audit Log page, the details panel and `server audit` show it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct AuditEntry {
    /// Time-ordered (UUID v7): events recorded at the same instant sort in the order recorded.
    #[serde(default)]
    pub id: Uuid,
    #[serde(with = "chrono::serde::ts_milliseconds")]
    pub at: DateTime<Utc>,
    pub actor: String,
    pub address: Option<String>,
    pub action: AuditAction,
    /// What it concerns: a key's, user's or token's name at the time.
    pub subject: String,
    /// Changed fields with old and new values (key updates and toggles).
    pub changes: Vec<FieldChange>,
    /// Anything else worth keeping (rights granted, the key a copy came from, ...).
    pub note: Option<String>,
    /// The key the event concerns, if it concerns one.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub key_id: Option<Uuid>,
    /// A second key it concerns (the other key of a rotation).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub other_key_id: Option<Uuid>,
    /// Shared by the events of one bulk action.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub batch_id: Option<Uuid>,
}

impl AuditEntry {
    /// The changed fields as the page words them, `Name: from A to B; ...`, with each recorded
    /// date (RFC 3339) written by `date` the way the rest of the page writes dates.
    pub fn changes_text(&self, date: impl Fn(DateTime<Utc>) -> String) -> String {
        let value =
            |text: &str| DateTime::parse_from_rfc3339(text).map_or_else(|_| text.to_owned(), |at| date(at.to_utc()));
        let changes: Vec<String> =
            self.changes.iter().map(|c| format!("{}: from {} to {}", c.field, value(&c.old), value(&c.new))).collect();
        changes.join("; ")
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn actions_round_trip_through_their_stored_spelling() {
        for action in AuditAction::ALL {
            assert_eq!(AuditAction::parse(action.as_str()), Some(action));
        }
        assert_eq!(AuditAction::parse("key_exploded"), None);
    }

    #[test]
    fn key_events_are_the_key_actions() {
        let key_events: Vec<_> = AuditAction::ALL.into_iter().filter(|a| a.is_key_event()).collect();
        assert!(key_events.iter().all(|a| a.as_str().starts_with("key_")));
        assert_eq!(key_events.len(), AuditAction::ALL.iter().filter(|a| a.as_str().starts_with("key_")).count());
    }
}
