//! The page's half of the live stream (`GET /api/keys/live`, Server-Sent Events) and the loads of
//! the browser's copy. Runs only in the browser, from a lazily loaded wasm file.
//!
//! - After hydration the whole list is loaded once (or the server says the account is above its
//!   limit, and the table keeps asking it for each view).
//! - `key` events re-read that key (a key the server no longer has is gone); `keys` events and a
//!   reconnect read the whole list again; every 30 s (while the tab is visible) the page reads the
//!   usage figures of the keys used since. In server mode each of them re-reads the page on
//!   screen instead.
//! - A key read replaces the held one only if it is as new (by version): a slow answer never
//!   undoes a newer one. A key event that comes while the list loads makes it load again, so a
//!   load that read the database before the change cannot hide it.
//! - Own changes come back through the stream like everyone else's; while the stream is down,
//!   an own change reads the list again.
//! - The stream reconnects with backoff (1 s doubling to 30 s, with jitter) and stops when the
//!   page is left.
//! - A row whose key changed is built anew; if it held the focus (a keyboard user on its Enabled
//!   switch), the focus goes to the same control of the new row ([`FocusKeeper`]).

use super::{BrowserTable, reconnect_delay_millis};
use crate::api_keys::key_list::{HeldKeys, usage_refresh_overlap};
use crate::api_keys::query::LIVE_PATH;
use crate::api_keys::server_fns::{load_changed_key, load_key_list, load_usage_since};
use crate::error::AppError;
use crate::pages::api_keys::PageContext;
use gloo_timers::callback::{Interval, Timeout};
use leptos::prelude::*;
use send_wrapper::SendWrapper;
use std::cell::{Cell, RefCell};
use std::rc::Rc;
use uuid::Uuid;
use wasm_bindgen::JsCast;
use wasm_bindgen::closure::Closure;
use web_sys::{Event, EventSource, MessageEvent};

/// How often figures that change without a key change (last used, uses) are read again.
const REFRESH_MILLIS: u32 = 30_000;
/// In server mode, how long a burst of key changes may gather before the page is read again.
const REREAD_MILLIS: u32 = 100;
/// In server mode, when the page read again is on screen, about (the focus is then put back).
const SERVED_REBUILD_MILLIS: u32 = 500;

/// Loads the copy, opens the stream and refreshes every 30 s until `owner` (the page's view) is
/// cleaned up.
#[lazy]
pub(crate) async fn follow(page: PageContext, owner: Owner) {
    let table = page.table;
    let follower = Rc::new(Follower {
        page,
        table,
        stopped: Cell::new(false),
        loading: Cell::new(false),
        load_again: Cell::new(false),
        failures: Cell::new(0),
        opened: Cell::new(false),
        stream: RefCell::new(None),
        retired: RefCell::new(Vec::new()),
        retry: RefCell::new(None),
        refresh: RefCell::new(None),
        reread: RefCell::new(None),
        reread_due: Cell::new(false),
        focus: RefCell::new(None),
    });
    owner.with(|| {
        let stopping = SendWrapper::new(follower.clone());
        on_cleanup(move || stopping.stop());
        // An own change (the panels, the bulk bar) comes back through the stream; without one,
        // read the list again.
        let own = follower.clone();
        Effect::new(move |first: Option<()>| {
            page.changes.track();
            if first.is_some() && !own.is_open() {
                own.load();
            }
        });
        // Every change of the copy (the stream's, the page's own) may rebuild the focused row.
        let keeper = follower.clone();
        Effect::new(move |first: Option<()>| {
            page.table.revision.track();
            if first.is_some() {
                keeper.keep_focus(0);
            }
        });
    });
    // Subscribed first, then read: a change in between is not missed (see the `open` handler).
    follower.connect();
    *follower.focus.borrow_mut() = FocusKeeper::new();
    let refresher = follower.clone();
    *follower.refresh.borrow_mut() = Some(Interval::new(REFRESH_MILLIS, move || {
        let hidden = web_sys::window().and_then(|w| w.document()).is_some_and(|d| d.hidden());
        if !hidden {
            refresher.refresh_figures();
        }
    }));
}

struct Follower {
    page: PageContext,
    table: BrowserTable,
    stopped: Cell<bool>,
    loading: Cell<bool>,
    /// Something changed while the list was loading.
    load_again: Cell<bool>,
    /// Connection failures since the stream was last open.
    failures: Cell<u32>,
    /// Whether the stream was ever open.
    opened: Cell<bool>,
    stream: RefCell<Option<Stream>>,
    /// Failed streams, kept until the next connection: their handlers may be running.
    retired: RefCell<Vec<Stream>>,
    retry: RefCell<Option<Timeout>>,
    refresh: RefCell<Option<Interval>>,
    /// In server mode: the page on screen is read again shortly, once for a burst of changes.
    reread: RefCell<Option<Timeout>>,
    reread_due: Cell<bool>,
    focus: RefCell<Option<FocusKeeper>>,
}

