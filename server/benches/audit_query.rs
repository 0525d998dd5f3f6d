//! The Audit Log page's reads at a million events (`cargo bench -p server --bench audit_query`,
//! or `bench/audit_query.sh`). On a SQLite file and on a PostgreSQL database of its own (on
//! `TEST_DATABASE_URL`, dropped afterwards) it writes 1,000,000 events over a year (10,000 keys,
//! 40 users, a few sign-in failures and user changes among them), then times the page's server
//! read (one page of 50, the count up to 10,000, the `Who` choices) for the first screen and
//! for each filter, and prints p50 and p95 of each.

use app::audit::AuditAction;
use app::audit::query::{AuditQuery, AuditScope, KeyRef};
use app::audit::store::AuditTrail;
use chrono::{DateTime, Duration, NaiveDate, Utc};
use sea_orm::{ActiveValue::Set, ConnectionTrait, DatabaseConnection, EntityTrait};
use server::audit::trail::SeaAuditTrail;
use server::entity::audit_event;
use std::time::Instant;
use uuid::Uuid;

const EVENTS: usize = 1_000_000;
const KEYS: usize = 10_000;
const USERS: usize = 40;
/// Rows per INSERT (12 columns each: within PostgreSQL's 65,535 parameters).
const BATCH: usize = 2_000;
const SAMPLES: usize = 60;

mod databases;

#[tokio::main]
async fn main() {
    let now = Utc::now();
    databases::on_both("audit", async |backend, db| bench(backend, db, now).await).await;
}

/// Event `n`: mostly key changes by the 40 users, one in 50 a sign-in, one in 1,000 a failed
/// one (by a mistyped name), one in 10,000 a user change; spread evenly over the last year.
fn event(n: usize, keys: &[Uuid], now: DateTime<Utc>) -> audit_event::Model {
    let key = n * 7919 % KEYS;
    let action = match n {
        n if n % 10_000 == 0 => AuditAction::UserRightsSet,
        n if n % 1_000 == 0 => AuditAction::SignInFailed,
        n if n % 50 == 0 => AuditAction::SignedIn,
        n => {
            [AuditAction::KeyUpdated, AuditAction::KeyEnabled, AuditAction::KeyDisabled, AuditAction::KeyCreated][n % 4]
        }
    };
    let actor =
        if action == AuditAction::SignInFailed { format!("typo{}", n % 97) } else { format!("user{}", n % USERS) };
    let at = now - Duration::seconds(365 * 24 * 3600 * (EVENTS - n) as i64 / EVENTS as i64);
    audit_event::Model {
        id: Uuid::now_v7(),
        at,
        actor: actor.clone(),
        address: Some(format!("10.0.{}.{}", n % 200, n % 250)),
        action: action.as_str().to_owned(),
        subject: if action.is_key_event() { format!("Key {key}") } else { actor },
        key_id: action.is_key_event().then(|| keys[key]),
        other_key_id: None,
        changes: if action == AuditAction::KeyUpdated {
            r#"[{"field":"name","old":"a","new":"b"}]"#.to_owned()
        } else {
            "[]".to_owned()
        },
        note: None,
        batch_id: None,
    }
}

async fn seed(db: &DatabaseConnection, now: DateTime<Utc>) -> Vec<Uuid> {
    let keys: Vec<Uuid> = (0..KEYS).map(|_| Uuid::new_v4()).collect();
    for first in (0..EVENTS).step_by(BATCH) {
        let rows = (first..first + BATCH).map(|n| {
            let row = event(n, &keys, now);
            audit_event::ActiveModel {
                id: Set(row.id),
                at: Set(row.at),
                actor: Set(row.actor),
                address: Set(row.address),
                action: Set(row.action),
                subject: Set(row.subject),
                key_id: Set(row.key_id),
                other_key_id: Set(row.other_key_id),
                changes: Set(row.changes),
                note: Set(row.note),
                batch_id: Set(row.batch_id),
            }
        });
        audit_event::Entity::insert_many(rows).exec_without_returning(db).await.expect("events");
    }
    db.execute_unprepared(
        "INSERT INTO audit_actors (actor, key_events) SELECT DISTINCT actor, action LIKE 'key_%' FROM audit_events",
    )
    .await
    .expect("actors");
    // PostgreSQL's autovacuum gathers statistics on its own after a load like this; a Keydesk
    // SQLite file has none (nothing runs ANALYZE), so the bench leaves SQLite without them too.
    if db.get_database_backend() == sea_orm::DatabaseBackend::Postgres {
        db.execute_unprepared("ANALYZE").await.expect("statistics");
    }
    keys
}

