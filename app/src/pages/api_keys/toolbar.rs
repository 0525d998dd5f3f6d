//! The filter bar above the table: search, the Status toggles, the Permissions and Usage
//! filters, the CSV download, and the filters on a key's life that a URL sets.

use super::PageContext;
use crate::api_keys::query::EXPORT_PATH;
use crate::api_keys::{KeyQuery, Permission, Status, UsageFilter};
use leptos::prelude::*;

/// Search, the Status toggles, the Permissions filter and the Usage filter.
#[component]
pub(super) fn Toolbar(query: Memo<KeyQuery>) -> impl IntoView {
    let page = expect_context::<PageContext>();
    let on_search = move |ev| {
        let query = KeyQuery { search: event_target_value(&ev), page: 0, ..query.get_untracked() };
        page.set_query(query, true);
    };
    let toggle = move |status: Status| {
        let current = query.get_untracked();
        let on = !current.status.contains(status);
        page.set_query(KeyQuery { status: current.status.with(status, on), page: 0, ..current }, false);
    };
    let on_permission = move |ev| {
        let permission = event_target_value(&ev).parse::<Permission>().ok();
        page.set_query(KeyQuery { permission, page: 0, ..query.get_untracked() }, false);
    };
    let selected = move |p: Option<Permission>| query.with(|q| q.permission == p);
    let on_usage = move |ev| {
        let usage = UsageFilter::parse(&event_target_value(&ev)).unwrap_or_default();
        page.set_query(KeyQuery { usage, page: 0, ..query.get_untracked() }, false);
    };

    view! {
        <div class="toolbar" role="search">
            <div class="status-toggles" role="group" aria-label="Status">
                {Status::ALL
                    .into_iter()
                    .map(|status| view! {
                        <button
                            type="button"
                            class="toggle"
                            aria-pressed=move || query.with(|q| q.status.contains(status)).to_string()
                            on:click=move |_| toggle(status)
                        >
                            {status.label()}
                        </button>
                    })
                    .collect_view()}
            </div>
            <label class="select">
                <span class="visually-hidden">"Permissions"</span>
                <select aria-label="Permissions" on:change=on_permission>
                    <option value="" selected=move || selected(None)>"All permissions"</option>
                    {Permission::ALL
                        .into_iter()
                        .map(|p| view! { <option value=p.as_str() selected=move || selected(Some(p))>{p.label()}</option> })
                        .collect_view()}
                </select>
            </label>
            <label class="select">
                <span class="label" aria-hidden="true">"Usage"</span>
                <select aria-label="Usage" on:change=on_usage>
                    {UsageFilter::ALL
                        .into_iter()
                        .map(|u| view! { <option value=u.as_str() selected=move || query.with(|q| q.usage == u)>{u.label()}</option> })
                        .collect_view()}
                </select>
            </label>
            <input
                type="search"
                aria-label="Search"
                placeholder="Search by name or creator"
                value=query.with_untracked(|q| q.search.clone())
                prop:value=move || query.with(|q| q.search.clone())
                on:input=on_search
            />
            <a class="download" href=move || query.with(|q| format!("{EXPORT_PATH}?{}", q.to_url_query())) download="">"Download CSV"</a>
        </div>
        {lifecycle_filters(query)}
    }
}

/// The filters on a key's life that the URL sets (`expires_within`, `expired_within`,
/// `replaced`): each a chip whose link shows the view without it. None set: the list is empty,
/// and the style sheet hides it.
fn lifecycle_filters(query: Memo<KeyQuery>) -> impl IntoView {
    let page = expect_context::<PageContext>();
    view! {
        <ul class="filter-chips" aria-label="Other filters">
            {move || query.with(KeyQuery::lifecycle_filters).into_iter().map(|(label, without)| {
                let href = page.state.with(|state| state.with_query(without).href());
                view! { <li>{label.clone()}<a href=href aria-label=format!("Remove filter: {label}")>"×"</a></li> }
            }).collect_view()}
        </ul>
    }
}
