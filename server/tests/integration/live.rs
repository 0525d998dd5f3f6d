//! The console's live stream of key changes, against real server processes: a change made from
//! the command line (another process) or on another instance reaches an open stream within a
//! second; the stream needs a session and ends with it, and with a graceful stop.

use crate::processes::{Instance, PROPAGATION, SERVER};
use crate::support;

use std::process::Command;
use std::time::{Duration, Instant};
use tokio::sync::mpsc;

/// An open stream: its text as it arrives, and whether it has ended.
struct Stream {
    chunks: mpsc::UnboundedReceiver<Option<String>>,
    text: String,
    ended: bool,
}

impl Stream {
    async fn open(instance: &Instance, cookie: &str) -> Result<Stream, reqwest::StatusCode> {
        let response = reqwest::Client::new()
            .get(format!("{}{}", instance.base, server::live::PATH))
            .header("cookie", cookie)
            .send()
            .await
            .unwrap();
        if !response.status().is_success() {
            return Err(response.status());
        }
        let kind = response.headers()["content-type"].to_str().unwrap().to_owned();
        assert!(kind.starts_with("text/event-stream"), "{kind}");
        let (sender, chunks) = mpsc::unbounded_channel();
        tokio::spawn(async move {
            let mut response = response;
            while let Ok(Some(chunk)) = response.chunk().await {
                let _ = sender.send(Some(String::from_utf8_lossy(&chunk).into_owned()));
            }
            let _ = sender.send(None);
        });
        Ok(Stream { chunks, text: String::new(), ended: false })
    }

    /// Waits up to `within` for `wanted` in the stream; returns how long it took.
    async fn until(&mut self, wanted: &str, within: Duration) -> Duration {
        let started = Instant::now();
        while !self.text.contains(wanted) {
            let left = within.checked_sub(started.elapsed()).unwrap_or_default();
            match tokio::time::timeout(left, self.chunks.recv()).await {
                Ok(Some(Some(chunk))) => self.text.push_str(&chunk),
                Ok(_) => panic!("the stream ended before {wanted:?}:\n{}", self.text),
                Err(_) => panic!("no {wanted:?} within {within:?}:\n{}", self.text),
            }
        }
        started.elapsed()
    }

    /// Waits up to `within` for the stream to end.
    async fn ends_within(&mut self, within: Duration) -> bool {
        let deadline = Instant::now() + within;
        while !self.ended {
            let left = deadline.saturating_duration_since(Instant::now());
            match tokio::time::timeout(left, self.chunks.recv()).await {
                Ok(Some(Some(chunk))) => self.text.push_str(&chunk),
                Ok(_) => self.ended = true,
                Err(_) => return false,
            }
        }
        true
    }
}

fn cli(url: &str, args: &[&str]) -> String {
    let output =
        Command::new(SERVER).args(["--database-url", url]).args(args).env("RUST_LOG", "warn").output().unwrap();
    assert!(output.status.success(), "{args:?}: {}", String::from_utf8_lossy(&output.stderr));
    String::from_utf8_lossy(&output.stdout).trim().to_owned()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn on_sqlite_a_command_line_change_reaches_an_open_stream_which_ends_with_its_session() {
    let dir = std::env::temp_dir().join(format!("keydesk-live-{}", uuid::Uuid::new_v4().simple()));
    std::fs::create_dir_all(&dir).unwrap();
    let url = format!("sqlite://{}?mode=rwc", dir.join("keydesk.db").display());
    let mut server = Instance::start(&url).await;

    assert_eq!(Stream::open(&server, "keydesk_session=nonsense").await.err(), Some(reqwest::StatusCode::UNAUTHORIZED));
    let mut stream = Stream::open(&server, &server.cookie).await.unwrap();
    // Made by another process: the server hears of it through the change journal.
    let sent = Instant::now();
    cli(&url, &["key", "create", "Live e2e", "--permission", "chat"]);
    stream.until("event: key", Duration::from_secs(5)).await;
    assert!(sent.elapsed() < PROPAGATION, "reached the stream after {:?}", sent.elapsed());
    assert!(stream.text.contains("data: {\"id\":\""), "{}", stream.text);

    // Signing out ends it (checked every few seconds, without extending the session).
    let signed_out = reqwest::Client::builder()
        .redirect(reqwest::redirect::Policy::none())
        .build()
        .unwrap()
        .post(format!("{}/logout", server.base))
        .header("cookie", &server.cookie)
        .header("origin", &server.base)
        .send()
        .await
        .unwrap();
    assert!(signed_out.status().is_redirection(), "{}", signed_out.status());
    assert!(stream.ends_within(server::live::SESSION_CHECK * 2).await, "the stream outlived its session");

    // A graceful stop ends open streams rather than waiting for them.
    let cookie = server_sign_in(&server).await;
    let mut open = Stream::open(&server, &cookie).await.unwrap();
    let stopping = Instant::now();
    server.terminate();
    assert!(stopping.elapsed() < Duration::from_secs(5), "the stop waited {:?}", stopping.elapsed());
    assert!(open.ends_within(Duration::from_secs(1)).await);
    std::fs::remove_dir_all(&dir).ok();
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_change_on_one_instance_reaches_a_stream_on_the_other_within_a_second() {
    support::with_postgres_url(|url, _db| async move {
        let a = Instance::start(&url).await;
        let b = Instance::start(&url).await;
        b.until_in_sync().await;
        let mut on_b = Stream::open(&b, &b.cookie).await.unwrap();
        let key = a.create("made on A").await;
        let took = on_b.until(&format!("{}", key.key.id), Duration::from_secs(5)).await;
        assert!(took < PROPAGATION, "the stream on B heard of it after {took:?}");
        on_b.text.clear();
        let sent = Instant::now();
        a.set_enabled(&key, false).await;
        on_b.until(&key.key.id.to_string(), Duration::from_secs(5)).await;
        assert!(sent.elapsed() < PROPAGATION, "the change reached B's stream after {:?}", sent.elapsed());
    })
    .await;
}

/// A second session on `server` for the first user.
async fn server_sign_in(server: &Instance) -> String {
    let response = reqwest::Client::builder()
        .redirect(reqwest::redirect::Policy::none())
        .build()
        .unwrap()
        .post(format!("{}/login", server.base))
        .form(&[("username", "admin"), ("password", crate::processes::ADMIN_PASSWORD), ("next", "/")])
        .send()
        .await
        .unwrap();
    response.headers()["set-cookie"].to_str().unwrap().split(';').next().unwrap().to_owned()
}
