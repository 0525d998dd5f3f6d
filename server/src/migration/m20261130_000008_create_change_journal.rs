//! The change journal: on SQLite, where nothing can be listened to, every transaction that
//! changes a key or a token adds a row naming what changed, and each serving process follows the
//! journal a few times a second (`verify::sync`). So a change made by another process (the
//! command line) reaches verification within a second. PostgreSQL announces changes with
//! `pg_notify` instead and leaves this table empty. `seq` is AUTOINCREMENT on SQLite: numbers are
//! never reused after old rows are purged, so a follower's "after seq N" misses nothing.

use sea_orm_migration::{prelude::*, schema::*};

#[derive(DeriveMigrationName)]
pub struct Migration;

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager
            .create_table(
                Table::create()
                    .table("change_journal")
                    .if_not_exists()
                    .col(pk_auto("seq"))
                    .col(string("what"))
                    .col(timestamp_with_time_zone("at"))
                    .to_owned(),
            )
            .await
    }

    async fn down(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager.drop_table(Table::drop().table("change_journal").to_owned()).await
    }
}
