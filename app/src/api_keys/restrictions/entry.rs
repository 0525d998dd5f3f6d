//! One entry of a key's list, read from what an admin typed into its one normal spelling, and
//! the rules a whole list must pass before it is saved. Every refusal says what is wrong and how
//! to write it instead.
//!
//! Origins: `scheme://host[:port]`, http or https, lower case, international names in punycode
//! (A-labels), the scheme's default port left out; or `https://*.example.com`, the wildcard only
//! as the leftmost label, matching one or more labels in its place but not `example.com` itself.
//! Networks: an IPv4 or IPv6 address or CIDR block; IPv4-mapped IPv6 is written as IPv4.

use super::{ListKind, RestrictionMode, Restrictions};
use crate::api_keys::permission::Permission;
use crate::error::{AppError, Field};
use ipnet::IpNet;
use std::net::IpAddr;

/// Longer entries are not read at all.
const MAX_ENTRY_LENGTH: usize = 300;

/// `text` as an entry of a `permission` key's list, in its normal spelling.
pub fn normalise(permission: Permission, text: &str) -> Result<String, String> {
    match permission {
        Permission::Chat => normalise_origin(text),
        Permission::SecureMail => normalise_network(text),
    }
}

/// An allowed origin (or wildcard origin) in its normal spelling.
pub fn normalise_origin(text: &str) -> Result<String, String> {
    let text = text.trim();
    if text.is_empty() {
        return Err("Enter an origin, like https://shop.example.com.".to_owned());
    }
    if text.len() > MAX_ENTRY_LENGTH {
        return Err(format!("An origin is at most {MAX_ENTRY_LENGTH} characters."));
    }
    let Some((scheme, rest)) = text.split_once("://") else {
        return Err(format!("{text} is not an origin: write it with its scheme, like https://{text}."));
    };
    // The wildcard is the leftmost label only: read the rest with a plain label in its place.
    let (wildcard, rest) = match rest.strip_prefix("*.") {
        Some(after) => (true, format!("wildcard.{after}")),
        None => (false, rest.to_owned()),
    };
    if rest.contains('*') {
        return Err(format!(
            "In {text}, a wildcard may only be the whole leftmost label, as in https://*.example.com."
        ));
    }
    let url = url::Url::parse(&format!("{scheme}://{rest}")).map_err(|_| format!("{text} is not a valid origin."))?;
    if !matches!(url.scheme(), "http" | "https") {
        return Err(format!("{text} is not an http or https origin; only web origins can be allowed."));
    }
    if !url.username().is_empty() || url.password().is_some() {
        return Err(format!("An origin has no user name or password: remove them from {text}."));
    }
    let bare = |url: &url::Url| match url.port() {
        Some(port) => format!("{}://{}:{port}", url.scheme(), url.host_str().unwrap_or_default()),
        None => format!("{}://{}", url.scheme(), url.host_str().unwrap_or_default()),
    };
    if url.path() != "/" || url.query().is_some() || url.fragment().is_some() {
        let shown = bare(&url).replacen("://wildcard.", "://*.", usize::from(wildcard));
        return Err(format!("An origin has no path, query or fragment: use {shown}."));
    }
    let host = match url.host() {
        Some(url::Host::Domain(host)) => {
            let shown = host.replacen("wildcard.", "*.", usize::from(wildcard));
            if let Some(bare_host) = host.strip_suffix('.') {
                let bare_host = bare_host.replacen("wildcard.", "*.", usize::from(wildcard));
                return Err(format!("{shown} ends with a dot: write it without, as {}://{bare_host}.", url.scheme()));
            }
            // What DNS allows; longer names could never be a browser's origin. A wildcard's
            // domain leaves room for one label and its dot in front.
            let (named, longest) = match host.strip_prefix("wildcard.") {
                Some(domain) if wildcard => (domain, 251),
                _ => (host, 253),
            };
            if named.len() > longest || named.split('.').any(|label| label.is_empty() || label.len() > 63) {
                return Err(format!(
                    "{text} is not a valid origin: a host name has at most 253 characters, in labels of 1 to 63."
                ));
            }
            host.to_owned()
        }
        Some(_) if wildcard => {
            return Err(format!("{text}: a wildcard needs a domain name, not an IP address."));
        }
        Some(_) => return Ok(bare(&url)),
        None => return Err(format!("{text} is not a valid origin: it names no host.")),
    };
    if !wildcard {
        return Ok(bare(&url));
    }
    let suffix = host.strip_prefix("wildcard.").unwrap_or(&host);
    if !suffix.contains('.') {
        return Err(format!(
            "{text} would allow every site under .{suffix}: a wildcard needs at least two labels after it, as in https://*.example.com."
        ));
    }
    Ok(bare(&url).replacen("://wildcard.", "://*.", 1))
}

