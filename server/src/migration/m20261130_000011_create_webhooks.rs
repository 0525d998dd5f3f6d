//! Webhooks: the endpoints (their URL and signing secrets sealed, see `webhooks::sealing`), the
//! outbox of messages to deliver (one per endpoint and event, written in the transaction of the
//! change it announces), each delivery attempt, and the expiry warnings already sent (their
//! primary key makes the periodic scan idempotent across restarts and instances).

use sea_orm_migration::{prelude::*, schema::*};

#[derive(DeriveMigrationName)]
pub struct Migration;

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager
            .create_table(
                Table::create()
                    .table("webhook_endpoints")
                    .if_not_exists()
                    .col(pk_uuid("id"))
                    // What the console shows: credentials and query values masked.
                    .col(text("url_masked"))
                    // The URL as typed, sealed (it may carry credentials).
                    .col(blob("url_sealed"))
                    .col(text("description"))
                    // Comma-separated event names.
                    .col(text("events"))
                    .col(boolean("enabled"))
                    // Why it was switched off by Keydesk (failing for days), if it was.
                    .col(text_null("disabled_reason"))
                    .col(blob("secret_sealed"))
                    // While a secret is rolled, the old one signs too until then.
                    .col(blob_null("previous_secret_sealed"))
                    .col(timestamp_with_time_zone_null("previous_secret_until"))
                    // The first failure since the last success.
                    .col(timestamp_with_time_zone_null("failing_since"))
                    .col(timestamp_with_time_zone("created_at"))
                    .col(text("created_by"))
                    .col(big_integer("version"))
                    .to_owned(),
            )
            .await?;
        manager
            .create_table(
                Table::create()
                    .table("webhook_messages")
                    .if_not_exists()
                    .col(pk_uuid("id"))
                    .col(uuid("endpoint_id"))
                    .col(text("event_type"))
                    // The exact body that is signed and sent, every attempt the same.
                    .col(text("body"))
                    .col(timestamp_with_time_zone("created_at"))
                    // `pending`, `delivered` or `failed`.
                    .col(text("state"))
                    .col(integer("attempts"))
                    .col(timestamp_with_time_zone("next_attempt_at"))
                    // An instance delivering it holds it until then.
                    .col(timestamp_with_time_zone_null("locked_until"))
                    .col(timestamp_with_time_zone_null("finished_at"))
                    .foreign_key(
                        ForeignKey::create()
                            .from("webhook_messages", "endpoint_id")
                            .to("webhook_endpoints", "id")
                            .on_delete(ForeignKeyAction::Cascade),
                    )
                    .to_owned(),
            )
            .await?;
        manager
            .create_index(
                Index::create()
                    .name("idx_webhook_messages_due")
                    .table("webhook_messages")
                    .if_not_exists()
                    .col("state")
                    .col("next_attempt_at")
                    .to_owned(),
            )
            .await?;
        manager
            .create_index(
                Index::create()
                    .name("idx_webhook_messages_endpoint")
                    .table("webhook_messages")
                    .if_not_exists()
                    .col("endpoint_id")
                    .to_owned(),
            )
            .await?;
        manager
            .create_table(
                Table::create()
                    .table("webhook_attempts")
                    .if_not_exists()
                    .col(pk_uuid("id"))
                    .col(uuid("message_id"))
                    .col(uuid("endpoint_id"))
                    .col(timestamp_with_time_zone("at"))
                    .col(integer("attempt"))
                    .col(integer_null("status"))
                    // `delivered`, `http_error`, `timed_out`, `unreachable` or `refused_address`.
                    .col(text("outcome"))
                    .col(integer("duration_ms"))
                    .foreign_key(
                        ForeignKey::create()
                            .from("webhook_attempts", "message_id")
                            .to("webhook_messages", "id")
                            .on_delete(ForeignKeyAction::Cascade),
                    )
                    .to_owned(),
            )
            .await?;
        manager
            .create_index(
                Index::create()
                    .name("idx_webhook_attempts_endpoint")
                    .table("webhook_attempts")
                    .if_not_exists()
                    .col("endpoint_id")
                    .col("at")
                    .to_owned(),
            )
            .await?;
        manager
            .create_index(
                Index::create()
                    .name("idx_webhook_attempts_message")
                    .table("webhook_attempts")
                    .if_not_exists()
                    .col("message_id")
                    .to_owned(),
            )
            .await?;
        manager
            .create_table(
                Table::create()
                    .table("expiry_warnings")
                    .if_not_exists()
                    .col(uuid("key_id"))
                    // The expiry the warning was about: a changed expiry re-arms the warnings.
                    .col(timestamp_with_time_zone("expires_at"))
                    // `app::webhooks::expiry_warning::Warning::as_str`.
                    .col(text("warning"))
                    .col(timestamp_with_time_zone("sent_at"))
                    .primary_key(Index::create().col("key_id").col("expires_at").col("warning"))
                    .foreign_key(
                        ForeignKey::create()
                            .from("expiry_warnings", "key_id")
                            .to("api_keys", "id")
                            .on_delete(ForeignKeyAction::Cascade),
                    )
                    .to_owned(),
            )
            .await
    }

    async fn down(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        for table in ["expiry_warnings", "webhook_attempts", "webhook_messages", "webhook_endpoints"] {
            manager.drop_table(Table::drop().table(table).to_owned()).await?;
        }
        Ok(())
    }
}
