//! What a webhook endpoint's URL may be, which addresses Keydesk may deliver to, and how the
//! console shows a URL.
//!
//! An endpoint is `https`, and every address its host resolves to must be public: a console that
//! posts every key event to a URL an administrator types must not become a way into the private
//! network (the cloud's metadata service, the database, an admin port on loopback). The host's
//! addresses are checked again at each delivery's connection, after resolving, so a DNS answer
//! that changes later (rebinding) cannot move a delivery inside. An operator with internal
//! receivers allows `http` and private addresses explicitly (`KEYDESK_WEBHOOKS_ALLOW_PRIVATE`).

use std::net::{IpAddr, Ipv4Addr, Ipv6Addr};
use url::{Host, Url};

/// How a URL's user name, password and query values are shown.
pub const MASK: &str = "•••";

/// Checks an endpoint's URL as an administrator typed it. A host given as an address is checked
/// here; a name is checked when it is resolved, at each delivery.
pub fn check_url(text: &str, allow_private: bool) -> Result<Url, String> {
    let url = Url::parse(text.trim()).map_err(|e| format!("The URL is not valid ({e})."))?;
    match url.scheme() {
        "https" => {}
        "http" if allow_private => {}
        _ => return Err("The URL must start with https://.".to_owned()),
    }
    if url.fragment().is_some() {
        return Err("The URL must not have a #fragment: receivers never see it.".to_owned());
    }
    let address = match url.host() {
        None => return Err("The URL must name a host.".to_owned()),
        Some(Host::Domain(_)) => None,
        Some(Host::Ipv4(ip)) => Some(IpAddr::V4(ip)),
        Some(Host::Ipv6(ip)) => Some(IpAddr::V6(ip)),
    };
    if let Some(ip) = address
        && !allow_private
        && !is_public(ip)
    {
        return Err(format!("{ip} is not a public address; webhooks go only to public addresses."));
    }
    Ok(url)
}

/// Whether Keydesk may deliver to `ip` without `KEYDESK_WEBHOOKS_ALLOW_PRIVATE`: not loopback,
/// link-local (cloud metadata included), private, shared (CGNAT), unspecified, broadcast,
/// multicast, documentation or benchmarking space; for IPv6 also unique-local, and an
/// IPv4-mapped or IPv4-compatible address is judged as the IPv4 address it carries.
pub fn is_public(ip: IpAddr) -> bool {
    match ip {
        IpAddr::V4(ip) => is_public_v4(ip),
        IpAddr::V6(ip) => is_public_v6(ip),
    }
}

fn is_public_v4(ip: Ipv4Addr) -> bool {
    let [a, b, c, _] = ip.octets();
    let reserved = ip.is_unspecified()
        || ip.is_loopback()
        || ip.is_private()
        || ip.is_link_local()
        || ip.is_broadcast()
        || ip.is_multicast()
        || ip.is_documentation()
        || a == 0 // "this network"
        || (a == 100 && (64..128).contains(&b)) // shared address space (CGNAT)
        || (a == 192 && b == 0 && c == 0) // IETF protocol assignments
        || (a == 198 && (b == 18 || b == 19)) // benchmarking
        || a >= 240; // reserved
    !reserved
}

fn is_public_v6(ip: Ipv6Addr) -> bool {
    if let Some(v4) = ip.to_ipv4_mapped() {
        return is_public_v4(v4);
    }
    let segments = ip.segments();
    // IPv4-compatible (::a.b.c.d, deprecated) and NAT64 (64:ff9b::/96) carry an IPv4 address.
    let compatible = segments[..6] == [0, 0, 0, 0, 0, 0] && !ip.is_loopback() && !ip.is_unspecified();
    if compatible || segments[..6] == [0x64, 0xff9b, 0, 0, 0, 0] {
        let [.., high, low] = segments;
        return is_public_v4(Ipv4Addr::from((u32::from(high) << 16) | u32::from(low)));
    }
    let reserved = ip.is_unspecified()
        || ip.is_loopback()
        || ip.is_multicast()
        || ip.is_unique_local()
        || ip.is_unicast_link_local()
        || (segments[0] == 0x2001 && segments[1] == 0x0db8) // documentation
        || segments[0] & 0xffc0 == 0xfec0; // site-local (deprecated)
    !reserved
}

