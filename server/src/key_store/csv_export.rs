//! `GET /api/keys.csv?<the page's view>`: the keys of the table's current view (its search,
//! filters and sort; every page of it) as CSV, for spreadsheets. It needs the rights that seeing
//! the keys needs, and never carries a secret or its hash.
//!
//! The rows are streamed: read one at a time from the database and sent in chunks, so 100,000
//! keys export without being held in memory at once. Names and creators are text people chose:
//! cells a spreadsheet would read as a formula are neutralised (OWASP's CSV injection advice).

use super::view_sql::{filtered, sorted};
use crate::entity::api_key::Column;
use crate::usage::csv_export::neutralised;
use crate::usage::store::week_total_of_each_key;
use app::api_keys::{KeyQuery, Permission, status};
use app::auth::{Action, CurrentUser};
use axum::Extension;
use axum::Json;
use axum::body::{Body, Bytes};
use axum::extract::{Query, State};
use axum::http::{HeaderValue, StatusCode, header};
use axum::response::{IntoResponse, Response};
use chrono::{DateTime, SecondsFormat, Utc};
use futures::{SinkExt, TryStreamExt};
use sea_orm::{DatabaseConnection, DbErr, FromQueryResult, QuerySelect};
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

/// Bytes gathered before a chunk is sent.
const CHUNK: usize = 64 * 1024;

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

/// The page's view in the link: an unknown value falls back to the default, as on the page.
pub fn view_of(pairs: &[(String, String)]) -> KeyQuery {
    KeyQuery::from_url_params(|wanted| pairs.iter().find(|(key, _)| key == wanted).map(|(_, value)| value.clone()))
}

pub async fn download(
    State(db): State<DatabaseConnection>,
    Extension(user): Extension<CurrentUser>,
    Query(pairs): Query<Vec<(String, String)>>,
) -> Response {
    if let Err(error) = user.check(Action::ViewKeys) {
        let status = StatusCode::from_u16(error.status_code()).unwrap_or(StatusCode::FORBIDDEN);
        return (status, Json(error)).into_response();
    }
    let query = view_of(&pairs);
    let now = Utc::now();
    let (mut sender, receiver) = futures::channel::mpsc::channel::<Result<Bytes, std::io::Error>>(4);
    tokio::spawn(async move {
        if let Err(error) = write_view(&db, &query, now, &mut sender).await {
            // The download stops short (the client sees a broken transfer, not a complete file).
            tracing::error!(%error, "the keys' CSV export failed");
            let _ = sender.send(Err(std::io::Error::other("export failed"))).await;
        }
    });
    let file = format!("api-keys-{}.csv", now.format("%Y%m%d-%H%M"));
    let disposition = HeaderValue::from_str(&format!("attachment; filename=\"{file}\""))
        .unwrap_or(HeaderValue::from_static("attachment"));
    let headers = [
        (header::CONTENT_TYPE, HeaderValue::from_static("text/csv; charset=utf-8")),
        (header::CONTENT_DISPOSITION, disposition),
        (header::CACHE_CONTROL, HeaderValue::from_static("no-store")),
    ];
    (headers, Body::from_stream(receiver)).into_response()
}

#[derive(Debug, thiserror::Error)]
enum ExportError {
    #[error("database: {0}")]
    Database(#[from] DbErr),
    #[error("csv: {0}")]
    Csv(#[from] csv::Error),
    #[error("the client went away")]
    Gone,
}

/// Writes `query`'s whole view at `now` into `sender`, in chunks.
async fn write_view(
    db: &DatabaseConnection,
    query: &KeyQuery,
    now: DateTime<Utc>,
    sender: &mut futures::channel::mpsc::Sender<Result<Bytes, std::io::Error>>,
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
    let chunk = || csv::Writer::from_writer(Vec::with_capacity(CHUNK + 1024));
    let mut csv = chunk();
    csv.write_record(COLUMNS)?;
    while let Some(row) = rows.try_next().await? {
        csv.write_record(record(&row, now))?;
        if csv.get_ref().len() >= CHUNK {
            send(std::mem::replace(&mut csv, chunk()), sender).await?;
        }
    }
    send(csv, sender).await
}

async fn send(
    csv: csv::Writer<Vec<u8>>,
    sender: &mut futures::channel::mpsc::Sender<Result<Bytes, std::io::Error>>,
) -> Result<(), ExportError> {
    let bytes = csv.into_inner().map_err(|error| csv::Error::from(error.into_error()))?;
    sender.send(Ok(Bytes::from(bytes))).await.map_err(|_| ExportError::Gone)
}

fn time(at: DateTime<Utc>) -> String {
    at.to_rfc3339_opts(SecondsFormat::Millis, true)
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
        let view = view_of(&pairs("q=shop&status=soon_unavailable&sort=name&dir=desc&page=3"));
        assert_eq!(view.search, "shop");
        assert_eq!(view.sort, app::api_keys::SortColumn::Name);
        assert_eq!(view_of(&pairs("sort=nonsense&usage=whatever")), KeyQuery::default());
        assert_eq!(view_of(&[]), KeyQuery::default());
    }
}
