//! `server webhook ...`: webhook endpoints from the command line.

use crate::webhooks::endpoints::SeaNotificationStore;
use app::webhooks::endpoint::NewEndpoint;
use app::webhooks::event::EventType;
use app::webhooks::store::NotificationStore;
use clap::Subcommand;
use std::io::Write;

#[derive(Debug, Clone, PartialEq, Eq, Subcommand)]
pub enum WebhookCommand {
    /// Add an endpoint (it is not contacted); its signing secret is printed once to standard
    /// output.
    Add {
        /// `https://...` (`http` and private addresses only with KEYDESK_WEBHOOKS_ALLOW_PRIVATE).
        url: String,
        /// Comma-separated: key.created, key.updated, key.enabled, key.disabled, key.deleted,
        /// key.rotated, key.restrictions_changed, key.expiring, key.expired, key.grace_ending.
        #[arg(long)]
        events: String,
        #[arg(long, default_value = "")]
        description: String,
    },
    /// List the endpoints with their last delivery.
    List,
    /// Remove an endpoint, its messages and its delivery log.
    Remove {
        /// The endpoint's id, or enough of its start to name one.
        id: String,
    },
    /// Send a test event now and print how it went.
    Test {
        /// The endpoint's id, or enough of its start to name one.
        id: String,
    },
}

fn print(line: impl std::fmt::Display) -> Result<(), String> {
    writeln!(std::io::stdout(), "{line}").map_err(|e| e.to_string())
}

pub async fn run(store: SeaNotificationStore, command: WebhookCommand) -> Result<(), String> {
    let (actor, now) = (&super::command_line_actor(), app::clock::now());
    match command {
        WebhookCommand::Add { url, events, description } => {
            let events = EventType::parse_list(&events).map_err(|e| format!("--events: {e}"))?;
            let created =
                store.add(NewEndpoint { url, description, events }, actor, now).await.map_err(|e| e.to_string())?;
            print(&created.secret)?;
            tracing::info!(endpoint_id = %created.endpoint.id, "webhook endpoint added; its signing secret is shown this once");
        }
        WebhookCommand::List => {
            print(format!("{:<36}  {:<8}  {:<24}  {:<40}  URL", "ID", "STATE", "LAST DELIVERY", "EVENTS"))?;
            for endpoint in store.list(now).await.map_err(|e| e.to_string())? {
                let state = if endpoint.enabled { "enabled" } else { "disabled" };
                let last = endpoint.last_delivery.as_ref().map_or_else(
                    || "-".to_owned(),
                    |delivery| format!("{} {}", delivery.at.format("%Y-%m-%d %H:%M"), delivery.result_text()),
                );
                let events = EventType::list_text(&endpoint.events);
                print(format!("{:<36}  {state:<8}  {last:<24}  {events:<40}  {}", endpoint.id, endpoint.url))?;
                if let Some(reason) = endpoint.disabled_reason {
                    print(format!("    {reason}"))?;
                }
            }
        }
        WebhookCommand::Remove { id } => {
            let id = store.find_by_prefix(&id).await?;
            store.remove(id, actor, now).await.map_err(|e| e.to_string())?;
            tracing::info!(endpoint_id = %id, "webhook endpoint removed");
        }
        WebhookCommand::Test { id } => {
            let id = store.find_by_prefix(&id).await?;
            let delivery = store.send_test(id, actor, now).await.map_err(|e| e.to_string())?;
            print(format!("{} in {} ms", delivery.result_text(), delivery.duration_ms))?;
            if !delivery.succeeded() {
                return Err("the test event was not delivered".to_owned());
            }
        }
    }
    Ok(())
}
