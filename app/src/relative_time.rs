//! "a year ago", "in 3 days": relative time as moment.js `fromNow()` words it, with its thresholds.

use chrono::{DateTime, Utc};

const MS_PER_DAY: f64 = 86_400_000.0;
/// moment's days-to-months ratio: 400 years have 4800 months and 146097 days.
const MONTHS_PER_DAY: f64 = 4800.0 / 146_097.0;

/// `at` relative to `now`: "a few seconds ago", "5 minutes ago", "in 3 days", ...
pub fn relative_time(at: DateTime<Utc>, now: DateTime<Utc>) -> String {
    let ms = (at - now).num_milliseconds();
    let span = humanize(ms.unsigned_abs() as f64);
    if ms > 0 { format!("in {span}") } else { format!("{span} ago") }
}

/// A duration in words, moment.js `humanize()` with its default thresholds
/// (s 45, m 45, h 22, d 26, M 11). JavaScript's `Math.round` equals `f64::round` for these
/// non-negative values.
fn humanize(ms: f64) -> String {
    let seconds = (ms / 1000.0).round();
    let minutes = (ms / 60_000.0).round();
    let hours = (ms / 3_600_000.0).round();
    let days_exact = ms / MS_PER_DAY;
    let days = days_exact.round();
    let months = (days_exact * MONTHS_PER_DAY).round();
    let years = (days_exact * MONTHS_PER_DAY / 12.0).round();

    // `n` is a whole, non-negative count: written as an integer (formatting floats would bring
    // their whole formatter into the wasm).
    let words = |one: &str, n: f64, unit: &str| if n <= 1.0 { one.to_owned() } else { format!("{} {unit}", n as u64) };
    if seconds < 45.0 {
        "a few seconds".to_owned()
    } else if minutes < 45.0 {
        words("a minute", minutes, "minutes")
    } else if hours < 22.0 {
        words("an hour", hours, "hours")
    } else if days < 26.0 {
        words("a day", days, "days")
    } else if months < 11.0 {
        words("a month", months, "months")
    } else {
        words("a year", years, "years")
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use chrono::{Duration, TimeZone};

    fn now() -> DateTime<Utc> {
        Utc.with_ymd_and_hms(2026, 11, 27, 12, 0, 0).unwrap()
    }

    fn ago(d: Duration) -> String {
        relative_time(now() - d, now())
    }

    #[test]
    fn seconds_and_minutes() {
        assert_eq!(ago(Duration::zero()), "a few seconds ago");
        assert_eq!(ago(Duration::seconds(44)), "a few seconds ago");
        assert_eq!(ago(Duration::seconds(45)), "a minute ago");
        assert_eq!(ago(Duration::seconds(89)), "a minute ago");
        assert_eq!(ago(Duration::seconds(90)), "2 minutes ago");
        assert_eq!(ago(Duration::minutes(5)), "5 minutes ago");
        assert_eq!(ago(Duration::minutes(44)), "44 minutes ago");
    }

    #[test]
    fn hours_and_days() {
        assert_eq!(ago(Duration::minutes(45)), "an hour ago");
        assert_eq!(ago(Duration::minutes(89)), "an hour ago");
        assert_eq!(ago(Duration::minutes(90)), "2 hours ago");
        assert_eq!(ago(Duration::hours(21)), "21 hours ago");
        assert_eq!(ago(Duration::hours(22)), "a day ago");
        assert_eq!(ago(Duration::hours(35)), "a day ago");
        assert_eq!(ago(Duration::hours(36)), "2 days ago");
        assert_eq!(ago(Duration::days(25)), "25 days ago");
    }

    #[test]
    fn months_and_years() {
        assert_eq!(ago(Duration::days(26)), "a month ago");
        assert_eq!(ago(Duration::days(45)), "a month ago");
        assert_eq!(ago(Duration::days(46)), "2 months ago");
        assert_eq!(ago(Duration::days(319)), "10 months ago");
        assert_eq!(ago(Duration::days(320)), "a year ago");
        assert_eq!(ago(Duration::days(365)), "a year ago");
        assert_eq!(ago(Duration::days(547)), "a year ago");
        assert_eq!(ago(Duration::days(548)), "2 years ago");
        assert_eq!(ago(Duration::days(4 * 365)), "4 years ago");
    }

    #[test]
    fn the_future_reads_in() {
        assert_eq!(relative_time(now() + Duration::days(3), now()), "in 3 days");
        assert_eq!(relative_time(now() + Duration::seconds(10), now()), "in a few seconds");
    }
}
