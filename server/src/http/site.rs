//! The console: the Leptos pages and server functions, sign-in, and the static files, as two
//! route groups that share the console's edge (page headers, own Host, client, cross-site
//! refusal, body limit, timeout) and differ in one guard: [`console`] needs a session,
//! [`public`] does not.
//!
//! Pages and server functions are registered here rather than by `leptos_routes`, which would
//! put every server function in one router: each goes to its group by name.

use super::{Limits, MAX_CONSOLE_BODY_BYTES};
use crate::audit::trail::SeaAuditTrail;
use crate::auth::guards::{
    identify_client, recognise_session, refuse_cross_site, require_session, require_session_in_background,
};
use crate::auth::{Auth, sign_in};
use crate::live::{self, LiveChanges, LiveState};
use crate::public_url::require_own_host;
use crate::security_headers::{CspNonce, FAVICON_CACHING, PKG_CACHING, cache_static, compression, page_headers};
use crate::{audit, key_store, usage};
use app::api_keys::server_fns::{LoadChangedKey, LoadKeyList, LoadKeyNotices, LoadUsageSince};
use app::api_keys::store::SharedKeyStore;
use app::audit::store::SharedAuditTrail;
use app::auth::{LOGIN_PATH, LOGOUT_PATH, WhoAmI};
use app::error::AppError;
use app::webhooks::store::SharedNotificationStore;
use app::{API_KEYS_PATH, App, FAVICON_PATH, shell};
use axum::Router;
use axum::body::Body;
use axum::extract::DefaultBodyLimit;
use axum::extract::Request;
use axum::http::{self, Method, StatusCode};
use axum::middleware::{self, Next, from_fn, from_fn_with_state};
use axum::response::{IntoResponse, Redirect, Response};
use axum::routing::{MethodRouter, get, post};
use leptos::config::LeptosOptions;
use leptos::nonce::Nonce;
use leptos::prelude::{provide_context, use_context};
use leptos::server_fn::ServerFn;
use leptos_axum::{generate_route_list, handle_server_fns_with_context, render_app_async_with_context};
use leptos_router::SsrMode;
use sea_orm::DatabaseConnection;
use std::path::Path;
use std::sync::OnceLock;
use tower_http::limit::RequestBodyLimitLayer;
use tower_http::services::{ServeDir, ServeFile};

/// Pages anyone may open.
pub const PUBLIC_PAGES: [&str; 1] = [LOGIN_PATH];
/// Server functions anyone may call (`who_am_i` answers "nobody" when signed out).
pub const PUBLIC_SERVER_FNS: [&str; 1] = [WhoAmI::PATH];
/// Server functions the page calls on its own, in the background (the browser table's loads):
/// they need a live session but do not extend it.
pub const BACKGROUND_SERVER_FNS: [&str; 4] =
    [LoadKeyList::PATH, LoadChangedKey::PATH, LoadUsageSince::PATH, LoadKeyNotices::PATH];

/// Both console groups with their shared edge.
pub fn routes(
    options: &LeptosOptions,
    store: SharedKeyStore,
    webhooks: SharedNotificationStore,
    auth: &Auth,
    limits: Limits,
    live: LiveChanges,
) -> Router {
    let trail: SharedAuditTrail = std::sync::Arc::new(SeaAuditTrail::new(auth.db.clone()));
    let app = AppRoutes { options: options.clone(), store, trail, webhooks, db: auth.db.clone(), live, limits };
    console(&app, auth)
        .merge(public(&app, auth))
        .layer(RequestBodyLimitLayer::new(MAX_CONSOLE_BODY_BYTES))
        .layer(limits.timeout())
        .layer(from_fn_with_state(auth.public_url.clone(), refuse_cross_site))
        .layer(from_fn_with_state(auth.clone(), identify_client))
        .layer(from_fn_with_state(auth.public_url.clone(), require_own_host))
        .layer(compression())
        .layer(from_fn_with_state(auth.public_url.clone(), page_headers))
}

