//! The Audit Log page's view of the trail: its filters and page, as they live in the URL, and
//! the one rule saying which events a view shows ([`AuditQuery::matches`]); the SQL the server
//! builds must agree with it (a property test checks that on both databases).
//!
//! Unlike the keys table, a view with an unknown action or a malformed date is refused with a
//! message rather than shown unfiltered: an audit answer that silently ignored a filter would
//! mislead.

use super::{AuditAction, AuditEntry};
use crate::auth::{Action, Rights};
use crate::error::{AppError, Field};
use crate::url_query::query_string;
use chrono::{DateTime, NaiveDate, Utc};
use serde::{Deserialize, Serialize};
use uuid::Uuid;

/// Where the Audit Log page lives.
pub const AUDIT_PATH: &str = "/provisioning/audit";
/// Where a view's events download as CSV (the view's URL query appended; every page of it).
pub const EXPORT_PATH: &str = "/api/audit.csv";
/// Events per page.
pub const PAGE_SIZE: u64 = 50;
/// Counting stops here: a view with more events shows "10,000+" (see [`super::page`]).
pub const COUNT_LIMIT: u64 = 10_000;
/// The largest page index a view may ask for.
pub const MAX_PAGE: u64 = 1 << 32;
/// How dates are written in the URL and in the filters.
const DATE_FORMAT: &str = "%Y-%m-%d";

/// The key a view is narrowed to: its id (its whole history, both keys of a rotation), or the
/// exact name it had when an event was recorded.
#[derive(Debug, Clone, PartialEq, Eq, Hash, Serialize, Deserialize)]
pub enum KeyRef {
    Id(Uuid),
    Name(String),
}

impl KeyRef {
    /// An id if `text` is one, else a name; `None` when blank.
    pub fn parse(text: &str) -> Option<KeyRef> {
        let text = text.trim();
        if text.is_empty() {
            return None;
        }
        Some(text.parse().map_or_else(|_| KeyRef::Name(text.to_owned()), KeyRef::Id))
    }

    pub fn to_text(&self) -> String {
        match self {
            KeyRef::Id(id) => id.to_string(),
            KeyRef::Name(name) => name.clone(),
        }
    }
}

/// Which events a user may see at all.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
pub enum AuditScope {
    /// Key events: anyone who may see keys.
    KeyEvents,
    /// Also sign-ins and user and token changes: users with all five rights.
    Everything,
}

impl AuditScope {
    /// `None`: the user may not see the audit log at all.
    pub fn of(rights: Rights) -> Option<AuditScope> {
        if rights.is_all() {
            Some(AuditScope::Everything)
        } else {
            Action::ViewKeys.allowed(rights).then_some(AuditScope::KeyEvents)
        }
    }

    pub fn shows(self, action: AuditAction) -> bool {
        self == AuditScope::Everything || action.is_key_event()
    }

    /// The actions this scope shows, for the filter's choices.
    pub fn actions(self) -> impl Iterator<Item = AuditAction> {
        AuditAction::ALL.into_iter().filter(move |&action| self.shows(action))
    }
}

#[derive(Debug, Clone, Default, PartialEq, Eq, Hash, Serialize, Deserialize)]
pub struct AuditQuery {
    /// Exactly this actor (a user, a service token, `cli:USER`, `system`).
    pub who: Option<String>,
    /// Any of these actions (in `AuditAction::ALL` order, each once); empty: all.
    pub actions: Vec<AuditAction>,
    pub key: Option<KeyRef>,
    /// From the start of this UTC day.
    pub from: Option<NaiveDate>,
    /// To the end of this UTC day.
    pub to: Option<NaiveDate>,
    /// The events of one bulk action.
    pub batch: Option<Uuid>,
    /// Zero-based.
    pub page: u64,
}

