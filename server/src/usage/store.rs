//! Usage in the database: the flush (additive upserts into the minute, hour and day buckets),
//! the retention purge, and the reads behind the console and `server key usage`.

use super::Dimension;
use super::counters::{Batch, UsageCounters};
use crate::db::begin_write;
use crate::entity::key_usage::{self, Column, Entity as KeyUsage};
use crate::entity::unresolved_usage::{self, Entity as UnresolvedUsage};
use app::usage::source::{INVALID, NONE, OTHER};
use app::usage::summary::OriginUse;
use app::usage::{Range, Resolution, UsageBucket, UsageImpact, UsageReport, UsageResult};
use chrono::{DateTime, Duration, Utc};
use sea_orm::ActiveValue::Set;
use sea_orm::QueryTrait;
use sea_orm::sea_query::{Alias, Expr, IntoIden, OnConflict};
use sea_orm::{
    ColumnTrait, ConnectionTrait, DatabaseBackend, DatabaseConnection, DbErr, EntityTrait, QueryFilter, QuerySelect,
    Statement,
};
use std::collections::{BTreeMap, HashMap};
use uuid::Uuid;

/// Rows per statement: well under SQLite's limit of bound values.
const ROWS_PER_STATEMENT: usize = 1000;

/// Takes the counters' counts and writes them in one transaction; on failure they go back into
/// the counters for the next flush, so nothing is lost or counted twice.
pub async fn flush(db: &DatabaseConnection, counters: &UsageCounters, now: DateTime<Utc>) -> Result<(), DbErr> {
    let batch = counters.take(Resolution::Day.bucket(now.timestamp()));
    if batch.is_empty() {
        return Ok(());
    }
    match write(db, &batch).await {
        Ok(()) => Ok(()),
        Err(error) => {
            counters.restore(batch);
            Err(error)
        }
    }
}

/// One row's key: key, resolution, bucket (Unix seconds), result, dimension, label.
pub type UsageRow<'a> = (Uuid, Resolution, i64, UsageResult, Dimension, &'a str);

