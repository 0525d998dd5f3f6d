//! "Last used": each successful verification notes the time in memory, and a background task
//! writes the notes in one transaction every couple of seconds, so verification never waits on a
//! write. Writing last-used neither bumps a key's version (an admin's open details panel stays
//! valid) nor its `updated_at`, and never moves the time backwards.

use crate::entity::api_key::{Column, Entity as ApiKeys};
use chrono::{DateTime, Utc};
use sea_orm::sea_query::Expr;
use sea_orm::{ColumnTrait, Condition, DatabaseConnection, DbErr, EntityTrait, QueryFilter};
use std::collections::HashMap;
use std::sync::{Arc, Mutex};
use std::time::Duration;
use uuid::Uuid;

/// How long a use may wait in memory before it is written.
pub const FLUSH_EVERY: Duration = Duration::from_secs(2);

#[derive(Debug, Default)]
pub struct LastUsed {
    pending: Mutex<HashMap<Uuid, DateTime<Utc>>>,
}

impl LastUsed {
    /// Notes that key `id` was used at `at`.
    pub fn record(&self, id: Uuid, at: DateTime<Utc>) {
        let mut pending = self.pending.lock().expect("last-used lock");
        let latest = pending.entry(id).or_insert(at);
        *latest = (*latest).max(at);
    }

    /// Writes what is pending; on failure keeps it for the next try. Returns how many keys.
    pub async fn flush(&self, db: &DatabaseConnection) -> Result<usize, DbErr> {
        let batch = std::mem::take(&mut *self.pending.lock().expect("last-used lock"));
        if batch.is_empty() {
            return Ok(0);
        }
        match write(db, &batch).await {
            Ok(()) => Ok(batch.len()),
            Err(error) => {
                for (id, at) in batch {
                    self.record(id, at);
                }
                Err(error)
            }
        }
    }

    /// Flushes every [`FLUSH_EVERY`] until the process ends.
    pub fn spawn_flusher(self: Arc<Self>, db: DatabaseConnection) -> tokio::task::JoinHandle<()> {
        tokio::spawn(async move {
            let mut tick = tokio::time::interval(FLUSH_EVERY);
            let mut failing = false;
            loop {
                tick.tick().await;
                match self.flush(&db).await {
                    Ok(_) if failing => {
                        failing = false;
                        tracing::info!("last-used times are written again");
                    }
                    Ok(_) => {}
                    Err(error) if !failing => {
                        failing = true;
                        tracing::warn!(%error, "cannot write last-used times; keeping them until the database is back");
                    }
                    Err(_) => {}
                }
            }
        })
    }
}

async fn write(db: &DatabaseConnection, batch: &HashMap<Uuid, DateTime<Utc>>) -> Result<(), DbErr> {
    let txn = crate::db::begin_write(db).await?;
    for (&id, &at) in batch {
        ApiKeys::update_many()
            .col_expr(Column::LastUsedAt, Expr::value(at))
            .filter(Column::Id.eq(id))
            .filter(Condition::any().add(Column::LastUsedAt.is_null()).add(Column::LastUsedAt.lt(at)))
            .exec(&txn)
            .await?;
    }
    txn.commit().await
}
