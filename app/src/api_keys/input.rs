//! What an administrator asks for (a new key, a change) and the rules that check it.

use super::copy_name::{copy_base, next_copy_name, split_copy_suffix};
use super::expiry::validate_expiry;
use super::model::ApiKey;
use super::name::validate_name;
use super::permission::Permission;
use super::restrictions::Restrictions;
use crate::error::{AppError, Field};
use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};
use uuid::Uuid;

/// The "New API Key" panel's fields.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct NewKey {
    pub name: String,
    pub permission: Permission,
    pub enabled: bool,
    /// `None`: "Will never expire".
    #[serde(with = "chrono::serde::ts_milliseconds_option")]
    pub expires_at: Option<DateTime<Utc>>,
    /// Set when this key is a copy; see [`NewKey::renumbers_copy`].
    pub copied_from: Option<Uuid>,
}

impl NewKey {
    /// The panel's defaults: enabled, Chat, never expires.
    pub fn blank() -> Self {
        NewKey { name: String::new(), permission: Permission::Chat, enabled: true, expires_at: None, copied_from: None }
    }

    /// The copy the panel proposes for `source`: the next `_N` name, the source's permission and
    /// enabled flag, and its expiry only if that is still in the future.
    pub fn copy_of<'a>(source: &ApiKey, names_in_use: impl IntoIterator<Item = &'a str>, now: DateTime<Utc>) -> Self {
        NewKey {
            name: next_copy_name(&source.name, names_in_use),
            permission: source.permission,
            enabled: source.enabled,
            expires_at: source.expires_at.filter(|&at| at > now),
            copied_from: Some(source.id),
        }
    }

    /// Checks every field; the error names the first field that is wrong.
    pub fn validate(mut self, now: DateTime<Utc>) -> Result<Self, AppError> {
        self.name = validate_name(&self.name).map_err(|e| AppError::invalid(Field::Name, e))?;
        validate_expiry(self.expires_at, None, now).map_err(|e| AppError::invalid(Field::ExpiresAt, e))?;
        Ok(self)
    }

    /// A copy whose name is still of the form `base_N` for its source's base (the proposal, or
    /// any number typed in its place) gets its final number from the store, inside the creating
    /// transaction, so concurrent copies never share a name. A name of any other form is kept.
    pub fn renumbers_copy(&self, source_name: &str) -> bool {
        self.copied_from.is_some()
            && matches!(split_copy_suffix(&self.name), (base, Some(_)) if base == copy_base(source_name))
    }
}

/// Why the permission of a key cannot be edited (the guide's own words).
pub const PERMISSION_IS_FIXED: &str = "Permissions of existing API key cannot be changed";

/// The "API Key Details" panel's editable fields, with the version of the key they were made from.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct KeyChanges {
    pub name: String,
    pub enabled: bool,
    #[serde(with = "chrono::serde::ts_milliseconds_option")]
    pub expires_at: Option<DateTime<Utc>>,
    /// Sent only by clients that show the (read-only) permission; a different value is refused.
    pub permission: Option<Permission>,
    pub expected_version: i64,
    /// "Expire now": end the key at the server's present instant, whatever `expires_at` says
    /// (the browser's clock is not the server's, and a moment's difference would read as past).
    #[serde(default)]
    pub expire_now: bool,
    /// Where the key may be used from; `None` leaves them as they are.
    #[serde(default)]
    pub restrictions: Option<Restrictions>,
}

/// One field an update changed, with its old and new value as shown to people.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct FieldChange {
    pub field: Field,
    pub old: String,
    pub new: String,
}

impl FieldChange {
    /// A change of expiry, as the trail records it: RFC 3339, or `never`.
    pub fn expiry(old: Option<DateTime<Utc>>, new: Option<DateTime<Utc>>) -> Self {
        let show = |at: Option<DateTime<Utc>>| at.map_or_else(|| "never".to_owned(), |at| at.to_rfc3339());
        FieldChange { field: Field::ExpiresAt, old: show(old), new: show(new) }
    }

    /// A switch on or off.
    pub fn enabled(now_enabled: bool) -> Self {
        FieldChange { field: Field::Enabled, old: (!now_enabled).to_string(), new: now_enabled.to_string() }
    }
}

