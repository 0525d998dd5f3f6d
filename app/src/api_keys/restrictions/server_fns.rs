//! The server functions behind the Restrictions fieldset. Saving the list is the details form's
//! own `update_key`; these read and check.

use super::{RestrictionReport, SourceCount};
use crate::api_keys::Permission;
#[cfg(feature = "ssr")]
use crate::api_keys::server_fns::ssr;
#[cfg(feature = "ssr")]
use crate::auth::{Action, ssr::authorize};
use crate::error::AppError;
use crate::wire::JsonWire;
use leptos::prelude::*;
use uuid::Uuid;

/// `entry` as an entry of a `permission` key's list, in its normal spelling, or why it cannot
/// be one (`Add origin` / `Add network`). The same rule runs again on Save.
#[server(input = JsonWire, output = JsonWire)]
pub async fn check_restriction_entry(permission: Permission, entry: String) -> Result<String, AppError> {
    ssr::answer(
        async {
            authorize(Action::UpdateKey)?;
            super::entry::normalise(permission, &entry)
                .map_err(|message| AppError::invalid(crate::error::Field::Restrictions, message))
        }
        .await,
    )
}

/// `Suggest from traffic`: where the key was used from in the last 30 days, busiest first.
#[server(input = JsonWire, output = JsonWire)]
pub async fn restriction_suggestions(id: Uuid) -> Result<Vec<SourceCount>, AppError> {
    ssr::answer(
        async {
            authorize(Action::ViewKeys)?;
            ssr::store()?.restriction_suggestions(id, crate::clock::now()).await
        }
        .await,
    )
}

/// What enforcing the key's report-only restrictions would have refused in the last 7 days.
#[server(input = JsonWire, output = JsonWire)]
pub async fn key_restriction_report(id: Uuid) -> Result<RestrictionReport, AppError> {
    ssr::answer(
        async {
            authorize(Action::ViewKeys)?;
            ssr::store()?.restriction_report(id, crate::clock::now()).await
        }
        .await,
    )
}
