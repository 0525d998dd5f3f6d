//! Puts the table's rows on the page in the browser, and keeps them current.
//!
//! The server's HTML carries the first screen's rows. Once the page runs, every change of what
//! the rows show (a new page of keys, a key picked, a switch flipped, the clock's tick) writes
//! each row's HTML again ([`super::row_markup`]) and compares it with the row's last: an
//! unchanged row keeps its element (a new search's link is set in place), a changed one is
//! updated in place (only the attributes and texts that differ), a new row takes over the
//! element of a row leaving the screen and is updated in it (made only when none is left), and
//! rows move only to take their new order. The new HTML is parsed in one go. The first writing
//! updates the server's rows the same way. The keyboard focus stays on the same control of the
//! same key's row, even when that row moves.
//!
//! Taking over leaving rows spares the browser most of a new page's work: it then restyles and
//! lays out only the texts and attributes that differ, instead of some 1,300 new elements
//! (16 ms against 58 on the benchmark machine, `bench/row_rendering.mjs`).
//!
//! The rows in the window come first: a writing places at once the rows from the top of the
//! table to the window's bottom edge, and the rest a few at a time after each frame, while the
//! table body says `aria-busy`. A keystroke's frame then carries the work of what can be seen,
//! not of the whole page of keys, and so does its script: a row's HTML is written when the row
//! is first placed ([`writing`]). A newer writing cancels what an older one had left.
//!
//! The code lives in a lazily loaded wasm file: the first screen needs none of it.

mod dom;
mod writing;

use super::row_actions::RowActions;
use super::row_markup::RowHtml;
use crate::widgets::PageClock;
use chrono::{DateTime, Utc};
use dom::{after_next_frame, measure_after_frame, rows_to_window, set_link, update};
use leptos::prelude::*;
use std::collections::{HashMap, HashSet};
use uuid::Uuid;
use wasm_bindgen::JsCast;
use web_sys::Element;
use writing::{Showing, Writing};

/// How many rows below the window each later step places.
const ROWS_PER_STEP: usize = 8;

/// The rows the table body shows: each key's row, and the HTML it shows (`None`: not known, as
/// for the server's rows, so it is updated at its next writing).
struct RowsOnScreen {
    tbody: Element,
    rows: HashMap<Uuid, (Option<RowHtml>, Element)>,
    /// The keys of the rows, in their order in the table body: only this code adds, moves or
    /// removes rows there, so it need not read every row's key back from the page (at 50 rows a
    /// writing, that read was the largest part of placing them).
    order: Vec<Uuid>,
}

/// What the table's rows are made from, and the rows on screen.
#[derive(Clone, Copy)]
struct TableRows {
    tbody: NodeRef<leptos::html::Tbody>,
    actions: RowActions,
    clock: PageClock,
    on_screen: StoredValue<Option<RowsOnScreen>, LocalStorage>,
    /// Counts the writings: the steps of an older one stop when a newer one began.
    writings: StoredValue<u64, LocalStorage>,
}

/// Writes the rows of `tbody` again whenever what they show changes.
pub(super) fn follow(tbody: NodeRef<leptos::html::Tbody>, actions: RowActions, clock: PageClock) {
    let rows = TableRows {
        tbody,
        actions,
        clock,
        on_screen: StoredValue::new_local(None),
        writings: StoredValue::new_local(0),
    };
    let RowActions { page, loaded, flips, .. } = actions;
    Effect::new(move |_| {
        rows.tbody.track();
        loaded.track();
        flips.track();
        page.picked.track();
        rows.clock.track();
        leptos::task::spawn_local(write_rows(rows));
    });
}

#[lazy]
fn write_rows(rows: TableRows) {
    let TableRows { tbody, actions, clock, writings, .. } = rows;
    let page = actions.page;
    // The table may have left the page while this code loaded.
    let Some(Some(tbody)) = tbody.try_get_untracked() else { return };
    let Some(keys) = actions.loaded.try_get_untracked() else { return };
    let showing = Showing {
        picked: page.picked.get_untracked(),
        flips: actions.flips.get_untracked(),
        view: page.state.get_untracked(),
        now: clock.now_at_least(keys.as_ref().map_or(DateTime::<Utc>::MIN_UTC, |keys| keys.read_at)),
        local_dates: clock.is_local(),
        rights: page.rights,
    };
    let mut wanted = Writing::new(keys, showing);
    let tbody: Element = tbody.into();
    let Some(writing) = writings.try_update_value(|n| {
        *n += 1;
        *n
    }) else {
        return;
    };
    let at_once = rows_to_window(&tbody);
    place_first(rows, &tbody, &mut wanted, at_once);
    if at_once < wanted.len() {
        let _ = tbody.set_attribute("aria-busy", "true");
        place_rest(rows, writing, wanted, at_once);
    } else {
        all_placed(&tbody);
    }
}

