//! A bulk action at scale (`cargo bench -p server --bench bulk_apply`, or `bench/bulk_apply.sh`):
//! on a SQLite file and on a PostgreSQL database of its own, 10,400 available keys of 13,000 are
//! previewed and disabled in one action, then enabled again, three times; it prints the
//! preview's and the apply's time each round (the apply is one transaction: 10,000 updates,
//! 10,000 audit events, one announcement).

mod databases;

use app::api_keys::bulk::{BulkAction, Selection};
use app::api_keys::store::KeyStore;
use app::api_keys::{KeyQuery, StatusFilter};
use app::audit::Actor;
use chrono::{DateTime, Utc};
use sea_orm::DatabaseConnection;
use server::key_store::SeaKeyStore;
use std::time::Instant;

const KEYS: usize = 13_000;
const ROUNDS: usize = 3;

#[tokio::main]
async fn main() {
    let now = Utc::now();
    databases::on_both("bulk", async |backend, db| bench(backend, db, now).await).await;
}

async fn bench(backend: &str, db: &DatabaseConnection, now: DateTime<Utc>) {
    let store = SeaKeyStore::new(db.clone());
    store.load_synthetic_keys(KEYS, now).await.expect("synthetic keys");
    let actor = Actor::new("bench", None);
    // The synthetic keys enabled and not expired: 8 in 10.
    let available =
        KeyQuery { status: StatusFilter { available: true, ..StatusFilter::default() }, ..KeyQuery::default() };
    let mut disabled_count = 0;
    for round in 1..=ROUNDS {
        for action in [BulkAction::Disable, BulkAction::Enable] {
            let selection = match action {
                BulkAction::Disable => Selection::View(available.clone()),
                _ => Selection::View(KeyQuery { search: "channel key".into(), ..KeyQuery::default() }),
            };
            let started = Instant::now();
            let preview = store.preview_bulk(selection, action, &actor, now).await.expect("a preview");
            let previewed = started.elapsed().as_secs_f64();
            let started = Instant::now();
            let outcome = store.apply_bulk(preview.token, action, &actor, now).await.expect("applied");
            let applied = started.elapsed().as_secs_f64();
            if action == BulkAction::Disable {
                disabled_count = outcome.changed;
            }
            println!(
                "{backend}: round {round}: {:<8} {:>6} keys: preview {:>6.0} ms, apply {:>6.0} ms",
                action.code(),
                outcome.changed,
                previewed * 1000.0,
                applied * 1000.0
            );
        }
    }
    assert!(disabled_count >= 10_000, "at least 10,000 keys per action, not {disabled_count}");
}
