//! Webhook signing secrets at rest.
//!
//! Keydesk must sign every delivery with an endpoint's secret, so it cannot keep only a hash of
//! it as it does for API keys; and no secret may reach the database in the clear. Each secret is
//! therefore sealed with ChaCha20-Poly1305 (the RustCrypto `chacha20poly1305` crate) under the
//! server's secrets key, with a fresh random nonce, and bound to its endpoint's id (the
//! associated data): a sealed secret copied to another endpoint's row, or altered, does not
//! open. The secrets key is never in the database; every instance of one deployment is given the
//! same one (`KEYDESK_SECRETS_KEY`, the standard base64 of 32 random bytes).

use base64::Engine;
use base64::engine::general_purpose::STANDARD;
use chacha20poly1305::aead::{Aead, KeyInit, Payload};
use chacha20poly1305::{ChaCha20Poly1305, Key, Nonce};
use uuid::Uuid;

const NONCE_BYTES: usize = 12;

/// The key that seals endpoints' secrets. Its `Debug` never shows it.
#[derive(Clone)]
pub struct SecretsKey(Key);

impl std::fmt::Debug for SecretsKey {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("SecretsKey(…)")
    }
}

/// A sealed secret that does not open: another key, another endpoint, or altered bytes.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("a webhook secret does not open with this server's secrets key (another key, or altered)")]
pub struct SealBroken;

impl SecretsKey {
    /// Reads `KEYDESK_SECRETS_KEY`'s value: the standard base64 of 32 bytes. The error never
    /// repeats the value.
    pub fn from_base64(text: &str) -> Result<SecretsKey, String> {
        let bytes = STANDARD.decode(text.trim()).map_err(|_| {
            "KEYDESK_SECRETS_KEY must be standard base64 (e.g. from `openssl rand -base64 32`).".to_owned()
        })?;
        let bytes: [u8; 32] = bytes
            .try_into()
            .map_err(|bytes: Vec<u8>| format!("KEYDESK_SECRETS_KEY must be 32 bytes; it is {}.", bytes.len()))?;
        Ok(SecretsKey(Key::from(bytes)))
    }

    /// The deployment's key: `KEYDESK_SECRETS_KEY` if set; else, for a SQLite database in a
    /// file, the key file beside it (`<database>.secrets-key`, made at first need, readable by
    /// the server's user alone); else none, and endpoints cannot be added.
    pub fn load(database_url: &str) -> Result<Option<SecretsKey>, String> {
        if let Ok(text) = std::env::var("KEYDESK_SECRETS_KEY") {
            return SecretsKey::from_base64(&text).map(Some);
        }
        let Some(database) = crate::db::sqlite_file(database_url) else { return Ok(None) };
        let mut path = database.into_os_string();
        path.push(crate::db::SECRETS_KEY_SUFFIX);
        let path = std::path::PathBuf::from(path);
        match std::fs::read_to_string(&path) {
            Ok(text) => SecretsKey::from_base64(&text)
                .map(Some)
                .map_err(|e| format!("{}: {}", path.display(), e.replace("KEYDESK_SECRETS_KEY", "the key file"))),
            Err(error) if error.kind() == std::io::ErrorKind::NotFound => {
                use std::io::Write;
                use std::os::unix::fs::OpenOptionsExt;
                let (key, text) = SecretsKey::generate();
                // `create_new`: of two processes making it at once, one writes and the other reads.
                match std::fs::OpenOptions::new().write(true).create_new(true).mode(0o600).open(&path) {
                    Ok(mut file) => {
                        file.write_all(format!("{text}\n").as_bytes())
                            .map_err(|e| format!("cannot write {}: {e}", path.display()))?;
                        tracing::info!(path = %path.display(), "made the secrets key that seals webhook secrets; back it up with the database");
                        Ok(Some(key))
                    }
                    Err(error) if error.kind() == std::io::ErrorKind::AlreadyExists => SecretsKey::load(database_url),
                    Err(error) => Err(format!("cannot create {}: {error}", path.display())),
                }
            }
            Err(error) => Err(format!("cannot read {}: {error}", path.display())),
        }
    }

    /// A new random key, with its base64 for the operator to keep.
    pub fn generate() -> (SecretsKey, String) {
        let bytes = crate::random::bytes::<32>();
        (SecretsKey(Key::from(bytes)), STANDARD.encode(bytes))
    }

