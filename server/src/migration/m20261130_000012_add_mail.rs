//! E-mail about keys' ends: each user's optional address and their choice to hear about every
//! key (not only their own), and the outbox of mails to send (written in the expiry scan's
//! transaction, sent by a worker like the webhooks' one).

use sea_orm_migration::{prelude::*, schema::*};

#[derive(DeriveMigrationName)]
pub struct Migration;

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager.alter_table(Table::alter().table("users").add_column(text_null("email")).to_owned()).await?;
        manager
            .alter_table(Table::alter().table("users").add_column(boolean("expiry_mail").default(false)).to_owned())
            .await?;
        manager
            .create_table(
                Table::create()
                    .table("mail_messages")
                    .if_not_exists()
                    .col(pk_uuid("id"))
                    .col(text("recipient"))
                    .col(text("subject"))
                    .col(text("body"))
                    .col(timestamp_with_time_zone("created_at"))
                    // `pending`, `delivered` or `failed`, as webhook messages.
                    .col(text("state"))
                    .col(integer("attempts"))
                    .col(timestamp_with_time_zone("next_attempt_at"))
                    .col(timestamp_with_time_zone_null("locked_until"))
                    .col(timestamp_with_time_zone_null("finished_at"))
                    .to_owned(),
            )
            .await?;
        manager
            .create_index(
                Index::create()
                    .name("idx_mail_messages_due")
                    .table("mail_messages")
                    .if_not_exists()
                    .col("state")
                    .col("next_attempt_at")
                    .to_owned(),
            )
            .await
    }

    async fn down(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager.drop_table(Table::drop().table("mail_messages").to_owned()).await?;
        manager.alter_table(Table::alter().table("users").drop_column("expiry_mail").to_owned()).await?;
        manager.alter_table(Table::alter().table("users").drop_column("email").to_owned()).await
    }
}
