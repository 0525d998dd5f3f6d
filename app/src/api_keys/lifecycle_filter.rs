//! The table's filters on a key's life: when it expires (`expires_within=N`), when it expired
//! (`expired_within=N`), and whether a rotation replaced it (`replaced=no|in_use`). The notices
//! above the table link to views made of them (see `attention`).

use super::status::{is_available, is_expired};
use super::usage_filter::UsageFilter;
use chrono::{DateTime, Duration, Utc};
use serde::{Deserialize, Serialize};

/// A window of whole days, 1 to 365, as `expires_within` and `expired_within` take it.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(try_from = "u16", into = "u16")]
pub struct Days(u16);

impl Days {
    pub const MAX: u16 = 365;

    pub fn new(days: u16) -> Option<Days> {
        (1..=Days::MAX).contains(&days).then_some(Days(days))
    }

    /// Reads the URL's number; anything else (0, 366, "soon") is no filter.
    pub fn parse(text: &str) -> Option<Days> {
        text.parse().ok().and_then(Days::new)
    }

    pub fn get(self) -> u16 {
        self.0
    }

    pub fn duration(self) -> Duration {
        Duration::days(i64::from(self.0))
    }

    /// "1 day", "7 days".
    pub fn phrase(self) -> String {
        match self.0 {
            1 => "1 day".to_owned(),
            n => format!("{n} days"),
        }
    }
}

impl TryFrom<u16> for Days {
    type Error = String;

    fn try_from(days: u16) -> Result<Days, String> {
        Days::new(days).ok_or_else(|| format!("A number of days must be between 1 and {}.", Days::MAX))
    }
}

impl From<Days> for u16 {
    fn from(days: Days) -> u16 {
        days.0
    }
}

/// `expires_within=N`: the key has not expired and expires within N days of `now`.
pub fn expires_within(days: Days, expires_at: Option<DateTime<Utc>>, now: DateTime<Utc>) -> bool {
    expires_at.is_some_and(|at| now < at && at <= now + days.duration())
}

/// `expired_within=N`: the key expired in the last N days (at `now - N days` or later).
pub fn expired_within(days: Days, expires_at: Option<DateTime<Utc>>, now: DateTime<Utc>) -> bool {
    is_expired(expires_at, now) && expires_at.is_some_and(|at| at >= now - days.duration())
}

/// The `replaced` filter: whether a rotation gave the key a successor.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum ReplacedFilter {
    /// Every key (no URL parameter).
    #[default]
    Any,
    /// Keys no rotation replaced.
    No,
    /// Replaced keys still in their grace (enabled, not expired) that answered valid in the last
    /// 7 days: channels that have not switched to the successor yet.
    InUse,
}

impl ReplacedFilter {
    pub const ALL: [ReplacedFilter; 3] = [ReplacedFilter::Any, ReplacedFilter::No, ReplacedFilter::InUse];

    /// The URL's spelling.
    pub fn as_str(self) -> &'static str {
        match self {
            ReplacedFilter::Any => "any",
            ReplacedFilter::No => "no",
            ReplacedFilter::InUse => "in_use",
        }
    }

    pub fn parse(text: &str) -> Option<ReplacedFilter> {
        ReplacedFilter::ALL.into_iter().find(|filter| filter.as_str() == text)
    }

    /// What the toolbar calls it when it is set.
    pub fn label(self) -> &'static str {
        match self {
            ReplacedFilter::Any => "Replaced or not",
            ReplacedFilter::No => "Not replaced",
            ReplacedFilter::InUse => "Replaced, still in use",
        }
    }

    /// Whether a key is in the filter at `now`.
    pub fn matches(
        self,
        replaced: bool,
        enabled: bool,
        expires_at: Option<DateTime<Utc>>,
        last_used_at: Option<DateTime<Utc>>,
        now: DateTime<Utc>,
    ) -> bool {
        match self {
            ReplacedFilter::Any => true,
            ReplacedFilter::No => !replaced,
            ReplacedFilter::InUse => {
                replaced && is_available(enabled, expires_at, now) && UsageFilter::Used7d.matches(last_used_at, now)
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use chrono::TimeZone;

    fn now() -> DateTime<Utc> {
        Utc.with_ymd_and_hms(2026, 11, 30, 12, 0, 0).unwrap()
    }

    #[test]
    fn days_are_one_to_a_year() {
        assert_eq!(Days::parse("1").map(Days::get), Some(1));
        assert_eq!(Days::parse("365").map(Days::get), Some(365));
        for bad in ["0", "366", "-7", "7.5", "soon", ""] {
            assert_eq!(Days::parse(bad), None, "{bad:?}");
        }
        assert!(serde_json::from_str::<Days>("0").unwrap_err().to_string().contains("between 1 and 365"));
        assert_eq!(serde_json::to_string(&Days::new(7).unwrap()).unwrap(), "7");
    }

    #[test]
    fn the_windows_draw_their_lines() {
        let week = Days::new(7).unwrap();
        let at = |d: Duration| Some(now() + d);
        assert!(expires_within(week, at(Duration::days(7)), now()));
        assert!(!expires_within(week, at(Duration::days(7) + Duration::milliseconds(1)), now()));
        assert!(!expires_within(week, at(Duration::zero()), now()), "expired at this instant");
        assert!(!expires_within(week, None, now()), "never expires");
        assert!(expired_within(week, at(Duration::zero()), now()));
        assert!(expired_within(week, at(-Duration::days(7)), now()));
        assert!(!expired_within(week, at(-Duration::days(7) - Duration::milliseconds(1)), now()));
        assert!(!expired_within(week, at(Duration::milliseconds(1)), now()));
        assert!(!expired_within(week, None, now()));
    }

    #[test]
    fn replaced_in_use_is_a_working_replaced_key_used_this_week() {
        let used = Some(now() - Duration::days(2));
        let grace_end = Some(now() + Duration::days(3));
        assert!(ReplacedFilter::InUse.matches(true, true, grace_end, used, now()));
        assert!(!ReplacedFilter::InUse.matches(false, true, grace_end, used, now()), "not replaced");
        assert!(!ReplacedFilter::InUse.matches(true, false, grace_end, used, now()), "disabled");
        assert!(!ReplacedFilter::InUse.matches(true, true, Some(now()), used, now()), "grace over");
        assert!(!ReplacedFilter::InUse.matches(true, true, grace_end, Some(now() - Duration::days(8)), now()));
        assert!(ReplacedFilter::No.matches(false, false, None, None, now()));
        assert!(!ReplacedFilter::No.matches(true, true, grace_end, used, now()));
        for filter in ReplacedFilter::ALL {
            assert_eq!(ReplacedFilter::parse(filter.as_str()), Some(filter));
            assert_eq!(serde_json::to_value(filter).unwrap(), filter.as_str());
        }
    }
}
