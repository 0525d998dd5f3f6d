//! The guide's five rights and what each action on the API Keys page needs.
//!
//! The guide spells them `Nexus.ApiKeys.canView` ... `canDelete`; both that and the short
//! `canView` are accepted wherever rights are typed.

use serde::{Deserialize, Serialize};
use std::fmt;

#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
pub enum Right {
    CanView,
    CanRead,
    CanCreate,
    CanUpdate,
    CanDelete,
}

const FULL_PREFIX: &str = "Nexus.ApiKeys.";

impl Right {
    pub const ALL: [Right; 5] = [Right::CanView, Right::CanRead, Right::CanCreate, Right::CanUpdate, Right::CanDelete];

    /// The short spelling: `canView`.
    pub fn as_str(self) -> &'static str {
        match self {
            Right::CanView => "canView",
            Right::CanRead => "canRead",
            Right::CanCreate => "canCreate",
            Right::CanUpdate => "canUpdate",
            Right::CanDelete => "canDelete",
        }
    }

    /// `canView` or `Nexus.ApiKeys.canView`.
    pub fn parse(text: &str) -> Option<Right> {
        let short = text.trim().strip_prefix(FULL_PREFIX).unwrap_or(text.trim());
        Right::ALL.into_iter().find(|right| right.as_str() == short)
    }

    fn bit(self) -> u8 {
        1 << (self as u8)
    }
}

impl fmt::Display for Right {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{FULL_PREFIX}{}", self.as_str())
    }
}

/// A set of rights.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(transparent)]
pub struct Rights(u8);

impl Rights {
    pub fn none() -> Self {
        Rights(0)
    }

    pub fn all() -> Self {
        Right::ALL.into_iter().collect()
    }

    pub fn has(self, right: Right) -> bool {
        self.0 & right.bit() != 0
    }

    pub fn is_all(self) -> bool {
        self == Rights::all()
    }

    pub fn with(self, right: Right) -> Self {
        Rights(self.0 | right.bit())
    }

    pub fn without(self, right: Right) -> Self {
        Rights(self.0 & !right.bit())
    }

    pub fn iter(self) -> impl Iterator<Item = Right> {
        Right::ALL.into_iter().filter(move |&right| self.has(right))
    }

    /// Parses a comma-separated list (`canView,canRead` or the guide's full names); `all` means
    /// all five. Unknown names are an error naming them.
    pub fn parse_list(text: &str) -> Result<Rights, String> {
        if text.trim() == "all" {
            return Ok(Rights::all());
        }
        let mut rights = Rights::none();
        for part in text.split(',').map(str::trim).filter(|p| !p.is_empty()) {
            let right = Right::parse(part).ok_or_else(|| {
                format!("unknown right {part:?}; the rights are canView, canRead, canCreate, canUpdate, canDelete")
            })?;
            rights = rights.with(right);
        }
        Ok(rights)
    }

    /// The short names, comma-separated, in the guide's order: what the database stores.
    pub fn to_list(self) -> String {
        self.iter().map(Right::as_str).collect::<Vec<_>>().join(",")
    }
}

impl FromIterator<Right> for Rights {
    fn from_iter<I: IntoIterator<Item = Right>>(iter: I) -> Self {
        iter.into_iter().fold(Rights::none(), Rights::with)
    }
}

/// What a person does on the API Keys page, each needing some rights.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Action {
    /// See the page and the keys' details: canView and canRead.
    ViewKeys,
    /// Add a key, or copy one: canCreate.
    CreateKey,
    /// Edit a key's details, or switch it on or off: canUpdate.
    UpdateKey,
    /// Delete a key: canDelete.
    DeleteKey,
    /// Add, change or remove a webhook endpoint: all five rights, since an endpoint sends every
    /// key event off-site.
    ManageWebhooks,
    /// Set one's own preferences (mail): any signed-in user.
    SetOwnPreferences,
}

impl Action {
    pub fn needs(self) -> &'static [Right] {
        match self {
            Action::ViewKeys => &[Right::CanView, Right::CanRead],
            Action::CreateKey => &[Right::CanCreate],
            Action::UpdateKey => &[Right::CanUpdate],
            Action::DeleteKey => &[Right::CanDelete],
            Action::ManageWebhooks => &Right::ALL,
            Action::SetOwnPreferences => &[],
        }
    }

    /// Whether `rights` allow this action.
    pub fn allowed(self, rights: Rights) -> bool {
        self.needs().iter().all(|&right| rights.has(right))
    }

    /// Why a person without the rights may not: shown beside the disabled control, and as the
    /// server's "forbidden" message.
    pub fn refusal(self) -> &'static str {
        match self {
            Action::ViewKeys => "You need the canView and canRead rights to see API keys.",
            Action::CreateKey => "You need the canCreate right to add or copy API keys.",
            Action::UpdateKey => "You need the canUpdate right to change API keys.",
            Action::DeleteKey => "You need the canDelete right to delete API keys.",
            Action::ManageWebhooks => {
                "You need all five rights to change webhook endpoints: they send every key event off-site."
            }
            Action::SetOwnPreferences => "Sign in to change your preferences.",
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn both_spellings_parse_and_lists_round_trip() {
        assert_eq!(Right::parse("canView"), Some(Right::CanView));
        assert_eq!(Right::parse("Nexus.ApiKeys.canDelete"), Some(Right::CanDelete));
        assert_eq!(Right::parse("Nexus.ApiKeys.canFly"), None);
        assert_eq!(Right::parse("CanView"), None, "spelled as in the guide");
        let rights = Rights::parse_list("canView, Nexus.ApiKeys.canRead,canUpdate").unwrap();
        assert_eq!(rights.to_list(), "canView,canRead,canUpdate");
        assert_eq!(Rights::parse_list(&rights.to_list()), Ok(rights));
        assert_eq!(Rights::parse_list("all"), Ok(Rights::all()));
        assert_eq!(Rights::parse_list(""), Ok(Rights::none()));
        assert!(Rights::parse_list("canView,root").unwrap_err().contains("\"root\""));
    }

    #[test]
    fn each_action_needs_its_rights() {
        let viewer = Rights::parse_list("canView,canRead").unwrap();
        assert!(Action::ViewKeys.allowed(viewer));
        assert!(!Action::ViewKeys.allowed(Rights::none().with(Right::CanView)), "canRead is needed too");
        for action in [Action::CreateKey, Action::UpdateKey, Action::DeleteKey] {
            assert!(!action.allowed(viewer));
            assert!(action.allowed(Rights::all()));
        }
        assert!(Action::DeleteKey.allowed(Rights::none().with(Right::CanDelete)));
        assert!(Rights::all().is_all() && !Rights::all().without(Right::CanRead).is_all());
    }
}
