//! Databases for tests: in-memory SQLite, and a PostgreSQL database of the test's own that is
//! created before and dropped after it (on the server `TEST_DATABASE_URL` names, by default the
//! one this kind of machine runs). Without PostgreSQL those tests say so loudly and are skipped,
//! unless `KEYDESK_REQUIRE_POSTGRES=1` (as in CI), which makes them fail.
#![allow(dead_code)]

pub mod api;
pub mod webhook_receiver;

use app::api_keys::{NewKey, Permission};
use app::audit::Actor;
use app::auth::Rights;
use chrono::{DateTime, Utc};
use futures::FutureExt;
use sea_orm::{ActiveModelTrait, ConnectionTrait, DatabaseConnection};
use server::auth::sessions::{self, SessionPolicy};
use server::auth::{Auth, cookie, users};
use server::db;
use server::http::{Limits, Services, leptos_options, router};
use server::key_store::SeaKeyStore;
use server::public_url::PublicUrl;
use server::verify::VerifyServices;
use server::verify::sync::SyncIntervals;
use std::future::Future;
use std::io::Write;
use std::panic::AssertUnwindSafe;
use uuid::Uuid;

pub const DEFAULT_TEST_DATABASE_URL: &str = "postgres://postgres@127.0.0.1:5432/test";

/// Where the test console listens, as far as `Host` and `Origin` go (nothing listens there:
/// requests go to the router in-process).
pub const LISTEN: &str = "127.0.0.1:3000";
/// The console's own origin in the tests.
pub const ORIGIN: &str = "http://127.0.0.1:3000";

/// What `server serve` builds on `db` (without its background tasks), for the console at
/// [`LISTEN`].
pub async fn services_on(db: &DatabaseConnection) -> Services {
    let verify = VerifyServices::load(db.clone(), SyncIntervals::default()).await.expect("load the key index");
    let public_url = PublicUrl::resolve(None, LISTEN.parse().unwrap()).unwrap();
    Services {
        db: db.clone(),
        verify,
        auth: Auth::new(db.clone(), Vec::new(), public_url),
        limits: Limits::default(),
        webhooks: std::sync::Arc::new(webhook_store(db)),
    }
}

/// The secrets key of every test (seven, 32 times), in-process and in server processes.
pub const SECRETS_KEY: &str = "BwcHBwcHBwcHBwcHBwcHBwcHBwcHBwcHBwcHBwcHBwc=";

/// The webhook endpoints on `db`, with the tests' secrets key, delivering to loopback too.
pub fn webhook_store(db: &DatabaseConnection) -> server::webhooks::endpoints::SeaNotificationStore {
    let secrets = server::webhooks::sealing::SecretsKey::from_base64(SECRETS_KEY).unwrap();
    let client = server::webhooks::client::WebhookClient::new(true);
    server::webhooks::endpoints::SeaNotificationStore::new(db.clone(), Some(std::sync::Arc::new(secrets)), client)
}

/// The whole application on `db`, as `server serve` builds it (without its background tasks).
pub async fn router_on(db: &DatabaseConnection) -> (axum::Router, VerifyServices) {
    router_serving(db, std::path::Path::new("target/site")).await
}

/// [`router_on`], serving static files from `site_root`.
pub async fn router_serving(db: &DatabaseConnection, site_root: &std::path::Path) -> (axum::Router, VerifyServices) {
    let services = services_on(db).await;
    (router_of(&services, site_root), services.verify)
}

/// The router of `services`, with a browser's `Host` on every request that has none.
pub fn router_of(services: &Services, site_root: &std::path::Path) -> axum::Router {
    let options = leptos_options(site_root, LISTEN.parse().unwrap());
    router(options, services).layer(axum::middleware::map_request(|mut request: axum::extract::Request| async move {
        if !request.headers().contains_key(axum::http::header::HOST) {
            request.headers_mut().insert(axum::http::header::HOST, axum::http::HeaderValue::from_static(LISTEN));
        }
        request
    }))
}

/// An actor for the audit trail, as a signed-in user `name` would be.
pub fn by(name: &str) -> Actor {
    Actor::new(name, Some("127.0.0.1".to_owned()))
}

/// Adds user `name` with `rights` (and a password nobody knows) and starts a session for them;
/// returns the `Cookie` header value that carries it.
pub async fn signed_in(db: &DatabaseConnection, name: &str, rights: Rights) -> String {
    users::add_user(db, name, rights, "$argon2id$v=19$m=19456,t=2,p=1$unknown".into(), None, &by("ops"), Utc::now())
        .await
        .expect("add a test user");
    let user = users::find_for_sign_in(db, name).await.unwrap().unwrap();
    let session = sessions::start_session(db, user.id, SessionPolicy::default(), Utc::now()).await.unwrap();
    format!("{}={}", cookie::PLAIN_NAME, session.cookie_value())
}

/// `router` with every request carrying `cookie`, as a signed-in browser's would.
pub fn as_signed_in(router: axum::Router, cookie: String) -> axum::Router {
    let cookie = axum::http::HeaderValue::from_str(&cookie).unwrap();
    router.layer(axum::middleware::map_request(move |mut request: axum::extract::Request| {
        let cookie = cookie.clone();
        async move {
            request.headers_mut().insert(axum::http::header::COOKIE, cookie);
            request
        }
    }))
}

pub async fn sqlite() -> DatabaseConnection {
    db::connect_and_migrate("sqlite::memory:").await.expect("in-memory SQLite")
}

