//! The server functions the page calls. Each one reads the store and the acting user from
//! context (the server provides both) and reads the clock once.

use super::input::{KeyChanges, NewKey};
use super::model::{ApiKey, CreatedKey};
use super::query::{KeyPage, KeyQuery};
use crate::error::AppError;
use leptos::prelude::*;
use leptos::server_fn::codec::Json;
use uuid::Uuid;

#[cfg(feature = "ssr")]
pub mod ssr {
    use crate::api_keys::store::SharedKeyStore;
    use crate::error::AppError;
    use leptos::prelude::*;

    /// Who is acting, as "Created By" records it. Provided by the server per request.
    #[derive(Debug, Clone, PartialEq, Eq)]
    pub struct Actor(pub String);

    pub fn store() -> Result<SharedKeyStore, AppError> {
        use_context::<SharedKeyStore>().ok_or_else(|| {
            tracing::error!("no key store in the server function's context");
            AppError::Internal
        })
    }

    pub fn actor() -> Result<Actor, AppError> {
        use_context::<Actor>().ok_or_else(|| AppError::Forbidden("act without signing in".into()))
    }

    /// Gives a failed server function the HTTP status its error deserves (400, 404, 409, ...),
    /// so API clients and logs see more than a generic 500.
    pub fn answer<T>(result: Result<T, AppError>) -> Result<T, AppError> {
        if let (Err(error), Some(response)) = (&result, use_context::<leptos_axum::ResponseOptions>())
            && let Ok(status) = http::StatusCode::from_u16(error.status_code())
        {
            response.set_status(status);
        }
        result
    }

    /// Marks the response as never to be cached (it carries a secret).
    pub fn forbid_caching() {
        if let Some(response) = use_context::<leptos_axum::ResponseOptions>() {
            response.insert_header(http::header::CACHE_CONTROL, http::HeaderValue::from_static("no-store"));
        }
    }
}

#[server(input = Json)]
pub async fn list_keys(query: KeyQuery) -> Result<KeyPage, AppError> {
    ssr::answer(async { ssr::store()?.list(&query, crate::clock::now()).await }.await)
}

#[server(input = Json)]
pub async fn get_key(id: Uuid) -> Result<ApiKey, AppError> {
    ssr::answer(async { ssr::store()?.get(id).await }.await)
}

#[server(input = Json)]
pub async fn propose_copy(id: Uuid) -> Result<NewKey, AppError> {
    ssr::answer(async { ssr::store()?.propose_copy(id, crate::clock::now()).await }.await)
}

#[server(input = Json)]
pub async fn create_key(new: NewKey) -> Result<CreatedKey, AppError> {
    ssr::forbid_caching();
    ssr::answer(
        async {
            let actor = ssr::actor()?;
            ssr::store()?.create(new, &actor.0, crate::clock::now()).await
        }
        .await,
    )
}

#[server(input = Json)]
pub async fn update_key(id: Uuid, changes: KeyChanges) -> Result<ApiKey, AppError> {
    ssr::answer(
        async {
            ssr::actor()?;
            ssr::store()?.update(id, changes, crate::clock::now()).await
        }
        .await,
    )
}

#[server(input = Json)]
pub async fn set_key_enabled(id: Uuid, enabled: bool) -> Result<ApiKey, AppError> {
    ssr::answer(
        async {
            ssr::actor()?;
            ssr::store()?.set_enabled(id, enabled, crate::clock::now()).await
        }
        .await,
    )
}

#[server(input = Json)]
pub async fn delete_key(id: Uuid) -> Result<(), AppError> {
    ssr::answer(
        async {
            ssr::actor()?;
            ssr::store()?.delete(id).await
        }
        .await,
    )
}
