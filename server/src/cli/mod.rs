//! What was typed on the command line (or set in the environment), resolved once at start.

use clap::{Parser, Subcommand};
use std::net::SocketAddr;
use std::path::PathBuf;

mod key_command;
mod token_command;
mod user_command;
mod webhook_command;
pub use key_command::{KeyCommand, run as run_key_command};
pub use token_command::{TokenCommand, run as run_token_command};
pub use user_command::{UserCommand, run as run_user_command};
pub use webhook_command::{WebhookCommand, run as run_webhook_command};

#[derive(Debug, Parser)]
#[command(name = "server", version, about = "Keydesk: the API-key console for the platform's digital channels.")]
pub struct Cli {
    /// Database URL: `sqlite://PATH?mode=rwc` (embedded; the file and its folder are created
    /// if missing) or `postgres://USER:PASSWORD@HOST:PORT/DB`.
    #[arg(
        long,
        env = "DATABASE_URL",
        default_value = "sqlite://data/keydesk.db?mode=rwc",
        global = true,
        hide_env_values = true
    )]
    pub database_url: String,

    /// Address the web console listens on.
    #[arg(long, env = "KEYDESK_ADDR", default_value = "127.0.0.1:3000", global = true)]
    pub addr: SocketAddr,

    /// Folder with the built site (the wasm, JS and CSS that cargo-leptos produced).
    #[arg(long, env = "LEPTOS_SITE_ROOT", default_value = "target/site", global = true)]
    pub site_root: PathBuf,

    /// Log format: `text` for people, `json` (one object per line) for log collectors.
    #[arg(long, env = "KEYDESK_LOG_FORMAT", value_enum, default_value_t = LogFormat::Text, global = true)]
    pub log_format: LogFormat,

    /// Proxies whose X-Forwarded-For and X-Forwarded-Proto are believed: comma-separated
    /// addresses or networks (`10.0.0.0/8,192.168.1.4`). Empty: the socket's peer is the client.
    #[arg(long, env = "KEYDESK_TRUSTED_PROXIES", value_delimiter = ',', global = true)]
    pub trusted_proxies: Vec<TrustedProxy>,

    /// The one address people open the console at, e.g. `https://keys.example.com`: the console
    /// answers only for this origin (421 for any other Host; state changes from any other Origin
    /// are refused). Default: `http://` and `--addr` (a loopback address also answers as
    /// `localhost`, `127.0.0.1` and `[::1]`). Required when `--addr` is `0.0.0.0` or `[::]`.
    #[arg(long, env = "KEYDESK_PUBLIC_URL", global = true)]
    pub public_url: Option<String>,

    /// How long verification may answer from memory after losing touch with the database
    /// (`30s`, `10m`, `1h`). Past it, every verification answers 503 UNAVAILABLE, unless
    /// `--stale fail-open`.
    #[arg(long, env = "KEYDESK_MAX_STALENESS", default_value = "10m", value_parser = parse_age, global = true)]
    pub max_staleness: chrono::Duration,

    /// What verification does past `--max-staleness`: `fail-closed` (503 UNAVAILABLE) or
    /// `fail-open` (keep answering from memory, however old).
    #[arg(long, env = "KEYDESK_STALE", value_enum, default_value_t = StalePolicy::FailClosed, global = true)]
    pub stale: StalePolicy,

    /// How often each instance writes the usage counts it holds (`5s`, `10s`, `1m`). A crash
    /// loses at most this much of them; a graceful stop loses nothing.
    #[arg(long, env = "KEYDESK_USAGE_FLUSH_EVERY", default_value = "10s", value_parser = parse_interval, global = true)]
    pub usage_flush_every: chrono::Duration,

    /// The most keys a page holds in the browser to answer search, filters, sort and paging
    /// without a request; with more keys, the page asks the server for each view.
    #[arg(long, env = "KEYDESK_BROWSER_TABLE_LIMIT", default_value_t = app::api_keys::key_list::DEFAULT_LIMIT, global = true)]
    pub browser_table_limit: u64,

    /// Let webhook endpoints use `http` and private addresses (internal receivers, tests). By
    /// default they must be `https` and resolve only to public addresses.
    #[arg(long, env = "KEYDESK_WEBHOOKS_ALLOW_PRIVATE", global = true)]
    pub webhooks_allow_private: bool,

    /// The SMTP server that mail about keys' ends goes through:
    /// `smtp://[user:password@]host[:port][?tls=required]` (STARTTLS) or `smtps://...` (TLS).
    /// Without it no mail is sent and everything else works.
    #[arg(long, env = "KEYDESK_SMTP_URL", global = true, hide_env_values = true)]
    pub smtp_url: Option<String>,

    /// The sender of that mail, e.g. `Keydesk <keydesk@example.com>` (required with --smtp-url).
    #[arg(long, env = "KEYDESK_SMTP_FROM", global = true)]
    pub smtp_from: Option<String>,

    /// Record no usage (bench/verify.sh measures what recording costs; never in production).
    #[arg(long, env = "KEYDESK_BENCH_NO_USAGE", hide = true, global = true)]
    pub bench_no_usage: bool,

    /// Serve the benchmark's baseline route too (bench/verify.sh; never in production).
    #[arg(long, env = "KEYDESK_BENCH_BASELINE", hide = true, global = true)]
    pub bench_baseline: bool,

    #[command(subcommand)]
    pub command: Option<Command>,
}

