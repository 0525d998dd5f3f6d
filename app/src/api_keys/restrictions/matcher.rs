//! A key's restrictions compiled for verification, which asks them on every request: built once
//! when the key's facts are loaded, checked without allocating for the spellings browsers and
//! proxies send.
//!
//! Origins are looked up by host in a small hash map (exact hosts, and each shorter suffix for
//! wildcards), then scheme and port compared; networks are masks compared in a loop.

use super::entry::as_ipv4_if_mapped;
use super::{RestrictionMode, Restrictions};
use crate::api_keys::permission::Permission;
use crate::api_keys::refusal::Refusal;
use crate::usage::source::origin_label;
use ipnet::IpNet;
use std::collections::HashMap;
use std::hash::{BuildHasherDefault, Hasher};
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

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Scheme {
    Http,
    Https,
}

impl Scheme {
    /// The scheme `text` starts with (`https://` or `http://`, in any case), and the rest.
    fn split(text: &str) -> Option<(Scheme, &str)> {
        let starts = |prefix: &str| text.get(..prefix.len()).is_some_and(|start| start.eq_ignore_ascii_case(prefix));
        if starts("https://") {
            Some((Scheme::Https, &text[8..]))
        } else if starts("http://") {
            Some((Scheme::Http, &text[7..]))
        } else {
            None
        }
    }

    fn default_port(self) -> u16 {
        match self {
            Scheme::Http => 80,
            Scheme::Https => 443,
        }
    }
}

/// One list entry, filed under its host.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
struct Allowed {
    scheme: Scheme,
    port: u16,
    /// A wildcard: any host one or more labels under the one it is filed under.
    subdomains: bool,
}

/// A fast hash for the few hosts of one list (FxHash's step). The map is built from the admin's
/// list and never grows from requests, so flood resistance buys nothing here.
#[derive(Default)]
struct HostHasher(u64);

impl Hasher for HostHasher {
    fn finish(&self) -> u64 {
        self.0
    }

    fn write(&mut self, bytes: &[u8]) {
        const SEED: u64 = 0x51_7c_c1_b7_27_22_0a_95;
        let mut chunks = bytes.chunks_exact(8);
        for chunk in &mut chunks {
            let word = u64::from_le_bytes(chunk.try_into().expect("eight bytes"));
            self.0 = (self.0.rotate_left(5) ^ word).wrapping_mul(SEED);
        }
        let rest = chunks.remainder();
        if !rest.is_empty() {
            let mut word = [0; 8];
            word[..rest.len()].copy_from_slice(rest);
            self.0 = (self.0.rotate_left(5) ^ u64::from_le_bytes(word)).wrapping_mul(SEED);
        }
    }
}

#[derive(Debug, Clone, PartialEq, Eq, Default)]
struct OriginMatcher {
    by_host: HashMap<Box<str>, Vec<Allowed>, BuildHasherDefault<HostHasher>>,
    /// Bit `n` is set when a wildcard's domain has `n` labels (`*.example.com`: 2): only
    /// suffixes of those lengths are looked up.
    wildcard_labels: u64,
    /// The byte lengths of the listed hosts and of the wildcards' domains: a host of another
    /// length is not looked up at all (most refusals cost no hashing).
    exact_lengths: Lengths,
    wildcard_lengths: Lengths,
}

/// A set of lengths below [`MAX_HOST`], as bits.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
struct Lengths([u64; MAX_HOST / 64]);

impl Lengths {
    fn insert(&mut self, length: usize) {
        if length < MAX_HOST {
            self.0[length / 64] |= 1 << (length % 64);
        }
    }

    fn contains(&self, length: usize) -> bool {
        length < MAX_HOST && self.0[length / 64] & (1 << (length % 64)) != 0
    }
}

/// The longest host read without allocating (a DNS name is at most 253 characters).
const MAX_HOST: usize = 256;

/// An origin's parts: scheme, host, port (the default one when none is written).
fn split_origin(text: &str) -> Option<(Scheme, &str, u16)> {
    let (scheme, rest) = Scheme::split(text)?;
    let end = rest.bytes().position(|b| matches!(b, b'/' | b'?' | b'#')).unwrap_or(rest.len());
    let authority = &rest[..end];
    let (host, port) = match authority.rfind(':') {
        // A colon inside an IPv6 literal's brackets is not a port's.
        Some(colon) if !authority[colon..].contains(']') => {
            let port = &authority[colon + 1..];
            if port.is_empty() || port.len() > 5 || !port.bytes().all(|b| b.is_ascii_digit()) {
                return None;
            }
            (&authority[..colon], port.parse().ok()?)
        }
        _ => (authority, scheme.default_port()),
    };
    (!host.is_empty()).then_some((scheme, host, port))
}

impl OriginMatcher {
    fn compile(entries: &[String]) -> Result<OriginMatcher, String> {
        let mut matcher = OriginMatcher::default();
        for entry in entries {
            let not_normal = || format!("the allowed origin {entry:?} is not in its normal spelling");
            let (scheme, host, port) = split_origin(entry).ok_or_else(not_normal)?;
            let (host, subdomains) = match host.strip_prefix("*.") {
                Some(suffix) => (suffix, true),
                None => (host, false),
            };
            if host.bytes().any(|b| b.is_ascii_uppercase()) || entry.len() > MAX_HOST + 16 {
                return Err(not_normal());
            }
            if subdomains {
                let labels = host.split('.').count().min(63);
                matcher.wildcard_labels |= 1 << labels;
                matcher.wildcard_lengths.insert(host.len());
            } else {
                matcher.exact_lengths.insert(host.len());
            }
            matcher.by_host.entry(host.into()).or_default().push(Allowed { scheme, port, subdomains });
        }
        Ok(matcher)
    }

