//! `POST /login` and `POST /logout`: plain form posts that answer with a redirect, so signing in
//! works before and without the wasm.
//!
//! A sign-in's outcome travels back in the `/login` URL: `failed=1` means a password was tested
//! and was wrong (or no user can have the name typed); `wait=N` means the attempt was held back
//! by the [`super::throttle`] and no password was tested. When every hashing slot is busy the
//! answer is 503 at once, with `Retry-After`.

use super::guards::Client;
use super::throttle::Attempt;
use super::{Auth, sessions, users};
use crate::audit::{self, Event};
use app::audit::{Actor, AuditAction};
use app::auth::LOGIN_PATH;
use axum::Extension;
use axum::extract::{Form, State};
use axum::http::{HeaderMap, HeaderValue, StatusCode, header};
use axum::response::{IntoResponse, Redirect, Response};
use chrono::Utc;
use serde::Deserialize;

/// The largest `/login` body taken: a form with a user name, a password and `next`.
pub const MAX_BODY_BYTES: usize = 4 * 1024;
/// What the throttle, the log and the audit trail call a typed name that no user can have (too
/// long, or with characters outside the user-name rule): never the text itself.
pub const INVALID_NAME: &str = "(invalid user name)";

/// `/login?next=...`, with `failed` or `wait` when the last attempt did not succeed.
pub fn login_url(next: &str, outcome: Option<(&str, String)>) -> String {
    let mut url = format!("{LOGIN_PATH}?next={}", encode(next));
    if let Some((name, value)) = outcome {
        url.push_str(&format!("&{name}={}", encode(&value)));
    }
    url
}

fn encode(text: &str) -> String {
    text.bytes()
        .map(|b| match b {
            b'A'..=b'Z' | b'a'..=b'z' | b'0'..=b'9' | b'-' | b'_' | b'.' | b'~' | b'/' => (b as char).to_string(),
            _ => format!("%{b:02X}"),
        })
        .collect()
}

/// Where to go after signing in: a path on this site only (no `//host`, no scheme), else the
/// API Keys page. This is what stops `next` from being an open redirect.
pub fn safe_next(next: Option<&str>) -> String {
    match next {
        Some(path)
            if path.starts_with('/')
                && !path.starts_with("//")
                && !path.starts_with("/\\")
                && !path.chars().any(|c| c.is_control() || c == '\\') =>
        {
            path.to_owned()
        }
        _ => app::API_KEYS_PATH.to_owned(),
    }
}

#[derive(Deserialize)]
pub struct SignInForm {
    username: String,
    password: String,
    next: Option<String>,
}

fn back_to_login(next: &str, outcome: (&str, String)) -> Response {
    Redirect::to(&login_url(next, Some(outcome))).into_response()
}

fn unavailable(message: &'static str) -> Response {
    (StatusCode::SERVICE_UNAVAILABLE, [(header::RETRY_AFTER, "1")], message).into_response()
}

