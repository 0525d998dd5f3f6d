//! The secret a channel presents in `x-api-key`, e.g. `kd_chat_x7Qa...`.
//!
//! Shape: a recognisable prefix per permission (`kd_chat_`, `kd_mail_`), 30 base62 characters
//! from the OS CSPRNG (about 178 bits), then 6 base62 characters of CRC-32 over everything before
//! them. As with GitHub's tokens, the checksum lets a mistyped key be refused without a database
//! lookup and lets secret scanners recognise leaked keys with few false positives.
//! Only the SHA-256 of the secret is stored; the secret itself leaves the server once.

use super::permission::Permission;
use sha2::{Digest, Sha256};
use std::fmt;

const BASE62: &[u8; 62] = b"0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz";
/// Every permission's prefix has this length, so a key's parts sit at fixed offsets.
const PREFIX_LEN: usize = 8;
pub const RANDOM_CHARS: usize = 30;
pub const CHECKSUM_CHARS: usize = 6;
/// How many random characters the display prefix shows after the permission prefix.
const DISPLAY_CHARS: usize = 4;

/// The text every secret of this permission starts with.
pub fn secret_prefix(permission: Permission) -> &'static str {
    match permission {
        Permission::Chat => "kd_chat_",
        Permission::SecureMail => "kd_mail_",
    }
}

/// A secret in the clear. `Debug` and `Display` never print it, so it cannot slip into a log.
#[derive(Clone, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
#[serde(transparent)]
pub struct Secret(String);

impl Secret {
    pub fn expose(&self) -> &str {
        &self.0
    }

    /// What the console shows of a key after creation: its prefix and first random characters.
    pub fn display_prefix(&self) -> String {
        self.0[..PREFIX_LEN + DISPLAY_CHARS].to_owned()
    }

    /// The SHA-256 the store keeps instead of the secret.
    pub fn hash(&self) -> [u8; 32] {
        hash_secret(&self.0)
    }
}

impl fmt::Debug for Secret {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("Secret([redacted])")
    }
}

impl fmt::Display for Secret {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("[redacted]")
    }
}

/// SHA-256 of a presented key, as stored.
pub fn hash_secret(presented: &str) -> [u8; 32] {
    Sha256::digest(presented.as_bytes()).into()
}

/// What every service token (the verification API's bearer credential) starts with.
pub const SERVICE_TOKEN_PREFIX: &str = "kd_serv_";

/// Makes a new secret for `permission` from the operating system's CSPRNG.
#[cfg(feature = "ssr")]
pub fn generate_secret(permission: Permission) -> Secret {
    generate_with_prefix(secret_prefix(permission))
}

/// Makes a new service token: the same shape as a key, with [`SERVICE_TOKEN_PREFIX`].
#[cfg(feature = "ssr")]
pub fn generate_service_token() -> Secret {
    generate_with_prefix(SERVICE_TOKEN_PREFIX)
}

#[cfg(feature = "ssr")]
fn generate_with_prefix(prefix: &str) -> Secret {
    debug_assert_eq!(prefix.len(), PREFIX_LEN);
    let mut text = String::with_capacity(PREFIX_LEN + RANDOM_CHARS + CHECKSUM_CHARS);
    text.push_str(prefix);
    text.push_str(&random_base62(RANDOM_CHARS));
    let checksum = encode_checksum(crc32(text.as_bytes()));
    text.push_str(&checksum);
    Secret(text)
}

/// `len` base62 characters from the operating system's CSPRNG (about 5.95 bits each), e.g. for
/// a generated password.
#[cfg(feature = "ssr")]
pub fn random_base62(len: usize) -> String {
    let mut text = String::with_capacity(len);
    let mut buf = [0u8; 64];
    while text.len() < len {
        getrandom::fill(&mut buf).expect("the operating system's random source failed");
        // Rejection sampling: 248 = 4 * 62, so accepted bytes map onto base62 without bias.
        for &b in buf.iter().filter(|&&b| b < 248).take(len - text.len()) {
            text.push(BASE62[(b % 62) as usize] as char);
        }
    }
    text
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, thiserror::Error)]
pub enum MalformedSecret {
    #[error("the key does not start with a Keydesk prefix")]
    UnknownPrefix,
    #[error("the key has the wrong length or characters")]
    BadShape,
    #[error("the key's checksum does not match; it was probably mistyped")]
    BadChecksum,
}

/// Checks a presented key's shape and checksum without any lookup, and says which permission
/// its prefix names.
pub fn parse_secret(presented: &str) -> Result<Permission, MalformedSecret> {
    let (permission, rest) = Permission::ALL
        .into_iter()
        .find_map(|p| presented.strip_prefix(secret_prefix(p)).map(|rest| (p, rest)))
        .ok_or(MalformedSecret::UnknownPrefix)?;
    if rest.len() != RANDOM_CHARS + CHECKSUM_CHARS || !rest.bytes().all(|b| BASE62.contains(&b)) {
        return Err(MalformedSecret::BadShape);
    }
    let (body, checksum) = presented.split_at(presented.len() - CHECKSUM_CHARS);
    if encode_checksum(crc32(body.as_bytes())) != checksum {
        return Err(MalformedSecret::BadChecksum);
    }
    Ok(permission)
}

