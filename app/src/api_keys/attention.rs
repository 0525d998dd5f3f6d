//! What needs an administrator's attention, as the notices above the keys table list it. Each
//! notice is a view of the table: its count is that view's total (the store counts the view
//! itself), and its link shows exactly those keys.
//!
//! "In use" means a valid use in the last 7 days (the `usage=used_7d` filter). A key in a
//! rotation's grace is not counted as stopping: it is meant to stop, and has its own notice
//! while channels still use it.

use super::lifecycle_filter::{Days, ReplacedFilter};
use super::query::KeyQuery;
use super::status::{Status, StatusFilter};
use super::usage_filter::UsageFilter;
use serde::{Deserialize, Serialize};

/// The window of the notices, in days.
pub const NOTICE_DAYS: u16 = 7;

#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Attention {
    /// Working keys in use, not replaced, that expire within 7 days.
    StopsSoon,
    /// Replaced keys still in their grace and still in use.
    ReplacedInUse,
    /// Keys that expired in the last 7 days.
    RecentlyExpired,
}

/// One notice: what, and how many keys.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub struct Notice {
    pub attention: Attention,
    pub count: u64,
}

/// A notice as the page shows it: its sentence, and the page's URL for the view of its keys.
/// The server writes both, so the page's main wasm holds none of the rules above.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct NoticeLink {
    pub text: String,
    pub href: String,
}

impl Notice {
    pub fn link(&self) -> NoticeLink {
        let query = self.attention.query().to_url_query();
        NoticeLink { text: self.attention.text(self.count), href: format!("{}?{query}", crate::API_KEYS_PATH) }
    }
}

impl Attention {
    /// In the order the page lists them: the most urgent first.
    pub const ALL: [Attention; 3] = [Attention::StopsSoon, Attention::ReplacedInUse, Attention::RecentlyExpired];

    /// The table's view of these keys.
    pub fn query(self) -> KeyQuery {
        let week = Days::new(NOTICE_DAYS);
        match self {
            Attention::StopsSoon => KeyQuery {
                status: StatusFilter::default().with(Status::Available, true),
                usage: UsageFilter::Used7d,
                expires_within: week,
                replaced: ReplacedFilter::No,
                sort: super::SortColumn::Expires,
                direction: super::SortDirection::Asc,
                ..KeyQuery::default()
            },
            Attention::ReplacedInUse => KeyQuery { replaced: ReplacedFilter::InUse, ..KeyQuery::default() },
            Attention::RecentlyExpired => KeyQuery { expired_within: week, ..KeyQuery::default() },
        }
    }

    /// The notice's sentence for `count` keys.
    pub fn text(self, count: u64) -> String {
        let one = count == 1;
        let keys = if one { "key" } else { "keys" };
        match self {
            Attention::StopsSoon => {
                let stop = if one { "stops" } else { "stop" };
                format!("{count} {keys} in use {stop} working within {NOTICE_DAYS} days")
            }
            Attention::ReplacedInUse => {
                let verb = if one { "is" } else { "are" };
                format!("{count} replaced {keys} {verb} still in use")
            }
            Attention::RecentlyExpired => format!("{count} {keys} expired in the last {NOTICE_DAYS} days"),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::api_keys::{ApiKey, Permission};
    use chrono::{DateTime, Duration, TimeZone, Utc};
    use uuid::Uuid;

    fn now() -> DateTime<Utc> {
        Utc.with_ymd_and_hms(2026, 11, 30, 12, 0, 0).unwrap()
    }

    fn key(expires_in: Option<Duration>, used_ago: Option<Duration>, replaced: bool) -> ApiKey {
        ApiKey {
            id: Uuid::new_v4(),
            name: "Web chat".into(),
            permission: Permission::Chat,
            enabled: true,
            expires_at: expires_in.map(|d| now() + d),
            created_at: now() - Duration::days(90),
            created_by: "admin".into(),
            updated_at: now() - Duration::days(90),
            last_used_at: used_ago.map(|d| now() - d),
            display_prefix: "kd_chat_x7Qa".into(),
            version: 1,
            replaces: None,
            replaced_by: replaced.then(Uuid::new_v4),
            restrictions: Default::default(),
        }
    }

    fn notices_of(key: &ApiKey) -> Vec<Attention> {
        Attention::ALL.into_iter().filter(|a| a.query().matches(key, now())).collect()
    }

    #[test]
    fn each_notice_names_the_keys_it_is_about() {
        let day = Duration::days(1);
        assert_eq!(notices_of(&key(Some(day * 3), Some(day), false)), [Attention::StopsSoon]);
        assert_eq!(notices_of(&key(Some(day * 3), Some(day * 8), false)), [], "not in use");
        assert_eq!(notices_of(&key(Some(day * 8), Some(day), false)), [], "not within 7 days");
        assert_eq!(notices_of(&key(Some(day * 3), Some(day), true)), [Attention::ReplacedInUse], "in its grace");
        assert_eq!(notices_of(&key(Some(-day), Some(day * 2), false)), [Attention::RecentlyExpired]);
        assert_eq!(notices_of(&key(Some(-day * 8), None, false)), []);
        assert_eq!(notices_of(&key(None, Some(day), false)), []);
        let mut disabled = key(Some(day * 3), Some(day), false);
        disabled.enabled = false;
        assert_eq!(notices_of(&disabled), [], "a disabled key does not stop working: it has stopped");
    }

    #[test]
    fn the_sentences_agree_with_their_count() {
        assert_eq!(Attention::StopsSoon.text(2), "2 keys in use stop working within 7 days");
        assert_eq!(Attention::StopsSoon.text(1), "1 key in use stops working within 7 days");
        assert_eq!(Attention::ReplacedInUse.text(1), "1 replaced key is still in use");
        assert_eq!(Attention::ReplacedInUse.text(4), "4 replaced keys are still in use");
        assert_eq!(Attention::RecentlyExpired.text(3), "3 keys expired in the last 7 days");
        let link = Notice { attention: Attention::StopsSoon, count: 2 }.link();
        assert_eq!(link.text, "2 keys in use stop working within 7 days");
        assert_eq!(
            link.href,
            "/provisioning/api-keys?status=available&usage=used_7d&expires_within=7&replaced=no&sort=expires&dir=asc"
        );
    }
}
