//! A webhook receiver on loopback for the tests: it records what it gets and answers a status
//! the test sets; and the Standard Webhooks check of what it got.

use axum::http::{HeaderMap, StatusCode};
use standardwebhooks::Webhook;
use std::sync::atomic::{AtomicU16, Ordering};
use std::sync::{Arc, Mutex};

/// One request the receiver got.
#[derive(Debug, Clone)]
pub struct Received {
    pub headers: HeaderMap,
    pub body: String,
}

impl Received {
    pub fn event_type(&self) -> String {
        let body: serde_json::Value = serde_json::from_str(&self.body).unwrap();
        body["type"].as_str().unwrap().to_owned()
    }

    pub fn id(&self) -> String {
        self.headers["webhook-id"].to_str().unwrap().to_owned()
    }
}

/// An HTTP receiver on loopback that records what it gets and answers `status`.
#[derive(Clone)]
pub struct Receiver {
    pub url: String,
    received: Arc<Mutex<Vec<Received>>>,
    status: Arc<AtomicU16>,
}

impl Receiver {
    pub async fn start() -> Receiver {
        let received = Arc::new(Mutex::new(Vec::new()));
        let status = Arc::new(AtomicU16::new(200));
        let (log, answer) = (received.clone(), status.clone());
        let app = axum::Router::new().route(
            "/hook",
            axum::routing::post(move |headers: HeaderMap, body: String| {
                let (log, answer) = (log.clone(), answer.clone());
                async move {
                    log.lock().unwrap().push(Received { headers, body });
                    StatusCode::from_u16(answer.load(Ordering::SeqCst)).unwrap()
                }
            }),
        );
        let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
        let url = format!("http://{}/hook", listener.local_addr().unwrap());
        tokio::spawn(async move { axum::serve(listener, app).await.unwrap() });
        Receiver { url, received, status }
    }

    pub fn got(&self) -> Vec<Received> {
        self.received.lock().unwrap().clone()
    }

    pub fn answer(&self, status: u16) {
        self.status.store(status, Ordering::SeqCst);
    }

    pub async fn until_count(&self, count: usize, limit: std::time::Duration) -> Vec<Received> {
        let started = std::time::Instant::now();
        while self.got().len() < count {
            assert!(started.elapsed() < limit, "only {} of {count} deliveries after {limit:?}", self.got().len());
            tokio::time::sleep(std::time::Duration::from_millis(50)).await;
        }
        self.got()
    }
}

/// Checks `received`'s Standard Webhooks signature with `secret` (the specification's own crate).
pub fn verify(secret: &str, received: &Received) {
    Webhook::new(secret)
        .unwrap()
        .verify(received.body.as_bytes(), &received.headers)
        .unwrap_or_else(|e| panic!("{} does not verify: {e:?}", received.body));
}