/// The writing placed its last row: the table body is no longer busy, and its geometry is read
/// after the frame that draws it, for the next writing.
fn all_placed(tbody: &Element) {
    let _ = tbody.remove_attribute("aria-busy");
    measure_after_frame(tbody);
}

/// Places `wanted`'s first `count` rows, leaving the rows after them as they are.
fn place_first(rows: TableRows, tbody: &Element, wanted: &mut Writing, count: usize) {
    let (now, later) = wanted.first(count);
    rows.on_screen.update_value(|on_screen| *on_screen = Some(place(tbody, on_screen.take(), now, later)));
}

/// After the next frame, places `ROWS_PER_STEP` more of `wanted` (the first `done` are placed),
/// and so on to the last, unless a newer writing began meanwhile.
fn place_rest(rows: TableRows, writing: u64, mut wanted: Writing, done: usize) {
    let step = move || {
        if rows.writings.try_get_value() != Some(writing) {
            return;
        }
        let Some(Some(tbody)) = rows.tbody.try_get_untracked() else { return };
        let tbody: Element = tbody.into();
        let done = (done + ROWS_PER_STEP).min(wanted.len());
        place_first(rows, &tbody, &mut wanted, done);
        if done < wanted.len() {
            place_rest(rows, writing, wanted, done);
        } else {
            all_placed(&tbody);
        }
    };
    after_next_frame(&wasm_bindgen::closure::Closure::once_into_js(step));
}

/// What becomes of a wanted row.
enum Plan {
    /// Its element shows it already.
    Keep(Element),
    /// Its element is brought to the row's new HTML in place.
    Update(Element),
    /// The element of a row leaving the screen is brought to the row's HTML.
    TakeOver(Element),
    /// A new element is made.
    Make,
}