/// `--stale`: what verification does once its data is older than `--max-staleness`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, clap::ValueEnum)]
pub enum StalePolicy {
    FailClosed,
    FailOpen,
}

impl Cli {
    /// `--smtp-url` and `--smtp-from` as the mail worker takes them; `None` without SMTP.
    pub fn mail_settings(&self, console: String) -> Result<Option<crate::mail::MailSettings>, String> {
        let Some(url) = self.smtp_url.as_deref().filter(|url| !url.trim().is_empty()) else { return Ok(None) };
        let from = self
            .smtp_from
            .as_deref()
            .ok_or("--smtp-url needs --smtp-from (KEYDESK_SMTP_FROM), the sender's address")?;
        crate::mail::MailSettings::new(url, from, console).map(Some)
    }

    /// `--usage-flush-every` (and the bench's `--bench-no-usage`) as the recorder takes them.
    pub fn usage_settings(&self) -> crate::usage::UsageSettings {
        crate::usage::UsageSettings {
            flush_every: self.usage_flush_every.to_std().unwrap_or(std::time::Duration::from_secs(10)),
            recording: !self.bench_no_usage,
            ..crate::usage::UsageSettings::default()
        }
    }

    /// `--max-staleness` and `--stale` as the verifier takes them.
    pub fn staleness_bound(&self) -> crate::verify::StalenessBound {
        crate::verify::StalenessBound {
            max: self.max_staleness.to_std().unwrap_or_default(),
            fail_open: self.stale == StalePolicy::FailOpen,
        }
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, clap::ValueEnum)]
pub enum LogFormat {
    Text,
    Json,
}

#[derive(Debug, Clone, PartialEq, Eq, Subcommand)]
pub enum Command {
    /// Serve the console (the default). Brings the schema up to date first.
    Serve,
    /// Bring the database schema up to date, then exit.
    Migrate,
    /// Load the guide's ten sample keys into a database that has no keys yet.
    DemoData,
    /// Add synthetic keys, for benchmarks and load tests (never on a production database).
    Seed {
        /// How many keys to add.
        #[arg(long, default_value_t = 10_000)]
        keys: usize,
    },
    /// Manage the service tokens that callers of the verification API present.
    #[command(subcommand)]
    Token(TokenCommand),
    /// Manage API keys from the command line.
    #[command(subcommand)]
    Key(KeyCommand),
    /// Manage the console's users and their rights.
    #[command(subcommand)]
    User(UserCommand),
    /// Manage the webhook endpoints that key events are sent to.
    #[command(subcommand)]
    Webhook(WebhookCommand),
    /// Print the audit trail: every change and sign-in, oldest first.
    Audit {
        /// How far back: a number and a unit, `30m`, `12h` or `7d`.
        #[arg(long, default_value = "7d", value_parser = parse_age)]
        since: chrono::Duration,
    },
}

