//! The whole list of keys, held in the browser so that search, filters, sort and paging answer
//! without a request. The views it answers are the store's: the filters are
//! [`KeyQuery::matches`], and [`compare`] is the store's SQL sort order in Rust (a property test
//! checks both pick the same keys in the same order on both databases).
//!
//! Only accounts up to a limit of keys ([`DEFAULT_LIMIT`], a setting) are held; above it the
//! table asks the server for each view, as before. The list carries what the table shows and
//! nothing more: never a secret or its hash.

use super::held_key::{HeldKey, compare};
use super::key_page::KeyPage;
use super::model::ApiKey;
use super::query::{KeyQuery, PAGE_SIZE};
use super::search::normalize_search;
use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};
use std::cmp::Ordering;
use uuid::Uuid;

/// The most keys the browser holds by default (`--browser-table-limit`).
pub const DEFAULT_LIMIT: u64 = 20_000;

/// The setting, as the server functions find it in their context.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct BrowserTableLimit(pub u64);

impl Default for BrowserTableLimit {
    fn default() -> Self {
        BrowserTableLimit(DEFAULT_LIMIT)
    }
}

/// Every key, as it crosses the wire once (then again every 30 seconds for the usage figures).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct KeyList {
    pub keys: Vec<ApiKey>,
    /// Valid verifications per UTC day, the last 7 days, oldest first (keys without any are left
    /// out), as of `read_at`.
    pub weeks: Vec<(Uuid, [u64; 7])>,
    #[serde(with = "chrono::serde::ts_milliseconds")]
    pub read_at: DateTime<Utc>,
}

/// What changed in the usage figures since an instant: the keys used since (their last use and
/// their week), read at `read_at`. The browser's refresh every 30 s asks for this rather than
/// the whole list.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct UsageSince {
    pub keys: Vec<KeyUsageFigures>,
    #[serde(with = "chrono::serde::ts_milliseconds")]
    pub read_at: DateTime<Utc>,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct KeyUsageFigures {
    pub id: Uuid,
    #[serde(with = "chrono::serde::ts_milliseconds_option")]
    pub last_used_at: Option<DateTime<Utc>>,
    pub week: [u64; 7],
}

/// How far before the copy's read time a usage refresh looks: last uses are written a few
/// seconds late and counts at each flush (10 s by default), so a key used just before a refresh
/// is read again by the next one, with its counts in.
pub fn usage_refresh_overlap() -> chrono::Duration {
    chrono::Duration::seconds(90)
}

/// The keys the browser holds, in no particular order, and when the server read them.
#[derive(Debug, Clone, Default)]
pub struct HeldKeys {
    keys: Vec<HeldKey>,
    read_at: DateTime<Utc>,
}

impl From<KeyList> for HeldKeys {
    fn from(list: KeyList) -> Self {
        let mut weeks = list.weeks;
        weeks.sort_unstable_by_key(|(id, _)| *id);
        let week_of = |id: &Uuid| weeks.binary_search_by_key(id, |(id, _)| *id).map_or([0; 7], |at| weeks[at].1);
        let keys = list.keys.into_iter().map(|key| HeldKey::new(key.clone(), week_of(&key.id))).collect();
        HeldKeys { keys, read_at: list.read_at }
    }
}

impl HeldKeys {
    /// When the server read the list (the pages' `read_at`: relative dates count from it, and
    /// it stays the same from view to view, so rows shown again are not redrawn).
    pub fn read_at(&self) -> DateTime<Utc> {
        self.read_at
    }

    /// Takes in fresher usage figures (`keys` sorted by id, as the server sends them).
    pub fn refresh_usage(&mut self, usage: UsageSince) {
        let mut figures = usage.keys;
        figures.sort_unstable_by_key(|figures| figures.id);
        for held in &mut self.keys {
            if let Ok(at) = figures.binary_search_by_key(&held.key.id, |figures| figures.id) {
                let figures = &figures[at];
                held.key.last_used_at = figures.last_used_at;
                held.set_week(figures.week);
            }
        }
        self.read_at = self.read_at.max(usage.read_at);
    }

    /// Takes in a key read after a change: its uses so far stay. A read older than the key
    /// held (a slow answer overtaken by a newer one) changes nothing.
    pub fn upsert(&mut self, key: ApiKey) {
        match self.keys.iter_mut().find(|held| held.key.id == key.id) {
            Some(held) if held.key.version > key.version => {}
            Some(held) => *held = HeldKey::new(key, held.week()),
            None => self.keys.push(HeldKey::new(key, [0; 7])),
        }
    }

