//! Writing a view into its URL's query string (the pages' views live in their URLs).

/// Percent-encodes a query-string value (RFC 3986 unreserved characters, and `,` which
/// separates a list's items, stay as they are).
pub fn encode_component(value: &str) -> String {
    let mut out = String::with_capacity(value.len());
    for byte in value.bytes() {
        if byte.is_ascii_alphanumeric() || matches!(byte, b'-' | b'_' | b'.' | b'~' | b',') {
            out.push(byte as char);
        } else {
            out.push_str(&format!("%{byte:02X}"));
        }
    }
    out
}

/// `pairs` as a query string (without `?`), values encoded.
pub fn query_string(pairs: &[(&str, String)]) -> String {
    pairs.iter().map(|(k, v)| format!("{k}={}", encode_component(v))).collect::<Vec<_>>().join("&")
}

/// A query string's pairs as the server reads them (percent-decoded, `+` as a space).
#[cfg(feature = "ssr")]
pub fn parse_query(text: &str) -> Vec<(String, String)> {
    url::form_urlencoded::parse(text.trim_start_matches('?').as_bytes())
        .map(|(k, v)| (k.into_owned(), v.into_owned()))
        .collect()
}

/// The first value of `name` in `pairs`.
pub fn first(pairs: &[(String, String)], name: &str) -> Option<String> {
    pairs.iter().find(|(key, _)| key == name).map(|(_, value)| value.clone())
}

/// Every value of `name` in `pairs` (a list may come as the name repeated).
pub fn all(pairs: &[(String, String)], name: &str) -> Vec<String> {
    pairs.iter().filter(|(key, _)| key == name).map(|(_, value)| value.clone()).collect()
}

/// A query string's pairs, percent-decoded (what a browser's URL parser gives the pages).
#[cfg(test)]
pub fn decode_query(query: &str) -> Vec<(String, String)> {
    query
        .split('&')
        .filter(|pair| !pair.is_empty())
        .map(|pair| {
            let (key, value) = pair.split_once('=').unwrap_or((pair, ""));
            let mut bytes = Vec::new();
            let mut rest = value.bytes();
            while let Some(byte) = rest.next() {
                if byte == b'%' {
                    let hex = [rest.next().unwrap_or(b'0'), rest.next().unwrap_or(b'0')];
                    bytes.push(u8::from_str_radix(std::str::from_utf8(&hex).unwrap_or("00"), 16).unwrap_or(0));
                } else {
                    bytes.push(byte);
                }
            }
            (key.to_owned(), String::from_utf8_lossy(&bytes).into_owned())
        })
        .collect()
}
