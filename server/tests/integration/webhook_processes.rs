//! Webhooks with real server processes: an event committed while no server runs is delivered
//! after the start, a server killed after a failed try delivers after its restart with the same
//! `webhook-id`, the command line's `webhook` commands, and two instances on one PostgreSQL
//! delivering each event exactly once.

use crate::processes::{Instance, SERVER};
use crate::support::webhook_receiver::{Received, Receiver, verify};
use crate::support::{self, SECRETS_KEY};

fn cli(url: &str, args: &[&str]) -> String {
    let output = std::process::Command::new(SERVER)
        .args(["--database-url", url])
        .args(args)
        .env("RUST_LOG", "warn")
        .env("KEYDESK_SECRETS_KEY", SECRETS_KEY)
        .env("KEYDESK_WEBHOOKS_ALLOW_PRIVATE", "true")
        .output()
        .unwrap();
    assert!(output.status.success(), "{args:?}: {}", String::from_utf8_lossy(&output.stderr));
    String::from_utf8_lossy(&output.stdout).trim().to_owned()
}

/// Whether a message has had one recorded try and waits for its next (and no instance holds it).
async fn tried_once(db: &sea_orm::DatabaseConnection) -> bool {
    use sea_orm::{ColumnTrait, EntityTrait, QueryFilter};
    use server::entity::webhook_message::{Column, Entity as Messages};
    let waiting = Messages::find()
        .filter(Column::Attempts.eq(1))
        .filter(Column::State.eq(server::message_state::PENDING))
        .filter(Column::LockedUntil.is_null())
        .one(db)
        .await
        .unwrap();
    waiting.is_some()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn events_survive_a_stopped_or_killed_server() {
    let dir = std::env::temp_dir().join(format!("keydesk-webhooks-{}", uuid::Uuid::new_v4().simple()));
    std::fs::create_dir_all(&dir).unwrap();
    let url = format!("sqlite://{}?mode=rwc", dir.join("keydesk.db").display());
    let receiver = Receiver::start().await;
    let refused = std::process::Command::new(SERVER)
        .args(["--database-url", &url, "webhook", "add", &receiver.url, "--events", "key.created,key.exploded"])
        .env("KEYDESK_SECRETS_KEY", SECRETS_KEY)
        .env("KEYDESK_WEBHOOKS_ALLOW_PRIVATE", "true")
        .output()
        .unwrap();
    assert!(!refused.status.success());
    let said = String::from_utf8_lossy(&refused.stderr);
    assert!(said.contains("\"key.exploded\" is not an event; the events are key.created,"), "{said}");
    assert_eq!(cli(&url, &["webhook", "list"]).lines().count(), 1, "nothing was added");
    let secret = cli(&url, &["webhook", "add", &receiver.url, "--events", "key.created,key.disabled"]);
    assert!(secret.starts_with("whsec_"), "the secret is printed once: {secret}");
    let listed = cli(&url, &["webhook", "list"]);
    assert!(listed.contains(&receiver.url) && listed.contains("key.created,key.disabled"), "{listed}");
    assert!(!listed.contains("whsec_"), "{listed}");
    // Committed by the command line; no server runs to deliver it.
    cli(&url, &["key", "create", "made offline", "--permission", "chat"]);
    tokio::time::sleep(std::time::Duration::from_millis(300)).await;
    assert!(receiver.got().is_empty());
    let server = Instance::start_with(&url, &["--webhooks-allow-private"]).await;
    let got = receiver.until_count(1, std::time::Duration::from_secs(30)).await;
    assert_eq!(got[0].event_type(), "key.created");
    verify(&secret, &got[0]);
    // Killed (SIGKILL) after a failed try: the restarted server delivers the message, with the
    // same webhook-id.
    receiver.answer(503);
    cli(&url, &["key", "create", "killed midway", "--permission", "chat"]);
    receiver.until_count(2, std::time::Duration::from_secs(30)).await;
    // Killed once the try is recorded: a server killed during a try would leave the message
    // claimed, and another would deliver it only when the claim lapses (a minute later).
    let db = server::db::connect(&url).await.unwrap();
    let started = std::time::Instant::now();
    while !tried_once(&db).await {
        assert!(started.elapsed() < std::time::Duration::from_secs(10), "the failed try was not recorded");
        tokio::time::sleep(std::time::Duration::from_millis(20)).await;
    }
    drop(server);
    receiver.answer(200);
    let server = Instance::start_with(&url, &["--webhooks-allow-private"]).await;
    let got = receiver.until_count(3, std::time::Duration::from_secs(40)).await;
    assert_eq!(got[2].id(), got[1].id(), "the same message");
    assert!(got[2].body.contains("killed midway"));
    verify(&secret, &got[2]);
    let id = listed.lines().nth(1).unwrap().split_whitespace().next().unwrap().to_owned();
    let tested = cli(&url, &["webhook", "test", &id[..8]]);
    assert!(tested.starts_with("HTTP 200"), "{tested}");
    cli(&url, &["webhook", "remove", &id]);
    assert_eq!(cli(&url, &["webhook", "list"]).lines().count(), 1, "only the heading");
    drop(server);
    std::fs::remove_dir_all(&dir).unwrap();
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn two_instances_on_postgresql_deliver_each_event_once() {
    support::with_postgres_url(|url, _db| async move {
        let receiver = Receiver::start().await;
        let secret = cli(&url, &["webhook", "add", &receiver.url, "--events", "key.created"]);
        let options = ["--webhooks-allow-private"];
        let (a, b) = (Instance::start_with(&url, &options).await, Instance::start_with(&url, &options).await);
        for n in 0..20 {
            let instance = if n % 2 == 0 { &a } else { &b };
            instance.create(&format!("key {n}")).await;
        }
        let got = receiver.until_count(20, std::time::Duration::from_secs(40)).await;
        // Both instances keep running a while: any second delivery would arrive now.
        tokio::time::sleep(std::time::Duration::from_secs(3)).await;
        let got_now = receiver.got();
        assert_eq!(got_now.len(), 20, "each event delivered exactly once");
        let mut ids: Vec<String> = got.iter().map(Received::id).collect();
        ids.sort();
        ids.dedup();
        assert_eq!(ids.len(), 20);
        got.iter().for_each(|received| verify(&secret, received));
    })
    .await;
}
