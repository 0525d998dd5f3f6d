//! Webhooks: the events Keydesk sends to the endpoints administrators register, when a failed
//! delivery is tried again, and which warnings about a key's end are due. The server crate
//! stores the endpoints and the outbox, signs and delivers (Standard Webhooks).

pub mod delivery_schedule;
pub mod event;
pub mod expiry_warning;
