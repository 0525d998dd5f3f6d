//! Property test: for random keys and random views (search, status, permission, usage, expiry
//! windows, replaced, sort and direction), the SQL the store runs picks exactly the keys that `KeyQuery::matches` (the rule in
//! Rust) picks, on SQLite and on PostgreSQL; and the browser's copy of the list (`HeldKeys`, the
//! code the page runs in wasm, compiled natively here) answers each view with the same keys in
//! the same order.

use crate::support;

use app::api_keys::key_list::HeldKeys;
use app::api_keys::lifecycle_filter::{Days, ReplacedFilter};
use app::api_keys::store::KeyStore;
use app::api_keys::{KeyQuery, Permission, SortColumn, SortDirection, StatusFilter, UsageFilter};
use app::usage::{Resolution, UsageResult};
use chrono::{DateTime, Duration, TimeZone, Utc};
use proptest::prelude::*;
use proptest::test_runner::{Config, TestRunner};
use sea_orm::sea_query::Expr;
use sea_orm::{ColumnTrait, ConnectionTrait, DatabaseConnection, EntityTrait, QueryFilter};
use server::entity::api_key;
use server::key_store::SeaKeyStore;
use server::usage::Dimension;
use std::collections::{BTreeMap, BTreeSet};

on_both_databases!(sql_and_rust_pick_the_same_keys);

fn now() -> DateTime<Utc> {
    Utc.with_ymd_and_hms(2026, 11, 27, 12, 0, 0).unwrap()
}

/// Characters chosen to stress folding and LIKE: case pairs beyond ASCII, wildcards, escapes.
const ALPHABET: &[char] = &['a', 'A', 'é', 'É', 'ß', 'Σ', 'σ', 'İ', '_', '%', '\\', ' ', '1'];

fn text(max: usize) -> impl Strategy<Value = String> {
    prop::collection::vec(prop::sample::select(ALPHABET), 0..=max).prop_map(|c| c.into_iter().collect())
}

fn name() -> impl Strategy<Value = String> {
    text(6).prop_map(|n| if n.trim().is_empty() { "k".to_owned() } else { n })
}

/// Expiries around the interesting instants: now, the 7- and 30-day edges either way, and never.
fn expiry() -> impl Strategy<Value = Option<DateTime<Utc>>> {
    let edge = prop::sample::select(vec![0i64, 7, -7, 30, -30]);
    let nudge = prop::sample::select(vec![-1i64, 0, 1]);
    prop_oneof![
        Just(None),
        (edge, nudge).prop_map(|(days, ms)| Some(now() + Duration::days(days) + Duration::milliseconds(ms))),
        (-100_000i64..100_000).prop_map(|m| Some(now() + Duration::minutes(m))),
    ]
}

/// The windows' day counts the views try: the edges above, and the widest.
fn days() -> impl Strategy<Value = Option<Days>> {
    prop::option::of(prop::sample::select(vec![7u16, 30, 365]).prop_map(|d| Days::new(d).unwrap()))
}

/// Last uses around the Usage filter's edges: 7 and 30 days ago, and never.
fn last_use() -> impl Strategy<Value = Option<DateTime<Utc>>> {
    prop_oneof![
        Just(None),
        Just(Some(now() - Duration::days(7))),
        Just(Some(now() - Duration::days(7) - Duration::milliseconds(1))),
        Just(Some(now() - Duration::days(30))),
        Just(Some(now() - Duration::days(30) + Duration::milliseconds(1))),
        (0i64..100_000).prop_map(|m| Some(now() - Duration::minutes(m))),
    ]
}

/// A count of verifications `days` ago (7: just outside the table's week), valid or not.
type Uses = (i64, bool, i64);

/// Name, creator, chat, enabled, expiry, last use, minutes before now it was created (few
/// values, so that ties are common), uses, replaced by a rotation.
type KeySpec = (String, String, bool, bool, Option<DateTime<Utc>>, Option<DateTime<Utc>>, i64, Vec<Uses>, bool);

fn keys() -> impl Strategy<Value = Vec<KeySpec>> {
    let uses = prop::collection::vec((0i64..=7, any::<bool>(), 1i64..4), 0..3);
    let key = (name(), name(), any::<bool>(), any::<bool>(), expiry(), last_use(), 0i64..3, uses, any::<bool>());
    prop::collection::vec(key, 0..12)
}

