//! Bulk actions' previews: the keys (with the versions previewed) an action will change, kept
//! under a token for a few minutes, so applying sends only the token. A preview is bound to the
//! user who made it and is used once.

use sea_orm_migration::{prelude::*, schema::*};

#[derive(DeriveMigrationName)]
pub struct Migration;

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager
            .create_table(
                Table::create()
                    .table("bulk_previews")
                    .if_not_exists()
                    .col(pk_uuid("token"))
                    .col(text("actor"))
                    // JSON: `app::api_keys::bulk::BulkAction`.
                    .col(text("action"))
                    // JSON: `[[key id, version], ...]`.
                    .col(text("keys"))
                    .col(timestamp_with_time_zone("expires_at"))
                    .to_owned(),
            )
            .await
    }

    async fn down(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager.drop_table(Table::drop().table("bulk_previews").to_owned()).await
    }
}
