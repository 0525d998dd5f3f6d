//! The Audit Log page's data on real databases: its filters as SQL agree with
//! `AuditQuery::matches` (a property test, both databases, both scopes, order included); the
//! server function and the CSV download through the real router, within each user's rights;
//! bad filters are a 400 that says why.

use crate::support;

use app::audit::page::AuditPage;
use app::audit::query::{AuditQuery, AuditScope, KeyRef};
use app::audit::server_fns::AuditLog;
use app::audit::store::AuditTrail;
use app::audit::{Actor, AuditAction, AuditEntry};
use app::auth::{Right, Rights};
use app::error::AppError;
use axum::body::Body;
use axum::http::{Request, StatusCode, header};
use chrono::{DateTime, Duration, NaiveDate, TimeZone, Utc};
use leptos::server_fn::ServerFn;
use proptest::prelude::*;
use proptest::test_runner::{Config, TestRunner};
use sea_orm::{ConnectionTrait, DatabaseConnection};
use server::audit::csv_export::{COLUMNS, PATH as CSV_PATH};
use server::audit::trail::{SeaAuditTrail, Walk, filtered, newest_first as newest_first_sql};
use server::audit::{self, Event};
use tower::ServiceExt;
use uuid::Uuid;

on_both_databases!(sql_and_rust_pick_the_same_events_in_the_same_order, the_log_is_served_within_each_users_rights);

const ACTORS: [&str; 4] = ["ana", "bob", "cli:ops", "=evil"];
const SUBJECTS: [&str; 3] = ["Shop", "Mail relay", "ana"];

fn day(d: u32) -> NaiveDate {
    NaiveDate::from_ymd_opt(2026, 11, d).unwrap()
}

fn midnight(d: u32) -> DateTime<Utc> {
    Utc.from_utc_datetime(&day(d).and_hms_opt(0, 0, 0).unwrap())
}

/// Instants around the date filters' edges (midnights of 2 to 4 November) and between.
fn instant() -> impl Strategy<Value = DateTime<Utc>> {
    prop_oneof![
        (2u32..=4).prop_map(midnight),
        (2u32..=4).prop_map(|d| midnight(d) - Duration::milliseconds(1)),
        (0i64..4 * 24 * 60).prop_map(|m| midnight(1) + Duration::minutes(m)),
    ]
}

fn ids() -> [Uuid; 3] {
    [Uuid::from_u128(1), Uuid::from_u128(2), Uuid::from_u128(3)]
}

#[derive(Debug, Clone)]
struct Spec {
    actor: &'static str,
    action: AuditAction,
    subject: &'static str,
    key: Option<Uuid>,
    other_key: Option<Uuid>,
    batch: Option<Uuid>,
    at: DateTime<Utc>,
}

fn spec() -> impl Strategy<Value = Spec> {
    let id = || prop::option::of(prop::sample::select(ids().to_vec()));
    (
        prop::sample::select(ACTORS.to_vec()),
        prop::sample::select(AuditAction::ALL.to_vec()),
        prop::sample::select(SUBJECTS.to_vec()),
        id(),
        id(),
        prop::option::of(prop::sample::select(vec![Uuid::from_u128(10), Uuid::from_u128(11)])),
        instant(),
    )
        .prop_map(|(actor, action, subject, key, other_key, batch, at)| Spec {
            actor,
            action,
            subject,
            key,
            other_key,
            batch,
            at,
        })
}

fn query() -> impl Strategy<Value = AuditQuery> {
    let key = prop_oneof![
        prop::sample::select(ids().to_vec()).prop_map(KeyRef::Id),
        prop::sample::select(SUBJECTS.to_vec()).prop_map(|name| KeyRef::Name(name.to_owned())),
    ];
    let days = (prop::option::of(1u32..=5), prop::option::of(1u32..=5));
    (
        prop::option::of(prop::sample::select(ACTORS.to_vec())),
        prop::collection::vec(prop::sample::select(AuditAction::ALL.to_vec()), 0..3),
        prop::option::of(key),
        days,
        prop::option::of(prop::sample::select(vec![Uuid::from_u128(10), Uuid::from_u128(11)])),
    )
        .prop_map(|(who, actions, key, (from, to), batch)| {
            let mut query = AuditQuery {
                who: who.map(str::to_owned),
                key,
                from: from.map(day),
                to: to.map(day),
                batch,
                ..AuditQuery::default()
            };
            for action in actions {
                query = query.with_action(action, true);
            }
            query
        })
}

