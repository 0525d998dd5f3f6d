//! Bulk actions on a selection of keys: the whole filtered view (the page's URL names it), or
//! keys picked by hand. An action is previewed first (what changes, what is skipped and why, who
//! still uses the keys); the server keeps the preview's keys and versions under a token, and
//! applying sends only the token and the action, so requests stay small at 10,000 keys. The
//! apply is one transaction that checks every key's version: if any changed since the preview,
//! nothing is applied.

use super::expiry::validate_expiry;
use super::model::ApiKey;
use super::query::KeyQuery;
use super::status::Status;
use crate::auth::Action;
use crate::error::{AppError, Field};
use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};
use uuid::Uuid;

/// The most keys one bulk action takes (a larger view must be narrowed first).
pub const MAX_KEYS: usize = 20_000;
/// The most keys picked by hand in one selection.
pub const MAX_PICKED: usize = 1_000;
/// How many affected keys a preview lists (its counts cover them all).
pub const PREVIEW_ROWS: usize = 100;
/// How long a preview can be applied.
pub const PREVIEW_MINUTES: i64 = 15;

#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case", tag = "action")]
pub enum BulkAction {
    Enable,
    Disable,
    /// A new expiry for each key (`None`: never expires).
    SetExpiry {
        #[serde(default, with = "chrono::serde::ts_milliseconds_option")]
        expires_at: Option<DateTime<Utc>>,
    },
    Delete,
}

impl BulkAction {
    /// The right it needs, besides seeing the keys.
    pub fn needs(self) -> Action {
        match self {
            BulkAction::Enable | BulkAction::Disable | BulkAction::SetExpiry { .. } => Action::UpdateKey,
            BulkAction::Delete => Action::DeleteKey,
        }
    }

    /// The button's word: `Disable`, and with the count `Disable 37 keys`.
    pub fn verb(self) -> &'static str {
        match self {
            BulkAction::Enable => "Enable",
            BulkAction::Disable => "Disable",
            BulkAction::SetExpiry { .. } => "Set expiry of",
            BulkAction::Delete => "Delete",
        }
    }

    /// `Disable 37 keys`, `Delete 1 key`.
    pub fn button(self, count: u64) -> String {
        format!("{} {}", self.verb(), keys(count))
    }

    /// The command line's spelling.
    pub fn code(self) -> &'static str {
        match self {
            BulkAction::Enable => "enable",
            BulkAction::Disable => "disable",
            BulkAction::SetExpiry { .. } => "set-expiry",
            BulkAction::Delete => "delete",
        }
    }

    /// Whether the action can be taken at all at `now` (a new expiry must not be in the past).
    pub fn validate(self, now: DateTime<Utc>) -> Result<(), AppError> {
        if let BulkAction::SetExpiry { expires_at } = self {
            validate_expiry(expires_at, None, now).map_err(|e| AppError::invalid(Field::ExpiresAt, e))?;
        }
        Ok(())
    }

    /// Why `key` is left out of this action, if it is: nothing would change, or its state is
    /// another feature's to change.
    pub fn skips(self, key: &ApiKey) -> Option<Skip> {
        match self {
            BulkAction::Enable if key.enabled => Some(Skip::AlreadyEnabled),
            BulkAction::Disable if !key.enabled => Some(Skip::AlreadyDisabled),
            BulkAction::SetExpiry { .. } if key.replaced_by.is_some() => Some(Skip::InRotationGrace),
            BulkAction::SetExpiry { expires_at } if key.expires_at == expires_at => Some(Skip::AlreadyExpiresThen),
            _ => None,
        }
    }
}

/// Why a selected key is left out.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Skip {
    AlreadyEnabled,
    AlreadyDisabled,
    AlreadyExpiresThen,
    /// A rotation's old key: its expiry is the grace's end, changed from the rotation.
    InRotationGrace,
}

impl Skip {
    pub fn reason(self) -> &'static str {
        match self {
            Skip::AlreadyEnabled => "already enabled",
            Skip::AlreadyDisabled => "already disabled",
            Skip::AlreadyExpiresThen => "already expires then",
            Skip::InRotationGrace => "replaced in a rotation: its grace is changed from the rotation",
        }
    }
}

