//! Password hashing: Argon2id with OWASP's parameters (19 MiB, 2 passes, 1 lane), always off the
//! async runtime and at most [`MAX_CONCURRENT_HASHES`] at once, so a burst of sign-ins cannot
//! starve the server. A sign-in that finds every slot taken is refused at once
//! ([`Passwords::try_permit`]) rather than queued: a queue would grow without bound. Checking an
//! unknown user costs one full hash too (against a dummy), so the time taken does not tell
//! whether a user exists.

use argon2::password_hash::{PasswordHash, PasswordHasher, PasswordVerifier, SaltString};
use argon2::{Algorithm, Argon2, Params, Version};
use std::sync::Arc;
use tokio::sync::{OwnedSemaphorePermit, Semaphore};

/// One hash per core of this kind of machine.
pub const MAX_CONCURRENT_HASHES: usize = 2;
/// The shortest password `server user add` / `passwd` accept.
pub const MIN_PASSWORD_CHARS: usize = 12;

fn argon2() -> Argon2<'static> {
    let params = Params::new(19 * 1024, 2, 1, None).expect("OWASP's Argon2id parameters are valid");
    Argon2::new(Algorithm::Argon2id, Version::V0x13, params)
}

/// A policy check for new passwords, with a message for the person choosing one.
pub fn check_new_password(password: &str) -> Result<(), String> {
    if password.chars().count() < MIN_PASSWORD_CHARS {
        return Err(format!("a password needs at least {MIN_PASSWORD_CHARS} characters"));
    }
    Ok(())
}

#[derive(Clone)]
pub struct Passwords {
    permits: Arc<Semaphore>,
    /// A hash of nothing anyone knows, checked against when the user does not exist.
    dummy: Arc<str>,
}

impl Default for Passwords {
    fn default() -> Self {
        Self::new()
    }
}

impl Passwords {
    pub fn new() -> Self {
        let dummy = hash_blocking(&uuid::Uuid::new_v4().to_string());
        Passwords { permits: Arc::new(Semaphore::new(MAX_CONCURRENT_HASHES)), dummy: dummy.into() }
    }

    /// One of the hashing slots, or `None` when all are taken.
    pub fn try_permit(&self) -> Option<HashPermit> {
        self.permits.clone().try_acquire_owned().ok().map(HashPermit)
    }

    /// Whether `password` matches `stored`, hashing in the slot `permit` holds; with no stored
    /// hash (unknown user), spends the same time and says no.
    pub async fn verify(&self, permit: HashPermit, password: String, stored: Option<String>) -> bool {
        let known = stored.is_some();
        let stored = stored.unwrap_or_else(|| self.dummy.to_string());
        // The slot goes with the hash: an abandoned request does not free it while hashing goes on.
        let matches = tokio::task::spawn_blocking(move || {
            let _slot = permit;
            PasswordHash::new(&stored).is_ok_and(|hash| argon2().verify_password(password.as_bytes(), &hash).is_ok())
        })
        .await
        .unwrap_or(false);
        known && matches
    }
}

/// One of the server's hashing slots, held while a password is checked.
pub struct HashPermit(#[expect(dead_code, reason = "held, never read")] OwnedSemaphorePermit);

/// The PHC string to store for `password`, hashed on the blocking pool. For one-off hashing (the
/// command line, tests); a server signs people in through [`Passwords`], which also bounds how
/// many hashes run at once and carries the dummy hash for unknown users.
pub async fn hash_password(password: String) -> String {
    tokio::task::spawn_blocking(move || hash_blocking(&password)).await.expect("hashing does not panic")
}

fn hash_blocking(password: &str) -> String {
    let salt = SaltString::encode_b64(&crate::random::bytes::<16>()).expect("16 bytes make a valid salt");
    argon2().hash_password(password.as_bytes(), &salt).expect("Argon2id hashing of a password succeeds").to_string()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[tokio::test]
    async fn a_password_verifies_against_its_hash_only() {
        let passwords = Passwords::new();
        let hash = hash_password("correct horse battery".into()).await;
        assert!(hash.starts_with("$argon2id$v=19$m=19456,t=2,p=1$"));
        assert!(!hash.contains("correct horse"));
        let permit = || passwords.try_permit().unwrap();
        assert!(passwords.verify(permit(), "correct horse battery".into(), Some(hash.clone())).await);
        assert!(!passwords.verify(permit(), "correct horse batterz".into(), Some(hash)).await);
        assert!(!passwords.verify(permit(), "anything".into(), None).await, "unknown users never sign in");
    }

    #[test]
    fn hashing_slots_are_bounded_and_given_back() {
        let passwords = Passwords::new();
        let held: Vec<HashPermit> = (0..MAX_CONCURRENT_HASHES).map(|_| passwords.try_permit().unwrap()).collect();
        assert!(passwords.try_permit().is_none(), "no slot left");
        drop(held);
        assert!(passwords.try_permit().is_some());
    }

    #[test]
    fn short_passwords_are_refused() {
        assert!(check_new_password("short").is_err());
        assert!(check_new_password("twelve chars").is_ok());
    }
}
