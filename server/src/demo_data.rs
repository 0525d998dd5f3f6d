//! Keys for a first look and for benchmarks: the guide's ten sample keys (`server demo-data`),
//! with a sample usage history so that the charts have something to show, and any number of
//! synthetic ones (`server seed`).

use crate::key_store::{SeaKeyStore, internal};
use crate::usage::{self, Dimension, store::UsageRow};
use crate::verify::sync::{Announcement, announce};
use app::api_keys::secret::generate_secret;
use app::api_keys::{NewKey, Permission};
use app::error::AppError;
use app::usage::{Resolution, UsageResult};
use chrono::{DateTime, Duration, Utc};
use sea_orm::sea_query::Expr;
use sea_orm::{ColumnTrait, DatabaseTransaction, QueryFilter};
use sea_orm::{EntityTrait, PaginatorTrait};
use std::collections::BTreeMap;
use uuid::Uuid;

/// Name, permission, age in years (of 365 days), creator: the rows of the guide's screenshot.
const SAMPLES: [(&str, Permission, i64, &str); 10] = [
    ("1", Permission::Chat, 1, "nexus"),
    ("123", Permission::Chat, 1, "nexus"),
    ("Designer 35-05", Permission::Chat, 4, "admin.team@example.com"),
    ("Default 35-05", Permission::Chat, 4, "admin.team@example.com"),
    ("Securemail", Permission::SecureMail, 3, "nexus_qa@example.com"),
    ("db1ee708-e922-4443-a80b-48c47b0a0af6", Permission::Chat, 3, "testBackUp"),
    ("a209f9ec-5806-45b6-84ad-ccb7426a1630", Permission::Chat, 1, "nexus"),
    ("902388c1-0511-42c8-bd0b-aba561ca3617", Permission::Chat, 1, "nexus"),
    ("Securemail", Permission::SecureMail, 1, "nexus"),
    ("b87f50ce-96d4-4de8-b7df-8f24a7a8efba", Permission::Chat, 2, "test"),
];

impl SeaKeyStore {
    /// Loads the samples, all enabled and never expiring, if the database has no keys at all;
    /// returns how many were added (0 when keys already exist). Their secrets are thrown away:
    /// nobody can use a sample key.
    pub async fn load_demo_data(&self, now: DateTime<Utc>) -> Result<usize, AppError> {
        let txn = self.begin_write().await?;
        if crate::entity::api_key::Entity::find().count(&txn).await.map_err(internal)? > 0 {
            return Ok(0);
        }
        for (index, (name, permission, years, created_by)) in SAMPLES.into_iter().enumerate() {
            let new = NewKey { name: name.to_owned(), permission, ..NewKey::blank() };
            let (_, row) =
                Self::insert(&txn, &new, &Default::default(), created_by, now - Duration::days(365 * years)).await?;
            sample_usage(&txn, row.id, index, now).await?;
        }
        // Every instance (and every open page) reads all keys again.
        announce(&txn, Announcement::AllKeys).await.map_err(internal)?;
        txn.commit().await.map_err(internal)?;
        Ok(SAMPLES.len())
    }
}

/// Where the sample keys' verifications come from: marked as sample data in their names.
const SAMPLE_ORIGINS: [&str; 4] = [
    "https://shop.sample-data.example",
    "https://help.sample-data.example",
    "https://www.sample-data.example",
    "(none)",
];

