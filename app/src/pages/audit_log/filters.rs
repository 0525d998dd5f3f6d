//! The Audit Log's filters: `Who`, `Action`, `Key`, `From` and `To`, `Download CSV`.
//!
//! They are a plain GET form, so they work before (or without) the wasm; once hydrated, each
//! change goes straight to the URL, a new history entry, like the keys table's filters.

use crate::audit::AuditAction;
use crate::audit::page::AuditPage;
use crate::audit::query::{AUDIT_PATH, AuditQuery, AuditScope, EXPORT_PATH, KeyRef};
use crate::error::AppError;
use crate::wire::WireResource;
use chrono::NaiveDate;
use leptos::prelude::*;
use leptos_router::NavigateOptions;
use leptos_router::hooks::use_navigate;

#[component]
pub(super) fn Filters(
    query: Memo<AuditQuery>,
    scope: AuditScope,
    events: WireResource<Result<AuditPage, AppError>>,
) -> impl IntoView {
    let navigate = use_navigate();
    let go = Callback::new(move |view: AuditQuery| {
        navigate(&view.on_page(0).href(), NavigateOptions { scroll: false, ..Default::default() })
    });
    let current = move || query.get_untracked();
    let on_who = move |ev| {
        let who = event_target_value(&ev);
        go.run(AuditQuery { who: (!who.is_empty()).then_some(who), ..current() });
    };
    let key_input = NodeRef::<leptos::html::Input>::new();
    let apply_key = move || {
        let typed = key_input.get_untracked().map(|input| input.value()).unwrap_or_default();
        let key = KeyRef::parse(&typed);
        if key != current().key {
            go.run(AuditQuery { key, ..current() });
        }
    };
    let on_date = move |to: bool, value: String| {
        let day = NaiveDate::parse_from_str(&value, "%Y-%m-%d").ok();
        go.run(if to { AuditQuery { to: day, ..current() } } else { AuditQuery { from: day, ..current() } });
    };
    let date_value = move |to: bool| {
        query.with(|q| if to { q.to } else { q.from }).map(|day| day.format("%Y-%m-%d").to_string()).unwrap_or_default()
    };
    // The actors of the latest answer, and the chosen one even if it has no events (yet).
    let who_choices = move || {
        let mut actors = events.with(|page| {
            page.as_ref().and_then(|page| page.as_ref().ok()).map(|page| page.actors.clone()).unwrap_or_default()
        });
        if let Some(who) = query.with(|q| q.who.clone())
            && !actors.contains(&who)
        {
            actors.insert(0, who);
        }
        actors
    };
    let actions_summary = move || {
        query.with(|q| match q.actions.as_slice() {
            [] => "All actions".to_owned(),
            [one] => one.label().to_owned(),
            many => format!("{} actions", many.len()),
        })
    };

    view! {
        <form class="toolbar audit-filters" role="search" method="get" action=AUDIT_PATH
            on:submit=move |ev| { ev.prevent_default(); apply_key(); }>
            <label class="select">
                <span class="label">"Who"</span>
                <select name="who" aria-label="Who" on:change=on_who>
                    <option value="" selected=move || query.with(|q| q.who.is_none())>"Anyone"</option>
                    {move || who_choices().into_iter().map(|actor| {
                        let (chosen, value) = (actor.clone(), actor.clone());
                        view! { <option value=value selected=move || query.with(|q| q.who.as_ref() == Some(&chosen))>{actor}</option> }
                    }).collect_view()}
                </select>
            </label>
            <details class="multi-select">
                <summary>"Action: " {actions_summary}</summary>
                <fieldset>
                    <legend class="visually-hidden">"Action"</legend>
                    {scope.actions().map(|action| {
                        let checked = move || query.with(|q| q.actions.contains(&action));
                        // Each kind of event under its heading, where it starts.
                        let heading = match action {
                            AuditAction::KeyCreated => Some("Keys"),
                            AuditAction::SignedIn => Some("Sign-in"),
                            AuditAction::UserAdded => Some("Users and service tokens"),
                            _ => None,
                        };
                        view! {
                            {heading.map(|heading| view! { <span class="group" aria-hidden="true">{heading}</span> })}
                            <label class="check">
                                <input type="checkbox" name="action" value=action.as_str()
                                    checked=checked prop:checked=checked
                                    on:change=move |ev| go.run(current().with_action(action, event_target_checked(&ev)))/>
                                {action.label()}
                            </label>
                        }
                    }).collect_view()}
                </fieldset>
            </details>
            <label class="filter">
                <span class="label">"Key"</span>
                <input type="search" name="key" node_ref=key_input placeholder="Key id or exact name"
                    value=move || query.with(|q| q.key.as_ref().map(KeyRef::to_text))
                    prop:value=move || query.with(|q| q.key.as_ref().map(KeyRef::to_text).unwrap_or_default())
                    on:change=move |_| apply_key()/>
            </label>
            <label class="filter">
                <span class="label">"From"</span>
                <input type="date" name="from" value=move || date_value(false) prop:value=move || date_value(false)
                    on:change=move |ev| on_date(false, event_target_value(&ev))/>
            </label>
            <label class="filter">
                <span class="label">"To"</span>
                <input type="date" name="to" value=move || date_value(true) prop:value=move || date_value(true)
                    on:change=move |ev| on_date(true, event_target_value(&ev))/>
            </label>
            <button type="submit">"Apply"</button>
            <Show when=move || query.with(AuditQuery::is_filtered)>
                <a class="clear" href=AUDIT_PATH>"Clear filters"</a>
            </Show>
            <a class="download" href=move || query.with(|q| format!("{EXPORT_PATH}?{}", q.on_page(0).to_url_query())) download="">"Download CSV"</a>
        </form>
    }
}
