//! `server`: serve the console, migrate the database, or load the sample keys.

use clap::Parser;
use server::cli::{Cli, Command, LogFormat};
use server::key_store::SeaKeyStore;
use server::{db, http};
use std::process::ExitCode;
use tracing_subscriber::EnvFilter;

#[tokio::main]
async fn main() -> ExitCode {
    let cli = Cli::parse();
    let filter = EnvFilter::try_from_default_env().unwrap_or_else(|_| EnvFilter::new("info"));
    let logs = tracing_subscriber::fmt().with_env_filter(filter);
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
    // The URL may hold a password: only its scheme is ever logged.
    let backend = cli.database_url.split(':').next().unwrap_or("?").to_owned();
    let db = db::connect_and_migrate(&cli.database_url)
        .await
        .map_err(|e| format!("cannot open the {backend} database: {e}"))?;
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
        Command::Serve => {
            let options = http::leptos_options(&cli.site_root, cli.addr);
            let listener = tokio::net::TcpListener::bind(cli.addr)
                .await
                .map_err(|e| format!("cannot listen on {}: {e}", cli.addr))?;
            tracing::info!(addr = %cli.addr, backend, "Keydesk is serving on http://{}", cli.addr);
            axum::serve(listener, http::router(options, db))
                .with_graceful_shutdown(shutdown_signal())
                .await
                .map_err(|e| format!("server failed: {e}"))?;
            tracing::info!("stopped");
            Ok(())
        }
    }
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