    /// Whether `origin` (an `Origin` value, or any URL such as a `Referer`) is allowed.
    fn allows(&self, origin: &str) -> bool {
        if let Some(allowed) = read_plain(origin, |scheme, host, port| self.allows_parts(scheme, host, port)) {
            return allowed;
        }
        // Any other spelling (an IP literal, international text, user info, percent-escapes) is
        // read the way usage labels it: with allocation, which browsers' own spelling never
        // needs.
        let label = origin_label(Some(origin));
        split_origin(&label).is_some_and(|(scheme, host, port)| self.allows_parts(scheme, host, port))
    }

    fn allows_parts(&self, scheme: Scheme, host: &str, port: u16) -> bool {
        let listed = |host: &str, wildcard: bool| {
            let lengths = if wildcard { &self.wildcard_lengths } else { &self.exact_lengths };
            lengths.contains(host.len())
                && self.by_host.get(host).is_some_and(|entries| {
                    entries.iter().any(|a| a.subdomains == wildcard && a.scheme == scheme && a.port == port)
                })
        };
        if listed(host, false) {
            return true;
        }
        if self.wildcard_labels == 0 {
            return false;
        }
        // The suffixes after a dot that ends a non-empty label, shortest first, of the lengths
        // some wildcard has: `a.b.example.com` against `*.example.com` asks for `example.com`.
        let bytes = host.as_bytes();
        let mut labels = 1u32;
        for at in (1..bytes.len().saturating_sub(1)).rev() {
            if bytes[at] != b'.' {
                continue;
            }
            if bytes[at - 1] != b'.'
                && self.wildcard_labels & (1 << labels.min(63)) != 0
                && listed(&host[at + 1..], true)
            {
                return true;
            }
            labels += 1;
        }
        false
    }
}

/// An origin spelled the plain way (a DNS name of letters, digits, dots and hyphens in any
/// case, an optional port, anything after a `/`, `?` or `#` ignored), handed to `then` as its
/// parts with the host in lower case (copied on the stack only when it has capitals). `None`
/// for any other spelling.
fn read_plain<T>(origin: &str, then: impl FnOnce(Scheme, &str, u16) -> T) -> Option<T> {
    let (scheme, host, port) = split_origin(origin)?;
    if host.len() > MAX_HOST {
        return None;
    }
    let (mut last_label_has_letter, mut capitals, mut label_start) = (false, false, true);
    for byte in host.bytes() {
        match byte {
            b'a'..=b'z' => last_label_has_letter = true,
            b'A'..=b'Z' => (last_label_has_letter, capitals) = (true, true),
            // An empty label (a leading dot, two dots) is not the plain spelling.
            b'.' if label_start => return None,
            b'.' => (last_label_has_letter, label_start) = (false, true),
            b'0'..=b'9' | b'-' => {}
            _ => return None,
        }
        label_start &= byte == b'.';
    }
    // A last label without letters may be an IPv4 address in one of its many spellings.
    if !last_label_has_letter && !host.ends_with('.') {
        return None;
    }
    if !capitals {
        return Some(then(scheme, host, port));
    }
    let mut buffer = [0; MAX_HOST];
    let lower = &mut buffer[..host.len()];
    lower.copy_from_slice(host.as_bytes());
    lower.make_ascii_lowercase();
    Some(then(scheme, std::str::from_utf8(lower).ok()?, port))
}

#[derive(Debug, Clone, PartialEq, Eq, Default)]
struct NetworkMatcher {
    /// (network, mask) pairs.
    v4: Vec<(u32, u32)>,
    v6: Vec<(u128, u128)>,
}

impl NetworkMatcher {
    fn compile(entries: &[String]) -> Result<NetworkMatcher, String> {
        let mut matcher = NetworkMatcher::default();
        for entry in entries {
            let net = match entry.parse::<IpAddr>() {
                Ok(address) => IpNet::from(address),
                Err(_) => {
                    entry.parse::<IpNet>().map_err(|_| format!("the allowed network {entry:?} does not parse"))?
                }
            };
            match as_ipv4_if_mapped(net) {
                IpNet::V4(v4) => matcher.v4.push((v4.network().to_bits(), v4.netmask().to_bits())),
                IpNet::V6(v6) => matcher.v6.push((v6.network().to_bits(), v6.netmask().to_bits())),
            }
        }
        Ok(matcher)
    }

    fn allows(&self, address: IpAddr) -> bool {
        let address = match address {
            IpAddr::V6(v6) => v6.to_ipv4_mapped().map_or(IpAddr::V6(v6), IpAddr::V4),
            v4 => v4,
        };
        match address {
            IpAddr::V4(v4) => {
                let bits = v4.to_bits();
                self.v4.iter().any(|&(network, mask)| bits & mask == network)
            }
            IpAddr::V6(v6) => {
                let bits = v6.to_bits();
                self.v6.iter().any(|&(network, mask)| bits & mask == network)
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