/// Adds `batch` to the database: each count to its minute, its hour and its day.
async fn write(db: &DatabaseConnection, batch: &Batch) -> Result<(), DbErr> {
    let mut rows: BTreeMap<UsageRow<'_>, i64> = BTreeMap::new();
    for (cell, &count) in &batch.cells {
        for resolution in Resolution::ALL {
            let row = (cell.key, resolution, resolution.bucket(cell.minute), cell.result, cell.dimension, &*cell.label);
            *rows.entry(row).or_insert(0) += count as i64;
        }
    }
    let mut unresolved: BTreeMap<(Resolution, i64, &'static str), i64> = BTreeMap::new();
    for (&(minute, refusal), &count) in &batch.unresolved {
        for resolution in Resolution::ALL {
            *unresolved.entry((resolution, resolution.bucket(minute), refusal.code())).or_insert(0) += count as i64;
        }
    }
    let txn = begin_write(db).await?;
    add(&txn, &rows).await?;
    let unresolved: Vec<_> = unresolved.into_iter().collect();
    for chunk in unresolved.chunks(ROWS_PER_STATEMENT) {
        let models = chunk.iter().map(|&((resolution, bucket, code), count)| unresolved_usage::ActiveModel {
            resolution: Set(resolution.code().to_owned()),
            bucket: Set(bucket),
            code: Set(code.to_owned()),
            count: Set(count),
        });
        use unresolved_usage::Column as U;
        let add = OnConflict::columns([U::Resolution, U::Bucket, U::Code])
            .value(U::Count, stored_plus_new(UnresolvedUsage, U::Count))
            .to_owned();
        UnresolvedUsage::insert_many(models).on_conflict(add).exec_without_returning(&txn).await?;
    }
    txn.commit().await
}

/// `table.count + excluded.count`: what an upsert that adds sets.
fn stored_plus_new(table: impl IntoIden, column: impl IntoIden + Copy) -> Expr {
    use sea_orm::sea_query::ExprTrait;
    Expr::col((table, column)).add(Expr::col((Alias::new("excluded"), column)))
}

/// A stored count as a number of verifications.
fn count(stored: i64) -> u64 {
    u64::try_from(stored).unwrap_or(0)
}

/// Adds each row's count to the stored one (or stores it). Rows go in key order (a `BTreeMap`),
/// so concurrent flushes from several instances lock rows in the same order.
pub async fn add(txn: &impl ConnectionTrait, rows: &BTreeMap<UsageRow<'_>, i64>) -> Result<(), DbErr> {
    let rows: Vec<_> = rows.iter().collect();
    for chunk in rows.chunks(ROWS_PER_STATEMENT) {
        let models = chunk.iter().map(|&(&(key, resolution, bucket, result, dimension, label), &count)| {
            key_usage::ActiveModel {
                key_id: Set(key),
                resolution: Set(resolution.code().to_owned()),
                bucket: Set(bucket),
                result: Set(result.code().to_owned()),
                dimension: Set(dimension.code().to_owned()),
                label: Set(label.to_owned()),
                count: Set(count),
            }
        });
        let add = OnConflict::columns([
            Column::KeyId,
            Column::Resolution,
            Column::Bucket,
            Column::Result,
            Column::Dimension,
            Column::Label,
        ])
        .value(Column::Count, stored_plus_new(KeyUsage, Column::Count))
        .to_owned();
        KeyUsage::insert_many(models).on_conflict(add).exec_without_returning(txn).await?;
    }
    Ok(())
}

/// Deletes buckets past their retention at `now`. Idempotent; on PostgreSQL an instance that
/// finds another one purging leaves it to that one. Returns whether this instance purged.
pub async fn purge(db: &DatabaseConnection, now: DateTime<Utc>) -> Result<bool, DbErr> {
    let txn = begin_write(db).await?;
    if txn.get_database_backend() == DatabaseBackend::Postgres {
        let statement = Statement::from_string(
            DatabaseBackend::Postgres,
            "SELECT pg_try_advisory_xact_lock(hashtext('keydesk.usage_purge')) AS locked",
        );
        let locked: bool = match txn.query_one_raw(statement).await? {
            Some(row) => row.try_get("", "locked")?,
            None => false,
        };
        if !locked {
            return Ok(false);
        }
    }
    for resolution in Resolution::ALL {
        let before = Resolution::bucket(resolution, resolution.purge_before(now).timestamp());
        KeyUsage::delete_many()
            .filter(Column::Resolution.eq(resolution.code()))
            .filter(Column::Bucket.lt(before))
            .exec(&txn)
            .await?;
        UnresolvedUsage::delete_many()
            .filter(unresolved_usage::Column::Resolution.eq(resolution.code()))
            .filter(unresolved_usage::Column::Bucket.lt(before))
            .exec(&txn)
            .await?;
    }
    txn.commit().await?;
    Ok(true)
}

/// A key's counts by origin at `resolution` since `since` (Unix seconds, inclusive).
pub async fn origin_rows(
    db: &impl ConnectionTrait,
    key: Uuid,
    resolution: Resolution,
    since: i64,
) -> Result<Vec<key_usage::Model>, DbErr> {
    KeyUsage::find()
        .filter(Column::KeyId.eq(key))
        .filter(Column::Resolution.eq(resolution.code()))
        .filter(Column::Bucket.gte(since))
        .filter(Column::Dimension.eq(Dimension::Origin.code()))
        .all(db)
        .await
}

/// Which labels [`counts_by_source`] reads.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Labels {
    All,
    /// Real origins or networks only: `(none)`, `(invalid)` and `(other)` left out.
    SourcesOnly,
}

/// `key`'s answers of any of `results` since `since` (Unix seconds, inclusive) at `resolution`,
/// summed per origin or network (`dimension`), busiest first.
pub async fn counts_by_source(
    db: &impl ConnectionTrait,
    key: Uuid,
    dimension: Dimension,
    resolution: Resolution,
    since: i64,
    results: &[UsageResult],
    labels: Labels,
) -> Result<Vec<(String, u64)>, DbErr> {
    let placeholders: &[&str] = match labels {
        Labels::All => &[],
        Labels::SourcesOnly => &[NONE, INVALID, OTHER],
    };
    let rows: Vec<(String, i64)> = KeyUsage::find()
        .select_only()
        .column(Column::Label)
        .column(Column::Count)
        .filter(Column::KeyId.eq(key))
        .filter(Column::Resolution.eq(resolution.code()))
        .filter(Column::Bucket.gte(since))
        .filter(Column::Result.is_in(results.iter().map(|result| result.code())))
        .filter(Column::Dimension.eq(dimension.code()))
        .filter(Column::Label.is_not_in(placeholders.iter().copied()))
        .into_tuple()
        .all(db)
        .await?;
    let mut by_source: HashMap<String, u64> = HashMap::new();
    for (label, n) in rows {
        *by_source.entry(label).or_insert(0) += count(n);
    }
    let mut counts: Vec<(String, u64)> = by_source.into_iter().collect();
    counts.sort_by(|a, b| b.1.cmp(&a.1).then_with(|| a.0.cmp(&b.0)));
    Ok(counts)
}

