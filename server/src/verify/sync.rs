//! Keeping every instance's key index and service tokens current.
//!
//! A transaction that changes a key or a token announces it on PostgreSQL with
//! `pg_notify('keydesk_changes', 'key:<id>' | 'tokens')`; the announcement is delivered when, and
//! only if, the transaction commits. Each instance's sync task listens on that channel with sqlx's
//! `PgListener` (SeaORM has no LISTEN of its own) and re-reads what was announced. After every
//! (re)connect of the listener it reloads everything, since announcements made while it was away
//! are lost; and it reloads everything periodically as a safety net.
//!
//! On SQLite there is one serving instance and nothing to listen to: the key store updates the
//! index itself after each commit (as it does on PostgreSQL, for its own changes), and what
//! other processes change (the command line) is announced in the `change_journal` table instead,
//! in the same transaction; the sync task follows the journal every `journal_poll` (250 ms) and
//! drops its rows after ten minutes.

use super::facts::{read_all_key_facts, read_key_facts};
use super::index::KeyIndex;
use super::tokens::TokenSet;
use crate::live::{KeyChange, LiveChanges};
use chrono::{DateTime, Utc};
use sea_orm::{ConnectionTrait, DatabaseBackend, DatabaseConnection, DbErr, Statement};
use sqlx::postgres::PgListener;
use std::sync::atomic::{AtomicBool, AtomicI64, Ordering};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};
use uuid::Uuid;

/// Gives the memory a full load used and freed (every row of the key table, read at once) back
/// to the operating system. glibc keeps freed heap for reuse; with 100,000 keys that was 50 to
/// 60 MB of resident memory after every load, which the next load would take again anyway.
fn release_freed_memory() {
    #[cfg(all(target_os = "linux", target_env = "gnu"))]
    // SAFETY: malloc_trim only returns unused heap pages to the system; it has no preconditions.
    unsafe {
        libc::malloc_trim(0);
    }
}

/// The PostgreSQL notification channel for changes.
pub const CHANNEL: &str = "keydesk_changes";

/// What changed, as announced to other instances.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Announcement {
    Key(Uuid),
    /// Many keys changed at once (a bulk action): reload them all rather than one by one.
    AllKeys,
    Tokens,
}

impl Announcement {
    fn payload(self) -> String {
        match self {
            Announcement::Key(id) => format!("key:{id}"),
            Announcement::AllKeys => "keys".to_owned(),
            Announcement::Tokens => "tokens".to_owned(),
        }
    }

    fn parse(payload: &str) -> Option<Self> {
        match payload.split_once(':') {
            Some(("key", id)) => id.parse().ok().map(Announcement::Key),
            None if payload == "tokens" => Some(Announcement::Tokens),
            None if payload == "keys" => Some(Announcement::AllKeys),
            _ => None,
        }
    }
}

/// Announces a change from inside the transaction making it: on PostgreSQL a notification
/// (delivered on commit), on SQLite a row of the change journal (visible on commit).
pub async fn announce(txn: &impl ConnectionTrait, what: Announcement) -> Result<(), DbErr> {
    let statement = match txn.get_database_backend() {
        DatabaseBackend::Postgres => Statement::from_sql_and_values(
            DatabaseBackend::Postgres,
            "SELECT pg_notify($1, $2)",
            [CHANNEL.into(), what.payload().into()],
        ),
        backend => Statement::from_sql_and_values(
            backend,
            "INSERT INTO change_journal (what, at) VALUES (?, ?)",
            [what.payload().into(), Utc::now().into()],
        ),
    };
    txn.execute_raw(statement).await?;
    Ok(())
}

/// How long the change journal keeps a row: far longer than any process takes to follow it.
const JOURNAL_KEEPS: chrono::TimeDelta = chrono::TimeDelta::minutes(10);

/// The change journal's newest row (0 when empty).
async fn journal_end(db: &impl ConnectionTrait) -> Result<i64, DbErr> {
    let statement =
        Statement::from_string(db.get_database_backend(), "SELECT COALESCE(MAX(seq), 0) AS seq FROM change_journal");
    let row = db.query_one_raw(statement).await?;
    Ok(row.map(|row| row.try_get::<i64>("", "seq")).transpose()?.unwrap_or(0))
}

/// The change journal's rows after `seq`, oldest first.
async fn journal_after(db: &impl ConnectionTrait, seq: i64) -> Result<Vec<(i64, String)>, DbErr> {
    let statement = Statement::from_sql_and_values(
        db.get_database_backend(),
        "SELECT seq, what FROM change_journal WHERE seq > ? ORDER BY seq LIMIT 1000",
        [seq.into()],
    );
    let rows = db.query_all_raw(statement).await?;
    rows.iter().map(|row| Ok((row.try_get::<i64>("", "seq")?, row.try_get::<String>("", "what")?))).collect()
}

