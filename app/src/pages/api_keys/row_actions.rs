//! What the rows' controls do. The rows are HTML ([`super::row_markup`]), so the table body
//! handles their clicks and changes: the control says what it is in `data-act`, its row whose
//! key in `data-key-id`. The main wasm holds two listeners, not several per row.

use super::PageContext;
use super::browser_table::OwnChange;
use super::disable_dialog::DisableQuestion;
use super::flips::{Flip, Flips};
use super::view_state::Panel;
use crate::api_keys::KeyPage;
use leptos::ev::{Event, MouseEvent};
use leptos::prelude::*;
use uuid::Uuid;

/// The table body's handlers, and the flips of Enabled switches they started.
#[derive(Clone, Copy)]
pub(super) struct RowActions {
    pub page: PageContext,
    pub loaded: Memo<Option<KeyPage>>,
    /// The page's keys (picking one by hand while "all matching" was on keeps the others).
    page_ids: Signal<Vec<Uuid>>,
    /// Flips of Enabled switches that their keys do not show yet, by key.
    pub flips: RwSignal<Flips>,
}

impl RowActions {
    pub fn new(page: PageContext, loaded: Memo<Option<KeyPage>>, page_ids: Signal<Vec<Uuid>>) -> Self {
        RowActions { page, loaded, page_ids, flips: RwSignal::new(Flips::default()) }
    }

    pub fn on_click(self, event: MouseEvent) {
        let Some(control) = RowControl::of(&event) else { return };
        let (id, page) = (control.key, self.page);
        match control.act.as_str() {
            // A click while the flip is saved is refused.
            "switch" if self.flips.with_untracked(|flips| flips.get(id).is_some_and(|flip| flip.saving)) => {
                event.prevent_default();
            }
            "copy" => page.open(Some(Panel::Copy(id))),
            // The row says why it cannot be rotated now, if it cannot.
            "rotate" if !control.refused => page.open(Some(Panel::Rotate(id))),
            "delete" => {
                if let Some((name, _)) = self.key(id) {
                    page.deleting.set(Some((id, name)));
                }
            }
            _ => {}
        }
    }

    pub fn on_change(self, event: Event) {
        let Some(control) = RowControl::of(&event) else { return };
        let (id, on) = (control.key, event_target_checked(&event));
        match control.act.as_str() {
            "pick" => {
                let page_ids = self.page_ids;
                self.page.picked.update(|picked| *picked = page_ids.with_untracked(|ids| picked.with(id, on, ids)));
            }
            "switch" => self.flip(id, on),
            _ => {}
        }
    }

    /// Saves a flip of a key's Enabled switch at once, showing that it is saving; flips back and
    /// says why if the save fails. A key that answered valid in the last 24 hours is switched
    /// off only after the admin confirms, having read who still uses it (see `flip_enabled`).
    fn flip(self, id: Uuid, on: bool) {
        let Some((name, version)) = self.key(id) else { return };
        self.flips.update(|flips| flips.set(id, Some(Flip { version, on, saving: true, error: None })));
        let switch = Switch { page: self.page, flips: self.flips, id, name, on, version };
        leptos::task::spawn_local(flip_enabled(switch));
    }

    /// The name and version of the key shown as `id`.
    fn key(&self, id: Uuid) -> Option<(String, i64)> {
        self.loaded.with_untracked(|page| {
            let key = page.as_ref()?.keys.iter().find(|key| key.id == id)?;
            Some((key.name.clone(), key.version))
        })
    }
}

/// The row control an event came from.
struct RowControl {
    /// Its `data-act`.
    act: String,
    /// Its row's key.
    key: Uuid,
    /// Marked `aria-disabled`: offered, but refused now (the title says why).
    refused: bool,
}

impl RowControl {
    #[cfg(feature = "hydrate")]
    fn of(event: &Event) -> Option<RowControl> {
        use wasm_bindgen::JsCast;
        let target = event.target()?.dyn_into::<web_sys::Element>().ok()?;
        let control = target.closest("[data-act]").ok()??;
        let row = control.closest("tr[data-key-id]").ok()??;
        Some(RowControl {
            act: control.get_attribute("data-act")?,
            key: row.get_attribute("data-key-id")?.parse().ok()?,
            refused: control.get_attribute("aria-disabled").as_deref() == Some("true"),
        })
    }

    /// Events reach only the browser.
    #[cfg(not(feature = "hydrate"))]
    fn of(_: &Event) -> Option<RowControl> {
        None
    }
}

/// A flip of a row's Enabled switch.
#[derive(Clone)]
struct Switch {
    page: PageContext,
    flips: RwSignal<Flips>,
    id: Uuid,
    name: String,
    on: bool,
    /// The key's version when flipped.
    version: i64,
}

impl Switch {
    /// Shows the flip as `flip` (on the version flipped), or as the key itself shows it (`None`).
    fn show(&self, flip: Option<Flip>) {
        self.flips.update(|flips| flips.set(self.id, flip));
    }
}

/// Saves a flip of the switch; switching off asks first (the Disable question). This code (the
/// question's wiring, the server function's client) is needed only at the first click, so it
/// lives in a lazily loaded wasm file.
#[lazy]
async fn flip_enabled(switch: Switch) {
    if switch.on {
        return save_enabled(switch).await;
    }
    let page = switch.page;
    let asked = switch.clone();
    let answer = Callback::new(move |disable: bool| {
        if disable {
            leptos::task::spawn_local(save_enabled(asked.clone()));
        } else {
            asked.show(None);
        }
    });
    // One question at a time: one still open for another key is answered "leave it on".
    if let Some(open) = page.disabling.get_untracked() {
        open.answer.run(false);
    }
    page.disabling.set(Some(DisableQuestion { id: switch.id, name: switch.name.clone(), answer }));
}

async fn save_enabled(switch: Switch) {
    let on = switch.on;
    match crate::api_keys::server_fns::set_key_enabled(switch.id, on).await {
        Ok(key) => {
            // Shown as saved until the table shows the saved key (or, above the browser's
            // limit of keys, the stream's news of it).
            switch.show(Some(Flip { version: switch.version, on, saving: false, error: None }));
            switch.page.table.took(OwnChange::Saved(key));
        }
        Err(failure) => {
            let error = Some(failure.to_string());
            switch.show(Some(Flip { version: switch.version, on: !on, saving: false, error }));
        }
    }
}
