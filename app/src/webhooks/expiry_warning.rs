//! The warnings a periodic scan sends about a key's end: `key.expiring` 30, 7 and 1 days before
//! a working key expires, `key.grace_ending` 24 hours before a rotation's grace ends while the
//! old key is still in use, and `key.expired` once it has.
//!
//! Each warning is sent once per key and expiry: the scan records it (the key, the expiry it was
//! about, which warning) in the same transaction as the message, and a record already there
//! means another scan, or another instance, sent it. Only the most urgent warning due is sent: a
//! key first seen 3 days before its expiry gets the 7-day warning, not the 30-day one too (so the
//! first scan after an upgrade sends no backlog). A changed expiry is another expiry: its
//! warnings are due afresh, and a key extended past a threshold before a scan saw it never gets
//! that threshold's warning.

use chrono::{DateTime, Duration, Utc};
use serde::{Deserialize, Serialize};

#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Warning {
    Expiring30,
    Expiring7,
    Expiring1,
    GraceEnding,
    Expired,
}

/// What the scan knows of a key at `now`.
#[derive(Debug, Clone, Copy)]
pub struct KeyEnd {
    pub enabled: bool,
    /// In a rotation's grace: a successor took over.
    pub replaced: bool,
    /// A valid use in the last 7 days.
    pub in_use: bool,
    pub expires_at: Option<DateTime<Utc>>,
}

/// How long after its expiry a key's `key.expired` is still sent (a scan that ran late, or an
/// instance that was down); a key that expired before is not announced any more.
pub fn expired_notice_window() -> Duration {
    Duration::days(1)
}

impl Warning {
    /// The stored spelling.
    pub fn as_str(self) -> &'static str {
        match self {
            Warning::Expiring30 => "expiring_30",
            Warning::Expiring7 => "expiring_7",
            Warning::Expiring1 => "expiring_1",
            Warning::GraceEnding => "grace_ending",
            Warning::Expired => "expired",
        }
    }

    pub fn parse(text: &str) -> Option<Warning> {
        [Warning::Expiring30, Warning::Expiring7, Warning::Expiring1, Warning::GraceEnding, Warning::Expired]
            .into_iter()
            .find(|warning| warning.as_str() == text)
    }

    /// For `key.expiring`: the threshold, in days.
    pub fn days_before(self) -> Option<u16> {
        match self {
            Warning::Expiring30 => Some(30),
            Warning::Expiring7 => Some(7),
            Warning::Expiring1 => Some(1),
            Warning::GraceEnding | Warning::Expired => None,
        }
    }

    /// Whether `self` having been sent makes `due` unnecessary: the same warning, or a more
    /// urgent one of the same kind (a 7-day warning covers the 30-day one).
    fn covers(self, due: Warning) -> bool {
        match (self.days_before(), due.days_before()) {
            (Some(sent), Some(due)) => sent <= due,
            _ => self == due,
        }
    }
}

/// The most urgent warning due for `key` at `now`, if any.
pub fn due(key: KeyEnd, now: DateTime<Utc>) -> Option<Warning> {
    let expires_at = key.expires_at?;
    if expires_at <= now {
        let recent = now - expires_at < expired_notice_window();
        return (key.enabled && recent).then_some(Warning::Expired);
    }
    if !key.enabled {
        return None;
    }
    let left = expires_at - now;
    if key.replaced {
        return (key.in_use && left <= Duration::hours(24)).then_some(Warning::GraceEnding);
    }
    [Warning::Expiring1, Warning::Expiring7, Warning::Expiring30]
        .into_iter()
        .find(|warning| warning.days_before().is_some_and(|days| left <= Duration::days(i64::from(days))))
}

/// The warning to send now for `key`, given those already sent about its current expiry.
pub fn to_send(key: KeyEnd, sent: &[Warning], now: DateTime<Utc>) -> Option<Warning> {
    due(key, now).filter(|due| !sent.iter().any(|sent| sent.covers(*due)))
}

#[cfg(test)]
mod tests {
    use super::*;
    use chrono::TimeZone;

    fn now() -> DateTime<Utc> {
        Utc.with_ymd_and_hms(2026, 11, 30, 12, 0, 0).unwrap()
    }

    fn key(expires_in: Duration) -> KeyEnd {
        KeyEnd { enabled: true, replaced: false, in_use: true, expires_at: Some(now() + expires_in) }
    }

    #[test]
    fn only_the_most_urgent_threshold_is_due() {
        assert_eq!(due(key(Duration::days(31)), now()), None);
        assert_eq!(due(key(Duration::days(30)), now()), Some(Warning::Expiring30));
        assert_eq!(due(key(Duration::days(3)), now()), Some(Warning::Expiring7), "no 30-day warning too");
        assert_eq!(due(key(Duration::hours(20)), now()), Some(Warning::Expiring1));
        assert_eq!(due(KeyEnd { enabled: false, ..key(Duration::days(3)) }, now()), None, "a disabled key");
        assert_eq!(due(KeyEnd { expires_at: None, ..key(Duration::days(3)) }, now()), None, "never expires");
        let unused = KeyEnd { in_use: false, ..key(Duration::days(3)) };
        assert_eq!(due(unused, now()), Some(Warning::Expiring7), "expiry warnings do not wait for use");
    }

    #[test]
    fn a_grace_warns_once_a_day_before_its_end_and_only_while_used() {
        let retiring = KeyEnd { replaced: true, ..key(Duration::hours(23)) };
        assert_eq!(due(retiring, now()), Some(Warning::GraceEnding));
        assert_eq!(due(KeyEnd { in_use: false, ..retiring }, now()), None);
        assert_eq!(due(KeyEnd { replaced: true, ..key(Duration::days(3)) }, now()), None, "no expiry warnings");
    }

    #[test]
    fn an_expiry_is_announced_within_a_day_of_it() {
        assert_eq!(due(key(Duration::zero()), now()), Some(Warning::Expired));
        assert_eq!(due(key(-Duration::hours(23)), now()), Some(Warning::Expired));
        assert_eq!(due(key(-Duration::days(1)), now()), None, "long gone: no backlog");
    }

    #[test]
    fn what_was_sent_covers_what_is_less_urgent() {
        let three_days = key(Duration::days(3));
        assert_eq!(to_send(three_days, &[Warning::Expiring30], now()), Some(Warning::Expiring7));
        assert_eq!(to_send(three_days, &[Warning::Expiring7], now()), None);
        assert_eq!(to_send(key(Duration::days(20)), &[Warning::Expiring7], now()), None, "covered by a more urgent");
        assert_eq!(
            to_send(key(Duration::hours(5)), &[Warning::Expiring30, Warning::Expiring7], now()),
            Some(Warning::Expiring1)
        );
        assert_eq!(to_send(key(-Duration::hours(1)), &[Warning::Expiring1], now()), Some(Warning::Expired));
        assert_eq!(to_send(key(-Duration::hours(1)), &[Warning::Expired], now()), None);
        for warning in
            [Warning::Expiring30, Warning::Expiring7, Warning::Expiring1, Warning::GraceEnding, Warning::Expired]
        {
            assert_eq!(Warning::parse(warning.as_str()), Some(warning));
        }
    }
}
