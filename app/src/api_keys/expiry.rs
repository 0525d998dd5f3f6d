//! The rule for setting or changing a key's expiry.

use chrono::{DateTime, Utc};

#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum ExpiryError {
    #[error("Expiration Date must be now or later; to end a key at once, use \"Expire now\".")]
    InThePast,
}

/// Checks an expiry being set: `None` (never expires) is always fine; a date must be `now` or
/// later (`now` expires the key at once). An expiry the update leaves unchanged is not checked
/// again, so a key that has expired can still be renamed or toggled.
pub fn validate_expiry(
    requested: Option<DateTime<Utc>>,
    current: Option<DateTime<Utc>>,
    now: DateTime<Utc>,
) -> Result<Option<DateTime<Utc>>, ExpiryError> {
    match requested {
        Some(at) if requested != current && at < now => Err(ExpiryError::InThePast),
        _ => Ok(requested),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use chrono::{Duration, TimeZone};

    fn now() -> DateTime<Utc> {
        Utc.with_ymd_and_hms(2026, 11, 27, 12, 0, 0).unwrap()
    }

    #[test]
    fn never_and_future_dates_are_accepted() {
        assert_eq!(validate_expiry(None, None, now()), Ok(None));
        let later = now() + Duration::days(365);
        assert_eq!(validate_expiry(Some(later), None, now()), Ok(Some(later)));
    }

    #[test]
    fn now_is_accepted_and_expires_at_once() {
        assert_eq!(validate_expiry(Some(now()), None, now()), Ok(Some(now())));
    }

    #[test]
    fn a_new_date_in_the_past_is_refused() {
        let past = now() - Duration::seconds(1);
        assert_eq!(validate_expiry(Some(past), None, now()), Err(ExpiryError::InThePast));
        let other_past = now() - Duration::days(2);
        assert_eq!(validate_expiry(Some(past), Some(other_past), now()), Err(ExpiryError::InThePast));
    }

    #[test]
    fn an_unchanged_past_expiry_is_not_checked_again() {
        let past = now() - Duration::days(10);
        assert_eq!(validate_expiry(Some(past), Some(past), now()), Ok(Some(past)));
    }
}
