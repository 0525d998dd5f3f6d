//! The right-side panel: "New API Key" (empty or as a copy) and "API Key Details".

use super::key_usage::UsageSection;
use super::view_state::Panel;
use super::{PageContext, reason_id};
use crate::api_keys::server_fns::{create_key, get_key, key_history, propose_copy, set_key_enabled, update_key};
use crate::api_keys::{ApiKey, CreatedKey, KeyChanges, KeyRead, NewKey, Permission};
use crate::audit::AuditEntry;
use crate::auth;
use crate::date_format::{from_local_input, local_offset, to_datetime_local};
use crate::error::{AppError, Field};
use crate::usage::UsageReport;
use crate::usage::server_fns::key_usage;
use crate::widgets::PageClock;
use crate::wire::WireResource;
use chrono::{DateTime, Utc};
use leptos::prelude::*;

/// What an open panel reads from the server. Made in the page's own code, before the panel's
/// view (whose code may still be on its way, see `panel_view`): resources must be created in
/// the same order on the server and in the browser for hydration.
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
        }
    }
}

#[component]
pub fn KeyPanel(data: PanelData) -> impl IntoView {
    let page = expect_context::<PageContext>();
    let title = match data {
        PanelData::New | PanelData::Copy(_) => "New API Key",
        PanelData::Details { .. } => "API Key Details",
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
                        view! { <DetailsForm read history/> <UsageSection id usage/> }
                    })
                })}
            </Suspense>
        }
        .into_any(),
    };
    // Escape closes the panel wherever the focus is.
    let escape = window_event_listener(leptos::ev::keydown, move |ev| {
        if ev.key() == "Escape" {
            page.open(None);
        }
    });
    on_cleanup(move || escape.remove());
    view! {
        <aside class="panel" role="dialog" aria-labelledby="panel-title">
            <header>
                <h2 id="panel-title">{title}</h2>
                <button type="button" class="icon" aria-label="Close" title="Close" on:click=move |_| page.open(None)>"×"</button>
            </header>
            <ErrorBoundary fallback=|errors| view! { <super::ErrorList errors/> }>{body}</ErrorBoundary>
        </aside>
    }
}

/// The fields both forms share, as signals.
#[derive(Clone, Copy)]
struct KeyFields {
    enabled: RwSignal<bool>,
    name: RwSignal<String>,
    permission: RwSignal<Permission>,
    never_expires: RwSignal<bool>,
    /// The Expiration Date control's value, in the administrator's local time.
    expiry: RwSignal<String>,
    /// The instant the control was last filled from: while its text is unchanged, that exact
    /// instant is meant (the control shows whole minutes only).
    shown_expiry: RwSignal<Option<DateTime<Utc>>>,
    error: RwSignal<Option<(Option<Field>, String)>>,
}

impl KeyFields {
    fn new(enabled: bool, name: &str, permission: Permission, expires_at: Option<DateTime<Utc>>) -> Self {
        let fields = KeyFields {
            enabled: RwSignal::new(enabled),
            name: RwSignal::new(name.to_owned()),
            permission: RwSignal::new(permission),
            never_expires: RwSignal::new(true),
            expiry: RwSignal::new(String::new()),
            shown_expiry: RwSignal::new(None),
            error: RwSignal::new(None),
        };
        fields.set_expiry(expires_at);
        fields
    }

    fn set_expiry(&self, expires_at: Option<DateTime<Utc>>) {
        self.never_expires.set(expires_at.is_none());
        self.shown_expiry.set(expires_at);
        self.expiry.set(expires_at.map(show_in_control).unwrap_or_default());
    }

    /// The expiry the fields ask for; an error when a date is needed and missing.
    fn expires_at(&self) -> Result<Option<DateTime<Utc>>, AppError> {
        if self.never_expires.get_untracked() {
            return Ok(None);
        }
        let text = self.expiry.get_untracked();
        if let Some(shown) = self.shown_expiry.get_untracked().filter(|&at| show_in_control(at) == text) {
            return Ok(Some(shown));
        }
        from_local_input(&text).map(Some).ok_or_else(|| {
            AppError::invalid(Field::ExpiresAt, "Choose an Expiration Date, or select “Will never expire”.")
        })
    }

    fn show(&self, error: AppError) {
        let field = match &error {
            AppError::Invalid { field, .. } => Some(*field),
            _ => None,
        };
        self.error.set(Some((field, error.to_string())));
    }

    fn error_for(&self, field: Field) -> impl Fn() -> Option<String> + Copy + use<> {
        let error = self.error;
        move || error.with(|e| e.as_ref().filter(|(f, _)| *f == Some(field)).map(|(_, m)| m.clone()))
    }
}

/// An instant as the Expiration Date control shows it: local time, to the minute.
fn show_in_control(at: DateTime<Utc>) -> String {
    to_datetime_local(at, local_offset(at))
}

/// The id of the element that shows `field`'s error; its input names it in `aria-describedby`.
fn error_id(field: Field) -> String {
    format!("error-{field:?}").to_lowercase()
}

#[component]
fn FieldError(field: Field, fields: KeyFields) -> impl IntoView {
    let message = fields.error_for(field);
    let id = error_id(field);
    view! { <p class="field-error" id=id role="alert">{message}</p> }
}

