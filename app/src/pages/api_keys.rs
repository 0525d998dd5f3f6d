//! The API Keys page: the table of keys, found by a search written into the URL.

use crate::api_keys::server_fns::{list_keys, set_key_enabled};
use crate::api_keys::{ApiKey, KeyPage, KeyQuery, Status};
use crate::relative_time::relative_time;
use chrono::{DateTime, Utc};
use leptos::prelude::*;
use leptos_meta::Title;
use leptos_router::NavigateOptions;
use leptos_router::hooks::{use_navigate, use_query_map};

#[component]
pub fn ApiKeysPage() -> impl IntoView {
    let params = use_query_map();
    let query = Memo::new(move |_| params.with(|p| KeyQuery::from_url_params(|k| p.get(k))));
    let toggled = RwSignal::new(0u64);
    let page = Resource::new(move || (query.get(), toggled.get()), |(query, _)| list_keys(query));

    let navigate = use_navigate();
    let on_search = move |ev| {
        let view = KeyQuery { search: event_target_value(&ev), page: 0, ..query.get_untracked() };
        let url = format!("{}?{}", crate::API_KEYS_PATH, view.to_url_query());
        // Typing replaces the history entry rather than pushing one per keystroke.
        navigate(&url, NavigateOptions { replace: true, scroll: false, ..Default::default() });
    };

    view! {
        <Title text="API Keys · Keydesk"/>
        <section class="api-keys">
            <h1>"API Keys"</h1>
            <div class="toolbar">
                <input
                    type="search"
                    aria-label="Search"
                    placeholder="Search"
                    prop:value=move || query.with(|q| q.search.clone())
                    on:input=on_search
                />
            </div>
            <Transition fallback=|| view! { <p class="loading">"Loading API keys…"</p> }>
                <ErrorBoundary fallback=|errors| view! { <ErrorList errors/> }>
                    {move || Suspend::new(async move {
                        page.await.map(|page| view! { <KeyTable page toggled/> })
                    })}
                </ErrorBoundary>
            </Transition>
        </section>
    }
}

#[component]
fn KeyTable(page: KeyPage, toggled: RwSignal<u64>) -> impl IntoView {
    let now = page.read_at;
    let count = match page.total {
        1 => "1 API key".to_owned(),
        n => format!("{n} API keys"),
    };
    if page.keys.is_empty() {
        return view! { <p class="empty" role="status">"No API keys match."</p> }.into_any();
    }
    view! {
        <p class="count" role="status">{count}</p>
        <table class="keys">
            <thead>
                <tr>
                    <th scope="col">"Enabled"</th>
                    <th scope="col">"Status"</th>
                    <th scope="col">"Name"</th>
                    <th scope="col">"Permissions"</th>
                    <th scope="col">"Created"</th>
                    <th scope="col">"Created By"</th>
                </tr>
            </thead>
            <tbody>
                {page.keys.into_iter().map(|key| view! { <KeyRow key now toggled/> }).collect_view()}
            </tbody>
        </table>
    }
    .into_any()
}

#[component]
fn KeyRow(key: ApiKey, now: DateTime<Utc>, toggled: RwSignal<u64>) -> impl IntoView {
    let status = key.status(now);
    let id = key.id;
    let toggle = Action::new(move |enabled: &bool| set_key_enabled(id, *enabled));
    Effect::new(move |_| {
        if toggle.value().with(|v| v.is_some()) {
            toggled.update(|n| *n += 1);
        }
    });
    view! {
        <tr data-key-id=key.id.to_string()>
            <td>
                <input
                    type="checkbox"
                    role="switch"
                    aria-label=format!("Enabled: {}", key.name)
                    prop:checked=key.enabled
                    disabled=move || toggle.pending().get()
                    on:change=move |ev| { toggle.dispatch(event_target_checked(&ev)); }
                />
            </td>
            <td><StatusIcon status/></td>
            <td class="name">{key.name.clone()}</td>
            <td>{key.permission.label()}</td>
            <td><Timestamp at=key.created_at now/></td>
            <td>{key.created_by.clone()}</td>
        </tr>
    }
}

#[component]
fn StatusIcon(status: Status) -> impl IntoView {
    let (class, glyph) = match status {
        Status::Available => ("status available", "✓"),
        Status::SoonUnavailable => ("status soon", "!"),
        Status::Unavailable => ("status unavailable", "✕"),
    };
    view! {
        <span class=class role="img" aria-label=status.label() title=status.label()>{glyph}</span>
    }
}

/// A date shown relative to `now`, with the exact instant in `datetime` and on hover.
#[component]
fn Timestamp(at: DateTime<Utc>, now: DateTime<Utc>) -> impl IntoView {
    view! {
        <time datetime=at.to_rfc3339() title=at.format("%d-%m-%Y %H:%M UTC").to_string()>
            {relative_time(at, now)}
        </time>
    }
}

#[component]
fn ErrorList(errors: ArcRwSignal<Errors>) -> impl IntoView {
    view! {
        <div class="error" role="alert">
            {move || errors.get().into_iter().map(|(_, e)| view! { <p>{e.to_string()}</p> }).collect_view()}
        </div>
    }
}
