//! One page of a view of the key table, as the store and the browser's copy answer it.

use super::attention::NoticeLink;
use super::model::ApiKey;
use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};
use uuid::Uuid;

/// One page of a view, with the instant it was read at (relative dates are computed from it,
/// identically on the server and in the browser).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct KeyPage {
    pub keys: Vec<ApiKey>,
    /// How many keys match the view in all.
    pub total: u64,
    pub page: u64,
    pub page_size: u64,
    #[serde(with = "chrono::serde::ts_milliseconds")]
    pub read_at: DateTime<Utc>,
    /// The page's keys' valid verifications per UTC day, the last 7 days, oldest first (keys
    /// without any are left out).
    #[serde(default)]
    pub weeks: Vec<(Uuid, [u64; 7])>,
    /// Rows that no longer match the view after a change made while it was on screen: shown
    /// marked until the view changes (only the browser's copy makes such pages).
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub leaving: Vec<Uuid>,
    /// What needs attention (see `attention`), when read with this page: the server's first
    /// screen carries them, and the page adds the latest it read to the pages it makes.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub notices: Option<Vec<NoticeLink>>,
}

impl KeyPage {
    /// Each key of the page with its last 7 days' uses and whether it is leaving.
    pub fn rows(&self) -> impl Iterator<Item = (&ApiKey, [u64; 7], bool)> {
        self.keys.iter().map(|key| {
            let week = self.weeks.iter().find(|(id, _)| *id == key.id).map_or([0; 7], |(_, week)| *week);
            (key, week, self.leaving.contains(&key.id))
        })
    }
}