/// Runs `test` on a new SQLite file (WAL, several connections, as the server opens it) and
/// removes the file afterwards, pass or fail.
pub async fn with_sqlite<F, Fut>(test: F)
where
    F: FnOnce(DatabaseConnection) -> Fut,
    Fut: Future<Output = ()>,
{
    let dir = std::env::temp_dir().join(format!("keydesk-test-{}", Uuid::new_v4().simple()));
    let url = format!("sqlite://{}/keydesk.db?mode=rwc", dir.display());
    on_fresh_database(&url, test, async {
        let _ = std::fs::remove_dir_all(&dir);
    })
    .await;
}

/// A PostgreSQL test cannot run here: it fails under `KEYDESK_REQUIRE_POSTGRES=1` (as in CI),
/// and otherwise says loudly that it was skipped.
pub fn skip_or_fail(why: &str) {
    if std::env::var("KEYDESK_REQUIRE_POSTGRES").is_ok_and(|v| v == "1") {
        panic!("PostgreSQL is required (KEYDESK_REQUIRE_POSTGRES=1) but {why}");
    }
    // Written to the stream directly: the test harness swallows eprintln! of passing tests.
    let _ = writeln!(std::io::stderr(), "\n!!! SKIPPED: {why}; this test did not run on PostgreSQL !!!\n");
}

/// Runs `test` on a new PostgreSQL database and drops that database afterwards, pass or fail.
pub async fn with_postgres<F, Fut>(test: F)
where
    F: FnOnce(DatabaseConnection) -> Fut,
    Fut: Future<Output = ()>,
{
    with_postgres_url(|_url, db| test(db)).await;
}

/// As [`with_postgres`], also telling `test` the database's URL (for server processes).
pub async fn with_postgres_url<F, Fut>(test: F)
where
    F: FnOnce(String, DatabaseConnection) -> Fut,
    Fut: Future<Output = ()>,
{
    let url = std::env::var("TEST_DATABASE_URL").unwrap_or_else(|_| DEFAULT_TEST_DATABASE_URL.to_owned());
    let admin = match db::connect(&url).await {
        Ok(admin) => admin,
        Err(error) => {
            skip_or_fail(&format!("PostgreSQL does not answer at TEST_DATABASE_URL ({error})"));
            return;
        }
    };
    let name = format!("keydesk_test_{}", Uuid::new_v4().simple());
    admin.execute_unprepared(&format!("CREATE DATABASE {name}")).await.expect("create a test database");
    let base = url.split('?').next().unwrap_or(&url);
    let test_url = format!("{}/{name}", &base[..base.rfind('/').expect("a database URL names a database")]);
    let drop_it = async {
        let statement = format!("DROP DATABASE IF EXISTS {name} WITH (FORCE)");
        admin.execute_unprepared(&statement).await.expect("drop the test database");
    };
    let url_for_test = test_url.clone();
    on_fresh_database(&test_url, |db| test(url_for_test, db), drop_it).await;
}

/// Runs `test` on the database at `url` (brought up to date first), then `clean_up`, pass or fail.
async fn on_fresh_database<F, Fut>(url: &str, test: F, clean_up: impl Future<Output = ()>)
where
    F: FnOnce(DatabaseConnection) -> Fut,
    Fut: Future<Output = ()>,
{
    let outcome = AssertUnwindSafe(async {
        let db = db::connect_and_migrate(url).await.expect("open the test database");
        test(db.clone()).await;
        db.close().await.ok();
    })
    .catch_unwind()
    .await;
    clean_up.await;
    if let Err(panic) = outcome {
        std::panic::resume_unwind(panic);
    }
}

/// Declares each listed `async fn NAME(db: DatabaseConnection)` as two tests,
/// `sqlite::NAME` (on a SQLite file) and `postgres::NAME`.
#[macro_export]
macro_rules! on_both_databases {
    ($($name:ident),* $(,)?) => {
        mod sqlite {
            $(
                #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
                async fn $name() {
                    $crate::support::with_sqlite(super::$name).await;
                }
            )*
        }
        mod postgres {
            $(
                #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
                async fn $name() {
                    $crate::support::with_postgres(super::$name).await;
                }
            )*
        }
    };
}

/// Marks key `id` as last used at `at`.
pub async fn set_last_used(db: &DatabaseConnection, id: Uuid, at: DateTime<Utc>) {
    use sea_orm::{ColumnTrait, EntityTrait, QueryFilter};
    use server::entity::api_key::{Column, Entity};
    Entity::update_many()
        .col_expr(Column::LastUsedAt, sea_orm::sea_query::Expr::value(at))
        .filter(Column::Id.eq(id))
        .exec(db)
        .await
        .expect("mark the key used");
}

/// Inserts a key row as it might be at any moment of its life (expired, disabled, ...), which
/// the store's own `create` rightly refuses to make. The hash is of a random, unknown secret.
pub async fn insert_key(
    db: &DatabaseConnection,
    name: &str,
    created_by: &str,
    permission: Permission,
    enabled: bool,
    expires_at: Option<DateTime<Utc>>,
    created_at: DateTime<Utc>,
) -> Uuid {
    let new = NewKey { name: name.to_owned(), permission, enabled, expires_at, copied_from: None };
    let row = SeaKeyStore::new_row(
        &new,
        "kd_chat_test".to_owned(),
        Uuid::new_v4().as_bytes().to_vec(),
        created_by,
        created_at,
    );
    let id = row.id.clone().unwrap();
    row.insert(db).await.expect("insert a test key");
    id
}
