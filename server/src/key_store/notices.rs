//! The notices above the keys table (`app::api_keys::attention`): each one's count is the total
//! of its own view, counted by the same SQL the table's view runs, so a notice and the page its
//! link opens always agree.

use super::internal;
use super::view_sql::filtered;
use app::api_keys::attention::{Attention, Notice};
use app::error::AppError;
use chrono::{DateTime, Utc};
use sea_orm::{DatabaseConnection, PaginatorTrait};

/// The notices with keys to show, most urgent first.
pub(super) async fn notices(db: &DatabaseConnection, now: DateTime<Utc>) -> Result<Vec<Notice>, AppError> {
    let counts = Attention::ALL.map(|attention| async move {
        let count = filtered(&attention.query(), now).count(db).await.map_err(internal)?;
        Ok::<_, AppError>(Notice { attention, count })
    });
    let notices = futures::future::try_join_all(counts).await?;
    Ok(notices.into_iter().filter(|notice| notice.count > 0).collect())
}
