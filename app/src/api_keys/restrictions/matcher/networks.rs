//! A secure-mail key's allowed networks, compiled: IPv4 and IPv6 (network, mask) pairs, an
//! IPv4-mapped address checked as IPv4.

use super::super::entry::as_ipv4_if_mapped;
use crate::usage::source::unmapped;
use ipnet::IpNet;
use std::net::IpAddr;

#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub(super) struct NetworkMatcher {
    /// (network, mask) pairs.
    v4: Vec<(u32, u32)>,
    v6: Vec<(u128, u128)>,
}

impl NetworkMatcher {
    pub(super) fn compile(entries: &[String]) -> Result<NetworkMatcher, String> {
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

    pub(super) fn allows(&self, address: IpAddr) -> bool {
        match unmapped(address) {
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
