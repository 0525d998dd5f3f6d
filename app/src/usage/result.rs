//! The results of a verification that named a stored key. They are disjoint: each answer counts
//! once, under one result.

use crate::api_keys::verification::Refusal;
use serde::{Deserialize, Serialize};

#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum UsageResult {
    Valid,
    Disabled,
    Expired,
    WrongPermission,
}

impl UsageResult {
    pub const ALL: [UsageResult; 4] =
        [UsageResult::Valid, UsageResult::Disabled, UsageResult::Expired, UsageResult::WrongPermission];

    /// The result of a refusal that names a key; `None` for refusals that name none
    /// (MALFORMED, NOT_FOUND) or decide nothing about the key (UNAVAILABLE).
    pub fn of_refusal(refusal: Refusal) -> Option<UsageResult> {
        match refusal {
            Refusal::Disabled => Some(UsageResult::Disabled),
            Refusal::Expired => Some(UsageResult::Expired),
            Refusal::WrongPermission => Some(UsageResult::WrongPermission),
            Refusal::Malformed | Refusal::NotFound | Refusal::Unavailable => None,
        }
    }

    /// "Used" means answered valid.
    pub fn is_use(self) -> bool {
        matches!(self, UsageResult::Valid)
    }

    /// The stored and exported spelling.
    pub fn code(self) -> &'static str {
        match self {
            UsageResult::Valid => "valid",
            UsageResult::Disabled => "disabled",
            UsageResult::Expired => "expired",
            UsageResult::WrongPermission => "wrong_permission",
        }
    }

    pub fn parse(code: &str) -> Option<UsageResult> {
        UsageResult::ALL.into_iter().find(|result| result.code() == code)
    }

    /// As people read it.
    pub fn label(self) -> &'static str {
        match self {
            UsageResult::Valid => "Valid",
            UsageResult::Disabled => "Disabled",
            UsageResult::Expired => "Expired",
            UsageResult::WrongPermission => "Wrong permission",
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn only_refusals_that_name_a_key_count_for_it() {
        assert_eq!(UsageResult::of_refusal(Refusal::Disabled), Some(UsageResult::Disabled));
        assert_eq!(UsageResult::of_refusal(Refusal::WrongPermission), Some(UsageResult::WrongPermission));
        for none in [Refusal::Malformed, Refusal::NotFound, Refusal::Unavailable] {
            assert_eq!(UsageResult::of_refusal(none), None);
        }
        for result in UsageResult::ALL {
            assert_eq!(UsageResult::parse(result.code()), Some(result));
        }
        assert!(UsageResult::Valid.is_use() && !UsageResult::Expired.is_use());
    }
}
