//! Keydesk's product: the API-key domain with its rules ([`api_keys`]), the pages, and the
//! server functions they call. The server crate supplies the store these functions reach
//! through context; the frontend crate only hydrates [`App`].

#![recursion_limit = "256"]

pub mod api_keys;
pub mod audit;
pub mod auth;
pub mod clock;
pub mod date_format;
pub mod error;
pub mod pages;
pub mod relative_time;
pub mod url_query;
pub mod usage;
pub mod webhooks;
pub mod widgets;
pub mod wire;

use leptos::prelude::*;
use leptos_meta::{MetaTags, Stylesheet, Title, provide_meta_context};
use leptos_router::components::{A, Redirect, Route, Router, Routes};
use leptos_router::{SsrMode, path};

/// Where the API Keys page lives; `/` leads there.
pub const API_KEYS_PATH: &str = "/provisioning/api-keys";

/// The site's icon (in `public/`). The sign-in gate lets anyone fetch it and the security
/// headers let browsers cache it, so all three name it from here.
pub const FAVICON_PATH: &str = "/favicon.png";

/// The HTML document around [`App`], rendered on the server.
pub fn shell(options: LeptosOptions) -> impl IntoView {
    view! {
        <!DOCTYPE html>
        <html lang="en">
            <head>
                <meta charset="utf-8"/>
                <meta name="viewport" content="width=device-width, initial-scale=1"/>
                <meta name="color-scheme" content="light dark"/>
                <AutoReload options=options.clone()/>
                <HydrationScripts options/>
                <link rel="icon" href=FAVICON_PATH type="image/png" sizes="64x64"/>
                <MetaTags/>
            </head>
            <body>
                <App/>
            </body>
        </html>
    }
}

#[component]
pub fn App() -> impl IntoView {
    provide_meta_context();
    auth::provide_current_user();

    view! {
        <Stylesheet id="leptos" href="/pkg/keydesk.css"/>
        <Title text="Keydesk"/>
        <Router>
            <header class="top-bar">
                <span class="brand">"Keydesk"</span>
                <nav aria-label="Main">
                    <span class="menu-title">"Provisioning"</span>
                    <A href=API_KEYS_PATH>"API Keys"</A>
                    <A href=audit::query::AUDIT_PATH>"Audit Log"</A>
                    <A href=pages::notifications::NOTIFICATIONS_PATH>"Notifications"</A>
                </nav>
                <UserMenu/>
            </header>
            <main>
                <Routes fallback=|| view! { <p class="not-found">"This page does not exist."</p> }>
                    // In the browser; the server answers `/` with a plain HTTP redirect.
                    <Route path=path!("/") view=|| view! { <Redirect path=API_KEYS_PATH/> }/>
                    // Async: the whole table is in the first HTML, readable before (or without) the wasm.
                    <Route path=path!("/provisioning/api-keys") view=pages::api_keys::ApiKeysPage ssr=SsrMode::Async/>
                    // Its code is loaded on demand (see pages::audit_log).
                    <Route path=path!("/provisioning/audit") view=pages::audit_log::AuditLogPage ssr=SsrMode::Async/>
                    // Its code is loaded on demand too (see pages::notifications).
                    <Route path=path!("/provisioning/notifications") view=pages::notifications::NotificationsPage ssr=SsrMode::Async/>
                    <Route path=path!("/login") view=pages::login::LoginPage ssr=SsrMode::Async/>
                </Routes>
            </main>
        </Router>
    }
}

/// Who is signed in, and the "Sign out" button (a form post, so it works without the wasm).
#[component]
fn UserMenu() -> impl IntoView {
    let user = auth::use_current_user();
    view! {
        <Suspense>
            {move || Suspend::new(async move {
                user.await.ok().flatten().map(|user| view! {
                    <div class="user-menu">
                        <span>"Signed in as " <strong>{user.name}</strong></span>
                        <form method="post" action=auth::LOGOUT_PATH>
                            <button type="submit">"Sign out"</button>
                        </form>
                    </div>
                })
            })}
        </Suspense>
    }
}
