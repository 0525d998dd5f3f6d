//! The in-process cost of one verification (`cargo bench -p server --bench verify`): the rule,
//! SHA-256 of the presented key, and the lookup in an index of 100,000 keys. `bench/verify.sh`
//! runs it and reports the figures.

use app::api_keys::Permission;
use app::api_keys::secret::generate_secret;
use app::api_keys::verification::KeyFacts;
use criterion::{Criterion, criterion_group, criterion_main};
use server::usage::{Caller, UsageRecorder, UsageSettings};
use server::verify::index::KeyIndex;
use server::verify::last_used::LastUsed;
use server::verify::sync::SyncHealth;
use server::verify::{StalenessBound, Verifier};
use std::hint::black_box;
use std::sync::Arc;

const KEYS: usize = 100_000;

fn index_of(keys: usize) -> (Arc<KeyIndex>, String) {
    let index = Arc::new(KeyIndex::new());
    let mut last_secret = String::new();
    for i in 0..keys {
        let secret = generate_secret(Permission::Chat);
        index.apply(KeyFacts {
            replaced_by: None,
            restrictions: None,
            id: uuid::Uuid::new_v4(),
            secret_hash: secret.hash(),
            name: format!("Channel key {i:06}").into_boxed_str(),
            permission: Permission::Chat,
            enabled: true,
            expires_at: None,
            version: 1,
        });
        last_secret = secret.expose().to_owned();
    }
    (index, last_secret)
}

fn verification(c: &mut Criterion) {
    let (index, valid) = index_of(KEYS);
    let health = Arc::new(SyncHealth::in_sync_now());
    let usage = UsageRecorder::new(UsageSettings::default());
    let verifier = Verifier::new(index, Arc::new(LastUsed::default()), usage, health, StalenessBound::default());
    let unknown = generate_secret(Permission::Chat).expose().to_owned();
    let now = chrono::Utc::now();
    c.bench_function("verify a valid key (100k keys)", |b| {
        b.iter(|| verifier.verify(black_box(&valid), Permission::Chat, now, &Caller::UNKNOWN).unwrap())
    });
    c.bench_function("verify an unknown well-formed key", |b| {
        b.iter(|| verifier.verify(black_box(&unknown), Permission::Chat, now, &Caller::UNKNOWN).unwrap_err())
    });
    c.bench_function("refuse a malformed key", |b| {
        b.iter(|| verifier.verify(black_box("kd_chat_not-a-key"), Permission::Chat, now, &Caller::UNKNOWN).unwrap_err())
    });
}

criterion_group!(benches, verification);
criterion_main!(benches);
