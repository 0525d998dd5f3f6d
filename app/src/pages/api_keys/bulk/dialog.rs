//! The preview dialog of a bulk action: the keys it changes (busiest first, with their status
//! and last 7 days' valid verifications, and the total), what it skips and why, and a button
//! that names the count (`Disable 37 keys`). Delete asks for the number of keys to be typed.
//! `Set expiry` asks for the date first. If a key changed since the preview, the server applies
//! nothing and the dialog says so; `Preview again` reads the selection anew.

use crate::api_keys::bulk::{BulkAction, BulkPreview, keys};
use crate::api_keys::server_fns::{apply_bulk, preview_bulk};
use crate::date_format::from_local_input;
use crate::pages::api_keys::PageContext;
use crate::pages::api_keys::confirm_dialog::cancel_first;
use crate::usage::summary::thousands;
use leptos::prelude::*;

#[component]
pub(super) fn BulkDialog(action: BulkAction, close: Callback<()>) -> impl IntoView {
    let page = expect_context::<PageContext>();
    let asks_date = matches!(action, BulkAction::SetExpiry { .. });
    // The action with everything it needs (Set expiry: once its date is chosen).
    let chosen = RwSignal::new((!asks_date).then_some(action));
    let again = RwSignal::new(0u32);
    let preview = LocalResource::new(move || {
        let (chosen, _) = (chosen.get(), again.get());
        let selection = page.picked.with_untracked(|p| page.state.with_untracked(|s| p.selection(&s.query)));
        async move {
            match chosen {
                Some(action) => Some(preview_bulk(selection, action).await),
                None => None,
            }
        }
    });
    let loaded = move || preview.get().flatten().and_then(Result::ok);
    let error = RwSignal::new(None::<String>);
    let typed = RwSignal::new(String::new());
    let apply = Action::new(move |preview: &BulkPreview| apply_bulk(preview.token, preview.action));
    Effect::new(move |_| match apply.value().get() {
        Some(Ok(_)) => {
            close.run(());
            page.picked.set(Default::default());
            page.changed();
        }
        Some(Err(e)) => error.set(Some(e.to_string())),
        None => {}
    });
    let ready = move || {
        loaded().is_some_and(|p| {
            p.count > 0 && (p.action != BulkAction::Delete || typed.with(|t| t.trim() == p.count.to_string()))
        }) && !apply.pending().get()
    };
    let title = move || match (chosen.get(), loaded()) {
        (None, _) => "Set expiry".to_owned(),
        (Some(_), None) => "Checking the selected keys…".to_owned(),
        (Some(_), Some(p)) if p.count == 0 => "Nothing to change".to_owned(),
        (Some(_), Some(p)) => format!("{}?", p.action.button(p.count)),
    };
    let confirm = move || loaded().map_or_else(|| action.verb().to_owned(), |p| p.action.button(p.count));

    let cancel_ref = cancel_first(close);

    view! {
        <div class="backdrop">
            <div class="dialog bulk-dialog" role="alertdialog" aria-modal="true" aria-labelledby="bulk-title">
                <h2 id="bulk-title">{title}</h2>
                {asks_date.then(|| view! { <ExpiryChoice chosen/> })}
                {move || preview.get().flatten().map(|answer| match answer {
                    Ok(preview) => view! { <PreviewText preview typed/> }.into_any(),
                    Err(e) => view! { <p class="error" role="alert">{e.to_string()}</p> }.into_any(),
                })}
                {move || error.get().map(|e| view! {
                    <p class="error" role="alert">{e}</p>
                    <button type="button" on:click=move |_| { error.set(None); again.update(|n| *n += 1); }>"Preview again"</button>
                })}
                <div class="buttons">
                    <button type="button" node_ref=cancel_ref on:click=move |_| close.run(())>"Cancel"</button>
                    <button type="button" class="danger" disabled=move || !ready()
                        on:click=move |_| if let Some(preview) = loaded() { apply.dispatch(preview); }>
                        {confirm}
                    </button>
                </div>
            </div>
        </div>
    }
}

/// `Set expiry`'s date: a local date and time, or never.
#[component]
fn ExpiryChoice(chosen: RwSignal<Option<BulkAction>>) -> impl IntoView {
    let value = RwSignal::new(String::new());
    let never = RwSignal::new(false);
    let problem = RwSignal::new(None::<&'static str>);
    let choose = move |_| {
        let expires_at = if never.get_untracked() {
            None
        } else {
            match value.with_untracked(|v| from_local_input(v)) {
                Some(at) => Some(at),
                None => return problem.set(Some("Choose a date and time, or Never expires.")),
            }
        };
        problem.set(None);
        chosen.set(Some(BulkAction::SetExpiry { expires_at }));
    };
    view! {
        <div class="expiry-choice">
            <label class="field">
                <span>"New expiry"</span>
                <input type="datetime-local" disabled=never prop:value=value
                    on:input=move |ev| value.set(event_target_value(&ev))/>
            </label>
            <label class="check">
                <input type="checkbox" prop:checked=never on:change=move |ev| never.set(event_target_checked(&ev))/>
                "Never expires"
            </label>
            <button type="button" on:click=choose>"Preview"</button>
            {move || problem.get().map(|p| view! { <p class="error" role="alert">{p}</p> })}
        </div>
    }
}

/// What the action would do.
#[component]
fn PreviewText(preview: BulkPreview, typed: RwSignal<String>) -> impl IntoView {
    let uses = match preview.uses_7d {
        0 => "None of them answered a valid verification in the last 7 days.".to_owned(),
        n => format!("Together they answered {} valid verifications in the last 7 days.", thousands(n)),
    };
    let more = (preview.count as usize > preview.keys.len())
        .then(|| format!("and {} more (the busiest are listed).", keys(preview.count - preview.keys.len() as u64)));
    let count = preview.count;
    view! {
        {(count > 0).then(|| view! {
            <p class="impact">{uses}</p>
            <div class="preview-list">
                <table class="preview">
                    <thead><tr><th scope="col">"Name"</th><th scope="col">"Status"</th><th scope="col">"Last 7 days"</th></tr></thead>
                    <tbody>
                        {preview.keys.into_iter().map(|key| view! {
                            <tr><td>{key.name}</td><td>{key.status.label()}</td><td>{thousands(key.uses_7d)}</td></tr>
                        }).collect_view()}
                    </tbody>
                </table>
            </div>
            {more.map(|more| view! { <p class="muted">{more}</p> })}
        })}
        {preview.skipped.iter().map(|skipped| view! { <p class="skipped">{skipped.sentence()}</p> }).collect_view()}
        {(count > 0 && preview.action == BulkAction::Delete).then(|| view! {
            <label class="field">
                <span>{format!("Deleted keys cannot be restored. Type {count} to delete them.")}</span>
                <input type="text" inputmode="numeric" autocomplete="off" prop:value=typed
                    on:input=move |ev| typed.set(event_target_value(&ev))/>
            </label>
        })}
    }
}
