//! A key's usage as the console shows it: the chart's buckets, totals by result, origins, and
//! the sentence the Delete and Disable dialogs state before anything breaks.

use super::buckets::{Range, Resolution};
use super::result::UsageResult;
use crate::relative_time::relative_time;
use chrono::{DateTime, Duration, Utc};
use serde::{Deserialize, Serialize};

/// One bar: a bucket's counts, in [`UsageResult::ALL`]'s order.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct UsageBucket {
    #[serde(with = "chrono::serde::ts_milliseconds")]
    pub start: DateTime<Utc>,
    pub counts: [u64; UsageResult::COUNT],
}

impl UsageBucket {
    pub fn total(&self) -> u64 {
        self.counts.iter().sum()
    }
}

/// One origin's verifications over the range.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct OriginUse {
    pub origin: String,
    pub count: u64,
    /// The start of the latest bucket it was seen in.
    #[serde(with = "chrono::serde::ts_milliseconds")]
    pub last_seen: DateTime<Utc>,
}

/// A key's usage over a range.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct UsageReport {
    pub range: Range,
    pub resolution: Resolution,
    /// Every bucket of the range, empty ones too, oldest first.
    pub buckets: Vec<UsageBucket>,
    /// Busiest first.
    pub origins: Vec<OriginUse>,
    #[serde(with = "chrono::serde::ts_milliseconds")]
    pub read_at: DateTime<Utc>,
}

impl UsageReport {
    /// The range's count for each result, in [`UsageResult::ALL`]'s order.
    pub fn by_result(&self) -> [(UsageResult, u64); UsageResult::COUNT] {
        let mut totals = UsageResult::ALL.map(|result| (result, 0));
        for bucket in &self.buckets {
            for (total, count) in totals.iter_mut().zip(bucket.counts) {
                total.1 += count;
            }
        }
        totals
    }

    pub fn total(&self) -> u64 {
        self.buckets.iter().map(UsageBucket::total).sum()
    }
}

/// What stopping a key would break: its recent uses, and from where.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct UsageImpact {
    /// Valid answers in the last 7 days.
    pub uses_7d: u64,
    /// Valid answers in the last 24 hours.
    pub uses_24h: u64,
    #[serde(with = "chrono::serde::ts_milliseconds_option")]
    pub last_used_at: Option<DateTime<Utc>>,
    /// The origins of the last 7 days' uses, busiest first ("(none)" and the like left out).
    pub origins: Vec<String>,
}

impl UsageImpact {
    /// Whether switching the key off deserves a confirmation: it answered valid in the last 24
    /// hours.
    pub fn in_use(&self, now: DateTime<Utc>) -> bool {
        self.uses_24h > 0 || self.last_used_at.is_some_and(|at| now - at < Duration::hours(24))
    }

    /// "Used 4,812 times in the last 7 days, last 3 minutes ago, from shop.example.com and 2 more."
    pub fn sentence(&self, now: DateTime<Utc>) -> String {
        let last = self.last_used_at.map(|at| relative_time(at, now));
        if self.uses_7d == 0 {
            return match (self.last_used_at, last) {
                (Some(at), Some(last)) if now - at < Duration::days(90) => {
                    format!("Not used in the last 7 days; last used {last}.")
                }
                (Some(_), _) => "Not used in the last 90 days.".to_owned(),
                _ => "Never used.".to_owned(),
            };
        }
        let times = if self.uses_7d == 1 { "once".to_owned() } else { format!("{} times", thousands(self.uses_7d)) };
        let mut sentence = format!("Used {times} in the last 7 days");
        if let Some(last) = last {
            sentence.push_str(&format!(", last {last}"));
        }
        if let Some((first, rest)) = self.origins.split_first() {
            sentence.push_str(&format!(", from {}", shown_origin(first)));
            match rest.len() {
                0 => {}
                1 => sentence.push_str(&format!(" and {}", shown_origin(&rest[0]))),
                more => sentence.push_str(&format!(" and {more} more")),
            }
        }
        sentence.push('.');
        sentence
    }
}

/// An origin as a sentence names it: `https://` left out.
fn shown_origin(origin: &str) -> &str {
    origin.strip_prefix("https://").unwrap_or(origin)
}

/// `4812` as "4,812".
pub fn thousands(n: u64) -> String {
    let digits = n.to_string();
    let mut out = String::with_capacity(digits.len() + digits.len() / 3);
    for (i, digit) in digits.chars().enumerate() {
        if i > 0 && (digits.len() - i).is_multiple_of(3) {
            out.push(',');
        }
        out.push(digit);
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_impact_sentence_says_how_much_when_and_from_where() {
        let now = Utc::now();
        let impact = UsageImpact {
            uses_7d: 4812,
            uses_24h: 100,
            last_used_at: Some(now - Duration::minutes(3)),
            origins: vec!["https://shop.example.com".into(), "https://a.example".into(), "http://b.example".into()],
        };
        assert_eq!(
            impact.sentence(now),
            "Used 4,812 times in the last 7 days, last 3 minutes ago, from shop.example.com and 2 more."
        );
        assert!(impact.in_use(now));
        let two = UsageImpact {
            uses_7d: 1,
            origins: vec!["https://a.example".into(), "http://b.example".into()],
            ..impact.clone()
        };
        assert_eq!(
            two.sentence(now),
            "Used once in the last 7 days, last 3 minutes ago, from a.example and http://b.example."
        );
        let quiet =
            UsageImpact { uses_7d: 0, uses_24h: 0, last_used_at: Some(now - Duration::days(12)), origins: vec![] };
        assert_eq!(quiet.sentence(now), "Not used in the last 7 days; last used 12 days ago.");
        assert!(!quiet.in_use(now));
        let old = UsageImpact { last_used_at: Some(now - Duration::days(200)), ..quiet.clone() };
        assert_eq!(old.sentence(now), "Not used in the last 90 days.");
        assert_eq!(UsageImpact::default().sentence(now), "Never used.");
    }

    #[test]
    fn thousands_are_separated() {
        assert_eq!(thousands(0), "0");
        assert_eq!(thousands(999), "999");
        assert_eq!(thousands(1000), "1,000");
        assert_eq!(thousands(1_234_567), "1,234,567");
    }
}