async fn record(db: &DatabaseConnection, spec: &Spec) {
    let actor = Actor::new(spec.actor, Some("10.0.0.1".to_owned()));
    let mut event = Event::new(&actor, spec.action, spec.subject, spec.at).batch(spec.batch);
    if let Some(key) = spec.key {
        event = event.key(key);
    }
    if let Some(other) = spec.other_key {
        event = event.other_key(other);
    }
    audit::record(db, event).await.unwrap();
}

/// Newest first, ties in the order recorded: what the page shows.
fn newest_first(mut entries: Vec<AuditEntry>) -> Vec<Uuid> {
    entries.sort_by_key(|entry| std::cmp::Reverse((entry.at, entry.id)));
    entries.into_iter().map(|entry| entry.id).collect()
}

async fn sql_and_rust_pick_the_same_events_in_the_same_order(db: DatabaseConnection) {
    let trail = SeaAuditTrail::new(db.clone());
    let backend = db.get_database_backend();
    let now = midnight(6);
    let handle = tokio::runtime::Handle::current();
    let mut runner = TestRunner::new(Config { cases: 24, ..Config::default() });
    let result = tokio::task::block_in_place(|| {
        runner.run(&(prop::collection::vec(spec(), 0..40), prop::collection::vec(query(), 1..6)), |(specs, queries)| {
            handle.block_on(async {
                db.execute_unprepared("DELETE FROM audit_events").await.unwrap();
                for spec in &specs {
                    record(&db, spec).await;
                }
                let everything = trail.page(&AuditQuery::default(), AuditScope::Everything, now).await.unwrap();
                prop_assert_eq!(everything.entries.len(), specs.len());
                prop_assert_eq!(everything.total, specs.len() as u64);
                let all = everything.entries;
                for query in &queries {
                    for scope in [AuditScope::KeyEvents, AuditScope::Everything] {
                        let page = trail.page(query, scope, now).await.unwrap();
                        let by_sql: Vec<Uuid> = page.entries.iter().map(|entry| entry.id).collect();
                        let by_rust = newest_first(all.iter().filter(|e| query.matches(e, scope)).cloned().collect());
                        prop_assert_eq!(&by_sql, &by_rust, "view {:?} in {:?}", query, scope);
                        prop_assert_eq!(page.total, by_rust.len() as u64);
                        // The walk along time (views with many events) finds the same.
                        let walked =
                            newest_first_sql(filtered(query, scope, Walk::ByTime, backend)).all(&db).await.unwrap();
                        let walked: Vec<Uuid> = walked.into_iter().map(|row| row.id).collect();
                        prop_assert_eq!(&walked, &by_rust, "walking by time: {:?}", query);
                    }
                }
                Ok(())
            })
        })
    });
    if let Err(failure) = result {
        panic!("SQL and the Rust rule disagree: {failure}");
    }
}

async fn body_text(response: axum::response::Response) -> String {
    let bytes = axum::body::to_bytes(response.into_body(), usize::MAX).await.unwrap();
    String::from_utf8(bytes.to_vec()).unwrap()
}

