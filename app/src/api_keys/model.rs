//! What the console knows about a key, as it crosses to the browser. The secret's hash never
//! leaves the server, so it is not here.
//!
//! Instants cross the wire as Unix milliseconds, here and in every server function's types:
//! exact at the precision of `clock::now` and the databases, and a number decodes in the wasm
//! without chrono's date-string parser.

use super::permission::Permission;
use super::restrictions::Restrictions;
use super::secret::Secret;
use super::status::{self, Status};
use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};
use uuid::Uuid;

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ApiKey {
    pub id: Uuid,
    pub name: String,
    pub permission: Permission,
    pub enabled: bool,
    /// `None`: the key never expires.
    #[serde(with = "chrono::serde::ts_milliseconds_option")]
    pub expires_at: Option<DateTime<Utc>>,
    #[serde(with = "chrono::serde::ts_milliseconds")]
    pub created_at: DateTime<Utc>,
    pub created_by: String,
    #[serde(with = "chrono::serde::ts_milliseconds")]
    pub updated_at: DateTime<Utc>,
    #[serde(with = "chrono::serde::ts_milliseconds_option")]
    pub last_used_at: Option<DateTime<Utc>>,
    /// The start of the secret (`kd_chat_x7Qa`), enough to recognise a key, useless to use it.
    pub display_prefix: String,
    /// Grows by one with every change; an update names the version it was made from.
    pub version: i64,
    /// The key this one took over from in a rotation.
    #[serde(default)]
    pub replaces: Option<Uuid>,
    /// The key that took over from this one in a rotation (this one then works until its
    /// expiry, the grace's end).
    #[serde(default)]
    pub replaced_by: Option<Uuid>,
    /// Where the key may be used from (left off the wire when off and empty, as most are).
    #[serde(default, skip_serializing_if = "Restrictions::is_default")]
    pub restrictions: Restrictions,
}

impl ApiKey {
    pub fn status(&self, now: DateTime<Utc>) -> Status {
        status::status(self.enabled, self.expires_at, now)
    }

    pub fn is_expired(&self, now: DateTime<Utc>) -> bool {
        status::is_expired(self.expires_at, now)
    }
}

/// A key with the instant the server read it: the details panel decides "expired" against this
/// until the page's own clock runs, so the server's HTML and the browser's first render agree
/// and an expired key says so before any wasm has loaded.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct KeyRead {
    pub key: ApiKey,
    #[serde(with = "chrono::serde::ts_milliseconds")]
    pub read_at: DateTime<Utc>,
}

/// A key just created, with its secret: the one time the secret leaves the server.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct CreatedKey {
    pub key: ApiKey,
    pub secret: Secret,
}
