//! The server's integration tests, one binary (one link, one copy of the dependencies on disk):
//! real SQLite and PostgreSQL, the real router in-process, real server processes where
//! instances talk to each other.

#[macro_use]
mod support;

mod audit_log;
mod auth;
mod bulk;
mod filter_agreement;
mod hardening;
mod http;
mod key_export;
mod live;
mod mail;
mod multi_instance;
mod notices;
mod processes;
mod restrictions;
mod rotation;
mod route_groups;
mod store;
mod usage;
mod verify_api;
mod webhook_processes;
mod webhooks;