/// How often everything is reloaded even when no announcement says so.
#[derive(Debug, Clone, Copy)]
pub struct SyncIntervals {
    /// Full reload of keys and tokens.
    pub full_reload: Duration,
    /// How often the change journal is read, on SQLite.
    pub journal_poll: Duration,
    /// Wait before trying a lost listener again.
    pub reconnect: Duration,
}

impl Default for SyncIntervals {
    fn default() -> Self {
        SyncIntervals {
            full_reload: Duration::from_secs(60),
            journal_poll: Duration::from_millis(250),
            reconnect: Duration::from_millis(500),
        }
    }
}

/// How current the in-memory state is: what `/readyz` reports, and what verification checks
/// against its staleness bound.
#[derive(Debug)]
pub struct SyncHealth {
    /// The last reload or announcement succeeded (false while the database is away).
    in_sync: AtomicBool,
    /// The last moment the state was known to match the database.
    last_confirmed: Mutex<Instant>,
    last_full_load: Mutex<Option<DateTime<Utc>>>,
}

impl Default for SyncHealth {
    /// Not yet in sync (nothing loaded).
    fn default() -> Self {
        SyncHealth {
            in_sync: AtomicBool::new(false),
            last_confirmed: Mutex::new(Instant::now()),
            last_full_load: Mutex::default(),
        }
    }
}

impl SyncHealth {
    /// In sync as of now (tests and benchmarks that fill an index by hand).
    pub fn in_sync_now() -> Self {
        let health = SyncHealth::default();
        health.in_sync.store(true, Ordering::Relaxed);
        health
    }

    pub fn in_sync(&self) -> bool {
        self.in_sync.load(Ordering::Relaxed)
    }

    /// How long the state may have differed from the database: zero while in sync (a listener
    /// is connected, or the last poll succeeded), else the time since it last was. One atomic
    /// read on the verification path while all is well.
    pub fn staleness(&self) -> Duration {
        if self.in_sync() {
            return Duration::ZERO;
        }
        self.last_confirmed.lock().expect("sync health lock").elapsed()
    }

    /// Notes that the state matches the database as of now.
    pub(crate) fn confirm(&self) {
        *self.last_confirmed.lock().expect("sync health lock") = Instant::now();
    }

    pub fn last_full_load(&self) -> Option<DateTime<Utc>> {
        *self.last_full_load.lock().expect("sync health lock")
    }

    /// Records the outcome of a sync step, logging only when it flips.
    pub(crate) fn set_in_sync(&self, in_sync: bool, why: &str) {
        if in_sync {
            self.confirm();
        }
        let was = self.in_sync.swap(in_sync, Ordering::Relaxed);
        if was && !in_sync {
            tracing::warn!(
                why,
                "verification answers from memory until the database is back, within the staleness bound"
            );
        } else if !was && in_sync {
            tracing::info!("key index in sync with the database");
        }
    }
}

/// The index, the tokens, and how to refresh them from the database.
#[derive(Clone)]
pub struct IndexSync {
    pub db: DatabaseConnection,
    pub index: Arc<KeyIndex>,
    pub tokens: Arc<TokenSet>,
    pub health: Arc<SyncHealth>,
    pub intervals: SyncIntervals,
    /// On SQLite: the change journal's last row followed (or read before the last full load).
    pub journal_seen: Arc<AtomicI64>,
    /// Where the changes followed go on to the console's live streams.
    pub live: LiveChanges,
}

impl IndexSync {
    /// Reloads all keys and tokens.
    pub async fn reload(&self) -> Result<(), DbErr> {
        let started = std::time::Instant::now();
        // Read before the load: a change journalled meanwhile is followed again (harmless).
        let journal = match self.db.get_database_backend() {
            DatabaseBackend::Postgres => None,
            _ => Some(journal_end(&self.db).await?),
        };
        let keys = self.index.reload(read_all_key_facts(&self.db)).await?;
        let tokens = self.tokens.reload(&self.db, Utc::now()).await?;
        *self.health.last_full_load.lock().expect("sync health lock") = Some(Utc::now());
        if let Some(journal) = journal {
            self.journal_seen.fetch_max(journal, Ordering::Relaxed);
        }
        release_freed_memory();
        tracing::debug!(keys, tokens, elapsed_ms = started.elapsed().as_millis() as u64, "key index reloaded");
        Ok(())
    }

