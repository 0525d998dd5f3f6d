//! Memory the key index holds per 100,000 keys (`cargo bench -p server --bench index_memory`),
//! counted exactly by a counting allocator: the bytes still allocated once the index is built
//! and its input is gone.

use app::api_keys::Permission;
use app::api_keys::verification::KeyFacts;
use server::verify::index::KeyIndex;
mod support;

#[global_allocator]
static ALLOCATOR: support::Counting = support::Counting;

const KEYS: usize = 100_000;

fn main() {
    // `cargo bench` passes `--bench`; nothing to parse.
    let runtime = tokio::runtime::Builder::new_current_thread().build().unwrap();
    let index = KeyIndex::new();
    let before = support::live_bytes();
    let facts: Vec<KeyFacts> = (0..KEYS)
        .map(|i| KeyFacts {
            replaced_by: None,
            restrictions: None,
            id: uuid::Uuid::new_v4(),
            secret_hash: *uuid::Uuid::new_v4().as_bytes().repeat(2).first_chunk::<32>().unwrap(),
            // As long as the synthetic keys' names (`server seed`).
            name: format!("Channel key {i:06}").into_boxed_str(),
            permission: Permission::Chat,
            enabled: true,
            expires_at: None,
            version: 1,
        })
        .collect();
    runtime.block_on(index.reload(async { Ok::<_, ()>(facts) })).unwrap();
    let held = support::live_bytes() - before;
    assert_eq!(index.len(), KEYS);
    println!(
        "key index: {KEYS} keys hold {:.1} MiB ({} bytes per key)",
        held as f64 / (1024.0 * 1024.0),
        held / KEYS as isize
    );
}
