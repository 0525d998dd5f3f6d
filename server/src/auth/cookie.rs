//! The session cookie: `HttpOnly`, `SameSite=Lax`, `Path=/`. With an `https` public URL it is
//! always `Secure` and named with the `__Host-` prefix, which browsers accept only from a secure
//! origin, without a `Domain` and for the whole site: no sibling host can set or shadow it.
//! Otherwise it is `Secure` whenever the browser spoke HTTPS (to us or to a trusted proxy).

use crate::public_url::PublicUrl;
use axum::http::{HeaderMap, HeaderValue, header};

/// The cookie's name on a plain-HTTP console.
pub const PLAIN_NAME: &str = "keydesk_session";
/// The cookie's name on an `https` console.
pub const HOST_NAME: &str = "__Host-keydesk_session";

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct SessionCookie {
    pub name: &'static str,
    always_secure: bool,
}

impl SessionCookie {
    pub fn for_url(url: &PublicUrl) -> Self {
        if url.is_https() {
            SessionCookie { name: HOST_NAME, always_secure: true }
        } else {
            SessionCookie { name: PLAIN_NAME, always_secure: false }
        }
    }

    /// The value of this cookie, if the request carries it.
    pub fn read<'a>(&self, headers: &'a HeaderMap) -> Option<&'a str> {
        headers
            .get_all(header::COOKIE)
            .iter()
            .filter_map(|v| v.to_str().ok())
            .flat_map(|v| v.split(';'))
            .filter_map(|pair| pair.trim().split_once('='))
            .find(|(name, _)| *name == self.name)
            .map(|(_, value)| value)
    }

    /// `Set-Cookie` for `value` (empty with a zero age: the cookie is cleared).
    pub fn set(&self, value: &str, max_age_seconds: i64, browser_spoke_https: bool) -> HeaderValue {
        let secure = if self.always_secure || browser_spoke_https { "; Secure" } else { "" };
        HeaderValue::from_str(&format!(
            "{}={value}; Path=/; HttpOnly; SameSite=Lax; Max-Age={max_age_seconds}{secure}",
            self.name
        ))
        .expect("a session cookie is a valid header value")
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn an_https_console_names_its_cookie_for_its_host_and_always_secures_it() {
        let https = SessionCookie::for_url(&PublicUrl::parse("https://keys.example.com").unwrap());
        let set = https.set("abc", 60, false);
        assert_eq!(set, "__Host-keydesk_session=abc; Path=/; HttpOnly; SameSite=Lax; Max-Age=60; Secure");
        let plain = SessionCookie::for_url(&PublicUrl::parse("http://keys.internal").unwrap());
        assert!(!plain.set("abc", 60, false).to_str().unwrap().contains("Secure"));
        assert!(plain.set("abc", 60, true).to_str().unwrap().ends_with("; Secure"), "HTTPS through a proxy");
        let mut headers = HeaderMap::new();
        headers.insert(header::COOKIE, "other=1; keydesk_session=xyz".parse().unwrap());
        assert_eq!(plain.read(&headers), Some("xyz"));
        assert_eq!(https.read(&headers), None, "the plain name does not count on an https console");
    }
}
