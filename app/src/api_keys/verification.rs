//! Whether a presented key may be used for a permission right now: the rule the verification API
//! applies on every channel request. The server keeps the facts in memory (its key index) and
//! asks this module for the verdict, so the rule has one home.
//!
//! When several refusals apply, the first of [`Refusal`]'s order wins: a malformed key is refused
//! before any lookup (it needs no data), then an instance whose data is too old to trust refuses
//! every other key alike, then an unknown key is refused before its state is read, and so on;
//! where the key is used from comes last, once the key itself is good.

use super::permission::Permission;
pub use super::refusal::Refusal;
use super::restrictions::matcher::{KeyRestrictions, Source};
use super::secret::{hash_secret, parse_secret};
use super::status::is_expired;
use chrono::{DateTime, Utc};
use uuid::Uuid;

/// What verification needs to know about a stored key; everything else stays in the database.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct KeyFacts {
    pub id: Uuid,
    /// SHA-256 of the secret, as stored.
    pub secret_hash: [u8; 32],
    pub name: Box<str>,
    pub permission: Permission,
    pub enabled: bool,
    pub expires_at: Option<DateTime<Utc>>,
    /// The row's version: of two facts about one key, the higher version is the newer.
    pub version: i64,
    /// The key replacing this one in a rotation (this one works until its expiry, the grace's
    /// end); verification answers name it so channels can warn.
    pub replaced_by: Option<Uuid>,
    /// Where the key may be used from; `None` when its restrictions are off.
    pub restrictions: Option<Box<KeyRestrictions>>,
}

/// A refusal, with the stored key the presented one named when there is one (DISABLED,
/// EXPIRED, WRONG_PERMISSION, ORIGIN_NOT_ALLOWED, NETWORK_NOT_ALLOWED): usage is counted for
/// that key.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Denied<T> {
    pub refusal: Refusal,
    pub key: Option<T>,
}

impl<T> Denied<T> {
    fn without_key(refusal: Refusal) -> Self {
        Denied { refusal, key: None }
    }
}

/// A key that may be used.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Accepted<T> {
    pub key: T,
    /// Set when the key's restrictions are only reported on and the request comes from
    /// elsewhere than its list: what enforcing them would answer.
    pub would_block: Option<Refusal>,
}

/// Decides on `presented` for `wanted` at `now`, used from `source`. `lookup` finds a key by its
/// secret's hash; it is called only for well-formed keys, at most once, and only when the data
/// it reads is `fresh` enough to trust.
pub fn verify<F, T>(
    presented: &str,
    wanted: Permission,
    now: DateTime<Utc>,
    fresh: bool,
    source: &Source<'_>,
    lookup: F,
) -> Result<Accepted<T>, Denied<T>>
where
    F: FnOnce(&[u8; 32]) -> Option<T>,
    T: AsRef<KeyFacts>,
{
    parse_secret(presented).map_err(|_| Denied::without_key(Refusal::Malformed))?;
    if !fresh {
        return Err(Denied::without_key(Refusal::Unavailable));
    }
    let found = lookup(&hash_secret(presented)).ok_or(Denied::without_key(Refusal::NotFound))?;
    let key = found.as_ref();
    let refusal = if !key.enabled {
        Refusal::Disabled
    } else if is_expired(key.expires_at, now) {
        Refusal::Expired
    } else if key.permission != wanted {
        Refusal::WrongPermission
    } else {
        let outside =
            key.restrictions.as_deref().and_then(|r| r.refusal(source).map(|refusal| (r.is_enforced(), refusal)));
        match outside {
            Some((true, refusal)) => refusal,
            reported => return Ok(Accepted { key: found, would_block: reported.map(|(_, refusal)| refusal) }),
        }
    };
    Err(Denied { refusal, key: Some(found) })
}

