//! Where a key works: a chat key only from the web origins its admin allows, a secure-mail key
//! only from the networks allowed, first reported on and then enforced.
//!
//! - this module: the vocabulary both the page and the server use (the mode, the list, the
//!   list's limits, the traffic the panel shows);
//! - [`entry`] (server only): reading one entry as typed, in its one normal spelling;
//! - [`matcher`] (server only): a key's list compiled for verification, checked without
//!   allocating;
//! - [`server_fns`]: what the panel asks the server (an entry checked, suggestions, the
//!   report-only figures).

#[cfg(feature = "ssr")]
pub mod entry;
#[cfg(feature = "ssr")]
pub mod matcher;
pub mod server_fns;

use super::permission::Permission;
use serde::{Deserialize, Serialize};

/// Whether a key's list is applied.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Default, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum RestrictionMode {
    /// The key works from anywhere (every key's default).
    #[default]
    Off,
    /// The key works from anywhere; answers from elsewhere than the list are marked
    /// `would_block` and counted apart.
    ReportOnly,
    /// The key is refused from elsewhere than the list.
    Enforce,
}

impl RestrictionMode {
    pub const ALL: [RestrictionMode; 3] = [RestrictionMode::Off, RestrictionMode::ReportOnly, RestrictionMode::Enforce];

    /// The stored and command-line spelling: `off`, `report_only`, `enforce`.
    pub fn code(self) -> &'static str {
        match self {
            RestrictionMode::Off => "off",
            RestrictionMode::ReportOnly => "report_only",
            RestrictionMode::Enforce => "enforce",
        }
    }

    pub fn parse(code: &str) -> Option<RestrictionMode> {
        RestrictionMode::ALL.into_iter().find(|mode| mode.code() == code)
    }

    /// As the panel's radio buttons name it.
    pub fn label(self) -> &'static str {
        match self {
            RestrictionMode::Off => "Off",
            RestrictionMode::ReportOnly => "Report only",
            RestrictionMode::Enforce => "Enforce",
        }
    }
}

/// A key's restrictions: its mode and its list of allowed origins (chat keys) or networks
/// (secure-mail keys), each entry in its normal spelling (see [`entry`]). The list is kept when
/// the mode is `Off`, so switching off for a while loses nothing.
#[derive(Debug, Clone, PartialEq, Eq, Default, Serialize, Deserialize)]
pub struct Restrictions {
    #[serde(default)]
    pub mode: RestrictionMode,
    #[serde(default)]
    pub allowed: Vec<String>,
}

impl Restrictions {
    /// Off with an empty list: what every key starts with (and what the wire leaves out).
    pub fn is_default(&self) -> bool {
        *self == Restrictions::default()
    }

    /// As the audit trail records it: `Off`, `Enforce: https://a.example, https://*.b.example`.
    pub fn describe(&self) -> String {
        if self.allowed.is_empty() {
            return format!("{} (no entries)", self.mode.label());
        }
        format!("{}: {}", self.mode.label(), self.allowed.join(", "))
    }
}

/// What a key's list holds, by its permission: chat keys are used from web pages (origins),
/// secure-mail keys by servers (networks).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct ListKind {
    /// "origin" or "network".
    pub noun: &'static str,
    /// "an origin" or "a network".
    pub a_noun: &'static str,
    /// "origins" or "networks".
    pub plural: &'static str,
    /// The most entries a list may hold.
    pub max_entries: usize,
    /// An example entry for placeholders and messages.
    pub example: &'static str,
}

pub const ORIGINS: ListKind = ListKind {
    noun: "origin",
    a_noun: "an origin",
    plural: "origins",
    max_entries: 50,
    example: "https://shop.example.com",
};
pub const NETWORKS: ListKind =
    ListKind { noun: "network", a_noun: "a network", plural: "networks", max_entries: 100, example: "203.0.113.0/24" };

impl ListKind {
    pub fn of(permission: Permission) -> ListKind {
        match permission {
            Permission::Chat => ORIGINS,
            Permission::SecureMail => NETWORKS,
        }
    }

    /// Why `entry` (in its normal spelling) cannot join `list`: already there, or the list is
    /// full.
    pub fn refuse_addition(&self, list: &[String], entry: &str) -> Option<String> {
        if list.iter().any(|present| present == entry) {
            return Some(format!("{entry} is already in the list."));
        }
        if list.len() >= self.max_entries {
            return Some(format!("A key allows at most {} {}.", self.max_entries, self.plural));
        }
        None
    }
}

/// One origin or network and how many verifications came from it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct SourceCount {
    pub source: String,
    pub count: u64,
}

/// What the Restrictions fieldset shows from the key's traffic.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct RestrictionReport {
    /// In report-only mode: the verifications of the last 7 days that enforcing would have
    /// refused, busiest source first.
    pub would_block: Vec<SourceCount>,
    pub would_block_total: u64,
}

/// How many suggestions `Suggest from traffic` lists.
pub const SUGGESTIONS: usize = 20;
/// How far back suggestions look, in days.
pub const SUGGESTION_DAYS: i64 = 30;

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn modes_round_trip_and_the_default_is_off() {
        for mode in RestrictionMode::ALL {
            assert_eq!(RestrictionMode::parse(mode.code()), Some(mode));
        }
        assert_eq!(RestrictionMode::default(), RestrictionMode::Off);
        assert!(Restrictions::default().is_default());
        let old_client: Restrictions = serde_json::from_str("{}").unwrap();
        assert!(old_client.is_default());
    }

    #[test]
    fn an_addition_is_refused_when_present_or_full() {
        let list: Vec<String> = (0..50).map(|n| format!("https://s{n}.example")).collect();
        assert_eq!(
            ORIGINS.refuse_addition(&list[..2], "https://s1.example").unwrap(),
            "https://s1.example is already in the list."
        );
        assert_eq!(ORIGINS.refuse_addition(&list, "https://new.example").unwrap(), "A key allows at most 50 origins.");
        assert_eq!(ORIGINS.refuse_addition(&list[..49], "https://new.example"), None);
        assert_eq!(ListKind::of(Permission::SecureMail).max_entries, 100);
    }

    #[test]
    fn the_audit_trail_spells_out_the_list() {
        let restrictions = Restrictions {
            mode: RestrictionMode::Enforce,
            allowed: vec!["https://a.example".into(), "https://*.b.example".into()],
        };
        assert_eq!(restrictions.describe(), "Enforce: https://a.example, https://*.b.example");
        assert_eq!(Restrictions::default().describe(), "Off (no entries)");
    }
}
