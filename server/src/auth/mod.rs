//! Sign-in for the console: users and rights, password hashing, database sessions, the guards
//! the console's routes carry, and the `/login` and `/logout` form posts.
//!
//! - [`guards`]: the layers of the console's route groups. [`guards::identify_client`] works
//!   out the client's address and scheme (believing `X-Forwarded-*` only from
//!   `--trusted-proxies`); [`guards::refuse_cross_site`] refuses state changes from any origin
//!   but the public URL's; [`guards::require_session`] lets a request through only with a live
//!   session, handing the app the `CurrentUser` (pages otherwise redirect to `/login?next=...`,
//!   server functions answer 401).
//! - [`sign_in`]: the `/login` and `/logout` form posts, slowed down by [`throttle`].
//! - [`cookie`]: the session cookie's name and flags.
//!
//! The verification API (`/api/v1`) is not cookie-authenticated and carries none of this.

pub mod cookie;
pub mod guards;
pub mod passwords;
pub mod sessions;
pub mod sign_in;
pub mod throttle;
pub mod users;

use crate::public_url::PublicUrl;
use cookie::SessionCookie;
use ipnet::IpNet;
use passwords::Passwords;
use sea_orm::DatabaseConnection;
use sessions::SessionPolicy;
use std::sync::Arc;
use throttle::SignInThrottle;

/// Everything the guards and the sign-in handlers share.
#[derive(Clone)]
pub struct Auth {
    pub db: DatabaseConnection,
    pub passwords: Passwords,
    pub policy: SessionPolicy,
    pub throttle: Arc<SignInThrottle>,
    pub trusted_proxies: Arc<[IpNet]>,
    pub public_url: Arc<PublicUrl>,
    pub cookie: SessionCookie,
}

impl Auth {
    pub fn new(db: DatabaseConnection, trusted_proxies: Vec<IpNet>, public_url: PublicUrl) -> Self {
        Auth {
            db,
            passwords: Passwords::new(),
            policy: SessionPolicy::default(),
            throttle: Arc::new(SignInThrottle::default()),
            trusted_proxies: trusted_proxies.into(),
            cookie: SessionCookie::for_url(&public_url),
            public_url: Arc::new(public_url),
        }
    }
}
