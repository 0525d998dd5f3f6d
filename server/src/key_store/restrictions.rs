//! What the Restrictions fieldset reads from a key's traffic: suggestions for its list, and what
//! enforcing a report-only list would have refused. The list itself is saved with the details
//! form's other fields (`KeyStore::update`).

use super::rows::find_row;
use super::{SeaKeyStore, internal};
use crate::usage::Dimension;
use crate::usage::store::{Labels, counts_by_source};
use app::api_keys::Permission;
use app::api_keys::restrictions::{RestrictionReport, SUGGESTION_DAYS, SUGGESTIONS, SourceCount};
use app::error::AppError;
use app::usage::{Resolution, UsageResult};
use chrono::{DateTime, Duration, Utc};
use uuid::Uuid;

/// What a key's list holds: origins for chat keys, networks (as usage groups them, IPv4 /24 and
/// IPv6 /64) for secure-mail keys.
fn listed_dimension(permission: &str) -> Result<Dimension, AppError> {
    match permission.parse::<Permission>().map_err(internal)? {
        Permission::Chat => Ok(Dimension::Origin),
        Permission::SecureMail => Ok(Dimension::Network),
    }
}

fn source_counts(counts: Vec<(String, u64)>) -> impl Iterator<Item = SourceCount> {
    counts.into_iter().map(|(source, count)| SourceCount { source, count })
}

impl SeaKeyStore {
    pub(super) async fn suggestions(&self, id: Uuid, now: DateTime<Utc>) -> Result<Vec<SourceCount>, AppError> {
        let row = find_row(&self.db, id).await?;
        let since = Resolution::Day.bucket((now - Duration::days(SUGGESTION_DAYS)).timestamp());
        let dimension = listed_dimension(&row.permission)?;
        let counts =
            counts_by_source(&self.db, id, dimension, Resolution::Day, since, &UsageResult::USES, Labels::SourcesOnly)
                .await
                .map_err(internal)?;
        Ok(source_counts(counts).take(SUGGESTIONS).collect())
    }

    pub(super) async fn would_block(&self, id: Uuid, now: DateTime<Utc>) -> Result<RestrictionReport, AppError> {
        let row = find_row(&self.db, id).await?;
        let since = Resolution::Hour.bucket((now - Duration::days(7)).timestamp());
        let dimension = listed_dimension(&row.permission)?;
        let counts =
            counts_by_source(&self.db, id, dimension, Resolution::Hour, since, &[UsageResult::WouldBlock], Labels::All)
                .await
                .map_err(internal)?;
        let would_block: Vec<SourceCount> = source_counts(counts).collect();
        Ok(RestrictionReport { would_block_total: would_block.iter().map(|s| s.count).sum(), would_block })
    }
}
