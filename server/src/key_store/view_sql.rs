//! The table's view as SQL: the filters and the sort orders of a `KeyQuery`. `KeyQuery::matches`
//! states the same filters in Rust, and a property test (`tests/integration/filter_agreement.rs`) checks that
//! both pick the same keys on both databases.

use crate::entity::api_key::{Column, Entity as ApiKeys};
use crate::usage;
use app::api_keys::lifecycle_filter::ReplacedFilter;
use app::api_keys::search::{like_pattern, normalize_search};
use app::api_keys::status::soon_window;
use app::api_keys::usage_filter::UsageFilter;
use app::api_keys::{KeyQuery, SortColumn, SortDirection, StatusFilter};
use chrono::{DateTime, Utc};
use sea_orm::sea_query::{Expr, LikeExpr, NullOrdering, Order};
use sea_orm::{
    ColumnTrait, Condition, DatabaseBackend, EntityTrait, ExprTrait, IdenStatic, QueryFilter, QueryOrder, Select,
};

/// The keys in the view: [`condition`] applied.
pub(super) fn filtered(query: &KeyQuery, now: DateTime<Utc>) -> Select<ApiKeys> {
    ApiKeys::find().filter(condition(query, now))
}

/// The view's filters as one SQL condition; `KeyQuery::matches` is the same rule in Rust.
pub(super) fn condition(query: &KeyQuery, now: DateTime<Utc>) -> Condition {
    let mut all = Condition::all();
    if let Some(search) = normalize_search(&query.search) {
        let pattern = like_pattern(&search);
        all = all.add(
            Condition::any()
                .add(Expr::col(Column::NameFolded).like(LikeExpr::new(pattern.clone()).escape('\\')))
                .add(Expr::col(Column::CreatedByFolded).like(LikeExpr::new(pattern).escape('\\'))),
        );
    }
    if !query.status.is_empty() {
        all = all.add(status_condition(query.status, now));
    }
    if let Some(permission) = query.permission {
        all = all.add(Column::Permission.eq(permission.as_str()));
    }
    if let Some(condition) = usage_condition(query.usage, now) {
        all = all.add(condition);
    }
    if let Some(days) = query.expires_within {
        all = all.add(Column::ExpiresAt.gt(now)).add(Column::ExpiresAt.lte(now + days.duration()));
    }
    if let Some(days) = query.expired_within {
        all = all.add(Column::ExpiresAt.lte(now)).add(Column::ExpiresAt.gte(now - days.duration()));
    }
    match query.replaced {
        ReplacedFilter::Any => {}
        ReplacedFilter::No => all = all.add(Column::ReplacedBy.is_null()),
        ReplacedFilter::InUse => {
            let used = usage_condition(UsageFilter::Used7d, now).unwrap_or_else(Condition::all);
            all = all.add(Column::ReplacedBy.is_not_null()).add(available(now)).add(used);
        }
    }
    all
}

/// `UsageFilter::matches` as SQL.
fn usage_condition(filter: UsageFilter, now: DateTime<Utc>) -> Option<Condition> {
    let since = filter.since(now);
    match filter {
        UsageFilter::Any => None,
        UsageFilter::Used7d => since.map(|since| Condition::all().add(Column::LastUsedAt.gte(since))),
        UsageFilter::Idle30d => {
            since.map(|since| Condition::any().add(Column::LastUsedAt.is_null()).add(Column::LastUsedAt.lt(since)))
        }
        UsageFilter::Never => Some(Condition::all().add(Column::LastUsedAt.is_null())),
    }
}

fn expired(now: DateTime<Utc>) -> Condition {
    Condition::all().add(Column::ExpiresAt.is_not_null()).add(Column::ExpiresAt.lte(now))
}

fn available(now: DateTime<Utc>) -> Condition {
    Condition::all()
        .add(Column::Enabled.eq(true))
        .add(Condition::any().add(Column::ExpiresAt.is_null()).add(Column::ExpiresAt.gt(now)))
}

fn soon_unavailable(now: DateTime<Utc>) -> Condition {
    available(now).add(Column::ExpiresAt.lte(now + soon_window()))
}

fn status_condition(filter: StatusFilter, now: DateTime<Utc>) -> Condition {
    let mut any = Condition::any();
    if filter.available {
        any = any.add(available(now));
    }
    if filter.unavailable {
        any = any.add(Condition::any().add(Column::Enabled.eq(false)).add(expired(now)));
    }
    if filter.soon_unavailable {
        any = any.add(soon_unavailable(now));
    }
    any
}

/// A text column ordered by code point on every database: SQLite compares bytes, and
/// PostgreSQL is told to (its default collation follows the server's locale).
fn by_code_point(column: Column, backend: DatabaseBackend) -> Expr {
    match backend {
        DatabaseBackend::Postgres => Expr::cust(format!("\"{}\" COLLATE \"C\"", column.as_str())),
        _ => Expr::col(column),
    }
}

pub(super) fn sorted(
    select: Select<ApiKeys>,
    query: &KeyQuery,
    now: DateTime<Utc>,
    backend: DatabaseBackend,
) -> Select<ApiKeys> {
    let order = match query.direction {
        SortDirection::Asc => Order::Asc,
        SortDirection::Desc => Order::Desc,
    };
    let select = match query.sort {
        SortColumn::Name => select.order_by(by_code_point(Column::NameFolded, backend), order.clone()),
        SortColumn::Created => select.order_by(Column::CreatedAt, order.clone()),
        SortColumn::CreatedBy => select.order_by(by_code_point(Column::CreatedByFolded, backend), order.clone()),
        SortColumn::Status => {
            // The status order: Available, Soon Unavailable, Unavailable.
            let rank: Expr = Expr::case(Condition::any().add(Column::Enabled.eq(false)).add(expired(now)), 2)
                .case(soon_unavailable(now), 1)
                .finally(0)
                .into();
            select.order_by(rank, order.clone()).order_by_with_nulls(Column::ExpiresAt, Order::Asc, NullOrdering::Last)
        }
        // "Never expires" sorts after every date, in both directions' natural reading.
        SortColumn::Expires => select.order_by_with_nulls(Column::ExpiresAt, order.clone(), NullOrdering::Last),
        // Never-used keys last, in both directions, as with expiry.
        SortColumn::LastUsed => select.order_by_with_nulls(Column::LastUsedAt, order.clone(), NullOrdering::Last),
        SortColumn::Last7Days => select.order_by(usage::store::week_total_of_each_key(now), order.clone()),
    };
    // Ties broken by creation and id, so paging is stable.
    select.order_by(Column::CreatedAt, Order::Desc).order_by(Column::Id, Order::Asc)
}