/// `30s`, `30m`, `12h`, `7d` as a duration.
fn parse_age(text: &str) -> Result<chrono::Duration, String> {
    let problem = || format!("{text:?} is not an age like 30s, 30m, 12h or 7d");
    let (number, unit) = text.trim().split_at(text.trim().len().saturating_sub(1));
    let number: i64 = number.parse().map_err(|_| problem())?;
    match unit {
        "s" => chrono::Duration::try_seconds(number),
        "m" => chrono::Duration::try_minutes(number),
        "h" => chrono::Duration::try_hours(number),
        "d" => chrono::Duration::try_days(number),
        _ => None,
    }
    .filter(|age| *age >= chrono::Duration::zero())
    .ok_or_else(problem)
}

/// [`parse_age`], more than zero.
fn parse_interval(text: &str) -> Result<chrono::Duration, String> {
    let interval = parse_age(text)?;
    if interval <= chrono::Duration::zero() {
        return Err(format!("{text:?} must be more than zero"));
    }
    Ok(interval)
}

/// Prints a secret once, to standard output only (never through the log system).
pub(crate) fn print_secret_once(secret: &str) -> Result<(), String> {
    use std::io::Write;
    writeln!(std::io::stdout(), "{secret}").map_err(|e| format!("cannot print the secret: {e}"))
}

/// Who the audit trail names for a change made with this command line: `cli:$USER`.
pub fn command_line_actor() -> app::audit::Actor {
    let user = std::env::var("USER").unwrap_or_else(|_| "unknown".to_owned());
    app::audit::Actor::new(format!("cli:{user}"), None)
}

/// One `--trusted-proxies` entry: an address or a network.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct TrustedProxy(pub ipnet::IpNet);

impl std::str::FromStr for TrustedProxy {
    type Err = String;

