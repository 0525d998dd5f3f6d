//! SeaORM entities: the database's shape. They never leave the server; `key_store` converts
//! them into `app`'s types.

pub mod api_key;
pub mod audit_actor;
pub mod audit_event;
pub mod bulk_preview;
pub mod expiry_warning;
pub mod key_usage;
pub mod mail_message;
pub mod service_token;
pub mod session;
pub mod unresolved_usage;
pub mod user;
pub mod webhook_attempt;
pub mod webhook_endpoint;
pub mod webhook_message;
