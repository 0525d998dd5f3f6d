//! Who is signed in and what they may do. The server authenticates each request (its session
//! cookie) and hands the signed-in user to the app through the request's extensions; the app
//! decides with [`rights::Action`] what that user may do, on the server (the guard) and in the
//! page (which hides or disables what the user may not use, and says why).

pub mod rights;

pub use rights::{Action, Right, Rights};

use crate::error::AppError;
use leptos::prelude::*;
use serde::{Deserialize, Serialize};

/// The signed-in user, as the page and the server functions see them.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct CurrentUser {
    pub name: String,
    pub rights: Rights,
}

impl CurrentUser {
    pub fn may(&self, action: Action) -> bool {
        action.allowed(self.rights)
    }

    /// `Ok` if this user may take `action`; else the "forbidden" error that says why.
    pub fn check(&self, action: Action) -> Result<(), AppError> {
        if self.may(action) { Ok(()) } else { Err(AppError::Forbidden(action.refusal().to_owned())) }
    }
}

/// The client's address as the server determined it (behind trusted proxies, the forwarded
/// one); the server puts it on each request for the audit trail.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ClientAddress(pub String);

/// Where the sign-in page lives.
pub const LOGIN_PATH: &str = "/login";
/// Where the "Sign out" form posts.
pub const LOGOUT_PATH: &str = "/logout";

/// The signed-in user, loaded once per page by [`provide_current_user`].
pub type UserResource = crate::wire::WireResource<Result<Option<CurrentUser>, AppError>>;

/// Loads who is signed in, for the header and the pages (call once, in `App`).
pub fn provide_current_user() -> UserResource {
    let user: UserResource = Resource::new_serde_wb(|| (), |_| who_am_i());
    provide_context(user);
    user
}

pub fn use_current_user() -> UserResource {
    expect_context::<UserResource>()
}

/// The signed-in user, or `None` (then the page shows no user menu).
#[server(input = crate::wire::JsonWire, output = crate::wire::JsonWire)]
pub async fn who_am_i() -> Result<Option<CurrentUser>, AppError> {
    Ok(ssr::current_user())
}

#[cfg(feature = "ssr")]
pub mod ssr {
    use super::{Action, ClientAddress, CurrentUser};
    use crate::audit::Actor;
    use crate::error::AppError;
    use leptos::prelude::*;

    fn from_request<T: Clone + Send + Sync + 'static>() -> Option<T> {
        use_context::<http::request::Parts>().and_then(|parts| parts.extensions.get::<T>().cloned())
    }

    /// The user the server's session layer put on this request, if any.
    pub fn current_user() -> Option<CurrentUser> {
        from_request::<CurrentUser>()
    }

    /// The signed-in user, as the audit trail records them, if they may take `action`: the
    /// server functions' guard.
    pub fn authorize(action: Action) -> Result<Actor, AppError> {
        let user = current_user().ok_or(AppError::Unauthenticated)?;
        user.check(action)?;
        Ok(Actor::new(user.name, from_request::<ClientAddress>().map(|ClientAddress(address)| address)))
    }
}
