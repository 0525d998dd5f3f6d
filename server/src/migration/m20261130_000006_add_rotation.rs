//! Rotation: the old key names its successor (`replaced_by`), when it was replaced, its expiry
//! from before the rotation (which caps `Extend`) and whether it stops early once unused; the
//! new key names the key it `replaces`. No foreign keys: either key may be deleted alone.
//! A rotation's audit event names both keys: `audit_events.other_key_id` puts it in the second
//! key's history too. One column per statement, as SQLite's ALTER TABLE takes them.

use sea_orm_migration::{prelude::*, schema::*};

#[derive(DeriveMigrationName)]
pub struct Migration;

const COLUMNS: [&str; 5] = ["replaces", "replaced_by", "rotated_at", "expiry_before_rotation", "stop_when_unused"];

fn column(name: &'static str) -> ColumnDef {
    match name {
        "replaces" | "replaced_by" => uuid_null(name),
        "rotated_at" | "expiry_before_rotation" => timestamp_with_time_zone_null(name),
        _ => boolean(name).default(false).to_owned(),
    }
}

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        for name in COLUMNS {
            manager.alter_table(Table::alter().table("api_keys").add_column(column(name)).to_owned()).await?;
        }
        manager
            .alter_table(Table::alter().table("audit_events").add_column(uuid_null("other_key_id")).to_owned())
            .await?;
        manager
            .create_index(
                Index::create()
                    .name("idx_audit_events_other_key")
                    .table("audit_events")
                    .if_not_exists()
                    .col("other_key_id")
                    .to_owned(),
            )
            .await?;
        // The early stop looks for replaced keys only.
        manager
            .create_index(
                Index::create()
                    .name("idx_api_keys_replaced_by")
                    .table("api_keys")
                    .if_not_exists()
                    .col("replaced_by")
                    .to_owned(),
            )
            .await
    }

    async fn down(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager.drop_index(Index::drop().name("idx_api_keys_replaced_by").table("api_keys").to_owned()).await?;
        manager.drop_index(Index::drop().name("idx_audit_events_other_key").table("audit_events").to_owned()).await?;
        manager.alter_table(Table::alter().table("audit_events").drop_column("other_key_id").to_owned()).await?;
        for name in COLUMNS.into_iter().rev() {
            manager.alter_table(Table::alter().table("api_keys").drop_column(name).to_owned()).await?;
        }
        Ok(())
    }
}
