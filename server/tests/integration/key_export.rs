//! The API Keys page's `Download CSV` on real databases, through the real router: the view's
//! search, filters and sort; every page of it, streamed in chunks; no secret or hash; formulas
//! neutralised; the rights that seeing keys needs.

use crate::support;

use app::api_keys::store::KeyStore;
use app::api_keys::{NewKey, Permission};
use app::auth::{Right, Rights};
use axum::body::Body;
use axum::http::{Request, StatusCode, header};
use chrono::{Duration, Utc};
use sea_orm::DatabaseConnection;
use server::key_store::SeaKeyStore;
use server::key_store::csv_export::{COLUMNS, PATH};
use tower::ServiceExt;

on_both_databases!(the_view_exports_as_csv_without_secrets_and_with_formulas_neutralised);

const SYNTHETIC: usize = 1_500;

async fn the_view_exports_as_csv_without_secrets_and_with_formulas_neutralised(db: DatabaseConnection) {
    let (app, _) = support::router_on(&db).await;
    let store = SeaKeyStore::new(db.clone());
    let now = Utc::now();
    store.load_synthetic_keys(SYNTHETIC, now).await.unwrap();
    let hostile = NewKey { name: "=HYPERLINK(\"http://x\")".into(), ..NewKey::blank() };
    let created = store.create(hostile, &support::by("admin"), now).await.unwrap();
    support::insert_key(&db, "Mail relay", "@evil", Permission::SecureMail, false, None, now - Duration::days(1)).await;

    let admin = support::signed_in(&db, "ann", Rights::all()).await;
    let get = |cookie: Option<&str>, query: &str| {
        let mut request = Request::get(format!("{PATH}{query}"));
        if let Some(cookie) = cookie {
            request = request.header(header::COOKIE, cookie);
        }
        app.clone().oneshot(request.body(Body::empty()).unwrap())
    };
    let text = |query: &'static str| {
        let (get, admin) = (&get, admin.clone());
        async move {
            let answer = get(Some(&admin), query).await.unwrap();
            assert_eq!(answer.status(), StatusCode::OK, "{query}");
            assert!(answer.headers()[header::CONTENT_TYPE].to_str().unwrap().starts_with("text/csv"));
            let bytes = axum::body::to_bytes(answer.into_body(), usize::MAX).await.unwrap();
            String::from_utf8(bytes.to_vec()).unwrap()
        }
    };

    // The whole view, every page of it (far more than one chunk).
    let everything = text("").await;
    let mut lines = everything.lines();
    assert_eq!(lines.next(), Some(COLUMNS.join(",").as_str()));
    assert_eq!(lines.count(), SYNTHETIC + 2);
    assert!(!everything.contains(created.secret.expose()), "never a secret");
    assert!(!COLUMNS.iter().any(|column| column.contains("hash") || column.contains("secret")));

    // The page's search, filters and sort; cells a spreadsheet would run are neutralised.
    let found = text("?q=hyperlink").await;
    let rows: Vec<&str> = found.lines().skip(1).collect();
    assert_eq!(rows.len(), 1, "{found}");
    assert!(
        rows[0].starts_with(&format!("{},\"'=HYPERLINK(\"\"http://x\"\")\",chat,true,Available,", created.key.id)),
        "{found}"
    );
    assert!(rows[0].ends_with(",off"), "the restriction mode closes the row: {found}");
    let mail = text("?permission=secure_mail&status=unavailable&q=relay").await;
    let row = mail.lines().nth(1).unwrap_or_default();
    assert!(row.contains(",Mail relay,secure_mail,false,Unavailable,") && row.contains(",'@evil,"), "{mail}");
    let sorted = text("?sort=name&dir=desc&page=2").await;
    let names: Vec<&str> = sorted.lines().skip(1).map(|line| line.split(',').nth(1).unwrap_or_default()).collect();
    assert_eq!(names.len(), SYNTHETIC + 2, "every page, not the second");
    assert!(
        names
            .windows(2)
            .filter(|pair| !pair[0].starts_with(['"', '\'']))
            .all(|pair| pair[0].to_lowercase() >= pair[1].to_lowercase()),
        "Z to A"
    );

    // The rights that seeing keys needs.
    let blind = support::signed_in(&db, "bob", Rights::all().without(Right::CanRead)).await;
    assert_eq!(get(Some(&blind), "").await.unwrap().status(), StatusCode::FORBIDDEN);
    assert_eq!(get(None, "").await.unwrap().status(), StatusCode::UNAUTHORIZED);
}
