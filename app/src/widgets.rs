//! Small pieces the pages share: the ticking page clock and dates.

use crate::date_format::shown_datetime;
use crate::relative_time::relative_time;
use chrono::{DateTime, Utc};
use leptos::prelude::*;

/// How often relative dates are refreshed while a page is open.
#[cfg(feature = "hydrate")]
const TICK_MILLIS: u32 = 15_000;

/// The time the page shows dates against. Until the page is hydrated it is `None` and views use
/// the instant the server read the data at, so the server's HTML and the first browser render
/// agree; then it ticks, and dates switch to the administrator's time zone.
#[derive(Debug, Clone, Copy)]
pub struct PageClock {
    now: RwSignal<Option<DateTime<Utc>>>,
    local: RwSignal<bool>,
}

impl PageClock {
    pub fn provide() -> Self {
        let clock = PageClock { now: RwSignal::new(None), local: RwSignal::new(false) };
        #[cfg(feature = "hydrate")]
        Effect::new(move |_| {
            clock.local.set(true);
            clock.now.set(Some(crate::clock::now()));
            let interval = gloo_timers::callback::Interval::new(TICK_MILLIS, move || {
                clock.now.try_set(Some(crate::clock::now()));
            });
            let interval = StoredValue::new_local(Some(interval));
            on_cleanup(move || interval.update_value(|i| drop(i.take())));
        });
        provide_context(clock);
        clock
    }

    pub fn expect() -> Self {
        expect_context::<PageClock>()
    }

    /// The current instant, but never earlier than `read_at`, the server's instant when it read
    /// the data shown (the browser's clock may lag the server's, or the last tick be old).
    pub fn now_at_least(&self, read_at: DateTime<Utc>) -> DateTime<Utc> {
        self.now.get().map_or(read_at, |now| now.max(read_at))
    }

    /// Whether dates are shown in the browser's time zone (after hydration).
    pub fn is_local(&self) -> bool {
        self.local.get()
    }

    /// Subscribes the running effect to the clock's ticks.
    pub fn track(&self) {
        self.now.track();
        self.local.track();
    }

    /// `DD-MM-YYYY HH:mm`, in UTC on the server and local time in the browser.
    pub fn format(&self, at: DateTime<Utc>) -> String {
        shown_datetime(at, self.local.get())
    }
}

/// A date shown relative to the page clock ("a year ago"), exact on hover and in `datetime`.
#[component]
pub fn Timestamp(at: DateTime<Utc>, #[prop(into)] read_at: Signal<DateTime<Utc>>) -> impl IntoView {
    let clock = PageClock::expect();
    view! {
        <time datetime=at.to_rfc3339() title=move || clock.format(at)>
            {move || relative_time(at, clock.now_at_least(read_at.get()))}
        </time>
    }
}
