//! Time buckets of usage, in UTC. Every count is kept at three resolutions (each flush adds to
//! the minute, the hour and the day it falls in), and each resolution for as long as
//! [`Resolution::retention`] says.

use chrono::{DateTime, Duration, Utc};
use serde::{Deserialize, Serialize};

#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Resolution {
    Minute,
    Hour,
    Day,
}

impl Resolution {
    pub const ALL: [Resolution; 3] = [Resolution::Minute, Resolution::Hour, Resolution::Day];

    pub fn seconds(self) -> i64 {
        match self {
            Resolution::Minute => 60,
            Resolution::Hour => 3_600,
            Resolution::Day => 86_400,
        }
    }

    pub fn width(self) -> Duration {
        Duration::seconds(self.seconds())
    }

    /// How long buckets of this resolution are kept: 48 hours of minutes, 90 days of hours,
    /// 400 days of days.
    pub fn retention(self) -> Duration {
        match self {
            Resolution::Minute => Duration::hours(48),
            Resolution::Hour => Duration::days(90),
            Resolution::Day => Duration::days(400),
        }
    }

    /// Buckets starting before this instant are past their retention at `now`.
    pub fn purge_before(self, now: DateTime<Utc>) -> DateTime<Utc> {
        self.start(now - self.retention())
    }

    /// The start of the bucket `at` falls in.
    pub fn start(self, at: DateTime<Utc>) -> DateTime<Utc> {
        DateTime::from_timestamp(self.bucket(at.timestamp()), 0).expect("a bucket start is a valid instant")
    }

    /// The start of the bucket Unix second `at` falls in, in Unix seconds.
    pub fn bucket(self, at: i64) -> i64 {
        at.div_euclid(self.seconds()) * self.seconds()
    }

    /// The stored spelling.
    pub fn code(self) -> &'static str {
        match self {
            Resolution::Minute => "minute",
            Resolution::Hour => "hour",
            Resolution::Day => "day",
        }
    }
}

/// The ranges the details panel charts.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Hash, Serialize, Deserialize)]
pub enum Range {
    #[serde(rename = "24h")]
    Day,
    #[default]
    #[serde(rename = "7d")]
    Week,
    #[serde(rename = "30d")]
    Month,
    #[serde(rename = "90d")]
    Quarter,
}

impl Range {
    pub const ALL: [Range; 4] = [Range::Day, Range::Week, Range::Month, Range::Quarter];

    /// The URL's spelling: `24h`, `7d`, `30d`, `90d`.
    pub fn code(self) -> &'static str {
        match self {
            Range::Day => "24h",
            Range::Week => "7d",
            Range::Month => "30d",
            Range::Quarter => "90d",
        }
    }

    pub fn parse(code: &str) -> Option<Range> {
        Range::ALL.into_iter().find(|range| range.code() == code)
    }

    /// The toggle button's label.
    pub fn label(self) -> &'static str {
        match self {
            Range::Day => "24 hours",
            Range::Week => "7 days",
            Range::Month => "30 days",
            Range::Quarter => "90 days",
        }
    }

    /// Bars are hours for 24 hours and 7 days, days for 30 and 90 days.
    pub fn resolution(self) -> Resolution {
        match self {
            Range::Day | Range::Week => Resolution::Hour,
            Range::Month | Range::Quarter => Resolution::Day,
        }
    }

    fn bucket_count(self) -> i64 {
        match self {
            Range::Day => 24,
            Range::Week => 7 * 24,
            Range::Month => 30,
            Range::Quarter => 90,
        }
    }

    /// The starts of the range's buckets at `now`, oldest first, ending with the bucket `now`
    /// falls in.
    pub fn buckets(self, now: DateTime<Utc>) -> Vec<DateTime<Utc>> {
        let resolution = self.resolution();
        let last = resolution.start(now);
        (0..self.bucket_count()).rev().map(|back| last - resolution.width() * back as i32).collect()
    }

    /// The first instant the range covers at `now`.
    pub fn since(self, now: DateTime<Utc>) -> DateTime<Utc> {
        let resolution = self.resolution();
        resolution.start(now) - resolution.width() * (self.bucket_count() - 1) as i32
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn at(text: &str) -> DateTime<Utc> {
        DateTime::parse_from_rfc3339(text).unwrap().to_utc()
    }

    #[test]
    fn buckets_start_on_utc_boundaries() {
        let t = at("2026-11-29T22:47:13Z");
        assert_eq!(Resolution::Minute.start(t), at("2026-11-29T22:47:00Z"));
        assert_eq!(Resolution::Hour.start(t), at("2026-11-29T22:00:00Z"));
        assert_eq!(Resolution::Day.start(t), at("2026-11-29T00:00:00Z"));
        assert_eq!(Resolution::Day.start(at("1969-12-31T23:00:00Z")), at("1969-12-31T00:00:00Z"));
    }

    #[test]
    fn each_resolution_is_kept_at_least_as_long_as_promised() {
        let now = at("2026-11-29T22:47:13Z");
        assert!(now - Resolution::Minute.purge_before(now) >= Duration::hours(48));
        assert!(now - Resolution::Hour.purge_before(now) >= Duration::days(90));
        assert!(now - Resolution::Day.purge_before(now) >= Duration::days(400));
        assert!(now - Resolution::Minute.purge_before(now) < Duration::hours(49));
    }

    #[test]
    fn ranges_cover_their_span_in_their_bars() {
        let now = at("2026-11-29T22:47:13Z");
        let day = Range::Day.buckets(now);
        assert_eq!((day.len(), day[0], day[23]), (24, at("2026-11-28T23:00:00Z"), at("2026-11-29T22:00:00Z")));
        assert_eq!(Range::Week.buckets(now).len(), 168);
        let quarter = Range::Quarter.buckets(now);
        assert_eq!((quarter.len(), *quarter.last().unwrap()), (90, at("2026-11-29T00:00:00Z")));
        assert_eq!(Range::Month.since(now), at("2026-10-31T00:00:00Z"));
        for range in Range::ALL {
            assert_eq!(Range::parse(range.code()), Some(range));
            assert_eq!(range.since(now), range.buckets(now)[0]);
            assert_eq!(serde_json::to_value(range).unwrap(), range.code());
        }
        assert_eq!(Range::parse("1y"), None);
        assert_eq!(Range::default(), Range::Week);
    }
}
