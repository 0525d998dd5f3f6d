//! "API Key Details": the form that edits a key, and its history.

use super::fields::{CommonFields, KeyFields};
use super::restrictions::{RestrictionFields, RestrictionsFieldset};
use crate::api_keys::rotation::rotation_refusal;
use crate::api_keys::server_fns::{set_key_enabled, update_key};
use crate::api_keys::{ApiKey, KeyChanges, KeyRead};
use crate::audit::AuditEntry;
use crate::audit::query::{AuditQuery, KeyRef};
use crate::auth;
use crate::error::AppError;
use crate::pages::api_keys::view_state::Panel;
use crate::pages::api_keys::{PageContext, reason_id};
use crate::widgets::PageClock;
use crate::wire::WireResource;
use chrono::{DateTime, Utc};
use leptos::prelude::*;

/// The key's audit trail, newest first.
#[component]
fn KeyHistory(id: uuid::Uuid, history: WireResource<Result<Vec<AuditEntry>, AppError>>) -> impl IntoView {
    let clock = PageClock::expect();
    let describe = move |entry: &AuditEntry| {
        let changes = entry.changes_text(|at| clock.format(at));
        if changes.is_empty() { String::new() } else { format!(" ({changes})") }
    };
    view! {
        <section class="history" aria-labelledby="history-title">
            <div class="section-head">
                <h3 id="history-title">"History"</h3>
                <a href=AuditQuery { key: Some(KeyRef::Id(id)), ..AuditQuery::default() }.href()>"Show in audit log"</a>
            </div>
            <Transition fallback=|| view! { <p class="muted">"Loading…"</p> }>
                {move || history.get().map(|entries| match entries {
                    Ok(entries) => view! {
                        <ol>
                            {entries.into_iter().map(|entry| view! {
                                <li>
                                    <time datetime=entry.at.to_rfc3339()>{clock.format(entry.at)}</time>
                                    " · " {entry.actor.clone()} " · " {entry.action.label()} {describe(&entry)}
                                </li>
                            }).collect_view()}
                        </ol>
                    }.into_any(),
                    Err(error) => view! { <p class="error">{error.to_string()}</p> }.into_any(),
                })}
            </Transition>
        </section>
    }
}