/// An allowed network in its normal spelling: a single address without a prefix, a block as
/// `network/prefix`.
pub fn normalise_network(text: &str) -> Result<String, String> {
    let text = text.trim();
    let example = "like 203.0.113.0/24, 198.51.100.7 or 2001:db8::/48";
    if text.is_empty() {
        return Err(format!("Enter an address or a CIDR block, {example}."));
    }
    if text.len() > MAX_ENTRY_LENGTH {
        let start: String = text.chars().take(40).collect();
        return Err(format!("{start}… is not an IP address or CIDR block ({example})."));
    }
    let net = match text.parse::<IpAddr>() {
        Ok(address) => IpNet::from(address),
        Err(_) => {
            text.parse::<IpNet>().map_err(|_| format!("{text} is not an IP address or CIDR block ({example})."))?
        }
    };
    let net = as_ipv4_if_mapped(net);
    if net.prefix_len() == 0 {
        return Err(format!("{text} allows every address; choose Off instead of listing it."));
    }
    if net.trunc() != net {
        return Err(format!("{text} has bits set past its prefix: the block is {}.", net.trunc()));
    }
    Ok(if net.prefix_len() == net.max_prefix_len() { net.addr().to_string() } else { net.to_string() })
}

/// `::ffff:198.51.100.0/120` as `198.51.100.0/24`: callers arrive as IPv4 either way.
pub fn as_ipv4_if_mapped(net: IpNet) -> IpNet {
    if let IpNet::V6(v6) = net
        && v6.prefix_len() >= 96
        && let Some(v4) = v6.addr().to_ipv4_mapped()
    {
        return IpNet::new(IpAddr::V4(v4), v6.prefix_len() - 96).unwrap_or(net);
    }
    net
}

