//! Keeps the keyboard focus in a row that is built anew.
//!
//! Rows are keyed by their key's version, so a change of the key (the admin's own flip of its
//! Enabled switch, or a change the live stream brings) replaces the row's elements, and the
//! focused control would leave the page with them: the next key press would go to the page. The
//! table remembers which row control has the focus (its element, its key and its label); a row
//! built for that key gives the focus to the same control of its own, once it is on the page, if
//! the remembered element has left the page and the focus fell to the body. It does so in a
//! microtask, before the browser handles the next input event, so no key press is lost.
//!
//! This lives in the main bundle: a row can be built anew before any lazily loaded part arrives.

use leptos::ev::FocusEvent;
#[cfg(feature = "hydrate")]
use leptos::prelude::{SetValue, WithValue};
use uuid::Uuid;

/// The table's memory of its focused row control. Does nothing on the server.
#[derive(Clone, Copy)]
pub(super) struct RowFocus {
    #[cfg(feature = "hydrate")]
    focused: leptos::prelude::StoredValue<Option<Focused>, leptos::prelude::LocalStorage>,
}

#[cfg(feature = "hydrate")]
struct Focused {
    control: web_sys::Element,
    key: Uuid,
    label: String,
}

impl RowFocus {
    pub fn new() -> RowFocus {
        RowFocus {
            #[cfg(feature = "hydrate")]
            focused: leptos::prelude::StoredValue::new_local(None),
        }
    }

    /// The table body's `focusin` handler: remembers a labelled control in a key's row.
    pub fn remember(&self, event: &FocusEvent) {
        #[cfg(feature = "hydrate")]
        {
            use wasm_bindgen::JsCast;
            let control = event.target().and_then(|target| target.dyn_into::<web_sys::Element>().ok());
            let focused = control.and_then(|control| {
                let row = control.closest("tr[data-key-id]").ok().flatten()?;
                let key = row.get_attribute("data-key-id")?.parse().ok()?;
                let label = control.get_attribute("aria-label")?;
                Some(Focused { control, key, label })
            });
            self.focused.set_value(focused);
        }
        #[cfg(not(feature = "hydrate"))]
        let _ = event;
    }

    /// Called as the row of `key` is built: if the focus was in that key's old row and fell to
    /// the body, the same control of the new row takes it.
    pub fn give_back(&self, key: Uuid) {
        #[cfg(feature = "hydrate")]
        {
            use wasm_bindgen::JsCast;
            if !self.focused.with_value(|f| f.as_ref().is_some_and(|f| f.key == key)) {
                return;
            }
            let focused = self.focused;
            // The row is on the page when the current rendering is done.
            leptos::prelude::queue_microtask(move || {
                let Some(selector) = focused.with_value(|f| f.as_ref().and_then(Focused::lost_to)) else { return };
                let document = leptos::prelude::document();
                if let Ok(Some(control)) = document.query_selector(&selector) {
                    let _ = control.unchecked_into::<web_sys::HtmlElement>().focus();
                }
            });
        }
        #[cfg(not(feature = "hydrate"))]
        let _ = key;
    }
}

#[cfg(feature = "hydrate")]
impl Focused {
    /// The selector of the same control in the key's row, if the remembered one left the page
    /// and took the focus with it.
    fn lost_to(&self) -> Option<String> {
        let document = leptos::prelude::document();
        let body: Option<web_sys::Element> = document.body().map(Into::into);
        let on_body = document.active_element().is_none_or(|active| Some(active) == body);
        if self.control.is_connected() || !on_body {
            return None;
        }
        // Labels are names: quotes and backslashes escaped, they are a CSS string.
        let label = self.label.replace('\\', "\\\\").replace('"', "\\\"");
        Some(format!("table.keys tr[data-key-id=\"{}\"] [aria-label=\"{label}\"]", self.key))
    }
}