/// An open `EventSource` and the handlers it calls (dropped with it).
struct Stream {
    source: EventSource,
    _handlers: Vec<Closure<dyn FnMut(Event)>>,
}

impl Follower {
    fn is_open(&self) -> bool {
        self.stream.borrow().as_ref().is_some_and(|stream| stream.source.ready_state() == EventSource::OPEN)
    }

    fn stop(&self) {
        self.stopped.set(true);
        if let Some(stream) = self.stream.borrow_mut().take() {
            stream.source.close();
        }
        // Their handlers hold the follower: dropped, nothing keeps it alive.
        self.retired.borrow_mut().clear();
        self.retry.borrow_mut().take();
        self.refresh.borrow_mut().take();
        self.reread.borrow_mut().take();
        if let Some(keeper) = self.focus.borrow_mut().take() {
            keeper.stop();
        }
    }

    /// Reads the whole list (in server mode: the page on screen too).
    fn catch_up(self: &Rc<Self>) {
        if !self.table.holding.get_untracked() {
            self.page.changed();
        }
        self.load();
    }

    /// Last used and the week of uses change without a key change: every 30 s the page reads
    /// the figures of the keys used since its copy was read (the whole list again when the UTC
    /// day, and with it the week, has moved on); served side, the page on screen.
    fn refresh_figures(self: &Rc<Self>) {
        if !self.table.holding.get_untracked() {
            return self.page.changed();
        }
        let Some(read_at) = self.table.read_at() else { return };
        if crate::clock::now().date_naive() != read_at.date_naive() {
            return self.load();
        }
        if self.loading.get() {
            return;
        }
        let since = (read_at - usage_refresh_overlap()).timestamp_millis();
        let this = self.clone();
        leptos::task::spawn_local(async move {
            // A failure waits for the next refresh; a list loaded meanwhile is as fresh.
            if let Ok(usage) = load_usage_since(since).await
                && !this.loading.get()
            {
                this.table.change(|keys| keys.refresh_usage(usage));
            }
        });
    }

    fn load(self: &Rc<Self>) {
        if self.loading.replace(true) {
            self.load_again.set(true);
            return;
        }
        let this = self.clone();
        leptos::task::spawn_local(async move {
            match load_key_list().await {
                Ok(Some(list)) => {
                    if !this.table.holding.get_untracked() {
                        super::prepare().await;
                    }
                    this.table.replace(Some(HeldKeys::from(list)));
                }
                // Above the server's limit: the table asks it for each view.
                Ok(None) if this.table.holding.get_untracked() => this.table.replace(None),
                Ok(None) => {}
                // Signed out, or the server away: the table shows what it had; the stream's
                // reconnection tries again.
                Err(_) => {}
            }
            this.loading.set(false);
            if this.load_again.replace(false) && !this.stopped.get() {
                this.load();
            }
        });
    }

    fn keep_focus(&self, after_millis: u32) {
        if let Some(keeper) = self.focus.borrow().as_ref() {
            keeper.restore_after(after_millis);
        }
    }

    fn key_changed(self: &Rc<Self>, id: Uuid) {
        if !self.table.holding.get_untracked() {
            if !self.reread_due.replace(true) {
                let this = self.clone();
                *self.reread.borrow_mut() = Some(Timeout::new(REREAD_MILLIS, move || {
                    this.reread_due.set(false);
                    this.page.changed();
                    this.keep_focus(SERVED_REBUILD_MILLIS);
                }));
            }
            return;
        }
        if self.loading.get() {
            return self.load_again.set(true);
        }
        let this = self.clone();
        leptos::task::spawn_local(async move {
            match load_changed_key(id).await {
                Ok(key) => this.table.change(|keys| keys.upsert(key)),
                Err(AppError::NotFound) => this.table.change(|keys| keys.remove(id)),
                Err(_) => this.load(),
            }
        });
    }

