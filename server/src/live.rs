//! The console's live stream of key changes: `GET /api/keys/live`, Server-Sent Events, so an open
//! page hears within a second of a change made by another admin, the command line or another
//! instance.
//!
//! Each instance feeds its streams from what it follows anyway to keep its verification index
//! current (`verify::sync`): PostgreSQL's notifications, or SQLite's change journal; both carry
//! the instance's own changes too. An event names the key (`event: key`, `data: {"id": ...}`), or
//! says that many keys changed at once (`event: keys`: read the view again). A stream that falls
//! behind is told `keys` as well. Events carry no key's details: the page reads them through the
//! server functions, with their rights checks.
//!
//! The stream needs a session and the rights to see keys, like the page. It never extends a
//! session (it checks it without touching it), and ends when the session does (idle, absolute,
//! signed out, password changed), when the user may no longer see keys, and when the server
//! shuts down.

use crate::auth::{Auth, sessions};
use app::auth::{Action, CurrentUser};
use app::error::AppError;
use axum::extract::State;
use axum::http::{HeaderMap, StatusCode};
use axum::response::sse::{Event, KeepAlive, Sse};
use axum::response::{IntoResponse, Response};
use axum::{Extension, Json};
use chrono::Utc;
use std::convert::Infallible;
use std::time::Duration;
use tokio::sync::{broadcast, watch};
use uuid::Uuid;

/// Where the stream is served.
pub const PATH: &str = app::api_keys::query::LIVE_PATH;
/// How often a stream checks that its session still stands.
pub const SESSION_CHECK: Duration = Duration::from_secs(5);
/// A comment line this often keeps proxies from closing a quiet stream.
const KEEP_ALIVE: Duration = Duration::from_secs(15);

/// What changed.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum KeyChange {
    Key(Uuid),
    /// Many keys at once, or an unknown set (after the instance lost and regained the database).
    All,
}

/// The instance's key changes, for every open stream.
#[derive(Clone)]
pub struct LiveChanges {
    sender: broadcast::Sender<KeyChange>,
    closing: watch::Sender<bool>,
}

impl Default for LiveChanges {
    fn default() -> Self {
        LiveChanges { sender: broadcast::channel(1024).0, closing: watch::channel(false).0 }
    }
}

impl LiveChanges {
    pub fn publish(&self, change: KeyChange) {
        // Nobody listening is fine.
        let _ = self.sender.send(change);
    }

    /// Ends every stream: the server is shutting down (graceful shutdown waits for open
    /// requests, and a stream would never end on its own).
    pub fn close(&self) {
        self.closing.send_replace(true);
    }
}

/// What the stream's handler needs.
#[derive(Clone)]
pub struct LiveState {
    pub changes: LiveChanges,
    pub auth: Auth,
}

fn event(change: KeyChange) -> Event {
    match change {
        KeyChange::Key(id) => Event::default().event("key").data(format!("{{\"id\":\"{id}\"}}")),
        KeyChange::All => Event::default().event("keys").data("{}"),
    }
}

/// Whether the stream may go on: the session stands and its user may still see keys.
async fn still_allowed(auth: &Auth, cookie: &str) -> bool {
    match sessions::peek_session(&auth.db, cookie, auth.policy, Utc::now()).await {
        Ok(Some(user)) => user.may(Action::ViewKeys),
        Ok(None) => false,
        // The database is away: the stream waits for the next check rather than ending.
        Err(error) => {
            tracing::debug!(%error, "cannot check a live stream's session");
            true
        }
    }
}

struct Stream {
    changes: broadcast::Receiver<KeyChange>,
    closing: watch::Receiver<bool>,
    checks: tokio::time::Interval,
    auth: Auth,
    cookie: String,
}

impl Stream {
    /// The next event, or `None` when the stream ends.
    async fn next(&mut self) -> Option<Event> {
        loop {
            if *self.closing.borrow() {
                return None;
            }
            tokio::select! {
                received = self.changes.recv() => return match received {
                    Ok(change) => Some(event(change)),
                    Err(broadcast::error::RecvError::Lagged(_)) => Some(event(KeyChange::All)),
                    Err(broadcast::error::RecvError::Closed) => None,
                },
                // Closing: seen at the top of the loop. The server's state gone: the end too.
                changed = self.closing.changed() => if changed.is_err() {
                    return None;
                },
                _ = self.checks.tick() => {
                    if !still_allowed(&self.auth, &self.cookie).await {
                        return None;
                    }
                }
            }
        }
    }
}

pub async fn stream(
    State(state): State<LiveState>,
    Extension(user): Extension<CurrentUser>,
    headers: HeaderMap,
) -> Response {
    if let Err(error) = user.check(Action::ViewKeys) {
        return (StatusCode::FORBIDDEN, Json(error)).into_response();
    }
    // The session layer let the request through, so the cookie is there.
    let Some(cookie) = state.auth.cookie.read(&headers).map(str::to_owned) else {
        return (StatusCode::UNAUTHORIZED, Json(AppError::Unauthenticated)).into_response();
    };
    let mut checks = tokio::time::interval(SESSION_CHECK);
    checks.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Delay);
    checks.reset(); // The session was checked just now.
    let stream = Stream {
        changes: state.changes.sender.subscribe(),
        closing: state.changes.closing.subscribe(),
        checks,
        auth: state.auth.clone(),
        cookie,
    };
    let events = futures::stream::unfold(stream, |mut stream| async move {
        stream.next().await.map(|event| (Ok::<_, Infallible>(event), stream))
    });
    Sse::new(events).keep_alive(KeepAlive::new().interval(KEEP_ALIVE)).into_response()
}
