//! The bar over the table while keys are picked: `N selected`, the actions (each disabled with
//! the reason when the user lacks its right) and `Clear selection`.

use super::Picked;
use super::dialog::BulkDialog;
use crate::api_keys::bulk::BulkAction;
use crate::pages::api_keys::{PageContext, reason_id};
use crate::usage::summary::thousands;
use leptos::prelude::*;
use uuid::Uuid;

#[component]
pub(super) fn BulkBar(total: Signal<u64>, page_ids: Signal<Vec<Uuid>>) -> impl IntoView {
    let page = expect_context::<PageContext>();
    // The action being previewed (Set expiry asks for the date first, in the dialog).
    let asking = RwSignal::new(None::<BulkAction>);
    let count = move || page.picked.with(|p| if p.all_matching { total.get() } else { p.ids.len() as u64 });
    let button = move |label: &'static str, action: BulkAction| {
        let needs = action.needs();
        let allowed = page.may(needs);
        view! {
            <button type="button" class=if action == BulkAction::Delete { "danger-outline" } else { "" }
                disabled=!allowed
                title=(!allowed).then_some(needs.refusal())
                aria-describedby=(!allowed).then_some(reason_id(needs))
                on:click=move |_| asking.set(Some(action))>
                {label}
            </button>
        }
    };
    // Every key of the page picked, and the view has more: offer them all.
    let offer_all = move || {
        let all_on_page = page_ids.with(|ids| page.picked.with(|p| ids.iter().all(|&id| p.contains(id))));
        all_on_page && total.get() > page_ids.with(Vec::len) as u64 && !page.picked.with(|p| p.all_matching)
    };
    view! {
        <div class="bulk-bar" role="region" aria-label="Selected keys">
            <span class="picked" role="status">{move || format!("{} selected", thousands(count()))}</span>
            // A link to this very view (what it selects), followed in place.
            {move || offer_all().then(|| view! {
                <a href=page.state.with_untracked(|s| s.href())
                    on:click=move |ev| {
                        ev.prevent_default();
                        page.picked.set(Picked { ids: vec![], all_matching: true });
                    }>
                    {format!("Select all {} matching keys", thousands(total.get_untracked()))}
                </a>
            })}
            {button("Enable", BulkAction::Enable)}
            {button("Disable", BulkAction::Disable)}
            {button("Set expiry", BulkAction::SetExpiry { expires_at: None })}
            {button("Delete", BulkAction::Delete)}
            <button type="button" class="link" on:click=move |_| page.picked.set(Default::default())>"Clear selection"</button>
        </div>
        {move || asking.get().map(|action| view! { <BulkDialog action close=Callback::new(move |_| asking.set(None))/> })}
    }
}
