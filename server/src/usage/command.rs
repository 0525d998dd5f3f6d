//! `server key usage NAME-OR-ID [--since 7d]`: a key's verifications by result and by origin,
//! as text for a terminal.

use super::store::totals_since;
use crate::audit::printable;
use crate::entity::api_key;
use app::usage::summary::thousands;
use chrono::{DateTime, Duration, SecondsFormat, Utc};
use sea_orm::DatabaseConnection;
use std::fmt::Write;

/// The report on key `row` (as `key_store::named_key` finds it from the command line).
pub async fn key_usage_text(
    db: &DatabaseConnection,
    row: &api_key::Model,
    since: Duration,
    now: DateTime<Utc>,
) -> Result<String, String> {
    let database = |e: sea_orm::DbErr| format!("database: {e}");
    let from = now - since;
    let (totals, origins) = totals_since(db, row.id, from, now).await.map_err(database)?;
    let time = |at: DateTime<Utc>| at.to_rfc3339_opts(SecondsFormat::Secs, true);
    let mut out = String::new();
    let _ = writeln!(out, "{} ({}), since {}", printable(&row.name), row.id, time(from));
    let _ = writeln!(out, "last used: {}", row.last_used_at.map_or_else(|| "never".to_owned(), time));
    let _ = writeln!(out, "\n{:<20} {:>14}", "RESULT", "VERIFICATIONS");
    for (result, count) in &totals {
        let _ = writeln!(out, "{:<20} {:>14}", result.label(), thousands(*count));
    }
    let _ = writeln!(out, "\n{:<48} {:>14}  LAST SEEN", "ORIGIN", "VERIFICATIONS");
    for origin in &origins {
        let _ = writeln!(
            out,
            "{:<48} {:>14}  {}",
            printable(&origin.origin),
            thousands(origin.count),
            time(origin.last_seen)
        );
    }
    if origins.is_empty() {
        let _ = writeln!(out, "(no verifications)");
    }
    Ok(out)
}
