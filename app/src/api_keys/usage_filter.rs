//! The table's `Usage` filter: keys by whether they are used. "Used" means answered valid,
//! which is what `last_used_at` records (a few seconds late).

use chrono::{DateTime, Duration, Utc};
use serde::{Deserialize, Serialize};

#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Hash, Serialize, Deserialize)]
pub enum UsageFilter {
    /// Every key (no URL parameter).
    #[default]
    #[serde(rename = "any")]
    Any,
    /// Answered valid in the last 7 days.
    #[serde(rename = "used_7d")]
    Used7d,
    /// Not answered valid in 30 days, including keys never used.
    #[serde(rename = "idle_30d")]
    Idle30d,
    /// Never answered valid. Keys used before usage was counted are not "never used": their
    /// last use is known.
    #[serde(rename = "never")]
    Never,
}

impl UsageFilter {
    pub const ALL: [UsageFilter; 4] = [UsageFilter::Any, UsageFilter::Used7d, UsageFilter::Idle30d, UsageFilter::Never];

    /// The URL's spelling.
    pub fn as_str(self) -> &'static str {
        match self {
            UsageFilter::Any => "any",
            UsageFilter::Used7d => "used_7d",
            UsageFilter::Idle30d => "idle_30d",
            UsageFilter::Never => "never",
        }
    }

    pub fn parse(text: &str) -> Option<UsageFilter> {
        UsageFilter::ALL.into_iter().find(|filter| filter.as_str() == text)
    }

    /// The select's option.
    pub fn label(self) -> &'static str {
        match self {
            UsageFilter::Any => "Any",
            UsageFilter::Used7d => "Used in the last 7 days",
            UsageFilter::Idle30d => "Not used in 30 days",
            UsageFilter::Never => "Never used",
        }
    }

    /// Where the filter draws its line at `now`: used since this instant (`Used7d`), or not
    /// used since it (`Idle30d`).
    pub fn since(self, now: DateTime<Utc>) -> Option<DateTime<Utc>> {
        match self {
            UsageFilter::Used7d => Some(now - Duration::days(7)),
            UsageFilter::Idle30d => Some(now - Duration::days(30)),
            UsageFilter::Any | UsageFilter::Never => None,
        }
    }

    /// Whether a key last used at `last_used_at` is in the filter at `now`.
    pub fn matches(self, last_used_at: Option<DateTime<Utc>>, now: DateTime<Utc>) -> bool {
        match (self, last_used_at) {
            (UsageFilter::Any, _) => true,
            (UsageFilter::Used7d, Some(at)) => self.since(now).is_some_and(|since| at >= since),
            (UsageFilter::Used7d, None) => false,
            (UsageFilter::Idle30d, Some(at)) => self.since(now).is_some_and(|since| at < since),
            (UsageFilter::Idle30d, None) | (UsageFilter::Never, None) => true,
            (UsageFilter::Never, Some(_)) => false,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn each_filter_draws_its_line() {
        let now = Utc::now();
        let day = |n: i64| Some(now - Duration::days(n));
        assert!(UsageFilter::Used7d.matches(day(7), now) && !UsageFilter::Used7d.matches(day(8), now));
        assert!(!UsageFilter::Used7d.matches(None, now));
        assert!(UsageFilter::Idle30d.matches(None, now) && UsageFilter::Idle30d.matches(day(31), now));
        assert!(!UsageFilter::Idle30d.matches(day(30), now));
        assert!(UsageFilter::Never.matches(None, now) && !UsageFilter::Never.matches(day(400), now));
        for filter in UsageFilter::ALL {
            assert_eq!(UsageFilter::parse(filter.as_str()), Some(filter));
            assert_eq!(serde_json::to_value(filter).unwrap(), filter.as_str());
        }
        assert!(
            serde_json::from_str::<UsageFilter>("\"sometimes\"").is_err(),
            "the server refuses what it does not know"
        );
    }
}
