//! The details panel's "Rotation" section: the links between a rotation's two keys, and while
//! the grace runs (and for a week after) the migration meter, with `Finish now` and `Extend`.
//! It is read in the browser once the panel's code is there (a local resource), not rendered by
//! the server: reading it in the page's own code, as the panels' other data is, would put its
//! types' decoding in the main wasm, which has no room for it (see README, Benchmarks).

use super::PageContext;
use super::confirm_dialog::ConfirmDialog;
use super::view_state::Panel;
use crate::api_keys::rotation::{KeyLink, Meter, RotationInfo, RotationsOfKey};
use crate::api_keys::server_fns::{extend_rotation, finish_rotation, key_rotations};
use crate::auth::Action as Right;
use crate::date_format::from_local_input;
use crate::usage::server_fns::key_usage_impact;
use crate::usage::summary::thousands;
use crate::widgets::PageClock;
use chrono::{DateTime, Utc};
use leptos::prelude::*;
use uuid::Uuid;

#[component]
pub fn RotationSection(id: Uuid) -> impl IntoView {
    // Nothing on the server nor while hydrating (the two must agree); read once in the browser.
    let mounted = RwSignal::new(false);
    Effect::new(move |_| mounted.set(true));
    move || mounted.get().then(|| view! { <RotationsRead id/> })
}

#[component]
fn RotationsRead(id: Uuid) -> impl IntoView {
    let page = expect_context::<PageContext>();
    let changes = page.changes;
    let rotations = LocalResource::new(move || {
        changes.track();
        key_rotations(id)
    });
    view! {
        <Transition fallback=|| ()>
            {move || rotations.get().map(|found| match found {
                Ok(RotationsOfKey { made_by, replaced_in, read_at }) if made_by.is_some() || replaced_in.is_some() => view! {
                    <section class="rotation" aria-labelledby="rotation-title">
                        <h3 id="rotation-title">"Rotation"</h3>
                        {replaced_in.map(|rotation| view! { <RotationView rotation read_at this_is_old=true/> })}
                        {made_by.map(|rotation| view! { <RotationView rotation read_at this_is_old=false/> })}
                    </section>
                }.into_any(),
                Ok(_) => ().into_any(),
                Err(error) => view! { <p class="error">{error.to_string()}</p> }.into_any(),
            })}
        </Transition>
    }
}

/// A link to the other key's details; plain text once that key is deleted.
#[component]
fn OtherKey(link: KeyLink, relation: &'static str) -> impl IntoView {
    let page = expect_context::<PageContext>();
    let id = link.id;
    match link.name {
        Some(name) => {
            let href = move || page.state.with(|s| s.with_panel(Some(Panel::Details(id))).href());
            view! { <p class="rotation-link"><a href=href>{format!("{relation} {name}")}</a></p> }.into_any()
        }
        None => view! { <p class="rotation-link">{format!("{relation} a key since deleted")}</p> }.into_any(),
    }
}

#[component]
fn RotationView(rotation: RotationInfo, read_at: DateTime<Utc>, this_is_old: bool) -> impl IntoView {
    let page = expect_context::<PageContext>();
    let clock = PageClock::expect();
    let link = if this_is_old {
        view! { <OtherKey link=rotation.new.clone() relation="Replaced by"/> }
    } else {
        view! { <OtherKey link=rotation.old.clone() relation="Replaces"/> }
    };
    let rotated_at = rotation.rotated_at;
    let grace_end = rotation.grace_end;
    let pending = move || grace_end.is_none_or(|end| end > clock.now_at_least(read_at));
    let grace_text = move || match grace_end {
        Some(end) if pending() => format!("The old key works until {}.", clock.format(end)),
        Some(end) => format!("The old key stopped working on {}.", clock.format(end)),
        None => "The old key has no end to its grace period.".to_owned(),
    };
    let early = rotation.stop_when_unused.then_some(" It stops early once unused for 24 hours.");
    let old_id = rotation.old.id;
    let may_update = page.may(Right::UpdateKey);
    let meter_open = rotation.meter.is_some();
    view! {
        {link}
        <p class="rotation-facts">
            "Rotated " <time datetime=rotated_at.to_rfc3339()>{move || clock.format(rotated_at)}</time> ". "
            {grace_text} {early}
        </p>
        {rotation.meter.map(|meter| view! { <MeterTable meter/> })}
        {(may_update && meter_open).then(|| view! { <GraceActions old_id pending=Signal::derive(pending)/> })}
    }
}