    pub fn remove(&mut self, id: Uuid) {
        self.keys.retain(|held| held.key.id != id);
    }

    /// The keys of `query`'s page, in order, with how many keys its view has and which page it
    /// is (a page past the end is the last page). Only the view's keys up to the page's end are
    /// sorted: a keystroke that matches most of 10,000 keys sorts 50, not 10,000.
    fn view_page(&self, query: &KeyQuery, now: DateTime<Utc>) -> (Vec<&HeldKey>, u64, u64) {
        let search = normalize_search(&query.search);
        let mut view: Vec<&HeldKey> =
            self.keys.iter().filter(|held| held.matches(query, search.as_deref(), now)).collect();
        let total = view.len() as u64;
        let page = Ord::min(query.page, total.saturating_sub(1) / PAGE_SIZE);
        let order = |a: &&HeldKey, b: &&HeldKey| compare(query.sort, query.direction, a, b, now);
        let end = ((page + 1) * PAGE_SIZE) as usize;
        if end < view.len() {
            // The page's end and every key before it in place, those before it in no order yet.
            view.select_nth_unstable_by(end, order);
            view.truncate(end);
        }
        view.sort_unstable_by(order);
        view.drain(..Ord::min((page * PAGE_SIZE) as usize, view.len()));
        (view, total, page)
    }

    /// The page `query` asks for, exactly as the store answers it: a page past the end is the
    /// last page.
    pub fn page(&self, query: &KeyQuery, now: DateTime<Utc>) -> KeyPage {
        let (rows, total, page) = self.view_page(query, now);
        page_of(rows.into_iter(), total, page, self.read_at, Vec::new())
    }

    /// The page after a change, while the admin keeps looking at `shown` (the rows on screen, in
    /// their order): rows do not move under the pointer. A shown key keeps its place with its
    /// new values; one that no longer matches stays, marked as leaving (it goes at the next
    /// change of view); a deleted one goes. A key that now belongs on this page and was not
    /// shown (a new key, say) is put in its sorted place among the shown ones.
    pub fn page_after_change(&self, query: &KeyQuery, shown: &[Uuid], now: DateTime<Utc>) -> KeyPage {
        let search = normalize_search(&query.search);
        let (view, total, page) = self.view_page(query, now);
        // The shown keys in one pass over the copy (sorted vectors: a `HashMap` here took the
        // standard hasher's code into the main wasm file, 30 KB gzip).
        let mut wanted = shown.to_vec();
        wanted.sort_unstable();
        let is_shown = |id: &Uuid| wanted.binary_search(id).is_ok();
        let mut shown_keys: Vec<&HeldKey> = self.keys.iter().filter(|held| is_shown(&held.key.id)).collect();
        shown_keys.sort_unstable_by_key(|held| held.key.id);
        let mut rows: Vec<&HeldKey> = shown
            .iter()
            .filter_map(|id| {
                let at = shown_keys.binary_search_by_key(id, |held| held.key.id).ok()?;
                Some(shown_keys[at])
            })
            .collect();
        let leaving: Vec<Uuid> =
            rows.iter().filter(|held| !held.matches(query, search.as_deref(), now)).map(|held| held.key.id).collect();
        let arriving = view.into_iter().filter(|held| !is_shown(&held.key.id));
        for held in arriving {
            let at = rows
                .iter()
                .position(|row| compare(query.sort, query.direction, held, row, now) == Ordering::Less)
                .unwrap_or(rows.len());
            rows.insert(at, held);
        }
        page_of(rows.into_iter(), total, page, self.read_at, leaving)
    }
}