impl AuditQuery {
    /// Whether `entry` is in this view for a user who sees `scope`: the one definition of the
    /// filters, which the server's SQL must agree with.
    pub fn matches(&self, entry: &AuditEntry, scope: AuditScope) -> bool {
        scope.shows(entry.action)
            && self.who.as_ref().is_none_or(|who| *who == entry.actor)
            && (self.actions.is_empty() || self.actions.contains(&entry.action))
            && match &self.key {
                None => true,
                Some(KeyRef::Id(id)) => entry.key_id == Some(*id) || entry.other_key_id == Some(*id),
                Some(KeyRef::Name(name)) => entry.action.is_key_event() && entry.subject == *name,
            }
            && self.since().is_none_or(|since| entry.at >= since)
            && self.until().is_none_or(|until| entry.at < until)
            && self.batch.is_none_or(|batch| entry.batch_id == Some(batch))
    }

    /// The first instant in view (the start of `from`, UTC).
    pub fn since(&self) -> Option<DateTime<Utc>> {
        self.from.and_then(|day| day.and_hms_opt(0, 0, 0)).map(|at| at.and_utc())
    }

    /// The first instant after the view (the start of the day after `to`, UTC).
    pub fn until(&self) -> Option<DateTime<Utc>> {
        self.to.and_then(|day| day.succ_opt()).and_then(|day| day.and_hms_opt(0, 0, 0)).map(|at| at.and_utc())
    }

    /// Whether any filter narrows the view (the page then offers "Clear filters").
    pub fn is_filtered(&self) -> bool {
        AuditQuery { page: 0, ..self.clone() } != AuditQuery::default()
    }

    /// The view with `action` chosen or not (the list stays in `AuditAction::ALL` order).
    pub fn with_action(&self, action: AuditAction, chosen: bool) -> AuditQuery {
        let actions = AuditAction::ALL
            .into_iter()
            .filter(|&a| if a == action { chosen } else { self.actions.contains(&a) })
            .collect();
        AuditQuery { actions, ..self.clone() }
    }

    /// The same filters on another page.
    pub fn on_page(&self, page: u64) -> AuditQuery {
        AuditQuery { page, ..self.clone() }
    }

    /// The view as a URL query string; defaults are left out.
    pub fn to_url_query(&self) -> String {
        let mut pairs: Vec<(&str, String)> = Vec::new();
        if let Some(who) = &self.who {
            pairs.push(("who", who.clone()));
        }
        if !self.actions.is_empty() {
            pairs.push(("action", self.actions.iter().map(|a| a.as_str()).collect::<Vec<_>>().join(",")));
        }
        if let Some(key) = &self.key {
            pairs.push(("key", key.to_text()));
        }
        if let Some(from) = self.from {
            pairs.push(("from", from.format(DATE_FORMAT).to_string()));
        }
        if let Some(to) = self.to {
            pairs.push(("to", to.format(DATE_FORMAT).to_string()));
        }
        if let Some(batch) = self.batch {
            pairs.push(("batch", batch.to_string()));
        }
        if self.page != 0 {
            pairs.push(("page", (self.page + 1).to_string()));
        }
        query_string(&pairs)
    }

    /// The page's URL for this view.
    pub fn href(&self) -> String {
        let query = self.to_url_query();
        if query.is_empty() { AUDIT_PATH.to_owned() } else { format!("{AUDIT_PATH}?{query}") }
    }