    fn connect(self: &Rc<Self>) {
        self.retired.borrow_mut().clear();
        if self.stopped.get() {
            return;
        }
        let Ok(source) = EventSource::new(LIVE_PATH) else { return };
        let mut handlers = Vec::new();
        let mut on = |name: &str, handler: Box<dyn FnMut(Event)>| {
            let closure = Closure::wrap(handler);
            let _ = source.add_event_listener_with_callback(name, closure.as_ref().unchecked_ref());
            handlers.push(closure);
        };
        let this = self.clone();
        on(
            "open",
            Box::new(move |_| {
                let first = !this.opened.replace(true);
                let back = this.failures.replace(0) > 0;
                if first {
                    this.load();
                } else if back {
                    // Catch up on what happened while the stream was down.
                    this.catch_up();
                }
            }),
        );
        let this = self.clone();
        on(
            "key",
            Box::new(move |event| {
                let data = event.dyn_ref::<MessageEvent>().and_then(|m| m.data().as_string()).unwrap_or_default();
                match data.split('"').find_map(|part| part.parse::<Uuid>().ok()) {
                    Some(id) => this.key_changed(id),
                    None => this.catch_up(),
                }
            }),
        );
        let this = self.clone();
        on("keys", Box::new(move |_| this.catch_up()));
        let this = self.clone();
        on("error", Box::new(move |_| this.reconnect_later()));
        *self.stream.borrow_mut() = Some(Stream { source, _handlers: handlers });
    }

    /// Closes the failed stream (the browser's own retry neither backs off nor survives an
    /// error status) and opens a new one after a growing delay.
    fn reconnect_later(self: &Rc<Self>) {
        if let Some(stream) = self.stream.borrow_mut().take() {
            stream.source.close();
            self.retired.borrow_mut().push(stream);
        }
        let failures = self.failures.get() + 1;
        self.failures.set(failures);
        // No stream yet: read the list anyway.
        if failures == 1 && !self.opened.get() {
            self.load();
        }
        let this = self.clone();
        let delay = reconnect_delay_millis(failures, js_sys::Math::random());
        *self.retry.borrow_mut() = Some(Timeout::new(delay, move || this.connect()));
    }
}

/// Keeps the keyboard focus in a row that is built anew (its key changed): remembers the row
/// control that has the focus (by its key's id and its label) and, after the copy changed, if
/// that element has left the page and the focus fell to the body, focuses the same control in
/// the row now showing that key.
struct FocusKeeper {
    focused: Rc<RefCell<Option<Focused>>>,
    on_focus: Closure<dyn FnMut(Event)>,
    /// The next restore (a newer one replaces it).
    pending: RefCell<Option<Timeout>>,
}

/// The focused row control: its element, its key's id and its label.
type Focused = (web_sys::Element, String, String);

impl FocusKeeper {
    fn new() -> Option<FocusKeeper> {
        let document = web_sys::window()?.document()?;
        let focused: Rc<RefCell<Option<Focused>>> = Rc::default();
        let remember = focused.clone();
        let on_focus = Closure::<dyn FnMut(Event)>::new(move |event: Event| {
            let control = event.target().map(|target| target.unchecked_into::<web_sys::Element>());
            let row = control.as_ref().and_then(|c| c.closest("table.keys tr[data-key-id]").ok().flatten());
            *remember.borrow_mut() = control.zip(row).map(|(control, row)| {
                let id = row.get_attribute("data-key-id").unwrap_or_default();
                let label = control.get_attribute("aria-label").unwrap_or_default();
                (control, id, label)
            });
        });
        document.add_event_listener_with_callback("focusin", on_focus.as_ref().unchecked_ref()).ok()?;
        Some(FocusKeeper { focused, on_focus, pending: RefCell::new(None) })
    }

    /// After the rows were built anew: in the browser, the view is computed in microtasks, so
    /// the next task (0 ms) finds the new rows; served side, once the page's answer is in.
    fn restore_after(&self, millis: u32) {
        let focused = self.focused.clone();
        *self.pending.borrow_mut() = Some(Timeout::new(millis, move || {
            let Some(document) = web_sys::window().and_then(|w| w.document()) else { return };
            let Some((element, id, label)) = focused.borrow().clone() else { return };
            let lost = document.active_element().is_none_or(|active| Some(active) == document.body().map(Into::into));
            if !lost || element.is_connected() {
                return;
            }
            // Labels are names: quotes and backslashes escaped, they are a CSS string.
            let label = label.replace('\\', "\\\\").replace('"', "\\\"");
            let selector = format!("table.keys tr[data-key-id=\"{id}\"] [aria-label=\"{label}\"]");
            if let Ok(Some(control)) = document.query_selector(&selector) {
                let _ = control.unchecked_into::<web_sys::HtmlElement>().focus();
            }
        }));
    }

    fn stop(self) {
        if let Some(document) = web_sys::window().and_then(|w| w.document()) {
            let _ = document.remove_event_listener_with_callback("focusin", self.on_focus.as_ref().unchecked_ref());
        }
    }
}
