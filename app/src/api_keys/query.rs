//! A view of the key table: search, filters, sort and page, as the page and the store share it.

use super::lifecycle_filter::{Days, ReplacedFilter, expired_within, expires_within};
use super::model::ApiKey;
use super::permission::Permission;
use super::search::{fold, matches_folded_search, normalize_search};
use super::status::StatusFilter;
use super::usage_filter::UsageFilter;
use crate::url_query::query_string;
use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};

/// Rows per page of the table.
pub const PAGE_SIZE: u64 = 50;

/// Where a view's keys download as CSV (the view's URL query appended; every page of it).
pub const EXPORT_PATH: &str = "/api/keys.csv";
/// The live stream of key changes (Server-Sent Events; see the server's `live`).
pub const LIVE_PATH: &str = "/api/keys/live";
/// The largest page index a view may ask for (the store shows the last page beyond the end).
pub const MAX_PAGE: u64 = 1 << 32;

#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum SortColumn {
    Name,
    #[default]
    Created,
    CreatedBy,
    Status,
    Expires,
    /// When the key last verified (the verification API writes it, a few seconds late).
    LastUsed,
    /// Valid verifications in the last 7 UTC days.
    #[serde(rename = "last_7_days")]
    Last7Days,
}

#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum SortDirection {
    Asc,
    #[default]
    Desc,
}

#[derive(Debug, Clone, Default, PartialEq, Eq, Hash, Serialize, Deserialize)]
pub struct KeyQuery {
    pub search: String,
    pub status: StatusFilter,
    /// `None`: all permissions.
    pub permission: Option<Permission>,
    #[serde(default)]
    pub usage: UsageFilter,
    /// Keys that have not expired and expire within this many days.
    #[serde(default)]
    pub expires_within: Option<Days>,
    /// Keys that expired within the last this many days.
    #[serde(default)]
    pub expired_within: Option<Days>,
    #[serde(default)]
    pub replaced: ReplacedFilter,
    pub sort: SortColumn,
    pub direction: SortDirection,
    /// Zero-based.
    pub page: u64,
}

impl KeyQuery {
    /// Whether `key` is in this view at `now`: the one definition of the filters, which the SQL
    /// the store builds must agree with (a property test checks that on both databases).
    pub fn matches(&self, key: &ApiKey, now: DateTime<Utc>) -> bool {
        let search = normalize_search(&self.search);
        self.matches_folded(key, search.as_deref(), &fold(&key.name), &fold(&key.created_by), now)
    }

    /// [`matches`](Self::matches) with the search normalized and the key's texts folded already
    /// (the browser's copy folds each key once, not at every keystroke).
    pub fn matches_folded(
        &self,
        key: &ApiKey,
        normalized_search: Option<&str>,
        name_folded: &str,
        creator_folded: &str,
        now: DateTime<Utc>,
    ) -> bool {
        normalized_search.is_none_or(|s| matches_folded_search(s, name_folded, creator_folded))
            && self.status.matches(key.enabled, key.expires_at, now)
            && self.permission.is_none_or(|p| p == key.permission)
            && self.usage.matches(key.last_used_at, now)
            && self.expires_within.is_none_or(|days| expires_within(days, key.expires_at, now))
            && self.expired_within.is_none_or(|days| expired_within(days, key.expires_at, now))
            && self.replaced.matches(key.replaced_by.is_some(), key.enabled, key.expires_at, key.last_used_at, now)
    }

    /// The filters on a key's life that are set, each with its label and the view without it.
    /// No control sets them (the notices' links and hand-made URLs do), so the toolbar shows
    /// each as a chip that removes it.
    pub fn lifecycle_filters(&self) -> Vec<(String, KeyQuery)> {
        let base = KeyQuery { page: 0, ..self.clone() };
        let mut filters = Vec::new();
        if let Some(days) = self.expires_within {
            filters
                .push((format!("Expires within {}", days.phrase()), KeyQuery { expires_within: None, ..base.clone() }));
        }
        if let Some(days) = self.expired_within {
            let label = format!("Expired in the last {}", days.phrase());
            filters.push((label, KeyQuery { expired_within: None, ..base.clone() }));
        }
        if self.replaced != ReplacedFilter::Any {
            filters.push((self.replaced.label().to_owned(), KeyQuery { replaced: ReplacedFilter::Any, ..base }));
        }
        filters
    }

