//! Keydesk's server: the adapters around `app`. SeaORM entities and migrations, the key store
//! that implements `app`'s `KeyStore`, the HTTP router, the verification
//! API with its in-memory key index, and the command line.

pub mod audit;
pub mod auth;
pub mod cli;
pub mod client;
pub mod csv_stream;
pub mod db;
pub mod demo_data;
pub mod entity;
pub mod http;
pub mod key_store;
pub mod live;
pub mod mail;
pub mod message_state;
pub mod migration;
pub mod public_url;
pub mod random;
pub mod security_headers;
pub mod usage;
pub mod verify;
pub mod webhooks;
