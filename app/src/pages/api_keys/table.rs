//! The table of keys: the notices above it, sortable headers, one row per key, the count and the
//! pager.
//!
//! The table stays mounted while its data changes. Its rows are HTML ([`super::row_markup`]): the
//! server writes the first screen's into the table body, and after that the browser writes
//! them, keeping the rows that did not change ([`super::rows_on_screen`]). The body handles the
//! rows' controls ([`RowActions`]).

use super::PageContext;
use super::row_actions::RowActions;
use crate::api_keys::{KeyPage, KeyQuery, SortColumn, SortDirection};
use crate::auth::Action;
use crate::error::AppError;
use crate::wire::WireResource;
use leptos::prelude::*;
use uuid::Uuid;

#[component]
pub fn KeyTable(
    keys: WireResource<Result<KeyPage, AppError>>,
    /// The ids of the keys shown (for picking the whole page).
    page_ids: Signal<Vec<Uuid>>,
) -> impl IntoView {
    let page = expect_context::<PageContext>();
    let loaded = Memo::new(move |_| keys.get().and_then(Result::ok));
    let total = move || loaded.with(|p| p.as_ref().map_or(0, |p| p.total));
    let is_empty = move || loaded.with(|p| p.as_ref().is_some_and(|p| p.keys.is_empty()));
    let filtered = move || page.state.with(|s| s.query.is_filtered());
    let count = move || match total() {
        1 => "1 API key".to_owned(),
        n => format!("{n} API keys"),
    };
    let pages = move || loaded.with(|p| p.as_ref().map_or(1, |p| p.total.div_ceil(p.page_size).max(1)));
    let current = move || loaded.with(|p| p.as_ref().map_or(0, |p| p.page));
    let to_page = move |n: u64| page.set_query(KeyQuery { page: n, ..page.state.get_untracked().query }, false);
    // Picking keys for bulk actions, for those who may change or delete keys.
    let selectable = page.may(Action::UpdateKey) || page.may(Action::DeleteKey);
    let actions = RowActions::new(page, loaded, page_ids);
    let tbody = NodeRef::<leptos::html::Tbody>::new();
    #[cfg(feature = "hydrate")]
    super::rows_on_screen::follow(tbody, actions, crate::widgets::PageClock::expect());
    // The server writes the first screen's rows; hydration leaves them as they are.
    #[cfg(feature = "ssr")]
    let first_rows = move || loaded.with(|keys| keys.as_ref().map(|keys| server_rows(page, keys)).unwrap_or_default());
    #[cfg(not(feature = "ssr"))]
    let first_rows = String::new();
    let all_on_page = move || {
        page_ids.with(|ids: &Vec<Uuid>| !ids.is_empty() && page.picked.with(|p| ids.iter().all(|&id| p.contains(id))))
    };

    view! {
        // Failures reach the surrounding ErrorBoundary.
        {move || keys.get().map(|result| result.map(|_| ()))}
        {super::notices::notice_list(loaded)}
        <Show
            when=move || !is_empty()
            fallback=move || view! {
                <div class="empty" role="status">
                    <p>{move || if filtered() { "No API keys match these filters." } else { "There are no API keys yet." }}</p>
                    <Show when=filtered>
                        <button type="button" on:click=move |_| {
                        let query = page.state.get_untracked().query;
                        page.set_query(KeyQuery { sort: query.sort, direction: query.direction, ..KeyQuery::default() }, false);
                    }>"Clear filters"</button>
                    </Show>
                </div>
            }
        >
            <p class="count" role="status">{count}</p>
            <div class="table-wrap">
                <table class="keys" data-source=move || page.table.source()>
                    <thead>
                        <tr>
                            {selectable.then(|| view! {
                                <th scope="col" class="pick">
                                    <input type="checkbox" aria-label="Select all on this page" prop:checked=all_on_page
                                        on:change=move |ev| {
                                            let on = event_target_checked(&ev);
                                            page.picked.update(|p| *p = page_ids.with_untracked(|ids| p.with_page(ids, on)));
                                        }/>
                                </th>
                            })}
                            <th scope="col">"Enabled"</th>
                            <SortHeader label="Status" column=SortColumn::Status/>
                            <SortHeader label="Name" column=SortColumn::Name/>
                            <th scope="col" class="wide-only">"Permissions"</th>
                            <SortHeader label="Created" column=SortColumn::Created/>
                            <SortHeader label="Created By" column=SortColumn::CreatedBy wide_only=true/>
                            <SortHeader label="Expires" column=SortColumn::Expires wide_only=true/>
                            <SortHeader label="Last Used" column=SortColumn::LastUsed wide_only=true/>
                            <SortHeader label="Last 7 days" column=SortColumn::Last7Days/>
                            <th scope="col"><span class="visually-hidden">"Actions"</span></th>
                        </tr>
                    </thead>
                    <tbody
                        node_ref=tbody
                        inner_html=first_rows.clone()
                        on:click=move |ev| actions.on_click(ev)
                        on:change=move |ev| actions.on_change(ev)
                    ></tbody>
                </table>
            </div>
            <Show when=move || { pages() > 1 }>
                <nav class="pager" aria-label="Pages">
                    <button type="button" disabled=move || current() == 0 on:click=move |_| to_page(current() - 1)>"Previous"</button>
                    <span>{move || format!("Page {} of {}", current() + 1, pages())}</span>
                    <button type="button" disabled=move || current() + 1 >= pages() on:click=move |_| to_page(current() + 1)>"Next"</button>
                </nav>
            </Show>
        </Show>
    }
    .into_any()
}

