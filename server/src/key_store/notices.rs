//! The notices above the keys table (`app::api_keys::attention`): each one's count is the number
//! of keys its own view shows, counted with the same SQL condition the view filters by, so a
//! notice and the page its link opens always agree. All of them are counted in one pass over
//! the keys.

use super::internal;
use super::view_sql::condition;
use crate::entity::api_key::Entity as ApiKeys;
use app::api_keys::attention::{Attention, Notice};
use app::error::AppError;
use chrono::{DateTime, Utc};
use sea_orm::sea_query::{Expr, Func};
use sea_orm::{ConnectionTrait, DatabaseConnection, EntityTrait, QuerySelect, QueryTrait};

/// The notices with keys to show, most urgent first.
pub(super) async fn notices(db: &DatabaseConnection, now: DateTime<Utc>) -> Result<Vec<Notice>, AppError> {
    // COUNT(CASE WHEN <the view's condition> THEN 1 END) for each notice.
    let mut select = ApiKeys::find().select_only();
    for (i, attention) in Attention::ALL.iter().enumerate() {
        let in_view: Expr = Expr::case(condition(&attention.query(), now), 1).into();
        select = select.column_as(Expr::from(Func::count(in_view)), format!("n{i}"));
    }
    let statement = select.build(db.get_database_backend());
    let row = db.query_one_raw(statement).await.map_err(internal)?;
    let mut notices = Vec::new();
    for (i, attention) in Attention::ALL.into_iter().enumerate() {
        let count = match &row {
            Some(row) => row.try_get_by_index::<i64>(i).map_err(internal)?,
            None => 0,
        };
        if count > 0 {
            notices.push(Notice { attention, count: count as u64 });
        }
    }
    Ok(notices)
}
