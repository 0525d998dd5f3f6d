//! The server functions behind the usage views. Seeing a key's usage needs the same rights as
//! seeing the key.

use super::{Range, UsageImpact, UsageReport};
#[cfg(feature = "ssr")]
use crate::api_keys::server_fns::ssr;
#[cfg(feature = "ssr")]
use crate::auth::{Action, ssr::authorize};
use crate::error::AppError;
use crate::wire::JsonWire;
use leptos::prelude::*;
use uuid::Uuid;

/// `range` as the URL spells it (`24h`, `7d`, `30d`, `90d`; none: `7d`).
pub fn parse_range(range: Option<&str>) -> Result<Range, AppError> {
    match range {
        None => Ok(Range::default()),
        Some(code) => Range::parse(code)
            .ok_or_else(|| AppError::Malformed(format!("the range {code:?} is not one of 24h, 7d, 30d, 90d"))),
    }
}

/// A key's usage over a range, for its details panel.
#[server(input = JsonWire, output = JsonWire)]
pub async fn key_usage(id: Uuid, #[server(default)] range: Option<String>) -> Result<UsageReport, AppError> {
    ssr::answer(
        async {
            authorize(Action::ViewKeys)?;
            let range = parse_range(range.as_deref())?;
            ssr::store()?.usage(id, range, crate::clock::now()).await
        }
        .await,
    )
}

/// What stopping a key would break, for the Delete and Disable dialogs.
#[server(input = JsonWire, output = JsonWire)]
pub async fn key_usage_impact(id: Uuid) -> Result<UsageImpact, AppError> {
    ssr::answer(
        async {
            authorize(Action::ViewKeys)?;
            ssr::store()?.usage_impact(id, crate::clock::now()).await
        }
        .await,
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn an_unknown_range_is_refused_with_a_clear_message() {
        assert_eq!(parse_range(None), Ok(Range::Week));
        assert_eq!(parse_range(Some("90d")), Ok(Range::Quarter));
        let refused = parse_range(Some("1y")).unwrap_err();
        assert_eq!(refused.status_code(), 400);
        assert!(refused.to_string().contains("\"1y\""), "{refused}");
    }
}
