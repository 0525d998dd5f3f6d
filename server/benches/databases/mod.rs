//! What the database benches share: a SQLite file and a PostgreSQL database of their own.

use sea_orm::{ConnectionTrait, DatabaseConnection};
use server::db;
use uuid::Uuid;

/// Runs `bench` on a new SQLite file, then on a new PostgreSQL database on `TEST_DATABASE_URL`'s
/// server (the shared one by default), each migrated; both are removed afterwards. `what` names
/// the folder and the database.
pub async fn on_both(what: &str, bench: impl AsyncFn(&'static str, &DatabaseConnection)) {
    let folder = std::env::temp_dir().join(format!("keydesk-{what}-bench-{}", Uuid::new_v4().simple()));
    std::fs::create_dir_all(&folder).expect("a folder for the SQLite file");
    let sqlite_url = format!("sqlite://{}/bench.db?mode=rwc", folder.display());
    let sqlite = db::connect_and_migrate(&sqlite_url).await.expect("the SQLite database");
    bench("SQLite", &sqlite).await;
    sqlite.close().await.ok();
    std::fs::remove_dir_all(&folder).ok();

    let url =
        std::env::var("TEST_DATABASE_URL").unwrap_or_else(|_| "postgres://postgres@127.0.0.1:5432/test".to_owned());
    let admin = db::connect(&url).await.expect("PostgreSQL at TEST_DATABASE_URL");
    let name = format!("keydesk_{what}_bench_{}", Uuid::new_v4().simple());
    admin.execute_unprepared(&format!("CREATE DATABASE {name}")).await.expect("a bench database");
    let base = url.split('?').next().unwrap_or(&url);
    let bench_url = format!("{}/{name}", &base[..base.rfind('/').expect("a database URL names a database")]);
    let postgres = db::connect_and_migrate(&bench_url).await.expect("the bench database");
    bench("PostgreSQL", &postgres).await;
    postgres.close().await.ok();
    admin.execute_unprepared(&format!("DROP DATABASE {name} WITH (FORCE)")).await.expect("drop the bench database");
}