    /// Reads a view from URL parameters (percent-decoded; `all` gives every value of a name, so
    /// `action` may be repeated as a plain form sends it, or be a comma-separated list). Empty
    /// values mean "any". An unknown action, a malformed date or batch id, or `from` after `to`
    /// is an error that says how to write it.
    pub fn from_url_params(all: impl Fn(&str) -> Vec<String>) -> Result<AuditQuery, AppError> {
        let one = |name: &str| all(name).into_iter().map(|v| v.trim().to_owned()).find(|v| !v.is_empty());
        let mut actions = Vec::new();
        for text in all("action").iter().flat_map(|list| list.split(',')).map(str::trim).filter(|t| !t.is_empty()) {
            let action = AuditAction::parse(text).ok_or_else(|| unknown_action(text))?;
            if !actions.contains(&action) {
                actions.push(action);
            }
        }
        actions.sort_by_key(|action| AuditAction::ALL.iter().position(|a| a == action));
        let date = |name: &'static str, label: &str| -> Result<Option<NaiveDate>, AppError> {
            one(name)
                .map(|text| {
                    NaiveDate::parse_from_str(&text, DATE_FORMAT).map_err(|_| {
                        invalid(format!("{label} must be a date written as YYYY-MM-DD, like 2026-11-30; not {text:?}."))
                    })
                })
                .transpose()
        };
        let (from, to) = (date("from", "From")?, date("to", "To")?);
        if let (Some(from), Some(to)) = (from, to)
            && from > to
        {
            return Err(invalid("From must be on or before To."));
        }
        let batch = one("batch")
            .map(|text| text.parse().map_err(|_| invalid(format!("{text:?} is not a batch id."))))
            .transpose()?;
        Ok(AuditQuery {
            who: one("who"),
            actions,
            key: one("key").as_deref().and_then(KeyRef::parse),
            from,
            to,
            batch,
            page: one("page").and_then(|p| p.parse::<u64>().ok()).map_or(0, |p| p.saturating_sub(1).min(MAX_PAGE)),
        })
    }

    /// Reads a view from a URL's query string (what the server function and the CSV link get).
    #[cfg(feature = "ssr")]
    pub fn from_query_string(text: &str) -> Result<AuditQuery, AppError> {
        let pairs = crate::url_query::parse_query(text);
        AuditQuery::from_url_params(|name| crate::url_query::all(&pairs, name))
    }
}

fn invalid(message: impl ToString) -> AppError {
    AppError::invalid(Field::Filter, message)
}

