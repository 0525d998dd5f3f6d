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
    if let Some(path) = sqlite_file(url) {
        private_files::secure(&path)
            .map_err(|e| DbErr::Custom(format!("cannot prepare the database file {}: {e}", path.display())))?;
    }
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

/// What the secrets key file beside a SQLite database adds to its name (`webhooks::sealing`).
pub const SECRETS_KEY_SUFFIX: &str = ".secrets-key";

/// The file a SQLite URL names (`sqlite://data/keydesk.db?mode=rwc`), if it names one.
pub(crate) fn sqlite_file(url: &str) -> Option<std::path::PathBuf> {
    let path = url.strip_prefix("sqlite://")?;
    let path = path.split('?').next().unwrap_or(path);
    (!path.is_empty() && !url.contains(":memory:") && !url.contains("mode=memory")).then(|| path.into())
}

/// Keys' hashes, sessions and the audit trail are nobody else's business: the database's folder
/// and files are for the server's own user alone.
mod private_files {
    use std::io;
    use std::path::Path;

    /// SQLite's companion files, which it creates with the database file's permissions, and the
    /// webhooks' secrets key file Keydesk keeps beside the database.
    const COMPANIONS: [&str; 4] = ["-wal", "-shm", "-journal", super::SECRETS_KEY_SUFFIX];

    /// Creates `database`'s folder (0700) if missing, creates the file (0600) if missing, and
    /// tightens an existing file and its companions to 0600. An existing folder is tightened to
    /// 0700 only when it holds nothing but these files (it is the database's own, like `data/`);
    /// a shared folder is left as it is.
    pub fn secure(database: &Path) -> io::Result<()> {
        let folder = database.parent().filter(|folder| !folder.as_os_str().is_empty());
        if let Some(folder) = folder {
            if folder.exists() {
                if holds_only_the_database(folder, database)? {
                    restrict(folder, 0o700)?;
                }
            } else {
                create_folder(folder)?;
            }
        }
        if !database.exists() {
            create_file(database)?;
        }
        for path in std::iter::once(database.to_path_buf()).chain(COMPANIONS.iter().map(|suffix| {
            let mut name = database.as_os_str().to_owned();
            name.push(suffix);
            name.into()
        })) {
            if path.exists() {
                restrict(&path, 0o600)?;
            }
        }
        Ok(())
    }

    fn holds_only_the_database(folder: &Path, database: &Path) -> io::Result<bool> {
        let Some(name) = database.file_name().and_then(|name| name.to_str()) else { return Ok(false) };
        let own = |entry: &str| entry == name || COMPANIONS.iter().any(|suffix| entry == format!("{name}{suffix}"));
        for entry in std::fs::read_dir(folder)? {
            if !entry?.file_name().to_str().is_some_and(own) {
                return Ok(false);
            }
        }
        Ok(true)
    }

    #[cfg(unix)]
    fn restrict(path: &Path, mode: u32) -> io::Result<()> {
        use std::os::unix::fs::PermissionsExt;
        let current = std::fs::metadata(path)?.permissions().mode();
        // Group and others lose every right; a sticky folder (like /tmp) is never ours alone.
        if current & 0o077 != 0 && current & 0o1000 == 0 {
            std::fs::set_permissions(path, std::fs::Permissions::from_mode(mode))?;
        }
        Ok(())
    }

    #[cfg(unix)]
    fn create_folder(folder: &Path) -> io::Result<()> {
        use std::os::unix::fs::DirBuilderExt;
        std::fs::DirBuilder::new().recursive(true).mode(0o700).create(folder)
    }

    #[cfg(unix)]
    fn create_file(database: &Path) -> io::Result<()> {
        use std::os::unix::fs::OpenOptionsExt;
        // An empty file is a valid new SQLite database.
        match std::fs::OpenOptions::new().write(true).create_new(true).mode(0o600).open(database) {
            Err(error) if error.kind() == io::ErrorKind::AlreadyExists => Ok(()),
            other => other.map(|_| ()),
        }
    }

    #[cfg(not(unix))]
    fn restrict(_: &Path, _: u32) -> io::Result<()> {
        Ok(())
    }

    #[cfg(not(unix))]
    fn create_folder(folder: &Path) -> io::Result<()> {
        std::fs::create_dir_all(folder)
    }

    #[cfg(not(unix))]
    fn create_file(_: &Path) -> io::Result<()> {
        Ok(())
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

    #[cfg(unix)]
    fn mode(path: &std::path::Path) -> u32 {
        use std::os::unix::fs::PermissionsExt;
        std::fs::metadata(path).unwrap().permissions().mode() & 0o7777
    }

    #[cfg(unix)]
    #[tokio::test]
    async fn the_database_folder_and_files_are_private_new_or_old() {
        use std::os::unix::fs::PermissionsExt;
        let dir = std::env::temp_dir().join(format!("keydesk-db-mode-{}", uuid::Uuid::new_v4()));
        // New: the folder and the files are made private.
        let url = format!("sqlite://{}/data/keydesk.db?mode=rwc", dir.display());
        let db = connect_and_migrate(&url).await.unwrap();
        let data = dir.join("data");
        assert_eq!(mode(&data), 0o700);
        for file in ["keydesk.db", "keydesk.db-wal", "keydesk.db-shm"] {
            assert_eq!(mode(&data.join(file)), 0o600, "{file}");
        }
        db.close().await.unwrap();
        // Old: made readable by everyone, as earlier versions left them, and tightened at start.
        std::fs::set_permissions(&data, std::fs::Permissions::from_mode(0o755)).unwrap();
        for entry in std::fs::read_dir(&data).unwrap() {
            std::fs::set_permissions(entry.unwrap().path(), std::fs::Permissions::from_mode(0o644)).unwrap();
        }
        let db = connect(&url).await.unwrap();
        assert_eq!(mode(&data), 0o700);
        for entry in std::fs::read_dir(&data).unwrap() {
            let path = entry.unwrap().path();
            assert_eq!(mode(&path), 0o600, "{}", path.display());
        }
        db.close().await.unwrap();
        // A folder shared with other files keeps its mode; the database file is still private.
        std::fs::write(dir.join("notes.txt"), "someone else's").unwrap();
        std::fs::set_permissions(&dir, std::fs::Permissions::from_mode(0o755)).unwrap();
        let shared = format!("sqlite://{}/keydesk.db?mode=rwc", dir.display());
        let db = connect(&shared).await.unwrap();
        assert_eq!(mode(&dir), 0o755);
        assert_eq!(mode(&dir.join("keydesk.db")), 0o600);
        db.close().await.unwrap();
        std::fs::remove_dir_all(dir).unwrap();
    }
}
