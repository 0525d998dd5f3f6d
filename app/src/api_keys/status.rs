//! A key's status, derived at read time from `enabled`, `expires_at` and the clock; never stored.

use chrono::{DateTime, Duration, Utc};
use serde::{Deserialize, Serialize};

/// A key expiring within this window (and not yet expired) is "Soon Unavailable".
pub fn soon_window() -> Duration {
    Duration::days(30)
}

/// The one status a row shows: the most specific that applies.
/// The declaration order is the sort order (Available first).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Status {
    Available,
    SoonUnavailable,
    Unavailable,
}

impl Status {
    pub const ALL: [Status; 3] = [Status::Available, Status::Unavailable, Status::SoonUnavailable];

    pub fn label(self) -> &'static str {
        match self {
            Status::Available => "Available",
            Status::SoonUnavailable => "Soon Unavailable",
            Status::Unavailable => "Unavailable",
        }
    }

    /// The spelling used in URLs: `available`, `soon_unavailable`, `unavailable`.
    pub fn as_str(self) -> &'static str {
        match self {
            Status::Available => "available",
            Status::SoonUnavailable => "soon_unavailable",
            Status::Unavailable => "unavailable",
        }
    }

    pub fn parse(s: &str) -> Option<Status> {
        Status::ALL.into_iter().find(|status| status.as_str() == s)
    }
}

/// A key is expired from its expiry instant on: `now >= expires_at`.
pub fn is_expired(expires_at: Option<DateTime<Utc>>, now: DateTime<Utc>) -> bool {
    expires_at.is_some_and(|at| now >= at)
}

/// Usable right now: enabled and not expired (soon-unavailable keys are available too).
pub fn is_available(enabled: bool, expires_at: Option<DateTime<Utc>>, now: DateTime<Utc>) -> bool {
    enabled && !is_expired(expires_at, now)
}

/// Available, but expiring within [`soon_window`].
pub fn is_soon_unavailable(enabled: bool, expires_at: Option<DateTime<Utc>>, now: DateTime<Utc>) -> bool {
    is_available(enabled, expires_at, now) && expires_at.is_some_and(|at| at - now <= soon_window())
}

/// The single status a row shows: Unavailable, else Soon Unavailable, else Available.
pub fn status(enabled: bool, expires_at: Option<DateTime<Utc>>, now: DateTime<Utc>) -> Status {
    if !is_available(enabled, expires_at, now) {
        Status::Unavailable
    } else if is_soon_unavailable(enabled, expires_at, now) {
        Status::SoonUnavailable
    } else {
        Status::Available
    }
}

/// The Status toggles of the filter bar. A key matches when it falls in any selected toggle;
/// none selected matches every key. The Available toggle also matches soon-unavailable keys.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Hash, Serialize, Deserialize)]
pub struct StatusFilter {
    pub available: bool,
    pub unavailable: bool,
    pub soon_unavailable: bool,
}

impl StatusFilter {
    pub fn is_empty(self) -> bool {
        !(self.available || self.unavailable || self.soon_unavailable)
    }

    pub fn contains(self, toggle: Status) -> bool {
        match toggle {
            Status::Available => self.available,
            Status::Unavailable => self.unavailable,
            Status::SoonUnavailable => self.soon_unavailable,
        }
    }

    pub fn with(mut self, toggle: Status, on: bool) -> Self {
        match toggle {
            Status::Available => self.available = on,
            Status::Unavailable => self.unavailable = on,
            Status::SoonUnavailable => self.soon_unavailable = on,
        }
        self
    }

    pub fn matches(self, enabled: bool, expires_at: Option<DateTime<Utc>>, now: DateTime<Utc>) -> bool {
        self.is_empty()
            || (self.available && is_available(enabled, expires_at, now))
            || (self.unavailable && !is_available(enabled, expires_at, now))
            || (self.soon_unavailable && is_soon_unavailable(enabled, expires_at, now))
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use chrono::TimeZone;

    fn now() -> DateTime<Utc> {
        Utc.with_ymd_and_hms(2026, 11, 27, 12, 0, 0).unwrap()
    }

    #[test]
    fn a_key_that_never_expires_is_available_while_enabled() {
        assert_eq!(status(true, None, now()), Status::Available);
        assert_eq!(status(false, None, now()), Status::Unavailable);
    }

    #[test]
    fn a_key_expires_at_its_expiry_instant_not_after() {
        let at = now();
        assert!(is_expired(Some(at), now()));
        assert_eq!(status(true, Some(at), now()), Status::Unavailable);
        let one_ms_later = at + Duration::milliseconds(1);
        assert!(!is_expired(Some(one_ms_later), now()));
        assert_eq!(status(true, Some(one_ms_later), now()), Status::SoonUnavailable);
    }

    #[test]
    fn soon_unavailable_includes_exactly_thirty_days_and_not_a_second_more() {
        let thirty_days = now() + Duration::days(30);
        assert_eq!(status(true, Some(thirty_days), now()), Status::SoonUnavailable);
        let later = thirty_days + Duration::seconds(1);
        assert_eq!(status(true, Some(later), now()), Status::Available);
    }

    #[test]
    fn a_disabled_key_is_unavailable_whatever_its_expiry() {
        let soon = now() + Duration::days(3);
        assert_eq!(status(false, Some(soon), now()), Status::Unavailable);
        assert!(!is_soon_unavailable(false, Some(soon), now()));
    }

    #[test]
    fn sorting_by_status_puts_available_first() {
        let mut statuses = vec![Status::Unavailable, Status::Available, Status::SoonUnavailable];
        statuses.sort();
        assert_eq!(statuses, vec![Status::Available, Status::SoonUnavailable, Status::Unavailable]);
    }

    #[test]
    fn the_filter_matches_any_selected_toggle_and_everything_when_none_is() {
        let soon = Some(now() + Duration::days(3));
        let expired = Some(now() - Duration::days(3));
        let none = StatusFilter::default();
        assert!(none.matches(false, expired, now()));

        let available = none.with(Status::Available, true);
        assert!(available.matches(true, None, now()));
        assert!(available.matches(true, soon, now()), "Available also matches soon-unavailable keys");
        assert!(!available.matches(true, expired, now()));

        let soon_only = none.with(Status::SoonUnavailable, true);
        assert!(soon_only.matches(true, soon, now()));
        assert!(!soon_only.matches(true, None, now()));

        let unavailable = none.with(Status::Unavailable, true);
        assert!(unavailable.matches(false, None, now()));
        assert!(unavailable.matches(true, expired, now()));
        assert!(!unavailable.matches(true, soon, now()));

        let both = unavailable.with(Status::SoonUnavailable, true);
        assert!(both.matches(true, soon, now()) && both.matches(false, None, now()));
        assert!(!both.matches(true, None, now()));
    }

    #[test]
    fn statuses_round_trip_through_their_url_spelling() {
        for status in Status::ALL {
            assert_eq!(Status::parse(status.as_str()), Some(status));
        }
        assert_eq!(Status::parse("gone"), None);
    }
}
