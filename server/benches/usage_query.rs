//! The details panel's usage reads at scale (`cargo bench -p server --bench usage_query`, or
//! `bench/usage_query.sh`): 100,000 keys, of which 1,000 have 90 days of hourly and daily history
//! over 3 results and 5 origins (32.4 million hourly rows). On a SQLite file and on a PostgreSQL
//! database of its own (on `TEST_DATABASE_URL`, dropped afterwards), it times the panel's report
//! for each range and the Disable/Delete dialogs' impact over random keys of the 1,000, and
//! prints p50 and p95 of each.

use app::usage::{Range, Resolution, UsageResult};
use chrono::{DateTime, Duration, Utc};
use sea_orm::{ConnectionTrait, DatabaseConnection};
use server::key_store::SeaKeyStore;
use server::usage::Dimension;
use server::usage::store;
use std::time::Instant;
use uuid::Uuid;

const KEYS: usize = 100_000;
const USED_KEYS: usize = 1_000;
const DAYS: i64 = 90;
const RESULTS: [UsageResult; 3] = [UsageResult::Valid, UsageResult::Disabled, UsageResult::Expired];
const ORIGINS: usize = 5;
/// Keys written per statement while seeding (about 160,000 rows each).
const KEYS_PER_STATEMENT: usize = 10;
const SAMPLES: usize = 200;

mod databases;

#[tokio::main]
async fn main() {
    let now = Utc::now();
    databases::on_both("usage", async |backend, db| bench(backend, db, now).await).await;
}

async fn bench(backend: &str, db: &DatabaseConnection, now: DateTime<Utc>) {
    let started = Instant::now();
    SeaKeyStore::new(db.clone()).load_synthetic_keys(KEYS, now).await.expect("synthetic keys");
    for first in (0..USED_KEYS).step_by(KEYS_PER_STATEMENT) {
        for resolution in [Resolution::Hour, Resolution::Day] {
            db.execute_unprepared(&history(db, first, resolution, now)).await.expect("usage history");
        }
    }
    db.execute_unprepared("ANALYZE").await.expect("statistics");
    println!("{backend}: seeded {KEYS} keys, {USED_KEYS} with history, in {:.0} s", started.elapsed().as_secs_f64());

    let used = used_keys(db).await;
    let mut timings: Vec<(&str, Vec<f64>)> =
        Range::ALL.iter().map(|range| (range.code(), Vec::new())).chain([("impact", Vec::new())]).collect();
    for sample in 0..SAMPLES {
        let key = used[(sample * 7919) % used.len()];
        for (n, range) in Range::ALL.into_iter().enumerate() {
            let started = Instant::now();
            let report = store::report(db, key, range, now).await.expect("a report");
            timings[n].1.push(started.elapsed().as_secs_f64() * 1000.0);
            assert!(report.buckets.iter().any(|bucket| bucket.counts.iter().any(|&count| count > 0)));
        }
        let started = Instant::now();
        let impact = store::impact(db, key, None, now).await.expect("an impact");
        timings[Range::ALL.len()].1.push(started.elapsed().as_secs_f64() * 1000.0);
        assert!(impact.uses_7d > 0);
    }
    for (what, mut millis) in timings {
        millis.sort_by(f64::total_cmp);
        let at = |q: f64| millis[((millis.len() as f64 * q).ceil() as usize).saturating_sub(1)];
        println!("{backend}: usage {what:>6}: p50 {:.1} ms, p95 {:.1} ms ({SAMPLES} keys)", at(0.5), at(0.95));
    }
}

/// One statement adding `resolution`'s buckets over the last 90 days for the keys
/// `first..first + KEYS_PER_STATEMENT` (in id order): every result from every origin, with
/// counts that vary by bucket.
fn history(db: &DatabaseConnection, first: usize, resolution: Resolution, now: DateTime<Utc>) -> String {
    let step = resolution.seconds();
    let last = resolution.bucket(now.timestamp());
    let start = resolution.bucket((now - Duration::days(DAYS)).timestamp()) + step;
    let buckets = match db.get_database_backend() {
        sea_orm::DatabaseBackend::Postgres => format!("SELECT generate_series({start}::bigint, {last}, {step})"),
        _ => format!("SELECT {start} UNION ALL SELECT b + {step} FROM h WHERE b < {last}"),
    };
    let values = |items: Vec<String>| items.iter().map(|item| format!("('{item}')")).collect::<Vec<_>>().join(", ");
    let results = values(RESULTS.iter().map(|result| result.code().to_owned()).collect());
    let origins = values((0..ORIGINS).map(|n| format!("https://shop{n}.example.com")).collect());
    format!(
        "WITH RECURSIVE h(b) AS ({buckets}), r(code) AS (VALUES {results}), o(label) AS (VALUES {origins}) \
         INSERT INTO key_usage (key_id, resolution, bucket, result, dimension, label, count) \
         SELECT k.id, '{resolution}', h.b, r.code, '{dimension}', o.label, 1 + h.b / {step} % 17 \
         FROM (SELECT id FROM api_keys ORDER BY id LIMIT {KEYS_PER_STATEMENT} OFFSET {first}) AS k \
         CROSS JOIN h CROSS JOIN r CROSS JOIN o",
        resolution = resolution.code(),
        dimension = Dimension::Origin.code(),
    )
}

async fn used_keys(db: &DatabaseConnection) -> Vec<Uuid> {
    use sea_orm::{EntityTrait, QueryOrder, QuerySelect};
    use server::entity::api_key::{Column, Entity};
    Entity::find()
        .select_only()
        .column(Column::Id)
        .order_by_asc(Column::Id)
        .limit(USED_KEYS as u64)
        .into_tuple()
        .all(db)
        .await
        .expect("the used keys")
}