/// `1 key`, `37 keys`, `10,000 keys`.
pub fn keys(count: u64) -> String {
    if count == 1 { "1 key".to_owned() } else { format!("{} keys", crate::usage::summary::thousands(count)) }
}

/// What a bulk action applies to.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Selection {
    /// Every key of this view (its filters; page and sort do not matter).
    View(KeyQuery),
    /// These keys, picked by hand (at most [`MAX_PICKED`]).
    Picked(Vec<Uuid>),
}

impl Selection {
    /// Refuses an empty or oversized hand-picked selection.
    pub fn validate(&self) -> Result<(), AppError> {
        match self {
            Selection::Picked(ids) if ids.is_empty() => Err(invalid("Select at least one key.")),
            Selection::Picked(ids) if ids.len() > MAX_PICKED => Err(invalid(format!(
                "At most {MAX_PICKED} keys can be picked by hand; select all matching keys of a filtered view instead."
            ))),
            _ => Ok(()),
        }
    }
}

fn invalid(message: impl ToString) -> AppError {
    AppError::invalid(Field::Filter, message)
}

/// The refusal of a selection larger than [`MAX_KEYS`].
pub fn too_many(count: usize) -> AppError {
    invalid(format!(
        "This selection has {count} keys or more; a bulk action takes at most {}. Narrow the view first.",
        crate::usage::summary::thousands(MAX_KEYS as u64)
    ))
}

/// One affected key, as the preview lists it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct PreviewKey {
    pub id: Uuid,
    pub name: String,
    pub status: Status,
    /// Valid verifications in the last 7 days.
    pub uses_7d: u64,
}

/// What an action would do, under a token that applies it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct BulkPreview {
    pub token: Uuid,
    pub action: BulkAction,
    /// Keys the action changes.
    pub count: u64,
    /// The first [`PREVIEW_ROWS`] of them, busiest first.
    pub keys: Vec<PreviewKey>,
    /// Their valid verifications in the last 7 days, all of them.
    pub uses_7d: u64,
    /// Selected keys left out, by reason, with a few of their names.
    pub skipped: Vec<Skipped>,
    #[serde(with = "chrono::serde::ts_milliseconds")]
    pub expires_at: DateTime<Utc>,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Skipped {
    pub skip: Skip,
    pub count: u64,
    /// Up to 5 of them.
    pub names: Vec<String>,
}

impl Skipped {
    /// `2 keys skipped: already disabled (Chat A, Chat B)`.
    pub fn sentence(&self) -> String {
        let names = if self.names.is_empty() { String::new() } else { format!(" ({})", self.names.join(", ")) };
        let more = if self.count as usize > self.names.len() { ", …" } else { "" };
        let names = if more.is_empty() { names } else { format!("{}{more})", names.trim_end_matches(')')) };
        format!("{} skipped: {}{names}", keys(self.count), self.skip.reason())
    }
}

/// Sorts selected keys into those the action changes and those it skips (grouped by reason).
pub fn partition(action: BulkAction, selected: Vec<ApiKey>) -> (Vec<ApiKey>, Vec<Skipped>) {
    let mut affected = Vec::with_capacity(selected.len());
    let mut skipped: Vec<Skipped> = Vec::new();
    for key in selected {
        match action.skips(&key) {
            None => affected.push(key),
            Some(skip) => {
                let group = match skipped.iter_mut().position(|group| group.skip == skip) {
                    Some(at) => &mut skipped[at],
                    None => {
                        skipped.push(Skipped { skip, count: 0, names: Vec::new() });
                        skipped.last_mut().expect("just pushed")
                    }
                };
                group.count += 1;
                if group.names.len() < 5 {
                    group.names.push(key.name);
                }
            }
        }
    }
    skipped.sort_by_key(|group| group.skip);
    (affected, skipped)
}

