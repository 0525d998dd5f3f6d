//! Key usage on real databases: counts from several instances add up exactly at every
//! resolution, the purge keeps each resolution for its retention (clock injected), and the
//! reads behind the console and `server key usage` say what was counted.

use crate::support;

use app::api_keys::verification::Refusal;
use app::api_keys::{NewKey, Permission};
use app::usage::{Range, Resolution, UsageResult};
use chrono::{DateTime, Duration, Utc};
use sea_orm::{DatabaseConnection, EntityTrait};
use server::entity::key_usage;
use server::usage::counters::UsageCounters;
use server::usage::store::{self, UsageRow};
use server::usage::{Caller, Dimension, Network};
use std::collections::BTreeMap;
use uuid::Uuid;

on_both_databases!(
    counts_from_several_instances_add_up_exactly_at_every_resolution,
    each_resolution_is_kept_for_its_retention_and_no_longer,
    a_keys_report_impact_and_command_line_text_say_what_was_counted,
    the_table_sorts_by_and_shows_each_keys_last_seven_days,
);

fn at(text: &str) -> DateTime<Utc> {
    DateTime::parse_from_rfc3339(text).unwrap().to_utc()
}

fn from(origin: &str) -> Caller<'_> {
    Caller { origin: Some(origin), network: Network::Address("198.51.100.20".parse().unwrap()) }
}

/// Sum of counts stored for `key` at `resolution` and `dimension`.
async fn stored(db: &DatabaseConnection, key: Uuid, resolution: Resolution, dimension: Dimension) -> i64 {
    key_usage::Entity::find()
        .all(db)
        .await
        .unwrap()
        .into_iter()
        .filter(|row| row.key_id == key && row.resolution == resolution.code() && row.dimension == dimension.code())
        .map(|row| row.count)
        .sum()
}

async fn counts_from_several_instances_add_up_exactly_at_every_resolution(db: DatabaseConnection) {
    let key = Uuid::new_v4();
    let now = Utc::now();
    let instances = [UsageCounters::default(), UsageCounters::default()];
    let mut expected = 0;
    for round in 0..3 {
        for (n, counters) in instances.iter().enumerate() {
            for i in 0..(100 + n * 17 + round) {
                let t = now.timestamp() - (i as i64 * 97) % 7200;
                counters.record(key, UsageResult::Valid, &from(&format!("https://site{}.example", i % 7)), t);
                expected += 1;
            }
            counters.record_unresolved(Refusal::NotFound, now.timestamp());
        }
        // Both instances flush at once, as two servers on one database do.
        let (a, b) = tokio::join!(store::flush(&db, &instances[0], now), store::flush(&db, &instances[1], now));
        a.unwrap();
        b.unwrap();
    }
    for resolution in Resolution::ALL {
        for dimension in [Dimension::Origin, Dimension::Network] {
            assert_eq!(stored(&db, key, resolution, dimension).await, expected, "{resolution:?} {dimension:?}");
        }
    }
    let unresolved = store::unresolved_since(&db, now.timestamp() - 60).await.unwrap();
    assert_eq!(unresolved.get("NOT_FOUND"), Some(&6));
    // A flush with nothing counted writes nothing; the totals stay.
    store::flush(&db, &instances[0], now).await.unwrap();
    assert_eq!(stored(&db, key, Resolution::Day, Dimension::Origin).await, expected);
}

async fn each_resolution_is_kept_for_its_retention_and_no_longer(db: DatabaseConnection) {
    let key = Uuid::new_v4();
    let now = at("2026-11-29T12:00:00Z");
    let mut rows: BTreeMap<UsageRow<'_>, i64> = BTreeMap::new();
    let ages = [
        Duration::hours(47),
        Duration::hours(50),
        Duration::days(89),
        Duration::days(91),
        Duration::days(399),
        Duration::days(401),
    ];
    for resolution in Resolution::ALL {
        for age in ages {
            let bucket = resolution.bucket((now - age).timestamp());
            *rows.entry((key, resolution, bucket, UsageResult::Valid, Dimension::Origin, "(none)")).or_insert(0) += 1;
        }
    }
    let txn = server::db::begin_write(&db).await.unwrap();
    store::add(&txn, &rows).await.unwrap();
    txn.commit().await.unwrap();
    assert!(store::purge(&db, now).await.unwrap());
    assert_eq!(stored(&db, key, Resolution::Minute, Dimension::Origin).await, 1, "48 hours of minutes");
    assert_eq!(stored(&db, key, Resolution::Hour, Dimension::Origin).await, 3, "90 days of hours");
    assert_eq!(stored(&db, key, Resolution::Day, Dimension::Origin).await, 5, "400 days of days");
    assert!(store::purge(&db, now).await.unwrap(), "purging again is harmless");
    assert_eq!(stored(&db, key, Resolution::Day, Dimension::Origin).await, 5);
}

