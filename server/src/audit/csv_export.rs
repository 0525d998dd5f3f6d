//! `GET /api/audit.csv?<the Audit Log page's view>`: the view's events (every page of it), newest
//! first, as CSV. It needs the rights the page needs, shows what the page shows (key events, or
//! everything for users with all five rights), and never carries a secret: the trail holds none.

use super::trail::{Walk, filtered, newest_first};
use crate::csv_stream::{self, ChunkedCsv, ExportError, neutralised, refused, time};
use app::audit::AuditEntry;
use app::audit::query::{AuditQuery, AuditScope};
use app::auth::{Action, CurrentUser};
use app::error::AppError;
use axum::Extension;
use axum::extract::{RawQuery, State};
use axum::response::Response;
use chrono::Utc;
use futures::TryStreamExt;
use sea_orm::DatabaseConnection;

/// Where the download lives.
pub const PATH: &str = app::audit::query::EXPORT_PATH;

/// The columns, in order.
pub const COLUMNS: [&str; 10] =
    ["at", "who", "from", "action", "subject", "details", "note", "key_id", "other_key_id", "batch_id"];

pub async fn download(
    State(db): State<DatabaseConnection>,
    Extension(user): Extension<CurrentUser>,
    RawQuery(view): RawQuery,
) -> Response {
    let Some(scope) = AuditScope::of(user.rights) else {
        return refused(AppError::Forbidden(Action::ViewKeys.refusal().to_owned()));
    };
    let query = match AuditQuery::from_query_string(view.as_deref().unwrap_or_default()) {
        Ok(query) => query,
        Err(error) => return refused(error),
    };
    let now = Utc::now();
    let file = format!("audit-log-{}.csv", now.format("%Y%m%d-%H%M"));
    csv_stream::download(&file, "audit log's", move |mut sender| async move {
        write_view(&db, &query, scope, &mut sender).await
    })
}

async fn write_view(
    db: &DatabaseConnection,
    query: &AuditQuery,
    scope: AuditScope,
    sender: &mut csv_stream::Sender,
) -> Result<(), ExportError> {
    let rows = newest_first(filtered(query, scope, Walk::ByTime, db.get_database_backend()));
    let mut rows = rows.stream(db).await?;
    let mut csv = ChunkedCsv::new(sender);
    csv.write(COLUMNS).await?;
    while let Some(row) = rows.try_next().await? {
        csv.write(record(&super::entry(row))).await?;
    }
    csv.finish().await
}

fn record(entry: &AuditEntry) -> [String; COLUMNS.len()] {
    let id = |id: Option<uuid::Uuid>| id.map(|id| id.to_string()).unwrap_or_default();
    [
        time(entry.at),
        neutralised(&entry.actor).into_owned(),
        neutralised(entry.address.as_deref().unwrap_or_default()).into_owned(),
        entry.action.as_str().to_owned(),
        neutralised(&entry.subject).into_owned(),
        // As the page's Details column words them, with dates in RFC 3339.
        neutralised(&entry.changes_text(time)).into_owned(),
        neutralised(entry.note.as_deref().unwrap_or_default()).into_owned(),
        id(entry.key_id),
        id(entry.other_key_id),
        id(entry.batch_id),
    ]
}