/// Everything behind a session: the pages, the server functions, the CSV downloads, the live
/// stream of key changes, and whatever else is asked for (the "does not exist" page).
fn console(app: &AppRoutes, auth: &Auth) -> Router {
    let mut router = Router::new();
    for path in page_paths().iter().filter(|path| !PUBLIC_PAGES.contains(&path.as_str())) {
        router = router.route(path, app.page());
    }
    let in_group = |path: &&str| !PUBLIC_SERVER_FNS.contains(path) && !BACKGROUND_SERVER_FNS.contains(path);
    for (path, method) in server_fns().filter(|(path, _)| in_group(path)) {
        router = router.route(path, app.server_fn(method));
    }
    router = router.route(usage::csv_export::PATH, get(usage::csv_export::download).with_state(app.db.clone()));
    router = router.route(key_store::csv_export::PATH, get(key_store::csv_export::download).with_state(app.db.clone()));
    router = router.route(audit::csv_export::PATH, get(audit::csv_export::download).with_state(app.db.clone()));
    let live = LiveState { changes: app.live.clone(), auth: auth.clone() };
    router = router.route(live::PATH, get(live::stream).with_state(live));
    router
        .fallback(leptos_axum::file_and_error_handler_with_context(app.context(), shell))
        .with_state(app.options.clone())
        .layer(from_fn(server_fn_error_status))
        .layer(from_fn_with_state(auth.clone(), require_session))
        .merge(background(app, auth))
}

/// The page's background reads: behind a session that they do not extend.
fn background(app: &AppRoutes, auth: &Auth) -> Router {
    let mut router = Router::new();
    for (path, method) in server_fns().filter(|(path, _)| BACKGROUND_SERVER_FNS.contains(path)) {
        router = router.route(path, app.server_fn(method));
    }
    router.layer(from_fn(server_fn_error_status)).layer(from_fn_with_state(auth.clone(), require_session_in_background))
}

/// What must work signed out: signing in and out, the static files the sign-in page loads, `/`.
fn public(app: &AppRoutes, auth: &Auth) -> Router {
    let recognise = || from_fn_with_state(auth.clone(), recognise_session);
    let site_root = Path::new(app.options.site_root.as_ref());
    let mut router = Router::new()
        .route("/", get(|| async { Redirect::to(API_KEYS_PATH) }))
        .route(
            LOGIN_PATH,
            app.page()
                .route_layer(recognise())
                .merge(post(sign_in::sign_in).layer(DefaultBodyLimit::max(sign_in::MAX_BODY_BYTES))),
        )
        .route(LOGOUT_PATH, post(sign_in::sign_out));
    for (path, method) in server_fns().filter(|(path, _)| PUBLIC_SERVER_FNS.contains(path)) {
        router = router.route(path, app.server_fn(method).route_layer(recognise()));
    }
    let package = Router::new()
        .nest_service("/pkg", package_files(&site_root.join("pkg")))
        .layer(middleware::map_response(cache_static(PKG_CACHING)));
    let favicon = Router::new()
        .route_service(FAVICON_PATH, ServeFile::new(site_root.join(FAVICON_PATH.trim_start_matches('/'))))
        .layer(middleware::map_response(cache_static(FAVICON_CACHING)));
    router.with_state(auth.clone()).merge(package).merge(favicon)
}

/// The wasm, its glue and the CSS, served from the build's brotli and gzip copies when the
/// browser takes them (`make build` writes them beside each file, after it; `gzip -k` and
/// `brotli -k` give a copy its file's modification time). A copy older than its file (left by a
/// build that wrote none) would serve stale code: it is removed first, and if one cannot be
/// removed no copy is served at all (the files are then compressed as they go out).
fn package_files(dir: &Path) -> ServeDir {
    let modified = |path: &Path| std::fs::metadata(path).and_then(|m| m.modified()).ok();
    let mut stale_left = false;
    for entry in std::fs::read_dir(dir).into_iter().flatten().flatten() {
        let copy = entry.path();
        let Some(extension) = copy.extension().filter(|e| *e == "br" || *e == "gz") else { continue };
        let original = copy.with_extension("");
        let fresh = matches!((modified(&copy), modified(&original)), (Some(copy), Some(file)) if copy >= file);
        if !fresh {
            tracing::warn!(file = %copy.display(), "removing a precompressed copy older than its file ({})", extension.display());
            if let Err(error) = std::fs::remove_file(&copy) {
                tracing::warn!(%error, file = %copy.display(), "cannot remove a stale precompressed copy; serving none");
                stale_left = true;
            }
        }
    }
    let files = ServeDir::new(dir);
    if stale_left { files } else { files.precompressed_br().precompressed_gzip() }
}

