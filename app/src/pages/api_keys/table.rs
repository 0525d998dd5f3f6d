//! The table of keys: sortable headers, one row per key, the count and the pager.

use super::PageContext;
use super::delete_dialog::DeleteDialog;
use super::view_state::Panel;
use crate::api_keys::server_fns::set_key_enabled;
use crate::api_keys::status;
use crate::api_keys::{ApiKey, KeyPage, KeyQuery, SortColumn, SortDirection};
use crate::widgets::{PageClock, StatusIcon, Timestamp};
use chrono::{DateTime, Utc};
use leptos::prelude::*;

#[component]
pub fn KeyTable(keys: KeyPage) -> impl IntoView {
    let page = expect_context::<PageContext>();
    let query = page.state.get_untracked().query;
    let read_at = keys.read_at;
    let count = match keys.total {
        1 => "1 API key".to_owned(),
        n => format!("{n} API keys"),
    };
    if keys.keys.is_empty() {
        let filtered = query != KeyQuery::default();
        return view! {
            <div class="empty" role="status">
                <p>{if filtered { "No API keys match these filters." } else { "There are no API keys yet." }}</p>
                <Show when=move || filtered>
                    <button type="button" on:click=move |_| page.set_query(KeyQuery::default(), false)>"Clear filters"</button>
                </Show>
            </div>
        }
        .into_any();
    }
    let pages = keys.total.div_ceil(keys.page_size).max(1);
    let current = keys.page;
    let to_page = move |n: u64| page.set_query(KeyQuery { page: n, ..page.state.get_untracked().query }, false);
    view! {
        <p class="count" role="status">{count}</p>
        <div class="table-wrap">
            <table class="keys">
                <thead>
                    <tr>
                        <th scope="col">"Enabled"</th>
                        <SortHeader label="Status" column=SortColumn::Status query=query.clone()/>
                        <SortHeader label="Name" column=SortColumn::Name query=query.clone()/>
                        <th scope="col">"Permissions"</th>
                        <SortHeader label="Created" column=SortColumn::Created query=query.clone()/>
                        <SortHeader label="Created By" column=SortColumn::CreatedBy query=query.clone()/>
                        <SortHeader label="Expires" column=SortColumn::Expires query=query.clone()/>
                        <th scope="col"><span class="visually-hidden">"Actions"</span></th>
                    </tr>
                </thead>
                <tbody>
                    {keys.keys.into_iter().map(|key| view! { <KeyRow key read_at/> }).collect_view()}
                </tbody>
            </table>
        </div>
        <Show when=move || { pages > 1 }>
            <nav class="pager" aria-label="Pages">
                <button type="button" disabled=current == 0 on:click=move |_| to_page(current - 1)>"Previous"</button>
                <span>{format!("Page {} of {pages}", current + 1)}</span>
                <button type="button" disabled=current + 1 >= pages on:click=move |_| to_page(current + 1)>"Next"</button>
            </nav>
        </Show>
    }
    .into_any()
}

/// A column header that sorts the table; it says how it is sorted through `aria-sort`.
#[component]
fn SortHeader(label: &'static str, column: SortColumn, query: KeyQuery) -> impl IntoView {
    let page = expect_context::<PageContext>();
    let active = query.sort == column;
    let aria_sort = match (active, query.direction) {
        (false, _) => "none",
        (true, SortDirection::Asc) => "ascending",
        (true, SortDirection::Desc) => "descending",
    };
    let next_direction = match (active, query.direction) {
        (true, SortDirection::Asc) => SortDirection::Desc,
        (true, SortDirection::Desc) => SortDirection::Asc,
        // Dates read best newest first; words, A to Z.
        (false, _) if column == SortColumn::Created => SortDirection::Desc,
        (false, _) => SortDirection::Asc,
    };
    let arrow = match aria_sort {
        "ascending" => "▲",
        "descending" => "▼",
        _ => "",
    };
    let sort = move |_| {
        let query = KeyQuery { sort: column, direction: next_direction, page: 0, ..page.state.get_untracked().query };
        page.set_query(query, false);
    };
    view! {
        <th scope="col" aria-sort=aria_sort>
            <button type="button" class="sort" on:click=sort>{label}<span aria-hidden="true">{arrow}</span></button>
        </th>
    }
}

#[component]
fn KeyRow(key: ApiKey, read_at: DateTime<Utc>) -> impl IntoView {
    let page = expect_context::<PageContext>();
    let clock = PageClock::expect();
    let id = key.id;
    let name = key.name.clone();
    let expires_at = key.expires_at;
    let enabled = RwSignal::new(key.enabled);
    let toggle_error = RwSignal::new(None::<String>);
    let confirming_delete = RwSignal::new(false);
    let status = Signal::derive(move || status::status(enabled.get(), expires_at, clock.now_at_least(read_at)));

    // Saves at once; shows that it is saving; flips back and says why if the save fails.
    let toggle = Action::new(move |on: &bool| {
        let on = *on;
        async move { (on, set_key_enabled(id, on).await) }
    });
    Effect::new(move |_| {
        if let Some((on, result)) = toggle.value().get() {
            match result {
                Ok(_) => toggle_error.set(None),
                Err(error) => {
                    enabled.set(!on);
                    toggle_error.set(Some(error.to_string()));
                }
            }
        }
    });
    let details_href = page.state.get_untracked().with_panel(Some(Panel::Details(id))).href();

    view! {
        <tr data-key-id=id.to_string()>
            <td>
                <input
                    type="checkbox"
                    role="switch"
                    aria-label=format!("Enabled: {name}")
                    aria-busy=move || toggle.pending().get().to_string()
                    prop:checked=enabled
                    disabled=move || toggle.pending().get()
                    on:change=move |ev| {
                        let on = event_target_checked(&ev);
                        enabled.set(on);
                        toggle.dispatch(on);
                    }
                />
                {move || toggle_error.get().map(|e| view! { <span class="row-error" role="alert">{e}</span> })}
            </td>
            <td><StatusIcon status/></td>
            <td class="name">
                <a href=details_href class="key-name">{name.clone()}</a>
                <span class="prefix" title="The start of this key's secret">{key.display_prefix.clone()}"…"</span>
            </td>
            <td>{key.permission.label()}</td>
            <td><Timestamp at=key.created_at read_at/></td>
            <td class="creator">{key.created_by.clone()}</td>
            <td>
                {match expires_at {
                    Some(at) => view! { <Timestamp at read_at/> }.into_any(),
                    None => view! { <span class="muted">"never"</span> }.into_any(),
                }}
            </td>
            <td class="actions">
                <button type="button" class="icon" aria-label=format!("Copy {name}") title="Copy"
                    on:click=move |_| page.open(Some(Panel::Copy(id)))>"⧉"</button>
                <button type="button" class="icon danger" aria-label=format!("Delete {name}") title="Delete"
                    on:click=move |_| confirming_delete.set(true)>"🗑"</button>
                <Show when=move || confirming_delete.get()>
                    <DeleteDialog id name=name.clone() open=confirming_delete/>
                </Show>
            </td>
        </tr>
    }
}