/// Checks a whole list before it is saved: every entry read afresh (so a hand-made request
/// cannot store a spelling the matcher does not expect), no duplicates, no more than the limit,
/// and `Enforce` only with something to allow.
pub fn validate(permission: Permission, restrictions: Restrictions) -> Result<Restrictions, AppError> {
    let kind = ListKind::of(permission);
    let refuse = |message: String| AppError::invalid(Field::Restrictions, message);
    if restrictions.allowed.len() > kind.max_entries {
        return Err(refuse(format!("A key allows at most {} {}.", kind.max_entries, kind.plural)));
    }
    let mut allowed = Vec::with_capacity(restrictions.allowed.len());
    for text in &restrictions.allowed {
        let entry = normalise(permission, text).map_err(refuse)?;
        if let Some(refusal) = kind.refuse_addition(&allowed, &entry) {
            return Err(refuse(refusal));
        }
        allowed.push(entry);
    }
    if restrictions.mode == RestrictionMode::Enforce && allowed.is_empty() {
        return Err(refuse(format!(
            "Enforce needs at least one allowed {}: add one, or choose Report only or Off.",
            kind.noun
        )));
    }
    Ok(Restrictions { mode: restrictions.mode, allowed })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn origins_take_their_normal_spelling() {
        for (typed, normal) in [
            ("https://Shop.Example.com", "https://shop.example.com"),
            ("  https://shop.example.com/ ", "https://shop.example.com"),
            ("https://shop.example.com:443", "https://shop.example.com"),
            ("http://shop.example.com:80", "http://shop.example.com"),
            ("http://shop.example.com:8080", "http://shop.example.com:8080"),
            ("https://bücher.example", "https://xn--bcher-kva.example"),
            ("https://*.Example.com", "https://*.example.com"),
            ("https://*.bücher.example", "https://*.xn--bcher-kva.example"),
            ("https://*.example.com:8443", "https://*.example.com:8443"),
            ("http://127.0.0.1:3000", "http://127.0.0.1:3000"),
            ("http://[::1]:3000", "http://[::1]:3000"),
        ] {
            assert_eq!(normalise_origin(typed).as_deref(), Ok(normal), "{typed}");
        }
    }

    #[test]
    fn bad_origins_are_refused_with_a_reason() {
        for (typed, says) in [
            ("", "Enter an origin"),
            ("shop.example.com", "write it with its scheme, like https://shop.example.com"),
            ("https://shop.example.com/chat", "no path, query or fragment: use https://shop.example.com."),
            ("https://shop.example.com?x=1", "no path"),
            ("https://shop.example.com#top", "no path"),
            ("https://*.example.com/x", "use https://*.example.com."),
            ("https://user:pw@shop.example.com", "no user name or password"),
            ("https://a.*.example.com", "whole leftmost label"),
            ("https://*example.com", "whole leftmost label"),
            ("*.example.com", "with its scheme"),
            ("https://*.com", "at least two labels"),
            ("https://*.127.0.0.1", "not a valid origin"),
            ("ftp://files.example.com", "not an http or https origin"),
            ("https://exa mple.com", "not a valid origin"),
            ("https://shop.example.com:99999", "not a valid origin"),
            ("https://shop.example.com.", "ends with a dot: write it without, as https://shop.example.com."),
            ("https://*.example.com.", "ends with a dot: write it without, as https://*.example.com."),
        ] {
            let refused = normalise_origin(typed).unwrap_err();
            assert!(refused.contains(says), "{typed}: {refused}");
        }
    }

    #[test]
    fn host_names_keep_to_what_dns_allows() {
        let label = "a".repeat(63);
        let longest = format!("{label}.{label}.{label}.{}", "b".repeat(61));
        assert_eq!(longest.len(), 253);
        assert!(normalise_origin(&format!("https://{longest}")).is_ok());
        let too_long = format!("https://{longest}x");
        assert!(normalise_origin(&too_long).unwrap_err().contains("at most 253 characters"));
        let long_label = format!("https://{}.example", "a".repeat(64));
        assert!(normalise_origin(&long_label).unwrap_err().contains("labels of 1 to 63"));
        // Whatever is saved compiles: the matcher's own limit is above the longest entry.
        let saved = normalise_origin(&format!("https://*.{}", &longest[2..])).unwrap();
        let restrictions = Restrictions { mode: RestrictionMode::Enforce, allowed: vec![saved] };
        assert!(super::super::matcher::KeyRestrictions::compile(Permission::Chat, &restrictions).is_ok());
    }

    #[test]
    fn networks_take_their_normal_spelling() {
        for (typed, normal) in [
            ("203.0.113.0/24", "203.0.113.0/24"),
            ("198.51.100.7", "198.51.100.7"),
            ("198.51.100.7/32", "198.51.100.7"),
            ("2001:DB8::/48", "2001:db8::/48"),
            ("::ffff:198.51.100.0/120", "198.51.100.0/24"),
            ("::ffff:198.51.100.7", "198.51.100.7"),
        ] {
            assert_eq!(normalise_network(typed).as_deref(), Ok(normal), "{typed}");
        }
        for (typed, says) in [
            ("203.0.113.5/24", "the block is 203.0.113.0/24"),
            ("10.0.0.0/33", "not an IP address or CIDR block"),
            ("shop.example.com", "not an IP address or CIDR block"),
            ("0.0.0.0/0", "allows every address"),
            ("", "Enter an address"),
        ] {
            let refused = normalise_network(typed).unwrap_err();
            assert!(refused.contains(says), "{typed}: {refused}");
        }
    }

    #[test]
    fn a_list_is_checked_whole() {
        let list =
            |mode, entries: &[&str]| Restrictions { mode, allowed: entries.iter().map(|e| e.to_string()).collect() };
        let valid = validate(Permission::Chat, list(RestrictionMode::Enforce, &["https://A.example:443"])).unwrap();
        assert_eq!(valid.allowed, ["https://a.example"]);
        let duplicate =
            validate(Permission::Chat, list(RestrictionMode::Off, &["https://a.example", "https://A.example/"]));
        assert_eq!(duplicate.unwrap_err().to_string(), "https://a.example is already in the list.");
        let empty = validate(Permission::SecureMail, list(RestrictionMode::Enforce, &[])).unwrap_err();
        assert!(matches!(empty, AppError::Invalid { field: Field::Restrictions, .. }));
        assert!(empty.to_string().starts_with("Enforce needs at least one allowed network"), "{empty}");
        let many: Vec<String> = (0..51).map(|n| format!("https://s{n}.example")).collect();
        let too_many =
            validate(Permission::Chat, Restrictions { mode: RestrictionMode::Off, allowed: many }).unwrap_err();
        assert_eq!(too_many.to_string(), "A key allows at most 50 origins.");
        let wrong_kind = validate(Permission::SecureMail, list(RestrictionMode::Off, &["https://a.example"]));
        assert!(wrong_kind.unwrap_err().to_string().contains("not an IP address"));
        assert_eq!(validate(Permission::Chat, list(RestrictionMode::ReportOnly, &[])).unwrap().allowed.len(), 0);
    }
}
