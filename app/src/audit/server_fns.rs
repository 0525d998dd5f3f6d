//! The Audit Log page's server function.

use super::page::AuditPage;
#[cfg(feature = "ssr")]
use super::query::{AuditQuery, AuditScope};
use crate::error::AppError;
use crate::wire::JsonWire;
use leptos::prelude::*;

#[cfg(feature = "ssr")]
fn trail() -> Result<super::store::SharedAuditTrail, AppError> {
    use_context::<super::store::SharedAuditTrail>().ok_or_else(|| {
        tracing::error!("no audit trail in the server function's context");
        AppError::Internal
    })
}

/// One page of the view `view` (the page's URL query string, as in its address bar). Key
/// events need canView and canRead; sign-ins and user and token changes, all five rights. An
/// unknown action or a malformed date is a 400 that says how to write it.
#[server(input = JsonWire, output = JsonWire)]
pub async fn audit_log(view: String) -> Result<AuditPage, AppError> {
    use crate::api_keys::server_fns::ssr::answer;
    answer(
        async {
            let user = crate::auth::ssr::current_user().ok_or(AppError::Unauthenticated)?;
            let scope = AuditScope::of(user.rights)
                .ok_or_else(|| AppError::Forbidden(crate::auth::Action::ViewKeys.refusal().to_owned()))?;
            let query = AuditQuery::from_query_string(&view)?;
            trail()?.page(&query, scope, crate::clock::now()).await
        }
        .await,
    )
}
