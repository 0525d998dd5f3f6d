//! The events Keydesk sends to webhook endpoints: their names, as the Standard Webhooks `type`
//! field and the endpoint's choice of events spell them.

use crate::api_keys::input::FieldChange;
use crate::audit::AuditAction;
use crate::error::Field;
use serde::{Deserialize, Serialize};

#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
pub enum EventType {
    #[serde(rename = "key.created")]
    KeyCreated,
    #[serde(rename = "key.updated")]
    KeyUpdated,
    #[serde(rename = "key.enabled")]
    KeyEnabled,
    #[serde(rename = "key.disabled")]
    KeyDisabled,
    #[serde(rename = "key.deleted")]
    KeyDeleted,
    #[serde(rename = "key.rotated")]
    KeyRotated,
    #[serde(rename = "key.restrictions_changed")]
    KeyRestrictionsChanged,
    /// 30, 7 and 1 days before a working key expires (the most urgent one not sent yet).
    #[serde(rename = "key.expiring")]
    KeyExpiring,
    #[serde(rename = "key.expired")]
    KeyExpired,
    /// 24 hours before a rotation's grace ends while the old key is still in use.
    #[serde(rename = "key.grace_ending")]
    KeyGraceEnding,
}

impl EventType {
    pub const ALL: [EventType; 10] = [
        EventType::KeyCreated,
        EventType::KeyUpdated,
        EventType::KeyEnabled,
        EventType::KeyDisabled,
        EventType::KeyDeleted,
        EventType::KeyRotated,
        EventType::KeyRestrictionsChanged,
        EventType::KeyExpiring,
        EventType::KeyExpired,
        EventType::KeyGraceEnding,
    ];

    /// The name on the wire and on the command line: `key.disabled`.
    pub fn as_str(self) -> &'static str {
        match self {
            EventType::KeyCreated => "key.created",
            EventType::KeyUpdated => "key.updated",
            EventType::KeyEnabled => "key.enabled",
            EventType::KeyDisabled => "key.disabled",
            EventType::KeyDeleted => "key.deleted",
            EventType::KeyRotated => "key.rotated",
            EventType::KeyRestrictionsChanged => "key.restrictions_changed",
            EventType::KeyExpiring => "key.expiring",
            EventType::KeyExpired => "key.expired",
            EventType::KeyGraceEnding => "key.grace_ending",
        }
    }

    pub fn parse(text: &str) -> Option<EventType> {
        EventType::ALL.into_iter().find(|event| event.as_str() == text)
    }

    /// A comma-separated list (`key.expiring,key.disabled`), each event once, in the order of
    /// [`EventType::ALL`]; an unknown name is refused with the list of known ones.
    pub fn parse_list(text: &str) -> Result<Vec<EventType>, String> {
        let mut events = Vec::new();
        for name in text.split(',').map(str::trim).filter(|name| !name.is_empty()) {
            let event = EventType::parse(name).ok_or_else(|| {
                let known: Vec<&str> = EventType::ALL.iter().map(|e| e.as_str()).collect();
                format!("{:?} is not an event; the events are {}.", name, known.join(", "))
            })?;
            events.push(event);
        }
        if events.is_empty() {
            return Err("Choose at least one event.".to_owned());
        }
        events.sort();
        events.dedup();
        Ok(events)
    }

    /// The events a change recorded in the audit trail announces: an update names what it
    /// changed (switched on or off, restrictions, anything else: one event each).
    pub fn of_key_change(action: AuditAction, changes: &[FieldChange]) -> Vec<EventType> {
        match action {
            AuditAction::KeyCreated | AuditAction::KeyCopied => vec![EventType::KeyCreated],
            AuditAction::KeyEnabled => vec![EventType::KeyEnabled],
            AuditAction::KeyDisabled => vec![EventType::KeyDisabled],
            AuditAction::KeyDeleted => vec![EventType::KeyDeleted],
            AuditAction::KeyRotated => vec![EventType::KeyRotated],
            AuditAction::KeyRotationFinished | AuditAction::KeyRotationExtended => vec![EventType::KeyUpdated],
            AuditAction::KeyUpdated => {
                let mut events = Vec::new();
                for change in changes {
                    let event = match change.field {
                        Field::Enabled if change.new == "true" => EventType::KeyEnabled,
                        Field::Enabled => EventType::KeyDisabled,
                        Field::Restrictions => EventType::KeyRestrictionsChanged,
                        _ => EventType::KeyUpdated,
                    };
                    if !events.contains(&event) {
                        events.push(event);
                    }
                }
                events
            }
            _ => Vec::new(),
        }
    }

    /// The list as [`EventType::parse_list`] reads it (and the database stores it).
    pub fn list_text(events: &[EventType]) -> String {
        events.iter().map(|e| e.as_str()).collect::<Vec<_>>().join(",")
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn names_round_trip_and_lists_are_checked() {
        for event in EventType::ALL {
            assert_eq!(EventType::parse(event.as_str()), Some(event));
            assert_eq!(serde_json::to_value(event).unwrap(), event.as_str());
        }
        assert_eq!(
            EventType::parse_list(" key.disabled, key.expiring ,key.disabled").unwrap(),
            [EventType::KeyDisabled, EventType::KeyExpiring]
        );
        let unknown = EventType::parse_list("key.expiring,key.exploded").unwrap_err();
        assert!(unknown.starts_with("\"key.exploded\" is not an event; the events are key.created,"), "{unknown}");
        assert_eq!(EventType::parse_list(" , ").unwrap_err(), "Choose at least one event.");
        assert_eq!(EventType::list_text(&[EventType::KeyCreated, EventType::KeyExpired]), "key.created,key.expired");
    }

    #[test]
    fn a_change_announces_what_it_changed() {
        let change = |field, new: &str| FieldChange { field, old: String::new(), new: new.to_owned() };
        assert_eq!(EventType::of_key_change(AuditAction::KeyCopied, &[]), [EventType::KeyCreated]);
        let renamed_and_restricted = [change(Field::Name, "b"), change(Field::Restrictions, "enforce")];
        assert_eq!(
            EventType::of_key_change(AuditAction::KeyUpdated, &renamed_and_restricted),
            [EventType::KeyUpdated, EventType::KeyRestrictionsChanged]
        );
        let switched_off_and_renamed =
            [change(Field::Enabled, "false"), change(Field::Name, "b"), change(Field::ExpiresAt, "never")];
        assert_eq!(
            EventType::of_key_change(AuditAction::KeyUpdated, &switched_off_and_renamed),
            [EventType::KeyDisabled, EventType::KeyUpdated]
        );
        assert_eq!(EventType::of_key_change(AuditAction::KeyRotated, &[]), [EventType::KeyRotated]);
        assert!(EventType::of_key_change(AuditAction::SignedIn, &[]).is_empty());
        assert!(EventType::of_key_change(AuditAction::KeyUpdated, &[]).is_empty());
    }
}