/// A column header that sorts the table; it says how it is sorted through `aria-sort`.
#[component]
fn SortHeader(
    label: &'static str,
    column: SortColumn,
    /// Hidden on narrow screens.
    #[prop(optional)]
    wide_only: bool,
) -> impl IntoView {
    let page = expect_context::<PageContext>();
    let sorted = move || page.state.with(|s| (s.query.sort == column).then_some(s.query.direction));
    let aria_sort = move || match sorted() {
        None => "none",
        Some(SortDirection::Asc) => "ascending",
        Some(SortDirection::Desc) => "descending",
    };
    let arrow = move || match sorted() {
        None => "sort-mark i i-sort-none",
        Some(SortDirection::Asc) => "sort-mark i i-sort-asc",
        Some(SortDirection::Desc) => "sort-mark i i-sort-desc",
    };
    let sort = move |_| {
        let direction = match sorted() {
            Some(SortDirection::Asc) => SortDirection::Desc,
            Some(SortDirection::Desc) => SortDirection::Asc,
            // Creation and use read best newest first; words and expiry dates, first to last.
            None if matches!(column, SortColumn::Created | SortColumn::LastUsed | SortColumn::Last7Days) => {
                SortDirection::Desc
            }
            None => SortDirection::Asc,
        };
        let query = KeyQuery { sort: column, direction, page: 0, ..page.state.get_untracked().query };
        page.set_query(query, false);
    };
    view! {
        <th scope="col" class=wide_only.then_some("wide-only") aria-sort=aria_sort>
            <button type="button" class="sort" on:click=sort>{label}<span class=arrow aria-hidden="true"></span></button>
        </th>
    }
}

/// The first screen's rows, as the server writes them: dates in UTC against the instant the
/// keys were read, nothing picked or being saved.
#[cfg(feature = "ssr")]
fn server_rows(page: PageContext, keys: &KeyPage) -> String {
    let view = page.state.get_untracked();
    let context =
        super::row_markup::RowContext { now: keys.read_at, local_dates: false, rights: page.rights, view: &view };
    keys.rows()
        .map(|(key, week, leaving)| super::row_markup::Row { key, week, leaving, picked: false, flip: None })
        .map(|row| super::row_markup::row_html(&context, &row).html)
        .collect()
}