async fn bench(backend: &str, db: &DatabaseConnection, now: DateTime<Utc>) {
    let started = Instant::now();
    let keys = seed(db, now).await;
    println!("{backend}: seeded {EVENTS} events in {:.0} s", started.elapsed().as_secs_f64());
    let trail = SeaAuditTrail::new(db.clone());
    let week_ago = (now - Duration::days(7)).date_naive();
    let last_month = move |n: usize| -> (Option<NaiveDate>, Option<NaiveDate>) {
        let day = (now - Duration::days(30 + (n % 200) as i64)).date_naive();
        (Some(day), day.succ_opt())
    };
    type View = Box<dyn Fn(usize) -> (AuditQuery, AuditScope)>;
    let views: Vec<(&str, View)> = vec![
        ("first screen (all five rights)", Box::new(|_| (AuditQuery::default(), AuditScope::Everything))),
        ("first screen (canView, canRead)", Box::new(|_| (AuditQuery::default(), AuditScope::KeyEvents))),
        (
            "who",
            Box::new(|n| {
                (
                    AuditQuery { who: Some(format!("user{}", n % USERS)), ..AuditQuery::default() },
                    AuditScope::Everything,
                )
            }),
        ),
        (
            "action (rare: sign-in failed)",
            Box::new(|_| {
                (
                    AuditQuery { actions: vec![AuditAction::SignInFailed], ..AuditQuery::default() },
                    AuditScope::Everything,
                )
            }),
        ),
        (
            "action (two common)",
            Box::new(|_| {
                let query = AuditQuery::default()
                    .with_action(AuditAction::KeyDisabled, true)
                    .with_action(AuditAction::KeyEnabled, true);
                (query, AuditScope::KeyEvents)
            }),
        ),
        (
            "key id",
            Box::new(move |n| {
                (
                    AuditQuery { key: Some(KeyRef::Id(keys[n * 31 % KEYS])), ..AuditQuery::default() },
                    AuditScope::KeyEvents,
                )
            }),
        ),
        (
            "key name",
            Box::new(|n| {
                let key = Some(KeyRef::Name(format!("Key {}", n * 37 % KEYS)));
                (AuditQuery { key, ..AuditQuery::default() }, AuditScope::KeyEvents)
            }),
        ),
        (
            "one day a month or more ago",
            Box::new(move |n| {
                let (from, to) = last_month(n);
                (AuditQuery { from, to, ..AuditQuery::default() }, AuditScope::Everything)
            }),
        ),
        (
            "who + action + last 7 days",
            Box::new(move |n| {
                let query = AuditQuery {
                    who: Some(format!("user{}", n % USERS)),
                    from: Some(week_ago),
                    ..AuditQuery::default()
                }
                .with_action(AuditAction::KeyUpdated, true);
                (query, AuditScope::KeyEvents)
            }),
        ),
        (
            "page 20 of the first screen",
            Box::new(|_| (AuditQuery { page: 19, ..AuditQuery::default() }, AuditScope::Everything)),
        ),
    ];
    for (what, view) in views {
        let mut millis = Vec::with_capacity(SAMPLES);
        let mut found = 0;
        // A few untimed reads first, as a console in use has its pages in memory.
        for sample in 0..3 {
            let (query, scope) = view(sample);
            trail.page(&query, scope, now).await.expect("a page");
        }
        for sample in 0..SAMPLES {
            let (query, scope) = view(sample);
            let started = Instant::now();
            let page = trail.page(&query, scope, now).await.expect("a page");
            millis.push(started.elapsed().as_secs_f64() * 1000.0);
            found += page.entries.len();
        }
        assert!(found > 0, "{what}: the view finds events");
        millis.sort_by(f64::total_cmp);
        let at = |q: f64| millis[((millis.len() as f64 * q).ceil() as usize).saturating_sub(1)];
        println!("{backend}: {what:<34} p50 {:>6.1} ms, p95 {:>6.1} ms", at(0.5), at(0.95));
    }
}
