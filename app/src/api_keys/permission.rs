//! What a key may be used for. Chosen at creation and never changed afterwards.

use serde::{Deserialize, Serialize};
use std::fmt;
use std::str::FromStr;

#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
#[cfg_attr(feature = "ssr", derive(utoipa::ToSchema))]
pub enum Permission {
    Chat,
    SecureMail,
}

impl Permission {
    pub const ALL: [Permission; 2] = [Permission::Chat, Permission::SecureMail];

    /// The wire and database spelling: `chat`, `secure_mail`.
    pub fn as_str(self) -> &'static str {
        match self {
            Permission::Chat => "chat",
            Permission::SecureMail => "secure_mail",
        }
    }

    /// How the guide writes it: "Chat", "Secure Mail".
    pub fn label(self) -> &'static str {
        match self {
            Permission::Chat => "Chat",
            Permission::SecureMail => "Secure Mail",
        }
    }
}

impl fmt::Display for Permission {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.label())
    }
}

#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("unknown permission {0:?}: expected \"chat\" or \"secure_mail\"")]
pub struct UnknownPermission(pub String);

impl FromStr for Permission {
    type Err = UnknownPermission;

    fn from_str(s: &str) -> Result<Self, Self::Err> {
        Permission::ALL.into_iter().find(|p| p.as_str() == s).ok_or_else(|| UnknownPermission(s.to_owned()))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn round_trips_through_its_wire_spelling() {
        for permission in Permission::ALL {
            assert_eq!(permission.as_str().parse::<Permission>(), Ok(permission));
        }
        assert!("Chat".parse::<Permission>().is_err());
        assert_eq!(Permission::SecureMail.label(), "Secure Mail");
    }
}
