//! A chat key's allowed origins, compiled: hosts in a small hash map with FxHash's step, exact
//! entries and wildcards' domains apart by length, so that most refusals hash nothing. The
//! spellings browsers send (`Origin`, a `Referer` URL) are read without allocating; any other is
//! read the way usage labels it.

use crate::usage::source::origin_label;
use std::collections::HashMap;
use std::hash::{BuildHasherDefault, Hasher};

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
pub(super) struct OriginMatcher {
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
    pub(super) fn compile(entries: &[String]) -> Result<OriginMatcher, String> {
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
    pub(super) fn allows(&self, origin: &str) -> bool {
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
