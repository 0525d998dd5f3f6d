//! The pages of the console, one module each.

pub mod api_keys;
pub mod audit_log;
pub mod login;
pub mod notifications;

/// Loads the wasm file the page at `path` needs to hydrate: a page (or an open panel) whose code
/// lives in a lazily loaded file must have it before hydration walks the server's HTML.
#[cfg(feature = "hydrate")]
pub async fn preload(path: &str, search: &str) {
    if path == crate::audit::query::AUDIT_PATH {
        audit_log::preload().await;
    } else if path == notifications::NOTIFICATIONS_PATH {
        notifications::preload().await;
    } else {
        api_keys::load_open_panel(search).await;
    }
}
