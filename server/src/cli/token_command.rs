//! `server token ...`: the service tokens callers of the verification API present.

use super::{command_line_actor, parse_age, print_secret_once};
use crate::verify::tokens;
use clap::Subcommand;
use std::io::Write;

#[derive(Debug, Clone, PartialEq, Eq, Subcommand)]
pub enum TokenCommand {
    /// Make a token and print it once to standard output (it is stored only as a hash).
    Add {
        /// A name for the caller, e.g. `chat-gateway` (letters, digits, '.', '_', '-').
        name: String,
    },
    /// List the tokens, live and revoked (never the tokens themselves).
    List,
    /// Revoke the live token of this name (and end an older one's rotation grace); every
    /// instance refuses it within a second.
    Revoke { name: String },
    /// Replace the live token of this name with a new one, printed once to standard output; the
    /// old one keeps working for the grace period, so callers can switch without an outage.
    Rotate {
        name: String,
        /// How long the old token keeps working: `30m`, `1h`, `7d`, ... (`0s`: it stops now).
        #[arg(long, default_value = "1h", value_parser = parse_age)]
        grace: chrono::Duration,
    },
}

pub async fn run(db: &sea_orm::DatabaseConnection, command: TokenCommand) -> Result<(), String> {
    let now = app::clock::now();
    match command {
        TokenCommand::Add { name } => {
            let token = tokens::add_token(db, &name, &command_line_actor(), now).await.map_err(|e| e.to_string())?;
            print_secret_once(token.expose())?;
            tracing::info!(name, "service token added; it is shown this once");
        }
        TokenCommand::List => {
            let mut out = std::io::stdout().lock();
            let print =
                |out: &mut std::io::StdoutLock, line: String| writeln!(out, "{line}").map_err(|e| e.to_string());
            print(&mut out, format!("{:<32} {:<14} {:<26} {}", "NAME", "PREFIX", "CREATED", "REVOKED"))?;
            for token in tokens::list_tokens(db).await.map_err(|e| e.to_string())? {
                let revoked = token.revoked_at.map_or_else(|| "-".to_owned(), |at| at.to_rfc3339());
                let line = format!(
                    "{:<32} {:<14} {:<26} {}",
                    token.name,
                    token.display_prefix,
                    token.created_at.to_rfc3339(),
                    revoked
                );
                print(&mut out, line)?;
            }
        }
        TokenCommand::Revoke { name } => {
            tokens::revoke_token(db, &name, &command_line_actor(), now).await.map_err(|e| e.to_string())?;
            tracing::info!(name, "service token revoked");
        }
        TokenCommand::Rotate { name, grace } => {
            let token =
                tokens::rotate_token(db, &name, grace, &command_line_actor(), now).await.map_err(|e| e.to_string())?;
            print_secret_once(token.expose())?;
            let old_until = (now + grace).to_rfc3339();
            tracing::info!(name, old_until, "service token rotated; the new one is shown this once");
        }
    }
    Ok(())
}
