//! The text of a mail about a key's end: which key, when it stops, how much it is used, and a
//! link to its details in the console.

use crate::entity::api_key;
use app::pages::api_keys::view_state::{Panel, ViewState};
use app::usage::UsageImpact;
use app::usage::summary::thousands;
use app::webhooks::expiry_warning::Warning;
use chrono::{DateTime, Utc};

/// Why a user gets the mail.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Reason {
    /// They created the key.
    Creator,
    /// They asked for mail about every key about to expire.
    Subscribed,
}

fn when(at: DateTime<Utc>) -> String {
    at.format("%Y-%m-%d %H:%M UTC").to_string()
}

/// The subject and the plain-text body.
pub fn expiry_mail(
    key: &api_key::Model,
    warning: Warning,
    usage: &UsageImpact,
    console: &str,
    reason: Reason,
) -> (String, String) {
    let ends = key.expires_at.map_or_else(|| "(no expiry)".to_owned(), when);
    let (subject, opening) = match warning.days_before() {
        Some(days) => {
            let within = if days == 1 { "a day".to_owned() } else { format!("{days} days") };
            (
                format!("API key “{}” stops working within {within}", key.name),
                format!("The API key “{}” ({}) expires on {ends}.", key.name, key.permission),
            )
        }
        None => (
            format!("Replaced API key “{}” stops working within 24 hours and is still in use", key.name),
            format!(
                "The API key “{}” ({}) was replaced, and its grace period ends on {ends}; it is still in use.",
                key.name, key.permission
            ),
        ),
    };
    let used = match (usage.uses_7d, usage.last_used_at) {
        (0, None) => "It has never been used.".to_owned(),
        (0, Some(last)) => format!("It answered no valid verification in the last 7 days (last used {}).", when(last)),
        (uses, last) => format!(
            "In the last 7 days it answered {} valid verifications; last used {}.",
            thousands(uses),
            last.map_or_else(|| "-".to_owned(), when)
        ),
    };
    let action = match warning {
        Warning::GraceEnding => "Move its callers to the new key, or extend the grace period, before then.",
        _ => "Extend it, or rotate it and move its callers to the new key, before then.",
    };
    let link = format!("{console}{}", ViewState::default().with_panel(Some(Panel::Details(key.id))).href());
    let why = match reason {
        Reason::Creator => "You get this mail because you created this key.",
        Reason::Subscribed => {
            "You get this mail because you asked for mail about keys that are about to expire (Notifications page)."
        }
    };
    let body = format!("{opening}\n\n{used}\n\n{action}\n{link}\n\nCreated by {}.\n{why}\n", key.created_by);
    (subject, body)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_mail_names_the_key_its_end_its_use_and_links_to_it() {
        let at = DateTime::parse_from_rfc3339("2026-12-07T12:00:00Z").unwrap().to_utc();
        let key = api_key::Model { last_used_at: Some(at), ..api_key::sample("Chat widget", at) };
        let usage = UsageImpact { uses_7d: 1234, uses_24h: 10, last_used_at: Some(at), origins: vec![] };
        let (subject, body) =
            expiry_mail(&key, Warning::Expiring7, &usage, "https://keys.example.com", Reason::Creator);
        assert_eq!(subject, "API key “Chat widget” stops working within 7 days");
        assert!(body.starts_with("The API key “Chat widget” (chat) expires on 2026-12-07 12:00 UTC."), "{body}");
        assert!(body.contains("answered 1,234 valid verifications"), "{body}");
        assert!(
            body.contains(
                "https://keys.example.com/provisioning/api-keys?panel=key:00000000-0000-0000-0000-000000000000"
            ),
            "{body}"
        );
        assert!(!body.contains("kd_chat_"));
        let (subject, _) = expiry_mail(&key, Warning::GraceEnding, &usage, "", Reason::Subscribed);
        assert!(subject.starts_with("Replaced API key “Chat widget” stops working within 24 hours"), "{subject}");
    }
}
