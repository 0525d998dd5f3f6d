//! The fields both forms share, as signals, and how they show their errors.

use crate::api_keys::Permission;
use crate::date_format::{from_local_input, local_offset, to_datetime_local};
use crate::error::{AppError, Field};
use chrono::{DateTime, Utc};
use leptos::prelude::*;

/// The fields both forms share, as signals.
#[derive(Clone, Copy)]
pub(super) struct KeyFields {
    pub(super) enabled: RwSignal<bool>,
    pub(super) name: RwSignal<String>,
    pub(super) permission: RwSignal<Permission>,
    pub(super) never_expires: RwSignal<bool>,
    /// The Expiration Date control's value, in the administrator's local time.
    pub(super) expiry: RwSignal<String>,
    /// The instant the control was last filled from: while its text is unchanged, that exact
    /// instant is meant (the control shows whole minutes only).
    pub(super) shown_expiry: RwSignal<Option<DateTime<Utc>>>,
    pub(super) error: RwSignal<Option<(Option<Field>, String)>>,
}

impl KeyFields {
    pub(super) fn new(enabled: bool, name: &str, permission: Permission, expires_at: Option<DateTime<Utc>>) -> Self {
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

    pub(super) fn set_expiry(&self, expires_at: Option<DateTime<Utc>>) {
        self.never_expires.set(expires_at.is_none());
        self.shown_expiry.set(expires_at);
        self.expiry.set(expires_at.map(show_in_control).unwrap_or_default());
    }

    /// The expiry the fields ask for; an error when a date is needed and missing.
    pub(super) fn expires_at(&self) -> Result<Option<DateTime<Utc>>, AppError> {
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

    pub(super) fn show(&self, error: AppError) {
        let field = match &error {
            AppError::Invalid { field, .. } => Some(*field),
            _ => None,
        };
        self.error.set(Some((field, error.to_string())));
    }

    /// Forgets an error about `field` (its value changed since).
    pub(super) fn clear_error_for(&self, field: Field) {
        if self.error.with_untracked(|e| matches!(e, Some((Some(f), _)) if *f == field)) {
            self.error.set(None);
        }
    }

    pub(super) fn error_for(&self, field: Field) -> impl Fn() -> Option<String> + Copy + use<> {
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
pub(super) fn CommonFields(fields: KeyFields, permission_fixed: bool) -> impl IntoView {
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
