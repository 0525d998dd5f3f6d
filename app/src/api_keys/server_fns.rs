//! The server functions the page calls. Each one first checks that the signed-in user may take
//! its action (`auth::ssr::authorize`: the server is the guard, whatever the page shows), then
//! reads the store from context and the clock once. An answer that carries a key's details
//! (its name, state, expiry) needs canView and canRead as well as the action's own right.

use super::attention::NoticeLink;
use super::bulk::{BulkAction, BulkOutcome, BulkPreview, Selection};
use super::input::{KeyChanges, NewKey};
#[cfg(feature = "ssr")]
use super::key_list::BrowserTableLimit;
use super::key_list::{KeyList, UsageSince};
use super::key_page::KeyPage;
use super::model::{ApiKey, CreatedKey, KeyRead};
use super::query::KeyQuery;
use super::rotation::{RotatedKey, RotationRequest, RotationsOfKey};
use crate::audit::AuditEntry;
#[cfg(feature = "ssr")]
use crate::auth::{Action, ssr::authorize};
use crate::error::AppError;
use crate::wire::JsonWire;
use leptos::prelude::*;
use uuid::Uuid;

#[cfg(feature = "ssr")]
pub mod ssr {
    use crate::api_keys::store::SharedKeyStore;
    use crate::error::AppError;
    use leptos::prelude::*;

