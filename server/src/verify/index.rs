//! The in-memory key index every instance keeps: secret hash -> what verification needs.
//!
//! Verification reads only this index, never the database, so forged keys cannot load the
//! database and verification keeps answering while the database is away (within the staleness
//! bound, see `verify::StalenessBound`). The index is filled by a full load at start and kept
//! current by three writers:
//! - the key store, right after a change commits on this instance ([`KeyIndex::apply`] /
//!   [`KeyIndex::remove`]), so the very next verification here sees the change;
//! - the sync task, for changes other instances announce (`verify::sync`);
//! - full reloads (after a listener reconnect, and periodically as a safety net).
//!
//! Writers may race: an announcement's row may be read before a newer local change lands, and a
//! full load's snapshot may miss a change committed while it was read. Two rules make every race
//! converge on the newest state: a key's facts are replaced only by facts of the same or a higher
//! version, and changes applied while a full load is being read are replayed onto its snapshot
//! before it is swapped in. Deleted ids are remembered so a stale read cannot bring a key back.

use app::api_keys::verification::KeyFacts;
use std::collections::{HashMap, HashSet};
use std::hash::{BuildHasherDefault, Hasher};
use std::sync::{Arc, Mutex, RwLock};
use uuid::Uuid;

/// Keys of the index are SHA-256 outputs, already uniformly spread and not choosable by a
/// caller, so their first eight bytes are a good hash and SipHash's flood protection buys nothing.
#[derive(Default)]
pub struct DigestHasher(u64);

impl Hasher for DigestHasher {
    fn finish(&self) -> u64 {
        self.0
    }

    fn write(&mut self, bytes: &[u8]) {
        // `[u8; 32]` hashes as its length, then its bytes: mixes the first eight of each.
        if let Some(first) = bytes.first_chunk::<8>() {
            self.0 ^= u64::from_le_bytes(*first);
        }
    }
}

type ByHash = HashMap<[u8; 32], Arc<KeyFacts>, BuildHasherDefault<DigestHasher>>;

#[derive(Default)]
struct Entries {
    by_hash: ByHash,
    /// id -> secret hash, to find a key's entry when it changes or goes.
    hash_of: HashMap<Uuid, [u8; 32]>,
}

impl Entries {
    fn apply(&mut self, facts: Arc<KeyFacts>, deleted: &HashSet<Uuid>) {
        if deleted.contains(&facts.id) {
            return;
        }
        if let Some(hash) = self.hash_of.get(&facts.id)
            && let Some(current) = self.by_hash.get(hash)
            && current.version > facts.version
        {
            return;
        }
        self.hash_of.insert(facts.id, facts.secret_hash);
        self.by_hash.insert(facts.secret_hash, facts);
    }

    fn remove(&mut self, id: Uuid) {
        if let Some(hash) = self.hash_of.remove(&id) {
            self.by_hash.remove(&hash);
        }
    }
}

/// A change applied while a full load was being read, replayed onto that load's snapshot.
enum Change {
    Apply(Arc<KeyFacts>),
    Remove(Uuid),
}

#[derive(Default)]
pub struct KeyIndex {
    entries: RwLock<Entries>,
    /// Ids of deleted keys: never re-added by a stale read.
    deleted: Mutex<HashSet<Uuid>>,
    /// `Some` while a full load is being read: the changes made meanwhile.
    journal: Mutex<Option<Vec<Change>>>,
}

impl KeyIndex {
    pub fn new() -> Self {
        Self::default()
    }

    /// The key whose secret hashes to `hash`.
    pub fn get(&self, hash: &[u8; 32]) -> Option<Arc<KeyFacts>> {
        self.entries.read().expect("key index lock").by_hash.get(hash).cloned()
    }