fn unknown_action(text: &str) -> AppError {
    let known: Vec<&str> = AuditAction::ALL.iter().map(|a| a.as_str()).collect();
    invalid(format!("{text:?} is not an action. The actions are {}.", known.join(", ")))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn parse(pairs: &[(&str, &str)]) -> Result<AuditQuery, AppError> {
        AuditQuery::from_url_params(|name| {
            pairs.iter().filter(|(k, _)| *k == name).map(|(_, v)| v.to_string()).collect()
        })
    }

    fn entry(action: AuditAction, actor: &str, subject: &str, at: &str) -> AuditEntry {
        AuditEntry {
            id: Uuid::nil(),
            at: at.parse().unwrap(),
            actor: actor.into(),
            address: None,
            action,
            subject: subject.into(),
            changes: vec![],
            note: None,
            key_id: None,
            other_key_id: None,
            batch_id: None,
        }
    }

    #[test]
    fn the_default_view_is_the_bare_url() {
        assert_eq!(AuditQuery::default().href(), AUDIT_PATH);
        assert_eq!(parse(&[]), Ok(AuditQuery::default()));
        assert_eq!(parse(&[("who", ""), ("action", ""), ("key", "  "), ("from", "")]), Ok(AuditQuery::default()));
    }

    #[test]
    fn every_view_round_trips_through_the_url() {
        let view = AuditQuery {
            who: Some("Zoë & co".into()),
            actions: vec![AuditAction::KeyCreated, AuditAction::KeyDisabled],
            key: Some(KeyRef::Name("Chat widget 35-05".into())),
            from: NaiveDate::from_ymd_opt(2026, 11, 1),
            to: NaiveDate::from_ymd_opt(2026, 11, 30),
            batch: Some(Uuid::from_u128(7)),
            page: 4,
        };
        let query = view.to_url_query();
        assert!(
            query.starts_with("who=Zo%C3%AB%20%26%20co&action=key_created,key_disabled&key=Chat%20widget"),
            "{query}"
        );
        let pairs = crate::url_query::decode_query(&query);
        let back = AuditQuery::from_url_params(|name| {
            pairs.iter().filter(|(k, _)| k == name).map(|(_, v)| v.clone()).collect()
        });
        assert_eq!(back, Ok(view));
        let by_id = AuditQuery { key: Some(KeyRef::Id(Uuid::from_u128(9))), ..AuditQuery::default() };
        assert_eq!(parse(&[("key", &Uuid::from_u128(9).to_string())]), Ok(by_id));
    }

    #[test]
    fn actions_come_repeated_or_as_a_list_and_read_in_one_order() {
        let repeated = parse(&[("action", "key_disabled"), ("action", "key_created,key_disabled")]).unwrap();
        assert_eq!(repeated.actions, vec![AuditAction::KeyCreated, AuditAction::KeyDisabled]);
        assert_eq!(repeated.to_url_query(), "action=key_created,key_disabled");
    }

    #[test]
    fn unknown_actions_and_bad_dates_are_refused_with_a_message() {
        let message = |pairs: &[(&str, &str)]| parse(pairs).unwrap_err().to_string();
        assert!(message(&[("action", "key_created,key_exploded")]).contains("\"key_exploded\" is not an action"));
        assert!(message(&[("action", "key_exploded")]).contains("key_created, key_copied"));
        assert!(message(&[("from", "2026-13-01")]).contains("From must be a date written as YYYY-MM-DD"));
        assert!(message(&[("to", "yesterday")]).contains("To must be a date"));
        assert_eq!(message(&[("from", "2026-11-30"), ("to", "2026-11-01")]), "From must be on or before To.");
        assert!(message(&[("batch", "42")]).contains("is not a batch id"));
        assert_eq!(
            parse(&[("from", "2026-11-30"), ("to", "2026-11-30")]).unwrap().from,
            NaiveDate::from_ymd_opt(2026, 11, 30)
        );
        assert_eq!(parse(&[("action", "x")]).unwrap_err().status_code(), 400);
    }

    #[test]
    fn a_day_filter_covers_whole_utc_days() {
        let view = parse(&[("from", "2026-11-02"), ("to", "2026-11-02")]).unwrap();
        let at = |at: &str| entry(AuditAction::KeyCreated, "ana", "k", at);
        assert!(!view.matches(&at("2026-11-01T23:59:59.999Z"), AuditScope::KeyEvents));
        assert!(view.matches(&at("2026-11-02T00:00:00Z"), AuditScope::KeyEvents));
        assert!(view.matches(&at("2026-11-02T23:59:59.999Z"), AuditScope::KeyEvents));
        assert!(!view.matches(&at("2026-11-03T00:00:00Z"), AuditScope::KeyEvents));
    }

    #[test]
    fn sign_ins_and_user_changes_are_only_for_those_with_all_rights() {
        let sign_in = entry(AuditAction::SignInFailed, "mallory", "mallory", "2026-11-02T10:00:00Z");
        let key = entry(AuditAction::KeyCreated, "ana", "Shop", "2026-11-02T10:00:00Z");
        let viewer = Rights::parse_list("canView,canRead").unwrap();
        assert_eq!(AuditScope::of(viewer), Some(AuditScope::KeyEvents));
        assert_eq!(AuditScope::of(Rights::all()), Some(AuditScope::Everything));
        assert_eq!(AuditScope::of(Rights::parse_list("canView,canDelete").unwrap()), None);
        let all = AuditQuery::default();
        assert!(!all.matches(&sign_in, AuditScope::KeyEvents) && all.matches(&sign_in, AuditScope::Everything));
        assert!(all.matches(&key, AuditScope::KeyEvents));
        assert_eq!(AuditScope::KeyEvents.actions().count(), 9);
    }

    #[test]
    fn a_key_is_found_by_id_in_either_role_or_by_the_name_it_had() {
        let id = Uuid::from_u128(1);
        let mut rotated = entry(AuditAction::KeyRotated, "ana", "Shop", "2026-11-02T10:00:00Z");
        rotated.other_key_id = Some(id);
        let by_id = AuditQuery { key: Some(KeyRef::Id(id)), ..AuditQuery::default() };
        assert!(by_id.matches(&rotated, AuditScope::KeyEvents));
        let by_name = AuditQuery { key: Some(KeyRef::Name("Shop".into())), ..AuditQuery::default() };
        assert!(by_name.matches(&rotated, AuditScope::KeyEvents));
        let user_named_shop = entry(AuditAction::UserAdded, "ana", "Shop", "2026-11-02T10:00:00Z");
        assert!(!by_name.matches(&user_named_shop, AuditScope::Everything), "the Key filter finds key events");
        assert!(by_name.is_filtered() && !AuditQuery::default().on_page(3).is_filtered());
    }
}
