//! The table of keys: the notices above it, sortable headers, one row per key, the count and the
//! pager.
//!
//! The table stays mounted while its data changes: rows are keyed by key id and version, so a
//! new search result reuses every row it shares with the last one and builds only the rest. A
//! row built anew keeps the keyboard focus its old one had ([`RowFocus`]).

use super::browser_table::OwnChange;
use super::disable_dialog::DisableQuestion;
use super::row_focus::RowFocus;
use super::view_state::Panel;
use super::{PageContext, reason_id};
use crate::api_keys::{ApiKey, KeyPage, KeyQuery, SortColumn, SortDirection};
use crate::api_keys::{rotation, status};
use crate::auth::Action;
use crate::error::AppError;
use crate::usage::summary::thousands;
use crate::widgets::{PageClock, StatusIcon, Timestamp};
use crate::wire::WireResource;
use chrono::{DateTime, Utc};
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
    let read_at = Signal::derive(move || loaded.with(|p| p.as_ref().map(|p| p.read_at)).unwrap_or_default());
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
    let focus = RowFocus::new();
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
                    <tbody on:focusin=move |ev| focus.remember(&ev)>
                        <For
                            each=move || loaded.with(|p| p.as_ref().map(KeyPage::rows).unwrap_or_default())
                            key=|(key, week, leaving)| (key.id, key.version, *week, *leaving)
                            let:row
                        >
                            <KeyRow key=row.0 week=row.1 leaving=row.2 read_at selectable page_ids focus/>
                        </For>
                    </tbody>
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

/// A date, or "never" (a key that never expires, or was never used). Plain functions rather
/// than components for the row's small parts: each erased component costs the main wasm.
fn timestamp_or_never(at: Option<DateTime<Utc>>, read_at: Signal<DateTime<Utc>>) -> AnyView {
    match at {
        Some(at) => view! { <Timestamp at read_at/> }.into_any(),
        None => view! { <span class="muted">"never"</span> }.into_any(),
    }
}

/// A key's valid verifications over the last 7 days: the total, and a bar per UTC day.
fn week_of_uses(name: &str, week: [u64; 7]) -> impl IntoView + use<> {
    let total: u64 = week.iter().sum();
    let highest = week.iter().copied().max().unwrap_or(0).max(1) as f64;
    // One path for the seven bars: a row holds as few elements as it can (a search re-renders
    // whole rows).
    let bars: String = week
        .iter()
        .enumerate()
        .filter(|(_, uses)| **uses > 0)
        .map(|(day, &uses)| {
            let height = (uses as f64 / highest * 14.0).max(1.0);
            format!("M{} 14v-{height:.1}h5v{height:.1}z", day * 6)
        })
        .collect();
    let label = format!("{name}: {} verifications in the last 7 days", thousands(total));
    view! {
        <span class="week" role="img" aria-label=label.clone() title=label>
            <span class="week-total" aria-hidden="true">{thousands(total)}</span>
            <svg class="sparkline" aria-hidden="true" viewBox="0 0 41 14" width="41" height="14"><path d=bars/></svg>
        </span>
    }
}