    pub fn len(&self) -> usize {
        self.entries.read().expect("key index lock").by_hash.len()
    }

    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }

    /// Records a key's current facts (new, or changed), unless newer ones are already here.
    pub fn apply(&self, facts: KeyFacts) {
        let facts = Arc::new(facts);
        let deleted = self.deleted.lock().expect("key index lock");
        self.journal(|| Change::Apply(facts.clone()));
        self.entries.write().expect("key index lock").apply(facts, &deleted);
    }

    /// Forgets a deleted key, for good.
    pub fn remove(&self, id: Uuid) {
        let mut deleted = self.deleted.lock().expect("key index lock");
        deleted.insert(id);
        self.journal(|| Change::Remove(id));
        self.entries.write().expect("key index lock").remove(id);
    }

    fn journal(&self, change: impl FnOnce() -> Change) {
        if let Some(journal) = self.journal.lock().expect("key index lock").as_mut() {
            journal.push(change());
        }
    }

    /// Replaces the whole index with what `read_all` returns, keeping every change applied
    /// while it ran. `read_all` must start reading after this call starts.
    pub async fn reload<F, E>(&self, read_all: F) -> Result<usize, E>
    where
        F: Future<Output = Result<Vec<KeyFacts>, E>>,
    {
        *self.journal.lock().expect("key index lock") = Some(Vec::new());
        let all = match read_all.await {
            Ok(all) => all,
            Err(error) => {
                *self.journal.lock().expect("key index lock") = None;
                return Err(error);
            }
        };
        // Build outside the write lock: verification keeps reading the old index meanwhile.
        let no_deletions = HashSet::new();
        let mut fresh = Entries {
            by_hash: ByHash::with_capacity_and_hasher(all.len(), Default::default()),
            hash_of: HashMap::with_capacity(all.len()),
        };
        for facts in all {
            fresh.apply(Arc::new(facts), &no_deletions);
        }
        let deleted = self.deleted.lock().expect("key index lock");
        let journal = self.journal.lock().expect("key index lock").take().unwrap_or_default();
        for change in journal {
            match change {
                Change::Apply(facts) => fresh.apply(facts, &deleted),
                Change::Remove(id) => fresh.remove(id),
            }
        }
        for id in deleted.iter() {
            fresh.remove(*id);
        }
        let count = fresh.by_hash.len();
        *self.entries.write().expect("key index lock") = fresh;
        Ok(count)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use app::api_keys::Permission;

    fn facts(id: Uuid, hash_byte: u8, enabled: bool, version: i64) -> KeyFacts {
        KeyFacts {
            replaced_by: None,
            restrictions: None,
            id,
            secret_hash: [hash_byte; 32],
            name: "k".into(),
            permission: Permission::Chat,
            enabled,
            expires_at: None,
            version,
        }
    }

    #[test]
    fn an_older_version_never_replaces_a_newer_one() {
        let index = KeyIndex::new();
        let id = Uuid::new_v4();
        index.apply(facts(id, 1, false, 2));
        index.apply(facts(id, 1, true, 1));
        assert!(!index.get(&[1; 32]).unwrap().enabled);
        index.apply(facts(id, 1, true, 3));
        assert!(index.get(&[1; 32]).unwrap().enabled);
    }

    #[test]
    fn a_deleted_key_stays_deleted() {
        let index = KeyIndex::new();
        let id = Uuid::new_v4();
        index.apply(facts(id, 1, true, 1));
        index.remove(id);
        index.apply(facts(id, 1, true, 1));
        assert!(index.get(&[1; 32]).is_none());
        assert!(index.is_empty());
    }

    #[tokio::test]
    async fn changes_made_during_a_reload_survive_its_stale_snapshot() {
        let index = KeyIndex::new();
        let (kept, disabled, deleted, created) = (Uuid::new_v4(), Uuid::new_v4(), Uuid::new_v4(), Uuid::new_v4());
        index.apply(facts(disabled, 2, true, 1));
        index.apply(facts(deleted, 3, true, 1));
        let snapshot = vec![facts(kept, 1, true, 1), facts(disabled, 2, true, 1), facts(deleted, 3, true, 1)];
        let count = index
            .reload(async {
                // Committed on this instance while the snapshot was being read.
                index.apply(facts(disabled, 2, false, 2));
                index.remove(deleted);
                index.apply(facts(created, 4, true, 1));
                Ok::<_, ()>(snapshot)
            })
            .await
            .unwrap();
        assert_eq!(count, 3);
        assert!(index.get(&[1; 32]).unwrap().enabled);
        assert!(!index.get(&[2; 32]).unwrap().enabled, "the disable is kept");
        assert!(index.get(&[3; 32]).is_none(), "the delete is kept");
        assert!(index.get(&[4; 32]).is_some(), "the new key is kept");
    }

    #[tokio::test]
    async fn a_failed_reload_keeps_the_index() {
        let index = KeyIndex::new();
        index.apply(facts(Uuid::new_v4(), 1, true, 1));
        assert!(index.reload(async { Err::<Vec<KeyFacts>, _>("database away") }).await.is_err());
        assert_eq!(index.len(), 1);
        index.apply(facts(Uuid::new_v4(), 2, true, 1));
        assert_eq!(index.len(), 2);
    }
}
