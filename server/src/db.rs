//! Opening the database: SQLite (the embedded default, in WAL mode) or PostgreSQL.

use crate::migration::Migrator;
use sea_orm::sqlx::sqlite::{SqliteJournalMode, SqliteSynchronous};
use sea_orm::{
    ConnectOptions, ConnectionTrait, Database, DatabaseConnection, DatabaseTransaction, DbErr, SqliteTransactionMode,
    TransactionOptions, TransactionTrait,
};
use sea_orm_migration::MigratorTrait;
use std::time::Duration;

/// Connects to `url` (`sqlite://path?mode=rwc`, `sqlite::memory:`, `postgres://...`) and
/// brings the schema up to date.
pub async fn connect_and_migrate(url: &str) -> Result<DatabaseConnection, DbErr> {
    let db = connect(url).await?;
    Migrator::up(&db, None).await?;
    Ok(db)
}

pub async fn connect(url: &str) -> Result<DatabaseConnection, DbErr> {
    create_sqlite_folder(url)?;
    let mut options = ConnectOptions::new(url);
    options.sqlx_logging(false).acquire_timeout(Duration::from_secs(5));
    if url.starts_with("sqlite:") {
        // An in-memory database lives only as long as its connections: keep exactly one.
        let in_memory = url.contains(":memory:") || url.contains("mode=memory");
        options.max_connections(if in_memory { 1 } else { 4 }).min_connections(1).map_sqlx_sqlite_opts(move |o| {
            let o = o.busy_timeout(Duration::from_secs(5)).foreign_keys(true);
            if in_memory { o } else { o.journal_mode(SqliteJournalMode::Wal).synchronous(SqliteSynchronous::Normal) }
        });
    } else {
        options.max_connections(16);
    }
    Database::connect(options).await
}

/// Starts a transaction that will write. On SQLite it takes the write lock at once
/// (`BEGIN IMMEDIATE`), so a read-then-write never fails on a snapshot another writer moved.
pub async fn begin_write(db: &DatabaseConnection) -> Result<DatabaseTransaction, DbErr> {
    let options =
        TransactionOptions { sqlite_transaction_mode: Some(SqliteTransactionMode::Immediate), ..Default::default() };
    db.begin_with_options(options).await
}

/// Whether the database answers right now (readiness).
pub async fn ping(db: &DatabaseConnection) -> bool {
    db.execute_unprepared("SELECT 1").await.is_ok()
}

/// A SQLite file's folder is created if missing (`sqlite://data/keydesk.db` needs `data/`).
fn create_sqlite_folder(url: &str) -> Result<(), DbErr> {
    let Some(path) = url.strip_prefix("sqlite://") else { return Ok(()) };
    let path = std::path::Path::new(path.split('?').next().unwrap_or(path));
    match path.parent() {
        Some(folder) if !folder.as_os_str().is_empty() && !url.contains(":memory:") => std::fs::create_dir_all(folder)
            .map_err(|e| DbErr::Custom(format!("cannot create the database folder {}: {e}", folder.display()))),
        _ => Ok(()),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use sea_orm::{DatabaseBackend, Statement};

    #[tokio::test]
    async fn a_sqlite_file_is_created_with_its_folder_and_runs_in_wal_mode() {
        let dir = std::env::temp_dir().join(format!("keydesk-db-test-{}", uuid::Uuid::new_v4()));
        let url = format!("sqlite://{}/nested/keydesk.db?mode=rwc", dir.display());
        let db = connect_and_migrate(&url).await.unwrap();
        let row = db
            .query_one_raw(Statement::from_string(DatabaseBackend::Sqlite, "PRAGMA journal_mode"))
            .await
            .unwrap()
            .unwrap();
        let mode: String = row.try_get_by_index(0).unwrap();
        assert_eq!(mode, "wal");
        assert!(ping(&db).await);
        db.close().await.unwrap();
        assert!(dir.join("nested/keydesk.db").exists());
        std::fs::remove_dir_all(dir).unwrap();
    }
}
