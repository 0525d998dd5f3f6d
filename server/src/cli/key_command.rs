//! `server key ...`: what can be done to keys from the command line.

use super::{command_line_actor, parse_age, print_secret_once};
use crate::key_store::SeaKeyStore;
use app::api_keys::bulk::Selection;
use app::api_keys::restrictions::RestrictionMode;
use app::api_keys::rotation::{Grace, RotationRequest};
use app::api_keys::store::KeyStore;
use app::api_keys::{KeyChanges, KeyQuery, NewKey, Permission};
use clap::Subcommand;
use std::io::Write;

#[derive(Debug, Clone, PartialEq, Eq, Subcommand)]
pub enum KeyCommand {
    /// Print a key's verifications by result and by origin.
    Usage {
        /// The key's id, or its exact name.
        key: String,
        /// How far back: `30m`, `12h`, `7d`, ... (at most 400 days are kept).
        #[arg(long, default_value = "7d", value_parser = parse_age)]
        since: chrono::Duration,
    },
    /// Rotate an API key: a new key with a new secret takes its name, permission, state and
    /// expiry; the new secret is printed once to standard output. The old key keeps working for
    /// the grace period, never past its own expiry.
    Rotate {
        /// The key's id, or its exact name (of two keys with that name, the one not replaced).
        key: String,
        /// How long the old key keeps working: `1h`, `24h`, `7d`, ... (`0s`: it stops now).
        #[arg(long, value_parser = parse_age, conflicts_with = "until", default_value = "7d")]
        grace: chrono::Duration,
        /// Keep the old key working until this instant instead, RFC 3339 (at most its own expiry).
        #[arg(long)]
        until: Option<String>,
        /// Stop the old key early once it has not been used for 24 hours.
        #[arg(long)]
        stop_when_unused: bool,
    },
    /// Restrict where an API key works: its mode, and its allowed origins (chat keys) or
    /// networks (secure-mail keys). Prints the key's restrictions as they are afterwards.
    #[command(group(clap::ArgGroup::new("change").required(true).multiple(true).args(["mode", "allow", "clear"])))]
    Restrict {
        /// The key's id, or its exact name (of two keys with that name, the one not replaced).
        key: String,
        /// `off`, `report_only` or `enforce`; left as it is if not given.
        #[arg(long, value_parser = parse_restriction_mode)]
        mode: Option<RestrictionMode>,
        /// An allowed origin (`https://shop.example.com`, `https://*.example.com`) or network
        /// (`203.0.113.0/24`, `2001:db8::/48`); repeat it for several. Replaces the list.
        #[arg(long)]
        allow: Vec<String>,
        /// Empty the list.
        #[arg(long, conflicts_with = "allow")]
        clear: bool,
    },
    /// Act on many keys at once: every key of a view of the table (`--query`, the page's URL
    /// query string, e.g. `status=soon_unavailable&q=shop`) or the keys named (`--key`). Prints
    /// the preview (what changes, what is skipped and why, recent uses), then applies it as one
    /// transaction, each key with its own audit event sharing one batch id.
    #[command(group(clap::ArgGroup::new("selection").required(true).args(["query", "key"])))]
    Bulk {
        /// `enable`, `disable`, `set-expiry` (with `--expires-at`) or `delete`.
        #[arg(value_parser = ["enable", "disable", "set-expiry", "delete"])]
        action: String,
        /// The view, as in the page's URL after `?` (`""` for every key).
        #[arg(long)]
        query: Option<String>,
        /// A key's id or exact name; repeat it for several.
        #[arg(long, conflicts_with = "query")]
        key: Vec<String>,
        /// For `set-expiry`: RFC 3339 (2027-12-31T23:59:00Z), or `never`.
        #[arg(long)]
        expires_at: Option<String>,
        /// Print the preview only.
        #[arg(long)]
        dry_run: bool,
    },
    /// Create an enabled API key and print its secret once to standard output. Its creator is
    /// recorded as `cli:$USER`.
    Create {
        name: String,
        /// `chat` or `secure_mail`.
        #[arg(long)]
        permission: String,
        /// When it stops working, RFC 3339 (e.g. 2027-12-31T23:59:00Z); never, if left out.
        #[arg(long)]
        expires_at: Option<String>,
    },
}

fn parse_restriction_mode(text: &str) -> Result<RestrictionMode, String> {
    RestrictionMode::parse(&text.trim().replace('-', "_"))
        .ok_or_else(|| format!("{text:?} is not a restriction mode: off, report_only or enforce"))
}

