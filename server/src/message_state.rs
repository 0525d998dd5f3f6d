//! What the two outboxes (webhook messages and mails) share: a message's states, the state a try
//! leaves it in, how long a finished one is kept, and the loop their workers run. A message is
//! written beside the change that causes it, `pending` until delivered or given up.

use chrono::{DateTime, Duration, Utc};
use sea_orm::DbErr;
use std::future::Future;

/// Waiting for its next try (or for its first).
pub const PENDING: &str = "pending";
/// Delivered (a 2xx answer; an SMTP server accepted it).
pub const DELIVERED: &str = "delivered";
/// Given up after its last try (a person may retry it).
pub const FAILED: &str = "failed";

/// Delivered and failed messages are kept this long, then purged.
pub fn kept_for() -> Duration {
    Duration::days(30)
}

/// A message's state after a try: delivered, waiting for a `retry` after this long, or given up.
pub fn after_try(delivered: bool, retry: Option<Duration>) -> &'static str {
    match (delivered, retry) {
        (true, _) => DELIVERED,
        (false, Some(_)) => PENDING,
        (false, None) => FAILED,
    }
}

/// Runs `round` (told how many rounds ran before it) every `period`, missed ticks delayed rather
/// than bunched, until the task is aborted. A round logs its own failures.
pub fn every<F, Fut>(period: std::time::Duration, mut round: F) -> tokio::task::JoinHandle<()>
where
    F: FnMut(u64) -> Fut + Send + 'static,
    Fut: Future<Output = ()> + Send,
{
    tokio::spawn(async move {
        let mut tick = tokio::time::interval(period);
        tick.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Delay);
        for rounds in 0.. {
            tick.tick().await;
            round(rounds).await;
        }
    })
}

/// An outbox's worker: a round sends what is due; a purge removes finished messages older than
/// [`kept_for`].
#[async_trait::async_trait]
pub trait OutboxWorker: Clone + Send + Sync + 'static {
    /// What it sends, for the log: `webhook messages`, `mails`.
    const SENDS: &'static str;

    /// Sends what is due at `now`; returns how many tries it made.
    async fn run_once(&self, now: DateTime<Utc>) -> Result<usize, DbErr>;

    /// Removes the messages finished before `now` - [`kept_for`]; returns how many.
    async fn purge(&self, now: DateTime<Utc>) -> Result<u64, DbErr>;
}

/// Runs `worker` every `period`, and its purge about once an hour, until the task is aborted.
pub fn spawn<W: OutboxWorker>(worker: W, period: std::time::Duration) -> tokio::task::JoinHandle<()> {
    let purge_every = (3_600 / period.as_secs().max(1)).max(1);
    every(period, move |rounds| {
        let worker = worker.clone();
        async move {
            let now = app::clock::now();
            if let Err(error) = worker.run_once(now).await {
                tracing::warn!(%error, "sending {} failed; trying again", W::SENDS);
            }
            if rounds % purge_every == 0 {
                match worker.purge(now).await {
                    Ok(0) => {}
                    Ok(purged) => tracing::info!(purged, "old {} purged", W::SENDS),
                    Err(error) => tracing::warn!(%error, "cannot purge old {}", W::SENDS),
                }
            }
        }
    })
}
