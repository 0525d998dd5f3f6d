//! When a webhook message is tried again, when it is given up, and when an endpoint that keeps
//! failing is switched off.
//!
//! A message is tried at once, then after 5 s and a delay five times longer each time (5 s,
//! 25 s, 2 min, 10 min, 52 min, 4.3 h, 21.7 h: about 27 hours in all), each delay shortened or
//! lengthened by up to a fifth at random so that many messages failing together do not come
//! back together. After the eighth failure it is given up.

use chrono::{DateTime, Duration, Utc};

/// How long a receiver has to answer.
pub const TIMEOUT_SECONDS: u64 = 10;
/// Tries of one message, the first included.
pub const ATTEMPTS: u32 = 8;
/// An endpoint that has failed every delivery for this long is switched off.
pub fn disable_after() -> Duration {
    Duration::days(5)
}

/// The delay after `failed` failed tries (1 to [`ATTEMPTS`] - 1) before the next, with `jitter`
/// (0 to 1, uniform) moving it by up to a fifth either way; `None` once the message has had its
/// last try.
pub fn retry_delay(failed: u32, jitter: f64) -> Option<Duration> {
    if failed == 0 || failed >= ATTEMPTS {
        return None;
    }
    let base_ms = 5_000f64 * 5f64.powi(failed as i32 - 1);
    let factor = 0.8 + 0.4 * jitter.clamp(0.0, 1.0);
    Some(Duration::milliseconds((base_ms * factor).round() as i64))
}

/// Whether an endpoint failing since `failing_since` (its first failure after its last
/// success) is switched off at `now`.
pub fn disables(failing_since: Option<DateTime<Utc>>, now: DateTime<Utc>) -> bool {
    failing_since.is_some_and(|since| now - since >= disable_after())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_delays_grow_five_fold_from_five_seconds_to_about_a_day_in_all() {
        let delays: Vec<i64> = (1..ATTEMPTS).map(|n| retry_delay(n, 0.5).unwrap().num_seconds()).collect();
        assert_eq!(delays, [5, 25, 125, 625, 3_125, 15_625, 78_125]);
        let total: i64 = delays.iter().sum();
        assert!((86_400..=36 * 3_600).contains(&total), "{total} s in all");
        assert_eq!(retry_delay(ATTEMPTS, 0.5), None, "given up after the last try");
        assert_eq!(retry_delay(0, 0.5), None);
    }

    #[test]
    fn jitter_moves_a_delay_by_at_most_a_fifth() {
        assert_eq!(retry_delay(1, 0.0), Some(Duration::seconds(4)));
        assert_eq!(retry_delay(1, 1.0), Some(Duration::seconds(6)));
        assert_eq!(retry_delay(1, 7.0), Some(Duration::seconds(6)), "out of range is clamped");
    }

    #[test]
    fn an_endpoint_failing_five_days_in_a_row_is_switched_off() {
        let now = Utc::now();
        assert!(!disables(None, now));
        assert!(!disables(Some(now - Duration::days(5) + Duration::seconds(1)), now));
        assert!(disables(Some(now - Duration::days(5)), now));
    }
}
