//! `server`: serve the console, migrate the database, or load the sample keys.

use app::api_keys::bulk::Selection;
use app::api_keys::key_list::BrowserTableLimit;
use app::api_keys::rotation::{Grace, RotationRequest};
use app::api_keys::store::KeyStore;
use app::api_keys::{KeyChanges, KeyQuery, NewKey, Permission};
use app::audit::Actor;
use clap::Parser;
use server::auth::{Auth, passwords, users};
use server::cli::{Cli, Command, KeyCommand, LogFormat, TokenCommand, UserCommand, command_line_actor};
use server::key_store::SeaKeyStore;
use server::mail::{self, sender::MailSender};
use server::public_url::PublicUrl;
use server::verify::VerifyServices;
use server::verify::sync::SyncIntervals;
use server::verify::tokens;
use server::webhooks::{client::WebhookClient, delivery, endpoints::SeaWebhookStore, expiry_scan, sealing::SecretsKey};
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
    let webhooks = SeaWebhookStore::new(db.clone(), secrets, WebhookClient::new(cli.webhooks_allow_private))
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
        Command::Token(command) => token_command(&db, command).await,
        Command::Key(command) => key_command(db, command).await,
        Command::User(command) => user_command(&db, command).await,
        Command::Webhook(command) => server::cli::run_webhook_command(webhooks, command, &command_line_actor()).await,
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
            let listener = tokio::net::TcpListener::bind(cli.addr)
                .await
                .map_err(|e| format!("cannot listen on {}: {e}", cli.addr))?;
            let background = verify.spawn_background();
            let early_stop = SeaKeyStore::with_index(db.clone(), verify.index().clone())
                .spawn_early_stop(std::time::Duration::from_secs(60));
            let deliveries = match webhooks.deliverer() {
                Some(deliverer) => Some(delivery::spawn(deliverer)),
                None => {
                    tracing::info!("webhooks are off: set KEYDESK_SECRETS_KEY to add endpoints (see the README)");
                    None
                }
            };
            let mail_sender = mail.clone().map(|settings| mail::sender::spawn(MailSender::new(db.clone(), settings)));
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

/// One line from standard input, without its line ending.
fn read_password_line() -> Result<String, String> {
    let mut line = String::new();
    std::io::stdin().read_line(&mut line).map_err(|e| format!("cannot read the password: {e}"))?;
    let password = line.trim_end_matches(['\r', '\n']).to_owned();
    passwords::check_new_password(&password)?;
    Ok(password)
}

async fn user_command(db: &sea_orm::DatabaseConnection, command: UserCommand) -> Result<(), String> {
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

/// `server audit`: one line per event, oldest first.
async fn print_audit(db: &sea_orm::DatabaseConnection, since: chrono::Duration) -> Result<(), String> {
    let entries = server::audit::since(db, app::clock::now() - since).await.map_err(|e| e.to_string())?;
    let mut out = std::io::stdout().lock();
    for entry in entries {
        writeln!(out, "{}", server::audit::terminal_line(&entry)).map_err(|e| e.to_string())?;
    }
    Ok(())
}

/// Prints a secret once, to standard output only (never through the log system).
fn print_secret_once(secret: &str) -> Result<(), String> {
    writeln!(std::io::stdout(), "{secret}").map_err(|e| format!("cannot print the secret: {e}"))
}

async fn token_command(db: &sea_orm::DatabaseConnection, command: TokenCommand) -> Result<(), String> {
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

async fn key_command(db: sea_orm::DatabaseConnection, command: KeyCommand) -> Result<(), String> {
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
            let old = server::key_store::named_key(&db, &key).await?;
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
            let row = server::key_store::named_key(&db, &key).await?;
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
            let action = server::key_store::bulk_action(&action, expires_at.as_deref())?;
            let selection = match query {
                Some(query) => Selection::View(KeyQuery::from_query_string(&query)),
                None => {
                    let mut ids = Vec::new();
                    for key in &key {
                        ids.push(server::key_store::named_key(&db, key).await?.id);
                    }
                    Selection::Picked(ids)
                }
            };
            let store = SeaKeyStore::new(db);
            let (actor, now) = (command_line_actor(), app::clock::now());
            let preview = store.preview_bulk(selection, action, &actor, now).await.map_err(|e| e.to_string())?;
            write!(std::io::stdout(), "{}", server::key_store::preview_text(&preview)).map_err(|e| e.to_string())?;
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
            let row = server::key_store::named_key(&db, &key).await?;
            let text = server::usage::command::key_usage_text(&db, &row, since, app::clock::now()).await?;
            write!(std::io::stdout(), "{text}").map_err(|e| e.to_string())?;
        }
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
