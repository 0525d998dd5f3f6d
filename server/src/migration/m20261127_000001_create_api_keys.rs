use sea_orm_migration::{prelude::*, schema::*};

#[derive(DeriveMigrationName)]
pub struct Migration;

const TABLE: &str = "api_keys";

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager
            .create_table(
                Table::create()
                    .table(TABLE)
                    .if_not_exists()
                    .col(pk_uuid("id"))
                    .col(string_len("name", 100))
                    .col(text("name_folded"))
                    .col(string_len("permission", 16))
                    .col(boolean("enabled"))
                    .col(timestamp_with_time_zone_null("expires_at"))
                    .col(timestamp_with_time_zone("created_at"))
                    .col(text("created_by"))
                    .col(text("created_by_folded"))
                    .col(timestamp_with_time_zone("updated_at"))
                    .col(timestamp_with_time_zone_null("last_used_at"))
                    .col(string_len("display_prefix", 32))
                    .col(blob("secret_hash"))
                    .col(big_integer("version"))
                    .col(uuid_null("copied_from"))
                    .to_owned(),
            )
            .await?;
        for (name, column, unique) in [
            ("idx_api_keys_secret_hash", "secret_hash", true),
            ("idx_api_keys_created_at", "created_at", false),
            ("idx_api_keys_name_folded", "name_folded", false),
            ("idx_api_keys_expires_at", "expires_at", false),
        ] {
            let mut index = Index::create();
            index.name(name).table(TABLE).col(column).if_not_exists();
            if unique {
                index.unique();
            }
            manager.create_index(index.to_owned()).await?;
        }
        Ok(())
    }

    async fn down(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager.drop_table(Table::drop().table(TABLE).to_owned()).await
    }
}