async fn a_keys_report_impact_and_command_line_text_say_what_was_counted(db: DatabaseConnection) {
    let created = app::api_keys::store::KeyStore::create(
        &server::key_store::SeaKeyStore::new(db.clone()),
        NewKey { name: "Chat widget".into(), permission: Permission::Chat, ..NewKey::blank() },
        &support::by("admin"),
        Utc::now(),
    )
    .await
    .unwrap();
    let key = created.key.id;
    let now = Utc::now();
    let counters = UsageCounters::default();
    let t = now.timestamp();
    for _ in 0..5 {
        counters.record(key, UsageResult::Valid, &from("https://Shop.example.com"), t - 3600);
    }
    counters.record(key, UsageResult::Valid, &from("https://help.example.com"), t);
    counters.record(key, UsageResult::Disabled, &Caller::UNKNOWN, t);
    counters.record(key, UsageResult::Disabled, &Caller::UNKNOWN, t - 3 * 86_400);
    store::flush(&db, &counters, now).await.unwrap();

    let report = store::report(&db, key, Range::Day, now).await.unwrap();
    assert_eq!(report.buckets.len(), 24);
    assert_eq!(report.total(), 7);
    let by_result: Vec<(UsageResult, u64)> = report.by_result().to_vec();
    assert_eq!(&by_result[..2], &[(UsageResult::Valid, 6), (UsageResult::Disabled, 1)]);
    assert_eq!(report.buckets.last().unwrap().counts, [1, 1, 0, 0, 0, 0]);
    assert_eq!(report.origins[0].origin, "https://shop.example.com");
    assert_eq!(report.origins[0].count, 5);
    let week = store::report(&db, key, Range::Week, now).await.unwrap();
    assert_eq!(week.by_result()[1], (UsageResult::Disabled, 2));

    let impact = store::impact(&db, key, Some(now), now).await.unwrap();
    assert_eq!((impact.uses_7d, impact.uses_24h), (6, 6));
    assert_eq!(impact.origins, ["https://shop.example.com", "https://help.example.com"]);
    assert!(impact.sentence(now).starts_with("Used 6 times in the last 7 days"), "{}", impact.sentence(now));

    let usage_text = async |named: &str| {
        let row = server::key_store::named_key(&db, named).await?;
        server::usage::command::key_usage_text(&db, &row, Duration::days(7), now).await
    };
    let text = usage_text("Chat widget").await.unwrap();
    assert!(text.contains("Valid") && text.contains("https://shop.example.com"), "{text}");
    let valid_line = text.lines().find(|line| line.starts_with("Valid")).unwrap();
    assert!(valid_line.trim_end().ends_with(" 6"), "{valid_line}");
    assert_eq!(usage_text(&key.to_string()).await.unwrap(), text);
    assert!(usage_text("nobody").await.unwrap_err().contains("no API key"));
}

#[tokio::test]
async fn usage_downloads_as_csv_for_those_who_may_see_the_key_with_formulas_neutralised() {
    use app::auth::{Right, Rights};
    use axum::body::Body;
    use axum::http::{Request, StatusCode, header};
    use tower::ServiceExt;

    let db = support::sqlite().await;
    let (app, _) = support::router_on(&db).await;
    let store = server::key_store::SeaKeyStore::new(db.clone());
    let new = NewKey { name: "Chat widget".into(), ..NewKey::blank() };
    let key = app::api_keys::store::KeyStore::create(&store, new, &support::by("admin"), Utc::now()).await.unwrap().key;
    let counters = UsageCounters::default();
    let now = Utc::now();
    counters.record(key.id, UsageResult::Valid, &from("https://shop.example.com"), now.timestamp());
    counters.record(key.id, UsageResult::Valid, &from("=cmd|' /C calc'!A0"), now.timestamp());
    store::flush(&db, &counters, now).await.unwrap();
    let path = format!("/api/keys/{}/usage.csv?range=24h", key.id);
    let get = |cookie: Option<String>, path: String| {
        let app = app.clone();
        async move {
            let mut request = Request::get(path);
            if let Some(cookie) = cookie {
                request = request.header(header::COOKIE, cookie);
            }
            app.oneshot(request.body(Body::empty()).unwrap()).await.unwrap()
        }
    };
    let admin = support::signed_in(&db, "ann", Rights::all()).await;
    let answer = get(Some(admin.clone()), path.clone()).await;
    assert_eq!(answer.status(), StatusCode::OK);
    assert!(answer.headers()[header::CONTENT_DISPOSITION].to_str().unwrap().contains("usage-Chat-widget-24h.csv"));
    let bytes = axum::body::to_bytes(answer.into_body(), usize::MAX).await.unwrap();
    let text = String::from_utf8(bytes.to_vec()).unwrap();
    let mut lines = text.lines();
    assert_eq!(lines.next(), Some("bucket_start,result,origin,count"));
    assert!(text.contains(",valid,https://shop.example.com,1"), "{text}");
    assert!(text.contains(",valid,(invalid),1"), "a formula is no origin: {text}");
    assert!(!text.lines().any(|line| line.split(',').any(|cell| cell.starts_with('='))), "{text}");

    let blind = support::signed_in(&db, "bob", Rights::all().without(Right::CanRead)).await;
    assert_eq!(get(Some(blind), path.clone()).await.status(), StatusCode::FORBIDDEN);
    assert_eq!(get(None, path.clone()).await.status(), StatusCode::UNAUTHORIZED);
    let bad_range = path.replace("24h", "1y");
    assert_eq!(get(Some(admin), bad_range).await.status(), StatusCode::BAD_REQUEST);
}

