//! The details form's `Restrictions` fieldset: the mode, the list of allowed origins (chat keys)
//! or networks (secure-mail keys), suggestions from the key's traffic, and in report-only mode
//! what enforcing would have blocked. The list is a field of the form: the panel's one `Save`
//! saves it with the rest, under the same version check.

use super::super::confirm_dialog::ConfirmDialog;
use super::fields::KeyFields;
use crate::api_keys::Permission;
use crate::api_keys::restrictions::server_fns::{
    check_restriction_entry, key_restriction_report, restriction_suggestions,
};
use crate::api_keys::restrictions::{ListKind, RestrictionMode, RestrictionReport, Restrictions, SourceCount};
use crate::error::{AppError, Field};
use crate::usage::placeholder::NONE;
use crate::usage::summary::thousands;
use leptos::prelude::*;
use uuid::Uuid;

/// The fieldset's values, as signals.
#[derive(Clone, Copy)]
pub(super) struct RestrictionFields {
    mode: RwSignal<RestrictionMode>,
    allowed: RwSignal<Vec<String>>,
}

impl RestrictionFields {
    pub(super) fn new(restrictions: &Restrictions) -> Self {
        RestrictionFields {
            mode: RwSignal::new(restrictions.mode),
            allowed: RwSignal::new(restrictions.allowed.clone()),
        }
    }

    /// Shows `restrictions` (the key as saved, after a save or a conflict).
    pub(super) fn set(&self, restrictions: &Restrictions) {
        self.mode.set(restrictions.mode);
        self.allowed.set(restrictions.allowed.clone());
    }

    /// What Save sends.
    pub(super) fn value(&self) -> Restrictions {
        Restrictions { mode: self.mode.get_untracked(), allowed: self.allowed.get_untracked() }
    }
}

/// "312 verifications": a count with its noun.
fn verifications(count: u64) -> String {
    match count {
        1 => "1 verification".to_owned(),
        n => format!("{} verifications", thousands(n)),
    }
}

/// A source as a sentence names it: `https://` left out, "(none)" in words.
fn shown_source(source: &str, kind: ListKind) -> String {
    if source == NONE {
        return format!("requests without an {}", if kind.noun == "origin" { "origin" } else { "address" });
    }
    source.strip_prefix("https://").unwrap_or(source).to_owned()
}

