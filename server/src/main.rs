//! `server`: serve the console, migrate the database, or load the sample keys.

use app::api_keys::key_list::BrowserTableLimit;
use app::audit::Actor;
use axum::serve::ListenerExt;
use clap::Parser;
use server::auth::{Auth, passwords, users};
use server::cli::{Cli, Command, LogFormat};
use server::key_store::SeaKeyStore;
use server::mail::{self, sender::MailSender};
use server::message_state;
use server::public_url::PublicUrl;
use server::verify::VerifyServices;
use server::verify::sync::SyncIntervals;
use server::webhooks::{
    client::WebhookClient, delivery, endpoints::SeaNotificationStore, expiry_scan, sealing::SecretsKey,
};
use server::{db, http};
use std::io::Write;
use std::process::ExitCode;
use tracing_subscriber::EnvFilter;

/// Worker threads' stacks: server-side rendering of the page nests deeply, and unoptimised
/// builds need more than tokio's default 2 MiB for it.
const WORKER_STACK_BYTES: usize = 8 << 20;

fn main() -> ExitCode {
    let runtime = tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .thread_stack_size(WORKER_STACK_BYTES)
        .build()
        .expect("start the async runtime");
    runtime.block_on(start())
}

async fn start() -> ExitCode {
    let cli = Cli::parse();
    let filter = EnvFilter::try_from_default_env().unwrap_or_else(|_| EnvFilter::new("info"));
    // Logs go to standard error; standard output carries only what a command prints for its
    // caller (a new token's or key's secret, `list` tables), so it can be captured cleanly.
    let logs = tracing_subscriber::fmt().with_env_filter(filter).with_writer(std::io::stderr);
    match cli.log_format {
        LogFormat::Text => logs.init(),
        LogFormat::Json => logs.json().init(),
    }
    match run(cli).await {
        Ok(()) => ExitCode::SUCCESS,
        Err(error) => {
            tracing::error!("{error}");
            ExitCode::FAILURE
        }
    }
}

async fn run(cli: Cli) -> Result<(), String> {
    // Resolved before the database is opened: a console that would answer for any name must
    // not start at all.
    let public_url = match cli.command {
        None | Some(Command::Serve) => Some(PublicUrl::resolve(cli.public_url.as_deref(), cli.addr)?),
        Some(_) => None,
    };
    // The URL may hold a password: only its scheme is ever logged.
    let backend = cli.database_url.split(':').next().unwrap_or("?").to_owned();
    let db = db::connect_and_migrate(&cli.database_url)
        .await
        .map_err(|e| format!("cannot open the {backend} database: {e}"))?;
    let secrets = SecretsKey::load(&cli.database_url)?.map(std::sync::Arc::new);
    let mail = match &public_url {
        Some(public_url) => cli.mail_settings(public_url.origin())?,
        None => None,
    };
    let webhooks = SeaNotificationStore::new(db.clone(), secrets, WebhookClient::new(cli.webhooks_allow_private))
        .with_mail_on(mail.is_some());
    let staleness_bound = cli.staleness_bound();
    let usage_settings = cli.usage_settings();
    match cli.command.unwrap_or(Command::Serve) {
        Command::Migrate => {
            tracing::info!(backend, "database schema is up to date");
            Ok(())
        }
        Command::DemoData => {
            let added = SeaKeyStore::new(db).load_demo_data(app::clock::now()).await.map_err(|e| e.to_string())?;
            if added == 0 {
                tracing::info!("the database already has keys; no sample keys added");
            } else {
                tracing::info!(added, "sample keys loaded");
            }
            Ok(())
        }
        Command::Seed { keys } => {
            SeaKeyStore::new(db).load_synthetic_keys(keys, app::clock::now()).await.map_err(|e| e.to_string())?;
            tracing::info!(keys, "synthetic keys added");
            Ok(())
        }
        Command::Token(command) => server::cli::run_token_command(&db, command).await,
        Command::Key(command) => server::cli::run_key_command(db, command).await,
        Command::User(command) => server::cli::run_user_command(&db, command).await,
        Command::Webhook(command) => server::cli::run_webhook_command(webhooks, command).await,
        Command::Audit { since } => print_audit(&db, since).await,
        Command::Serve => {
            let public_url = public_url.ok_or("the public URL is resolved for serve")?;
            let trusted_proxies: Vec<_> = cli.trusted_proxies.iter().map(|proxy| proxy.0).collect();
            let auth = Auth::new(db.clone(), trusted_proxies.clone(), public_url);
            ensure_an_administrator(&db).await?;
            let options = http::leptos_options(&cli.site_root, cli.addr);
            let verify = VerifyServices::load(db.clone(), SyncIntervals::default())
                .await
                .map_err(|e| format!("cannot load the keys for verification: {e}"))?
                .with_staleness_bound(staleness_bound)
                .with_trusted_proxies(trusted_proxies)
                .with_usage_settings(usage_settings);
            // Answers go out as they are written (TCP_NODELAY): a page streamed in parts
            // otherwise waits for the browser's delayed acknowledgement, about 40 ms, now and then.
            let listener = tokio::net::TcpListener::bind(cli.addr)
                .await
                .map_err(|e| format!("cannot listen on {}: {e}", cli.addr))?
                .tap_io(|connection| {
                    if let Err(error) = connection.set_nodelay(true) {
                        tracing::debug!(%error, "cannot set TCP_NODELAY on a connection");
                    }
                });
            let background = verify.spawn_background();
            let early_stop = SeaKeyStore::with_index(db.clone(), verify.index().clone())
                .spawn_early_stop(std::time::Duration::from_secs(60));
            let deliveries = match webhooks.deliverer() {
                Some(deliverer) => Some(message_state::spawn(deliverer, delivery::EVERY)),
                None => {
                    tracing::info!("webhooks are off: set KEYDESK_SECRETS_KEY to add endpoints (see the README)");
                    None
                }
            };
            let mail_sender = mail
                .clone()
                .map(|settings| message_state::spawn(MailSender::new(db.clone(), settings), mail::sender::EVERY));
            if mail.is_none() {
                tracing::info!("e-mail is off: set --smtp-url and --smtp-from to mail people about keys' ends");
            }
            let expiry_warnings = expiry_scan::spawn(db.clone(), mail);
            tracing::info!(addr = %cli.addr, backend, "Keydesk is serving on {}", auth.public_url.origin());
            let live = verify.live();
            let limits =
                http::Limits { browser_table: BrowserTableLimit(cli.browser_table_limit), ..http::Limits::default() };
            let services = http::Services { db, verify, auth, limits, webhooks: std::sync::Arc::new(webhooks) };
            let router = if cli.bench_baseline {
                http::router_with_bench_baseline(options, &services)
            } else {
                http::router(options, &services)
            };
            let router = router.into_make_service_with_connect_info::<std::net::SocketAddr>();
            // Open live streams end first: graceful shutdown waits for every open request.
            let stopping = async move {
                shutdown_signal().await;
                live.close();
            };
            let served = axum::serve(listener, router).with_graceful_shutdown(stopping).await;
            early_stop.abort();
            expiry_warnings.abort();
            if let Some(mail_sender) = mail_sender {
                mail_sender.abort();
            }
            if let Some(deliveries) = deliveries {
                deliveries.abort();
            }
            background.shut_down().await;
            served.map_err(|e| format!("server failed: {e}"))?;
            tracing::info!("stopped");
            Ok(())
        }
    }
}