impl KeyChanges {
    /// Changes that leave `key` as it is: a start to change one thing from.
    pub fn unchanged(key: &ApiKey) -> Self {
        KeyChanges {
            name: key.name.clone(),
            enabled: key.enabled,
            expires_at: key.expires_at,
            permission: None,
            expected_version: key.version,
            expire_now: false,
            restrictions: None,
        }
    }

    /// Checks the changes against the key as it is now. `Ok` holds the validated changes and
    /// the fields they alter (empty when nothing changes).
    #[cfg(feature = "ssr")]
    pub fn validate(mut self, current: &ApiKey, now: DateTime<Utc>) -> Result<(Self, Vec<FieldChange>), AppError> {
        if self.expected_version != current.version {
            return Err(AppError::Conflict { current: Box::new(current.clone()) });
        }
        if self.permission.is_some_and(|p| p != current.permission) {
            return Err(AppError::invalid(Field::Permission, format!("{PERMISSION_IS_FIXED}.")));
        }
        self.name = validate_name(&self.name).map_err(|e| AppError::invalid(Field::Name, e))?;
        if self.expire_now {
            self.expires_at = Some(now);
        }
        validate_expiry(self.expires_at, current.expires_at, now)
            .map_err(|e| AppError::invalid(Field::ExpiresAt, e))?;
        if let Some(restrictions) = self.restrictions.take() {
            self.restrictions = Some(super::restrictions::entry::validate(current.permission, restrictions)?);
        }

        let mut changed = Vec::new();
        if self.name != current.name {
            changed.push(FieldChange { field: Field::Name, old: current.name.clone(), new: self.name.clone() });
        }
        if self.enabled != current.enabled {
            changed.push(FieldChange {
                field: Field::Enabled,
                old: current.enabled.to_string(),
                new: self.enabled.to_string(),
            });
        }
        if self.expires_at != current.expires_at {
            changed.push(FieldChange::expiry(current.expires_at, self.expires_at));
        }
        if let Some(restrictions) = self.restrictions.as_ref().filter(|&r| *r != current.restrictions) {
            changed.push(FieldChange {
                field: Field::Restrictions,
                old: current.restrictions.describe(),
                new: restrictions.describe(),
            });
        }
        Ok((self, changed))
    }
}

#[cfg(all(test, feature = "ssr"))]
mod tests {
    use super::*;
    use chrono::{Duration, TimeZone};

    fn now() -> DateTime<Utc> {
        Utc.with_ymd_and_hms(2026, 11, 27, 12, 0, 0).unwrap()
    }

    fn key(name: &str) -> ApiKey {
        ApiKey {
            replaces: None,
            replaced_by: None,
            restrictions: Restrictions::default(),
            id: Uuid::nil(),
            name: name.into(),
            permission: Permission::SecureMail,
            enabled: false,
            expires_at: None,
            created_at: now(),
            created_by: "nexus".into(),
            updated_at: now(),
            last_used_at: None,
            display_prefix: "kd_mail_abcd".into(),
            version: 3,
        }
    }

    fn changes_to(current: &ApiKey) -> KeyChanges {
        KeyChanges {
            name: current.name.clone(),
            enabled: current.enabled,
            expires_at: current.expires_at,
            permission: Some(current.permission),
            expected_version: current.version,
            expire_now: false,
            restrictions: None,
        }
    }

    #[test]
    fn a_copy_takes_permission_enabled_and_only_a_future_expiry() {
        let mut source = key("APIKEYtest");
        source.expires_at = Some(now() + Duration::days(2));
        let copy = NewKey::copy_of(&source, ["APIKEYtest", "APIKEYtest_1"], now());
        assert_eq!(copy.name, "APIKEYtest_2");
        assert_eq!(
            (copy.permission, copy.enabled, copy.expires_at),
            (Permission::SecureMail, false, source.expires_at)
        );
        assert_eq!(copy.copied_from, Some(source.id));

        source.expires_at = Some(now());
        assert_eq!(NewKey::copy_of(&source, [], now()).expires_at, None);
    }

