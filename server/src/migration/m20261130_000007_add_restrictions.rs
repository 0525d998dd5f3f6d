//! Restrictions: each key's mode (`off`, `report_only`, `enforce`) and its allowed origins or
//! networks, a JSON array of entries in their normal spelling. Every existing key is off with
//! an empty list, so it keeps working unchanged.

use sea_orm_migration::{prelude::*, schema::*};

#[derive(DeriveMigrationName)]
pub struct Migration;

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        // One column per statement, as SQLite's ALTER TABLE takes them.
        manager
            .alter_table(
                Table::alter()
                    .table("api_keys")
                    .add_column(string("restriction_mode").default("off").to_owned())
                    .to_owned(),
            )
            .await?;
        manager
            .alter_table(
                Table::alter()
                    .table("api_keys")
                    .add_column(text("allowed_sources").default("[]").to_owned())
                    .to_owned(),
            )
            .await
    }

    async fn down(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        for name in ["allowed_sources", "restriction_mode"] {
            manager.alter_table(Table::alter().table("api_keys").drop_column(name).to_owned()).await?;
        }
        Ok(())
    }
}
