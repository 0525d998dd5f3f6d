//! The Audit Log page: the trail of every change, filterable by who, action, key and dates, every
//! filter in the URL and rendered by the server, paged like the keys table, downloadable as CSV.
//!
//! The page's code lives in its own wasm file (`#[lazy]`): the route in the main file is a
//! placeholder that loads it. A page served at this path loads the file before hydrating
//! ([`preload`]), so hydration stays synchronous.

mod filters;
mod table;

use crate::audit::page::AuditPage;
use crate::audit::query::{AuditQuery, AuditScope};
use crate::audit::server_fns::audit_log;
use crate::auth::{Action, use_current_user};
use crate::error::AppError;
use crate::widgets::PageClock;
use crate::wire::WireResource;
use leptos::prelude::*;
use leptos_meta::Title;
use leptos_router::hooks::use_query_map;

/// The route's view: the page once its code is loaded.
#[component]
pub fn AuditLogPage() -> impl IntoView {
    view! {
        <Suspense fallback=|| view! { <p class="loading">"Loading the audit log…"</p> }>
            {Suspend::new(async move { audit_log_view().await })}
        </Suspense>
    }
}

#[lazy]
fn audit_log_view() -> AnyView {
    view! { <AuditLog/> }.into_any()
}

/// Loads the page's wasm file now (before hydration, when the page was served at its path).
#[cfg(feature = "hydrate")]
pub async fn preload() {
    __preload_audit_log_view().await;
}

#[component]
fn AuditLog() -> impl IntoView {
    let user = use_current_user();
    view! {
        <Title text="Audit Log · Keydesk"/>
        <section class="audit-log">
            <div class="page-head"><h1>"Audit Log"</h1></div>
            <Suspense fallback=|| view! { <p class="loading">"Loading the audit log…"</p> }>
                {move || Suspend::new(async move {
                    match user.await {
                        Ok(Some(user)) => match AuditScope::of(user.rights) {
                            Some(scope) => view! { <AuditView scope/> }.into_any(),
                            None => view! { <p class="error" role="alert">{Action::ViewKeys.refusal()}</p> }.into_any(),
                        },
                        Ok(None) => view! { <p class="error" role="alert">"Sign in to see the audit log."</p> }.into_any(),
                        Err(error) => view! { <p class="error" role="alert">{error.to_string()}</p> }.into_any(),
                    }
                })}
            </Suspense>
        </section>
    }
}

#[component]
fn AuditView(scope: AuditScope) -> impl IntoView {
    let params = use_query_map();
    // A view the URL states wrongly (an unknown action, a bad date) is an error, not ignored.
    let parsed =
        Memo::new(move |_| params.with(|p| AuditQuery::from_url_params(|name| p.get_all(name).unwrap_or_default())));
    PageClock::provide();
    let events: WireResource<Result<AuditPage, AppError>> = Resource::new_serde_wb(
        move || parsed.get(),
        |parsed| async move {
            match parsed {
                Ok(query) => audit_log(query.to_url_query()).await,
                Err(error) => Err(error),
            }
        },
    );
    let query = Memo::new(move |_| parsed.get().unwrap_or_default());

    view! {
        {(scope == AuditScope::KeyEvents).then(|| view! {
            <p class="rights-note">"Sign-ins and changes to users and service tokens are shown to users with all five rights."</p>
        })}
        <Transition fallback=|| view! { <p class="loading">"Loading the audit log…"</p> }>
            // Built once (its controls keep focus and open state); its `Who` choices come with
            // each answer.
            <filters::Filters query scope events/>
            {move || events.get().map(|page| match page {
                Ok(page) => view! { <table::EventTable page query=query.get_untracked()/> }.into_any(),
                Err(error) => view! { <p class="error" role="alert">{error.to_string()}</p> }.into_any(),
            })}
        </Transition>
    }
}