impl AsRef<KeyFacts> for KeyFacts {
    fn as_ref(&self) -> &KeyFacts {
        self
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::api_keys::restrictions::{RestrictionMode, Restrictions};
    use crate::api_keys::secret::generate_secret;
    use chrono::Duration;

    fn facts(secret: &str, permission: Permission, enabled: bool, expires_at: Option<DateTime<Utc>>) -> KeyFacts {
        KeyFacts {
            replaced_by: None,
            restrictions: None,
            id: Uuid::new_v4(),
            secret_hash: hash_secret(secret),
            name: "Chat widget".into(),
            permission,
            enabled,
            expires_at,
            version: 1,
        }
    }

    fn check(presented: &str, wanted: Permission, now: DateTime<Utc>, stored: &KeyFacts) -> Result<Uuid, Refusal> {
        check_from(presented, wanted, now, stored, &Source::default()).map(|accepted| accepted.0)
    }

    /// The key's id and what report-only would block, or the refusal.
    fn check_from(
        presented: &str,
        wanted: Permission,
        now: DateTime<Utc>,
        stored: &KeyFacts,
        source: &Source<'_>,
    ) -> Result<(Uuid, Option<Refusal>), Refusal> {
        verify(presented, wanted, now, true, source, |hash| (*hash == stored.secret_hash).then(|| stored.clone()))
            .map(|accepted| (accepted.key.id, accepted.would_block))
            .map_err(|denied| {
                let names_the_key = denied.key.as_ref().is_some_and(|key| key.id == stored.id);
                let names_a_key =
                    !matches!(denied.refusal, Refusal::Malformed | Refusal::NotFound | Refusal::Unavailable);
                assert_eq!(
                    names_the_key, names_a_key,
                    "{:?} names the key exactly when it resolved to it",
                    denied.refusal
                );
                denied.refusal
            })
    }

    #[test]
    fn each_refusal_and_the_first_one_wins() {
        let now = Utc::now();
        let secret = generate_secret(Permission::Chat);
        let key = secret.expose();
        let past = Some(now - Duration::seconds(1));

        let good = facts(key, Permission::Chat, true, None);
        assert_eq!(check(key, Permission::Chat, now, &good), Ok(good.id));
        assert_eq!(check("kd_chat_nonsense", Permission::Chat, now, &good), Err(Refusal::Malformed));
        let other = generate_secret(Permission::Chat);
        assert_eq!(check(other.expose(), Permission::Chat, now, &good), Err(Refusal::NotFound));
        // Disabled, expired and the wrong permission all at once: DISABLED is reported.
        let everything_wrong = facts(key, Permission::SecureMail, false, past);
        assert_eq!(check(key, Permission::Chat, now, &everything_wrong), Err(Refusal::Disabled));
        let expired_and_wrong = facts(key, Permission::SecureMail, true, past);
        assert_eq!(check(key, Permission::Chat, now, &expired_and_wrong), Err(Refusal::Expired));
        assert_eq!(check(key, Permission::SecureMail, now, &good), Err(Refusal::WrongPermission));
    }

    fn restricted(mut key: KeyFacts, mode: RestrictionMode, allowed: &[&str]) -> KeyFacts {
        let restrictions = Restrictions { mode, allowed: allowed.iter().map(|a| a.to_string()).collect() };
        key.restrictions = KeyRestrictions::compile(key.permission, &restrictions).unwrap().map(Box::new);
        key
    }

    #[test]
    fn restrictions_come_after_every_other_refusal() {
        let now = Utc::now();
        let secret = generate_secret(Permission::Chat);
        let key = secret.expose();
        let shop = Source { origin: Some("https://shop.example.com"), address: None };
        let evil = Source { origin: Some("https://evil.example"), address: None };
        let good = restricted(
            facts(key, Permission::Chat, true, None),
            RestrictionMode::Enforce,
            &["https://shop.example.com"],
        );
        assert_eq!(check_from(key, Permission::Chat, now, &good, &shop), Ok((good.id, None)));
        assert_eq!(check_from(key, Permission::Chat, now, &good, &evil), Err(Refusal::OriginNotAllowed));
        assert_eq!(check_from(key, Permission::SecureMail, now, &good, &evil), Err(Refusal::WrongPermission));
        let disabled = KeyFacts { enabled: false, ..good.clone() };
        assert_eq!(check_from(key, Permission::Chat, now, &disabled, &evil), Err(Refusal::Disabled));
        let expired = KeyFacts { expires_at: Some(now), ..good.clone() };
        assert_eq!(check_from(key, Permission::Chat, now, &expired, &evil), Err(Refusal::Expired));

        let mail_secret = generate_secret(Permission::SecureMail);
        let mail = restricted(
            facts(mail_secret.expose(), Permission::SecureMail, true, None),
            RestrictionMode::Enforce,
            &["203.0.113.0/24"],
        );
        let inside = Source { origin: None, address: Some("203.0.113.9".parse().unwrap()) };
        let outside =
            Source { origin: Some("https://shop.example.com"), address: Some("198.51.100.1".parse().unwrap()) };
        assert_eq!(check_from(mail_secret.expose(), Permission::SecureMail, now, &mail, &inside), Ok((mail.id, None)));
        assert_eq!(
            check_from(mail_secret.expose(), Permission::SecureMail, now, &mail, &outside),
            Err(Refusal::NetworkNotAllowed)
        );
    }

    #[test]
    fn report_only_accepts_and_says_what_enforcing_would_answer() {
        let now = Utc::now();
        let secret = generate_secret(Permission::Chat);
        let key = secret.expose();
        let report = restricted(
            facts(key, Permission::Chat, true, None),
            RestrictionMode::ReportOnly,
            &["https://*.example.com"],
        );
        let inside = Source { origin: Some("https://a.example.com"), address: None };
        let outside = Source { origin: Some("https://example.com"), address: None };
        assert_eq!(check_from(key, Permission::Chat, now, &report, &inside), Ok((report.id, None)));
        assert_eq!(
            check_from(key, Permission::Chat, now, &report, &outside),
            Ok((report.id, Some(Refusal::OriginNotAllowed)))
        );
        assert_eq!(
            check_from(key, Permission::Chat, now, &report, &Source::default()),
            Ok((report.id, Some(Refusal::OriginNotAllowed))),
            "no origin at all would be blocked too"
        );
        let off =
            restricted(facts(key, Permission::Chat, true, None), RestrictionMode::Off, &["https://a.example.com"]);
        assert_eq!(check_from(key, Permission::Chat, now, &off, &outside), Ok((off.id, None)));
    }

    #[test]
    fn a_key_stops_at_its_expiry_instant() {
        let now = Utc::now();
        let secret = generate_secret(Permission::SecureMail);
        let key = facts(secret.expose(), Permission::SecureMail, true, Some(now));
        let just_before = now - Duration::milliseconds(1);
        assert!(check(secret.expose(), Permission::SecureMail, just_before, &key).is_ok());
        assert_eq!(check(secret.expose(), Permission::SecureMail, now, &key), Err(Refusal::Expired));
    }

    #[test]
    fn a_malformed_key_is_never_looked_up() {
        let mut looked_up = false;
        let refusal =
            verify::<_, KeyFacts>("kd_mail_", Permission::SecureMail, Utc::now(), false, &Source::default(), |_| {
                looked_up = true;
                None
            });
        assert_eq!(refusal.unwrap_err().refusal, Refusal::Malformed, "malformed comes first, even when stale");
        assert!(!looked_up);
    }

    #[test]
    fn stale_data_refuses_every_well_formed_key_without_a_lookup() {
        let secret = generate_secret(Permission::Chat);
        let mut looked_up = false;
        let refusal =
            verify::<_, KeyFacts>(secret.expose(), Permission::Chat, Utc::now(), false, &Source::default(), |_| {
                looked_up = true;
                None
            });
        assert_eq!(refusal.unwrap_err().refusal, Refusal::Unavailable, "before NOT_FOUND and every other code");
        assert!(!looked_up);
    }
}
