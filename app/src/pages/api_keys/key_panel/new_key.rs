//! "New API Key": the form, and the new key's secret shown once.

use super::fields::{CommonFields, KeyFields};
use crate::api_keys::server_fns::create_key;
use crate::api_keys::{CreatedKey, NewKey};
use crate::auth;
use crate::pages::api_keys::{PageContext, reason_id};
use leptos::prelude::*;

#[component]
pub(super) fn NewKeyForm(initial: NewKey) -> impl IntoView {
    let page = expect_context::<PageContext>();
    let may_create = page.may(auth::Action::CreateKey);
    let fields = KeyFields::new(initial.enabled, &initial.name, initial.permission, initial.expires_at);
    let copied_from = initial.copied_from;
    let created = RwSignal::new(None::<CreatedKey>);
    let create = Action::new(move |new: &NewKey| create_key(new.clone()));
    Effect::new(move |_| match create.value().get() {
        Some(Ok(key)) => {
            page.saved(key.key.clone());
            created.set(Some(key));
        }
        Some(Err(error)) => fields.show(error),
        None => {}
    });
    let submit = move |ev: leptos::ev::SubmitEvent| {
        ev.prevent_default();
        let new = fields.expires_at().and_then(|expires_at| {
            NewKey {
                name: fields.name.get_untracked(),
                permission: fields.permission.get_untracked(),
                enabled: fields.enabled.get_untracked(),
                expires_at,
                copied_from,
            }
            .validate(crate::clock::now())
        });
        match new {
            Ok(new) => {
                fields.error.set(None);
                create.dispatch(new);
            }
            Err(error) => fields.show(error),
        }
    };
    view! {
        <Show
            when=move || created.with(Option::is_none)
            fallback=move || created.get().map(|created| view! { <SecretOnce created what="created. Its secret"/> })
        >
            <form class="key-form" on:submit=submit novalidate>
                <label class="check switch">
                    <input type="checkbox" role="switch" checked=fields.enabled.get_untracked() prop:checked=fields.enabled
                        on:change=move |ev| fields.enabled.set(event_target_checked(&ev))/>
                    "Enabled"
                </label>
                <CommonFields fields permission_fixed=false/>
                {move || fields.error.with(|e| e.as_ref().filter(|(f, _)| f.is_none()).map(|(_, m)| view! { <p class="error" role="alert">{m.clone()}</p> }))}
                <div class="buttons">
                    <button type="submit" class="primary" disabled=move || create.pending().get() || !may_create
                        aria-disabled=(!may_create).then_some("true")
                        aria-describedby=(!may_create).then_some(reason_id(auth::Action::CreateKey))
                        title=(!may_create).then_some(auth::Action::CreateKey.refusal())>
                        {move || if create.pending().get() { "Creating…" } else { "Create" }}
                    </button>
                </div>
            </form>
        </Show>
    }
}

/// A new key's secret, shown this once. `what` finishes "API key “NAME” was …:".
#[component]
pub(super) fn SecretOnce(created: CreatedKey, what: &'static str) -> impl IntoView {
    let secret = created.secret.expose().to_owned();
    let copied = RwSignal::new(false);
    let copy_ref = NodeRef::<leptos::html::Button>::new();
    Effect::new(move |_| {
        if let Some(button) = copy_ref.get() {
            let _ = button.focus();
        }
    });
    let copy = {
        #[cfg_attr(not(feature = "hydrate"), allow(unused_variables))]
        let secret = secret.clone();
        move |_| {
            #[cfg(feature = "hydrate")]
            {
                // Says "Copied." only once the browser confirms it.
                let promise = window().navigator().clipboard().write_text(&secret);
                leptos::task::spawn_local(async move {
                    copied.set(wasm_bindgen_futures::JsFuture::from(promise).await.is_ok());
                });
            }
        }
    };
    view! {
        <div class="secret-once" role="status">
            <p>"API key “" {created.key.name.clone()} "” was " {what} ":"</p>
            <code class="secret" data-testid="secret">{secret.clone()}</code>
            <button type="button" class="primary" node_ref=copy_ref on:click=copy>"Copy to clipboard"</button>
            <Show when=move || copied.get()><span class="muted">" Copied."</span></Show>
            <p class="warning">
                "Copy it now: this secret will not be shown again. Keydesk keeps only a fingerprint of it; "
                "later this key is recognisable by its start, " <code>{created.key.display_prefix.clone()} "…"</code> "."
            </p>
        </div>
    }
}
