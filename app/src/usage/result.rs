//! The results of a verification that named a stored key. They are disjoint: each answer counts
//! once, under one result.

use crate::api_keys::refusal::Refusal;
use serde::{Deserialize, Serialize};

#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum UsageResult {
    Valid,
    Disabled,
    Expired,
    WrongPermission,
    /// Answered valid under report-only restrictions, from elsewhere than the key's list:
    /// enforcing them would have refused it.
    WouldBlock,
    /// Refused by enforced restrictions (ORIGIN_NOT_ALLOWED, NETWORK_NOT_ALLOWED).
    Blocked,
}

impl UsageResult {
    pub const COUNT: usize = 6;
    pub const ALL: [UsageResult; UsageResult::COUNT] = [
        UsageResult::Valid,
        UsageResult::Disabled,
        UsageResult::Expired,
        UsageResult::WrongPermission,
        UsageResult::WouldBlock,
        UsageResult::Blocked,
    ];
    /// The results that count as a use.
    pub const USES: [UsageResult; 2] = [UsageResult::Valid, UsageResult::WouldBlock];

    /// The result of a refusal that names a key; `None` for refusals that name none
    /// (MALFORMED, NOT_FOUND) or decide nothing about the key (UNAVAILABLE).
    pub fn of_refusal(refusal: Refusal) -> Option<UsageResult> {
        match refusal {
            Refusal::Disabled => Some(UsageResult::Disabled),
            Refusal::Expired => Some(UsageResult::Expired),
            Refusal::WrongPermission => Some(UsageResult::WrongPermission),
            Refusal::OriginNotAllowed | Refusal::NetworkNotAllowed => Some(UsageResult::Blocked),
            Refusal::Malformed | Refusal::NotFound | Refusal::Unavailable => None,
        }
    }

    /// "Used" means answered valid: report-only's would-be-blocked answers were valid too.
    pub fn is_use(self) -> bool {
        UsageResult::USES.contains(&self)
    }

    /// The stored and exported spelling.
    pub fn code(self) -> &'static str {
        match self {
            UsageResult::Valid => "valid",
            UsageResult::Disabled => "disabled",
            UsageResult::Expired => "expired",
            UsageResult::WrongPermission => "wrong_permission",
            UsageResult::WouldBlock => "would_block",
            UsageResult::Blocked => "blocked",
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
            UsageResult::WouldBlock => "Would be blocked",
            UsageResult::Blocked => "Blocked",
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
        assert_eq!(UsageResult::of_refusal(Refusal::OriginNotAllowed), Some(UsageResult::Blocked));
        assert_eq!(UsageResult::of_refusal(Refusal::NetworkNotAllowed), Some(UsageResult::Blocked));
        for none in [Refusal::Malformed, Refusal::NotFound, Refusal::Unavailable] {
            assert_eq!(UsageResult::of_refusal(none), None);
        }
        for result in UsageResult::ALL {
            assert_eq!(UsageResult::parse(result.code()), Some(result));
        }
        assert!(UsageResult::Valid.is_use() && UsageResult::WouldBlock.is_use());
        assert!(!UsageResult::Expired.is_use() && !UsageResult::Blocked.is_use());
    }
}
