//! The API Keys page: the guide's table of keys, its filters, and the panels to create, copy,
//! edit and delete keys. Every view state lives in the URL (see [`view_state`]), so a filtered
//! view can be shared, is rendered on the server, and Back/Forward step through it.

mod browser_table;
mod bulk;
mod confirm_dialog;
mod delete_dialog;
mod disable_dialog;
mod flips;
mod key_panel;
mod key_rotation;
mod key_usage;
mod notices;
mod row_actions;
mod row_markup;
#[cfg(feature = "hydrate")]
mod rows_on_screen;
mod table;
mod toolbar;
pub mod view_state;

use crate::api_keys::server_fns::list_keys;
use crate::api_keys::{ApiKey, KeyQuery};
use crate::auth::{Action, CurrentUser, Rights, use_current_user};
use crate::widgets::PageClock;
use leptos::prelude::*;
use leptos_meta::Title;
use leptos_router::NavigateOptions;
use leptos_router::hooks::{use_navigate, use_query_map};
use uuid::Uuid;
use view_state::{Panel, ViewState};

/// What the page's parts share: the view state and a way to change it.
#[derive(Clone, Copy)]
pub(crate) struct PageContext {
    /// The view shown: the URL's, or a search being typed that the URL is about to say.
    pub state: Memo<ViewState>,
    /// The URL's view.
    from_url: Memo<ViewState>,
    /// A search typed that the URL does not say yet (see [`Self::go`]).
    typed: RwSignal<Option<ViewState>>,
    /// Bumped after every change, so the table reloads.
    pub changes: RwSignal<u64>,
    /// The key whose deletion is being confirmed: its id and name.
    pub deleting: RwSignal<Option<(Uuid, String)>>,
    /// A key in use that the admin is switching off, waiting for their answer.
    pub disabling: RwSignal<Option<disable_dialog::DisableQuestion>>,
    /// The keys picked for a bulk action.
    pub picked: RwSignal<bulk::Picked>,
    /// The browser's copy of the keys, once it holds one.
    pub table: browser_table::BrowserTable,
    /// The signed-in user's rights: what the page offers (the server checks again).
    pub rights: Rights,
    navigate: Callback<(String, bool)>,
}

/// How long typing in Search pauses before the URL says what was typed.
const TYPED_URL_PAUSE: std::time::Duration = std::time::Duration::from_millis(250);

impl PageContext {
    pub fn may(&self, action: Action) -> bool {
        action.allowed(self.rights)
    }

    /// Shows `state`. `replace` rewrites the current history entry (typing in Search) instead
    /// of adding one (a real change of view, which Back should undo).
    ///
    /// A typed search shows at once and reaches the URL when typing pauses
    /// ([`TYPED_URL_PAUSE`]): writing the URL (the router's parsing, `history.replaceState`)
    /// costs a few milliseconds, which would otherwise delay every keystroke's frame or the
    /// next keystroke.
    pub fn go(&self, state: ViewState, replace: bool) {
        if replace {
            self.typed.set(Some(state.clone()));
            let page = *self;
            let url = self.from_url.get_untracked();
            set_timeout(move || page.write_typed(&state, &url), TYPED_URL_PAUSE);
        } else {
            if let Some(typed) = self.typed.get_untracked() {
                self.write_typed(&typed, &self.from_url.get_untracked());
            }
            self.navigate.run((state.href(), false));
        }
    }

    /// Writes the typed view `typed` into the URL, if it is still the one shown (a newer
    /// keystroke writes its own) and the URL still says `url` (Back or Forward meanwhile: the
    /// view they brought stays).
    fn write_typed(&self, typed: &ViewState, url: &ViewState) {
        if self.typed.try_with_untracked(|shown| shown.as_ref() != Some(typed)) != Some(false) {
            return;
        }
        if self.from_url.with_untracked(|now| now == url) {
            self.navigate.run((typed.href(), true));
        }
        self.typed.set(None);
    }

    pub fn set_query(&self, query: KeyQuery, replace: bool) {
        self.go(self.state.get_untracked().with_query(query), replace);
    }

    pub fn open(&self, panel: Option<Panel>) {
        self.go(self.state.get_untracked().with_panel(panel), false);
    }

    pub fn changed(&self) {
        self.changes.update(|n| *n += 1);
    }

    /// The page saved `key` itself (see [`Self::changed`] for several or unknown keys).
    pub fn saved(&self, key: ApiKey) {
        self.table.took(browser_table::OwnChange::Saved(key));
        self.changed();
    }

