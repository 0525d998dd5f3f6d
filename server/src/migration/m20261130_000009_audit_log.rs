//! The Audit Log page: a bulk action's batch id on each of its events, the indexes the page's
//! filters need at a million events (by actor, action, name and second key, each newest first,
//! and newest first overall with the id breaking ties), and the actors recorded, kept apart so
//! the `Who` filter lists them without reading the whole trail.

use app::audit::AuditAction;
use sea_orm_migration::{prelude::*, schema::*};

#[derive(DeriveMigrationName)]
pub struct Migration;

const INDEXES: [(&str, &[&str]); 6] = [
    ("idx_audit_events_at_id", &["at", "id"]),
    ("idx_audit_events_actor", &["actor", "at"]),
    ("idx_audit_events_action", &["action", "at"]),
    ("idx_audit_events_subject", &["subject", "at"]),
    ("idx_audit_events_other_key", &["other_key_id", "at"]),
    ("idx_audit_events_batch", &["batch_id"]),
];

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager.alter_table(Table::alter().table("audit_events").add_column(uuid_null("batch_id")).to_owned()).await?;
        for (name, columns) in INDEXES {
            let mut index = Index::create();
            index.name(name).table("audit_events").if_not_exists();
            for column in columns {
                index.col(*column);
            }
            manager.create_index(index.to_owned()).await?;
        }
        // (at, id) serves everything (at) did.
        manager.drop_index(Index::drop().name("idx_audit_events_at").table("audit_events").to_owned()).await?;
        manager
            .create_table(
                Table::create()
                    .table("audit_actors")
                    .if_not_exists()
                    .col(text("actor"))
                    // Whether the actor has key events (what users without all rights see).
                    .col(boolean("key_events"))
                    .primary_key(Index::create().col("actor").col("key_events"))
                    .to_owned(),
            )
            .await?;
        let key_actions: Vec<String> = AuditAction::ALL
            .into_iter()
            .filter(|action| action.is_key_event())
            .map(|action| format!("'{}'", action.as_str()))
            .collect();
        manager
            .get_connection()
            .execute_unprepared(&format!(
                "INSERT INTO audit_actors (actor, key_events) \
                 SELECT DISTINCT actor, action IN ({}) FROM audit_events",
                key_actions.join(", ")
            ))
            .await?;
        Ok(())
    }

    async fn down(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager.drop_table(Table::drop().table("audit_actors").to_owned()).await?;
        for (name, _) in INDEXES {
            manager.drop_index(Index::drop().name(name).table("audit_events").to_owned()).await?;
        }
        manager
            .create_index(Index::create().name("idx_audit_events_at").table("audit_events").col("at").to_owned())
            .await?;
        manager.alter_table(Table::alter().table("audit_events").drop_column("batch_id").to_owned()).await
    }
}
