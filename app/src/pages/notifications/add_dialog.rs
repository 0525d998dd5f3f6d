//! The `Add endpoint` dialog: URL, description, a checkbox per event; then the signing secret,
//! shown this once.

use super::endpoint_row::SecretShown;
use crate::webhooks::endpoint::{CreatedEndpoint, NewEndpoint};
use crate::webhooks::event::EventType;
use crate::webhooks::server_fns::add_endpoint;
use leptos::prelude::*;

#[component]
pub(super) fn AddDialog(close: Callback<()>) -> impl IntoView {
    let url = RwSignal::new(String::new());
    let description = RwSignal::new(String::new());
    let chosen = RwSignal::new(vec![EventType::KeyExpiring, EventType::KeyGraceEnding]);
    let created = RwSignal::new(None::<CreatedEndpoint>);
    let error = RwSignal::new(None::<String>);
    let add = Action::new(move |new: &NewEndpoint| add_endpoint(new.clone()));
    Effect::new(move |_| match add.value().get() {
        Some(Ok(endpoint)) => created.set(Some(endpoint)),
        Some(Err(e)) => error.set(Some(e.to_string())),
        None => {}
    });
    let submit = move |ev: leptos::ev::SubmitEvent| {
        ev.prevent_default();
        error.set(None);
        add.dispatch(NewEndpoint {
            url: url.get_untracked(),
            description: description.get_untracked(),
            events: chosen.get_untracked(),
        });
    };
    let url_ref = NodeRef::<leptos::html::Input>::new();
    Effect::new(move |_| {
        if let Some(input) = url_ref.get() {
            let _ = input.focus();
        }
    });
    let escape = window_event_listener(leptos::ev::keydown, move |ev| {
        if ev.key() == "Escape" {
            close.run(());
        }
    });
    on_cleanup(move || escape.remove());
    view! {
        <div class="backdrop">
            <div class="dialog endpoint-dialog" role="dialog" aria-modal="true" aria-labelledby="endpoint-title">
                <h2 id="endpoint-title">"Add endpoint"</h2>
                <Show
                    when=move || created.with(Option::is_none)
                    fallback=move || created.get().map(|created| view! {
                        <SecretShown secret=created.secret.clone()
                            what=format!("Endpoint {} was added. Its signing secret", created.endpoint.url)/>
                        <div class="buttons">
                            <button type="button" class="primary" on:click=move |_| close.run(())>"Done"</button>
                        </div>
                    })
                >
                    <form class="endpoint-form" on:submit=submit novalidate>
                        <label class="field">
                            <span>"URL"</span>
                            <input type="url" name="url" required node_ref=url_ref placeholder="https://example.com/keydesk-events"
                                prop:value=url on:input=move |ev| url.set(event_target_value(&ev))/>
                        </label>
                        <label class="field">
                            <span>"Description"</span>
                            <input type="text" name="description" maxlength="200"
                                prop:value=description on:input=move |ev| description.set(event_target_value(&ev))/>
                        </label>
                        <fieldset class="events">
                            <legend>"Events"</legend>
                            {EventType::ALL.into_iter().map(|event| view! {
                                <label class="check">
                                    <input type="checkbox" value=event.as_str()
                                        prop:checked=move || chosen.with(|c| c.contains(&event))
                                        on:change=move |ev| {
                                            let on = event_target_checked(&ev);
                                            chosen.update(|c| {
                                                c.retain(|e| *e != event);
                                                if on { c.push(event); }
                                            });
                                        }/>
                                    <code>{event.as_str()}</code>
                                </label>
                            }).collect_view()}
                        </fieldset>
                        {move || error.get().map(|e| view! { <p class="error" role="alert">{e}</p> })}
                        <div class="buttons">
                            <button type="button" on:click=move |_| close.run(())>"Cancel"</button>
                            <button type="submit" class="primary" disabled=move || add.pending().get()>
                                {move || if add.pending().get() { "Adding…" } else { "Add" }}
                            </button>
                        </div>
                    </form>
                </Show>
            </div>
        </div>
    }
}
