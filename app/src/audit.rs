//! The audit trail: who changed what, when, and from where. Every change to a key, a user or a
//! service token, and every sign-in attempt, is recorded in the same transaction as the change
//! (or the attempt's outcome), with old and new values of changed fields, never a secret.

use crate::api_keys::input::FieldChange;
use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};
use std::fmt;

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
    TokenAdded,
    TokenRevoked,
    TokenRotated,
}

impl AuditAction {
    pub const ALL: [AuditAction; 19] = [
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
        AuditAction::TokenAdded,
        AuditAction::TokenRevoked,
        AuditAction::TokenRotated,
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
            AuditAction::TokenAdded => "token_added",
            AuditAction::TokenRevoked => "token_revoked",
            AuditAction::TokenRotated => "token_rotated",
        }
    }

    pub fn parse(text: &str) -> Option<AuditAction> {
        AuditAction::ALL.into_iter().find(|action| action.as_str() == text)
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
            AuditAction::TokenAdded => "Service token added",
            AuditAction::TokenRevoked => "Service token revoked",
            AuditAction::TokenRotated => "Service token rotated",
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

/// One recorded event, as the details panel and `server audit` show it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct AuditEntry {
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
}