/// On a database without users, creates `admin` with all five rights. The password is
/// `KEYDESK_INITIAL_ADMIN_PASSWORD` if set (`make run` and the browser tests use a fixed one),
/// else generated and printed once to standard error: not through the log system, never again.
async fn ensure_an_administrator(db: &sea_orm::DatabaseConnection) -> Result<(), String> {
    if users::count_users(db).await.map_err(|e| e.to_string())? > 0 {
        return Ok(());
    }
    let (password, generated) = match std::env::var("KEYDESK_INITIAL_ADMIN_PASSWORD") {
        Ok(password) => {
            passwords::check_new_password(&password).map_err(|e| format!("KEYDESK_INITIAL_ADMIN_PASSWORD: {e}"))?;
            (password, false)
        }
        // 24 random base62 characters: about 143 bits.
        Err(_) => (app::api_keys::secret::random_base62(24), true),
    };
    let hash = passwords::hash_password(password.clone()).await;
    let actor = Actor::new("server", None);
    match users::add_user(db, "admin", app::auth::Rights::all(), hash, None, &actor, app::clock::now()).await {
        Ok(()) => {}
        // Another instance starting at the same moment made it first.
        Err(users::UserError::Exists(_)) => return Ok(()),
        Err(error) => return Err(format!("cannot create the first user: {error}")),
    }
    if generated {
        let _ = writeln!(
            std::io::stderr(),
            "\nNo users yet: created \"admin\" with all five rights. Its password, shown this once:\n\n    {password}\n\nChange it with `server user passwd admin --password-stdin`.\n"
        );
    } else {
        tracing::info!("no users yet: created \"admin\" with the password from KEYDESK_INITIAL_ADMIN_PASSWORD");
    }
    Ok(())
}

/// `server audit`: one line per event, oldest first.
async fn print_audit(db: &sea_orm::DatabaseConnection, since: chrono::Duration) -> Result<(), String> {
    let entries = server::audit::since(db, app::clock::now() - since).await.map_err(|e| e.to_string())?;
    let mut out = std::io::stdout().lock();
    for entry in entries {
        writeln!(out, "{}", server::audit::terminal_line(&entry)).map_err(|e| e.to_string())?;
    }
    Ok(())
}

/// Resolves on Ctrl-C or SIGTERM; in-flight requests then finish before the process exits.
async fn shutdown_signal() {
    let ctrl_c = async {
        let _ = tokio::signal::ctrl_c().await;
    };
    let terminate = async {
        match tokio::signal::unix::signal(tokio::signal::unix::SignalKind::terminate()) {
            Ok(mut signal) => {
                signal.recv().await;
            }
            Err(_) => std::future::pending::<()>().await,
        }
    };
    tokio::select! {
        () = ctrl_c => {},
        () = terminate => {},
    }
    tracing::info!("shutting down");
}
