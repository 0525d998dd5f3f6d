//! The in-memory counters every verification adds to. They are sharded by key (a key's
//! counts and its label sets live in one shard), so verifications of different keys never wait
//! on each other and there is no global lock; answers that name no key go to the shard of the
//! thread that answered them. A flush takes the counts out and leaves the label sets.

use super::{Caller, Dimension, Network};
use app::api_keys::verification::Refusal;
use app::usage::UsageResult;
use app::usage::source::{INVALID, NETWORK_LABEL_MAX, NONE, OTHER, origin_label, write_network_label};
use std::collections::{HashMap, HashSet};
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::{Arc, LazyLock, Mutex, MutexGuard};
use uuid::Uuid;

/// Distinct origins (and, apart, networks) counted per key and UTC day on one instance; further
/// ones count as [`OTHER`].
pub const LABELS_PER_KEY_AND_DAY: usize = 100;
const SHARDS: usize = 64;

/// One counter: a key's answers of one result in one minute from one origin or network.
#[derive(Debug, Clone, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct Cell {
    pub key: Uuid,
    /// Unix seconds of the minute's start.
    pub minute: i64,
    pub result: UsageResult,
    pub dimension: Dimension,
    pub label: Arc<str>,
}

/// Answers that named no key, counted per minute and code only.
pub type Unresolved = HashMap<(i64, Refusal), u64>;

/// What a flush takes out of the counters.
#[derive(Debug, Default, PartialEq, Eq)]
pub struct Batch {
    pub cells: HashMap<Cell, u64>,
    pub unresolved: Unresolved,
}

impl Batch {
    pub fn is_empty(&self) -> bool {
        self.cells.is_empty() && self.unresolved.is_empty()
    }

    fn absorb(&mut self, other: Batch) {
        for (cell, count) in other.cells {
            *self.cells.entry(cell).or_insert(0) += count;
        }
        for (at, count) in other.unresolved {
            *self.unresolved.entry(at).or_insert(0) += count;
        }
    }
}

/// The labels every key shares: `(none)`, `(invalid)`, `(other)`.
static FIXED: LazyLock<[Arc<str>; 3]> = LazyLock::new(|| [NONE.into(), INVALID.into(), OTHER.into()]);

fn fixed(index: usize) -> Arc<str> {
    FIXED[index].clone()
}

/// What one key counted on one UTC day in one dimension.
#[derive(Debug, Default)]
struct DayLabels {
    /// The distinct labels, at most [`LABELS_PER_KEY_AND_DAY`].
    labels: HashSet<Arc<str>>,
    /// Origins sent in another spelling than their label (`https://Shop.example.com:443`), and
    /// the label each counted as: the same origin next time skips parsing. An origin sent as its
    /// label (what browsers send) is found among the labels themselves.
    raw_origins: HashMap<Box<str>, Arc<str>>,
}

/// Other spellings remembered per key and day: as many as labels, and no more, so forged
/// values cannot grow memory.
const RAW_PER_KEY_AND_DAY: usize = LABELS_PER_KEY_AND_DAY;

impl DayLabels {
    /// `label` as counted: itself (interned) while there are fewer than
    /// [`LABELS_PER_KEY_AND_DAY`] distinct ones, else [`OTHER`].
    fn intern(&mut self, label: String) -> Arc<str> {
        if let Some(index) = FIXED.iter().position(|fixed| **fixed == *label) {
            return fixed(index);
        }
        if let Some(known) = self.labels.get(label.as_str()) {
            return known.clone();
        }
        if self.labels.len() >= LABELS_PER_KEY_AND_DAY {
            return fixed(2);
        }
        let label: Arc<str> = label.into();
        self.labels.insert(label.clone());
        label
    }

    fn origin(&mut self, raw: Option<&str>) -> Arc<str> {
        let Some(raw) = raw else { return fixed(0) };
        if let Some(known) = self.labels.get(raw).or_else(|| self.raw_origins.get(raw)) {
            return known.clone();
        }
        let label = self.intern(origin_label(Some(raw)));
        if *label != *raw && self.raw_origins.len() < RAW_PER_KEY_AND_DAY {
            self.raw_origins.insert(raw.into(), label.clone());
        }
        label
    }