    /// The page deleted key `id` itself.
    pub fn deleted(&self, id: Uuid) {
        self.table.took(browser_table::OwnChange::Deleted(id));
        self.changed();
    }
}

/// The id of the page's note saying why `action` is not offered (for `aria-describedby`).
pub(crate) fn reason_id(action: Action) -> &'static str {
    match action {
        Action::ViewKeys => "why-not-view",
        Action::CreateKey => "why-not-create",
        Action::UpdateKey => "why-not-update",
        Action::DeleteKey => "why-not-delete",
        Action::ManageWebhooks => "why-not-manage-webhooks",
        Action::SetOwnPreferences => "why-not-set-preferences",
    }
}

/// The page once the signed-in user is known (the server sends pages only to signed-in users).
#[component]
pub fn ApiKeysPage() -> impl IntoView {
    let user = use_current_user();
    view! {
        <Suspense fallback=|| view! { <p class="loading">"Loading API keys…"</p> }>
            {move || Suspend::new(async move {
                match user.await {
                    Ok(Some(user)) if user.may(Action::ViewKeys) => view! { <KeysView user/> }.into_any(),
                    Ok(Some(_)) => view! {
                        <section class="api-keys"><h1>"API Keys"</h1><p class="error" role="alert">{Action::ViewKeys.refusal()}</p></section>
                    }.into_any(),
                    Ok(None) => view! { <p class="error" role="alert">"Sign in to see API keys."</p> }.into_any(),
                    Err(error) => view! { <p class="error" role="alert">{error.to_string()}</p> }.into_any(),
                }
            })}
        </Suspense>
    }
}

#[component]
fn KeysView(user: CurrentUser) -> impl IntoView {
    let params = use_query_map();
    let from_url = Memo::new(move |_| params.with(|p| ViewState::from_url_params(|k| p.get(k))));
    let typed = RwSignal::new(None::<ViewState>);
    let state = Memo::new(move |_| typed.get().unwrap_or_else(|| from_url.get()));
    // Back or Forward while a typed search waits for its URL: the view they bring shows at once.
    Effect::watch(
        move || from_url.track(),
        move |_, _, _| {
            if typed.with_untracked(Option::is_some) {
                typed.set(None);
            }
        },
        false,
    );
    let navigate = use_navigate();
    let page = PageContext {
        state,
        from_url,
        typed,
        changes: RwSignal::new(0),
        deleting: RwSignal::new(None),
        disabling: RwSignal::new(None),
        picked: RwSignal::new(Default::default()),
        table: browser_table::BrowserTable::new(),
        rights: user.rights,
        navigate: Callback::new(move |(href, replace): (String, bool)| {
            navigate(&href, NavigateOptions { replace, scroll: false, ..Default::default() })
        }),
    };
    provide_context(page);
    PageClock::provide();

    let query = Memo::new(move |_| state.with(|s| s.query.clone()));
    // Only a change of panel makes a new one (not a search typed, or a usage range chosen).
    let panel = Memo::new(move |_| state.with(|s| s.panel));
    // The server's page for the first screen; after that, the browser's own when it holds the
    // whole list (see `browser_table`).
    let keys = Resource::new_serde_wb(
        move || (query.get(), page.changes.get(), page.table.revision.get()),
        move |(query, _, _)| async move {
            let read = async {
                match page.table.page(query.clone()).await {
                    Some(from_copy) => Ok(from_copy),
                    None => list_keys(query.clone()).await,
                }
            };
            // The server's first screen reads what needs attention beside the keys.
            #[cfg(feature = "ssr")]
            let mut result = {
                let (mut result, notices) = futures::join!(read, crate::api_keys::server_fns::load_key_notices());
                if let Ok(first_screen) = &mut result {
                    first_screen.notices = notices.ok();
                }
                result
            };
            #[cfg(not(feature = "ssr"))]
            let mut result = read.await;
            if let Ok(shown) = &mut result {
                page.table.showing(&query, shown);
            }
            result
        },
    );
    #[cfg(feature = "hydrate")]
    {
        if let Some(owner) = Owner::current() {
            Effect::new(move |_| {
                leptos::task::spawn_local(browser_table::follow(page, owner.clone()));
            });
        }
    }
    // Another view (filters or sort, not its page) starts with nothing picked.
    let view = Memo::new(move |_| KeyQuery { page: 0, ..query.get() });
    Effect::new(move |previous: Option<KeyQuery>| {
        let current = view.get();
        if previous.is_some_and(|previous| previous != current) {
            page.picked.set(Default::default());
        }
        current
    });
    let total = Signal::derive(move || keys.get().and_then(Result::ok).map_or(0, |page| page.total));
    let page_ids = Signal::derive(move || {
        keys.get().and_then(Result::ok).map(|page| page.keys.iter().map(|k| k.id).collect()).unwrap_or_default()
    });

    view! {
        <Title text="API Keys · Keydesk"/>
        <section class="api-keys">
            <div class="page-head">
                <h1>"API Keys"</h1>
                {page.may(Action::CreateKey).then(|| view! {
                    <button class="primary" on:click=move |_| page.open(Some(Panel::New))>"+ Add API Key"</button>
                })}
            </div>
            // Why controls are missing or disabled, for aria-describedby and screen readers.
            {[Action::CreateKey, Action::UpdateKey, Action::DeleteKey]
                .into_iter()
                .filter(|&action| !page.may(action))
                .map(|action| view! { <p id=reason_id(action) class="rights-note">{action.refusal()}</p> })
                .collect_view()}
            <toolbar::Toolbar query/>
            <Transition fallback=|| view! { <p class="loading">"Loading API keys…"</p> }>
                <ErrorBoundary fallback=|errors| view! { <ErrorList errors/> }>
                    <table::KeyTable keys page_ids/>
                </ErrorBoundary>
            </Transition>
        </section>
        {move || (!page.picked.with(bulk::Picked::is_empty)).then(|| bulk::lazy_bar(total, page_ids))}
        {move || page.deleting.get().map(|(id, name)| lazy_question(Question::Delete(id, name)))}
        {move || page.disabling.get().map(|question| lazy_question(Question::Disable(question)))}
        {move || panel.get().map(open_panel)}
    }
}

