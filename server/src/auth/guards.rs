//! The layers the console's route groups carry (see `http`): who the client is, whether a
//! state change comes from the console's own origin, and whether a live session stands behind
//! the request.

use super::{Auth, sessions};
pub use crate::client::Client;
use crate::public_url::PublicUrl;
use app::auth::{ClientAddress, CurrentUser};
use app::error::AppError;
use axum::Json;
use axum::extract::{Request, State};
use axum::http::{HeaderMap, Method, StatusCode, header};
use axum::middleware::Next;
use axum::response::{IntoResponse, Redirect, Response};
use chrono::Utc;
use std::sync::Arc;

/// Puts the [`Client`] (and its address, for the audit trail) on the request.
pub async fn identify_client(State(auth): State<Auth>, mut request: Request, next: Next) -> Response {
    let client = Client::of_request(&request, &auth.trusted_proxies);
    request.extensions_mut().insert(client);
    request.extensions_mut().insert(ClientAddress(client.address.to_string()));
    next.run(request).await
}

/// Cross-site request forgery: a state-changing request from a browser must come from the
/// public URL's origin, scheme, host and port alike. Browsers send `Origin` on every POST; a
/// request without it (curl, scripts) carries no ambient cookies unless its author put them there.
fn is_cross_site(method: &Method, headers: &HeaderMap, public_url: &PublicUrl) -> bool {
    if matches!(*method, Method::GET | Method::HEAD | Method::OPTIONS) {
        return false;
    }
    match headers.get(header::ORIGIN) {
        Some(origin) => !origin.to_str().is_ok_and(|origin| public_url.is_own_origin(origin)),
        // Without Origin, a browser's Fetch Metadata still tells a cross-site request apart.
        None => headers.get("sec-fetch-site").is_some_and(|v| v != "same-origin" && v != "none"),
    }
}

/// Refuses state changes that do not come from the console's own origin (403).
pub async fn refuse_cross_site(State(public_url): State<Arc<PublicUrl>>, request: Request, next: Next) -> Response {
    if is_cross_site(request.method(), request.headers(), &public_url) {
        let address = request.extensions().get::<Client>().map(|client| client.address);
        tracing::warn!(path = request.uri().path(), ?address, "cross-site request refused");
        return (StatusCode::FORBIDDEN, Json(AppError::Forbidden("Cross-site requests are not accepted.".into())))
            .into_response();
    }
    next.run(request).await
}

/// Whether a request counts as the user's activity, keeping an idle session alive.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Activity {
    /// The user did something: the session's idle clock starts again.
    User,
    /// The page on its own (background loads): the session is checked, not extended.
    Background,
}

/// The user whose live session the request's cookie names, if any; `Err` with a 503 answer when
/// the sessions cannot be read.
async fn session_user(auth: &Auth, headers: &HeaderMap, activity: Activity) -> Result<Option<CurrentUser>, Response> {
    let Some(cookie) = auth.cookie.read(headers) else { return Ok(None) };
    let user = match activity {
        Activity::User => sessions::resolve_session(&auth.db, cookie, auth.policy, Utc::now()).await,
        Activity::Background => sessions::peek_session(&auth.db, cookie, auth.policy, Utc::now()).await,
    };
    user.map_err(|error| {
        tracing::error!(%error, "cannot read sessions");
        (StatusCode::SERVICE_UNAVAILABLE, Json(AppError::Internal)).into_response()
    })
}

/// Lets a request through only with a live session: a page otherwise goes to sign-in (and
/// comes back after it), anything else under `/api/` answers 401.
pub async fn require_session(State(auth): State<Auth>, request: Request, next: Next) -> Response {
    guard(&auth, request, next, Activity::User).await
}

/// [`require_session`] for what the page asks on its own, in the background: the session must
/// stand, but the request does not extend it (a page left open does not keep it alive).
pub async fn require_session_in_background(State(auth): State<Auth>, request: Request, next: Next) -> Response {
    guard(&auth, request, next, Activity::Background).await
}

async fn guard(auth: &Auth, mut request: Request, next: Next, activity: Activity) -> Response {
    match session_user(auth, request.headers(), activity).await {
        Ok(Some(user)) => {
            request.extensions_mut().insert::<CurrentUser>(user);
            next.run(request).await
        }
        Ok(None) if request.uri().path().starts_with("/api/") => {
            (StatusCode::UNAUTHORIZED, Json(AppError::Unauthenticated)).into_response()
        }
        Ok(None) => {
            let here = request.uri().path_and_query().map_or("/", |pq| pq.as_str());
            Redirect::to(&super::sign_in::login_url(here, None)).into_response()
        }
        Err(unavailable) => unavailable,
    }
}

/// Hands the app the signed-in user when there is one, and lets the request through either way
/// (the sign-in page, `who_am_i`).
pub async fn recognise_session(State(auth): State<Auth>, mut request: Request, next: Next) -> Response {
    match session_user(&auth, request.headers(), Activity::User).await {
        Ok(user) => {
            if let Some(user) = user {
                request.extensions_mut().insert::<CurrentUser>(user);
            }
            next.run(request).await
        }
        Err(unavailable) => unavailable,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn cross_site_posts_are_told_apart_by_the_whole_origin() {
        let headers = |pairs: &[(&'static str, &'static str)]| {
            let mut map = HeaderMap::new();
            for (name, value) in pairs {
                map.insert(*name, value.parse().unwrap());
            }
            map
        };
        let url = PublicUrl::parse("http://keys.example:3000").unwrap();
        let own = headers(&[("origin", "http://keys.example:3000")]);
        assert!(!is_cross_site(&Method::POST, &own, &url));
        for other in ["https://keys.example:3000", "http://keys.example:3001", "http://evil.example", "null"] {
            let mut map = HeaderMap::new();
            map.insert("origin", other.parse().unwrap());
            assert!(is_cross_site(&Method::POST, &map, &url), "{other}");
            assert!(!is_cross_site(&Method::GET, &map, &url), "reads are not state changes");
        }
        assert!(is_cross_site(&Method::POST, &headers(&[("sec-fetch-site", "cross-site")]), &url));
        assert!(!is_cross_site(&Method::POST, &headers(&[]), &url), "no browser, no ambient cookie");
    }
}