pub async fn run(db: sea_orm::DatabaseConnection, command: KeyCommand) -> Result<(), String> {
    match command {
        KeyCommand::Create { name, permission, expires_at } => {
            let permission: Permission = permission.parse().map_err(|e| format!("--permission: {e}"))?;
            let expires_at = expires_at
                .map(|text| chrono::DateTime::parse_from_rfc3339(&text).map(|at| at.to_utc()))
                .transpose()
                .map_err(|e| format!("--expires-at must be RFC 3339, e.g. 2027-12-31T23:59:00Z: {e}"))?;
            let new = NewKey { name, permission, enabled: true, expires_at, copied_from: None };
            let created = SeaKeyStore::new(db)
                .create(new, &command_line_actor(), app::clock::now())
                .await
                .map_err(|e| e.to_string())?;
            print_secret_once(created.secret.expose())?;
            tracing::info!(key_id = %created.key.id, "API key created; its secret is shown this once");
        }
        KeyCommand::Rotate { key, grace, until, stop_when_unused } => {
            let grace = match until {
                Some(text) => chrono::DateTime::parse_from_rfc3339(&text)
                    .map(|at| Grace::Until(at.to_utc()))
                    .map_err(|e| format!("--until must be RFC 3339, e.g. 2027-12-31T23:59:00Z: {e}"))?,
                None if grace.is_zero() => Grace::Now,
                None => Grace::ForSeconds(grace.num_seconds()),
            };
            let old = crate::key_store::named_key(&db, &key).await?;
            let request = RotationRequest { grace, stop_when_unused };
            let rotated = SeaKeyStore::new(db)
                .rotate(old.id, request, &command_line_actor(), app::clock::now())
                .await
                .map_err(|e| e.to_string())?;
            print_secret_once(rotated.created.secret.expose())?;
            let capped = if rotated.grace_end.capped { " (cut short by its own expiry)" } else { "" };
            tracing::info!(
                old_key_id = %old.id,
                new_key_id = %rotated.created.key.id,
                "API key rotated; the new secret is shown this once. The old key works until {}{capped}",
                rotated.grace_end.at.to_rfc3339()
            );
        }
        KeyCommand::Restrict { key, mode, allow, clear } => {
            let row = crate::key_store::named_key(&db, &key).await?;
            let store = SeaKeyStore::new(db);
            let current = store.get(row.id).await.map_err(|e| e.to_string())?;
            let mut restrictions = current.restrictions.clone();
            if let Some(mode) = mode {
                restrictions.mode = mode;
            }
            if clear || !allow.is_empty() {
                restrictions.allowed = allow;
            }
            let changes = KeyChanges { restrictions: Some(restrictions), ..KeyChanges::unchanged(&current) };
            let updated = store
                .update(row.id, changes, &command_line_actor(), app::clock::now())
                .await
                .map_err(|e| e.to_string())?;
            writeln!(std::io::stdout(), "{}", updated.restrictions.describe()).map_err(|e| e.to_string())?;
        }
        KeyCommand::Bulk { action, query, key, expires_at, dry_run } => {
            let action = crate::key_store::bulk_action(&action, expires_at.as_deref())?;
            let selection = match query {
                Some(query) => Selection::View(KeyQuery::from_query_string(&query)),
                None => {
                    let mut ids = Vec::new();
                    for key in &key {
                        ids.push(crate::key_store::named_key(&db, key).await?.id);
                    }
                    Selection::Picked(ids)
                }
            };
            let store = SeaKeyStore::new(db);
            let (actor, now) = (command_line_actor(), app::clock::now());
            let preview = store.preview_bulk(selection, action, &actor, now).await.map_err(|e| e.to_string())?;
            write!(std::io::stdout(), "{}", crate::key_store::preview_text(&preview)).map_err(|e| e.to_string())?;
            if !dry_run && preview.count > 0 {
                let outcome = store.apply_bulk(preview.token, action, &actor, now).await.map_err(|e| e.to_string())?;
                writeln!(
                    std::io::stdout(),
                    "Done: {} (batch {}).",
                    app::api_keys::bulk::keys(outcome.changed),
                    outcome.batch_id
                )
                .map_err(|e| e.to_string())?;
            }
        }
        KeyCommand::Usage { key, since } => {
            let row = crate::key_store::named_key(&db, &key).await?;
            let text = crate::usage::command::key_usage_text(&db, &row, since, app::clock::now()).await?;
            write!(std::io::stdout(), "{text}").map_err(|e| e.to_string())?;
        }
    }
    Ok(())
}
