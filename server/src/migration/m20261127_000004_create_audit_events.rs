//! The audit trail. Rows are only ever added; a deleted key's history stays.

use sea_orm_migration::{prelude::*, schema::*};

#[derive(DeriveMigrationName)]
pub struct Migration;

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager
            .create_table(
                Table::create()
                    .table("audit_events")
                    .if_not_exists()
                    .col(pk_uuid("id"))
                    .col(timestamp_with_time_zone("at"))
                    .col(text("actor"))
                    .col(text_null("address"))
                    .col(string_len("action", 32))
                    .col(text("subject"))
                    // The key an event concerns, for its history (no foreign key: history outlives keys).
                    .col(uuid_null("key_id"))
                    // JSON: `[{"field", "old", "new"}, ...]`.
                    .col(text("changes"))
                    .col(text_null("note"))
                    .to_owned(),
            )
            .await?;
        for (name, columns) in [("idx_audit_events_at", &["at"][..]), ("idx_audit_events_key", &["key_id", "at"][..])] {
            let mut index = Index::create();
            index.name(name).table("audit_events").if_not_exists();
            for column in columns {
                index.col(*column);
            }
            manager.create_index(index.to_owned()).await?;
        }
        Ok(())
    }

    async fn down(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager.drop_table(Table::drop().table("audit_events").to_owned()).await
    }
}