/// What an applied action did.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct BulkOutcome {
    /// Shared by the action's audit events (the Audit Log's `batch` filter).
    pub batch_id: Uuid,
    pub changed: u64,
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::api_keys::Permission;
    use chrono::{Duration, TimeZone};

    fn now() -> DateTime<Utc> {
        Utc.with_ymd_and_hms(2026, 11, 30, 12, 0, 0).unwrap()
    }

    fn key(name: &str, enabled: bool, expires_at: Option<DateTime<Utc>>) -> ApiKey {
        ApiKey {
            id: Uuid::new_v4(),
            name: name.into(),
            permission: Permission::Chat,
            enabled,
            expires_at,
            created_at: now(),
            created_by: "ana".into(),
            updated_at: now(),
            last_used_at: None,
            display_prefix: "kd_chat_x".into(),
            version: 1,
            replaces: None,
            replaced_by: None,
            restrictions: Default::default(),
        }
    }

    #[test]
    fn what_would_not_change_is_skipped_with_its_reason() {
        let on = key("On", true, None);
        let off = key("Off", false, None);
        let (affected, skipped) = partition(BulkAction::Disable, vec![on.clone(), off.clone()]);
        assert_eq!(affected, vec![on.clone()]);
        assert_eq!(skipped, vec![Skipped { skip: Skip::AlreadyDisabled, count: 1, names: vec!["Off".into()] }]);
        assert_eq!(skipped[0].sentence(), "1 key skipped: already disabled (Off)");
        let (affected, _) = partition(BulkAction::Enable, vec![on.clone(), off.clone()]);
        assert_eq!(affected, vec![off.clone()]);
        let (affected, skipped) = partition(BulkAction::Delete, vec![on, off]);
        assert_eq!((affected.len(), skipped.len()), (2, 0), "nothing is skipped by Delete");
    }

    #[test]
    fn a_rotations_old_key_keeps_its_grace() {
        let later = Some(now() + Duration::days(10));
        let replaced = ApiKey { replaced_by: Some(Uuid::new_v4()), ..key("Old", true, later) };
        let same = key("Same", true, later);
        let (affected, skipped) = partition(BulkAction::SetExpiry { expires_at: later }, vec![replaced, same]);
        assert!(affected.is_empty());
        let reasons: Vec<Skip> = skipped.iter().map(|s| s.skip).collect();
        assert_eq!(reasons, vec![Skip::AlreadyExpiresThen, Skip::InRotationGrace]);
    }

    #[test]
    fn a_past_expiry_and_odd_selections_are_refused() {
        let past = BulkAction::SetExpiry { expires_at: Some(now() - Duration::minutes(1)) };
        assert!(past.validate(now()).unwrap_err().to_string().contains("now or later"));
        assert!(BulkAction::SetExpiry { expires_at: None }.validate(now()).is_ok());
        assert_eq!(Selection::Picked(vec![]).validate().unwrap_err().to_string(), "Select at least one key.");
        assert!(Selection::Picked(vec![Uuid::nil(); MAX_PICKED + 1]).validate().is_err());
        assert!(Selection::View(KeyQuery::default()).validate().is_ok());
    }

    #[test]
    fn buttons_name_the_count_and_rights_follow_the_action() {
        assert_eq!(BulkAction::Disable.button(37), "Disable 37 keys");
        assert_eq!(BulkAction::Delete.button(1), "Delete 1 key");
        assert_eq!(BulkAction::Enable.button(10_000), "Enable 10,000 keys");
        assert_eq!(BulkAction::Delete.needs(), Action::DeleteKey);
        assert_eq!(BulkAction::SetExpiry { expires_at: None }.needs(), Action::UpdateKey);
    }

    #[test]
    fn many_skipped_names_end_in_an_ellipsis() {
        let keys: Vec<ApiKey> = (0..7).map(|n| key(&format!("K{n}"), false, None)).collect();
        let (_, skipped) = partition(BulkAction::Disable, keys);
        assert_eq!(skipped[0].sentence(), "7 keys skipped: already disabled (K0, K1, K2, K3, K4, …)");
    }
}