#[component]
pub(super) fn DetailsForm(read: KeyRead, history: WireResource<Result<Vec<AuditEntry>, AppError>>) -> impl IntoView {
    let KeyRead { key, read_at } = read;
    let page = expect_context::<PageContext>();
    let may_update = page.may(auth::Action::UpdateKey);
    let clock = PageClock::expect();
    let id = key.id;
    let fields = KeyFields::new(key.enabled, &key.name, key.permission, key.expires_at);
    let restrictions = RestrictionFields::new(&key.restrictions);
    let permission = key.permission;
    let current = RwSignal::new(key);
    let saved = RwSignal::new(false);

    // Shows the key as the server has it now (after a save, or after a conflict).
    let reset_to = move |key: ApiKey| {
        fields.enabled.set(key.enabled);
        fields.name.set(key.name.clone());
        fields.set_expiry(key.expires_at);
        restrictions.set(&key.restrictions);
        current.set(key);
    };
    let save = Action::new(move |changes: &KeyChanges| update_key(id, changes.clone()));
    Effect::new(move |_| match save.value().get() {
        Some(Ok(key)) => {
            page.saved(key.clone());
            reset_to(key);
            fields.error.set(None);
            saved.set(true);
        }
        Some(Err(AppError::Conflict { current: latest })) => {
            reset_to((*latest).clone());
            saved.set(false);
            fields.show(AppError::Conflict { current: latest });
        }
        Some(Err(error)) => {
            saved.set(false);
            fields.show(error);
        }
        None => {}
    });
    let toggle = Action::new(move |on: &bool| set_key_enabled(id, *on));
    Effect::new(move |_| match toggle.value().get() {
        Some(Ok(key)) => {
            current.update(|c| {
                c.enabled = key.enabled;
                c.version = key.version;
            });
            page.saved(key);
        }
        Some(Err(error)) => {
            fields.enabled.set(current.with_untracked(|c| c.enabled));
            fields.show(error);
        }
        None => {}
    });
    let changes_with = move |expires_at: Option<DateTime<Utc>>, expire_now: bool| KeyChanges {
        name: fields.name.get_untracked(),
        enabled: current.with_untracked(|c| c.enabled),
        expires_at,
        permission: Some(fields.permission.get_untracked()),
        expected_version: current.with_untracked(|c| c.version),
        expire_now,
        restrictions: Some(restrictions.value()),
    };
    let submit = move |ev: leptos::ev::SubmitEvent| {
        ev.prevent_default();
        saved.set(false);
        match fields.expires_at() {
            Ok(expires_at) => {
                fields.error.set(None);
                save.dispatch(changes_with(expires_at, false));
            }
            Err(error) => fields.show(error),
        }
    };
    let expire_now = move |_| {
        saved.set(false);
        save.dispatch(changes_with(current.with_untracked(|c| c.expires_at), true));
    };
    let busy = move || save.pending().get() || toggle.pending().get();
    let may_rotate = may_update && page.may(auth::Action::CreateKey);
    let cannot_rotate =
        Signal::derive(move || current.with(|c| rotation_refusal(c, clock.now_at_least(c.updated_at.max(read_at)))));
    let expired_on = move || {
        // A save moves `updated_at` past the first read; either is a floor for the page clock.
        let now = move |c: &ApiKey| clock.now_at_least(c.updated_at.max(read_at));
        current.with(|c| c.expires_at.filter(|&at| at <= now(c)).map(|at| clock.format(at)))
    };

    view! {
        <form class="key-form" on:submit=submit novalidate>
            // Without canUpdate every control is disabled, and says why.
            <fieldset class="plain" disabled=!may_update
                aria-describedby=(!may_update).then_some(reason_id(auth::Action::UpdateKey))
                title=(!may_update).then_some(auth::Action::UpdateKey.refusal())>
                <label class="check switch">
                    <input type="checkbox" role="switch" checked=fields.enabled.get_untracked() prop:checked=fields.enabled
                        on:click=move |ev| if toggle.pending().get_untracked() { ev.prevent_default() }
                        aria-busy=move || toggle.pending().get().to_string()
                        on:change=move |ev| {
                            let on = event_target_checked(&ev);
                            fields.enabled.set(on);
                            toggle.dispatch(on);
                        }/>
                    "Enabled"
                </label>
                <CommonFields fields permission_fixed=true/>
                {move || expired_on().map(|on| view! { <p class="expired" role="status">"This API key expired on " {on} "."</p> })}
                <dl class="facts">
                    <dt>"Key"</dt><dd><code>{move || current.with(|c| c.display_prefix.clone())} "…"</code></dd>
                    <dt>"Created"</dt><dd>{move || current.with(|c| format!("{} by {}", clock.format(c.created_at), c.created_by))}</dd>
                    <dt>"Updated"</dt><dd>{move || current.with(|c| clock.format(c.updated_at))}</dd>
                    <dt>"Last used"</dt><dd>{move || current.with(|c| c.last_used_at.map_or_else(|| "never".to_owned(), |at| clock.format(at)))}</dd>
                </dl>
                <RestrictionsFieldset id permission fields=restrictions
                    saved_mode=Signal::derive(move || current.with(|c| c.restrictions.mode))
                    form=fields/>
                {move || fields.error.with(|e| e.as_ref().filter(|(f, _)| f.is_none()).map(|(_, m)| view! { <p class="error" role="alert">{m.clone()}</p> }))}
                <Show when=move || saved.get()><p class="saved" role="status">"Saved."</p></Show>
                <KeyHistory id history/>
                <div class="buttons">
                    <button type="submit" class="primary" disabled=busy>{move || if save.pending().get() { "Saving…" } else { "Save" }}</button>
                    <button type="button" disabled=busy on:click=expire_now>"Expire now"</button>
                    {may_rotate.then(|| view! {
                        <button type="button" aria-disabled=move || cannot_rotate.get().map(|_| "true")
                            title=move || cannot_rotate.get().unwrap_or_else(|| "A new secret, the old one kept working for a grace period".to_owned())
                            on:click=move |_| if cannot_rotate.with_untracked(Option::is_none) { page.open(Some(Panel::Rotate(id))) }>"Rotate"</button>
                    })}
                </div>
            </fieldset>
        </form>
    }
}