#[component]
fn KeyRow(
    key: ApiKey,
    week: [u64; 7],
    /// Changed elsewhere and no longer in the view: marked, and gone at the next change of view.
    leaving: bool,
    read_at: Signal<DateTime<Utc>>,
    /// Whether the row has its `Select NAME` box.
    selectable: bool,
    /// The page's keys (picking one by hand while "all matching" was on keeps the others).
    page_ids: Signal<Vec<Uuid>>,
    /// The table's focused row control, given back to this row if it was in its old one.
    focus: RowFocus,
) -> impl IntoView {
    let page = expect_context::<PageContext>();
    let clock = PageClock::expect();
    let id = key.id;
    focus.give_back(id);
    let name = key.name.clone();
    let expires_at = key.expires_at;
    let enabled = RwSignal::new(key.enabled);
    let saving = RwSignal::new(false);
    let toggle_error = RwSignal::new(None::<String>);
    let status = Signal::derive(move || status::status(enabled.get(), expires_at, clock.now_at_least(read_at.get())));

    // Saves at once; shows that it is saving; flips back and says why if the save fails. A key
    // that answered valid in the last 24 hours is switched off only after the admin confirms,
    // having read who still uses it (see `flip_enabled`).
    let toggle_name = name.clone();
    let toggle = move |on: bool| {
        enabled.set(on);
        saving.set(true);
        let switch = Switch { page, id, name: toggle_name.clone(), on, enabled, saving, error: toggle_error };
        leptos::task::spawn_local(flip_enabled(switch));
    };
    let details_href = move || page.state.with(|s| s.with_panel(Some(Panel::Details(id))).href());
    let delete_name = name.clone();
    let copy_name = name.clone();
    let rotate_name = name.clone();
    let may_update = page.may(Action::UpdateKey);
    let replaced = key.replaced_by.is_some();
    let restricted = key.restrictions.mode == crate::api_keys::restrictions::RestrictionMode::Enforce;
    // Why this key cannot be rotated now (expired, disabled, already being replaced), if so.
    let rules_key = key.clone();
    let cannot_rotate = Signal::derive(move || {
        let key = ApiKey { enabled: enabled.get(), ..rules_key.clone() };
        rotation::rotation_refusal(&key, clock.now_at_least(read_at.get()))
    });

    view! {
        // A leaving row is marked by the style sheet: "No longer matches" in its Name cell.
        <tr data-key-id=id.to_string() class=leaving.then_some("leaving")>
            {selectable.then(|| view! {
                <td class="pick">
                    <input type="checkbox" aria-label=format!("Select {name}")
                        prop:checked=move || page.picked.with(|p| p.contains(id))
                        on:change=move |ev| {
                            let on = event_target_checked(&ev);
                            page.picked.update(|p| *p = page_ids.with_untracked(|ids| p.with(id, on, ids)));
                        }/>
                </td>
            })}
            <td>
                <input
                    type="checkbox"
                    role="switch"
                    aria-label=format!("Enabled: {name}")
                    aria-busy=move || saving.get().to_string()
                    // The attribute is for the server's HTML; the property keeps it current after.
                    checked=key.enabled
                    prop:checked=enabled
                    // Not disabled while saving (that would drop the keyboard focus): a click
                    // then is refused, and aria-busy says why.
                    disabled=!may_update
                    aria-disabled=(!may_update).then_some("true")
                    aria-describedby=(!may_update).then_some(reason_id(Action::UpdateKey))
                    title=(!may_update).then_some(Action::UpdateKey.refusal())
                    on:click=move |ev| if saving.get_untracked() { ev.prevent_default() }
                    on:change=move |ev| toggle(event_target_checked(&ev))
                />
                {move || toggle_error.get().map(|e| view! { <span class="row-error" role="alert">{e}</span> })}
            </td>
            <td><StatusIcon status expires_at/></td>
            <td class="name">
                <a href=details_href class="key-name">{name.clone()}</a>
                {replaced.then(|| view! { <span class="badge replaced" title="A rotation replaced this key; it works until its expiry">"Replaced"</span> })}
                {restricted.then(|| view! { <span class="badge restricted" title="Works only from its allowed origins or networks">"Restricted"</span> })}
                <span class="prefix" title="The start of this key's secret">{key.display_prefix}"…"</span>
            </td>
            <td class="wide-only">{key.permission.label()}</td>
            <td><Timestamp at=key.created_at read_at/></td>
            <td class="creator wide-only">{key.created_by}</td>
            <td class="wide-only">{timestamp_or_never(expires_at, read_at)}</td>
            <td class="wide-only">{timestamp_or_never(key.last_used_at, read_at)}</td>
            <td>{week_of_uses(&name, week)}</td>
            <td class="actions">
                {page.may(Action::CreateKey).then(|| view! {
                    <button type="button" class="icon i i-copy" aria-label=format!("Copy {copy_name}") title="Copy"
                        on:click=move |_| page.open(Some(Panel::Copy(id)))></button>
                })}
                {(page.may(Action::CreateKey) && may_update).then(|| view! {
                    <button type="button" class="icon i i-rotate" aria-label=format!("Rotate {rotate_name}")
                        aria-disabled=move || cannot_rotate.get().map(|_| "true")
                        title=move || cannot_rotate.get().unwrap_or_else(|| "Rotate".to_owned())
                        on:click=move |_| if cannot_rotate.with_untracked(Option::is_none) { page.open(Some(Panel::Rotate(id))) }></button>
                })}
                {page.may(Action::DeleteKey).then(|| view! {
                    <button type="button" class="icon danger i i-delete" aria-label=format!("Delete {delete_name}") title="Delete"
                        on:click=move |_| page.deleting.set(Some((id, delete_name.clone())))></button>
                })}
            </td>
        </tr>
    }
    .into_any()
}

/// A flip of a row's Enabled switch.
#[derive(Clone)]
struct Switch {
    page: PageContext,
    id: Uuid,
    name: String,
    on: bool,
    /// The switch's state on screen, flipped back if the save fails.
    enabled: RwSignal<bool>,
    saving: RwSignal<bool>,
    error: RwSignal<Option<String>>,
}

/// Saves a flip of the switch; switching off asks first (the Disable question). This code (the
/// question's wiring, the server function's client) is needed only at the first click, so it
/// lives in a lazily loaded wasm file.
#[lazy]
async fn flip_enabled(switch: Switch) {
    if switch.on {
        return save_enabled(switch).await;
    }
    let Switch { page, id, ref name, enabled, saving, .. } = switch;
    let asked = switch.clone();
    let answer = Callback::new(move |disable: bool| {
        if disable {
            leptos::task::spawn_local(save_enabled(asked.clone()));
        } else {
            enabled.set(true);
            saving.set(false);
        }
    });
    // One question at a time: one still open for another key is answered "leave it on".
    if let Some(open) = page.disabling.get_untracked() {
        open.answer.run(false);
    }
    page.disabling.set(Some(DisableQuestion { id, name: name.clone(), answer }));
}

async fn save_enabled(switch: Switch) {
    let Switch { page, id, on, enabled, saving, error, .. } = switch;
    match crate::api_keys::server_fns::set_key_enabled(id, on).await {
        Ok(key) => {
            error.set(None);
            page.table.took(OwnChange::Saved(key));
        }
        Err(failure) => {
            enabled.set(!on);
            error.set(Some(failure.to_string()));
        }
    }
    saving.set(false);
}
