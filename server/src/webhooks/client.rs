//! The HTTP client deliveries go through: a 10 s timeout, no redirects, at most 64 KiB of an
//! answer read, and (unless `KEYDESK_WEBHOOKS_ALLOW_PRIVATE`) only public addresses, checked on
//! the addresses a host name resolves to when the connection is made: a DNS answer that changes
//! after the endpoint was added (rebinding) cannot move a delivery inside. A URL naming an
//! address is checked before each send (`endpoint_url::check_url`).

use app::webhooks::delivery_schedule::TIMEOUT_SECONDS;
use app::webhooks::endpoint::Outcome;
use app::webhooks::endpoint_url::{check_url, is_public};
use reqwest::dns::{Addrs, Name, Resolve, Resolving};
use std::error::Error as StdError;
use std::sync::Arc;
use std::time::{Duration, Instant};

/// How much of an answer is read (the rest is dropped with the connection).
pub const ANSWER_LIMIT: usize = 64 * 1024;

/// A host that resolved only to addresses webhooks may not go to.
#[derive(Debug, thiserror::Error)]
#[error("the host resolves only to addresses webhooks may not go to")]
struct AddressNotAllowed;

/// Resolves with the system's resolver, keeping only the addresses deliveries may go to.
struct PublicOnly {
    allow_private: bool,
}

impl Resolve for PublicOnly {
    fn resolve(&self, name: Name) -> Resolving {
        let allow_private = self.allow_private;
        Box::pin(async move {
            let resolved = tokio::net::lookup_host((name.as_str(), 0)).await?;
            let allowed: Vec<_> = resolved.filter(|address| allow_private || is_public(address.ip())).collect();
            if allowed.is_empty() {
                return Err(Box::new(AddressNotAllowed) as Box<dyn StdError + Send + Sync>);
            }
            Ok(Box::new(allowed.into_iter()) as Addrs)
        })
    }
}

/// How one attempt went.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Answer {
    pub outcome: Outcome,
    pub status: Option<u16>,
    pub duration: Duration,
}

#[derive(Clone)]
pub struct WebhookClient {
    client: reqwest::Client,
    allow_private: bool,
}

impl WebhookClient {
    pub fn new(allow_private: bool) -> WebhookClient {
        let client = reqwest::Client::builder()
            .redirect(reqwest::redirect::Policy::none())
            .timeout(Duration::from_secs(TIMEOUT_SECONDS))
            .dns_resolver(Arc::new(PublicOnly { allow_private }))
            .user_agent(concat!("Keydesk-Webhooks/", env!("CARGO_PKG_VERSION")))
            .build()
            .expect("the webhook client's settings are valid");
        WebhookClient { client, allow_private }
    }

    pub fn allow_private(&self) -> bool {
        self.allow_private
    }

    /// Posts `body` to `url` with `headers`; 2xx is delivered, anything else is not.
    pub async fn post(&self, url: &str, headers: &[(&str, String)], body: String) -> Answer {
        let started = Instant::now();
        let answer = |outcome, status| Answer { outcome, status, duration: started.elapsed() };
        let Ok(url) = check_url(url, self.allow_private) else {
            return answer(Outcome::AddressNotAllowed, None);
        };
        let mut request = self.client.post(url).header("content-type", "application/json").body(body);
        for (name, value) in headers {
            request = request.header(*name, value);
        }
        let mut response = match request.send().await {
            Ok(response) => response,
            Err(error) => return answer(failure(&error), None),
        };
        let status = response.status().as_u16();
        // Read (a little of) the answer so the connection can be reused, never more than the limit.
        let mut read = 0;
        loop {
            match response.chunk().await {
                Ok(Some(chunk)) if read + chunk.len() < ANSWER_LIMIT => read += chunk.len(),
                Ok(_) => break,
                Err(error) if error.is_timeout() => return answer(Outcome::TimedOut, Some(status)),
                Err(_) => break,
            }
        }
        let outcome = if response.status().is_success() { Outcome::Delivered } else { Outcome::HttpError };
        answer(outcome, Some(status))
    }
}

/// What a failed request is called in the delivery log: no more than that (the console must not
/// tell connection details to someone probing the network through the endpoint form).
fn failure(error: &reqwest::Error) -> Outcome {
    if error.is_timeout() {
        return Outcome::TimedOut;
    }
    let mut source: Option<&(dyn StdError + 'static)> = error.source();
    while let Some(cause) = source {
        if cause.is::<AddressNotAllowed>() {
            return Outcome::AddressNotAllowed;
        }
        source = cause.source();
    }
    Outcome::Unreachable
}