fn instant(seconds: i64) -> DateTime<Utc> {
    DateTime::from_timestamp(seconds, 0).expect("a bucket start is a valid instant")
}

/// Origins by verifications, busiest first, with the last bucket each was seen in.
fn origins_of(rows: &[key_usage::Model]) -> Vec<OriginUse> {
    let mut by_origin: HashMap<&str, (u64, i64)> = HashMap::new();
    for row in rows {
        let entry = by_origin.entry(&row.label).or_insert((0, row.bucket));
        entry.0 += count(row.count);
        entry.1 = entry.1.max(row.bucket);
    }
    let mut origins: Vec<OriginUse> = by_origin
        .into_iter()
        .map(|(origin, (count, last))| OriginUse { origin: origin.to_owned(), count, last_seen: instant(last) })
        .collect();
    origins.sort_by(|a, b| b.count.cmp(&a.count).then_with(|| a.origin.cmp(&b.origin)));
    origins
}

/// `key`'s usage over `range` at `now`: every bucket (empty ones too), and its origins.
pub async fn report(
    db: &impl ConnectionTrait,
    key: Uuid,
    range: Range,
    now: DateTime<Utc>,
) -> Result<UsageReport, DbErr> {
    let resolution = range.resolution();
    let since = range.since(now).timestamp();
    let rows = origin_rows(db, key, resolution, since).await?;
    let mut buckets: Vec<UsageBucket> =
        range.buckets(now).into_iter().map(|start| UsageBucket { start, counts: [0; UsageResult::COUNT] }).collect();
    for row in &rows {
        let index = ((row.bucket - since) / resolution.seconds()) as usize;
        let result = UsageResult::parse(&row.result).and_then(|r| UsageResult::ALL.iter().position(|&a| a == r));
        if let (Some(bucket), Some(result)) = (buckets.get_mut(index), result) {
            bucket.counts[result] += count(row.count);
        }
    }
    Ok(UsageReport { range, resolution, buckets, origins: origins_of(&rows), read_at: now })
}

/// What stopping `key` would break, from its hourly buckets of the last 7 days.
pub async fn impact(
    db: &impl ConnectionTrait,
    key: Uuid,
    last_used_at: Option<DateTime<Utc>>,
    now: DateTime<Utc>,
) -> Result<UsageImpact, DbErr> {
    let week = Resolution::Hour.bucket((now - Duration::days(7)).timestamp());
    let day = Resolution::Hour.bucket((now - Duration::hours(24)).timestamp());
    let rows: Vec<key_usage::Model> = origin_rows(db, key, Resolution::Hour, week)
        .await?
        .into_iter()
        .filter(|row| UsageResult::parse(&row.result).is_some_and(UsageResult::is_use))
        .collect();
    let uses_since = |since: i64| rows.iter().filter(|row| row.bucket >= since).map(|row| count(row.count)).sum();
    let origins = origins_of(&rows)
        .into_iter()
        .map(|origin| origin.origin)
        .filter(|origin| ![NONE, INVALID, OTHER].contains(&origin.as_str()))
        .collect();
    Ok(UsageImpact { uses_7d: uses_since(week), uses_24h: uses_since(day), last_used_at, origins })
}

/// `key`'s totals by result and its origins since `since`, from the finest resolution that
/// still holds that time (`server key usage`).
pub async fn totals_since(
    db: &impl ConnectionTrait,
    key: Uuid,
    since: DateTime<Utc>,
    now: DateTime<Utc>,
) -> Result<(Vec<(UsageResult, u64)>, Vec<OriginUse>), DbErr> {
    let resolution =
        Resolution::ALL.into_iter().find(|resolution| resolution.purge_before(now) <= since).unwrap_or(Resolution::Day);
    let rows = origin_rows(db, key, resolution, resolution.bucket(since.timestamp())).await?;
    let totals = UsageResult::ALL
        .into_iter()
        .map(|result| {
            let total = rows.iter().filter(|row| row.result == result.code()).map(|row| count(row.count)).sum();
            (result, total)
        })
        .collect();
    Ok((totals, origins_of(&rows)))
}

