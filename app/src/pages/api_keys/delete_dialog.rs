//! "Delete API key?": asks first, names the key, says who still uses it, and suggests disabling
//! instead.

use super::PageContext;
use super::confirm_dialog::ConfirmDialog;
use crate::api_keys::server_fns::delete_key;
use crate::usage::server_fns::key_usage_impact;
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
            page.deleted(id);
        }
        Some(Err(e)) => error.set(Some(e.to_string())),
        None => {}
    });
    let impact = LocalResource::new(move || key_usage_impact(id));
    let usage = move || match impact.get() {
        None => "Checking who still uses it…".to_owned(),
        Some(Ok(impact)) => impact.sentence(crate::clock::now()),
        Some(Err(error)) => format!("Its recent usage could not be read: {error}"),
    };
    let answer = Callback::new(move |delete_it: bool| {
        if delete_it {
            delete.dispatch(());
        } else {
            close()
        }
    });
    view! {
        <ConfirmDialog id=format!("delete-{id}") title="Delete API key?".to_owned() confirm="Delete"
            busy=delete.pending() answer>
            <p>
                "“" {name} "” will be deleted, and every channel using it will be refused at once. "
                "This cannot be undone. To stop it only for a while, disable it instead."
            </p>
            <p class="impact" aria-live="polite">{usage}</p>
            {move || error.get().map(|e| view! { <p class="error" role="alert">{e}</p> })}
        </ConfirmDialog>
    }
}
