//! "Disable NAME?": asked before switching off a key that answered valid in the last 24 hours,
//! with who still uses it. A key unused for a day switches off at once: the question reads the
//! key's usage first, and answers itself without showing anything.

use super::PageContext;
use super::confirm_dialog::ConfirmDialog;
use crate::usage::server_fns::key_usage_impact;
use leptos::prelude::*;
use uuid::Uuid;

/// A switch-off waiting for an answer.
#[derive(Clone)]
pub struct DisableQuestion {
    pub id: Uuid,
    pub name: String,
    /// `true`: disable it; `false`: leave it on.
    pub answer: Callback<bool>,
}

#[component]
pub fn DisableDialog(question: DisableQuestion) -> impl IntoView {
    let page = expect_context::<PageContext>();
    let DisableQuestion { id, name, answer } = question;
    let reply = Callback::new(move |disable: bool| {
        page.disabling.set(None);
        answer.run(disable);
    });
    let impact = LocalResource::new(move || key_usage_impact(id));
    // What to ask, once the usage is read; `None` while reading, or when there is nothing to ask.
    let usage = move || {
        let now = crate::clock::now();
        match impact.get()? {
            Ok(impact) if !impact.in_use(now) => None,
            Ok(impact) => Some(impact.sentence(now)),
            Err(error) => Some(format!("Its recent usage could not be read: {error}.")),
        }
    };
    Effect::new(move |_| {
        if matches!(impact.get(), Some(Ok(ref impact)) if !impact.in_use(crate::clock::now())) {
            reply.run(true);
        }
    });
    move || {
        usage().map(|usage| {
            view! {
                <ConfirmDialog id=format!("disable-{id}") title=format!("Disable {name}?") confirm="Disable"
                    busy=false answer=reply>
                    <p>
                        <span class="impact">{usage}</span>
                        " Every channel using it will be refused until it is enabled again."
                    </p>
                </ConfirmDialog>
            }
        })
    }
}
