//! "Rotate API Key": how long the old key keeps working, whether it stops early once unused,
//! and then the new secret, shown once.

use super::new_key::SecretOnce;
use crate::api_keys::KeyRead;
use crate::api_keys::rotation::{Grace, RotatedKey, RotationRequest, rotation_refusal};
use crate::api_keys::server_fns::rotate_key;
use crate::date_format::from_local_input;
use crate::error::{AppError, Field};
use crate::pages::api_keys::PageContext;
use crate::widgets::PageClock;
use chrono::{DateTime, Utc};
use leptos::prelude::*;

/// The radio group's choices: the presets, then `Until a date`.
const UNTIL_A_DATE: usize = Grace::PRESETS.len();
const DEFAULT_CHOICE: usize = 3;

#[component]
pub(super) fn RotateForm(read: KeyRead) -> impl IntoView {
    debug_assert_eq!(Grace::PRESETS[DEFAULT_CHOICE].0, Grace::DEFAULT);
    let page = expect_context::<PageContext>();
    let clock = PageClock::expect();
    let KeyRead { key, read_at } = read;
    let id = key.id;
    let name = key.name.clone();
    let expires_at = key.expires_at;
    let refusal = rotation_refusal(&key, read_at);
    let choice = RwSignal::new(DEFAULT_CHOICE);
    let until = RwSignal::new(String::new());
    let stop_early = RwSignal::new(false);
    let error = RwSignal::new(None::<String>);
    let rotated = RwSignal::new(None::<RotatedKey>);
    let rotate = Action::new(move |request: &RotationRequest| rotate_key(id, *request));
    Effect::new(move |_| match rotate.value().get() {
        Some(Ok(done)) => {
            page.saved(done.created.key.clone());
            rotated.set(Some(done));
        }
        Some(Err(failure)) => error.set(Some(failure.to_string())),
        None => {}
    });
    let grace = move || -> Result<Grace, AppError> {
        match Grace::PRESETS.get(choice.get_untracked()) {
            Some((grace, _)) => Ok(*grace),
            None => from_local_input(&until.get_untracked()).map(Grace::Until).ok_or_else(|| {
                AppError::invalid(Field::Grace, "Choose the date until which the old key keeps working.")
            }),
        }
    };
    // The chosen end runs past the old key's own expiry: the grace stops there instead.
    let capped = move || {
        let expiry = expires_at?;
        let now = clock.now_at_least(read_at);
        let end: DateTime<Utc> = match Grace::PRESETS.get(choice.get())? {
            (Grace::ForSeconds(seconds), _) => now + chrono::Duration::seconds(*seconds),
            _ => return None,
        };
        (end > expiry).then(|| clock.format(expiry))
    };
    let submit = move |ev: leptos::ev::SubmitEvent| {
        ev.prevent_default();
        match grace() {
            Ok(grace) => {
                error.set(None);
                rotate.dispatch(RotationRequest { grace, stop_when_unused: stop_early.get_untracked() });
            }
            Err(failure) => error.set(Some(failure.to_string())),
        }
    };
    let blocked = refusal.is_some();
    view! {
        <Show
            when=move || rotated.with(Option::is_none)
            fallback=move || rotated.get().map(|done| {
                let old_until = clock.format(done.grace_end.at);
                view! {
                    <SecretOnce created=done.created what="rotated. The new key's secret"/>
                    <p class="note">"The old key keeps working until " {old_until} "."</p>
                }
            })
        >
            <form class="key-form rotate-form" on:submit=submit novalidate>
                <p>
                    "A new secret for “" {name.clone()} "”: the new key takes its name, permission, state and expiry. "
                    "The old key keeps working for the grace period, so channels can switch without an outage."
                </p>
                {refusal.clone().map(|why| view! { <p class="error" role="alert">{why}</p> })}
                <fieldset class="grace" disabled=blocked>
                    <legend>"Keep the old key working for"</legend>
                    <div role="radiogroup" aria-label="Keep the old key working for">
                        {Grace::PRESETS.into_iter().enumerate().map(|(index, (_, label))| view! {
                            <label class="check">
                                <input type="radio" name="grace" checked=index == DEFAULT_CHOICE
                                    prop:checked=move || choice.get() == index
                                    on:change=move |_| choice.set(index)/>
                                {label}
                            </label>
                        }).collect_view()}
                        <label class="check">
                            <input type="radio" name="grace" prop:checked=move || choice.get() == UNTIL_A_DATE
                                on:change=move |_| choice.set(UNTIL_A_DATE)/>
                            "Until a date"
                        </label>
                    </div>
                    <label class="field">
                        <span>"Until"</span>
                        <input type="datetime-local" name="grace_until"
                            disabled=move || choice.get() != UNTIL_A_DATE
                            prop:value=until
                            on:input=move |ev| until.set(event_target_value(&ev))/>
                    </label>
                    {move || capped().map(|expiry| view! {
                        <p class="note" role="status">"The old key expires on " {expiry} "; its grace period stops then."</p>
                    })}
                    <label class="check">
                        <input type="checkbox" prop:checked=stop_early on:change=move |ev| stop_early.set(event_target_checked(&ev))/>
                        "Stop the old key early once it has not been used for 24 hours"
                    </label>
                </fieldset>
                {move || error.get().map(|message| view! { <p class="error" role="alert">{message}</p> })}
                <div class="buttons">
                    <button type="submit" class="primary" disabled=move || blocked || rotate.pending().get()>
                        {move || if rotate.pending().get() { "Rotating…" } else { "Rotate" }}
                    </button>
                    <button type="button" on:click=move |_| page.open(None)>"Cancel"</button>
                </div>
            </form>
        </Show>
    }
}