    /// `secret` sealed for the endpoint `endpoint`: the nonce, then the ciphertext and its tag.
    pub fn seal(&self, secret: &[u8], endpoint: Uuid) -> Vec<u8> {
        let nonce = crate::random::bytes::<NONCE_BYTES>();
        let cipher = ChaCha20Poly1305::new(&self.0);
        let sealed = cipher
            .encrypt(&Nonce::from(nonce), Payload { msg: secret, aad: endpoint.as_bytes() })
            .expect("sealing a short secret cannot fail");
        [&nonce[..], &sealed].concat()
    }

    /// The secret [`seal`](Self::seal) sealed for `endpoint`.
    pub fn open(&self, sealed: &[u8], endpoint: Uuid) -> Result<Vec<u8>, SealBroken> {
        let (nonce, body) = sealed.split_at_checked(NONCE_BYTES).ok_or(SealBroken)?;
        let nonce: [u8; NONCE_BYTES] = nonce.try_into().map_err(|_| SealBroken)?;
        ChaCha20Poly1305::new(&self.0)
            .decrypt(&Nonce::from(nonce), Payload { msg: body, aad: endpoint.as_bytes() })
            .map_err(|_| SealBroken)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const SECRET: &[u8] = b"whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw";

    #[test]
    fn a_sealed_secret_opens_only_for_its_endpoint_with_its_key() {
        let (key, text) = SecretsKey::generate();
        let endpoint = Uuid::new_v4();
        let sealed = key.seal(SECRET, endpoint);
        assert!(!sealed.windows(SECRET.len()).any(|w| w == SECRET), "never in the clear");
        assert_ne!(key.seal(SECRET, endpoint), sealed, "a fresh nonce each time");
        assert_eq!(key.open(&sealed, endpoint).unwrap(), SECRET);
        assert_eq!(SecretsKey::from_base64(&text).unwrap().open(&sealed, endpoint).unwrap(), SECRET);

        assert_eq!(key.open(&sealed, Uuid::new_v4()), Err(SealBroken), "another endpoint");
        assert_eq!(SecretsKey::generate().0.open(&sealed, endpoint), Err(SealBroken), "another key");
        let mut altered = sealed.clone();
        *altered.last_mut().unwrap() ^= 1;
        assert_eq!(key.open(&altered, endpoint), Err(SealBroken), "altered");
        assert_eq!(key.open(&sealed[..5], endpoint), Err(SealBroken), "cut short");
    }

    #[test]
    fn beside_a_sqlite_database_the_key_file_is_made_once_for_its_user_alone() {
        if std::env::var("KEYDESK_SECRETS_KEY").is_ok() {
            return; // The setting wins over the file; nothing here to check.
        }
        use std::os::unix::fs::PermissionsExt;
        let dir = std::env::temp_dir().join(format!("keydesk-sealing-{}", Uuid::new_v4().simple()));
        std::fs::create_dir_all(&dir).unwrap();
        let url = format!("sqlite://{}?mode=rwc", dir.join("keydesk.db").display());
        let first = SecretsKey::load(&url).unwrap().expect("a key beside a SQLite file");
        let file = dir.join("keydesk.db.secrets-key");
        assert_eq!(std::fs::metadata(&file).unwrap().permissions().mode() & 0o777, 0o600);
        let endpoint = Uuid::new_v4();
        let sealed = first.seal(SECRET, endpoint);
        let again = SecretsKey::load(&url).unwrap().unwrap();
        assert_eq!(again.open(&sealed, endpoint).unwrap(), SECRET, "the same key at the next start");
        std::fs::write(&file, "not a key\n").unwrap();
        let broken = SecretsKey::load(&url).unwrap_err();
        assert!(broken.contains("keydesk.db.secrets-key") && !broken.contains("not a key"), "{broken}");
        assert!(SecretsKey::load("sqlite::memory:").unwrap().is_none(), "nowhere to keep one");
        std::fs::remove_dir_all(&dir).unwrap();
    }

    #[test]
    fn the_key_is_checked_and_never_shown() {
        let short = SecretsKey::from_base64("c2hvcnQ=").unwrap_err();
        assert_eq!(short, "KEYDESK_SECRETS_KEY must be 32 bytes; it is 5.");
        let garbage = SecretsKey::from_base64("not base64 at all!").unwrap_err();
        assert!(garbage.starts_with("KEYDESK_SECRETS_KEY must be standard base64") && !garbage.contains("not base64"));
        let (key, text) = SecretsKey::generate();
        assert_eq!(format!("{key:?}"), "SecretsKey(…)");
        assert!(!format!("{key:?}").contains(&text));
    }
}
