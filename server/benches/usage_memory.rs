//! Memory the usage counters hold for 100,000 keys used from 10 origins each within one flush
//! interval (`cargo bench -p server --bench usage_memory`), counted exactly by a counting
//! allocator: the worst case between two flushes, and what stays after a flush (the per-day
//! label sets that cap distinct origins).

use app::usage::UsageResult;
use server::usage::counters::UsageCounters;
use server::usage::{Caller, Network};
mod support;

#[global_allocator]
static ALLOCATOR: support::Counting = support::Counting;

const KEYS: usize = 100_000;
const ORIGINS: usize = 10;

fn main() {
    let keys: Vec<uuid::Uuid> = (0..KEYS).map(|_| uuid::Uuid::new_v4()).collect();
    let origins: Vec<String> = (0..ORIGINS).map(|n| format!("https://shop{n}.example.com")).collect();
    let before = support::live_bytes();
    let counters = UsageCounters::default();
    let at = 1_800_000_000;
    for key in &keys {
        for (n, origin) in origins.iter().enumerate() {
            let network = Network::Address(std::net::IpAddr::V4(std::net::Ipv4Addr::new(198, 51, n as u8, 7)));
            counters.record(*key, UsageResult::Valid, &Caller { origin: Some(origin), network }, at);
        }
    }
    let counting = support::live_bytes() - before;
    let batch = counters.take(0);
    let cells = batch.cells.len();
    drop(batch);
    let after_flush = support::live_bytes() - before;
    let mib = |bytes: isize| bytes as f64 / (1024.0 * 1024.0);
    println!(
        "usage counters: {KEYS} keys x {ORIGINS} origins ({cells} counters) hold {:.1} MiB before a flush, {:.1} MiB after it",
        mib(counting),
        mib(after_flush)
    );
}
