//! The in-process cost of one verification (`cargo bench -p server --bench verify`): the rule,
//! SHA-256 of the presented key, and the lookup in an index of 100,000 keys; and the cost of a
//! key's restrictions check alone, at the largest lists allowed. `bench/verify.sh` runs it and
//! reports the figures.

use app::api_keys::Permission;
use app::api_keys::restrictions::matcher::{KeyRestrictions, Source};
use app::api_keys::restrictions::{RestrictionMode, Restrictions};
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

/// Fifty allowed origins, as an admin would list them: exact hosts and a few wildcards.
fn fifty_origins() -> Vec<String> {
    (0..50)
        .map(
            |n| {
                if n % 10 == 9 { format!("https://*.brand{n}.example") } else { format!("https://shop{n}.example.com") }
            },
        )
        .collect()
}

fn compiled(permission: Permission, mode: RestrictionMode, allowed: Vec<String>) -> KeyRestrictions {
    let restrictions = Restrictions { mode, allowed };
    KeyRestrictions::compile(permission, &restrictions).unwrap().unwrap()
}

fn restrictions(c: &mut Criterion) {
    let origins = compiled(Permission::Chat, RestrictionMode::Enforce, fifty_origins());
    let from = |origin: &'static str| Source { origin: Some(origin), address: None };
    let cases = [
        ("restriction check: 50 origins, allowed exact host", from("https://shop48.example.com")),
        ("restriction check: 50 origins, allowed by a wildcard", from("https://eu.help.brand49.example")),
        ("restriction check: 50 origins, refused", from("https://shop48.example.com.evil.test")),
        ("restriction check: 50 origins, allowed Referer URL", from("https://shop48.example.com/cart?step=2")),
    ];
    for (name, source) in cases {
        c.bench_function(name, |b| b.iter(|| origins.refusal(black_box(&source))));
    }
    let networks: Vec<String> = (0..100).map(|n| format!("2001:db8:{n:x}::/48")).collect();
    let networks = compiled(Permission::SecureMail, RestrictionMode::Enforce, networks);
    let last = Source { origin: None, address: Some("2001:db8:63::7".parse().unwrap()) };
    c.bench_function("restriction check: 100 networks, allowed by the last", |b| {
        b.iter(|| networks.refusal(black_box(&last)))
    });
}

criterion_group!(benches, verification, restrictions);
criterion_main!(benches);
