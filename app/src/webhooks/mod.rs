//! Webhooks: the events Keydesk sends to the endpoints administrators register, where it may
//! send them, when a failed delivery is tried again, and which warnings about a key's end are
//! due; the endpoints as the Notifications page shows them, and its server functions. The server
//! crate stores the endpoints and the outbox, signs and delivers (Standard Webhooks).

pub mod delivery_schedule;
pub mod endpoint;
#[cfg(feature = "ssr")]
pub mod endpoint_url;
pub mod event;
pub mod expiry_warning;
pub mod server_fns;
#[cfg(feature = "ssr")]
pub mod store;