fn query() -> impl Strategy<Value = KeyQuery> {
    let usage = prop::sample::select(UsageFilter::ALL.to_vec());
    let sort = prop::sample::select(SortColumn::ALL.to_vec());
    let replaced = prop::sample::select(ReplacedFilter::ALL.to_vec());
    let lifecycle = (days(), days(), replaced);
    (text(3), any::<(bool, bool, bool)>(), prop::option::of(any::<bool>()), usage, lifecycle, sort, any::<bool>())
        .prop_map(|(search, (a, u, s), p, usage, (expires_within, expired_within, replaced), sort, ascending)| {
            KeyQuery {
                search,
                status: StatusFilter { available: a, unavailable: u, soon_unavailable: s },
                permission: p.map(|chat| if chat { Permission::Chat } else { Permission::SecureMail }),
                usage,
                expires_within,
                expired_within,
                replaced,
                sort,
                direction: if ascending { SortDirection::Asc } else { SortDirection::Desc },
                ..KeyQuery::default()
            }
        })
}

async fn sql_and_rust_pick_the_same_keys(db: DatabaseConnection) {
    let store = SeaKeyStore::new(db.clone());
    let handle = tokio::runtime::Handle::current();
    let mut runner = TestRunner::new(Config { cases: 48, ..Config::default() });
    let result = tokio::task::block_in_place(|| {
        runner.run(&(keys(), prop::collection::vec(query(), 1..6)), |(specs, queries)| {
            handle.block_on(async {
                db.execute_unprepared("DELETE FROM key_usage").await.unwrap();
                db.execute_unprepared("DELETE FROM api_keys").await.unwrap();
                let mut usage = BTreeMap::new();
                for (name, creator, chat, enabled, expires_at, last_used_at, age, uses, replaced) in &specs {
                    let permission = if *chat { Permission::Chat } else { Permission::SecureMail };
                    let created_at = now() - Duration::minutes(*age);
                    let id =
                        support::insert_key(&db, name, creator, permission, *enabled, *expires_at, created_at).await;
                    for &(days, valid, count) in uses {
                        let result = if valid { UsageResult::Valid } else { UsageResult::Disabled };
                        let bucket = Resolution::Day.bucket((now() - Duration::days(days)).timestamp());
                        let row = (id, Resolution::Day, bucket, result, Dimension::Origin, "https://a.example");
                        *usage.entry(row).or_insert(0) += count;
                    }
                    // A replaced key names a successor; itself will do for the filters.
                    api_key::Entity::update_many()
                        .col_expr(api_key::Column::LastUsedAt, Expr::value(*last_used_at))
                        .col_expr(api_key::Column::ReplacedBy, Expr::value(replaced.then_some(id)))
                        .filter(api_key::Column::Id.eq(id))
                        .exec(&db)
                        .await
                        .unwrap();
                }
                let txn = sea_orm::TransactionTrait::begin(&db).await.unwrap();
                server::usage::store::add(&txn, &usage).await.unwrap();
                txn.commit().await.unwrap();
                let all = store.list(&KeyQuery { page: 0, ..KeyQuery::default() }, now()).await.unwrap().keys;
                prop_assert_eq!(all.len(), specs.len(), "the unfiltered view holds every key");
                let list = store.list_all(u64::MAX, now()).await.unwrap().expect("under the limit");
                prop_assert_eq!(list.keys.len(), specs.len(), "the browser's copy holds every key");
                // The usage refresh names exactly the keys used since its instant, with the same
                // weeks as the whole list.
                let since = now() - Duration::days(7);
                let refresh = store.usage_since(since, now()).await.unwrap();
                let used: BTreeSet<_> =
                    list.keys.iter().filter(|k| k.last_used_at.is_some_and(|at| at >= since)).map(|k| k.id).collect();
                prop_assert_eq!(refresh.keys.iter().map(|k| k.id).collect::<BTreeSet<_>>(), used);
                let list_weeks: BTreeMap<_, _> = list.weeks.iter().copied().collect();
                for figures in &refresh.keys {
                    prop_assert_eq!(figures.week, list_weeks.get(&figures.id).copied().unwrap_or([0; 7]));
                }
                let held = HeldKeys::from(list);
                for query in &queries {
                    let page = store.list(query, now()).await.unwrap();
                    let by_sql: Vec<_> = page.keys.iter().map(|k| k.id).collect();
                    let by_rust: BTreeSet<_> = all.iter().filter(|k| query.matches(k, now())).map(|k| k.id).collect();
                    prop_assert_eq!(by_sql.iter().copied().collect::<BTreeSet<_>>(), by_rust, "view {:?}", query);
                    let in_browser = held.page(query, now());
                    let by_browser: Vec<_> = in_browser.keys.iter().map(|k| k.id).collect();
                    prop_assert_eq!(&by_browser, &by_sql, "order of view {:?}", query);
                    prop_assert_eq!(in_browser.total, page.total);
                    let weeks = |weeks: &[(uuid::Uuid, [u64; 7])]| weeks.iter().copied().collect::<BTreeMap<_, _>>();
                    prop_assert_eq!(weeks(&in_browser.weeks), weeks(&page.weeks), "weeks of view {:?}", query);
                }
                Ok(())
            })
        })
    });
    if let Err(failure) = result {
        panic!("SQL, the Rust rule and the browser's copy disagree: {failure}");
    }
}
