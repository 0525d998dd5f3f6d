//! Where the table's rows come from after hydration. The first screen is the server's, from the
//! URL. Then, for accounts up to the server's limit of keys, the page holds the whole list (in
//! the background, without secrets) and answers every later search, filter, sort and page change
//! itself, by the same rules as the store ([`crate::api_keys::key_list`]): no request, so no
//! network round trip. Above the limit it asks the server for each view, as before. The table
//! says which through `data-source` (`browser` or `server`).
//!
//! Either way the page follows the live stream of key changes ([`live`]): a change made by
//! another admin, the command line or another instance shows within a second, and rows do not
//! move under the pointer (see [`HeldKeys::page_after_change`]).
//!
//! The code that filters, sorts and follows the stream is not needed for the first screen, so
//! it lives in lazily loaded wasm files.

#[cfg(feature = "hydrate")]
mod live;

use crate::api_keys::attention::NoticeLink;
use crate::api_keys::key_list::HeldKeys;
use crate::api_keys::{ApiKey, KeyPage, KeyQuery};
use chrono::{DateTime, Utc};
use leptos::prelude::*;
use uuid::Uuid;

#[cfg(feature = "hydrate")]
pub(crate) use live::follow;

/// Loads the code that computes views before the copy is first used: a view computed while its
/// code is still loading would suspend the whole page (and, say, take the focus from a panel).
#[cfg(feature = "hydrate")]
async fn prepare() {
    __preload_page_from_copy().await;
}

/// The browser's copy of the keys, and what the table showed last.
#[derive(Clone, Copy)]
pub(crate) struct BrowserTable {
    copy: StoredValue<CopyState>,
    /// Bumped whenever the copy changes, so the table recomputes its page.
    pub revision: RwSignal<u64>,
    /// Whether the page holds the whole list (`data-source="browser"`).
    pub holding: RwSignal<bool>,
}

#[derive(Default)]
struct CopyState {
    held: Option<HeldKeys>,
    /// The view on screen and its rows, in order.
    shown: Option<(KeyQuery, Vec<Uuid>)>,
    /// The notices the page read last (after hydration, then after each change it sees).
    notices: Option<Vec<NoticeLink>>,
}

impl BrowserTable {
    pub fn new() -> Self {
        BrowserTable {
            copy: StoredValue::new(CopyState::default()),
            revision: RwSignal::new(0),
            holding: RwSignal::new(false),
        }
    }

    /// The table's `data-source`.
    pub fn source(&self) -> &'static str {
        if self.holding.get() { "browser" } else { "server" }
    }

    /// Notes the rows now on screen for `query`, and gives the page the notices read last if
    /// it came without.
    pub fn showing(&self, query: &KeyQuery, page: &mut KeyPage) {
        let ids = page.keys.iter().map(|key| key.id).collect();
        self.copy.update_value(|copy| {
            copy.shown = Some((query.clone(), ids));
            if page.notices.is_none() {
                page.notices = copy.notices.clone();
            }
        });
    }

    /// `query`'s page from the browser's copy, when the page holds one.
    pub async fn page(self, query: KeyQuery) -> Option<KeyPage> {
        if !self.holding.get_untracked() {
            return None;
        }
        Some(page_from_copy(self, query).await)
    }

    /// Takes in what the page itself just changed, at once: the view must not show the old
    /// state meanwhile (the stream brings the change again a moment later, harmlessly).
    pub fn took(self, change: OwnChange) {
        if self.holding.get_untracked() {
            leptos::task::spawn_local(take_in(self, change));
        }
    }

    /// When the server read the copy, if the page holds one.
    #[cfg_attr(not(feature = "hydrate"), allow(dead_code))]
    fn read_at(&self) -> Option<DateTime<Utc>> {
        self.copy.with_value(|copy| copy.held.as_ref().map(HeldKeys::read_at))
    }

    #[cfg_attr(not(feature = "hydrate"), allow(dead_code))]
    fn replace(&self, keys: Option<HeldKeys>) {
        self.holding.set(keys.is_some());
        self.copy.update_value(|copy| copy.held = keys);
        self.revision.update(|n| *n += 1);
    }

    /// The notices just read: the table computes (in server mode: reads) its page again and
    /// shows them with it.
    #[cfg_attr(not(feature = "hydrate"), allow(dead_code))]
    fn set_notices(&self, notices: Vec<NoticeLink>) {
        self.copy.update_value(|copy| copy.notices = Some(notices));
        self.revision.update(|n| *n += 1);
    }

    fn change(&self, change: impl FnOnce(&mut HeldKeys)) {
        self.copy.update_value(|copy| {
            if let Some(keys) = &mut copy.held {
                change(keys);
            }
        });
        self.revision.update(|n| *n += 1);
    }
}

/// A change the page made itself.
#[derive(Debug, Clone)]
pub(crate) enum OwnChange {
    Saved(ApiKey),
    Deleted(Uuid),
}

#[lazy]
fn take_in(table: BrowserTable, change: OwnChange) {
    table.change(|keys| match change {
        OwnChange::Saved(key) => keys.upsert(key),
        OwnChange::Deleted(id) => keys.remove(id),
    });
}

/// How long to wait before the `failures`th attempt to reopen the live stream: 1 s, doubling up
/// to 30 s, and spread by `jitter` (0 to 1) over ±20 % so that pages do not return in step.
#[cfg_attr(not(feature = "hydrate"), allow(dead_code))]
pub fn reconnect_delay_millis(failures: u32, jitter: f64) -> u32 {
    let base = 1_000u32.saturating_mul(1 << failures.saturating_sub(1).min(5)).min(30_000);
    (f64::from(base) * (0.8 + 0.4 * jitter.clamp(0.0, 1.0))) as u32
}

/// The page of the view, computed in the browser. A change that left the view as it was (a
/// key changed elsewhere) keeps the rows on screen where they are; a new view starts afresh.
#[lazy]
fn page_from_copy(table: BrowserTable, query: KeyQuery) -> KeyPage {
    table.copy.with_value(|CopyState { held, shown, .. }| {
        let shown = shown.as_ref().filter(|(view, _)| *view == query).map(|(_, ids)| ids);
        let now = crate::clock::now().max(held.as_ref().map_or(DateTime::<Utc>::MIN_UTC, HeldKeys::read_at));
        match (held, shown) {
            (Some(keys), Some(shown)) => keys.page_after_change(&query, shown, now),
            (Some(keys), None) => keys.page(&query, now),
            (None, _) => HeldKeys::default().page(&query, now),
        }
    })
}

#[cfg(test)]
mod tests {
    use super::reconnect_delay_millis;

    #[test]
    fn reconnecting_backs_off_to_half_a_minute() {
        let plain: Vec<u32> = (1..=8).map(|n| reconnect_delay_millis(n, 0.5)).collect();
        assert_eq!(plain, [1_000, 2_000, 4_000, 8_000, 16_000, 30_000, 30_000, 30_000]);
        assert_eq!(reconnect_delay_millis(1, 0.0), 800);
        assert_eq!(reconnect_delay_millis(6, 1.0), 36_000);
        assert_eq!(reconnect_delay_millis(u32::MAX, 2.0), 36_000, "no overflow; jitter clamped");
    }
}