    fn from_str(text: &str) -> Result<Self, Self::Err> {
        let text = text.trim();
        text.parse::<ipnet::IpNet>()
            .or_else(|_| text.parse::<std::net::IpAddr>().map(ipnet::IpNet::from))
            .map(TrustedProxy)
            .map_err(|_| format!("{text:?} is not an IP address or network like 10.0.0.0/8"))
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use app::api_keys::restrictions::RestrictionMode;
    use clap::CommandFactory;

    #[test]
    fn the_command_line_is_consistent() {
        Cli::command().debug_assert();
    }

    #[test]
    fn serve_is_the_default_and_flags_override_defaults() {
        let cli =
            Cli::try_parse_from(["server", "--addr", "127.0.0.1:9000", "--database-url", "sqlite::memory:"]).unwrap();
        assert_eq!(cli.command, None);
        assert_eq!(cli.addr.port(), 9000);
        assert_eq!(cli.database_url, "sqlite::memory:");
        let cli = Cli::try_parse_from(["server", "demo-data"]).unwrap();
        assert_eq!(cli.command, Some(Command::DemoData));
        assert!(Cli::try_parse_from(["server", "--addr", "nowhere"]).is_err());
        let cli = Cli::try_parse_from(["server", "--trusted-proxies", "10.0.0.0/8,192.168.1.4", "migrate"]).unwrap();
        assert_eq!(cli.trusted_proxies.len(), 2);
        assert!(Cli::try_parse_from(["server", "--trusted-proxies", "proxy.internal", "migrate"]).is_err());
        assert!(
            Cli::try_parse_from(["server", "user", "add", "ann", "--rights", "all"]).is_err(),
            "password from stdin only"
        );
        let cli = Cli::try_parse_from(["server", "audit", "--since", "12h"]).unwrap();
        assert_eq!(cli.command, Some(Command::Audit { since: chrono::Duration::hours(12) }));
        for bad in ["12", "h", "-1d", "3w", "5 m"] {
            assert!(Cli::try_parse_from(["server", "audit", "--since", bad]).is_err(), "{bad}");
        }
        let cli = Cli::try_parse_from(["server"]).unwrap();
        assert_eq!((cli.max_staleness, cli.stale), (chrono::Duration::minutes(10), StalePolicy::FailClosed));
        let cli = Cli::try_parse_from(["server", "--max-staleness", "30s", "--stale", "fail-open"]).unwrap();
        assert_eq!((cli.max_staleness, cli.stale), (chrono::Duration::seconds(30), StalePolicy::FailOpen));
        assert!(Cli::try_parse_from(["server", "--usage-flush-every", "0s"]).is_err());
        let cli = Cli::try_parse_from(["server", "--usage-flush-every", "2s"]).unwrap();
        assert_eq!(cli.usage_settings().flush_every, std::time::Duration::from_secs(2));
        let cli = Cli::try_parse_from(["server", "key", "usage", "Chat widget", "--since", "30d"]).unwrap();
        let usage = KeyCommand::Usage { key: "Chat widget".into(), since: chrono::Duration::days(30) };
        assert_eq!(cli.command, Some(Command::Key(usage)));
        let cli = Cli::try_parse_from(["server", "token", "revoke", "chat-gateway"]).unwrap();
        assert_eq!(cli.command, Some(Command::Token(TokenCommand::Revoke { name: "chat-gateway".into() })));
    }

    #[test]
    fn rotation_takes_a_grace_or_a_date_not_both() {
        let rotate = |args: &[&str]| Cli::try_parse_from([&["server", "key", "rotate", "Chat widget"], args].concat());
        let until = "2027-01-01T00:00:00Z";
        let Some(Command::Key(KeyCommand::Rotate { grace, until: none, stop_when_unused: false, .. })) =
            rotate(&[]).unwrap().command
        else {
            panic!("a rotation")
        };
        assert_eq!((grace, none), (chrono::Duration::days(7), None), "7 days by default");
        let Some(Command::Key(KeyCommand::Rotate { until: date, stop_when_unused: true, .. })) =
            rotate(&["--until", until, "--stop-when-unused"]).unwrap().command
        else {
            panic!("a rotation until a date")
        };
        assert_eq!(date.as_deref(), Some(until));
        assert!(rotate(&["--grace", "1h", "--until", until]).is_err());
        let cli = Cli::try_parse_from(["server", "token", "rotate", "chat-gateway"]).unwrap();
        let rotation = TokenCommand::Rotate { name: "chat-gateway".into(), grace: chrono::Duration::hours(1) };
        assert_eq!(cli.command, Some(Command::Token(rotation)));
    }

    #[test]
    fn restrict_takes_a_mode_a_list_or_both() {
        let restrict =
            |args: &[&str]| Cli::try_parse_from([&["server", "key", "restrict", "Chat widget"], args].concat());
        let Some(Command::Key(KeyCommand::Restrict { mode, allow, clear: false, .. })) =
            restrict(&["--mode", "enforce", "--allow", "https://shop.example.com", "--allow", "https://*.example.com"])
                .unwrap()
                .command
        else {
            panic!("a restriction")
        };
        assert_eq!((mode, allow.len()), (Some(RestrictionMode::Enforce), 2));
        assert!(restrict(&["--mode", "report-only"]).is_ok());
        assert!(restrict(&[]).is_err(), "nothing to change");
        assert!(restrict(&["--mode", "strict"]).is_err());
        assert!(restrict(&["--clear", "--allow", "https://a.example"]).is_err());
    }
}
