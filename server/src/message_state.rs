//! What the two outboxes (webhook messages and mails) share: a message's states, the state a try
//! leaves it in, and the loop their workers run. A message is written beside the change that
//! causes it, `pending` until delivered or given up.

use chrono::Duration;
use std::future::Future;

/// Waiting for its next try (or for its first).
pub const PENDING: &str = "pending";
/// Delivered (a 2xx answer; an SMTP server accepted it).
pub const DELIVERED: &str = "delivered";
/// Given up after its last try (a person may retry it).
pub const FAILED: &str = "failed";

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