/// The paths of the app's pages (`/` is a plain redirect, outside the app), listed once per
/// process. Listing them runs the app with resource loading suspended by a process-wide switch
/// (leptos_server's `SuppressResourceLoad`): a page rendering meanwhile on another thread, whose
/// resource first polls while the switch is on, waits forever (leptos-rs/leptos#4773; in-process
/// tests building routers beside each other met it as pages that never came). After the first
/// router, nothing lists them again.
pub fn page_paths() -> &'static [String] {
    static PATHS: OnceLock<Vec<String>> = OnceLock::new();
    PATHS.get_or_init(|| {
        let routes = generate_route_list(App).into_iter().filter(|route| route.path() != "/");
        routes
            .map(|route| {
                assert!(
                    matches!(route.mode(), SsrMode::Async),
                    "{}: only SsrMode::Async pages are registered (see http::site)",
                    route.path()
                );
                route.path().to_owned()
            })
            .collect()
    })
}

/// Every server function the app defines, with its method.
pub fn server_fns() -> impl Iterator<Item = (&'static str, Method)> {
    leptos::server_fn::axum::server_fn_paths()
}

/// The Leptos app, as handlers for pages and server functions.
struct AppRoutes {
    options: LeptosOptions,
    store: SharedKeyStore,
    trail: SharedAuditTrail,
    webhooks: SharedNotificationStore,
    db: DatabaseConnection,
    /// Key changes for the live streams.
    live: LiveChanges,
    limits: Limits,
}

impl AppRoutes {
    /// What every page and server function gets in its context: the key store, the audit
    /// trail, the webhook endpoints, the browser table's limit, and the nonce the Content-Security-Policy header names
    /// (Leptos puts it on its inline scripts).
    fn context(&self) -> impl Fn() + Clone + Send + Sync + 'static {
        let (store, trail, browser_table) = (self.store.clone(), self.trail.clone(), self.limits.browser_table);
        let webhooks = self.webhooks.clone();
        move || {
            provide_context(store.clone());
            provide_context(trail.clone());
            provide_context(webhooks.clone());
            provide_context(browser_table);
            let nonce =
                use_context::<http::request::Parts>().and_then(|parts| parts.extensions.get::<CspNonce>().cloned());
            if let Some(CspNonce(nonce)) = nonce {
                provide_context(Nonce::from_value(nonce));
            }
        }
    }

    fn page<S: Clone + Send + Sync + 'static>(&self) -> MethodRouter<S> {
        let options = self.options.clone();
        get(render_app_async_with_context(self.context(), move || shell(options.clone())))
    }

    fn server_fn<S: Clone + Send + Sync + 'static>(&self, method: Method) -> MethodRouter<S> {
        let context = self.context();
        let handler = move |request: Request| handle_server_fns_with_context(context.clone(), request);
        match method {
            Method::POST => post(handler),
            Method::GET => get(handler),
            other => panic!("server functions here use GET or POST, not {other}"),
        }
    }
}

/// Gives a failed server function's answer the status its error deserves when server_fn could
/// not: a request whose arguments do not decode fails before the function runs (and before
/// `server_fns::ssr::answer` can set 400), and server_fn answers those with 500. The error in
/// the body (an `AppError`, JSON) knows its own status.
async fn server_fn_error_status(request: Request, next: Next) -> Response {
    let response = next.run(request).await;
    if response.status() != StatusCode::INTERNAL_SERVER_ERROR
        || !response.headers().contains_key(leptos::server_fn::error::SERVER_FN_ERROR_HEADER)
    {
        return response;
    }
    let (mut parts, body) = response.into_parts();
    let Ok(bytes) = axum::body::to_bytes(body, 64 * 1024).await else {
        return StatusCode::INTERNAL_SERVER_ERROR.into_response();
    };
    if let Ok(error) = serde_json::from_slice::<AppError>(&bytes)
        && let Ok(status) = StatusCode::from_u16(error.status_code())
    {
        parts.status = status;
    }
    Response::from_parts(parts, Body::from(bytes))
}