fn page_of<'a>(
    rows: impl Iterator<Item = &'a HeldKey>,
    total: u64,
    page: u64,
    read_at: DateTime<Utc>,
    leaving: Vec<Uuid>,
) -> KeyPage {
    let mut keys = Vec::new();
    let mut weeks = Vec::new();
    for held in rows {
        if held.was_used_this_week() {
            weeks.push((held.key.id, held.week()));
        }
        keys.push(held.key.clone());
    }
    KeyPage { keys, total, page, page_size: PAGE_SIZE, read_at, weeks, leaving, notices: None }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::api_keys::query::{SortColumn, SortDirection};
    use crate::api_keys::restrictions::Restrictions;
    use crate::api_keys::{Permission, StatusFilter};
    use chrono::{Duration, TimeZone};

    fn now() -> DateTime<Utc> {
        Utc.with_ymd_and_hms(2026, 11, 30, 12, 0, 0).unwrap()
    }

    fn key(name: &str, minutes_old: i64) -> ApiKey {
        ApiKey {
            id: Uuid::new_v4(),
            name: name.to_owned(),
            permission: Permission::Chat,
            enabled: true,
            expires_at: None,
            created_at: now() - Duration::minutes(minutes_old),
            created_by: "ann".to_owned(),
            updated_at: now(),
            last_used_at: None,
            display_prefix: "kd_chat_x".to_owned(),
            version: 1,
            replaces: None,
            replaced_by: None,
            restrictions: Restrictions::default(),
        }
    }

    fn held(keys: &[ApiKey]) -> HeldKeys {
        HeldKeys::from(KeyList { keys: keys.to_vec(), weeks: Vec::new(), read_at: now() })
    }

    fn names(page: &KeyPage) -> Vec<&str> {
        page.keys.iter().map(|k| k.name.as_str()).collect()
    }

    fn by_name() -> KeyQuery {
        KeyQuery { sort: SortColumn::Name, direction: SortDirection::Asc, ..KeyQuery::default() }
    }

    #[test]
    fn a_page_past_the_end_is_the_last_page() {
        let keys: Vec<ApiKey> = (0..120).map(|n| key(&format!("k{n:03}"), n)).collect();
        let copy = held(&keys);
        let last = copy.page(&KeyQuery { page: 7, ..by_name() }, now());
        assert_eq!((last.page, last.total, last.keys.len()), (2, 120, 20));
        assert_eq!(names(&last)[0], "k100");
        assert_eq!(copy.page(&KeyQuery { page: 1, ..by_name() }, now()).keys[0].name, "k050");
        assert_eq!(HeldKeys::default().page(&by_name(), now()).page, 0, "an empty list has one empty page");
    }

    #[test]
    fn the_week_of_uses_sorts_and_shows() {
        let (quiet, busy) = (key("quiet", 1), key("busy", 2));
        let list = KeyList {
            keys: vec![quiet.clone(), busy.clone()],
            weeks: vec![(busy.id, [0, 0, 0, 0, 0, 2, 3])],
            read_at: now(),
        };
        let page = HeldKeys::from(list).page(&KeyQuery { sort: SortColumn::Last7Days, ..KeyQuery::default() }, now());
        assert_eq!(names(&page), ["busy", "quiet"]);
        assert_eq!(page.weeks, [(busy.id, [0, 0, 0, 0, 0, 2, 3])], "keys without uses are left out, as the store does");
    }

    #[test]
    fn rows_on_screen_stay_put_after_a_change() {
        let (a, b, c) = (key("alpha", 1), key("bravo", 2), key("delta", 3));
        let mut copy = held(&[a.clone(), b.clone(), c.clone()]);
        let view = KeyQuery { status: StatusFilter { available: true, ..StatusFilter::default() }, ..by_name() };
        let shown: Vec<Uuid> = copy.page(&view, now()).keys.iter().map(|k| k.id).collect();

        // Elsewhere: alpha is renamed past delta, bravo disabled, delta deleted, charlie created.
        copy.upsert(ApiKey { name: "zulu".into(), version: 2, ..a.clone() });
        copy.upsert(ApiKey { enabled: false, version: 2, ..b.clone() });
        copy.remove(c.id);
        let charlie = key("charlie", 0);
        copy.upsert(charlie.clone());

        let after = copy.page_after_change(&view, &shown, now());
        // The renamed key keeps its row; the disabled one stays, marked; the deleted one goes;
        // the new one goes before the first row on screen that sorts after it.
        assert_eq!(names(&after), ["charlie", "zulu", "bravo"]);
        assert_eq!(after.leaving, [b.id]);
        assert_eq!(after.total, 2, "the count is the view's");
        // The next change of view starts afresh.
        assert_eq!(names(&copy.page(&view, now())), ["charlie", "zulu"]);
    }

    #[test]
    fn a_usage_refresh_changes_the_figures_of_the_keys_it_names() {
        let (quiet, busy) = (key("quiet", 1), key("busy", 2));
        let mut copy = held(&[quiet.clone(), busy.clone()]);
        let used_at = now() + Duration::seconds(20);
        copy.refresh_usage(UsageSince {
            keys: vec![KeyUsageFigures { id: busy.id, last_used_at: Some(used_at), week: [0, 0, 0, 0, 0, 0, 4] }],
            read_at: now() + Duration::seconds(30),
        });
        let by_use = KeyQuery { sort: SortColumn::Last7Days, ..KeyQuery::default() };
        let page = copy.page(&by_use, now() + Duration::seconds(30));
        assert_eq!(names(&page), ["busy", "quiet"]);
        assert_eq!(page.keys[0].last_used_at, Some(used_at));
        assert_eq!(page.keys[1], quiet, "a key the refresh does not name keeps its figures");
        assert_eq!(page.read_at, now() + Duration::seconds(30));
    }

    #[test]
    fn an_older_read_never_undoes_a_newer_one() {
        let a = key("alpha", 1);
        let mut copy = held(&[ApiKey { name: "new".into(), version: 3, ..a.clone() }]);
        copy.upsert(ApiKey { name: "old".into(), version: 2, ..a.clone() });
        assert_eq!(names(&copy.page(&by_name(), now())), ["new"]);
    }

    #[test]
    fn a_missing_date_sorts_last_both_ways() {
        let (never, soon, later) = (key("never", 1), key("soon", 2), key("later", 3));
        let soon = ApiKey { expires_at: Some(now() + Duration::days(1)), ..soon };
        let later = ApiKey { expires_at: Some(now() + Duration::days(40)), ..later };
        let copy = held(&[never, soon, later]);
        let asc = KeyQuery { sort: SortColumn::Expires, direction: SortDirection::Asc, ..KeyQuery::default() };
        assert_eq!(names(&copy.page(&asc, now())), ["soon", "later", "never"]);
        let desc = KeyQuery { direction: SortDirection::Desc, ..asc.clone() };
        assert_eq!(names(&copy.page(&desc, now())), ["later", "soon", "never"]);
        let status = KeyQuery { sort: SortColumn::Status, direction: SortDirection::Asc, ..KeyQuery::default() };
        assert_eq!(
            names(&copy.page(&status, now())),
            ["later", "never", "soon"],
            "Available (by expiry), then Soon Unavailable"
        );
    }

    proptest::proptest! {
        /// Sorting only up to the page's end gives the same pages as sorting the whole view.
        #[test]
        fn each_page_is_the_whole_views_slice(
            specs in proptest::collection::vec((0u8..6, 0i64..4, proptest::option::of(-3i64..60), 0u64..3), 0..180),
            sort in proptest::sample::select(SortColumn::ALL.to_vec()),
            ascending in proptest::bool::ANY,
            page in 0u64..5,
        ) {
            let keys: Vec<ApiKey> = specs
                .iter()
                .map(|&(name, age, expires_in, _)| ApiKey {
                    expires_at: expires_in.map(|days| now() + Duration::days(days)),
                    ..key(&format!("key {name}"), age)
                })
                .collect();
            let weeks = keys.iter().zip(&specs).map(|(key, spec)| (key.id, [0, 0, 0, 0, 0, 0, spec.3])).collect();
            let copy = HeldKeys::from(KeyList { keys, weeks, read_at: now() });
            let direction = if ascending { SortDirection::Asc } else { SortDirection::Desc };
            let query = KeyQuery { sort, direction, page, ..KeyQuery::default() };

            let mut whole: Vec<&HeldKey> = copy.keys.iter().collect();
            whole.sort_by(|a, b| compare(sort, direction, a, b, now()));
            let last = (whole.len() as u64).saturating_sub(1) / PAGE_SIZE;
            let expected: Vec<Uuid> = whole
                .iter()
                .skip((page.min(last) * PAGE_SIZE) as usize)
                .take(PAGE_SIZE as usize)
                .map(|held| held.key.id)
                .collect();
            let shown = copy.page(&query, now());
            proptest::prop_assert_eq!(shown.keys.iter().map(|k| k.id).collect::<Vec<_>>(), expected);
            proptest::prop_assert_eq!((shown.total, shown.page), (whole.len() as u64, page.min(last)));
        }
    }
}
