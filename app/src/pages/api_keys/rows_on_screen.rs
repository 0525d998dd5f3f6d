//! Puts the table's rows on the page in the browser, and keeps them current.
//!
//! The server's HTML carries the first screen's rows. Once the page runs, every change of what
//! the rows show (a new page of keys, a key picked, a switch flipped, the clock's tick) writes
//! each row's HTML again ([`super::row_markup`]) and compares it with the row's last: an
//! unchanged row keeps its element (a new search's link is set in place), a changed one is
//! replaced, new rows are made in one parse, and rows move only to take their new order. The
//! keyboard focus stays on the same control of the same key's row, even when that row is
//! replaced or moved.
//!
//! The code lives in a lazily loaded wasm file: the first screen needs none of it.

use super::row_actions::RowActions;
use super::row_markup::{Row, RowContext, RowHtml, row_html};
use crate::widgets::PageClock;
use leptos::prelude::*;
use std::collections::HashMap;
use uuid::Uuid;
use web_sys::Element;

/// The rows the table body shows: each key's row, and the HTML it was made from.
pub(super) struct RowsOnScreen {
    tbody: Element,
    rows: HashMap<Uuid, (RowHtml, Element)>,
}

/// What the table's rows are made from, and the rows on screen.
#[derive(Clone, Copy)]
pub(super) struct TableRows {
    pub tbody: NodeRef<leptos::html::Tbody>,
    pub actions: RowActions,
    pub clock: PageClock,
    pub on_screen: StoredValue<Option<RowsOnScreen>, LocalStorage>,
}

/// Writes the rows again whenever what they show changes.
pub(super) fn follow(rows: TableRows) {
    let RowActions { page, loaded, flips, .. } = rows.actions;
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
    let TableRows { tbody, actions, clock, on_screen } = rows;
    let page = actions.page;
    // The table may have left the page while this code loaded.
    let Some(Some(tbody)) = tbody.try_get_untracked() else { return };
    let Some(wanted) = actions.loaded.try_with_untracked(|keys| {
        let Some(keys) = keys else { return Vec::new() };
        let view = page.state.get_untracked();
        let context = RowContext {
            now: clock.now_at_least(keys.read_at),
            local_dates: clock.is_local(),
            rights: page.rights,
            view: &view,
        };
        let picked = page.picked.read_untracked();
        let flips = actions.flips.read_untracked();
        keys.rows()
            .map(|(key, week, leaving)| {
                let row = Row { key, week, leaving, picked: picked.contains(key.id), flip: flips.get(key.id) };
                (key.id, row_html(&context, &row))
            })
            .collect::<Vec<_>>()
    }) else {
        return;
    };
    let tbody: Element = tbody.into();
    on_screen.update_value(|on_screen| *on_screen = Some(place(tbody, on_screen.take(), wanted)));
}

/// Shows `wanted` in `tbody`, reusing the elements of `previous` whose HTML is unchanged.
fn place(tbody: Element, previous: Option<RowsOnScreen>, wanted: Vec<(Uuid, RowHtml)>) -> RowsOnScreen {
    let document = document();
    let focused = FocusedControl::in_table(&document, &tbody);
    let mut previous = previous.filter(|previous| previous.tbody == tbody).map(|p| p.rows).unwrap_or_default();

    // Unchanged rows stay; the others are made in one parse.
    let mut kept = Vec::with_capacity(wanted.len());
    let mut fresh = String::new();
    for (id, html) in &wanted {
        match previous.remove(id) {
            Some((old, element)) if old.same_but_link(html) => {
                if old.href != html.href
                    && let Ok(Some(link)) = element.query_selector("a.key-name")
                {
                    let _ = link.set_attribute("href", &html.href);
                }
                kept.push(Some(element));
            }
            _ => {
                fresh.push_str(&html.html);
                kept.push(None);
            }
        }
    }
    let mut made = Vec::new();
    if !fresh.is_empty()
        && let Ok(scratch) = document.create_element("tbody")
    {
        scratch.set_inner_html(&fresh);
        let mut next = scratch.first_element_child();
        while let Some(row) = next {
            next = row.next_element_sibling();
            made.push(row);
        }
    }
    let mut made = made.into_iter();
    let elements: Vec<Element> = kept.into_iter().filter_map(|kept| kept.or_else(|| made.next())).collect();

    // Into their order: the rows before the cursor are the wanted ones so far.
    let mut cursor = tbody.first_element_child();
    for element in &elements {
        if cursor.as_ref() == Some(element) {
            cursor = element.next_element_sibling();
        } else {
            let before: Option<&web_sys::Node> = cursor.as_ref().map(|c| c.as_ref());
            let _ = tbody.insert_before(element, before);
        }
    }
    while let Some(stale) = cursor {
        cursor = stale.next_element_sibling();
        stale.remove();
    }

    let rows: HashMap<Uuid, (RowHtml, Element)> =
        wanted.into_iter().zip(elements).map(|((id, html), element)| (id, (html, element))).collect();
    if let Some(focused) = focused {
        focused.give_back(&document, &rows);
    }
    RowsOnScreen { tbody, rows }
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
    fn give_back(self, document: &web_sys::Document, rows: &HashMap<Uuid, (RowHtml, Element)>) {
        use wasm_bindgen::JsCast;
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