    fn network(&mut self, network: Network) -> Arc<str> {
        let address = match network {
            Network::Address(address) => address,
            Network::Invalid => return fixed(1),
            Network::Unknown => return fixed(0),
        };
        let mut buffer = [0; NETWORK_LABEL_MAX];
        let label = write_network_label(address, &mut buffer);
        match self.labels.get(label) {
            Some(known) => known.clone(),
            None => self.intern(label.to_owned()),
        }
    }
}

#[derive(Debug, Default)]
struct Shard {
    batch: Batch,
    /// The labels counted so far per key, UTC day (Unix seconds of its start) and dimension.
    labels: HashMap<(Uuid, i64, Dimension), DayLabels>,
}

#[derive(Debug)]
pub struct UsageCounters {
    shards: Box<[Mutex<Shard>]>,
}

impl Default for UsageCounters {
    fn default() -> Self {
        UsageCounters { shards: (0..SHARDS).map(|_| Mutex::default()).collect() }
    }
}

impl UsageCounters {
    fn shard(&self, index: usize) -> MutexGuard<'_, Shard> {
        self.shards[index % SHARDS].lock().expect("usage counters lock")
    }

    /// Counts an answer of `result` for `key`, from `caller`, at `at` (Unix seconds). An origin
    /// or network the key already used that day is found as sent: only a new one is parsed
    /// or formatted.
    pub fn record(&self, key: Uuid, result: UsageResult, caller: &Caller<'_>, at: i64) {
        let minute = at.div_euclid(60) * 60;
        let day = at.div_euclid(86_400) * 86_400;
        let mut shard = self.shard(key.as_u128() as usize);
        let origin = shard.labels.entry((key, day, Dimension::Origin)).or_default().origin(caller.origin);
        let network = shard.labels.entry((key, day, Dimension::Network)).or_default().network(caller.network);
        for (dimension, label) in [(Dimension::Origin, origin), (Dimension::Network, network)] {
            let cell = Cell { key, minute, result, dimension, label };
            *shard.batch.cells.entry(cell).or_insert(0) += 1;
        }
    }

    /// Counts an answer that named no key (MALFORMED, NOT_FOUND, UNAVAILABLE).
    pub fn record_unresolved(&self, refusal: Refusal, at: i64) {
        let minute = at.div_euclid(60) * 60;
        *self.shard(thread_shard()).batch.unresolved.entry((minute, refusal)).or_insert(0) += 1;
    }

    /// Takes every count out, and forgets the label sets of days before `today` (Unix seconds
    /// of its start).
    pub fn take(&self, today: i64) -> Batch {
        let mut taken = Batch::default();
        for index in 0..SHARDS {
            let mut shard = self.shard(index);
            shard.labels.retain(|(_, day, _), _| *day >= today);
            taken.absorb(std::mem::take(&mut shard.batch));
        }
        taken
    }

    /// Puts back counts a flush could not write.
    pub fn restore(&self, batch: Batch) {
        for (cell, count) in batch.cells {
            *self.shard(cell.key.as_u128() as usize).batch.cells.entry(cell).or_insert(0) += count;
        }
        let mut shard = self.shard(thread_shard());
        for (at, count) in batch.unresolved {
            *shard.batch.unresolved.entry(at).or_insert(0) += count;
        }
    }

    /// How many counters and labels are held (for tests and the memory bench).
    pub fn held(&self) -> (usize, usize) {
        (0..SHARDS).fold((0, 0), |(cells, labels), index| {
            let shard = self.shard(index);
            let shard_labels: usize = shard.labels.values().map(|day| day.labels.len()).sum();
            (cells + shard.batch.cells.len() + shard.batch.unresolved.len(), labels + shard_labels)
        })
    }
}