/// Plausible usage for sample key number `index`: 90 days of hourly traffic with a daily rhythm
/// for the first six keys, a trickle for the next two, none for the last two; a few refusals.
/// Written at hour and day resolution (minutes only for the last two hours), with the key's
/// last use.
async fn sample_usage(txn: &DatabaseTransaction, key: Uuid, index: usize, now: DateTime<Utc>) -> Result<(), AppError> {
    let volume = match index {
        0..=5 => 40 + 25 * index as i64,
        6 | 7 => 1,
        _ => return Ok(()),
    };
    let mut rows: BTreeMap<UsageRow<'_>, i64> = BTreeMap::new();
    let this_hour = Resolution::Hour.bucket(now.timestamp());
    let mut last_use = None;
    for back in 0..90 * 24 {
        let hour = this_hour - back * 3600;
        let local = (hour / 3600 + index as i64 * 3) % 24;
        // Busier in the (sample's) daytime; a pseudo-random wobble per hour and key.
        let wobble = (hour / 3600 * 7919 + index as i64 * 104_729) % 13;
        let valid = if (8..20).contains(&local) { volume + wobble * volume / 10 } else { volume / 8 + wobble % 3 };
        if valid == 0 || (volume == 1 && wobble != 0) {
            continue;
        }
        last_use = last_use.or(Some(hour));
        let refused = if wobble == 5 { Some((UsageResult::WrongPermission, 1 + valid / 50)) } else { None };
        for (result, count) in std::iter::once((UsageResult::Valid, valid)).chain(refused) {
            let mut left = count;
            for (n, origin) in SAMPLE_ORIGINS.iter().enumerate() {
                let share = if n + 1 == SAMPLE_ORIGINS.len() { left } else { left * 2 / 3 };
                left -= share;
                if share == 0 {
                    continue;
                }
                let mut add = |resolution: Resolution, bucket: i64| {
                    *rows.entry((key, resolution, bucket, result, Dimension::Origin, origin)).or_insert(0) += share;
                    *rows.entry((key, resolution, bucket, result, Dimension::Network, "(sample data)")).or_insert(0) +=
                        share;
                };
                add(Resolution::Hour, hour);
                add(Resolution::Day, Resolution::Day.bucket(hour));
                if back < 2 {
                    add(Resolution::Minute, hour + 60 * ((wobble + n as i64) % 60));
                }
            }
        }
    }
    usage::store::add(txn, &rows).await.map_err(internal)?;
    if let Some(hour) = last_use {
        let at = DateTime::from_timestamp(hour, 0).unwrap_or(now).min(now);
        crate::entity::api_key::Entity::update_many()
            .col_expr(crate::entity::api_key::Column::LastUsedAt, Expr::value(at))
            .filter(crate::entity::api_key::Column::Id.eq(key))
            .exec(txn)
            .await
            .map_err(internal)?;
    }
    Ok(())
}

/// Creators the synthetic keys are spread over.
const CREATORS: [&str; 8] =
    ["nexus", "admin.team@example.com", "nexus_qa@example.com", "testBackUp", "test", "ops", "Zoë", "security"];

impl SeaKeyStore {
    /// Adds `count` synthetic keys (for benchmarks and load tests; `server seed`): varied names,
    /// creators, permissions and ages; a tenth disabled, some expired, some expiring soon.
    pub async fn load_synthetic_keys(&self, count: usize, now: DateTime<Utc>) -> Result<(), AppError> {
        let txn = self.begin_write().await?;
        let rows: Vec<_> = (0..count)
            .map(|i| {
                let permission = if i % 4 == 0 { Permission::SecureMail } else { Permission::Chat };
                let expires_at = match i % 10 {
                    0 => Some(now - Duration::days(1 + (i % 90) as i64)),
                    1 => Some(now + Duration::days(1 + (i % 29) as i64)),
                    2 => Some(now + Duration::days(60 + (i % 900) as i64)),
                    _ => None,
                };
                let new = NewKey {
                    name: format!("Channel key {i:06}"),
                    permission,
                    enabled: i % 10 != 3,
                    expires_at,
                    copied_from: None,
                };
                let secret = generate_secret(permission);
                let created_at = now - Duration::minutes((i as i64 * 37) % (5 * 365 * 24 * 60));
                Self::new_row(
                    &new,
                    secret.display_prefix(),
                    secret.hash().to_vec(),
                    CREATORS[i % CREATORS.len()],
                    created_at,
                )
            })
            .collect();
        // Batches stay under SQLite's limit of bound parameters per statement.
        for batch in rows.chunks(500) {
            crate::entity::api_key::Entity::insert_many(batch.to_vec()).exec(&txn).await.map_err(internal)?;
        }
        // Every instance (and every open page) reads all keys again.
        announce(&txn, Announcement::AllKeys).await.map_err(internal)?;
        txn.commit().await.map_err(internal)?;
        Ok(())
    }
}
