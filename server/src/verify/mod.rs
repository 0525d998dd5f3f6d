//! The verification service the channels call on every request (`/api/v1`).
//!
//! - [`facts`]: reading keys' facts from the database;
//! - [`index`]: every key's facts in memory, so verification never touches the database;
//! - [`sync`]: keeps the index (and the service tokens) current on every instance;
//! - [`last_used`]: batched "last used" writes;
//! - [`tokens`]: the service tokens that authenticate callers of the API;
//! - [`api`]: the routes and the OpenAPI document;
//! - [`require_key`]: the `x-api-key` layer that guards channel routes.
//!
//! The rule itself (which refusal wins) is `app::api_keys::verification`.

pub mod api;
pub mod facts;
pub mod index;
pub mod last_used;
pub mod require_key;
pub mod sync;
pub mod tokens;

use crate::usage::{Caller, UsageRecorder, UsageSettings};
use app::api_keys::Permission;
use app::api_keys::verification::{self, Accepted, Denied, KeyFacts, Refusal};
use app::usage::UsageResult;
use chrono::{DateTime, Utc};
use index::KeyIndex;
use ipnet::IpNet;
use last_used::LastUsed;
use sea_orm::{DatabaseConnection, DbErr};
use std::sync::Arc;
use sync::{IndexSync, SyncHealth, SyncIntervals};
use tokens::TokenSet;

/// How long verification may answer from memory after losing touch with the database
/// (`--max-staleness`, `--stale`). Within the bound a restart or failover of the database goes
/// unnoticed by the channels; past it, a key disabled or deleted meanwhile must not keep working
/// unseen, so every verification answers UNAVAILABLE, unless the operator chose to fail open.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct StalenessBound {
    pub max: std::time::Duration,
    pub fail_open: bool,
}

impl Default for StalenessBound {
    fn default() -> Self {
        StalenessBound { max: std::time::Duration::from_secs(10 * 60), fail_open: false }
    }
}

/// Verifies presented keys against the in-memory index and counts every answer (last used, and
/// usage by result and source).
#[derive(Clone)]
pub struct Verifier {
    index: Arc<KeyIndex>,
    last_used: Arc<LastUsed>,
    usage: UsageRecorder,
    health: Arc<SyncHealth>,
    bound: StalenessBound,
}

impl Verifier {
    pub fn new(
        index: Arc<KeyIndex>,
        last_used: Arc<LastUsed>,
        usage: UsageRecorder,
        health: Arc<SyncHealth>,
        bound: StalenessBound,
    ) -> Self {
        Verifier { index, last_used, usage, health, bound }
    }

    /// The verdict on `presented` for `wanted` at `now`, used by `caller`; every answer is
    /// counted.
    pub fn verify(
        &self,
        presented: &str,
        wanted: Permission,
        now: DateTime<Utc>,
        caller: &Caller<'_>,
    ) -> Result<Accepted<Arc<KeyFacts>>, Refusal> {
        let fresh = self.bound.fail_open || self.health.staleness() <= self.bound.max;
        let source = caller.source();
        let verdict = verification::verify(presented, wanted, now, fresh, &source, |hash| self.index.get(hash));
        let at = now.timestamp();
        match verdict {
            Ok(accepted) => {
                self.last_used.record(accepted.key.id, now);
                let result = if accepted.would_block.is_some() { UsageResult::WouldBlock } else { UsageResult::Valid };
                self.usage.record(accepted.key.id, result, caller, at);
                Ok(accepted)
            }
            Err(Denied { refusal, key }) => {
                match (key, UsageResult::of_refusal(refusal)) {
                    (Some(key), Some(result)) => self.usage.record(key.id, result, caller, at),
                    _ => self.usage.record_unresolved(refusal, at),
                }
                Err(refusal)
            }
        }
    }
}

/// Everything verification needs on one instance, loaded from the database at start.
#[derive(Clone)]
pub struct VerifyServices {
    pub sync: IndexSync,
    pub last_used: Arc<LastUsed>,
    pub usage: UsageRecorder,
    pub bound: StalenessBound,
    /// Whose `X-Forwarded-For` the `x-api-key` layer believes for a caller's network.
    pub trusted_proxies: Arc<[IpNet]>,
}

impl VerifyServices {
    /// Loads every key and token. Fails if the database cannot be read: an instance that starts
    /// with an empty index would refuse every key.
    pub async fn load(db: DatabaseConnection, intervals: SyncIntervals) -> Result<Self, DbErr> {
        let started = std::time::Instant::now();
        let sync = IndexSync {
            db,
            index: Arc::new(KeyIndex::new()),
            tokens: Arc::new(TokenSet::default()),
            health: Arc::new(SyncHealth::default()),
            intervals,
            journal_seen: Arc::default(),
            live: Default::default(),
        };
        sync.reload().await?;
        sync.health.set_in_sync(true, "");
        tracing::info!(keys = sync.index.len(), elapsed_ms = started.elapsed().as_millis() as u64, "key index loaded");
        Ok(VerifyServices {
            sync,
            last_used: Arc::new(LastUsed::default()),
            usage: UsageRecorder::new(UsageSettings::default()),
            bound: StalenessBound::default(),
            trusted_proxies: Arc::new([]),
        })
    }

    /// The same services under another staleness bound.
    pub fn with_staleness_bound(self, bound: StalenessBound) -> Self {
        VerifyServices { bound, ..self }
    }

    /// The same services, recording usage as `settings` say.
    pub fn with_usage_settings(self, settings: UsageSettings) -> Self {
        VerifyServices { usage: UsageRecorder::new(settings), ..self }
    }

    /// The same services, believing `X-Forwarded-For` from these proxies.
    pub fn with_trusted_proxies(self, trusted_proxies: Vec<IpNet>) -> Self {
        VerifyServices { trusted_proxies: trusted_proxies.into(), ..self }
    }

    /// The key changes this instance follows, for the console's live streams.
    pub fn live(&self) -> crate::live::LiveChanges {
        self.sync.live.clone()
    }

    pub fn verifier(&self) -> Verifier {
        Verifier::new(
            self.sync.index.clone(),
            self.last_used.clone(),
            self.usage.clone(),
            self.sync.health.clone(),
            self.bound,
        )
    }

    pub fn index(&self) -> &Arc<KeyIndex> {
        &self.sync.index
    }

    pub fn tokens(&self) -> &Arc<TokenSet> {
        &self.sync.tokens
    }

    pub fn health(&self) -> &Arc<SyncHealth> {
        &self.sync.health
    }

    /// Starts the sync task and the last-used writer; they run until the process ends.
    pub fn spawn_background(&self) -> BackgroundTasks {
        BackgroundTasks {
            tasks: vec![
                self.sync.clone().spawn(),
                self.last_used.clone().spawn_flusher(self.sync.db.clone()),
                self.usage.spawn(self.sync.db.clone()),
            ],
            services: self.clone(),
        }
    }
}

/// The running background tasks; [`BackgroundTasks::shut_down`] stops them and writes what is
/// pending.
pub struct BackgroundTasks {
    tasks: Vec<tokio::task::JoinHandle<()>>,
    services: VerifyServices,
}

impl BackgroundTasks {
    pub async fn shut_down(self) {
        for task in &self.tasks {
            task.abort();
        }
        let db = &self.services.sync.db;
        if let Err(error) = self.services.last_used.flush(db).await {
            tracing::warn!(%error, "last-used times of the final seconds were not written");
        }
        if let Err(error) = self.services.usage.flush(db).await {
            tracing::warn!(%error, "usage counts of the final seconds were not written");
        }
    }
}
