//! A key as the browser holds it, and the table's order over such keys: the store's SQL sort
//! (`key_store::view_sql::sorted`) in Rust.

use super::model::ApiKey;
use super::query::{KeyQuery, SortColumn, SortDirection};
use super::search::fold;
use super::status::{self, Status};
use chrono::{DateTime, Utc};
use std::cmp::Ordering;

/// A key as the browser holds it: with its week of uses and its folded texts, so a keystroke
/// folds only the search.
#[derive(Debug, Clone)]
pub struct HeldKey {
    pub key: ApiKey,
    week: [u64; 7],
    week_total: u64,
    name_folded: String,
    creator_folded: String,
}

impl HeldKey {
    pub fn new(key: ApiKey, week: [u64; 7]) -> Self {
        HeldKey {
            week_total: week.iter().sum(),
            name_folded: fold(&key.name),
            creator_folded: fold(&key.created_by),
            week,
            key,
        }
    }

    /// Valid verifications per UTC day, the last 7 days, oldest first.
    pub fn week(&self) -> [u64; 7] {
        self.week
    }

    /// Takes in a fresher week of uses.
    pub fn set_week(&mut self, week: [u64; 7]) {
        self.week_total = week.iter().sum();
        self.week = week;
    }

    pub fn was_used_this_week(&self) -> bool {
        self.week_total > 0
    }

    pub fn matches(&self, query: &KeyQuery, search: Option<&str>, now: DateTime<Utc>) -> bool {
        query.matches_folded(&self.key, search, &self.name_folded, &self.creator_folded, now)
    }
}

/// The table's order, as the store's SQL sorts (`key_store::view_sql::sorted`): the column in
/// the chosen direction, then newest first, then by id, so that every two keys have an order.
/// Texts compare folded, by code point; a missing expiry or last use sorts last either way; the
/// Status column sorts Available, Soon Unavailable, Unavailable, and within each by expiry.
pub fn compare(sort: SortColumn, direction: SortDirection, a: &HeldKey, b: &HeldKey, now: DateTime<Utc>) -> Ordering {
    let directed = |ordering: Ordering| match direction {
        SortDirection::Asc => ordering,
        SortDirection::Desc => ordering.reverse(),
    };
    let (x, y) = (&a.key, &b.key);
    let by_column = match sort {
        SortColumn::Name => directed(a.name_folded.cmp(&b.name_folded)),
        SortColumn::Created => directed(x.created_at.cmp(&y.created_at)),
        SortColumn::CreatedBy => directed(a.creator_folded.cmp(&b.creator_folded)),
        SortColumn::Status => directed(status_rank(x, now).cmp(&status_rank(y, now)))
            .then_with(|| nulls_last(x.expires_at, y.expires_at, |o| o)),
        SortColumn::Expires => nulls_last(x.expires_at, y.expires_at, directed),
        SortColumn::LastUsed => nulls_last(x.last_used_at, y.last_used_at, directed),
        SortColumn::Last7Days => directed(a.week_total.cmp(&b.week_total)),
    };
    by_column.then_with(|| y.created_at.cmp(&x.created_at)).then_with(|| x.id.cmp(&y.id))
}

/// Two optional instants in `order`, with `None` last whatever the order.
fn nulls_last(a: Option<DateTime<Utc>>, b: Option<DateTime<Utc>>, order: impl Fn(Ordering) -> Ordering) -> Ordering {
    match (a, b) {
        (Some(a), Some(b)) => order(a.cmp(&b)),
        (None, None) => Ordering::Equal,
        (None, Some(_)) => Ordering::Greater,
        (Some(_), None) => Ordering::Less,
    }
}

fn status_rank(key: &ApiKey, now: DateTime<Utc>) -> u8 {
    match status::status(key.enabled, key.expires_at, now) {
        Status::Available => 0,
        Status::SoonUnavailable => 1,
        Status::Unavailable => 2,
    }
}
