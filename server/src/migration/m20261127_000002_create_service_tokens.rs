//! Service tokens (the channel services' credentials for the verification API), and an index
//! for sorting keys by when they were last used.

use sea_orm_migration::{prelude::*, schema::*};

#[derive(DeriveMigrationName)]
pub struct Migration;

const TABLE: &str = "service_tokens";

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager
            .create_table(
                Table::create()
                    .table(TABLE)
                    .if_not_exists()
                    .col(pk_uuid("id"))
                    .col(string_len("name", 64))
                    .col(string_len("display_prefix", 32))
                    .col(blob("token_hash"))
                    .col(timestamp_with_time_zone("created_at"))
                    .col(timestamp_with_time_zone_null("revoked_at"))
                    .to_owned(),
            )
            .await?;
        manager
            .create_index(
                Index::create()
                    .name("idx_service_tokens_token_hash")
                    .table(TABLE)
                    .col("token_hash")
                    .unique()
                    .if_not_exists()
                    .to_owned(),
            )
            .await?;
        // A name is unique among live tokens; a revoked token's name may be given again.
        // (Partial indexes are spelled the same on SQLite and PostgreSQL.)
        manager
            .get_connection()
            .execute_unprepared(
                "CREATE UNIQUE INDEX IF NOT EXISTS idx_service_tokens_live_name \
                 ON service_tokens (name) WHERE revoked_at IS NULL",
            )
            .await?;
        manager
            .create_index(
                Index::create()
                    .name("idx_api_keys_last_used_at")
                    .table("api_keys")
                    .col("last_used_at")
                    .if_not_exists()
                    .to_owned(),
            )
            .await?;
        Ok(())
    }

    async fn down(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager.drop_index(Index::drop().name("idx_api_keys_last_used_at").table("api_keys").to_owned()).await?;
        manager.drop_table(Table::drop().table(TABLE).to_owned()).await
    }
}