/// This thread's shard for answers that name no key: threads take shards in turn.
fn thread_shard() -> usize {
    static NEXT: AtomicUsize = AtomicUsize::new(0);
    thread_local! {
        static SHARD: usize = NEXT.fetch_add(1, Ordering::Relaxed);
    }
    SHARD.with(|shard| *shard)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::usage::Network;

    fn from(origin: &str) -> Caller<'_> {
        Caller { origin: Some(origin), network: Network::Address("203.0.113.7".parse().unwrap()) }
    }

    #[test]
    fn answers_are_counted_per_minute_result_and_source() {
        let counters = UsageCounters::default();
        let key = Uuid::new_v4();
        let t = 1_800_000_000;
        counters.record(key, UsageResult::Valid, &from("https://Shop.example.com"), t);
        counters.record(key, UsageResult::Valid, &from("https://shop.example.com:443"), t + 5);
        counters.record(key, UsageResult::Disabled, &from("https://shop.example.com"), t + 90);
        counters.record_unresolved(Refusal::NotFound, t);
        let batch = counters.take(0);
        let origin = |minute: i64, result| Cell {
            key,
            minute,
            result,
            dimension: Dimension::Origin,
            label: "https://shop.example.com".into(),
        };
        let minute = t / 60 * 60;
        assert_eq!(batch.cells[&origin(minute, UsageResult::Valid)], 2);
        assert_eq!(batch.cells[&origin(minute + 60, UsageResult::Disabled)], 1);
        let network = Cell {
            dimension: Dimension::Network,
            label: "203.0.113.0/24".into(),
            ..origin(minute, UsageResult::Valid)
        };
        assert_eq!(batch.cells[&network], 2);
        assert_eq!(batch.unresolved[&(minute, Refusal::NotFound)], 1);
        assert!(counters.take(0).is_empty(), "taken once");
    }

    #[test]
    fn distinct_origins_are_capped_per_key_and_day() {
        let counters = UsageCounters::default();
        let key = Uuid::new_v4();
        for n in 0..LABELS_PER_KEY_AND_DAY + 50 {
            counters.record(key, UsageResult::Valid, &from(&format!("https://site{n}.example")), 1_800_000_000);
        }
        let batch = counters.take(0);
        let origins: Vec<&Cell> = batch.cells.keys().filter(|c| c.dimension == Dimension::Origin).collect();
        assert_eq!(origins.len(), LABELS_PER_KEY_AND_DAY + 1);
        let other = origins.iter().find(|c| &*c.label == OTHER).unwrap();
        assert_eq!(batch.cells[*other], 50);
    }

    #[test]
    fn origins_seen_before_are_counted_without_parsing_and_forged_ones_stay_capped() {
        let counters = UsageCounters::default();
        let key = Uuid::new_v4();
        let t = 1_800_000_000;
        counters.record(key, UsageResult::Valid, &from("https://Shop.example.com:443"), t);
        counters.record(key, UsageResult::Valid, &from("https://Shop.example.com:443"), t + 1);
        for n in 0..10_000 {
            let caller = Caller {
                origin: Some(&format!("https://x{n}.example")),
                network: Network::Address(std::net::IpAddr::from([10, (n / 256) as u8, (n % 256) as u8, 1])),
            };
            counters.record(key, UsageResult::Valid, &caller, t);
        }
        let shard = counters.shard(key.as_u128() as usize);
        let origins = &shard.labels[&(key, 1_800_000_000 / 86_400 * 86_400, Dimension::Origin)];
        assert_eq!(origins.raw_origins["https://Shop.example.com:443"].as_ref(), "https://shop.example.com");
        assert_eq!((origins.labels.len(), origins.raw_origins.len()), (LABELS_PER_KEY_AND_DAY, RAW_PER_KEY_AND_DAY));
        let networks = &shard.labels[&(key, 1_800_000_000 / 86_400 * 86_400, Dimension::Network)];
        assert_eq!(networks.labels.len(), LABELS_PER_KEY_AND_DAY);
        let shop = Cell {
            key,
            minute: t / 60 * 60,
            result: UsageResult::Valid,
            dimension: Dimension::Origin,
            label: "https://shop.example.com".into(),
        };
        assert_eq!(shard.batch.cells[&shop], 2);
    }

    #[test]
    fn a_million_unknown_keys_leave_memory_flat() {
        let counters = UsageCounters::default();
        let t = 1_800_000_000;
        for n in 0..1_000_000i64 {
            counters.record_unresolved(if n % 2 == 0 { Refusal::NotFound } else { Refusal::Malformed }, t + n % 60);
        }
        assert!(counters.held().0 <= 2 * SHARDS, "{:?}", counters.held());
        let batch = counters.take(0);
        assert_eq!(batch.unresolved.values().sum::<u64>(), 1_000_000);
    }

    #[test]
    fn counts_put_back_are_taken_again_with_new_ones() {
        let counters = UsageCounters::default();
        let key = Uuid::new_v4();
        counters.record(key, UsageResult::Valid, &from("https://a.example"), 1_800_000_000);
        let first = counters.take(0);
        counters.record(key, UsageResult::Valid, &from("https://a.example"), 1_800_000_000);
        counters.restore(first);
        let again = counters.take(0);
        assert_eq!(again.cells.values().sum::<u64>(), 4, "two answers, each counted by origin and by network");
    }
}
