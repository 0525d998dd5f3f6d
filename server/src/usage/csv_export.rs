//! `GET /api/keys/{id}/usage.csv?range=7d`: the range's buckets as CSV (bucket start, result,
//! origin, count), for spreadsheets. It needs the rights that seeing the key needs.
//!
//! An origin is text the caller chose: a cell that a spreadsheet would read as a formula (it
//! begins with `=`, `+`, `-`, `@`, a tab or a carriage return) is written with a leading `'`, as
//! OWASP advises against CSV injection.

use super::store::origin_rows;
use crate::csv_stream::{neutralised, refused};
use crate::entity::api_key::Entity as ApiKeys;
use app::auth::{Action, CurrentUser};
use app::error::AppError;
use app::usage::UsageResult;
use app::usage::server_fns::parse_range;
use axum::Extension;
use axum::extract::{Path, Query, State};
use axum::http::{HeaderValue, header};
use axum::response::{IntoResponse, Response};
use chrono::{DateTime, SecondsFormat, Utc};
use sea_orm::{DatabaseConnection, EntityTrait};
use serde::Deserialize;
use uuid::Uuid;

/// Where the download lives; `{id}` is the key's id.
pub const PATH: &str = "/api/keys/{id}/usage.csv";

#[derive(Debug, Deserialize)]
pub struct CsvQuery {
    range: Option<String>,
}

pub async fn download(
    State(db): State<DatabaseConnection>,
    Extension(user): Extension<CurrentUser>,
    Path(id): Path<Uuid>,
    Query(query): Query<CsvQuery>,
) -> Response {
    if let Err(error) = user.check(Action::ViewKeys) {
        return refused(error);
    }
    let range = match parse_range(query.range.as_deref()) {
        Ok(range) => range,
        Err(error) => return refused(error),
    };
    let now = Utc::now();
    let key = match ApiKeys::find_by_id(id).one(&db).await {
        Ok(Some(key)) => key,
        Ok(None) => return refused(AppError::NotFound),
        Err(error) => {
            tracing::error!(%error, "cannot read a key for its usage");
            return refused(AppError::Internal);
        }
    };
    let rows = match origin_rows(&db, id, range.resolution(), range.since(now).timestamp()).await {
        Ok(rows) => rows,
        Err(error) => {
            tracing::error!(%error, "cannot read a key's usage");
            return refused(AppError::Internal);
        }
    };
    let mut rows: Vec<(i64, UsageResult, String, i64)> = rows
        .into_iter()
        .filter_map(|row| UsageResult::parse(&row.result).map(|result| (row.bucket, result, row.label, row.count)))
        .collect();
    rows.sort();
    let Ok(body) = to_csv(&rows) else {
        return refused(AppError::Internal);
    };
    let file = format!("usage-{}-{}.csv", file_name_part(&key.name), range.code());
    let disposition = HeaderValue::from_str(&format!("attachment; filename=\"{file}\""))
        .unwrap_or(HeaderValue::from_static("attachment"));
    (
        [
            (header::CONTENT_TYPE, HeaderValue::from_static("text/csv; charset=utf-8")),
            (header::CONTENT_DISPOSITION, disposition),
        ],
        body,
    )
        .into_response()
}

/// The rows (bucket start, result, origin, count) as CSV with a header line.
fn to_csv(rows: &[(i64, UsageResult, String, i64)]) -> Result<Vec<u8>, csv::Error> {
    let mut csv = csv::Writer::from_writer(Vec::new());
    csv.write_record(["bucket_start", "result", "origin", "count"])?;
    for (bucket, result, origin, count) in rows {
        let start = DateTime::from_timestamp(*bucket, 0).unwrap_or_default().to_rfc3339_opts(SecondsFormat::Secs, true);
        csv.write_record([start.as_str(), result.code(), &neutralised(origin), &count.to_string()])?;
    }
    csv.into_inner().map_err(|error| error.into_error().into())
}

/// A key's name as part of a file name: letters, digits, `-` and `_` only.
fn file_name_part(name: &str) -> String {
    let part: String = name
        .chars()
        .map(|c| if c.is_ascii_alphanumeric() || c == '-' || c == '_' { c } else { '-' })
        .take(48)
        .collect();
    if part.is_empty() { "key".to_owned() } else { part }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn formulas_are_neutralised_and_file_names_are_plain() {
        for hostile in ["=HYPERLINK(\"http://x\")", "+1", "-2", "@SUM(A1)", "\tx", "\rx"] {
            assert!(neutralised(hostile).starts_with('\''), "{hostile}");
        }
        assert_eq!(neutralised("https://shop.example.com"), "https://shop.example.com");
        let part = file_name_part("Chat widget \"é\"/..\\");
        assert!(
            part.starts_with("Chat-widget-") && part.chars().all(|c| c.is_ascii_alphanumeric() || c == '-'),
            "{part}"
        );
        assert_eq!(file_name_part(""), "key");
    }
}
