//! Signing deliveries exactly as Standard Webhooks specifies, with the specification's own crate
//! (`standardwebhooks`): a secret is `whsec_` and the standard base64 of 32 random bytes, the
//! HMAC-SHA256 key is those bytes, and `webhook-signature` is `v1,<base64 of HMAC(id "."
//! timestamp "." body)>`, once per secret, space-separated while a secret is being rolled.

use base64::Engine;
use base64::engine::general_purpose::STANDARD;
use standardwebhooks::Webhook;
use uuid::Uuid;

/// An endpoint's signing secret (`whsec_...`). Its `Debug` never shows it.
#[derive(Clone, PartialEq, Eq)]
pub struct SigningSecret(String);

impl std::fmt::Debug for SigningSecret {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("SigningSecret(…)")
    }
}

impl SigningSecret {
    /// A new secret: `whsec_` and the standard base64 of 32 random bytes.
    pub fn generate() -> SigningSecret {
        SigningSecret(format!("whsec_{}", STANDARD.encode(crate::random::bytes::<32>())))
    }

    /// A secret as it was sealed (see `sealing`); `None` if it is not one.
    pub fn from_text(text: &str) -> Option<SigningSecret> {
        let bytes = STANDARD.decode(text.strip_prefix("whsec_")?).ok()?;
        (!bytes.is_empty()).then(|| SigningSecret(text.to_owned()))
    }

    /// The secret itself, to seal it or to show it the one time it is made.
    pub fn expose(&self) -> &str {
        &self.0
    }
}

/// The `webhook-id` of a message: the same for every attempt to deliver it.
pub fn message_id(id: Uuid) -> String {
    format!("msg_{}", id.simple())
}

/// The `webhook-signature` header for `body` sent as message `msg_id` at `timestamp` (Unix
/// seconds), signed with each of `secrets` (the current one, and the previous one while a roll's
/// 24 hours last).
pub fn signature_header(secrets: &[&SigningSecret], msg_id: &str, timestamp: i64, body: &str) -> String {
    secrets
        .iter()
        .map(|secret| {
            let webhook = Webhook::new(secret.expose()).expect("a SigningSecret is valid base64");
            webhook.sign(msg_id, timestamp, body.as_bytes()).expect("a str body is UTF-8")
        })
        .collect::<Vec<_>>()
        .join(" ")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn signatures_match_the_specification_s_example() {
        // The example of the Standard Webhooks specification and its libraries' tests.
        let secret = SigningSecret::from_text("whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw").unwrap();
        let header =
            signature_header(&[&secret], "msg_p5jXN8AQM9LWM0D4loKWxJek", 1614265330, r#"{"test": 2432232314}"#);
        assert_eq!(header, "v1,g0hM9SsE+OTPJTGt/tmIKtSyZlE3uFJELVlNIOLJ1OE=");
    }

    #[test]
    fn while_a_secret_rolls_each_secret_signs_and_a_receiver_of_either_verifies() {
        let (old, new) = (SigningSecret::generate(), SigningSecret::generate());
        assert!(new.expose().starts_with("whsec_") && STANDARD.decode(&new.expose()[6..]).unwrap().len() == 32);
        assert_ne!(old, new);
        let id = message_id(Uuid::new_v4());
        let now = chrono::Utc::now().timestamp();
        let body = r#"{"type":"key.disabled"}"#;
        let header = signature_header(&[&new, &old], &id, now, body);
        assert_eq!(header.split(' ').count(), 2);
        let mut headers = axum::http::HeaderMap::new();
        headers.insert("webhook-id", id.parse().unwrap());
        headers.insert("webhook-timestamp", now.to_string().parse().unwrap());
        headers.insert("webhook-signature", header.parse().unwrap());
        for secret in [&old, &new] {
            assert!(Webhook::new(secret.expose()).unwrap().verify(body.as_bytes(), &headers).is_ok());
        }
        let stranger = SigningSecret::generate();
        assert!(Webhook::new(stranger.expose()).unwrap().verify(body.as_bytes(), &headers).is_err());
        assert_eq!(format!("{new:?}"), "SigningSecret(…)");
        assert_eq!(SigningSecret::from_text("whsec_!!"), None);
        assert_eq!(SigningSecret::from_text("MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw"), None, "the prefix is part of it");
    }
}
