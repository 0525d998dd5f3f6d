//! Key usage (`app::usage` says what is counted and how it is worded).
//!
//! - [`counters`]: every verification adds to sharded counters in memory;
//! - [`store`]: every instance flushes its own deltas every 10 s (and at a graceful shutdown) as
//!   additive upserts in one transaction, adding each count to its minute, its hour and its day
//!   at once, so N instances on one database add up exactly and no roll-up job can count twice;
//!   a periodic purge drops buckets past their retention (on PostgreSQL one instance at a time).
//!   A crash loses at most one flush interval of counts.
//! - the reads behind the console's usage views, [`command`] (`server key usage`) and
//!   [`csv_export`] (the details panel's Download CSV).

pub mod command;
pub mod counters;
pub mod csv_export;
pub mod store;

use app::api_keys::restrictions::matcher::Source;
use app::api_keys::verification::Refusal;
use app::usage::UsageResult;
use counters::UsageCounters;
use sea_orm::DatabaseConnection;
use std::net::IpAddr;
use std::sync::Arc;
use std::time::Duration;
use uuid::Uuid;

/// What a count is kept by besides its result: the caller's origin or its network.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum Dimension {
    Origin,
    Network,
}

impl Dimension {
    pub fn code(self) -> &'static str {
        match self {
            Dimension::Origin => "origin",
            Dimension::Network => "network",
        }
    }
}

/// The caller's network as given.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Network {
    Unknown,
    Address(IpAddr),
    /// Given, but not an address.
    Invalid,
}

impl Network {
    /// The verification API's optional `client_ip`.
    pub fn from_text(text: Option<&str>) -> Network {
        match text.map(str::trim).filter(|text| !text.is_empty()) {
            None => Network::Unknown,
            Some(text) => text.parse().map_or(Network::Invalid, Network::Address),
        }
    }
}

/// Where a verification came from.
#[derive(Debug, Clone, Copy)]
pub struct Caller<'a> {
    /// The browser's `Origin` (or a `Referer`), as given.
    pub origin: Option<&'a str>,
    pub network: Network,
}

impl<'a> Caller<'a> {
    /// A caller that said nothing about itself.
    pub const UNKNOWN: Caller<'static> = Caller { origin: None, network: Network::Unknown };

    /// The caller as a key's restrictions see it: an address given but unreadable is no address.
    pub fn source(&self) -> Source<'a> {
        let address = match self.network {
            Network::Address(address) => Some(address),
            Network::Unknown | Network::Invalid => None,
        };
        Source { origin: self.origin, address }
    }
}

/// How usage is recorded.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct UsageSettings {
    pub flush_every: Duration,
    pub purge_every: Duration,
    /// Off only for the benchmark that measures what recording costs.
    pub recording: bool,
}

impl Default for UsageSettings {
    fn default() -> Self {
        UsageSettings { flush_every: Duration::from_secs(10), purge_every: Duration::from_secs(3600), recording: true }
    }
}

/// The counters and how to write them.
#[derive(Clone)]
pub struct UsageRecorder {
    counters: Arc<UsageCounters>,
    settings: UsageSettings,
}

impl UsageRecorder {
    pub fn new(settings: UsageSettings) -> Self {
        UsageRecorder { counters: Arc::new(UsageCounters::default()), settings }
    }

    pub fn counters(&self) -> &Arc<UsageCounters> {
        &self.counters
    }

    /// Counts an answer about `key`.
    pub fn record(&self, key: Uuid, result: UsageResult, caller: &Caller<'_>, at: i64) {
        if self.settings.recording {
            self.counters.record(key, result, caller, at);
        }
    }

    /// Counts an answer that named no key.
    pub fn record_unresolved(&self, refusal: Refusal, at: i64) {
        if self.settings.recording {
            self.counters.record_unresolved(refusal, at);
        }
    }

    /// Writes what is counted so far.
    pub async fn flush(&self, db: &DatabaseConnection) -> Result<(), sea_orm::DbErr> {
        store::flush(db, &self.counters, chrono::Utc::now()).await
    }

    /// Flushes and purges on their intervals until the process ends.
    pub fn spawn(&self, db: DatabaseConnection) -> tokio::task::JoinHandle<()> {
        let recorder = self.clone();
        tokio::spawn(async move {
            let mut flush = tokio::time::interval(recorder.settings.flush_every);
            let mut purge = tokio::time::interval(recorder.settings.purge_every);
            let mut failing = false;
            loop {
                tokio::select! {
                    _ = flush.tick() => match recorder.flush(&db).await {
                        Ok(()) if failing => {
                            failing = false;
                            tracing::info!("usage counts are written again");
                        }
                        Ok(()) => {}
                        Err(error) if !failing => {
                            failing = true;
                            tracing::warn!(%error, "cannot write usage counts; keeping them until the database is back");
                        }
                        Err(_) => {}
                    },
                    _ = purge.tick() => {
                        if let Err(error) = store::purge(&db, chrono::Utc::now()).await {
                            tracing::warn!(%error, "cannot purge old usage buckets");
                        }
                    }
                }
            }
        })
    }
}