#[component]
pub(super) fn RestrictionsFieldset(
    id: Uuid,
    permission: Permission,
    fields: RestrictionFields,
    /// The mode as saved (the report-only figures describe that).
    #[prop(into)]
    saved_mode: Signal<RestrictionMode>,
    /// The form's fields, whose error may be Save's refusal of the list.
    form: KeyFields,
) -> impl IntoView {
    let kind = ListKind::of(permission);
    let (noun, plural) = (kind.noun, kind.plural);
    let new_entry = RwSignal::new(String::new());
    let entry_error = RwSignal::new(None::<String>);
    let asking_to_enforce = RwSignal::new(false);
    // The traffic figures are read in the browser once the page runs, not rendered by the
    // server (they change by the second, and the hydrating page must match the server's HTML).
    let mounted = RwSignal::new(false);
    Effect::new(move |_| mounted.set(true));

    let check = Action::new(move |text: &String| check_restriction_entry(permission, text.clone()));
    Effect::new(move |_| match check.value().get() {
        Some(Ok(entry)) => {
            let refusal = fields.allowed.with_untracked(|list| kind.refuse_addition(list, &entry));
            match refusal {
                Some(refusal) => entry_error.set(Some(refusal)),
                None => {
                    fields.allowed.update(|list| list.push(entry));
                    new_entry.set(String::new());
                    entry_error.set(None);
                }
            }
        }
        Some(Err(AppError::Invalid { message, .. })) => entry_error.set(Some(message)),
        Some(Err(other)) => entry_error.set(Some(other.to_string())),
        None => {}
    });
    let add = move || {
        let text = new_entry.get_untracked();
        if text.trim().is_empty() {
            entry_error.set(Some(format!("Enter {} to add, like {}.", kind.a_noun, kind.example)));
        } else {
            check.dispatch(text);
        }
    };
    let remove = move |entry: &str| fields.allowed.update(|list| list.retain(|present| present != entry));

    let suggest = Action::new(move |_: &()| restriction_suggestions(id));
    let tick = move |source: String, ticked: bool| {
        if !ticked {
            remove(&source);
        } else if let Some(refusal) = fields.allowed.with_untracked(|list| kind.refuse_addition(list, &source)) {
            entry_error.set(Some(refusal));
            // Unticks the box again: the list did not take it.
            fields.allowed.update(|_| {});
        } else {
            fields.allowed.update(|list| list.push(source));
        }
    };

    let choose = move |mode: RestrictionMode| {
        if mode == RestrictionMode::Enforce && fields.mode.get_untracked() != RestrictionMode::Enforce {
            asking_to_enforce.set(true);
            // The radio shows the chosen mode only once the admin confirms.
            fields.mode.set(fields.mode.get_untracked());
        } else {
            fields.mode.set(mode);
        }
    };
    let answer = Callback::new(move |confirmed: bool| {
        asking_to_enforce.set(false);
        if confirmed {
            fields.mode.set(RestrictionMode::Enforce);
        } else {
            fields.mode.set(fields.mode.get_untracked());
        }
    });
    let save_error = form.error_for(Field::Restrictions);
    let error = move || entry_error.get().or_else(save_error);
    // Any edit answers Save's refusal; its message would only mislead from then on.
    Effect::new(move |first: Option<()>| {
        fields.mode.track();
        fields.allowed.track();
        if first.is_some() {
            form.clear_error_for(Field::Restrictions);
        }
    });
    let list_label = format!("Allowed {plural}");
    let input_label = format!("New {noun}");

    view! {
        <fieldset class="restrictions">
            <legend>"Restrictions"</legend>
            <div class="modes" role="radiogroup" aria-label="Restriction mode">
                {RestrictionMode::ALL.into_iter().map(|mode| view! {
                    <label class="check">
                        <input type="radio" name="restriction_mode" value=mode.code()
                            checked=fields.mode.get_untracked() == mode
                            prop:checked=move || fields.mode.get() == mode
                            on:change=move |_| choose(mode)/>
                        {mode.label()}
                    </label>
                }).collect_view()}
            </div>
            <p class="note">
                "Allowed origins stop other websites' pages from using a key; they do not stop scripts that forge headers. "
                "For server-side callers, allowed networks are the strong control."
            </p>
            <ul class="allowed" aria-label=list_label.clone()>
                <For each=move || fields.allowed.get() key=|entry| entry.clone() let:entry>
                    {
                        let label = format!("Remove {entry}");
                        let gone = entry.clone();
                        view! {
                            <li>
                                <code>{entry}</code>
                                <button type="button" class="link" aria-label=label on:click=move |_| remove(&gone)>"Remove"</button>
                            </li>
                        }
                    }
                </For>
            </ul>
            <Show when=move || fields.allowed.with(Vec::is_empty)>
                <p class="muted">{format!("No {plural} listed.")}</p>
            </Show>
            <div class="add-entry">
                <label class="field">
                    <span>{input_label}</span>
                    <input type="text" autocomplete="off" spellcheck="false" placeholder=kind.example
                        aria-invalid=move || error().is_some().to_string()
                        aria-describedby="restriction-error"
                        prop:value=new_entry
                        on:input=move |ev| new_entry.set(event_target_value(&ev))
                        on:keydown=move |ev| if ev.key() == "Enter" {
                            // Enter adds the entry; it does not submit the whole form.
                            ev.prevent_default();
                            add();
                        }/>
                </label>
                <button type="button" disabled=move || check.pending().get() on:click=move |_| add()>{format!("Add {noun}")}</button>
            </div>
            <p class="field-error" id="restriction-error" role="alert">{error}</p>
            <button type="button" disabled=move || suggest.pending().get() on:click=move |_| { suggest.dispatch(()); }>"Suggest from traffic"</button>
            {move || suggest.value().get().map(|found| match found {
                Ok(found) => view! { <Suggestions found kind fields tick/> }.into_any(),
                Err(error) => view! { <p class="error">{error.to_string()}</p> }.into_any(),
            })}
            {move || (mounted.get() && saved_mode.get() == RestrictionMode::ReportOnly).then(|| view! { <WouldBlock id kind/> })}
            {move || asking_to_enforce.get().then(|| view! { <EnforceQuestion id plural saved_mode=saved_mode.get_untracked() answer/> })}
        </fieldset>
    }
}