/// CRC-32 (IEEE 802.3, the one zlib and GitHub's tokens use), a byte at a time from a table
/// built at compile time: every verification checks one.
fn crc32(bytes: &[u8]) -> u32 {
    const TABLE: [u32; 256] = {
        let mut table = [0u32; 256];
        let mut i = 0;
        while i < 256 {
            let mut crc = i as u32;
            let mut bit = 0;
            while bit < 8 {
                crc = if crc & 1 == 1 { (crc >> 1) ^ 0xEDB8_8320 } else { crc >> 1 };
                bit += 1;
            }
            table[i] = crc;
            i += 1;
        }
        table
    };
    !bytes.iter().fold(!0u32, |crc, &byte| TABLE[((crc ^ u32::from(byte)) & 0xFF) as usize] ^ (crc >> 8))
}

/// A CRC-32 as 6 base62 digits, most significant first (62^6 > 2^32, so it always fits).
fn encode_checksum(mut value: u32) -> String {
    let mut digits = [b'0'; CHECKSUM_CHARS];
    for digit in digits.iter_mut().rev() {
        *digit = BASE62[(value % 62) as usize];
        value /= 62;
    }
    String::from_utf8(digits.to_vec()).expect("base62 digits are ASCII")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_prefix_has_the_same_length() {
        assert!(Permission::ALL.iter().all(|&p| secret_prefix(p).len() == PREFIX_LEN));
    }

    #[cfg(feature = "ssr")]
    #[test]
    fn service_tokens_have_their_own_prefix_and_are_not_keys() {
        let token = generate_service_token();
        assert!(token.expose().starts_with(SERVICE_TOKEN_PREFIX));
        assert_eq!(token.display_prefix().len(), PREFIX_LEN + DISPLAY_CHARS);
        assert_eq!(parse_secret(token.expose()), Err(MalformedSecret::UnknownPrefix));
    }

    #[test]
    fn crc32_matches_the_standard_check_value() {
        assert_eq!(crc32(b"123456789"), 0xCBF4_3926);
    }

    #[cfg(feature = "ssr")]
    #[test]
    fn generated_secrets_parse_back_to_their_permission() {
        for permission in Permission::ALL {
            let secret = generate_secret(permission);
            assert!(secret.expose().starts_with(secret_prefix(permission)));
            assert_eq!(secret.expose().len(), PREFIX_LEN + RANDOM_CHARS + CHECKSUM_CHARS);
            assert_eq!(parse_secret(secret.expose()), Ok(permission));
            assert_eq!(secret.display_prefix().len(), PREFIX_LEN + DISPLAY_CHARS);
            assert!(secret.expose().starts_with(&secret.display_prefix()));
        }
    }

    #[cfg(feature = "ssr")]
    #[test]
    fn secrets_are_distinct_and_never_printed() {
        let a = generate_secret(Permission::Chat);
        let b = generate_secret(Permission::Chat);
        assert_ne!(a, b);
        assert_ne!(a.hash(), b.hash());
        assert!(!format!("{a:?} {a}").contains(a.expose()));
    }

    #[test]
    fn a_single_typo_fails_the_checksum() {
        let body = format!("kd_chat_{}", "a".repeat(RANDOM_CHARS));
        let good = format!("{body}{}", encode_checksum(crc32(body.as_bytes())));
        assert_eq!(parse_secret(&good), Ok(Permission::Chat));
        let typo = good.replacen("kd_chat_a", "kd_chat_b", 1);
        assert_eq!(parse_secret(&typo), Err(MalformedSecret::BadChecksum));
        let other_prefix = good.replacen("kd_chat_", "kd_mail_", 1);
        assert_eq!(parse_secret(&other_prefix), Err(MalformedSecret::BadChecksum));
    }

    #[test]
    fn wrong_prefixes_and_shapes_are_malformed() {
        assert_eq!(parse_secret(""), Err(MalformedSecret::UnknownPrefix));
        assert_eq!(parse_secret("sk_live_abc"), Err(MalformedSecret::UnknownPrefix));
        assert_eq!(parse_secret("kd_chat_short"), Err(MalformedSecret::BadShape));
        let with_symbol = format!("kd_chat_{}!{}", "a".repeat(RANDOM_CHARS - 1), "0".repeat(CHECKSUM_CHARS));
        assert_eq!(parse_secret(&with_symbol), Err(MalformedSecret::BadShape));
        let multibyte = format!("kd_chat_{}é", "a".repeat(RANDOM_CHARS + CHECKSUM_CHARS - 2));
        assert_eq!(parse_secret(&multibyte), Err(MalformedSecret::BadShape));
    }
}