    pub fn store() -> Result<SharedKeyStore, AppError> {
        use_context::<SharedKeyStore>().ok_or_else(|| {
            tracing::error!("no key store in the server function's context");
            AppError::Internal
        })
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

    /// Marks the response as carrying a secret: never cached, and never compressed (a
    /// compressed secret beside reflected input leaks through the size: BREACH). The console's
    /// compression skips answers that set `no-store` themselves (`security_headers::compressible`).
    pub fn forbid_caching() {
        if let Some(response) = use_context::<leptos_axum::ResponseOptions>() {
            response.insert_header(http::header::CACHE_CONTROL, http::HeaderValue::from_static("no-store"));
        }
    }
}

#[server(input = JsonWire, output = JsonWire)]
pub async fn list_keys(query: KeyQuery) -> Result<KeyPage, AppError> {
    ssr::answer(
        async {
            authorize(Action::ViewKeys)?;
            ssr::store()?.list(&query, crate::clock::now()).await
        }
        .await,
    )
}

/// Every key, for the browser to answer views itself (see `key_list`); `None` above the
/// server's limit (`--browser-table-limit`), where the page asks for each view instead. The page
/// calls it on its own (after hydration, every 30 s, after a reconnect), so it needs a live
/// session but does not extend it (`http::site::BACKGROUND_SERVER_FNS`).
#[server(input = JsonWire, output = JsonWire)]
pub async fn load_key_list() -> Result<Option<KeyList>, AppError> {
    ssr::answer(
        async {
            authorize(Action::ViewKeys)?;
            let limit = use_context::<BrowserTableLimit>().unwrap_or_default();
            ssr::store()?.list_all(limit.0, crate::clock::now()).await
        }
        .await,
    )
}

/// The usage figures of the keys used since `since` (Unix milliseconds), for the browser's
/// refresh every 30 s; like [`load_key_list`], it does not extend the session.
#[server(input = JsonWire, output = JsonWire)]
pub async fn load_usage_since(since_ms: i64) -> Result<UsageSince, AppError> {
    ssr::answer(
        async {
            authorize(Action::ViewKeys)?;
            let since = chrono::DateTime::from_timestamp_millis(since_ms)
                .ok_or_else(|| AppError::invalid(crate::error::Field::Filter, "That instant is out of range."))?;
            ssr::store()?.usage_since(since, crate::clock::now()).await
        }
        .await,
    )
}

/// The notices above the table (`attention`), with keys to show. The page reads them again after
/// every change it sees, its own or the live stream's; like [`load_key_list`], it does not extend
/// the session.
#[server(input = JsonWire, output = JsonWire)]
pub async fn load_key_notices() -> Result<Vec<NoticeLink>, AppError> {
    ssr::answer(
        async {
            authorize(Action::ViewKeys)?;
            let notices = ssr::store()?.notices(crate::clock::now()).await?;
            Ok(notices.iter().map(|notice| notice.link()).collect())
        }
        .await,
    )
}

/// A key the live stream says changed, for the browser's copy; like [`load_key_list`], it does
/// not extend the session.
#[server(input = JsonWire, output = JsonWire)]
pub async fn load_changed_key(id: Uuid) -> Result<ApiKey, AppError> {
    ssr::answer(
        async {
            authorize(Action::ViewKeys)?;
            ssr::store()?.get(id).await
        }
        .await,
    )
}

#[server(input = JsonWire, output = JsonWire)]
pub async fn get_key(id: Uuid) -> Result<KeyRead, AppError> {
    ssr::answer(
        async {
            authorize(Action::ViewKeys)?;
            let read_at = crate::clock::now();
            Ok(KeyRead { key: ssr::store()?.get(id).await?, read_at })
        }
        .await,
    )
}

#[server(input = JsonWire, output = JsonWire)]
pub async fn propose_copy(id: Uuid) -> Result<NewKey, AppError> {
    ssr::answer(
        async {
            authorize(Action::ViewKeys)?;
            authorize(Action::CreateKey)?;
            ssr::store()?.propose_copy(id, crate::clock::now()).await
        }
        .await,
    )
}

#[server(input = JsonWire, output = JsonWire)]
pub async fn create_key(new: NewKey) -> Result<CreatedKey, AppError> {
    ssr::forbid_caching();
    ssr::answer(
        async {
            let actor = authorize(Action::CreateKey)?;
            ssr::store()?.create(new, &actor, crate::clock::now()).await
        }
        .await,
    )
}

#[server(input = JsonWire, output = JsonWire)]
pub async fn update_key(id: Uuid, changes: KeyChanges) -> Result<ApiKey, AppError> {
    ssr::answer(
        async {
            authorize(Action::ViewKeys)?;
            let actor = authorize(Action::UpdateKey)?;
            ssr::store()?.update(id, changes, &actor, crate::clock::now()).await
        }
        .await,
    )
}

#[server(input = JsonWire, output = JsonWire)]
pub async fn set_key_enabled(id: Uuid, enabled: bool) -> Result<ApiKey, AppError> {
    ssr::answer(
        async {
            authorize(Action::ViewKeys)?;
            let actor = authorize(Action::UpdateKey)?;
            ssr::store()?.set_enabled(id, enabled, &actor, crate::clock::now()).await
        }
        .await,
    )
}

#[server(input = JsonWire, output = JsonWire)]
pub async fn delete_key(id: Uuid) -> Result<(), AppError> {
    ssr::answer(
        async {
            let actor = authorize(Action::DeleteKey)?;
            ssr::store()?.delete(id, &actor, crate::clock::now()).await
        }
        .await,
    )
}

/// A key's history for the details panel (it needs the same rights as seeing the key).
#[server(input = JsonWire, output = JsonWire)]
pub async fn key_history(id: Uuid) -> Result<Vec<AuditEntry>, AppError> {
    ssr::answer(
        async {
            authorize(Action::ViewKeys)?;
            ssr::store()?.history(id).await
        }
        .await,
    )
}

/// Rotates a key (the Rotate dialog): needs canCreate and canUpdate, as making the successor
/// and changing the old key do. The answer carries the new secret, once.
#[server(input = JsonWire, output = JsonWire)]
pub async fn rotate_key(id: Uuid, request: RotationRequest) -> Result<RotatedKey, AppError> {
    ssr::forbid_caching();
    ssr::answer(
        async {
            authorize(Action::ViewKeys)?;
            authorize(Action::CreateKey)?;
            let actor = authorize(Action::UpdateKey)?;
            ssr::store()?.rotate(id, request, &actor, crate::clock::now()).await
        }
        .await,
    )
}

/// `Finish now`: the old key of the rotation that replaced key `id` stops at once.
#[server(input = JsonWire, output = JsonWire)]
pub async fn finish_rotation(id: Uuid) -> Result<ApiKey, AppError> {
    ssr::answer(
        async {
            authorize(Action::ViewKeys)?;
            let actor = authorize(Action::UpdateKey)?;
            ssr::store()?.finish_rotation(id, &actor, crate::clock::now()).await
        }
        .await,
    )
}

/// `Extend`: the old key of the rotation that replaced key `id` works until `until_ms` (Unix
/// milliseconds), within its own expiry from before the rotation.
#[server(input = JsonWire, output = JsonWire)]
pub async fn extend_rotation(id: Uuid, until_ms: i64) -> Result<ApiKey, AppError> {
    ssr::answer(
        async {
            authorize(Action::ViewKeys)?;
            let actor = authorize(Action::UpdateKey)?;
            let until = chrono::DateTime::from_timestamp_millis(until_ms)
                .ok_or_else(|| AppError::invalid(crate::error::Field::Grace, "That date is out of range."))?;
            ssr::store()?.extend_rotation(id, until, &actor, crate::clock::now()).await
        }
        .await,
    )
}

/// The rotations key `id` took part in, with their migration meters (same rights as seeing it).
#[server(input = JsonWire, output = JsonWire)]
pub async fn key_rotations(id: Uuid) -> Result<RotationsOfKey, AppError> {
    ssr::answer(
        async {
            authorize(Action::ViewKeys)?;
            ssr::store()?.rotations(id, crate::clock::now()).await
        }
        .await,
    )
}

/// Previews a bulk action on the selection (a view's query, or keys picked by hand): needs the
/// rights that seeing keys needs, and the action's own (canUpdate, or canDelete for Delete).
#[server(input = JsonWire, output = JsonWire)]
pub async fn preview_bulk(selection: Selection, action: BulkAction) -> Result<BulkPreview, AppError> {
    ssr::answer(
        async {
            authorize(Action::ViewKeys)?;
            let actor = authorize(action.needs())?;
            ssr::store()?.preview_bulk(selection, action, &actor, crate::clock::now()).await
        }
        .await,
    )
}

/// Applies a preview: only its token and the action travel (the server kept the keys).
#[server(input = JsonWire, output = JsonWire)]
pub async fn apply_bulk(token: Uuid, action: BulkAction) -> Result<BulkOutcome, AppError> {
    ssr::answer(
        async {
            authorize(Action::ViewKeys)?;
            let actor = authorize(action.needs())?;
            ssr::store()?.apply_bulk(token, action, &actor, crate::clock::now()).await
        }
        .await,
    )
}
