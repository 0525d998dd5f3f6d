//! An endpoint's delivery log: its last 100 attempts, newest first, with `Retry` for messages
//! that were given up.

use super::when;
use crate::webhooks::endpoint::Delivery;
use crate::webhooks::server_fns::{load_deliveries, retry_delivery};
use leptos::prelude::*;
use uuid::Uuid;

#[component]
pub(super) fn DeliveryLog(endpoint: Uuid, can_manage: bool, version: RwSignal<u32>) -> impl IntoView {
    let retried = RwSignal::new(0u32);
    let log = Resource::new_serde_wb(move || (version.get(), retried.get()), move |_| load_deliveries(endpoint));
    let retry = Action::new(move |message: &Uuid| retry_delivery(*message));
    Effect::new(move |_| {
        if let Some(Ok(())) = retry.value().get() {
            retried.update(|n| *n += 1);
        }
    });
    view! {
        <div class="delivery-log">
            <h3>"Delivery log"</h3>
            <Transition fallback=|| view! { <p class="loading">"Loading deliveries…"</p> }>
                {move || log.get().map(|answer| match answer {
                    Ok(deliveries) if deliveries.is_empty() => view! { <p class="empty">"No deliveries yet."</p> }.into_any(),
                    Ok(deliveries) => view! { <LogTable deliveries can_manage retry/> }.into_any(),
                    Err(e) => view! { <p class="error" role="alert">{e.to_string()}</p> }.into_any(),
                })}
            </Transition>
            {move || retry.value().get().and_then(Result::err).map(|e| view! { <p class="error" role="alert">{e.to_string()}</p> })}
            {move || retry.value().get().and_then(Result::ok).map(|()| view! { <p class="muted" role="status">"Queued: it is tried again within a few seconds."</p> })}
        </div>
    }
}

#[component]
fn LogTable(
    deliveries: Vec<Delivery>,
    can_manage: bool,
    retry: Action<Uuid, Result<(), crate::error::AppError>>,
) -> impl IntoView {
    view! {
        <table class="deliveries">
            <thead>
                <tr>
                    <th scope="col">"Event"</th>
                    <th scope="col">"Time"</th>
                    <th scope="col">"Result"</th>
                    <th scope="col">"Duration"</th>
                    <th scope="col">"Attempt"</th>
                    <th scope="col"><span class="visually-hidden">"Actions"</span></th>
                </tr>
            </thead>
            <tbody>
                {deliveries.into_iter().map(|delivery| {
                    let message = delivery.message_id;
                    view! {
                        <tr class=if delivery.succeeded() { "ok" } else { "failed" }>
                            <td><code>{delivery.event.clone()}</code></td>
                            <td>{when(delivery.at)}</td>
                            <td>{delivery.result_text()}</td>
                            <td>{format!("{} ms", delivery.duration_ms)}</td>
                            <td>{delivery.attempt}</td>
                            <td>
                                {(delivery.retryable && can_manage).then(|| view! {
                                    <button type="button" on:click=move |_| { retry.dispatch(message); }>"Retry"</button>
                                })}
                            </td>
                        </tr>
                    }
                }).collect_view()}
            </tbody>
        </table>
    }
}
