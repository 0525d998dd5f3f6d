//! The signed-in user's mail about keys' ends: their address, and the choice to get mail about
//! every key that is about to expire (not only the keys they created).

use crate::webhooks::endpoint::MailPreference;
use crate::webhooks::server_fns::{load_mail_preference, set_expiry_mail};
use leptos::prelude::*;

#[component]
pub(super) fn MailSection() -> impl IntoView {
    let loaded = Resource::new_serde_wb(|| (), |()| load_mail_preference());
    view! {
        <h2>"E-mail"</h2>
        <Transition fallback=|| view! { <p class="loading">"Loading your e-mail settings…"</p> }>
            {move || loaded.get().map(|answer| match answer {
                Ok(preference) => view! { <MailChoice preference/> }.into_any(),
                Err(error) => view! { <p class="error" role="alert">{error.to_string()}</p> }.into_any(),
            })}
        </Transition>
    }
}

#[component]
fn MailChoice(preference: MailPreference) -> impl IntoView {
    let chosen = RwSignal::new(preference.expiry_mail);
    let save = Action::new(move |on: &bool| set_expiry_mail(*on));
    Effect::new(move |_| match save.value().get() {
        Some(Ok(saved)) => chosen.set(saved.expiry_mail),
        // Not saved: the box shows what is stored.
        Some(Err(_)) => chosen.set(!chosen.get_untracked()),
        None => {}
    });
    let address = match preference.email {
        Some(email) => view! { <p>"Mail goes to " <strong>{email}</strong> "."</p> }.into_any(),
        None => view! {
            <p class="muted">
                "You have no e-mail address. An administrator sets it with "
                <code>"server user set-email NAME ADDRESS"</code> "."
            </p>
        }
        .into_any(),
    };
    view! {
        {(!preference.mail_on).then(|| view! {
            <p class="warning" role="note">"E-mail is off: the server has no SMTP settings. Everything else works."</p>
        })}
        {address}
        <label class="check">
            <input type="checkbox" prop:checked=chosen disabled=move || save.pending().get()
                on:change=move |ev| {
                    let on = event_target_checked(&ev);
                    chosen.set(on);
                    save.dispatch(on);
                }/>
            "E-mail me about keys that are about to expire"
        </label>
        <p class="muted">"Whoever created a key gets mail 30, 7 and 1 days before it expires, and a day before a replaced key's grace ends while it is still in use."</p>
        {move || save.value().get().and_then(Result::err).map(|e| view! { <p class="error" role="alert">{e.to_string()}</p> })}
        {move || save.value().get().and_then(Result::ok).map(|_| view! { <p class="muted" role="status">"Saved."</p> })}
    }
}
