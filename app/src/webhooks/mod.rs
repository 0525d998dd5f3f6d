//! Webhooks: the events Keydesk sends to the endpoints administrators register, where it may
//! send them, when a failed delivery is tried again, and which warnings about a key's end are
//! due. The server crate will store the endpoints and the outbox, sign and deliver (Standard
//! Webhooks).

pub mod delivery_schedule;
#[cfg(feature = "ssr")]
pub mod endpoint_url;
pub mod event;
pub mod expiry_warning;