/// Every answer that named no key since `since` (Unix seconds), by code (minute buckets).
pub async fn unresolved_since(db: &impl ConnectionTrait, since: i64) -> Result<BTreeMap<String, u64>, DbErr> {
    let rows = UnresolvedUsage::find()
        .filter(unresolved_usage::Column::Resolution.eq(Resolution::Minute.code()))
        .filter(unresolved_usage::Column::Bucket.gte(since))
        .all(db)
        .await?;
    let mut totals = BTreeMap::new();
    for row in rows {
        *totals.entry(row.code).or_insert(0) += count(row.count);
    }
    Ok(totals)
}

/// The first day bucket of the "last 7 days" at `now`: today and the six days before.
fn week_start(now: DateTime<Utc>) -> i64 {
    Resolution::Day.bucket(now.timestamp()) - 6 * Resolution::Day.seconds()
}

/// Each of `keys`' valid verifications per UTC day over the last 7 days, oldest first (keys
/// without any are left out): the table's `Last 7 days`.
pub async fn weeks(
    db: &impl ConnectionTrait,
    keys: &[Uuid],
    now: DateTime<Utc>,
) -> Result<Vec<(Uuid, [u64; 7])>, DbErr> {
    if keys.is_empty() {
        return Ok(Vec::new());
    }
    weeks_where(db, Some(Column::KeyId.is_in(keys.iter().copied())), now).await
}

/// [`weeks`] of every key (the browser's copy of the whole list).
pub async fn weeks_of_all_keys(db: &impl ConnectionTrait, now: DateTime<Utc>) -> Result<Vec<(Uuid, [u64; 7])>, DbErr> {
    weeks_where(db, None, now).await
}

/// [`weeks`] of the keys last used at or after `since` (the browser's usage refresh).
pub async fn weeks_of_keys_used_since(
    db: &impl ConnectionTrait,
    since: DateTime<Utc>,
    now: DateTime<Utc>,
) -> Result<Vec<(Uuid, [u64; 7])>, DbErr> {
    let used = crate::entity::api_key::Entity::find()
        .select_only()
        .column(crate::entity::api_key::Column::Id)
        .filter(crate::entity::api_key::Column::LastUsedAt.gte(since))
        .into_query();
    weeks_where(db, Some(Column::KeyId.in_subquery(used)), now).await
}

async fn weeks_where(
    db: &impl ConnectionTrait,
    keys: Option<sea_orm::sea_query::SimpleExpr>,
    now: DateTime<Utc>,
) -> Result<Vec<(Uuid, [u64; 7])>, DbErr> {
    let start = week_start(now);
    let mut select = KeyUsage::find();
    if let Some(keys) = keys {
        select = select.filter(keys);
    }
    let rows = select
        .filter(Column::Resolution.eq(Resolution::Day.code()))
        .filter(Column::Bucket.gte(start))
        .filter(Column::Result.is_in(UsageResult::USES.map(UsageResult::code)))
        .filter(Column::Dimension.eq(Dimension::Origin.code()))
        .all(db)
        .await?;
    let mut weeks: BTreeMap<Uuid, [u64; 7]> = BTreeMap::new();
    for row in rows {
        let day = ((row.bucket - start) / Resolution::Day.seconds()) as usize;
        if let Some(total) = weeks.entry(row.key_id).or_insert([0; 7]).get_mut(day) {
            *total += count(row.count);
        }
    }
    Ok(weeks.into_iter().collect())
}

/// For ordering keys by `Last 7 days`: each key's valid verifications over the 7 days, as a
/// subquery on the `api_keys` row (the day buckets' primary key makes it an index lookup).
pub fn week_total_of_each_key(now: DateTime<Utc>) -> Expr {
    // Every value here is a constant of this crate or an integer: nothing from outside.
    // A whole number on both databases (PostgreSQL's SUM of bigints is a numeric).
    Expr::cust(format!(
        "CAST((SELECT COALESCE(SUM(u.count), 0) FROM key_usage u WHERE u.key_id = api_keys.id \
         AND u.resolution = '{}' AND u.bucket >= {} AND u.result IN ({}) AND u.dimension = '{}') AS BIGINT)",
        Resolution::Day.code(),
        week_start(now),
        UsageResult::USES.map(|result| format!("'{}'", result.code())).join(", "),
        Dimension::Origin.code(),
    ))
}
