//! The bodies Keydesk sends: `{"type": "key.disabled", "timestamp": "<RFC 3339>", "data": {...}}`.
//! They name the key (id, name, permission, state, expiry, creator) and never carry its secret or
//! hash; expiry and grace events add the key's valid verifications of the last 7 days and its
//! last use.

use crate::entity::api_key;
use app::api_keys::input::FieldChange;
use app::usage::UsageImpact;
use app::webhooks::endpoint::TEST_EVENT;
use app::webhooks::event::EventType;
use app::webhooks::expiry_warning::Warning;
use chrono::{DateTime, SecondsFormat, Utc};
use serde_json::{Value, json};
use uuid::Uuid;

/// What a key event says besides the key.
#[derive(Debug, Clone, Copy, Default)]
pub struct Context<'a> {
    /// Who made the change (`None` for the scan's warnings).
    pub actor: Option<&'a str>,
    pub changes: &'a [FieldChange],
    /// A rotation's other key.
    pub other_key_id: Option<Uuid>,
    pub usage: Option<&'a UsageImpact>,
    pub warning: Option<Warning>,
}

fn instant(at: DateTime<Utc>) -> String {
    at.to_rfc3339_opts(SecondsFormat::Millis, true)
}

fn key(row: &api_key::Model) -> Value {
    json!({
        "id": row.id,
        "name": row.name,
        "permission": row.permission,
        "enabled": row.enabled,
        "expires_at": row.expires_at.map(instant),
        "created_by": row.created_by,
        "created_at": instant(row.created_at),
        "replaced_by": row.replaced_by,
    })
}

fn envelope(event_type: &str, at: DateTime<Utc>, data: Value) -> String {
    json!({ "type": event_type, "timestamp": instant(at), "data": data }).to_string()
}

/// The body announcing `event` about `row` at `at`.
pub fn key_event(event: EventType, row: &api_key::Model, context: Context<'_>, at: DateTime<Utc>) -> String {
    let mut data = json!({ "key": key(row) });
    let fields = data.as_object_mut().expect("an object");
    if let Some(actor) = context.actor {
        fields.insert("actor".into(), actor.into());
    }
    if !context.changes.is_empty() {
        let changes: Vec<Value> = context
            .changes
            .iter()
            .map(|change| json!({ "field": change.field.to_string(), "old": change.old, "new": change.new }))
            .collect();
        fields.insert("changes".into(), changes.into());
    }
    if let Some(other) = context.other_key_id {
        fields.insert("other_key_id".into(), json!(other));
    }
    if let Some(days) = context.warning.and_then(Warning::days_before) {
        fields.insert("days_before".into(), days.into());
    }
    if let Some(usage) = context.usage {
        let usage = json!({ "valid_verifications_7d": usage.uses_7d, "last_used_at": usage.last_used_at.map(instant) });
        fields.insert("usage".into(), usage);
    }
    envelope(event.as_str(), at, data)
}

/// `Send test event`'s body.
pub fn test_event(endpoint: Uuid, at: DateTime<Utc>) -> String {
    envelope(TEST_EVENT, at, json!({ "endpoint_id": endpoint, "message": "A test event from Keydesk." }))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_key_event_names_the_key_and_never_its_secret() {
        let at = DateTime::parse_from_rfc3339("2026-11-30T12:00:00Z").unwrap().to_utc();
        let row = api_key::Model { enabled: false, ..api_key::sample("Chat widget", at) };
        let changes = [FieldChange::enabled(false)];
        let context = Context { actor: Some("bob"), changes: &changes, ..Context::default() };
        let body: Value = serde_json::from_str(&key_event(EventType::KeyDisabled, &row, context, at)).unwrap();
        assert_eq!(body["type"], "key.disabled");
        assert_eq!(body["timestamp"], "2026-11-30T12:00:00.000Z");
        assert_eq!(body["data"]["key"]["name"], "Chat widget");
        assert_eq!(body["data"]["key"]["created_by"], "alice");
        assert_eq!(body["data"]["actor"], "bob");
        assert_eq!(body["data"]["changes"][0]["new"], "false");
        let text = body.to_string();
        assert!(!text.contains("kd_chat") && !text.to_lowercase().contains("abab"), "{text}");
    }
}
