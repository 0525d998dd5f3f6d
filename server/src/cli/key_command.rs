//! `server key ...`: what can be done to keys from the command line.

use super::parse_age;
use app::api_keys::restrictions::RestrictionMode;
use clap::Subcommand;

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