/// Shows the rows `now` at the top of `tbody`, reusing the elements of `previous` (or, at the
/// first writing, the server's rows): an unchanged row stays as it is, a changed one is updated
/// in place, and a new one takes over the element of a row that leaves (or, failing that, of one
/// of the rows `later`, placed later). With no rows to place later, the rows left over leave;
/// with some, they stay below the placed ones as they are.
fn place(tbody: &Element, previous: Option<RowsOnScreen>, now: &[(Uuid, RowHtml)], later: &[Uuid]) -> RowsOnScreen {
    let document = document();
    let focused = FocusedControl::in_table(&document, tbody);
    let (mut previous, previous_order) = match previous.filter(|p| p.tbody == *tbody) {
        Some(previous) => (previous.rows, previous.order),
        None => {
            let rows: Vec<(Uuid, Element)> = rows_in_order(tbody).collect();
            let order = rows.iter().map(|(id, _)| *id).collect();
            (rows.into_iter().map(|(id, row)| (id, (None, row))).collect(), order)
        }
    };

    // The changed and new rows are made in one parse.
    let mut plans = Vec::with_capacity(now.len());
    let mut fresh = String::new();
    for (id, html) in now {
        let plan = match previous.remove(id) {
            Some((Some(old), element)) if old.same_but_link(html) => {
                if old.href != html.href {
                    set_link(&element, &html.href);
                }
                Plan::Keep(element)
            }
            Some((_, element)) => Plan::Update(element),
            None => Plan::Make,
        };
        if !matches!(plan, Plan::Keep(_)) {
            fresh.push_str(&html.html);
        }
        plans.push(plan);
    }
    // The rows leaving, in their order on screen, go to the new rows in theirs (so that most
    // stay where they are); then those placed later, which are written again anyway. The row
    // with the focus and the one under the pointer stay as they are: a key press or a click
    // begun on one must not land on another key.
    let pointed = tbody.query_selector("tr:hover").ok().flatten();
    let placed_later: HashSet<&Uuid> = later.iter().collect();
    let (leaving, kept_for_later): (Vec<_>, Vec<_>) = previous_order
        .iter()
        .filter_map(|id| Some((*id, previous.get(id)?.1.clone())))
        .filter(|(id, row)| focused.as_ref().is_none_or(|f| f.key != *id) && pointed.as_ref() != Some(row))
        .partition(|(id, _)| !placed_later.contains(id));
    let mut free = leaving.into_iter().chain(kept_for_later);
    for plan in &mut plans {
        if matches!(plan, Plan::Make) {
            match free.next() {
                Some((id, row)) => {
                    previous.remove(&id);
                    *plan = Plan::TakeOver(row);
                }
                None => break,
            }
        }
    }
    let mut made = HashMap::new();
    if !fresh.is_empty()
        && let Ok(scratch) = document.create_element("tbody")
    {
        scratch.set_inner_html(&fresh);
        made = rows_in(&scratch);
    }
    // Each placed row with its element. A row whose markup did not parse keeps what it showed
    // (and is updated at the next writing); a new one is left out, and its element, if it took
    // one over, leaves.
    let placed: Vec<(Uuid, Option<RowHtml>, Element)> = now
        .iter()
        .zip(plans)
        .filter_map(|((id, html), plan)| match plan {
            Plan::Keep(element) => Some((*id, Some(html.clone()), element)),
            Plan::Update(element) => match made.remove(id) {
                Some((_, new)) => {
                    update(&element, &new);
                    Some((*id, Some(html.clone()), element))
                }
                None => Some((*id, None, element)),
            },
            Plan::TakeOver(element) => match made.remove(id) {
                Some((_, new)) => {
                    update(&element, &new);
                    Some((*id, Some(html.clone()), element))
                }
                None => {
                    element.remove();
                    None
                }
            },
            Plan::Make => Some((*id, Some(html.clone()), made.remove(id)?.1)),
        })
        .collect();

    // Into their order: the rows before the cursor are the placed ones so far.
    let mut cursor = tbody.first_element_child();
    for (_, _, element) in &placed {
        if cursor.as_ref() == Some(element) {
            cursor = element.next_element_sibling();
        } else {
            let before: Option<&web_sys::Node> = cursor.as_ref().map(|c| c.as_ref());
            let _ = tbody.insert_before(element, before);
        }
    }
    let mut order: Vec<Uuid> = placed.iter().map(|(id, _, _)| *id).collect();
    let mut rows: HashMap<Uuid, (Option<RowHtml>, Element)> =
        placed.into_iter().map(|(id, html, element)| (id, (html, element))).collect();
    if later.is_empty() {
        while let Some(stale) = cursor {
            cursor = stale.next_element_sibling();
            stale.remove();
        }
    } else {
        // The rows left over stay below the placed ones, in their order.
        order.extend(previous_order.into_iter().filter(|id| previous.contains_key(id)));
        rows.extend(previous);
    }
    if let Some(focused) = focused {
        focused.give_back(&document, &rows);
    }
    RowsOnScreen { tbody: tbody.clone(), rows, order }
}

/// Rows just parsed, by key.
fn rows_in(tbody: &Element) -> HashMap<Uuid, (Option<RowHtml>, Element)> {
    rows_in_order(tbody).map(|(id, row)| (id, (None, row))).collect()
}

/// The rows in `tbody` with their keys, in their order.
fn rows_in_order(tbody: &Element) -> impl Iterator<Item = (Uuid, Element)> + use<> {
    std::iter::successors(tbody.first_element_child(), Element::next_element_sibling)
        .filter_map(|row| Some((row.get_attribute("data-key-id")?.parse().ok()?, row)))
}

/// The row control that has the keyboard focus: the element, its key and what it does.
struct FocusedControl {
    element: Element,
    key: Uuid,
    act: String,
}

impl FocusedControl {
    fn in_table(document: &web_sys::Document, tbody: &Element) -> Option<FocusedControl> {
        let element = document.active_element()?;
        if !tbody.contains(Some(&element)) {
            return None;
        }
        let act = element.get_attribute("data-act")?;
        let key = element.closest("tr[data-key-id]").ok()??.get_attribute("data-key-id")?.parse().ok()?;
        Some(FocusedControl { element, key, act })
    }

    /// Focuses the control again (moving a row takes the focus away), or the same control in
    /// the key's new row if its row was replaced.
    fn give_back(self, document: &web_sys::Document, rows: &HashMap<Uuid, (Option<RowHtml>, Element)>) {
        let control = if self.element.is_connected() {
            Some(self.element)
        } else {
            let row = rows.get(&self.key).map(|(_, row)| row);
            row.and_then(|row| row.query_selector(&format!("[data-act=\"{}\"]", self.act)).ok().flatten())
        };
        if let Some(control) = control
            && document.active_element().as_ref() != Some(&control)
        {
            let _ = control.unchecked_into::<web_sys::HtmlElement>().focus();
        }
    }
}