/// `Suggest from traffic`'s answer: each source unticked, with its count; ticking one puts it
/// in the list (and Save saves it).
#[component]
fn Suggestions(
    found: Vec<SourceCount>,
    kind: ListKind,
    fields: RestrictionFields,
    tick: impl Fn(String, bool) + Copy + Send + Sync + 'static,
) -> impl IntoView {
    let grouped =
        (kind.noun == "network").then_some(" Networks are grouped as usage records them: IPv4 by /24, IPv6 by /64.");
    view! {
        <div class="suggestions" role="group" aria-label="Suggestions from traffic">
            <p class="note">
                {format!("Where this key was used from in the last 30 days, busiest first. Anyone can present a public key from anywhere, so a suggestion is evidence, not a verdict: tick only the {} you recognise.", kind.plural)}
                {grouped}
            </p>
            {if found.is_empty() {
                view! { <p class="muted">{format!("No {} seen in the last 30 days.", kind.plural)}</p> }.into_any()
            } else {
                view! {
                    <ul>
                        {found.into_iter().map(|SourceCount { source, count }| {
                            let listed = source.clone();
                            let ticked = source.clone();
                            view! {
                                <li>
                                    <label class="check">
                                        <input type="checkbox"
                                            prop:checked=move || fields.allowed.with(|list| list.contains(&listed))
                                            on:change=move |ev| tick(ticked.clone(), event_target_checked(&ev))/>
                                        <code>{source}</code>
                                        <span class="count">{verifications(count)}</span>
                                    </label>
                                </li>
                            }
                        }).collect_view()}
                    </ul>
                }.into_any()
            }}
        </div>
    }
}

/// In report-only mode: what enforcing would have refused in the last 7 days, by source.
#[component]
fn WouldBlock(id: Uuid, kind: ListKind) -> impl IntoView {
    let report = LocalResource::new(move || key_restriction_report(id));
    view! {
        <Transition fallback=|| ()>
            {move || report.get().map(|read| match read {
                Ok(report) => view! { <WouldBlockFigures report kind/> }.into_any(),
                Err(error) => view! { <p class="error">{error.to_string()}</p> }.into_any(),
            })}
        </Transition>
    }
}

#[component]
fn WouldBlockFigures(report: RestrictionReport, kind: ListKind) -> impl IntoView {
    let summary = match report.would_block_total {
        0 => "In the last 7 days, enforcing would have blocked nothing.".to_owned(),
        total => format!("In the last 7 days, enforcing would have blocked {}:", verifications(total)),
    };
    view! {
        <div class="would-block" role="status">
            <p>{summary}</p>
            <ul>
                {report.would_block.into_iter().map(|SourceCount { source, count }| view! {
                    <li>{format!("would have blocked {} from {}", verifications(count), shown_source(&source, kind))}</li>
                }).collect_view()}
            </ul>
        </div>
    }
}

/// Switching to `Enforce` asks first, and says what it would have blocked.
#[component]
fn EnforceQuestion(
    id: Uuid,
    plural: &'static str,
    saved_mode: RestrictionMode,
    answer: Callback<bool>,
) -> impl IntoView {
    let report = LocalResource::new(move || key_restriction_report(id));
    let text = move || {
        report.get().map(|read| {
            let total = match read {
                Ok(report) => report.would_block_total,
                Err(error) => {
                    return format!(
                        "What enforcing would block could not be counted ({error}). Once you save, requests from {plural} not on the list are refused."
                    );
                }
            };
            if total > 0 {
                format!(
                    "In the last 7 days, enforcing would have blocked {} from elsewhere than the list. Once you save, requests like these are refused.",
                    verifications(total)
                )
            } else if saved_mode == RestrictionMode::ReportOnly {
                format!("In the last 7 days, nothing Report only saw (against the saved list) would have been blocked. Once you save, requests from {plural} not on the list are refused.")
            } else {
                format!("This key has not been in Report only, so what enforcing will block is not known; Report only shows it first. Once you save, requests from {plural} not on the list are refused.")
            }
        })
    };
    view! {
        <ConfirmDialog id="enforce".to_owned() title="Enforce restrictions?".to_owned() confirm="Enforce" busy=Signal::derive(move || report.get().is_none()) answer>
            <p>{move || text().unwrap_or_else(|| "Counting what enforcing would block…".to_owned())}</p>
        </ConfirmDialog>
    }
}
