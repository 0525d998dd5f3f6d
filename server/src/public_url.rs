//! The one origin the console answers for (`--public-url`). A browser page on another name
//! (say `rebind.attacker.test`, made to resolve to the console's address: DNS rebinding) sends
//! that name as `Host` and as `Origin`; the console answers it 421 and never takes its requests
//! as its own. The probes and `/api/v1` are not behind this check: load balancers and channels
//! call them by names of their own.

use axum::extract::{Request, State};
use axum::http::{StatusCode, header};
use axum::middleware::Next;
use axum::response::{IntoResponse, Response};
use std::net::{IpAddr, SocketAddr};
use std::sync::Arc;

/// The console's scheme and the `host[:port]` forms it answers to (default ports left out,
/// lower case, international names in their punycode form).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PublicUrl {
    https: bool,
    authorities: Vec<String>,
}

impl PublicUrl {
    /// `--public-url` when given; otherwise `http://` and the listen address, where a loopback
    /// address also answers to its other loopback names. An unspecified listen address
    /// (`0.0.0.0`, `::`) needs the setting: nobody can tell which name people will use.
    pub fn resolve(setting: Option<&str>, listen: SocketAddr) -> Result<PublicUrl, String> {
        if let Some(text) = setting.filter(|text| !text.trim().is_empty()) {
            return PublicUrl::parse(text);
        }
        let port = listen.port();
        match listen.ip() {
            ip if ip.is_unspecified() => Err(format!(
                "the console listens on every interface ({listen}): set --public-url (KEYDESK_PUBLIC_URL) to the \
                 address people open it at, e.g. https://keys.example.com, so that it answers for that name only"
            )),
            ip if ip.is_loopback() => Ok(PublicUrl {
                https: false,
                authorities: ["localhost", "127.0.0.1", "[::1]"].iter().map(|host| format!("{host}:{port}")).collect(),
            }),
            IpAddr::V4(ip) => Ok(PublicUrl { https: false, authorities: vec![format!("{ip}:{port}")] }),
            IpAddr::V6(ip) => Ok(PublicUrl { https: false, authorities: vec![format!("[{ip}]:{port}")] }),
        }
    }

    /// `http(s)://host[:port]`, with nothing after the authority but an optional `/`.
    pub fn parse(text: &str) -> Result<PublicUrl, String> {
        let problem = |why: &str| format!("--public-url {text:?} {why}; write it like https://keys.example.com");
        let url = url::Url::parse(text.trim()).map_err(|_| problem("is not a URL"))?;
        let https = match url.scheme() {
            "https" => true,
            "http" => false,
            _ => return Err(problem("must start with http:// or https://")),
        };
        if !url.username().is_empty() || url.password().is_some() {
            return Err(problem("must not carry a user name or password"));
        }
        if url.path() != "/" || url.query().is_some() || url.fragment().is_some() {
            return Err(problem("must be an origin alone, without a path, query or fragment"));
        }
        let host = url.host_str().ok_or_else(|| problem("has no host"))?;
        let authority = match url.port() {
            Some(port) => format!("{host}:{port}"),
            None => host.to_owned(),
        };
        Ok(PublicUrl { https, authorities: vec![authority] })
    }

    pub fn is_https(&self) -> bool {
        self.https
    }

    fn scheme(&self) -> &'static str {
        if self.https { "https" } else { "http" }
    }

    /// The URL itself (the first of the names it answers to), for messages.
    pub fn origin(&self) -> String {
        format!("{}://{}", self.scheme(), self.authorities[0])
    }

    /// Whether a `Host` header (or HTTP/2 authority) names this console.
    pub fn accepts_host(&self, host: &str) -> bool {
        let host = host.trim().to_ascii_lowercase();
        let default_port = if self.https { ":443" } else { ":80" };
        let host = host.strip_suffix(default_port).unwrap_or(&host);
        self.authorities.iter().any(|authority| authority == host)
    }

    /// Whether an `Origin` header is this console's own: scheme, host and port alike.
    pub fn is_own_origin(&self, origin: &str) -> bool {
        origin.split_once("://").is_some_and(|(scheme, authority)| {
            scheme.eq_ignore_ascii_case(self.scheme()) && self.accepts_host(authority)
        })
    }
}

/// The console's routes answer only for the public URL; anything else gets 421 Misdirected
/// Request.
pub async fn require_own_host(State(public_url): State<Arc<PublicUrl>>, request: Request, next: Next) -> Response {
    let host = request
        .headers()
        .get(header::HOST)
        .and_then(|value| value.to_str().ok())
        .or_else(|| request.uri().authority().map(|authority| authority.as_str()));
    if host.is_some_and(|host| public_url.accepts_host(host)) {
        return next.run(request).await;
    }
    let message = format!("This console answers only at {}.\n", public_url.origin());
    (StatusCode::MISDIRECTED_REQUEST, message).into_response()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn listen(text: &str) -> SocketAddr {
        text.parse().unwrap()
    }

    #[test]
    fn a_loopback_console_answers_to_each_loopback_name_at_its_port() {
        let url = PublicUrl::resolve(None, listen("127.0.0.1:3000")).unwrap();
        for host in ["localhost:3000", "127.0.0.1:3000", "[::1]:3000", "LocalHost:3000"] {
            assert!(url.accepts_host(host), "{host}");
        }
        for host in ["localhost", "127.0.0.1:3001", "rebind.attacker.test:3000", ""] {
            assert!(!url.accepts_host(host), "{host}");
        }
        assert!(url.is_own_origin("http://localhost:3000"));
        assert!(!url.is_own_origin("https://localhost:3000"), "the scheme counts");
        assert!(!url.is_own_origin("http://rebind.attacker.test:3000"));
        assert!(!url.is_own_origin("null"));
        let other = PublicUrl::resolve(None, listen("10.1.2.3:8080")).unwrap();
        assert!(other.accepts_host("10.1.2.3:8080") && !other.accepts_host("localhost:8080"));
    }

    #[test]
    fn every_interface_needs_the_setting() {
        for any in ["0.0.0.0:3000", "[::]:3000"] {
            let error = PublicUrl::resolve(None, listen(any)).unwrap_err();
            assert!(error.contains("--public-url"), "{error}");
        }
        let set = PublicUrl::resolve(Some("https://Keys.Example.com/"), listen("0.0.0.0:3000")).unwrap();
        assert!(set.is_https());
        assert_eq!(set.origin(), "https://keys.example.com");
        assert!(set.accepts_host("keys.example.com") && set.accepts_host("keys.example.com:443"));
        assert!(!set.accepts_host("keys.example.com:3000") && !set.accepts_host("0.0.0.0:3000"));
        assert!(set.is_own_origin("https://keys.example.com") && !set.is_own_origin("http://keys.example.com"));
    }

    #[test]
    fn the_setting_is_an_origin_alone() {
        let ok = PublicUrl::parse("http://bücher.example:8080").unwrap();
        assert_eq!(ok.origin(), "http://xn--bcher-kva.example:8080", "international names in punycode");
        for bad in [
            "keys.example.com",
            "ftp://keys.example.com",
            "https://keys.example.com/console",
            "https://keys.example.com/?a=1",
            "https://ann:pw@keys.example.com",
        ] {
            assert!(PublicUrl::parse(bad).is_err(), "{bad}");
        }
    }
}
