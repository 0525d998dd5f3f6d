//! The page's whole view state, as it lives in the URL: the table's view and the open panel.

use crate::api_keys::KeyQuery;
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
}

#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct ViewState {
    pub query: KeyQuery,
    pub panel: Option<Panel>,
}

impl Panel {
    fn to_param(self) -> String {
        match self {
            Panel::New => "new".to_owned(),
            Panel::Copy(id) => format!("copy:{id}"),
            Panel::Details(id) => format!("key:{id}"),
        }
    }

    fn parse(param: &str) -> Option<Panel> {
        match param.split_once(':') {
            None if param == "new" => Some(Panel::New),
            Some(("copy", id)) => id.parse().ok().map(Panel::Copy),
            Some(("key", id)) => id.parse().ok().map(Panel::Details),
            _ => None,
        }
    }
}

impl ViewState {
    pub fn from_url_params(get: impl Fn(&str) -> Option<String>) -> Self {
        ViewState { panel: get("panel").as_deref().and_then(Panel::parse), query: KeyQuery::from_url_params(get) }
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
        }
        if query.is_empty() { crate::API_KEYS_PATH.to_owned() } else { format!("{}?{query}", crate::API_KEYS_PATH) }
    }

    pub fn with_panel(&self, panel: Option<Panel>) -> Self {
        ViewState { panel, ..self.clone() }
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
        for panel in [None, Some(Panel::New), Some(Panel::Copy(id)), Some(Panel::Details(id))] {
            let state = ViewState { query: KeyQuery { search: "x".into(), ..KeyQuery::default() }, panel };
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
}
