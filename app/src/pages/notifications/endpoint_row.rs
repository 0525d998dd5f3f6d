//! One endpoint: its URL (credentials masked), description, events, state and last delivery, and
//! what can be done to it.

use super::deliveries::DeliveryLog;
use super::{Reload, when};
use crate::webhooks::endpoint::{Delivery, Endpoint, RolledSecret};
use crate::webhooks::event::EventType;
use crate::webhooks::server_fns::{remove_endpoint, roll_endpoint_secret, send_test_event, set_endpoint_enabled};
use leptos::prelude::*;
use uuid::Uuid;

#[component]
pub(super) fn EndpointRow(endpoint: Endpoint, can_manage: bool) -> impl IntoView {
    let reload = expect_context::<Reload>();
    let id = endpoint.id;
    let enabled = endpoint.enabled;
    let refusal = (!can_manage).then_some(crate::auth::Action::ManageWebhooks.refusal());
    let test = Action::new(move |id: &Uuid| send_test_event(*id));
    let roll = Action::new(move |id: &Uuid| roll_endpoint_secret(*id));
    let switch = Action::new(move |(id, on): &(Uuid, bool)| set_endpoint_enabled(*id, *on));
    let remove = Action::new(move |id: &Uuid| remove_endpoint(*id));
    let confirming_removal = RwSignal::new(false);
    let showing_log = RwSignal::new(false);
    let log_version = RwSignal::new(0u32);
    Effect::new(move |_| {
        if let Some(Ok(())) = switch.value().get() {
            reload.run();
        }
    });
    Effect::new(move |_| {
        if let Some(Ok(())) = remove.value().get() {
            reload.run();
        }
    });
    // A test's delivery is the endpoint's last one: shown at once, and in the log if it is open.
    let last_delivery = RwSignal::new(endpoint.last_delivery.clone());
    Effect::new(move |_| {
        if let Some(answer) = test.value().get() {
            if let Ok(delivery) = answer {
                last_delivery.set(Some(delivery));
            }
            log_version.update(|n| *n += 1);
        }
    });
    let error = move || {
        let message = |e: &crate::error::AppError| e.to_string();
        switch
            .value()
            .with(|v| v.as_ref().and_then(|r| r.as_ref().err().map(message)))
            .or_else(|| remove.value().with(|v| v.as_ref().and_then(|r| r.as_ref().err().map(message))))
            .or_else(|| roll.value().with(|v| v.as_ref().and_then(|r| r.as_ref().err().map(message))))
    };
    let description = (!endpoint.description.is_empty()).then(|| endpoint.description.clone());
    let state = if enabled { "Enabled" } else { "Disabled" };
    view! {
        <li class="endpoint" data-endpoint=id.to_string()>
            <div class="endpoint-head">
                <code class="endpoint-url">{endpoint.url.clone()}</code>
                <span class=if enabled { "state on" } else { "state off" }>{state}</span>
            </div>
            {description.map(|d| view! { <p class="endpoint-description">{d}</p> })}
            {endpoint.disabled_reason.clone().map(|reason| view! { <p class="warning" role="note">{reason}</p> })}
            <p class="endpoint-events">
                "Events: " {EventType::list_text(&endpoint.events).replace(',', ", ")}
            </p>
            <p class="endpoint-last">
                "Last delivery: " {move || last_delivery.with(|last| last_delivery_text(last.as_ref()))}
            </p>
            {endpoint.previous_secret_until.map(|until| view! {
                <p class="muted">"The previous secret also signs until " {when(until)} "."</p>
            })}
            <div class="endpoint-actions">
                <button type="button" disabled=move || !can_manage || test.pending().get() title=refusal
                    on:click=move |_| { test.dispatch(id); }>
                    {move || if test.pending().get() { "Sending…" } else { "Send test event" }}
                </button>
                <button type="button" disabled=move || !can_manage || roll.pending().get() title=refusal
                    on:click=move |_| { roll.dispatch(id); }>"Roll secret"</button>
                <button type="button" disabled=!can_manage title=refusal
                    on:click=move |_| { switch.dispatch((id, !enabled)); }>
                    {if enabled { "Disable" } else { "Enable" }}
                </button>
                <button type="button" class="danger" disabled=!can_manage title=refusal
                    on:click=move |_| confirming_removal.set(true)>"Remove"</button>
                <button type="button" aria-expanded=move || showing_log.get().to_string()
                    on:click=move |_| showing_log.update(|s| *s = !*s)>"Delivery log"</button>
            </div>
            {move || test.value().get().map(|answer| match answer {
                Ok(delivery) => view! {
                    <p class=if delivery.succeeded() { "test-result ok" } else { "test-result error" } role="status">
                        "Test event: " {delivery.result_text()} {format!(" in {} ms", delivery.duration_ms)}
                    </p>
                }.into_any(),
                Err(e) => view! { <p class="error" role="alert">{e.to_string()}</p> }.into_any(),
            })}
            {move || roll.value().get().and_then(Result::ok).map(|RolledSecret { secret, old_until }| view! {
                <SecretShown secret what="A new signing secret was made. It".to_owned()/>
                <p class="muted">"The old secret also signs until " {when(old_until)} ", so receivers can switch over."</p>
            })}
            <Show when=move || confirming_removal.get()>
                <div class="confirm-inline" role="alertdialog" aria-label="Remove endpoint">
                    <p>"Remove this endpoint with its pending messages and delivery log?"</p>
                    <button type="button" on:click=move |_| confirming_removal.set(false)>"Cancel"</button>
                    <button type="button" class="danger" on:click=move |_| { remove.dispatch(id); }>"Remove endpoint"</button>
                </div>
            </Show>
            {move || error().map(|e| view! { <p class="error" role="alert">{e}</p> })}
            <Show when=move || showing_log.get()>
                <DeliveryLog endpoint=id can_manage version=log_version/>
            </Show>
        </li>
    }
}

fn last_delivery_text(delivery: Option<&Delivery>) -> String {
    match delivery {
        None => "none yet".to_owned(),
        Some(delivery) => format!("{} ({}, {})", delivery.result_text(), delivery.event, when(delivery.at)),
    }
}

/// A signing secret, shown this once. `what` finishes with "…: ".
#[component]
pub(super) fn SecretShown(secret: String, what: String) -> impl IntoView {
    view! {
        <div class="secret-once" role="status">
            <p>{what} " is shown this once:"</p>
            <code class="secret" data-testid="webhook-secret">{secret}</code>
            <p class="warning">
                "Copy it now into the receiver's settings: Keydesk will not show it again. "
                "Receivers verify each delivery's webhook-signature with it."
            </p>
        </div>
    }
}
