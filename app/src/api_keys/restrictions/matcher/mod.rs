//! A key's restrictions compiled for verification, which asks them on every request: built once
//! when the key's facts are loaded, checked without allocating for the spellings browsers and
//! proxies send.
//!
//! - [`origins`]: a chat key's allowed origins, looked up by host in a small hash map (exact
//!   hosts, and the suffix lengths wildcards have), then scheme and port compared;
//! - [`networks`]: a secure-mail key's allowed networks, masks compared in a loop.

mod networks;
mod origins;

use super::{RestrictionMode, Restrictions};
use crate::api_keys::permission::Permission;
use crate::api_keys::refusal::Refusal;
use networks::NetworkMatcher;
use origins::OriginMatcher;
use std::net::IpAddr;

/// Where a verification comes from, as given: the browser's `Origin` (or a `Referer`), and the
/// caller's address.
#[derive(Debug, Clone, Copy, Default)]
pub struct Source<'a> {
    pub origin: Option<&'a str>,
    pub address: Option<IpAddr>,
}

/// A key's restrictions when its mode is not `Off`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct KeyRestrictions {
    enforce: bool,
    rule: Rule,
}

#[derive(Debug, Clone, PartialEq, Eq)]
enum Rule {
    Origins(OriginMatcher),
    Networks(NetworkMatcher),
}

impl KeyRestrictions {
    /// Compiles stored restrictions; `None` when they are off. Entries are expected in their
    /// normal spelling (`entry::validate` wrote them); one that is not is an error.
    pub fn compile(permission: Permission, restrictions: &Restrictions) -> Result<Option<KeyRestrictions>, String> {
        let enforce = match restrictions.mode {
            RestrictionMode::Off => return Ok(None),
            RestrictionMode::ReportOnly => false,
            RestrictionMode::Enforce => true,
        };
        let rule = match permission {
            Permission::Chat => Rule::Origins(OriginMatcher::compile(&restrictions.allowed)?),
            Permission::SecureMail => Rule::Networks(NetworkMatcher::compile(&restrictions.allowed)?),
        };
        Ok(Some(KeyRestrictions { enforce, rule }))
    }

    /// Refused from elsewhere (`Enforce`), rather than only reported (`Report only`).
    pub fn is_enforced(&self) -> bool {
        self.enforce
    }