#[tokio::test]
async fn unknown_usage_filters_and_ranges_are_refused_with_400_and_change_nothing() {
    use app::api_keys::server_fns::ListKeys;
    use app::auth::Rights;
    use app::usage::server_fns::KeyUsage;
    use axum::body::Body;
    use axum::http::{Request, StatusCode, header};
    use leptos::server_fn::ServerFn;
    use tower::ServiceExt;

    let db = support::sqlite().await;
    let (app, _) = support::router_on(&db).await;
    let cookie = support::signed_in(&db, "ann", Rights::all()).await;
    let call = |path: &'static str, body: serde_json::Value| {
        let request = Request::post(path)
            .header(header::CONTENT_TYPE, "application/json")
            .header(header::COOKIE, &cookie)
            .body(Body::from(body.to_string()))
            .unwrap();
        app.clone().oneshot(request)
    };
    let query = serde_json::json!({ "query": { "search": "", "status": { "available": false, "unavailable": false, "soon_unavailable": false }, "permission": null, "usage": "often", "sort": "created", "direction": "desc", "page": 0 } });
    let answer = call(ListKeys::PATH, query).await.unwrap();
    assert_eq!(answer.status(), StatusCode::BAD_REQUEST);
    let old_callers = serde_json::json!({ "query": { "search": "", "status": { "available": false, "unavailable": false, "soon_unavailable": false }, "permission": null, "sort": "created", "direction": "desc", "page": 0 } });
    assert_eq!(call(ListKeys::PATH, old_callers).await.unwrap().status(), StatusCode::OK, "the field is optional");
    let answer = call(KeyUsage::PATH, serde_json::json!({ "id": Uuid::new_v4(), "range": "1y" })).await.unwrap();
    assert_eq!(answer.status(), StatusCode::BAD_REQUEST);
    let bytes = axum::body::to_bytes(answer.into_body(), usize::MAX).await.unwrap();
    assert!(String::from_utf8_lossy(&bytes).contains("24h, 7d, 30d, 90d"));
}

async fn the_table_sorts_by_and_shows_each_keys_last_seven_days(db: DatabaseConnection) {
    use app::api_keys::store::KeyStore;
    use app::api_keys::{KeyQuery, SortColumn, SortDirection};
    let store = server::key_store::SeaKeyStore::new(db.clone());
    let mut ids = Vec::new();
    for name in ["busy", "quiet", "idle"] {
        let new = NewKey { name: name.into(), ..NewKey::blank() };
        ids.push(store.create(new, &support::by("admin"), Utc::now()).await.unwrap().key.id);
    }
    let now = Utc::now();
    let counters = UsageCounters::default();
    for _ in 0..10 {
        counters.record(ids[0], UsageResult::Valid, &Caller::UNKNOWN, (now - Duration::days(2)).timestamp());
    }
    for _ in 0..3 {
        counters.record(ids[1], UsageResult::Valid, &Caller::UNKNOWN, now.timestamp());
    }
    counters.record(ids[2], UsageResult::Disabled, &Caller::UNKNOWN, now.timestamp());
    counters.record(ids[2], UsageResult::Valid, &Caller::UNKNOWN, (now - Duration::days(8)).timestamp());
    store::flush(&db, &counters, now).await.unwrap();

    let view = KeyQuery { sort: SortColumn::Last7Days, direction: SortDirection::Desc, ..KeyQuery::default() };
    let page = store.list(&view, now).await.unwrap();
    let names: Vec<&str> = page.keys.iter().map(|key| key.name.as_str()).collect();
    assert_eq!(names, ["busy", "quiet", "idle"], "refusals and older uses do not count");
    let rows: Vec<_> = page.rows().collect();
    assert_eq!(rows[0].1, [0, 0, 0, 0, 10, 0, 0], "one bar per UTC day, today last");
    assert_eq!(rows[1].1, [0, 0, 0, 0, 0, 0, 3]);
    assert_eq!(rows[2].1, [0; 7]);
    let ascending = store.list(&KeyQuery { direction: SortDirection::Asc, ..view }, now).await.unwrap();
    assert_eq!(ascending.keys[0].name, "idle");
}
