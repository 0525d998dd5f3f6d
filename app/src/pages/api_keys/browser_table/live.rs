//! The page's half of the live stream (`GET /api/keys/live`, Server-Sent Events) and the loads of
//! the browser's copy. Runs only in the browser, from a lazily loaded wasm file.
//!
//! - After hydration the whole list is loaded once (or the server says the account is above its
//!   limit, and the table keeps asking it for each view).
//! - `key` events re-read that key (a key the server no longer has is gone); `keys` events and a
//!   reconnect read the whole list again; every 30 s (while the tab is visible) the page reads the
//!   usage figures of the keys used since. In server mode each of them re-reads the page on
//!   screen instead.
//! - After each of them the page reads what needs attention again (the notices above the
//!   table), once for a burst of changes, and shows it with its next page; in server mode that
//!   next page is the re-read of the page on screen.
//! - A key read replaces the held one only if it is as new (by version): a slow answer never
//!   undoes a newer one. A key event that comes while the list loads makes it load again, so a
//!   load that read the database before the change cannot hide it.
//! - Own changes come back through the stream like everyone else's; while the stream is down,
//!   an own change reads the list again.
//! - The stream reconnects with backoff (1 s doubling to 30 s, with jitter) and stops when the
//!   page is left.

use super::{BrowserTable, reconnect_delay_millis};
use crate::api_keys::key_list::{HeldKeys, usage_refresh_overlap};
use crate::api_keys::query::LIVE_PATH;
use crate::api_keys::server_fns::{load_changed_key, load_key_list, load_key_notices, load_usage_since};
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
/// How long a burst of key changes may gather before the notices (and, in server mode, the
/// page on screen) are read again.
const REREAD_MILLIS: u32 = 100;

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
    });
    // Subscribed first, then read: a change in between is not missed (see the `open` handler).
    follower.connect();
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
    /// The notices (and in server mode the page on screen) are read again shortly, once for a
    /// burst of changes.
    reread: RefCell<Option<Timeout>>,
    reread_due: Cell<bool>,
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
    }

    /// Reads the whole list (in server mode: the page on screen too).
    fn catch_up(self: &Rc<Self>) {
        if !self.table.holding.get_untracked() {
            self.reread_soon();
        }
        self.load();
    }

    /// Reads the notices again in a moment, once for a burst of changes; showing them makes the
    /// table compute its page again (in server mode: read it again).
    fn reread_soon(self: &Rc<Self>) {
        if self.reread_due.replace(true) {
            return;
        }
        let this = self.clone();
        // The timeout stays until the next one replaces it (dropping it would drop the closure
        // it is running).
        *self.reread.borrow_mut() = Some(Timeout::new(REREAD_MILLIS, move || {
            this.reread_due.set(false);
            let this = this.clone();
            leptos::task::spawn_local(async move {
                let read = load_key_notices().await;
                if this.stopped.get() {
                    return;
                }
                match read {
                    Ok(notices) => this.table.set_notices(notices),
                    // Signed out, or the server away: the page on screen is read anyway.
                    Err(_) if !this.table.holding.get_untracked() => this.page.changed(),
                    Err(_) => {}
                }
            });
        }));
    }

    /// Last used and the week of uses change without a key change: every 30 s the page reads
    /// the figures of the keys used since its copy was read (the whole list again when the UTC
    /// day, and with it the week, has moved on); served side, the page on screen.
    fn refresh_figures(self: &Rc<Self>) {
        if !self.table.holding.get_untracked() {
            return self.reread_soon();
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
                this.reread_soon();
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
                    let reloaded = this.table.holding.get_untracked();
                    if !reloaded {
                        super::prepare().await;
                    }
                    this.table.replace(Some(HeldKeys::from(list)));
                    // The first load follows the server's first screen, which read the notices
                    // beside its keys (a change in between shows at the next change or the
                    // 30 s refresh); a later load (a reconnect, a burst of changes) reads them
                    // again.
                    if reloaded {
                        this.reread_soon();
                    }
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

    fn key_changed(self: &Rc<Self>, id: Uuid) {
        // A list on its way may have been read before this change (the first load, say, with a
        // key made at once): it is read again when it arrives. Checked before anything else: a
        // change seen before the first list arrives must not be lost to it.
        let loading = self.loading.get();
        if loading {
            self.load_again.set(true);
        }
        if !self.table.holding.get_untracked() {
            return self.reread_soon();
        }
        if loading {
            return;
        }
        let this = self.clone();
        leptos::task::spawn_local(async move {
            match load_changed_key(id).await {
                Ok(key) => this.table.change(|keys| keys.upsert(key)),
                Err(AppError::NotFound) => this.table.change(|keys| keys.remove(id)),
                Err(_) => return this.load(),
            }
            this.reread_soon();
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