#[component]
fn MeterTable(meter: Meter) -> impl IntoView {
    let clock = PageClock::expect();
    let moved = match meter.old_uses + meter.new_uses {
        0 => "No verifications by either key since the rotation.".to_owned(),
        total => format!(
            "{} of {} verifications since the rotation used the new key.",
            thousands(meter.new_uses),
            thousands(total)
        ),
    };
    view! {
        <p class="meter-summary" role="status">{moved}</p>
        <table class="meter">
            <caption>"Migration by origin"</caption>
            <thead>
                <tr>
                    <th scope="col">"Origin"</th>
                    <th scope="col">"Old key"</th>
                    <th scope="col">"New key"</th>
                    <th scope="col">"Old key last used"</th>
                </tr>
            </thead>
            <tbody>
                {meter.origins.into_iter().map(|origin| {
                    let last = origin.old_last_used;
                    view! {
                        <tr>
                            <td class="origin">{origin.origin}</td>
                            <td>{thousands(origin.old_uses)}</td>
                            <td>{thousands(origin.new_uses)}</td>
                            <td>{move || last.map_or_else(|| "—".to_owned(), |at| clock.format(at))}</td>
                        </tr>
                    }
                }).collect_view()}
            </tbody>
            <tfoot>
                <tr>
                    <th scope="row">"All origins"</th>
                    <td>{thousands(meter.old_uses)}</td>
                    <td>{thousands(meter.new_uses)}</td>
                    <td></td>
                </tr>
            </tfoot>
        </table>
    }
}

/// `Finish now` (after a confirmation that states the old key's recent use) and `Extend`.
#[component]
fn GraceActions(old_id: Uuid, pending: Signal<bool>) -> impl IntoView {
    let page = expect_context::<PageContext>();
    let asking = RwSignal::new(false);
    let until = RwSignal::new(String::new());
    let error = RwSignal::new(None::<String>);
    let finish = Action::new(move |_: &()| finish_rotation(old_id));
    let extend = Action::new(move |until_ms: &i64| extend_rotation(old_id, *until_ms));
    // Each action's latest outcome, as it arrives (one action's old success must not hide the
    // other's failure).
    let settle = move |outcome: Option<Result<crate::api_keys::ApiKey, crate::error::AppError>>| match outcome {
        Some(Ok(key)) => {
            error.set(None);
            asking.set(false);
            page.saved(key);
        }
        Some(Err(failure)) => error.set(Some(failure.to_string())),
        None => {}
    };
    Effect::new(move |_| settle(finish.value().get()));
    Effect::new(move |_| settle(extend.value().get()));
    let answer = Callback::new(move |go: bool| {
        if go {
            finish.dispatch(());
        } else {
            asking.set(false);
        }
    });
    let submit_extension = move |ev: leptos::ev::SubmitEvent| {
        ev.prevent_default();
        match from_local_input(&until.get_untracked()) {
            Some(at) => {
                extend.dispatch(at.timestamp_millis());
            }
            None => error.set(Some("Choose the date until which the old key keeps working.".to_owned())),
        }
    };
    let busy = Signal::derive(move || finish.pending().get() || extend.pending().get());
    view! {
        <form class="grace-actions" on:submit=submit_extension novalidate>
            <Show when=move || pending.get()>
                <button type="button" class="danger" disabled=move || busy.get() on:click=move |_| asking.set(true)>"Finish now"</button>
            </Show>
            <label class="field inline">
                <span>"Keep the old key working until"</span>
                <input type="datetime-local" name="extend_until" prop:value=until on:input=move |ev| until.set(event_target_value(&ev))/>
            </label>
            <button type="submit" disabled=move || busy.get()>"Extend"</button>
        </form>
        {move || error.get().map(|message| view! { <p class="error" role="alert">{message}</p> })}
        <Show when=move || asking.get()>
            <FinishQuestion old_id answer busy/>
        </Show>
    }
}

/// "Finish rotation?", with the old key's recent use.
#[component]
fn FinishQuestion(old_id: Uuid, answer: Callback<bool>, busy: Signal<bool>) -> impl IntoView {
    let impact = LocalResource::new(move || key_usage_impact(old_id));
    let usage = move || match impact.get() {
        None => "Reading the old key's recent use…".to_owned(),
        Some(Ok(impact)) => impact.sentence(crate::clock::now()),
        Some(Err(error)) => format!("Its recent usage could not be read: {error}."),
    };
    view! {
        <ConfirmDialog id=format!("finish-{old_id}") title="Finish rotation?".to_owned() confirm="Finish now" busy answer>
            <p>
                "The old key: " <span class="impact">{usage}</span>
                " It stops working at once; channels still using it will be refused."
            </p>
        </ConfirmDialog>
    }
}
