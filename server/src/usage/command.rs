//! `server key usage NAME-OR-ID [--since 7d]`: a key's verifications by result and by origin,
//! as text for a terminal.

use super::store::totals_since;
use crate::audit::printable;
use crate::entity::api_key::{Column, Entity as ApiKeys};
use app::usage::summary::thousands;
use chrono::{DateTime, Duration, SecondsFormat, Utc};
use sea_orm::{ColumnTrait, DatabaseConnection, EntityTrait, QueryFilter};
use std::fmt::Write;
use uuid::Uuid;

/// The report on the key `key` names (an id, or an exact name that only one key has).
pub async fn key_usage_text(
    db: &DatabaseConnection,
    key: &str,
    since: Duration,
    now: DateTime<Utc>,
) -> Result<String, String> {
    let database = |e: sea_orm::DbErr| format!("database: {e}");
    let found = match key.parse::<Uuid>() {
        Ok(id) => ApiKeys::find_by_id(id).all(db).await.map_err(database)?,
        Err(_) => ApiKeys::find().filter(Column::Name.eq(key)).all(db).await.map_err(database)?,
    };
    let row = match found.as_slice() {
        [row] => row,
        [] => return Err(format!("no API key has the id or name {:?}", printable(key))),
        many => {
            let ids: Vec<String> = many.iter().map(|row| row.id.to_string()).collect();
            return Err(format!(
                "{} keys are named {:?}; name one by its id: {}",
                many.len(),
                printable(key),
                ids.join(", ")
            ));
        }
    };
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