/// `POST /login`: checks the password (slowed down after repeated failures), starts a new
/// session and returns to `next`; a failure returns to the form with a message that never says
/// whether the user exists.
pub async fn sign_in(
    State(auth): State<Auth>,
    Extension(client): Extension<Client>,
    headers: HeaderMap,
    Form(form): Form<SignInForm>,
) -> Response {
    let next = safe_next(form.next.as_deref());
    let typed = form.username.trim();
    let valid_name = users::validate_user_name(typed).is_ok().then_some(typed);
    let name = valid_name.unwrap_or(INVALID_NAME);
    let attempt = match auth.throttle.begin(name, client.address, std::time::Instant::now()) {
        Ok(attempt) => attempt,
        Err(wait) => {
            tracing::warn!(user = name, address = %client.address, "sign-in held back");
            return back_to_login(&next, ("wait", wait.as_secs().max(1).to_string()));
        }
    };
    let actor = Actor::new(name, Some(client.address.to_string()));
    // No user can have an invalid name: there is nothing to hash.
    let Some(name) = valid_name else { return wrong_password(&auth, attempt, &actor, &next).await };
    let Some(permit) = auth.passwords.try_permit() else {
        attempt.untested();
        tracing::warn!(address = %client.address, "sign-in refused: every hashing slot is busy");
        return unavailable("Signing in is busy right now; try again in a moment.");
    };
    let record = match users::find_for_sign_in(&auth.db, name).await {
        Ok(record) => record,
        Err(error) => {
            attempt.untested();
            tracing::error!(%error, "cannot read users");
            return unavailable("The database is unavailable; try again shortly.");
        }
    };
    let stored = record.as_ref().map(|r| r.password_hash.clone());
    let matches = auth.passwords.verify(permit, form.password, stored).await;
    let Some(record) = record.filter(|_| matches) else {
        return wrong_password(&auth, attempt, &actor, &next).await;
    };
    attempt.succeeded();
    if let Some(old) = auth.cookie.read(&headers) {
        let _ = sessions::end_session(&auth.db, old).await;
    }
    if let Err(error) = sessions::purge_ended(&auth.db, auth.policy, Utc::now()).await {
        tracing::warn!(%error, "cannot delete ended sessions");
    }
    let started = sessions::start_session(&auth.db, record.id, auth.policy, Utc::now()).await;
    let Ok(session) = started else {
        tracing::error!("cannot start a session");
        return unavailable("The database is unavailable; try again shortly.");
    };
    tracing::info!(user = record.name, address = %client.address, "signed in");
    record_sign_in(&auth, &actor, AuditAction::SignedIn).await;
    let cookie = auth.cookie.set(session.cookie_value(), auth.policy.absolute.num_seconds(), client.https);
    (
        StatusCode::SEE_OTHER,
        [
            (header::SET_COOKIE, cookie),
            (header::LOCATION, HeaderValue::from_str(&next).unwrap_or(HeaderValue::from_static("/"))),
        ],
    )
        .into_response()
}

/// A failed sign-in: counted, logged and recorded, and the form says so.
async fn wrong_password(auth: &Auth, attempt: Attempt, actor: &Actor, next: &str) -> Response {
    attempt.failed();
    tracing::info!(user = actor.name, address = actor.address.as_deref().unwrap_or("-"), "sign-in failed");
    record_sign_in(auth, actor, AuditAction::SignInFailed).await;
    back_to_login(next, ("failed", "1".into()))
}

/// Records a sign-in attempt or a sign-out; a failure to record is logged, not shown.
async fn record_sign_in(auth: &Auth, actor: &Actor, action: AuditAction) {
    let event = Event::new(actor, action, &actor.name, Utc::now());
    if let Err(error) = audit::record(&auth.db, event).await {
        tracing::error!(%error, "cannot record a sign-in in the audit trail");
    }
}

/// `POST /logout`: ends the session on the server and clears the cookie.
pub async fn sign_out(State(auth): State<Auth>, Extension(client): Extension<Client>, headers: HeaderMap) -> Response {
    if let Some(cookie) = auth.cookie.read(&headers) {
        match sessions::end_session(&auth.db, cookie).await {
            Ok(Some(name)) => {
                let actor = Actor::new(name, Some(client.address.to_string()));
                record_sign_in(&auth, &actor, AuditAction::SignedOut).await;
            }
            Ok(None) => {}
            Err(error) => tracing::error!(%error, "cannot end a session"),
        }
    }
    (
        StatusCode::SEE_OTHER,
        [
            (header::SET_COOKIE, auth.cookie.set("", 0, client.https)),
            (header::LOCATION, HeaderValue::from_static(LOGIN_PATH)),
        ],
    )
        .into_response()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn next_is_a_local_path_or_the_api_keys_page() {
        assert_eq!(
            safe_next(Some("/provisioning/api-keys?q=chat&status=available")),
            "/provisioning/api-keys?q=chat&status=available"
        );
        for hostile in
            ["//evil.example/x", "https://evil.example", "/\\evil.example", "javascript:alert(1)", "", "/\nx"]
        {
            assert_eq!(safe_next(Some(hostile)), app::API_KEYS_PATH, "{hostile:?}");
        }
        assert_eq!(safe_next(None), app::API_KEYS_PATH);
    }
}
