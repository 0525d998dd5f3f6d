//! Why a verification refused a key: the codes the verification API answers with, in the order
//! the checks run (`verification` applies them, usage counts by them, the page words them).

use serde::{Deserialize, Serialize};
use std::fmt;

/// Why a key was refused, in the order the checks run.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "SCREAMING_SNAKE_CASE")]
#[cfg_attr(feature = "ssr", derive(utoipa::ToSchema))]
pub enum Refusal {
    /// Not a Keydesk key: wrong prefix, length, characters or checksum. Decided without a lookup.
    Malformed,
    /// This instance has lost touch with the database for longer than it may answer from
    /// memory: it cannot tell whether the key was disabled or deleted meanwhile. Try another
    /// instance, or again shortly.
    Unavailable,
    /// Well formed, but no key has this secret (never issued, or deleted).
    NotFound,
    /// The key exists but is switched off.
    Disabled,
    /// The key's expiry instant has passed.
    Expired,
    /// The key is good but was issued for the other permission.
    WrongPermission,
    /// The key is good but enforces a list of allowed origins, and the request's origin is not
    /// on it (or it sent none).
    OriginNotAllowed,
    /// The key is good but enforces a list of allowed networks, and the caller's address is not
    /// in it (or it is unknown).
    NetworkNotAllowed,
}

impl Refusal {
    /// The wire spelling, e.g. `NOT_FOUND`.
    pub fn code(self) -> &'static str {
        match self {
            Refusal::Malformed => "MALFORMED",
            Refusal::Unavailable => "UNAVAILABLE",
            Refusal::NotFound => "NOT_FOUND",
            Refusal::Disabled => "DISABLED",
            Refusal::Expired => "EXPIRED",
            Refusal::WrongPermission => "WRONG_PERMISSION",
            Refusal::OriginNotAllowed => "ORIGIN_NOT_ALLOWED",
            Refusal::NetworkNotAllowed => "NETWORK_NOT_ALLOWED",
        }
    }

    /// A sentence for people reading a refusal.
    pub fn message(self) -> &'static str {
        match self {
            Refusal::Malformed => "The API key is not a Keydesk key, or it was mistyped.",
            Refusal::Unavailable => {
                "Verification is unavailable on this instance: its copy of the keys is too old to trust."
            }
            Refusal::NotFound => "No API key matches the one presented.",
            Refusal::Disabled => "The API key is disabled.",
            Refusal::Expired => "The API key has expired.",
            Refusal::WrongPermission => "The API key does not grant this permission.",
            Refusal::OriginNotAllowed => "The API key may not be used from this origin.",
            Refusal::NetworkNotAllowed => "The API key may not be used from this network.",
        }
    }
}

impl fmt::Display for Refusal {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.code())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn codes_are_spelled_as_on_the_wire() {
        for refusal in [
            Refusal::Malformed,
            Refusal::Unavailable,
            Refusal::NotFound,
            Refusal::Disabled,
            Refusal::Expired,
            Refusal::WrongPermission,
            Refusal::OriginNotAllowed,
            Refusal::NetworkNotAllowed,
        ] {
            assert_eq!(serde_json::to_value(refusal).unwrap(), refusal.code());
        }
    }
}