    /// Re-reads what an announcement names.
    async fn follow(&self, what: Announcement) -> Result<(), DbErr> {
        match what {
            Announcement::Key(id) => {
                match read_key_facts(&self.db, id).await? {
                    Some(facts) => self.index.apply(facts),
                    None => self.index.remove(id),
                }
                self.live.publish(KeyChange::Key(id));
            }
            Announcement::AllKeys => {
                self.index.reload(read_all_key_facts(&self.db)).await?;
                self.live.publish(KeyChange::All);
            }
            Announcement::Tokens => {
                self.tokens.reload(&self.db, Utc::now()).await?;
            }
        }
        Ok(())
    }

    /// Runs until the process ends.
    pub fn spawn(self) -> tokio::task::JoinHandle<()> {
        tokio::spawn(async move {
            match self.db.get_database_backend() {
                DatabaseBackend::Postgres => self.listen_forever().await,
                _ => self.poll_forever().await,
            }
        })
    }

    async fn poll_forever(self) {
        let mut full = tokio::time::interval(self.intervals.full_reload);
        let mut journal = tokio::time::interval(self.intervals.journal_poll);
        journal.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Delay);
        full.tick().await; // The first tick is immediate, and the caller has just loaded.
        loop {
            let outcome = tokio::select! {
                _ = full.tick() => match self.reload().await {
                    Ok(()) => self.purge_journal().await,
                    failed => failed,
                },
                _ = journal.tick() => self.follow_journal().await,
            };
            self.health.set_in_sync(outcome.is_ok(), "reload failed");
        }
    }

    /// Follows the change journal's rows since the last one followed.
    async fn follow_journal(&self) -> Result<(), DbErr> {
        let seen = self.journal_seen.load(Ordering::Relaxed);
        for (seq, what) in journal_after(&self.db, seen).await? {
            match Announcement::parse(&what) {
                Some(what) => self.follow(what).await?,
                None => tracing::warn!(payload = what, "unknown change in the journal"),
            }
            self.journal_seen.fetch_max(seq, Ordering::Relaxed);
        }
        Ok(())
    }

    async fn purge_journal(&self) -> Result<(), DbErr> {
        let statement = Statement::from_sql_and_values(
            self.db.get_database_backend(),
            // Only rows this process has followed: a row committed late (another process's clock
            // behind) is followed before it goes.
            "DELETE FROM change_journal WHERE seq <= ? AND at < ?",
            [self.journal_seen.load(Ordering::Relaxed).into(), (Utc::now() - JOURNAL_KEEPS).into()],
        );
        self.db.execute_raw(statement).await.map(|_| ())
    }

    async fn listen_forever(self) {
        let pool = self.db.get_postgres_connection_pool().clone();
        loop {
            match self.listen_once(&pool).await {
                Ok(()) => unreachable!("listening ends only by an error"),
                Err(error) => {
                    self.health.set_in_sync(false, "change listener lost");
                    tracing::debug!(%error, "change listener stopped; reconnecting");
                    tokio::time::sleep(self.intervals.reconnect).await;
                }
            }
        }
    }

    /// Connects, reloads everything, then follows announcements until the connection fails.
    async fn listen_once(&self, pool: &sqlx::PgPool) -> Result<(), DbErr> {
        let sql = |error: sqlx::Error| DbErr::Conn(sea_orm::RuntimeErr::SqlxError(error.into()));
        let mut listener = PgListener::connect_with(pool).await.map_err(sql)?;
        listener.listen(CHANNEL).await.map_err(sql)?;
        // Subscribed first, then reloaded: nothing committed in between is missed.
        self.reload().await?;
        self.health.set_in_sync(true, "");
        // Pages may have missed changes while the connection was down.
        self.live.publish(KeyChange::All);
        let mut full = tokio::time::interval(self.intervals.full_reload);
        full.tick().await;
        loop {
            tokio::select! {
                received = listener.try_recv() => {
                    // Until this moment the connection was alive, and every change would have
                    // been announced on it: the index was current.
                    let Some(notification) = received.inspect_err(|_| self.health.confirm()).map_err(sql)? else {
                        self.health.confirm();
                        return Err(DbErr::Conn(sea_orm::RuntimeErr::Internal("connection lost".into())));
                    };
                    match Announcement::parse(notification.payload()) {
                        Some(what) => self.follow(what).await?,
                        None => tracing::warn!(payload = notification.payload(), "unknown change announcement"),
                    }
                    self.health.confirm();
                }
                _ = full.tick() => {
                    self.reload().await?;
                    self.health.confirm();
                }
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn announcements_round_trip_and_junk_is_ignored() {
        for what in [Announcement::Key(Uuid::new_v4()), Announcement::Tokens] {
            assert_eq!(Announcement::parse(&what.payload()), Some(what));
        }
        assert_eq!(Announcement::parse("key:not-a-uuid"), None);
        assert_eq!(Announcement::parse("users"), None);
    }
}