/// Name, Permissions and the expiry controls.
#[component]
fn CommonFields(fields: KeyFields, permission_fixed: bool) -> impl IntoView {
    // Focus starts in Name, so a keyboard user can type at once.
    let name_ref = NodeRef::<leptos::html::Input>::new();
    Effect::new(move |_| {
        if let Some(input) = name_ref.get() {
            let _ = input.focus();
        }
    });
    let name_invalid = move || fields.error_for(Field::Name)().is_some().to_string();
    let expiry_invalid = move || fields.error_for(Field::ExpiresAt)().is_some().to_string();
    view! {
        <label class="field">
            <span>"Name" <abbr title="required">"*"</abbr></span>
            <input
                node_ref=name_ref
                type="text"
                name="name"
                required
                maxlength=crate::api_keys::name::MAX_NAME_CHARS.to_string()
                autocomplete="off"
                aria-invalid=name_invalid
                aria-describedby=error_id(Field::Name)
                value=fields.name.get_untracked()
                prop:value=fields.name
                on:input=move |ev| fields.name.set(event_target_value(&ev))
            />
        </label>
        <FieldError field=Field::Name fields/>
        <label class="field">
            <span>"Permissions" <abbr title="required">"*"</abbr></span>
            <select
                name="permission"
                disabled=permission_fixed
                aria-describedby=permission_fixed.then_some("permission-note")
                on:change=move |ev| {
                    if let Ok(p) = event_target_value(&ev).parse() {
                        fields.permission.set(p);
                    }
                }
            >
                {Permission::ALL
                    .into_iter()
                    .map(|p| view! { <option value=p.as_str() selected=move || fields.permission.get() == p>{p.label()}</option> })
                    .collect_view()}
            </select>
        </label>
        {permission_fixed.then(|| view! {
            <p class="note" id="permission-note">{crate::api_keys::input::PERMISSION_IS_FIXED}</p>
        })}
        <fieldset class="expires">
            <legend>"Expires"</legend>
            <label class="check">
                <input
                    type="checkbox"
                    checked=fields.never_expires.get_untracked()
                    prop:checked=fields.never_expires
                    on:change=move |ev| fields.never_expires.set(event_target_checked(&ev))
                />
                "Will never expire"
            </label>
            <label class="field">
                <span>"Expiration Date"</span>
                <input
                    type="datetime-local"
                    name="expires_at"
                    disabled=move || fields.never_expires.get()
                    aria-invalid=expiry_invalid
                    aria-describedby=error_id(Field::ExpiresAt)
                    value=fields.expiry.get_untracked()
                    prop:value=fields.expiry
                    on:input=move |ev| fields.expiry.set(event_target_value(&ev))
                />
            </label>
            <FieldError field=Field::ExpiresAt fields/>
        </fieldset>
    }
}

#[component]
fn NewKeyForm(initial: NewKey) -> impl IntoView {
    let page = expect_context::<PageContext>();
    let may_create = page.may(auth::Action::CreateKey);
    let fields = KeyFields::new(initial.enabled, &initial.name, initial.permission, initial.expires_at);
    let copied_from = initial.copied_from;
    let created = RwSignal::new(None::<CreatedKey>);
    let create = Action::new(move |new: &NewKey| create_key(new.clone()));
    Effect::new(move |_| match create.value().get() {
        Some(Ok(key)) => {
            created.set(Some(key));
            page.changed();
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
            fallback=move || created.get().map(|created| view! { <SecretOnce created/> })
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

/// The key's audit trail, newest first.
#[component]
fn KeyHistory(history: WireResource<Result<Vec<AuditEntry>, AppError>>) -> impl IntoView {
    let clock = PageClock::expect();
    // Dates are recorded as RFC 3339; they read as the rest of the page's dates.
    let value = move |text: &str| {
        DateTime::parse_from_rfc3339(text).map_or_else(|_| text.to_owned(), |at| clock.format(at.to_utc()))
    };
    let describe = move |entry: &AuditEntry| {
        let changes: Vec<String> =
            entry.changes.iter().map(|c| format!("{}: {} → {}", c.field, value(&c.old), value(&c.new))).collect();
        if changes.is_empty() { String::new() } else { format!(" ({})", changes.join("; ")) }
    };
    view! {
        <section class="history" aria-labelledby="history-title">
            <h3 id="history-title">"History"</h3>
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

/// The new key's secret, shown this once.
#[component]
fn SecretOnce(created: CreatedKey) -> impl IntoView {
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
            <p>"API key “" {created.key.name.clone()} "” was created. Its secret:"</p>
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

#[component]
fn DetailsForm(read: KeyRead, history: WireResource<Result<Vec<AuditEntry>, AppError>>) -> impl IntoView {
    let KeyRead { key, read_at } = read;
    let page = expect_context::<PageContext>();
    let may_update = page.may(auth::Action::UpdateKey);
    let clock = PageClock::expect();
    let id = key.id;
    let fields = KeyFields::new(key.enabled, &key.name, key.permission, key.expires_at);
    let current = RwSignal::new(key);
    let saved = RwSignal::new(false);

    // Shows the key as the server has it now (after a save, or after a conflict).
    let reset_to = move |key: ApiKey| {
        fields.enabled.set(key.enabled);
        fields.name.set(key.name.clone());
        fields.set_expiry(key.expires_at);
        current.set(key);
    };
    let save = Action::new(move |changes: &KeyChanges| update_key(id, changes.clone()));
    Effect::new(move |_| match save.value().get() {
        Some(Ok(key)) => {
            reset_to(key);
            fields.error.set(None);
            saved.set(true);
            page.changed();
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
            page.changed();
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
                        disabled=move || toggle.pending().get()
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
                {move || fields.error.with(|e| e.as_ref().filter(|(f, _)| f.is_none()).map(|(_, m)| view! { <p class="error" role="alert">{m.clone()}</p> }))}
                <Show when=move || saved.get()><p class="saved" role="status">"Saved."</p></Show>
                <KeyHistory history/>
                <div class="buttons">
                    <button type="submit" class="primary" disabled=busy>{move || if save.pending().get() { "Saving…" } else { "Save" }}</button>
                    <button type="button" disabled=busy on:click=expire_now>"Expire now"</button>
                </div>
            </fieldset>
        </form>
    }
}
