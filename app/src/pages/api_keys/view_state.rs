//! The page's whole view state, as it lives in the URL: the table's view and the open panel.

use crate::api_keys::KeyQuery;
use crate::usage::Range;
use uuid::Uuid;

/// The right-side panel, when one is open.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Panel {
    /// "New API Key", empty.
    New,
    /// "New API Key", prefilled as a copy of this key.
    Copy(Uuid),
    /// "API Key Details" of this key.
    Details(Uuid),
    /// "Rotate API Key" for this key.
    Rotate(Uuid),
}

#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct ViewState {
    pub query: KeyQuery,
    pub panel: Option<Panel>,
    /// The details panel's usage chart range (`range=24h|7d|30d|90d`; unknown values: 7d).
    pub range: Range,
}

impl Panel {
    fn to_param(self) -> String {
        match self {
            Panel::New => "new".to_owned(),
            Panel::Copy(id) => format!("copy:{id}"),
            Panel::Details(id) => format!("key:{id}"),
            Panel::Rotate(id) => format!("rotate:{id}"),
        }
    }

    fn parse(param: &str) -> Option<Panel> {
        match param.split_once(':') {
            None if param == "new" => Some(Panel::New),
            Some(("copy", id)) => id.parse().ok().map(Panel::Copy),
            Some(("key", id)) => id.parse().ok().map(Panel::Details),
            Some(("rotate", id)) => id.parse().ok().map(Panel::Rotate),
            _ => None,
        }
    }
}

impl ViewState {
    pub fn from_url_params(get: impl Fn(&str) -> Option<String>) -> Self {
        ViewState {
            panel: get("panel").as_deref().and_then(Panel::parse),
            range: get("range").as_deref().and_then(Range::parse).unwrap_or_default(),
            query: KeyQuery::from_url_params(get),
        }
    }

    /// The page's URL for this state.
    pub fn href(&self) -> String {
        let mut query = self.query.to_url_query();
        if let Some(panel) = self.panel {
            if !query.is_empty() {
                query.push('&');
            }
            query.push_str("panel=");
            query.push_str(&panel.to_param());
            if matches!(panel, Panel::Details(_)) && self.range != Range::default() {
                query.push_str("&range=");
                query.push_str(self.range.code());
            }
        }
        if query.is_empty() { crate::API_KEYS_PATH.to_owned() } else { format!("{}?{query}", crate::API_KEYS_PATH) }
    }

    /// Another panel starts with the default range.
    pub fn with_panel(&self, panel: Option<Panel>) -> Self {
        let range = if panel == self.panel { self.range } else { Range::default() };
        ViewState { panel, range, ..self.clone() }
    }

    pub fn with_range(&self, range: Range) -> Self {
        ViewState { range, ..self.clone() }
    }

    pub fn with_query(&self, query: KeyQuery) -> Self {
        ViewState { query, ..self.clone() }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn panels_round_trip_through_the_url() {
        let id = Uuid::new_v4();
        for panel in [None, Some(Panel::New), Some(Panel::Copy(id)), Some(Panel::Details(id)), Some(Panel::Rotate(id))]
        {
            let state = ViewState {
                query: KeyQuery { search: "x".into(), ..KeyQuery::default() },
                panel,
                ..ViewState::default()
            };
            let href = state.href();
            let query = href.split_once('?').map(|(_, q)| q.to_owned()).unwrap_or_default();
            let param = |k: &str| {
                query.split('&').find_map(|pair| {
                    pair.split_once('=').filter(|(key, _)| *key == k).map(|(_, v)| v.replace("%3A", ":"))
                })
            };
            assert_eq!(ViewState::from_url_params(param), state);
        }
        assert_eq!(ViewState::default().href(), "/provisioning/api-keys");
        assert_eq!(Panel::parse("key:not-a-uuid"), None);
    }

    #[test]
    fn the_usage_range_lives_in_the_url_with_the_details_panel() {
        let details = ViewState::default().with_panel(Some(Panel::Details(Uuid::nil()))).with_range(Range::Quarter);
        assert!(details.href().ends_with("&range=90d"), "{}", details.href());
        let back = ViewState::from_url_params(|k| match k {
            "panel" => Some(format!("key:{}", Uuid::nil())),
            "range" => Some("90d".into()),
            _ => None,
        });
        assert_eq!(back, details);
        let unknown = ViewState::from_url_params(|k| (k == "range").then(|| "1y".to_owned()));
        assert_eq!(unknown.range, Range::Week, "an unknown range falls back to the default");
        assert_eq!(details.with_panel(None).range, Range::Week);
    }
}
