//! Where a request came from: the client's address and whether it spoke HTTPS, believing
//! `X-Forwarded-For` and `X-Forwarded-Proto` only from `--trusted-proxies`. The console's guards
//! and the verification API's `x-api-key` layer both ask.

use axum::extract::ConnectInfo;
use axum::http::{HeaderMap, Request};
use ipnet::IpNet;
use std::net::{IpAddr, Ipv4Addr, SocketAddr};

/// Where a request came from, as far as we can believe it.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Client {
    pub address: IpAddr,
    /// The browser spoke HTTPS (to us, or to a trusted proxy in front of us).
    pub https: bool,
}

impl Client {
    /// The peer's address, or, when the peer is a trusted proxy, the nearest untrusted address
    /// in `X-Forwarded-For` (and the scheme from `X-Forwarded-Proto`).
    pub fn of(peer: Option<IpAddr>, headers: &HeaderMap, trusted: &[IpNet]) -> Client {
        let peer = peer.unwrap_or(IpAddr::V4(Ipv4Addr::UNSPECIFIED));
        let is_trusted = |ip: &IpAddr| trusted.iter().any(|net| net.contains(ip));
        if !is_trusted(&peer) {
            return Client { address: peer, https: false };
        }
        let forwarded: Vec<IpAddr> = headers
            .get_all("x-forwarded-for")
            .iter()
            .filter_map(|v| v.to_str().ok())
            .flat_map(|v| v.split(','))
            .filter_map(|part| part.trim().parse().ok())
            .collect();
        // Walk from the nearest hop back; the first address we do not trust is the client.
        let address = forwarded.iter().rev().find(|ip| !is_trusted(ip)).or(forwarded.first()).copied().unwrap_or(peer);
        let https = headers
            .get("x-forwarded-proto")
            .and_then(|v| v.to_str().ok())
            .and_then(|v| v.split(',').next())
            .is_some_and(|proto| proto.trim().eq_ignore_ascii_case("https"));
        Client { address, https }
    }
}

impl Client {
    /// The client of `request`, whose peer address axum's `ConnectInfo` carries.
    pub fn of_request<B>(request: &Request<B>, trusted: &[IpNet]) -> Client {
        let peer = request.extensions().get::<ConnectInfo<SocketAddr>>().map(|ConnectInfo(addr)| addr.ip());
        Client::of(peer, request.headers(), trusted)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn forwarded_headers_count_only_from_trusted_proxies() {
        let mut headers = HeaderMap::new();
        headers.insert("x-forwarded-for", "203.0.113.9, 10.0.0.7".parse().unwrap());
        headers.insert("x-forwarded-proto", "https".parse().unwrap());
        let proxy: IpAddr = "10.0.0.5".parse().unwrap();
        let untrusted = Client::of(Some(proxy), &headers, &[]);
        assert_eq!(untrusted, Client { address: proxy, https: false });
        let trusted = Client::of(Some(proxy), &headers, &["10.0.0.0/8".parse().unwrap()]);
        assert_eq!(trusted, Client { address: "203.0.113.9".parse().unwrap(), https: true });
    }
}