    #[test]
    fn only_a_kept_proposal_is_renumbered() {
        let source = key("APIKEYtest_1");
        let mut copy = NewKey::copy_of(&source, ["APIKEYtest_1"], now());
        assert!(copy.renumbers_copy(&source.name));
        copy.name = "My own name".into();
        assert!(!copy.renumbers_copy(&source.name));
        copy.name = "APIKEYtest_9".into();
        copy.copied_from = None;
        assert!(!copy.renumbers_copy(&source.name));
    }

    #[test]
    fn a_new_key_is_trimmed_and_checked() {
        let mut new = NewKey::blank();
        new.name = "  Widget ".into();
        assert_eq!(new.clone().validate(now()).unwrap().name, "Widget");
        new.expires_at = Some(now() - Duration::minutes(1));
        assert!(matches!(new.clone().validate(now()), Err(AppError::Invalid { field: Field::ExpiresAt, .. })));
        new.name = " ".into();
        assert!(matches!(new.validate(now()), Err(AppError::Invalid { field: Field::Name, .. })));
    }

    #[test]
    fn a_stale_version_is_a_conflict_showing_the_current_key() {
        let current = key("k");
        let mut changes = changes_to(&current);
        changes.expected_version = 2;
        assert_eq!(changes.validate(&current, now()), Err(AppError::Conflict { current: Box::new(current) }));
    }

    #[test]
    fn the_permission_cannot_change() {
        let current = key("k");
        let mut changes = changes_to(&current);
        changes.permission = Some(Permission::Chat);
        let err = changes.validate(&current, now()).unwrap_err();
        assert_eq!(err.to_string(), "Permissions of existing API key cannot be changed.");
    }

    #[test]
    fn expire_now_uses_the_servers_clock() {
        let current = key("k");
        let mut changes = changes_to(&current);
        changes.expires_at = Some(now() - Duration::seconds(2));
        changes.expire_now = true;
        let (valid, changed) = changes.validate(&current, now()).unwrap();
        assert_eq!(valid.expires_at, Some(now()));
        assert_eq!(changed[0].field, Field::ExpiresAt);
    }

    #[test]
    fn lists_exactly_the_fields_that_change() {
        let mut current = key("old");
        current.expires_at = Some(now() - Duration::days(1));
        assert_eq!(
            changes_to(&current).validate(&current, now()).unwrap().1,
            vec![],
            "an unchanged past expiry passes"
        );

        let mut changes = changes_to(&current);
        changes.name = " new ".into();
        changes.expires_at = Some(now() + Duration::days(1));
        let (valid, changed) = changes.validate(&current, now()).unwrap();
        assert_eq!(valid.name, "new");
        assert_eq!(changed.iter().map(|c| c.field).collect::<Vec<_>>(), vec![Field::Name, Field::ExpiresAt]);
        assert_eq!((changed[0].old.as_str(), changed[0].new.as_str()), ("old", "new"));
    }

    #[test]
    fn restrictions_are_checked_and_recorded_only_when_they_change() {
        use crate::api_keys::restrictions::RestrictionMode;
        let current = key("k");
        let mut changes = changes_to(&current);
        changes.restrictions = Some(Restrictions::default());
        assert_eq!(
            changes.clone().validate(&current, now()).unwrap().1,
            vec![],
            "the same restrictions change nothing"
        );
        changes.restrictions =
            Some(Restrictions { mode: RestrictionMode::Enforce, allowed: vec!["203.0.113.9/32".into()] });
        let (valid, changed) = changes.clone().validate(&current, now()).unwrap();
        assert_eq!(valid.restrictions.unwrap().allowed, ["203.0.113.9"], "entries take their normal spelling");
        assert_eq!(
            (changed[0].field, changed[0].old.as_str(), changed[0].new.as_str()),
            (Field::Restrictions, "Off (no entries)", "Enforce: 203.0.113.9")
        );
        changes.restrictions =
            Some(Restrictions { mode: RestrictionMode::Enforce, allowed: vec!["https://a.example".into()] });
        let refused = changes.validate(&current, now()).unwrap_err();
        assert!(matches!(refused, AppError::Invalid { field: Field::Restrictions, .. }), "{refused:?}");
    }
}
