//! Streamed CSV downloads (the keys' and the audit log's views): rows are read one at a time
//! from the database, written with the `csv` crate and sent in chunks, so a download of 100,000
//! rows never holds them all in memory. Cells are text people chose (names, actors, notes): those
//! a spreadsheet would read as a formula are neutralised (OWASP's CSV injection advice).

use app::error::AppError;
use axum::Json;
use axum::body::{Body, Bytes};
use axum::http::{HeaderValue, StatusCode, header};
use axum::response::{IntoResponse, Response};
use chrono::{DateTime, SecondsFormat, Utc};
use futures::SinkExt;
use sea_orm::DbErr;

/// `text`, with a leading `'` when a spreadsheet would take it for a formula (it begins with
/// `=`, `+`, `-`, `@`, a tab or a carriage return).
pub fn neutralised(text: &str) -> std::borrow::Cow<'_, str> {
    if text.starts_with(['=', '+', '-', '@', '\t', '\r']) { format!("'{text}").into() } else { text.into() }
}

/// Bytes gathered before a chunk is sent.
const CHUNK: usize = 64 * 1024;

/// Where a download's chunks go (the response body).
pub type Sender = futures::channel::mpsc::Sender<Result<Bytes, std::io::Error>>;

#[derive(Debug, thiserror::Error)]
pub enum ExportError {
    #[error("database: {0}")]
    Database(#[from] DbErr),
    #[error("csv: {0}")]
    Csv(#[from] csv::Error),
    #[error("the client went away")]
    Gone,
}

/// A CSV writer that sends what it holds every [`CHUNK`] bytes.
pub struct ChunkedCsv<'a> {
    csv: csv::Writer<Vec<u8>>,
    sender: &'a mut Sender,
}

fn buffer() -> csv::Writer<Vec<u8>> {
    csv::Writer::from_writer(Vec::with_capacity(CHUNK + 1024))
}

impl<'a> ChunkedCsv<'a> {
    pub fn new(sender: &'a mut Sender) -> Self {
        ChunkedCsv { csv: buffer(), sender }
    }

    pub async fn write<I, T>(&mut self, record: I) -> Result<(), ExportError>
    where
        I: IntoIterator<Item = T>,
        T: AsRef<[u8]>,
    {
        self.csv.write_record(record)?;
        if self.csv.get_ref().len() >= CHUNK {
            let full = std::mem::replace(&mut self.csv, buffer());
            send(full, self.sender).await?;
        }
        Ok(())
    }

    /// Sends the rest.
    pub async fn finish(self) -> Result<(), ExportError> {
        send(self.csv, self.sender).await
    }
}

async fn send(csv: csv::Writer<Vec<u8>>, sender: &mut Sender) -> Result<(), ExportError> {
    let bytes = csv.into_inner().map_err(|error| csv::Error::from(error.into_error()))?;
    sender.send(Ok(Bytes::from(bytes))).await.map_err(|_| ExportError::Gone)
}

/// The download `file`, its body written by `write` in a task of its own. A failure cuts the
/// transfer short (the client sees a broken download, not a complete file) and is logged as
/// `what`'s.
pub fn download<F, Fut>(file: &str, what: &'static str, write: F) -> Response
where
    F: FnOnce(Sender) -> Fut + Send + 'static,
    Fut: Future<Output = Result<(), ExportError>> + Send + 'static,
{
    let (sender, receiver) = futures::channel::mpsc::channel::<Result<Bytes, std::io::Error>>(4);
    let mut on_error = sender.clone();
    tokio::spawn(async move {
        if let Err(error) = write(sender).await {
            tracing::error!(%error, "the {what} CSV export failed");
            let _ = on_error.send(Err(std::io::Error::other("export failed"))).await;
        }
    });
    let disposition = HeaderValue::from_str(&format!("attachment; filename=\"{file}\""))
        .unwrap_or(HeaderValue::from_static("attachment"));
    let headers = [
        (header::CONTENT_TYPE, HeaderValue::from_static("text/csv; charset=utf-8")),
        (header::CONTENT_DISPOSITION, disposition),
        (header::CACHE_CONTROL, HeaderValue::from_static("no-store")),
    ];
    (headers, Body::from_stream(receiver)).into_response()
}

/// A download refused before it starts: the error's status, and the error as JSON.
pub fn refused(error: AppError) -> Response {
    let status = StatusCode::from_u16(error.status_code()).unwrap_or(StatusCode::INTERNAL_SERVER_ERROR);
    (status, Json(error)).into_response()
}

/// An instant as exported: RFC 3339 in UTC, to the millisecond.
pub fn time(at: DateTime<Utc>) -> String {
    at.to_rfc3339_opts(SecondsFormat::Millis, true)
}
