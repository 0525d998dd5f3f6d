//! One page of an Audit Log view, as the server answers it and the page shows it.

use super::AuditEntry;
use super::query::AuditScope;
use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};

/// One page of a view, as the Audit Log page shows it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct AuditPage {
    /// Newest first.
    pub entries: Vec<AuditEntry>,
    /// How many events match, counted up to [`COUNT_LIMIT`](super::query::COUNT_LIMIT).
    pub total: u64,
    /// More than [`COUNT_LIMIT`](super::query::COUNT_LIMIT) match ("10,000+").
    pub more: bool,
    pub page: u64,
    pub page_size: u64,
    #[serde(with = "chrono::serde::ts_milliseconds")]
    pub read_at: DateTime<Utc>,
    /// Everyone who acted in the scope, for the `Who` filter, in name order.
    pub actors: Vec<String>,
    pub scope: AuditScope,
}

impl AuditPage {
    /// "1 event", "1,234 events", "10,000+ events".
    pub fn count_text(&self) -> String {
        let number = crate::usage::summary::thousands(self.total);
        match (self.total, self.more) {
            (_, true) => format!("{number}+ events"),
            (1, false) => "1 event".to_owned(),
            _ => format!("{number} events"),
        }
    }

    /// Pages in all (at least 1); with more events than counted, the pages counted.
    pub fn pages(&self) -> u64 {
        self.total.div_ceil(self.page_size.max(1)).max(1)
    }

    /// Whether a page follows this one.
    pub fn has_next(&self) -> bool {
        self.page + 1 < self.pages() || (self.more && self.entries.len() as u64 == self.page_size)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::audit::AuditAction;
    use crate::audit::query::{COUNT_LIMIT, PAGE_SIZE};
    use uuid::Uuid;

    fn entry() -> AuditEntry {
        AuditEntry {
            id: Uuid::nil(),
            at: Utc::now(),
            actor: "a".into(),
            address: None,
            action: AuditAction::KeyCreated,
            subject: "k".into(),
            changes: vec![],
            note: None,
            key_id: None,
            other_key_id: None,
            batch_id: None,
        }
    }

    #[test]
    fn counts_above_the_limit_read_as_a_floor() {
        let page = |total, more, entries: usize| AuditPage {
            entries: vec![entry(); entries],
            total,
            more,
            page: 0,
            page_size: PAGE_SIZE,
            read_at: Utc::now(),
            actors: vec![],
            scope: AuditScope::Everything,
        };
        assert_eq!(page(1, false, 1).count_text(), "1 event");
        assert_eq!(page(1234, false, 50).count_text(), "1,234 events");
        assert_eq!(page(COUNT_LIMIT, true, 50).count_text(), "10,000+ events");
        assert!(!page(1, false, 1).has_next());
        assert!(page(51, false, 50).has_next());
        let last_counted = AuditPage { page: 199, ..page(COUNT_LIMIT, true, 50) };
        assert!(last_counted.has_next(), "beyond the count, a full page may have a next one");
    }
}