/// The open panel, made at once when its code is here (always on the server; in the browser
/// once loaded, and before hydration when the page was served with a panel open, see
/// [`load_open_panel`]), so its resources are created where the server created them and
/// hydration finds their values; otherwise shown when its code arrives.
fn open_panel(panel: Panel) -> AnyView {
    use std::task::{Context, Poll, Waker};
    let mut made = Box::pin(panel_view(panel));
    match made.as_mut().poll(&mut Context::from_waker(Waker::noop())) {
        Poll::Ready(view) => view,
        Poll::Pending => view! {
            <Suspense fallback=|| view! { <aside class="panel" role="dialog" aria-label="Loading the panel" aria-busy="true"><p class="loading">"Loading…"</p></aside> }>
                {Suspend::new(made)}
            </Suspense>
        }
        .into_any(),
    }
}

/// The open panel. Its code (what it reads, the forms, their validation, the history) is not
/// needed to show or filter the table, so it lives in its own wasm file that the browser loads
/// when a panel first opens (`#[lazy]`; `cargo leptos build --split`). Its resources are made
/// here too, so their readers and types stay out of the main file.
#[lazy]
fn panel_view(panel: Panel) -> AnyView {
    // Untracked: when the code came late, this runs inside a `Suspend`, which would otherwise
    // make the panel anew whenever what its resources read at creation changed.
    let data = untrack(|| key_panel::PanelData::load(panel));
    view! { <key_panel::KeyPanel data/> }.into_any()
}

/// A question asked before a key stops working.
#[derive(Clone)]
enum Question {
    Delete(Uuid, String),
    Disable(disable_dialog::DisableQuestion),
}

fn lazy_question(question: Question) -> impl IntoView {
    view! { <Suspense>{Suspend::new(async move { question_view(question).await })}</Suspense> }
}

/// The delete and disable questions. Their code, and the usage they read, is not needed until
/// one is asked (never on a first screen), so it lives in its own wasm file like the panels'.
#[lazy]
fn question_view(question: Question) -> AnyView {
    match question {
        Question::Delete(id, name) => view! { <delete_dialog::DeleteDialog id name/> }.into_any(),
        Question::Disable(question) => view! { <disable_dialog::DisableDialog question/> }.into_any(),
    }
}

/// Loads the panels' wasm file now if the page was served with a panel open: hydration walks
/// the server's HTML in one go, so the open panel's code must be here before it starts (once
/// loaded, `panel_view` is ready at its first poll, see [`open_panel`]). The file is fetched
/// only after the main wasm has started; a `modulepreload` hint from the server could overlap
/// the two downloads.
#[cfg(feature = "hydrate")]
pub async fn load_open_panel(search: &str) {
    let params = web_sys::UrlSearchParams::new_with_str(search).ok();
    let state = ViewState::from_url_params(|key| params.as_ref().and_then(|p| p.get(key)));
    if state.panel.is_some() {
        __preload_panel_view().await;
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