    /// `None` when `source` is on the list; else the refusal enforcing gives. A missing origin
    /// or address is not on any list.
    pub fn refusal(&self, source: &Source<'_>) -> Option<Refusal> {
        match &self.rule {
            Rule::Origins(origins) => {
                (!source.origin.is_some_and(|origin| origins.allows(origin))).then_some(Refusal::OriginNotAllowed)
            }
            Rule::Networks(networks) => {
                (!source.address.is_some_and(|address| networks.allows(address))).then_some(Refusal::NetworkNotAllowed)
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::super::entry::{normalise_network, normalise_origin};
    use super::*;
    use proptest::prelude::*;

    fn compiled(permission: Permission, mode: RestrictionMode, typed: &[&str]) -> KeyRestrictions {
        let allowed = typed
            .iter()
            .map(|text| match permission {
                Permission::Chat => normalise_origin(text).unwrap(),
                Permission::SecureMail => normalise_network(text).unwrap(),
            })
            .collect();
        KeyRestrictions::compile(permission, &Restrictions { mode, allowed }).unwrap().unwrap()
    }

    fn origins(typed: &[&str]) -> KeyRestrictions {
        compiled(Permission::Chat, RestrictionMode::Enforce, typed)
    }

    fn from(origin: &str) -> Source<'_> {
        Source { origin: Some(origin), address: None }
    }

    fn at(address: &str) -> Source<'static> {
        Source { origin: None, address: Some(address.parse().unwrap()) }
    }

    #[test]
    fn off_compiles_to_nothing() {
        let off = Restrictions { mode: RestrictionMode::Off, allowed: vec!["https://a.example".into()] };
        assert_eq!(KeyRestrictions::compile(Permission::Chat, &off), Ok(None));
    }

    #[test]
    fn origins_match_by_scheme_host_and_port() {
        let list = origins(&["https://shop.example.com", "http://localhost:3000", "https://bücher.example"]);
        for allowed in [
            "https://shop.example.com",
            "HTTPS://SHOP.EXAMPLE.COM",
            "https://shop.example.com:443",
            "https://shop.example.com/checkout?step=2",
            "http://localhost:3000",
            "https://xn--bcher-kva.example",
            "https://bücher.example/",
        ] {
            assert_eq!(list.refusal(&from(allowed)), None, "{allowed}");
        }
        for refused in [
            "http://shop.example.com",
            "https://shop.example.com:8443",
            "https://example.com",
            "https://www.shop.example.com",
            "https://shop.example.com.evil.test",
            "https://evilshop.example.com",
            "https://shop.example.com@evil.test",
            "http://localhost",
            "null",
            "",
        ] {
            assert_eq!(list.refusal(&from(refused)), Some(Refusal::OriginNotAllowed), "{refused}");
        }
        assert_eq!(list.refusal(&Source::default()), Some(Refusal::OriginNotAllowed), "no origin at all");
    }

    #[test]
    fn a_wildcard_matches_one_or_more_labels_but_not_the_bare_domain() {
        let list = origins(&["https://*.example.com"]);
        for allowed in ["https://a.example.com", "https://a.b.c.example.com", "https://A.Example.COM:443"] {
            assert_eq!(list.refusal(&from(allowed)), None, "{allowed}");
        }
        for refused in [
            "https://example.com",
            "https://evilexample.com",
            "https://a.example.com.evil.test",
            "http://a.example.com",
            "https://a.example.com:8443",
            "https://.example.com",
        ] {
            assert_eq!(list.refusal(&from(refused)), Some(Refusal::OriginNotAllowed), "{refused}");
        }
    }

    #[test]
    fn ip_literal_origins_match_in_any_spelling() {
        let list = origins(&["http://127.0.0.1:8080", "http://[::1]:3000"]);
        assert_eq!(list.refusal(&from("http://127.0.0.1:8080")), None);
        assert_eq!(list.refusal(&from("http://[0:0::1]:3000")), None);
        assert_eq!(list.refusal(&from("http://127.0.0.1")), Some(Refusal::OriginNotAllowed));
        assert_eq!(list.refusal(&from("http://[::2]:3000")), Some(Refusal::OriginNotAllowed));
    }

    #[test]
    fn networks_match_v4_v6_and_v4_mapped_v6() {
        let list = compiled(
            Permission::SecureMail,
            RestrictionMode::Enforce,
            &["203.0.113.0/24", "198.51.100.7", "2001:db8::/48"],
        );
        for allowed in ["203.0.113.1", "203.0.113.255", "198.51.100.7", "::ffff:203.0.113.9", "2001:db8:0:ffff::1"] {
            assert_eq!(list.refusal(&at(allowed)), None, "{allowed}");
        }
        for refused in ["203.0.114.1", "198.51.100.8", "2001:db9::1", "::ffff:198.51.100.8", "::1"] {
            assert_eq!(list.refusal(&at(refused)), Some(Refusal::NetworkNotAllowed), "{refused}");
        }
        assert_eq!(list.refusal(&Source::default()), Some(Refusal::NetworkNotAllowed), "no address at all");
        let mapped = compiled(Permission::SecureMail, RestrictionMode::ReportOnly, &["::ffff:10.0.0.0/104"]);
        assert_eq!(mapped.refusal(&at("10.1.2.3")), None);
        assert!(!mapped.is_enforced());
    }

    proptest! {
        #[test]
        fn exact_origins_match_whatever_the_case_and_default_port(
            labels in proptest::collection::vec("[a-z][a-z0-9]{0,10}(-[a-z0-9]{1,4})?", 1..4),
            tld in "[a-z]{2,6}",
            https in any::<bool>(),
            port in proptest::option::of(1u16..),
            flips in any::<u64>(),
            write_default_port in any::<bool>(),
        ) {
            let scheme = if https { "https" } else { "http" };
            let host = format!("{}.{tld}", labels.join("."));
            let entry = match port {
                Some(port) => format!("{scheme}://{host}:{port}"),
                None => format!("{scheme}://{host}"),
            };
            let list = origins(&[&entry]);
            let shouted: String = host
                .chars()
                .enumerate()
                .map(|(i, c)| if flips >> (i % 64) & 1 == 1 { c.to_ascii_uppercase() } else { c })
                .collect();
            let default_port = if https { 443 } else { 80 };
            let presented = match (port, write_default_port) {
                (Some(port), _) => format!("{scheme}://{shouted}:{port}"),
                (None, true) => format!("{scheme}://{shouted}:{default_port}"),
                (None, false) => format!("{scheme}://{shouted}"),
            };
            prop_assert_eq!(list.refusal(&from(&presented)), None, "{} against {}", presented, entry);
            // Look-alikes: a longer host, a host that ends the same, the other scheme.
            let other_scheme = if https { "http" } else { "https" };
            for look_alike in [
                format!("{scheme}://{host}.evil.test"),
                format!("{scheme}://evil{host}"),
                format!("{scheme}://x.{host}"),
                format!("{other_scheme}://{host}"),
            ] {
                let port_written = port.map_or_else(String::new, |port| format!(":{port}"));
                let look_alike = match look_alike.split_once("://") {
                    Some((s, h)) => format!("{s}://{h}{port_written}"),
                    None => look_alike,
                };
                prop_assert_eq!(list.refusal(&from(&look_alike)), Some(Refusal::OriginNotAllowed), "{}", look_alike);
            }
        }

        #[test]
        fn wildcards_match_any_depth_below_and_nothing_else(
            suffix in proptest::collection::vec("[a-z][a-z0-9]{0,8}", 2..4),
            below in proptest::collection::vec("[a-z0-9][a-z0-9-]{0,8}", 0..4),
        ) {
            let domain = suffix.join(".");
            let list = origins(&[&format!("https://*.{domain}")]);
            let host = if below.is_empty() { domain.clone() } else { format!("{}.{domain}", below.join(".")) };
            let expected = if below.is_empty() { Some(Refusal::OriginNotAllowed) } else { None };
            prop_assert_eq!(list.refusal(&from(&format!("https://{host}"))), expected, "{}", host);
            prop_assert_eq!(list.refusal(&from(&format!("https://{host}.evil.test"))), Some(Refusal::OriginNotAllowed));
            prop_assert_eq!(list.refusal(&from(&format!("https://x{domain}"))), Some(Refusal::OriginNotAllowed));
        }

        #[test]
        fn a_cidr_block_holds_exactly_its_addresses(network in any::<u32>(), prefix in 1u8..=32, probe in any::<u32>()) {
            let block = ipnet::Ipv4Net::new(network.into(), prefix).unwrap().trunc();
            let list = compiled(Permission::SecureMail, RestrictionMode::Enforce, &[&block.to_string()]);
            let probe = std::net::Ipv4Addr::from_bits(probe);
            let inside = block.contains(&probe);
            let expected = if inside { None } else { Some(Refusal::NetworkNotAllowed) };
            prop_assert_eq!(list.refusal(&Source { origin: None, address: Some(probe.into()) }), expected);
            let mapped = IpAddr::V6(probe.to_ipv6_mapped());
            prop_assert_eq!(list.refusal(&Source { origin: None, address: Some(mapped) }), expected, "v4-mapped v6");
        }
    }
}