async fn the_log_is_served_within_each_users_rights(db: DatabaseConnection) {
    let (app, _) = support::router_on(&db).await;
    let at = Utc::now() - Duration::hours(1);
    let key = Uuid::new_v4();
    for (actor, action, subject) in [
        ("ana", AuditAction::KeyCreated, "Shop"),
        ("ana", AuditAction::KeyDisabled, "Shop"),
        ("=evil", AuditAction::KeyUpdated, "Shop"),
        ("mallory", AuditAction::SignInFailed, "mallory"),
    ] {
        let actor = Actor::new(actor, Some("10.0.0.9".to_owned()));
        audit::record(&db, Event::new(&actor, action, subject, at).key(key)).await.unwrap();
    }
    let admin = support::signed_in(&db, "root", Rights::all()).await;
    let viewer = support::signed_in(&db, "vera", Rights::parse_list("canView,canRead").unwrap()).await;
    let blind = support::signed_in(&db, "bo", Rights::all().without(Right::CanRead)).await;

    let call = |cookie: &str, view: &str| {
        let request = Request::post(AuditLog::PATH)
            .header(header::CONTENT_TYPE, "application/json")
            .header(header::ACCEPT, "application/json")
            .header(header::COOKIE, cookie)
            .body(Body::from(serde_json::json!({ "view": view }).to_string()))
            .unwrap();
        app.clone().oneshot(request)
    };
    let page = |cookie: String, view: &'static str| {
        let call = &call;
        async move {
            let answer = call(&cookie, view).await.unwrap();
            assert_eq!(answer.status(), StatusCode::OK, "{view}");
            serde_json::from_str::<AuditPage>(&body_text(answer).await).unwrap()
        }
    };

    // Everything for all five rights: sign-ins and user changes too.
    let everything = page(admin.clone(), "").await;
    let actions: Vec<AuditAction> = everything.entries.iter().map(|e| e.action).collect();
    assert!(actions.contains(&AuditAction::SignInFailed) && actions.contains(&AuditAction::UserAdded));
    assert_eq!(everything.scope, AuditScope::Everything);
    assert!(everything.actors.contains(&"mallory".to_owned()) && everything.actors.contains(&"ops".to_owned()));
    // Key events only for canView and canRead; the Who filter lists only their actors.
    let keys_only = page(viewer.clone(), "").await;
    assert!(keys_only.entries.iter().all(|e| e.action.is_key_event()), "{:?}", keys_only.entries);
    assert_eq!(keys_only.total, 3);
    assert_eq!(keys_only.actors, vec!["=evil".to_owned(), "ana".to_owned()]);
    assert_eq!(page(viewer.clone(), "who=mallory").await.total, 0, "a filter never widens the scope");
    // The filters, as the page's URL writes them.
    let by_ana = page(viewer.clone(), "who=ana&action=key_disabled").await;
    assert_eq!(
        by_ana.entries.iter().map(|e| (e.actor.as_str(), e.action)).collect::<Vec<_>>(),
        [("ana", AuditAction::KeyDisabled)]
    );
    let by_key = AuditQuery { key: Some(KeyRef::Id(key)), ..AuditQuery::default() }.to_url_query();
    let answer = call(&viewer, &by_key).await.unwrap();
    let by_key: AuditPage = serde_json::from_str(&body_text(answer).await).unwrap();
    assert_eq!(by_key.total, 3);

    // Bad filters: a clear 400; no rights: 403; no session: 401.
    for (view, says) in [("action=key_exploded", "is not an action"), ("from=2026-13-01", "YYYY-MM-DD")] {
        let answer = call(&viewer, view).await.unwrap();
        assert_eq!(answer.status(), StatusCode::BAD_REQUEST, "{view}");
        let error: AppError = serde_json::from_str(&body_text(answer).await).unwrap();
        assert!(error.to_string().contains(says), "{error}");
    }
    assert_eq!(call(&blind, "").await.unwrap().status(), StatusCode::FORBIDDEN);
    assert_eq!(call("keydesk_session=nonsense", "").await.unwrap().status(), StatusCode::UNAUTHORIZED);

    // The CSV: the view's rows, in the page's order, formulas neutralised, the same rights.
    let csv = |cookie: &str, query: &str| {
        let request = Request::get(format!("{CSV_PATH}?{query}")).header(header::COOKIE, cookie);
        app.clone().oneshot(request.body(Body::empty()).unwrap())
    };
    let answer = csv(&viewer, "").await.unwrap();
    assert_eq!(answer.status(), StatusCode::OK);
    assert!(answer.headers()[header::CONTENT_TYPE].to_str().unwrap().starts_with("text/csv"));
    let text = body_text(answer).await;
    let mut lines = text.lines();
    assert_eq!(lines.next(), Some(COLUMNS.join(",").as_str()));
    let rows: Vec<&str> = lines.collect();
    assert_eq!(rows.len(), keys_only.entries.len(), "{text}");
    for (row, entry) in rows.iter().zip(&keys_only.entries) {
        assert!(row.contains(entry.action.as_str()), "{row} is {entry:?}");
    }
    assert!(text.contains(",'=evil,"), "formulas neutralised: {text}");
    assert!(!text.contains("mallory"), "the viewer's export keeps to their scope");
    assert_eq!(csv(&viewer, "action=nope").await.unwrap().status(), StatusCode::BAD_REQUEST);
    assert_eq!(csv(&blind, "").await.unwrap().status(), StatusCode::FORBIDDEN);
}
