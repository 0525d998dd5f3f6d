//! The Notifications page's server functions. Seeing the endpoints needs canView and canRead;
//! changing them needs all five rights (`Action::ManageWebhooks`); any signed-in user sets their
//! own mail preference. Answers that carry a new secret are neither cached nor compressed.

use super::endpoint::{CreatedEndpoint, Delivery, MailPreference, NewEndpoint, Notifications, RolledSecret};
#[cfg(feature = "ssr")]
use crate::auth::{Action, ssr::authorize};
use crate::error::AppError;
use crate::wire::JsonWire;
use leptos::prelude::*;
use uuid::Uuid;

#[cfg(feature = "ssr")]
mod ssr {
    use crate::error::AppError;
    use crate::webhooks::store::SharedNotificationStore;
    use leptos::prelude::*;

    pub fn store() -> Result<SharedNotificationStore, AppError> {
        use_context::<SharedNotificationStore>().ok_or_else(|| {
            tracing::error!("no webhook store in the server function's context");
            AppError::Internal
        })
    }
}

#[cfg(feature = "ssr")]
use crate::api_keys::server_fns::ssr::{answer, forbid_caching};

#[server(input = JsonWire, output = JsonWire)]
pub async fn load_notifications() -> Result<Notifications, AppError> {
    answer(
        async {
            authorize(Action::ViewKeys)?;
            let can_manage =
                crate::auth::ssr::current_user().is_some_and(|user| Action::ManageWebhooks.allowed(user.rights));
            let store = ssr::store()?;
            Ok(Notifications { endpoints: store.endpoints().await?, can_manage, secrets_ready: store.secrets_ready() })
        }
        .await,
    )
}

#[server(input = JsonWire, output = JsonWire)]
pub async fn add_endpoint(new: NewEndpoint) -> Result<CreatedEndpoint, AppError> {
    answer(
        async {
            let actor = authorize(Action::ManageWebhooks)?;
            forbid_caching();
            ssr::store()?.add(new, &actor, crate::clock::now()).await
        }
        .await,
    )
}

#[server(input = JsonWire, output = JsonWire)]
pub async fn remove_endpoint(id: Uuid) -> Result<(), AppError> {
    answer(
        async {
            let actor = authorize(Action::ManageWebhooks)?;
            ssr::store()?.remove(id, &actor, crate::clock::now()).await
        }
        .await,
    )
}

#[server(input = JsonWire, output = JsonWire)]
pub async fn set_endpoint_enabled(id: Uuid, enabled: bool) -> Result<(), AppError> {
    answer(
        async {
            let actor = authorize(Action::ManageWebhooks)?;
            ssr::store()?.set_enabled(id, enabled, &actor, crate::clock::now()).await
        }
        .await,
    )
}

#[server(input = JsonWire, output = JsonWire)]
pub async fn roll_endpoint_secret(id: Uuid) -> Result<RolledSecret, AppError> {
    answer(
        async {
            let actor = authorize(Action::ManageWebhooks)?;
            forbid_caching();
            ssr::store()?.roll_secret(id, &actor, crate::clock::now()).await
        }
        .await,
    )
}

#[server(input = JsonWire, output = JsonWire)]
pub async fn send_test_event(id: Uuid) -> Result<Delivery, AppError> {
    answer(
        async {
            let actor = authorize(Action::ManageWebhooks)?;
            ssr::store()?.send_test(id, &actor, crate::clock::now()).await
        }
        .await,
    )
}

#[server(input = JsonWire, output = JsonWire)]
pub async fn load_deliveries(id: Uuid) -> Result<Vec<Delivery>, AppError> {
    answer(
        async {
            authorize(Action::ViewKeys)?;
            ssr::store()?.deliveries(id).await
        }
        .await,
    )
}

#[server(input = JsonWire, output = JsonWire)]
pub async fn retry_delivery(message_id: Uuid) -> Result<(), AppError> {
    answer(
        async {
            let actor = authorize(Action::ManageWebhooks)?;
            ssr::store()?.retry(message_id, &actor, crate::clock::now()).await
        }
        .await,
    )
}

#[server(input = JsonWire, output = JsonWire)]
pub async fn load_mail_preference() -> Result<MailPreference, AppError> {
    answer(
        async {
            let actor = authorize(Action::SetOwnPreferences)?;
            ssr::store()?.mail_preference(&actor.name).await
        }
        .await,
    )
}

#[server(input = JsonWire, output = JsonWire)]
pub async fn set_expiry_mail(on: bool) -> Result<MailPreference, AppError> {
    answer(
        async {
            let actor = authorize(Action::SetOwnPreferences)?;
            ssr::store()?.set_expiry_mail(&actor.name, on).await
        }
        .await,
    )
}
