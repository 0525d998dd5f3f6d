//! The alertdialog that asks before a key stops working (Delete, Disable): its title names the
//! key, its text says what will break, focus starts on Cancel (the safe choice), and Escape
//! cancels.

use leptos::html;
use leptos::prelude::*;

#[component]
pub fn ConfirmDialog(
    /// Makes the dialog's element ids unique.
    id: String,
    title: String,
    /// The button that goes ahead: "Delete", "Disable".
    confirm: &'static str,
    /// While the change is on its way, the confirm button waits.
    #[prop(into)]
    busy: Signal<bool>,
    /// `true`: go ahead; `false`: cancel.
    answer: Callback<bool>,
    /// The dialog's description.
    children: Children,
) -> impl IntoView {
    let cancel_ref = cancel_first(Callback::new(move |_| answer.run(false)));
    let title_id = format!("{id}-title");
    let text_id = format!("{id}-text");
    let (labelled_by, described_by) = (title_id.clone(), text_id.clone());
    view! {
        <div class="backdrop">
            <div
                class="dialog"
                role="alertdialog"
                aria-modal="true"
                aria-labelledby=labelled_by
                aria-describedby=described_by
            >
                <h2 id=title_id>{title}</h2>
                <div id=text_id>{children()}</div>
                <div class="buttons">
                    <button type="button" node_ref=cancel_ref on:click=move |_| answer.run(false)>"Cancel"</button>
                    <button type="button" class="danger" disabled=move || busy.get() on:click=move |_| answer.run(true)>
                        {confirm}
                    </button>
                </div>
            </div>
        </div>
    }
}

/// A question's manners: focus starts on its Cancel button (the safe choice; the returned ref
/// goes on it), and Escape runs `cancel` wherever the focus is. The panel behind leaves an
/// Escape alone while a dialog is open (its unsaved edits would go with it).
pub fn cancel_first(cancel: Callback<()>) -> NodeRef<html::Button> {
    let cancel_ref = NodeRef::<html::Button>::new();
    Effect::new(move |_| {
        if let Some(button) = cancel_ref.get() {
            let _ = button.focus();
        }
    });
    let escape = window_event_listener(leptos::ev::keydown, move |ev| {
        if ev.key() == "Escape" {
            ev.prevent_default();
            cancel.run(());
        }
    });
    on_cleanup(move || escape.remove());
    cancel_ref
}
