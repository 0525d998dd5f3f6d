//! Where a verification came from: the browser origin a channel forwards (or the `Origin` /
//! `Referer` the `x-api-key` layer sees) and the caller's network. Both are attacker-chosen text,
//! so they are normalised into a small set of labels, and capped per key and day by the counters.

use std::net::IpAddr;

pub use super::placeholder::{INVALID, NONE, OTHER};

/// Longer values are not parsed at all.
const MAX_LENGTH: usize = 2048;

/// `scheme://host[:port]` of an `Origin` value or of any URL (a `Referer`), lower case, default
/// port left out, international names in punycode; [`NONE`] when missing, [`INVALID`] when it
/// does not parse (including the opaque origin `null`).
pub fn origin_label(value: Option<&str>) -> String {
    let Some(value) = value.map(str::trim).filter(|value| !value.is_empty()) else { return NONE.to_owned() };
    if value.len() > MAX_LENGTH {
        return INVALID.to_owned();
    }
    let Ok(url) = url::Url::parse(value) else { return INVALID.to_owned() };
    let Some(host) = url.host_str().filter(|host| !host.is_empty()) else { return INVALID.to_owned() };
    let host = host.to_ascii_lowercase();
    match url.port() {
        Some(port) => format!("{}://{host}:{port}", url.scheme()),
        None => format!("{}://{host}", url.scheme()),
    }
}

/// The caller's network: IPv4 by /24, IPv6 by /64 (an IPv4-mapped address as IPv4); [`NONE`]
/// without an address.
pub fn network_label(address: Option<IpAddr>) -> String {
    match address {
        None => NONE.to_owned(),
        Some(address) => write_network_label(address, &mut [0; NETWORK_LABEL_MAX]).to_owned(),
    }
}

/// An IPv4-mapped IPv6 address (`::ffff:203.0.113.7`) as the IPv4 address it is; any other as
/// it is. Usage groups callers, and restrictions match them, by this.
pub fn unmapped(address: IpAddr) -> IpAddr {
    match address {
        IpAddr::V6(v6) => v6.to_ipv4_mapped().map_or(IpAddr::V6(v6), IpAddr::V4),
        v4 => v4,
    }
}

/// The longest network label: an IPv6 network in full, and `/64`.
pub const NETWORK_LABEL_MAX: usize = 64;

/// [`network_label`] of `address`, written into `buffer` (no allocation: the usage counters
/// look a label up by it on every verification).
pub fn write_network_label(address: IpAddr, buffer: &mut [u8; NETWORK_LABEL_MAX]) -> &str {
    use std::io::Write;
    let address = unmapped(address);
    let mut cursor = std::io::Cursor::new(&mut buffer[..]);
    let written = match address {
        IpAddr::V4(v4) => {
            let [a, b, c, _] = v4.octets();
            write!(cursor, "{a}.{b}.{c}.0/24")
        }
        IpAddr::V6(v6) => write!(cursor, "{}/64", std::net::Ipv6Addr::from_bits(v6.to_bits() & !((1u128 << 64) - 1))),
    };
    let length = if written.is_ok() { cursor.position() as usize } else { 0 };
    std::str::from_utf8(&buffer[..length]).unwrap_or(INVALID)
}

/// [`network_label`] of an address given as text (the verification API's `client_ip`).
pub fn network_label_of_text(value: Option<&str>) -> String {
    match value.map(str::trim).filter(|value| !value.is_empty()) {
        None => NONE.to_owned(),
        Some(text) => text.parse::<IpAddr>().map_or_else(|_| INVALID.to_owned(), |ip| network_label(Some(ip))),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    #[test]
    fn origins_are_normalised() {
        assert_eq!(origin_label(Some("https://Shop.Example.com")), "https://shop.example.com");
        assert_eq!(origin_label(Some("https://shop.example.com:443")), "https://shop.example.com");
        assert_eq!(origin_label(Some("http://shop.example.com:8080/")), "http://shop.example.com:8080");
        assert_eq!(origin_label(Some("https://shop.example.com/cart?x=1#y")), "https://shop.example.com");
        assert_eq!(origin_label(Some("https://bücher.example")), "https://xn--bcher-kva.example");
        assert_eq!(origin_label(Some("http://[::1]:3000")), "http://[::1]:3000");
        assert_eq!(origin_label(None), NONE);
        assert_eq!(origin_label(Some("  ")), NONE);
        for invalid in ["null", "shop.example.com", "https://", "file:///etc/passwd", "javascript:alert(1)"] {
            assert_eq!(origin_label(Some(invalid)), INVALID, "{invalid}");
        }
        assert_eq!(origin_label(Some(&format!("https://{}.example", "a".repeat(3000)))), INVALID);
    }

    #[test]
    fn networks_are_grouped() {
        assert_eq!(network_label(Some("203.0.113.77".parse().unwrap())), "203.0.113.0/24");
        assert_eq!(network_label(Some("::ffff:203.0.113.77".parse().unwrap())), "203.0.113.0/24");
        assert_eq!(network_label(Some("2001:db8:1:2:3:4:5:6".parse().unwrap())), "2001:db8:1:2::/64");
        assert_eq!(network_label_of_text(Some("not an address")), INVALID);
        assert_eq!(network_label_of_text(None), NONE);
    }

    proptest! {
        #[test]
        fn a_label_is_a_fixed_point_and_never_carries_a_path_or_upper_case(
            scheme in "(http|https|HTTP|HtTpS)",
            host in "[a-zA-Z0-9]{1,12}(\\.[a-zA-Z0-9]{1,8}){0,3}",
            port in proptest::option::of(1u16..),
            tail in "(/[a-z0-9?=#&]{0,12})?",
        ) {
            let text = match port {
                Some(port) => format!("{scheme}://{host}:{port}{tail}"),
                None => format!("{scheme}://{host}{tail}"),
            };
            let label = origin_label(Some(&text));
            prop_assert_eq!(origin_label(Some(&label)), label.clone(), "normalising twice changes nothing");
            if label != INVALID {
                prop_assert_eq!(label.to_ascii_lowercase(), label.clone());
                prop_assert!(!label.ends_with(":80") || label.starts_with("https"));
                prop_assert!(!label.ends_with(":443") || label.starts_with("http:"));
                prop_assert_eq!(label.matches('/').count(), 2, "no path: {}", label);
            }
        }

        #[test]
        fn any_text_gives_a_bounded_label(text in ".{0,300}") {
            let label = origin_label(Some(&text));
            prop_assert!(label.len() <= MAX_LENGTH + 16);
            prop_assert!(!label.chars().any(char::is_control));
        }
    }
}
