//! The Notifications page: the webhook endpoints key events are sent to, each with its events,
//! state and last delivery; `Add endpoint` (its signing secret shown once), `Send test event`,
//! `Roll secret`, switching on and off, removing, and each endpoint's delivery log with `Retry`;
//! and the user's own mail choice. Seeing the endpoints needs canView and canRead; changing them
//! needs all five rights; any signed-in user makes their mail choice.
//!
//! Its code lives in its own wasm file (`#[lazy]`), like the Audit Log's: the main file holds only
//! the route's placeholder.

mod add_dialog;
mod deliveries;
mod endpoint_row;
mod mail;

use crate::auth::{Action, use_current_user};
use crate::webhooks::endpoint::Notifications;
use crate::webhooks::server_fns::load_notifications;
use leptos::prelude::*;
use leptos_meta::Title;

/// Where the page lives.
pub const NOTIFICATIONS_PATH: &str = "/provisioning/notifications";

/// The route's view: the page once its code is loaded.
#[component]
pub fn NotificationsPage() -> impl IntoView {
    view! {
        <Suspense fallback=|| view! { <p class="loading">"Loading notifications…"</p> }>
            {Suspend::new(async move { notifications_view().await })}
        </Suspense>
    }
}

#[lazy]
fn notifications_view() -> AnyView {
    view! { <NotificationsView/> }.into_any()
}

/// Loads the page's wasm file now (before hydration, when the page was served at its path).
#[cfg(feature = "hydrate")]
pub async fn preload() {
    __preload_notifications_view().await;
}

/// An instant as the page shows it: the same on the server and in the browser.
fn when(at: chrono::DateTime<chrono::Utc>) -> String {
    format!("{} UTC", crate::date_format::format_datetime(at, crate::date_format::utc()))
}

/// What the page's parts share: a way to read the endpoints again after a change.
#[derive(Clone, Copy)]
struct Reload(RwSignal<u32>);

impl Reload {
    fn run(self) {
        self.0.update(|n| *n += 1);
    }
}

#[component]
fn NotificationsView() -> impl IntoView {
    let user = use_current_user();
    view! {
        <Title text="Notifications · Keydesk"/>
        <section class="notifications">
            <div class="page-head"><h1>"Notifications"</h1></div>
            <Suspense fallback=|| view! { <p class="loading">"Loading notifications…"</p> }>
                {move || Suspend::new(async move {
                    match user.await {
                        Ok(Some(user)) => view! {
                            {if Action::ViewKeys.allowed(user.rights) {
                                view! { <Endpoints/> }.into_any()
                            } else {
                                view! { <p class="error" role="alert">{Action::ViewKeys.refusal()}</p> }.into_any()
                            }}
                            <mail::MailSection/>
                        }.into_any(),
                        Ok(None) => view! { <p class="error" role="alert">"Sign in to see notifications."</p> }.into_any(),
                        Err(error) => view! { <p class="error" role="alert">{error.to_string()}</p> }.into_any(),
                    }
                })}
            </Suspense>
        </section>
    }
}

#[component]
fn Endpoints() -> impl IntoView {
    let reload = Reload(RwSignal::new(0));
    provide_context(reload);
    let loaded = Resource::new_serde_wb(move || reload.0.get(), |_| load_notifications());
    let adding = RwSignal::new(false);
    view! {
        <h2>"Webhook endpoints"</h2>
        <p class="muted">
            "Keydesk posts key events to these URLs, signed as Standard Webhooks specifies "
            "(" <code>"webhook-id"</code> ", " <code>"webhook-timestamp"</code> ", " <code>"webhook-signature"</code> ")."
        </p>
        <Transition fallback=|| view! { <p class="loading">"Loading endpoints…"</p> }>
            {move || loaded.get().map(|answer| match answer {
                Ok(notifications) => view! { <EndpointList notifications adding/> }.into_any(),
                Err(error) => view! { <p class="error" role="alert">{error.to_string()}</p> }.into_any(),
            })}
        </Transition>
        <Show when=move || adding.get()>
            <add_dialog::AddDialog close=Callback::new(move |()| { adding.set(false); reload.run(); })/>
        </Show>
    }
}

#[component]
fn EndpointList(notifications: Notifications, adding: RwSignal<bool>) -> impl IntoView {
    let Notifications { endpoints, can_manage, secrets_ready } = notifications;
    let refusal = (!can_manage).then_some(Action::ManageWebhooks.refusal());
    let off = (!secrets_ready).then_some(
        "Webhooks are off: the server has no secrets key to seal signing secrets with (KEYDESK_SECRETS_KEY).",
    );
    view! {
        {off.map(|off| view! { <p class="warning" role="note">{off}</p> })}
        <div class="toolbar">
            <button type="button" class="primary" disabled=!can_manage || !secrets_ready title=refusal
                on:click=move |_| adding.set(true)>"Add endpoint"</button>
            {refusal.map(|refusal| view! { <span class="muted">{refusal}</span> })}
        </div>
        {if endpoints.is_empty() {
            view! { <p class="empty">"No endpoints yet."</p> }.into_any()
        } else {
            view! {
                <ul class="endpoints">
                    {endpoints.into_iter().map(|endpoint| view! {
                        <endpoint_row::EndpointRow endpoint can_manage/>
                    }).collect_view()}
                </ul>
            }.into_any()
        }}
    }
}
