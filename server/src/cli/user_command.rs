//! `server user ...`: the console's users, their rights and their e-mail addresses.

use super::command_line_actor;
use crate::auth::{passwords, users};
use clap::Subcommand;
use std::io::Write;

/// Rights as the guide spells them, comma-separated: `canView,canRead,canCreate,canUpdate,canDelete`
/// (or `Nexus.ApiKeys.canView`, ...), or `all`.
const RIGHTS_HELP: &str =
    "comma-separated: canView,canRead,canCreate,canUpdate,canDelete (or Nexus.ApiKeys.canView, ...), or all";

#[derive(Debug, Clone, PartialEq, Eq, Subcommand)]
pub enum UserCommand {
    /// Add a user; the password is read from standard input (one line).
    Add {
        name: String,
        #[arg(long, help = RIGHTS_HELP)]
        rights: String,
        /// Read the password from standard input (required: passwords never go on a command line).
        #[arg(long, required = true)]
        password_stdin: bool,
        /// Where mail about the user's keys that are about to expire goes.
        #[arg(long)]
        email: Option<String>,
    },
    /// Set a user's e-mail address (`--none` removes it).
    SetEmail {
        name: String,
        #[arg(required_unless_present = "none")]
        email: Option<String>,
        #[arg(long, conflicts_with = "email")]
        none: bool,
    },
    /// List the users and their rights.
    List,
    /// Replace a user's rights.
    SetRights {
        name: String,
        #[arg(long, help = RIGHTS_HELP)]
        rights: String,
    },
    /// Set a user's password from standard input; ends their sessions.
    Passwd {
        name: String,
        #[arg(long, required = true)]
        password_stdin: bool,
    },
    /// Remove a user and end their sessions.
    Remove { name: String },
}

/// One line from standard input, without its line ending.
fn read_password_line() -> Result<String, String> {
    let mut line = String::new();
    std::io::stdin().read_line(&mut line).map_err(|e| format!("cannot read the password: {e}"))?;
    let password = line.trim_end_matches(['\r', '\n']).to_owned();
    passwords::check_new_password(&password)?;
    Ok(password)
}

pub async fn run(db: &sea_orm::DatabaseConnection, command: UserCommand) -> Result<(), String> {
    let now = app::clock::now();
    match command {
        UserCommand::Add { name, rights, password_stdin: _, email } => {
            let rights = users::parse_rights(&rights).map_err(|e| e.to_string())?;
            users::validate_user_name(&name).map_err(|e| e.to_string())?;
            if let Some(email) = &email {
                users::check_email(email).map_err(|e| e.to_string())?;
            }
            let hash = passwords::hash_password(read_password_line()?).await;
            users::add_user(db, &name, rights, hash, email.as_deref(), &command_line_actor(), now)
                .await
                .map_err(|e| e.to_string())?;
            tracing::info!(name, rights = rights.to_list(), "user added");
        }
        UserCommand::SetEmail { name, email, none: _ } => {
            users::set_email(db, &name, email.as_deref(), &command_line_actor(), now)
                .await
                .map_err(|e| e.to_string())?;
            tracing::info!(name, "e-mail address set");
        }
        UserCommand::List => {
            let mut out = std::io::stdout().lock();
            writeln!(out, "{:<32} {:<26} {:<40} RIGHTS", "NAME", "CREATED", "E-MAIL").map_err(|e| e.to_string())?;
            for user in users::list_users(db).await.map_err(|e| e.to_string())? {
                let email = user.email.as_deref().unwrap_or("-");
                let line = format!(
                    "{:<32} {:<26} {email:<40} {}",
                    user.name,
                    user.created_at.to_rfc3339(),
                    user.rights.to_list()
                );
                writeln!(out, "{line}").map_err(|e| e.to_string())?;
            }
        }
        UserCommand::SetRights { name, rights } => {
            let rights = users::parse_rights(&rights).map_err(|e| e.to_string())?;
            users::set_rights(db, &name, rights, &command_line_actor(), now).await.map_err(|e| e.to_string())?;
            tracing::info!(name, rights = rights.to_list(), "rights replaced");
        }
        UserCommand::Passwd { name, password_stdin: _ } => {
            let hash = passwords::hash_password(read_password_line()?).await;
            users::set_password(db, &name, hash, &command_line_actor(), now).await.map_err(|e| e.to_string())?;
            tracing::info!(name, "password changed; the user's sessions ended");
        }
        UserCommand::Remove { name } => {
            users::remove_user(db, &name, &command_line_actor(), now).await.map_err(|e| e.to_string())?;
            tracing::info!(name, "user removed");
        }
    }
    Ok(())
}