    /// Whether any filter is set (the search included): an empty view then says "No API keys
    /// match these filters." and offers to clear them.
    pub fn is_filtered(&self) -> bool {
        !self.search.trim().is_empty()
            || !self.status.is_empty()
            || self.permission.is_some()
            || self.usage != UsageFilter::default()
            || self.expires_within.is_some()
            || self.expired_within.is_some()
            || self.replaced != ReplacedFilter::default()
    }
}

impl SortColumn {
    pub const ALL: [SortColumn; 7] = [
        SortColumn::Name,
        SortColumn::Created,
        SortColumn::CreatedBy,
        SortColumn::Status,
        SortColumn::Expires,
        SortColumn::LastUsed,
        SortColumn::Last7Days,
    ];

    pub fn as_str(self) -> &'static str {
        match self {
            SortColumn::Name => "name",
            SortColumn::Created => "created",
            SortColumn::CreatedBy => "created_by",
            SortColumn::Status => "status",
            SortColumn::Expires => "expires",
            SortColumn::LastUsed => "last_used",
            SortColumn::Last7Days => "last_7_days",
        }
    }
}

impl SortDirection {
    pub fn as_str(self) -> &'static str {
        match self {
            SortDirection::Asc => "asc",
            SortDirection::Desc => "desc",
        }
    }
}

/// The view as a URL query string, so a filtered view can be shared and survives reloads.
/// Defaults are left out: the plain page URL is the default view.
impl KeyQuery {
    pub fn to_url_query(&self) -> String {
        let mut pairs: Vec<(&str, String)> = Vec::new();
        if !self.search.is_empty() {
            pairs.push(("q", self.search.clone()));
        }
        let statuses: Vec<&str> = super::status::Status::ALL
            .into_iter()
            .filter(|&s| self.status.contains(s))
            .map(super::status::Status::as_str)
            .collect();
        if !statuses.is_empty() {
            pairs.push(("status", statuses.join(",")));
        }
        if let Some(permission) = self.permission {
            pairs.push(("permission", permission.as_str().to_owned()));
        }
        if self.usage != UsageFilter::default() {
            pairs.push(("usage", self.usage.as_str().to_owned()));
        }
        if let Some(days) = self.expires_within {
            pairs.push(("expires_within", days.get().to_string()));
        }
        if let Some(days) = self.expired_within {
            pairs.push(("expired_within", days.get().to_string()));
        }
        if self.replaced != ReplacedFilter::default() {
            pairs.push(("replaced", self.replaced.as_str().to_owned()));
        }
        if self.sort != SortColumn::default() {
            pairs.push(("sort", self.sort.as_str().to_owned()));
        }
        if self.direction != SortDirection::default() {
            pairs.push(("dir", self.direction.as_str().to_owned()));
        }
        if self.page != 0 {
            pairs.push(("page", (self.page + 1).to_string()));
        }
        query_string(&pairs)
    }

    /// Reads a view from URL parameters (already percent-decoded). Unknown values fall back to
    /// the defaults rather than failing: a hand-edited URL still shows a page.
    pub fn from_url_params(get: impl Fn(&str) -> Option<String>) -> Self {
        let status = get("status")
            .map(|list| {
                list.split(',')
                    .filter_map(super::status::Status::parse)
                    .fold(StatusFilter::default(), |filter, s| filter.with(s, true))
            })
            .unwrap_or_default();
        KeyQuery {
            search: get("q").unwrap_or_default(),
            status,
            permission: get("permission").and_then(|p| p.parse().ok()),
            usage: get("usage").as_deref().and_then(UsageFilter::parse).unwrap_or_default(),
            expires_within: get("expires_within").as_deref().and_then(Days::parse),
            expired_within: get("expired_within").as_deref().and_then(Days::parse),
            replaced: get("replaced").as_deref().and_then(ReplacedFilter::parse).unwrap_or_default(),
            sort: get("sort").and_then(|s| SortColumn::ALL.into_iter().find(|c| c.as_str() == s)).unwrap_or_default(),
            direction: match get("dir").as_deref() {
                Some("asc") => SortDirection::Asc,
                _ => SortDirection::Desc,
            },
            page: get("page").and_then(|p| p.parse::<u64>().ok()).map_or(0, |p| p.saturating_sub(1).min(MAX_PAGE)),
        }
    }

