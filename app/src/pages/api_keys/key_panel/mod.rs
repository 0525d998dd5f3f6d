//! The right-side panel: "New API Key" (empty or as a copy) and "API Key Details".
//!
//! - [`fields`]: the fields both forms share (name, permission, expiry) and their errors;
//! - [`new_key`]: "New API Key" and the secret shown once;
//! - [`details`]: "API Key Details", with the key's history;
//! - [`restrictions`]: the details' `Restrictions` fieldset;
//! - [`rotate`]: "Rotate API Key" and the new secret shown once.

mod details;
mod fields;
mod new_key;
mod restrictions;
mod rotate;

use super::PageContext;
use super::key_rotation::RotationSection;
use super::key_usage::UsageSection;
use super::view_state::Panel;
use crate::api_keys::server_fns::{get_key, key_history, propose_copy};
use crate::api_keys::{KeyRead, NewKey};
use crate::audit::AuditEntry;
use crate::error::AppError;
use crate::usage::UsageReport;
use crate::usage::server_fns::key_usage;
use crate::wire::WireResource;
use details::DetailsForm;
use leptos::prelude::*;
use new_key::NewKeyForm;
use rotate::RotateForm;

/// What an open panel reads from the server, made as the panel's view is (see `panel_view` for
/// why hydration still finds these resources in the server's order).
#[derive(Clone, Copy)]
pub enum PanelData {
    New,
    Copy(WireResource<Result<NewKey, AppError>>),
    Details {
        /// Loaded once per opening: the form keeps itself current after its own saves, and a
        /// change made elsewhere meanwhile surfaces as a conflict on Save.
        key: WireResource<Result<KeyRead, AppError>>,
        /// Reloaded after every change.
        history: WireResource<Result<Vec<AuditEntry>, AppError>>,
        /// For the range in the URL; reloaded after every change too.
        usage: WireResource<Result<UsageReport, AppError>>,
    },
    Rotate(WireResource<Result<KeyRead, AppError>>),
}

impl PanelData {
    pub fn load(panel: Panel) -> Self {
        match panel {
            Panel::New => PanelData::New,
            Panel::Copy(source) => PanelData::Copy(Resource::new_serde_wb(move || source, propose_copy)),
            Panel::Details(id) => {
                let page = expect_context::<PageContext>();
                let changes = page.changes;
                let range = Memo::new(move |_| page.state.with(|s| s.range));
                PanelData::Details {
                    key: Resource::new_serde_wb(move || id, get_key),
                    history: Resource::new_serde_wb(move || (id, changes.get()), |(id, _)| key_history(id)),
                    usage: Resource::new_serde_wb(
                        move || (id, range.get(), changes.get()),
                        |(id, range, _)| key_usage(id, Some(range.code().to_owned())),
                    ),
                }
            }
            Panel::Rotate(id) => PanelData::Rotate(Resource::new_serde_wb(move || id, get_key)),
        }
    }
}

#[component]
pub fn KeyPanel(data: PanelData) -> impl IntoView {
    let page = expect_context::<PageContext>();
    let title = match data {
        PanelData::New | PanelData::Copy(_) => "New API Key",
        PanelData::Details { .. } => "API Key Details",
        PanelData::Rotate(_) => "Rotate API Key",
    };
    let body = match data {
        PanelData::New => view! { <NewKeyForm initial=NewKey::blank()/> }.into_any(),
        PanelData::Copy(proposal) => view! {
            <Suspense fallback=|| view! { <p class="loading">"Preparing the copy…"</p> }>
                {move || Suspend::new(async move {
                    proposal.await.map(|initial| view! { <NewKeyForm initial/> })
                })}
            </Suspense>
        }
        .into_any(),
        PanelData::Details { key, history, usage } => view! {
            <Suspense fallback=|| view! { <p class="loading">"Loading the API key…"</p> }>
                {move || Suspend::new(async move {
                    key.await.map(|read| {
                        let id = read.key.id;
                        view! { <DetailsForm read history/> <RotationSection id/> <UsageSection id usage/> }
                    })
                })}
            </Suspense>
        }
        .into_any(),
        PanelData::Rotate(key) => view! {
            <Suspense fallback=|| view! { <p class="loading">"Loading the API key…"</p> }>
                {move || Suspend::new(async move { key.await.map(|read| view! { <RotateForm read/> }) })}
            </Suspense>
        }
        .into_any(),
    };
    // Escape closes the panel wherever the focus is, unless a question is open above it: the
    // Escape is the question's (see ConfirmDialog).
    let escape = window_event_listener(leptos::ev::keydown, move |ev| {
        let question_open = || document().query_selector("[role=alertdialog]").ok().flatten().is_some();
        if ev.key() == "Escape" && !ev.default_prevented() && !question_open() {
            page.open(None);
        }
    });
    on_cleanup(move || escape.remove());
    view! {
        <aside class="panel" role="dialog" aria-labelledby="panel-title">
            <header>
                <h2 id="panel-title">{title}</h2>
                <button type="button" class="icon i i-close" aria-label="Close" title="Close" on:click=move |_| page.open(None)></button>
            </header>
            <ErrorBoundary fallback=|errors| view! { <super::ErrorList errors/> }>{body}</ErrorBoundary>
        </aside>
    }
}
