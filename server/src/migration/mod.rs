//! The schema, as SeaORM migrations in its DSL: one set that runs on SQLite and PostgreSQL.
//! The server applies them at start (`Migrator::up`); `server migrate` applies them alone.

use sea_orm_migration::prelude::*;

mod m20261127_000001_create_api_keys;
mod m20261127_000002_create_service_tokens;
mod m20261127_000003_create_users_and_sessions;
mod m20261127_000004_create_audit_events;
mod m20261129_000005_create_key_usage;
mod m20261130_000006_add_rotation;
mod m20261130_000007_add_restrictions;
mod m20261130_000008_create_change_journal;
mod m20261130_000009_audit_log;
mod m20261130_000010_create_bulk_previews;
mod m20261130_000011_create_webhooks;
mod m20261130_000012_add_mail;

pub struct Migrator;

#[async_trait::async_trait]
impl MigratorTrait for Migrator {
    fn migrations() -> Vec<Box<dyn MigrationTrait>> {
        vec![
            Box::new(m20261127_000001_create_api_keys::Migration),
            Box::new(m20261127_000002_create_service_tokens::Migration),
            Box::new(m20261127_000003_create_users_and_sessions::Migration),
            Box::new(m20261127_000004_create_audit_events::Migration),
            Box::new(m20261129_000005_create_key_usage::Migration),
            Box::new(m20261130_000006_add_rotation::Migration),
            Box::new(m20261130_000007_add_restrictions::Migration),
            Box::new(m20261130_000008_create_change_journal::Migration),
            Box::new(m20261130_000009_audit_log::Migration),
            Box::new(m20261130_000010_create_bulk_previews::Migration),
            Box::new(m20261130_000011_create_webhooks::Migration),
            Box::new(m20261130_000012_add_mail::Migration),
        ]
    }
}
