//! Webhook endpoints and their deliveries as the Notifications page, its server functions and
//! the command line see them. Secrets appear only in [`CreatedEndpoint`] and [`RolledSecret`],
//! each sent once.

use super::event::EventType;
use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};
use uuid::Uuid;

/// The longest description kept.
pub const DESCRIPTION_MAX: usize = 200;
/// Deliveries shown in an endpoint's log.
pub const DELIVERY_LOG_SIZE: u64 = 100;
/// The type of the message `Send test event` sends.
pub const TEST_EVENT: &str = "webhook.test";

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Endpoint {
    pub id: Uuid,
    /// With its credentials and query values masked.
    pub url: String,
    pub description: String,
    pub events: Vec<EventType>,
    pub enabled: bool,
    /// Why Keydesk switched it off (it kept failing), if it did.
    pub disabled_reason: Option<String>,
    /// While a secret is rolled, the old one also signs until then.
    pub previous_secret_until: Option<DateTime<Utc>>,
    pub last_delivery: Option<Delivery>,
    pub created_at: DateTime<Utc>,
    pub created_by: String,
}

/// What an administrator submits to add an endpoint.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct NewEndpoint {
    pub url: String,
    #[serde(default)]
    pub description: String,
    pub events: Vec<EventType>,
}

impl NewEndpoint {
    /// The description trimmed, and the checks that need no network: the URL's own checks are
    /// `endpoint_url::check_url`.
    pub fn checked_description(&self) -> Result<String, String> {
        let description = self.description.trim();
        if description.chars().count() > DESCRIPTION_MAX {
            return Err(format!("The description is longer than {DESCRIPTION_MAX} characters."));
        }
        if description.chars().any(char::is_control) {
            return Err("The description must be one line of text.".to_owned());
        }
        Ok(description.to_owned())
    }

    /// The events, each once and in order; at least one.
    pub fn checked_events(&self) -> Result<Vec<EventType>, String> {
        let mut events = self.events.clone();
        events.sort();
        events.dedup();
        if events.is_empty() {
            return Err("Choose at least one event.".to_owned());
        }
        Ok(events)
    }
}

/// A new endpoint and its signing secret, shown this once.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct CreatedEndpoint {
    pub endpoint: Endpoint,
    pub secret: String,
}

/// A rolled endpoint's new secret, shown this once; the old one signs too until `old_until`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct RolledSecret {
    pub secret: String,
    pub old_until: DateTime<Utc>,
}

/// How one delivery attempt ended.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Outcome {
    /// A 2xx answer.
    Delivered,
    /// Any other answer (its status is beside it).
    HttpError,
    /// No answer within the timeout.
    TimedOut,
    /// No connection (no such host, refused, TLS failed).
    Unreachable,
    /// The host resolved only to addresses webhooks may not go to.
    AddressNotAllowed,
}

impl Outcome {
    pub const ALL: [Outcome; 5] =
        [Outcome::Delivered, Outcome::HttpError, Outcome::TimedOut, Outcome::Unreachable, Outcome::AddressNotAllowed];

    pub fn code(self) -> &'static str {
        match self {
            Outcome::Delivered => "delivered",
            Outcome::HttpError => "http_error",
            Outcome::TimedOut => "timed_out",
            Outcome::Unreachable => "unreachable",
            Outcome::AddressNotAllowed => "address_not_allowed",
        }
    }

    pub fn parse(code: &str) -> Option<Outcome> {
        Outcome::ALL.into_iter().find(|outcome| outcome.code() == code)
    }
}

/// One delivery attempt, as the delivery log lists it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Delivery {
    pub message_id: Uuid,
    /// `key.disabled`, ... or [`TEST_EVENT`].
    pub event: String,
    pub at: DateTime<Utc>,
    pub status: Option<u16>,
    pub outcome: Outcome,
    pub duration_ms: u32,
    /// 1 for the first try of its message.
    pub attempt: u32,
    /// The message was given up (no more automatic tries): it may be retried by hand.
    pub retryable: bool,
}

impl Delivery {
    /// The outcome as the console and the command line show it: "HTTP 200", "HTTP 500", or
    /// "Unreachable" for every failure without an answer (no address allowed, refused, timed
    /// out). No more than that: the endpoint form must not be a way to scan the network. The
    /// server's log has the cause.
    pub fn result_text(&self) -> String {
        match (self.outcome, self.status) {
            (Outcome::Delivered | Outcome::HttpError, Some(status)) => format!("HTTP {status}"),
            _ => "Unreachable".to_owned(),
        }
    }

    pub fn succeeded(&self) -> bool {
        self.outcome == Outcome::Delivered
    }
}

/// A signed-in user's mail about keys' ends.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct MailPreference {
    /// Where their mail goes (set with `server user add --email` or `server user set-email`).
    pub email: Option<String>,
    /// Mail about every key about to expire, not only the keys they created.
    pub expiry_mail: bool,
    /// Whether the server sends mail at all (SMTP is configured).
    pub mail_on: bool,
}

/// The Notifications page's endpoints.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Notifications {
    pub endpoints: Vec<Endpoint>,
    /// Whether the signed-in user may add, change and remove endpoints (all five rights).
    pub can_manage: bool,
    /// Whether endpoints can be added at all: a secrets key is configured.
    pub secrets_ready: bool,
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn descriptions_and_events_are_checked() {
        let new = NewEndpoint {
            url: String::new(),
            description: "  Pager  ".to_owned(),
            events: vec![EventType::KeyExpired, EventType::KeyCreated, EventType::KeyExpired],
        };
        assert_eq!(new.checked_description().unwrap(), "Pager");
        assert_eq!(new.checked_events().unwrap(), [EventType::KeyCreated, EventType::KeyExpired]);
        let long = NewEndpoint { description: "x".repeat(201), ..new.clone() };
        assert!(long.checked_description().unwrap_err().contains("200"));
        let two_lines = NewEndpoint { description: "a\nb".to_owned(), ..new.clone() };
        assert!(two_lines.checked_description().is_err());
        let none = NewEndpoint { events: vec![], ..new };
        assert_eq!(none.checked_events().unwrap_err(), "Choose at least one event.");
    }

    #[test]
    fn a_failure_says_no_more_than_the_status_or_unreachable() {
        let delivery = |outcome, status| Delivery {
            message_id: Uuid::nil(),
            event: TEST_EVENT.to_owned(),
            at: Utc::now(),
            status,
            outcome,
            duration_ms: 3,
            attempt: 1,
            retryable: false,
        };
        assert_eq!(delivery(Outcome::Delivered, Some(204)).result_text(), "HTTP 204");
        assert_eq!(delivery(Outcome::HttpError, Some(500)).result_text(), "HTTP 500");
        assert_eq!(delivery(Outcome::Unreachable, None).result_text(), "Unreachable");
        assert_eq!(delivery(Outcome::TimedOut, None).result_text(), "Unreachable");
        assert_eq!(delivery(Outcome::AddressNotAllowed, None).result_text(), "Unreachable");
        for outcome in Outcome::ALL {
            assert_eq!(Outcome::parse(outcome.code()), Some(outcome));
        }
    }
}