/// The URL as the console shows it: its user name, password and query values masked (they are
/// how some receivers authenticate).
pub fn masked(url: &Url) -> String {
    let mut shown = url.clone();
    if !url.username().is_empty() {
        let _ = shown.set_username(MASK);
    }
    if url.password().is_some() {
        let _ = shown.set_password(Some(MASK));
    }
    if url.query().is_some() {
        let pairs: Vec<String> = url.query_pairs().map(|(name, _)| format!("{name}={MASK}")).collect();
        shown.set_query(Some(&pairs.join("&")));
    }
    // The mask is shown as itself, not percent-encoded.
    shown.as_str().replace("%E2%80%A2%E2%80%A2%E2%80%A2", MASK)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn only_public_addresses_are_delivered_to() {
        let refused = [
            "127.0.0.1",
            "10.1.2.3",
            "172.16.0.1",
            "192.168.1.1",
            "169.254.169.254",
            "100.64.0.1",
            "100.127.255.254",
            "0.0.0.0",
            "0.1.2.3",
            "255.255.255.255",
            "224.0.0.1",
            "192.0.2.1",
            "198.18.0.1",
            "240.0.0.1",
            "::1",
            "::",
            "fe80::1",
            "fc00::1",
            "fd12:3456::1",
            "ff02::1",
            "::ffff:127.0.0.1",
            "::ffff:10.0.0.1",
            "::ffff:169.254.169.254",
            "::127.0.0.1",
            "64:ff9b::a9fe:a9fe",
            "2001:db8::1",
            "fec0::1",
        ];
        for text in refused {
            assert!(!is_public(text.parse().unwrap()), "{text} must be refused");
        }
        let allowed = ["8.8.8.8", "100.128.0.1", "172.32.0.1", "2606:4700::1111", "::ffff:8.8.8.8", "64:ff9b::808:808"];
        for text in allowed {
            assert!(is_public(text.parse().unwrap()), "{text} is public");
        }
    }

    #[test]
    fn an_endpoint_is_https_to_a_public_host_unless_private_ones_are_allowed() {
        assert!(check_url(" https://hooks.example.com/keydesk ", false).is_ok());
        assert_eq!(check_url("http://hooks.example.com/", false).unwrap_err(), "The URL must start with https://.");
        assert!(check_url("http://hooks.example.com/", true).is_ok());
        assert_eq!(check_url("ftp://hooks.example.com/", true).unwrap_err(), "The URL must start with https://.");
        assert!(check_url("https://hooks.example.com/#x", false).unwrap_err().contains("#fragment"));
        assert!(check_url("https://", false).is_err());
        assert!(check_url("not a url", false).unwrap_err().starts_with("The URL is not valid"));
        let metadata = check_url("https://169.254.169.254/latest", false).unwrap_err();
        assert_eq!(metadata, "169.254.169.254 is not a public address; webhooks go only to public addresses.");
        assert!(check_url("https://[::ffff:7f00:1]/", false).is_err(), "IPv4-mapped loopback");
        assert!(check_url("https://127.0.0.1:8443/", true).is_ok());
    }

    #[test]
    fn credentials_and_query_values_are_masked() {
        let url = Url::parse("https://svc:s3cret@hooks.example.com/in?token=abc&team=ops").unwrap();
        assert_eq!(masked(&url), "https://•••:•••@hooks.example.com/in?token=•••&team=•••");
        let plain = Url::parse("https://hooks.example.com/in").unwrap();
        assert_eq!(masked(&plain), "https://hooks.example.com/in");
    }
}
