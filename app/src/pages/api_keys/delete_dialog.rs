//! "Delete API key?": asks first, names the key, and suggests disabling instead.

use super::PageContext;
use crate::api_keys::server_fns::delete_key;
use leptos::html;
use leptos::prelude::*;
use uuid::Uuid;

#[component]
pub fn DeleteDialog(id: Uuid, name: String) -> impl IntoView {
    let page = expect_context::<PageContext>();
    let close = move || page.deleting.set(None);
    let delete = Action::new(move |_: &()| delete_key(id));
    let error = RwSignal::new(None::<String>);
    Effect::new(move |_| match delete.value().get() {
        Some(Ok(())) => {
            close();
            page.changed();
        }
        Some(Err(e)) => error.set(Some(e.to_string())),
        None => {}
    });
    // Focus starts on Cancel, the safe choice.
    let cancel_ref = NodeRef::<html::Button>::new();
    Effect::new(move |_| {
        if let Some(button) = cancel_ref.get() {
            let _ = button.focus();
        }
    });
    let title_id = format!("delete-title-{id}");
    let text_id = format!("delete-text-{id}");
    let (labelled_by, described_by) = (title_id.clone(), text_id.clone());
    view! {
        <div class="backdrop">
            <div
                class="dialog"
                role="alertdialog"
                aria-modal="true"
                aria-labelledby=labelled_by
                aria-describedby=described_by
                on:keydown=move |ev| if ev.key() == "Escape" { close() }
            >
                <h2 id=title_id>"Delete API key?"</h2>
                <p id=text_id>
                    "“" {name} "” will be deleted, and every channel using it will be refused at once. "
                    "This cannot be undone. To stop it only for a while, disable it instead."
                </p>
                {move || error.get().map(|e| view! { <p class="error" role="alert">{e}</p> })}
                <div class="buttons">
                    <button type="button" node_ref=cancel_ref on:click=move |_| close()>"Cancel"</button>
                    <button type="button" class="danger" disabled=move || delete.pending().get()
                        on:click=move |_| { delete.dispatch(()); }>"Delete"</button>
                </div>
            </div>
        </div>
    }
}