    /// Reads a view from a URL's decoded query pairs (the CSV download's).
    pub fn from_pairs(pairs: &[(String, String)]) -> Self {
        KeyQuery::from_url_params(|name| crate::url_query::first(pairs, name))
    }

    /// Reads a view from a URL's query string (the command line's `--query`).
    #[cfg(feature = "ssr")]
    pub fn from_query_string(text: &str) -> Self {
        KeyQuery::from_pairs(&crate::url_query::parse_query(text))
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::api_keys::status::Status;
    use std::collections::HashMap;

    fn decode(query: &str) -> HashMap<String, String> {
        crate::url_query::decode_query(query).into_iter().collect()
    }

    #[test]
    fn the_default_view_is_the_bare_url() {
        assert_eq!(KeyQuery::default().to_url_query(), "");
        assert_eq!(KeyQuery::from_url_params(|_| None), KeyQuery::default());
    }

    #[test]
    fn every_view_round_trips_through_the_url() {
        let view = KeyQuery {
            search: "été & 50%_x".into(),
            status: StatusFilter::default().with(Status::Unavailable, true).with(Status::SoonUnavailable, true),
            permission: Some(Permission::SecureMail),
            usage: UsageFilter::Idle30d,
            expires_within: Days::new(30),
            expired_within: Days::new(365),
            replaced: ReplacedFilter::InUse,
            sort: SortColumn::CreatedBy,
            direction: SortDirection::Asc,
            page: 2,
        };
        let url = view.to_url_query();
        assert_eq!(
            url,
            "q=%C3%A9t%C3%A9%20%26%2050%25_x&status=unavailable,soon_unavailable&permission=secure_mail&usage=idle_30d\
             &expires_within=30&expired_within=365&replaced=in_use&sort=created_by&dir=asc&page=3"
        );
        let params = decode(&url);
        assert_eq!(KeyQuery::from_url_params(|k| params.get(k).cloned()), view);
    }

    #[test]
    fn each_lifecycle_filter_is_removable_on_its_own() {
        let view = KeyQuery {
            usage: UsageFilter::Used7d,
            expires_within: Days::new(1),
            expired_within: Days::new(7),
            replaced: ReplacedFilter::No,
            page: 4,
            ..KeyQuery::default()
        };
        let filters = view.lifecycle_filters();
        let labels: Vec<&str> = filters.iter().map(|(label, _)| label.as_str()).collect();
        assert_eq!(labels, ["Expires within 1 day", "Expired in the last 7 days", "Not replaced"]);
        let (_, without_first) = &filters[0];
        assert_eq!(without_first, &KeyQuery { expires_within: None, page: 0, ..view.clone() });
        assert!(without_first.is_filtered());
        assert_eq!(filters[2].1.replaced, ReplacedFilter::Any);
        assert!(KeyQuery::default().lifecycle_filters().is_empty() && !KeyQuery::default().is_filtered());
    }

    #[test]
    fn nonsense_in_the_url_falls_back_to_defaults() {
        let params: HashMap<&str, &str> = [
            ("status", "bogus,available"),
            ("permission", "x"),
            ("sort", "?"),
            ("page", "0"),
            ("usage", "often"),
            ("expires_within", "0"),
            ("expired_within", "400"),
            ("replaced", "maybe"),
        ]
        .into();
        let view = KeyQuery::from_url_params(|k| params.get(k).map(|v| v.to_string()));
        assert_eq!(view.status, StatusFilter::default().with(Status::Available, true));
        assert_eq!(view.usage, UsageFilter::Any);
        assert_eq!((view.expires_within, view.expired_within, view.replaced), (None, None, ReplacedFilter::Any));
        assert_eq!((view.permission, view.sort, view.page), (None, SortColumn::Created, 0));
    }
}
