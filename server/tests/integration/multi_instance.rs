//! Real server processes on one PostgreSQL, talked to over loopback HTTP: a change made on one
//! instance reaches the other's verification within a second, also while the other is being
//! hammered; and verification keeps answering through a database restart (on a throwaway
//! PostgreSQL of the test's own) within its staleness bound, answers UNAVAILABLE past it (unless
//! told to fail open), then catches up. On SQLite, a command line's change reaches the serving
//! process within a second too (through the change journal).

use crate::support;

use crate::processes::{Channel, Instance, PROPAGATION, SERVER, ThrowawayPostgres};
use app::api_keys::rotation::RotatedKey;
use app::api_keys::server_fns::{FinishRotation, RotateKey};
use app::usage::server_fns::KeyUsage;
use app::usage::{UsageReport, UsageResult};
use leptos::server_fn::ServerFn;
use sea_orm::DatabaseConnection;
use serde_json::{Value, json};
use server::verify::tokens::add_token;
use std::process::Command;
use std::time::{Duration, Instant};

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn usage_from_two_instances_adds_up_exactly_through_a_restart() {
    support::with_postgres_url(|url, db| async move { usage_adds_up(&url, &db).await }).await;
}

async fn usage_adds_up(url: &str, db: &DatabaseConnection) {
    let token = add_token(db, "gateway", &support::by("ops"), chrono::Utc::now()).await.unwrap();
    let fast_flush = ["--usage-flush-every", "1s"];
    let a = Instance::start_with(url, &fast_flush).await;
    let mut b = Instance::start_with(url, &fast_flush).await;
    let key = a.create("counted").await;
    let (on_a, on_b) = (Channel::new(&a, token.expose()), Channel::new(&b, token.expose()));
    // Until B knows the key its answers are NOT_FOUND, which count for no key; the first valid
    // answer is the first use.
    on_b.until(&key, Ok(()), PROPAGATION).await;
    let mut valid = 1;
    let verify_times = |channel: Channel, times: usize| {
        let key = key.clone();
        async move {
            for _ in 0..times {
                assert_eq!(channel.verify(&key).await, Ok(()));
            }
            times
        }
    };
    let (on_a_count, on_b_count) = tokio::join!(verify_times(on_a.clone(), 40), verify_times(on_b.clone(), 35));
    valid += on_a_count + on_b_count;
    // B stops mid-way, as in a rolling restart: what it counted is written as it stops.
    b.terminate();
    valid += verify_times(on_a.clone(), 25).await;
    let b = Instance::start_with(url, &fast_flush).await;
    let on_b = Channel::new(&b, token.expose());
    valid += verify_times(on_b, 30).await;
    tokio::time::sleep(Duration::from_millis(2500)).await;

    let report = a.call(KeyUsage::PATH, json!({ "id": key.key.id, "range": "24h" })).await;
    assert!(report.status().is_success(), "{}", report.status());
    let report: UsageReport = report.json().await.unwrap();
    assert_eq!(report.by_result()[0], (UsageResult::Valid, valid as u64), "the chart counts each answer once");
    let output = Command::new(SERVER)
        .args(["--database-url", url, "key", "usage", &key.key.id.to_string(), "--since", "1h"])
        .output()
        .unwrap();
    let text = String::from_utf8_lossy(&output.stdout);
    let line = text.lines().find(|line| line.starts_with("Valid")).unwrap_or_default();
    assert_eq!(line.split_whitespace().last(), Some(valid.to_string().as_str()), "the command line agrees:\n{text}");
    drop((a, b));
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_change_on_one_instance_reaches_the_other_within_a_second() {
    support::with_postgres_url(|url, db| async move { changes_propagate(&url, &db).await }).await;
}

async fn changes_propagate(url: &str, db: &DatabaseConnection) {
    let token = add_token(db, "gateway", &support::by("ops"), chrono::Utc::now()).await.unwrap();
    let a = Instance::start(url).await;
    let b = Instance::start(url).await;
    let on_b = Channel::new(&b, token.expose());
    assert_eq!(b.page_status(&a.cookie).await, reqwest::StatusCode::OK, "a session made on A works on B");
    assert_eq!(b.page_status("keydesk_session=forged").await, reqwest::StatusCode::SEE_OTHER);

    let key = a.create("made on A").await;
    let took = on_b.until(&key, Ok(()), Duration::from_secs(5)).await;
    assert!(took < PROPAGATION, "a new key verified on B after {took:?}");

    // Hammer B with verifications while A disables the key.
    let hammer = {
        let (on_b, key) = (on_b.clone(), key.clone());
        tokio::spawn(async move {
            let mut outcomes = Vec::new();
            let stop = Instant::now() + Duration::from_secs(3);
            while Instant::now() < stop {
                let sent = Instant::now();
                outcomes.push((sent, on_b.verify(&key).await));
            }
            outcomes
        })
    };
    tokio::time::sleep(Duration::from_millis(500)).await;
    // The commit happens after this instant, so measuring from it is the strict reading.
    let change_sent = Instant::now();
    a.set_enabled(&key, false).await;
    let outcomes = hammer.await.unwrap();
    assert!(outcomes.len() > 100, "only {} verifications ran", outcomes.len());
    let late_successes: Vec<_> = outcomes
        .iter()
        .filter(|(sent, verdict)| verdict.is_ok() && *sent > change_sent + PROPAGATION)
        .map(|(sent, _)| sent.duration_since(change_sent))
        .collect();
    assert!(late_successes.is_empty(), "B accepted the disabled key {late_successes:?} after the change");
    let (_, last) = outcomes.last().unwrap();
    assert_eq!(last, &Err("DISABLED".to_owned()));
    let unexpected: Vec<_> =
        outcomes.iter().filter_map(|(_, v)| v.as_ref().err()).filter(|e| *e != "DISABLED").collect();
    assert!(unexpected.is_empty(), "only valid or DISABLED: {unexpected:?}");

    // A rotation on A: B verifies the new secret within a second; of two rotations of one key at
    // once, on A and on B, one wins and the other gets 409; Finish now on A reaches B as well.
    let old = a.create("rotated on A").await;
    on_b.until(&old, Ok(()), Duration::from_secs(5)).await;
    let rotation = json!({ "id": old.key.id, "request": { "grace": { "for_seconds": 86_400 } } });
    let rotate = async |instance: &Instance| instance.call(RotateKey::PATH, rotation.clone()).await;
    let (on_a_rotation, on_b_rotation) = tokio::join!(rotate(&a), rotate(&b));
    let mut statuses = [on_a_rotation.status().as_u16(), on_b_rotation.status().as_u16()];
    statuses.sort();
    assert_eq!(statuses, [200, 409], "one rotation wins");
    let winner = if on_a_rotation.status().is_success() { on_a_rotation } else { on_b_rotation };
    let rotated: RotatedKey = winner.json().await.unwrap();
    let new = rotated.created;
    let took = on_b.until(&new, Ok(()), Duration::from_secs(5)).await;
    assert!(took < PROPAGATION, "the new key verified on B after {took:?}");
    assert_eq!(on_b.verify(&old).await, Ok(()), "the old key works during the grace");
    let finish_sent = Instant::now();
    let finished = a.call(FinishRotation::PATH, json!({ "id": old.key.id })).await;
    assert!(finished.status().is_success(), "{}", finished.status());
    on_b.until(&old, Err("EXPIRED"), Duration::from_secs(5)).await;
    assert!(finish_sent.elapsed() < PROPAGATION, "Finish now reached B after {:?}", finish_sent.elapsed());
    assert_eq!(on_b.verify(&new).await, Ok(()));

    // Restrictions set from the command line reach B within a second too: enforced, the key is
    // refused from nowhere in particular (the channel sends no origin); off again, it works.
    let restrict = |args: &[&str]| {
        // Timed from before the command starts: its commit happens somewhere after.
        let started = Instant::now();
        let output = Command::new(SERVER)
            .args(["--database-url", url, "key", "restrict", &new.key.id.to_string()])
            .args(args)
            .env("RUST_LOG", "warn")
            .output()
            .unwrap();
        assert!(output.status.success(), "{}", String::from_utf8_lossy(&output.stderr));
        (started, String::from_utf8_lossy(&output.stdout).trim().to_owned())
    };
    let (restricted, said) = restrict(&["--mode", "enforce", "--allow", "https://Shop.example.com"]);
    assert_eq!(said, "Enforce: https://shop.example.com");
    on_b.until(&new, Err("ORIGIN_NOT_ALLOWED"), Duration::from_secs(5)).await;
    assert!(restricted.elapsed() < PROPAGATION, "the restriction reached B after {:?}", restricted.elapsed());
    let (lifted, said) = restrict(&["--mode", "off"]);
    assert_eq!(said, "Off: https://shop.example.com", "the list is kept");
    on_b.until(&new, Ok(()), Duration::from_secs(5)).await;
    assert!(lifted.elapsed() < PROPAGATION, "lifting it reached B after {:?}", lifted.elapsed());
    let refused = Command::new(SERVER)
        .args(["--database-url", url, "key", "restrict", &new.key.id.to_string(), "--mode", "enforce", "--clear"])
        .env("RUST_LOG", "warn")
        .output()
        .unwrap();
    assert!(!refused.status.success());
    assert!(String::from_utf8_lossy(&refused.stderr).contains("Enforce needs at least one allowed origin"));

    // A bulk action from the command line over more keys than are announced one by one: B
    // reloads its whole index and refuses them within a second.
    server::key_store::SeaKeyStore::new(db.clone()).load_synthetic_keys(150, chrono::Utc::now()).await.unwrap();
    let bulk_sent = Instant::now();
    let bulk = Command::new(SERVER)
        .args(["--database-url", url, "key", "bulk", "disable", "--query", "q=e"])
        .env("RUST_LOG", "warn")
        .output()
        .unwrap();
    assert!(bulk.status.success(), "{}", String::from_utf8_lossy(&bulk.stderr));
    let said = String::from_utf8_lossy(&bulk.stdout);
    let count: usize = said.split_whitespace().nth(1).and_then(|n| n.replace(',', "").parse().ok()).unwrap_or(0);
    assert!(count > server::key_store::ANNOUNCE_EACH_UP_TO && said.contains("Done: "), "{said}");
    on_b.until(&new, Err("DISABLED"), Duration::from_secs(5)).await;
    assert!(bulk_sent.elapsed() < PROPAGATION, "the bulk action reached B after {:?}", bulk_sent.elapsed());

    // Revoking the service token from the command line reaches both instances too.
    let revoke = Command::new(SERVER)
        .args(["--database-url", url, "token", "revoke", "gateway"])
        .env("RUST_LOG", "warn")
        .status()
        .unwrap();
    assert!(revoke.success());
    let took = on_b.until(&key, Err("401 Unauthorized"), Duration::from_secs(5)).await;
    assert!(took < PROPAGATION, "the revoked token still worked on B after {took:?}");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn on_sqlite_a_command_line_change_reaches_the_server_within_a_second() {
    let dir = std::env::temp_dir().join(format!("keydesk-journal-{}", uuid::Uuid::new_v4().simple()));
    std::fs::create_dir_all(&dir).unwrap();
    let url = format!("sqlite://{}?mode=rwc", dir.join("keydesk.db").display());
    let server = Instance::start(&url).await;
    let cli = |args: &[&str]| {
        // Timed from before the command starts: its commit happens somewhere after.
        let started = Instant::now();
        let output =
            Command::new(SERVER).args(["--database-url", &url]).args(args).env("RUST_LOG", "warn").output().unwrap();
        assert!(output.status.success(), "{args:?}: {}", String::from_utf8_lossy(&output.stderr));
        (started, String::from_utf8_lossy(&output.stdout).trim().to_owned())
    };
    let (_, token) = cli(&["token", "add", "gateway"]);
    let channel = Channel::new(&server, &token);
    let key = server.create("made in the console").await;
    channel.until(&key, Ok(()), PROPAGATION).await;
    let id = key.key.id.to_string();
    for (change, expected) in [
        (
            vec!["key", "restrict", &id, "--mode", "enforce", "--allow", "https://shop.example.com"],
            Err("ORIGIN_NOT_ALLOWED"),
        ),
        (vec!["key", "restrict", &id, "--mode", "off"], Ok(())),
    ] {
        let (sent, _) = cli(&change);
        channel.until(&key, expected, Duration::from_secs(5)).await;
        assert!(sent.elapsed() < PROPAGATION, "{change:?} reached the server after {:?}", sent.elapsed());
    }
    let (sent, said) = cli(&["key", "bulk", "disable", "--query", "q=made+in+the"]);
    assert!(said.contains("Done: 1 key"), "{said}");
    channel.until(&key, Err("DISABLED"), Duration::from_secs(5)).await;
    assert!(sent.elapsed() < PROPAGATION, "the bulk action reached the server after {:?}", sent.elapsed());
    let (sent, _) = cli(&["token", "revoke", "gateway"]);
    channel.until(&key, Err("401 Unauthorized"), Duration::from_secs(5)).await;
    assert!(sent.elapsed() < PROPAGATION, "the revoked token still worked after {:?}", sent.elapsed());
    drop(server);
    std::fs::remove_dir_all(&dir).unwrap();
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn verification_answers_through_a_database_restart_and_catches_up() {
    let Some(pg) = ThrowawayPostgres::init() else { return };
    let url = pg.url();
    let db = server::db::connect_and_migrate(&url).await.unwrap();
    let token = add_token(&db, "gateway", &support::by("ops"), chrono::Utc::now()).await.unwrap();
    db.close().await.unwrap();
    let a = Instance::start(&url).await;
    let b = Instance::start_with(&url, &["--max-staleness", "4s"]).await;
    let open = Instance::start_with(&url, &["--max-staleness", "4s", "--stale", "fail-open"]).await;
    let (on_b, on_open) = (Channel::new(&b, token.expose()), Channel::new(&open, token.expose()));
    let (kept, changed) = (a.create("kept").await, a.create("changed").await);
    on_b.until(&changed, Ok(()), PROPAGATION).await;
    on_b.until(&kept, Ok(()), PROPAGATION).await;
    on_open.until(&kept, Ok(()), PROPAGATION).await;

    pg.stop();
    let stopped = Instant::now();
    let mut answered = 0;
    while stopped.elapsed() < Duration::from_secs(2) {
        assert_eq!(on_b.verify(&kept).await, Ok(()), "verification answers from memory, within the bound");
        assert_eq!(on_b.verify(&changed).await, Ok(()));
        answered += 2;
    }
    assert!(answered > 20);
    assert!(!b.ready().await, "readiness says the database is away");
    let healthz = reqwest::get(format!("{}/healthz", b.base)).await.unwrap();
    assert!(healthz.status().is_success(), "liveness stays up, so a load balancer keeps the instance");
    // Past the bound, B cannot vouch for any key: it might have been disabled meanwhile.
    on_b.until(&kept, Err("UNAVAILABLE"), Duration::from_secs(15)).await;
    let raw = reqwest::Client::new()
        .post(&on_b.url)
        .bearer_auth(&on_b.token)
        .json(&json!({ "key": kept.secret.expose(), "permission": "chat" }))
        .send()
        .await
        .unwrap();
    assert_eq!(raw.status(), reqwest::StatusCode::SERVICE_UNAVAILABLE);
    let malformed = json!({ "key": "kd_chat_nonsense", "permission": "chat" });
    let verdict: Value = reqwest::Client::new()
        .post(&on_b.url)
        .bearer_auth(&on_b.token)
        .json(&malformed)
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    assert_eq!(verdict["code"], "MALFORMED", "a malformed key needs no data, and is still told so");
    let ping = reqwest::Client::new()
        .get(format!("{}/api/v1/channels/chat/ping", b.base))
        .header("x-api-key", kept.secret.expose())
        .send()
        .await
        .unwrap();
    assert_eq!(ping.status(), reqwest::StatusCode::SERVICE_UNAVAILABLE, "the x-api-key layer too");
    assert_eq!(on_open.verify(&kept).await, Ok(()), "an instance told to fail open keeps answering");

    pg.start();
    let restarted = Instant::now();
    while !a.ready().await {
        assert!(restarted.elapsed() < Duration::from_secs(30), "A did not reconnect");
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    on_b.until(&kept, Ok(()), Duration::from_secs(10)).await;
    a.set_enabled(&changed, false).await;
    let took = on_b.until(&changed, Err("DISABLED"), Duration::from_secs(10)).await;
    assert_eq!(on_b.verify(&kept).await, Ok(()), "unchanged keys stay valid");
    let created = a.create("after restart").await;
    on_b.until(&created, Ok(()), Duration::from_secs(10)).await;
    eprintln!("after the restart, B saw the change in {took:?}");
    drop((a, b, open));
}
