//! `GET /api/keys.csv?<the page's view>`: the keys of the table's current view (its search,
//! filters and sort; every page of it) as CSV, for spreadsheets. It needs the rights that seeing
//! the keys needs, and never carries a secret or its hash.
//!
//! The rows are streamed (`csv_stream`): 100,000 keys export without being held in memory at
//! once, and names and creators a spreadsheet would read as formulas are neutralised.

use super::view_sql::{filtered, sorted};
use crate::csv_stream::{self, ChunkedCsv, ExportError, neutralised, refused, time};
use crate::entity::api_key::Column;
use crate::usage::store::week_total_of_each_key;
use app::api_keys::{KeyQuery, Permission, status};
use app::auth::{Action, CurrentUser};
use axum::Extension;
use axum::extract::{Query, State};
use axum::response::Response;
use chrono::{DateTime, Utc};
use futures::TryStreamExt;
use sea_orm::{DatabaseConnection, FromQueryResult, QuerySelect};
use uuid::Uuid;

/// Where the download lives.
pub const PATH: &str = app::api_keys::query::EXPORT_PATH;

/// The columns, in order.
pub const COLUMNS: [&str; 11] = [
    "id",
    "name",
    "permission",
    "enabled",
    "status",
    "created_at",
    "created_by",
    "expires_at",
    "last_used_at",
    "verifications_7d",
    "restriction_mode",
];

/// One exported row: a key's columns without its secret's hash, and its week's valid uses.
#[derive(Debug, FromQueryResult)]
struct ExportedKey {
    id: Uuid,
    name: String,
    permission: String,
    enabled: bool,
    expires_at: Option<DateTime<Utc>>,
    created_at: DateTime<Utc>,
    created_by: String,
    last_used_at: Option<DateTime<Utc>>,
    verifications_7d: i64,
    /// `off`, `report_only` or `enforce` (the list itself is not exported).
    restriction_mode: String,
}

pub async fn download(
    State(db): State<DatabaseConnection>,
    Extension(user): Extension<CurrentUser>,
    Query(pairs): Query<Vec<(String, String)>>,
) -> Response {
    if let Err(error) = user.check(Action::ViewKeys) {
        return refused(error);
    }
    // The page's view in the link: an unknown value falls back to the default, as on the page.
    let query = KeyQuery::from_pairs(&pairs);
    let now = Utc::now();
    let file = format!("api-keys-{}.csv", now.format("%Y%m%d-%H%M"));
    csv_stream::download(
        &file,
        "keys'",
        move |mut sender| async move { write_view(&db, &query, now, &mut sender).await },
    )
}

/// Writes `query`'s whole view at `now` into `sender`, in chunks.
async fn write_view(
    db: &DatabaseConnection,
    query: &KeyQuery,
    now: DateTime<Utc>,
    sender: &mut csv_stream::Sender,
) -> Result<(), ExportError> {
    let select = sorted(filtered(query, now), query, now, db.get_database_backend())
        .select_only()
        .columns([
            Column::Id,
            Column::Name,
            Column::Permission,
            Column::Enabled,
            Column::ExpiresAt,
            Column::CreatedAt,
            Column::CreatedBy,
            Column::LastUsedAt,
        ])
        .column_as(week_total_of_each_key(now), "verifications_7d")
        .column(Column::RestrictionMode);
    let mut rows = select.into_model::<ExportedKey>().stream(db).await?;
    let mut csv = ChunkedCsv::new(sender);
    csv.write(COLUMNS).await?;
    while let Some(row) = rows.try_next().await? {
        csv.write(record(&row, now)).await?;
    }
    csv.finish().await
}

fn record(row: &ExportedKey, now: DateTime<Utc>) -> [String; COLUMNS.len()] {
    let status = status::status(row.enabled, row.expires_at, now).label();
    let permission =
        row.permission.parse::<Permission>().map_or_else(|_| row.permission.clone(), |p| p.as_str().to_owned());
    [
        row.id.to_string(),
        neutralised(&row.name).into_owned(),
        permission,
        row.enabled.to_string(),
        status.to_owned(),
        time(row.created_at),
        neutralised(&row.created_by).into_owned(),
        row.expires_at.map(time).unwrap_or_default(),
        row.last_used_at.map(time).unwrap_or_default(),
        row.verifications_7d.to_string(),
        neutralised(&row.restriction_mode).into_owned(),
    ]
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_link_carries_the_pages_view_and_unknown_values_fall_back() {
        let pairs = |text: &str| -> Vec<(String, String)> {
            text.split('&').filter_map(|pair| pair.split_once('=')).map(|(k, v)| (k.into(), v.into())).collect()
        };
        let view = KeyQuery::from_pairs(&pairs("q=shop&status=soon_unavailable&sort=name&dir=desc&page=3"));
        assert_eq!(view.search, "shop");
        assert_eq!(view.sort, app::api_keys::SortColumn::Name);
        assert_eq!(KeyQuery::from_pairs(&pairs("sort=nonsense&usage=whatever")), KeyQuery::default());
        assert_eq!(KeyQuery::from_pairs(&[]), KeyQuery::default());
    }
}
