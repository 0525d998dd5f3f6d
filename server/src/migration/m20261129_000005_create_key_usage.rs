//! Key usage: what the verification API answered, per key, bucket, result and origin or
//! network, at three resolutions; and the answers that named no key, per bucket and code.
//! Buckets are Unix seconds of their UTC start. Rows are only ever added to (additive upserts
//! from every instance) and purged past their retention.

use sea_orm_migration::{prelude::*, schema::*};

#[derive(DeriveMigrationName)]
pub struct Migration;

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager
            .create_table(
                Table::create()
                    .table("key_usage")
                    .if_not_exists()
                    // No foreign key: usage stays readable (and purgeable) after a key is deleted.
                    .col(uuid("key_id"))
                    .col(string_len("resolution", 8))
                    .col(big_integer("bucket"))
                    .col(string_len("result", 24))
                    .col(string_len("dimension", 8))
                    .col(string_len("label", 2100))
                    .col(big_integer("count"))
                    .primary_key(
                        Index::create()
                            .col("key_id")
                            .col("resolution")
                            .col("bucket")
                            .col("result")
                            .col("dimension")
                            .col("label"),
                    )
                    .to_owned(),
            )
            .await?;
        manager
            .create_index(
                Index::create()
                    .name("idx_key_usage_purge")
                    .table("key_usage")
                    .if_not_exists()
                    .col("resolution")
                    .col("bucket")
                    .to_owned(),
            )
            .await?;
        manager
            .create_table(
                Table::create()
                    .table("unresolved_usage")
                    .if_not_exists()
                    .col(string_len("resolution", 8))
                    .col(big_integer("bucket"))
                    .col(string_len("code", 24))
                    .col(big_integer("count"))
                    .primary_key(Index::create().col("resolution").col("bucket").col("code"))
                    .to_owned(),
            )
            .await?;
        Ok(())
    }

    async fn down(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager.drop_table(Table::drop().table("unresolved_usage").to_owned()).await?;
        manager.drop_table(Table::drop().table("key_usage").to_owned()).await
    }
}
