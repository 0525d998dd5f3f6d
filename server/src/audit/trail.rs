//! The Audit Log page's views as SQL. `AuditQuery::matches` states the same filters in Rust, and
//! a property test (`tests/integration/audit_log.rs`) checks that both pick the same events in
//! the same order on both databases.
//!
//! At a million events every view stays an index walk: newest first by `(at, id)`, or by
//! `(actor, at)`, `(action, at)`, `(subject, at)`, `(key_id, at)` / `(other_key_id, at)` when
//! those filters narrow it; the count stops at `COUNT_LIMIT` + 1 rows.

use super::entry;
use crate::entity::audit_actor::{self, Entity as AuditActors};
use crate::entity::audit_event::{Column, Entity as AuditEvents};
use app::audit::AuditAction;
use app::audit::page::AuditPage;
use app::audit::query::{AuditQuery, AuditScope, COUNT_LIMIT, KeyRef, PAGE_SIZE};
use app::audit::store::AuditTrail;
use app::error::AppError;
use chrono::{DateTime, Utc};
use sea_orm::sea_query::{Alias, Expr, Order, Query};
use sea_orm::{
    ColumnTrait, Condition, ConnectionTrait, DatabaseBackend, DatabaseConnection, DbErr, EntityTrait, QueryFilter,
    QueryOrder, QuerySelect, QueryTrait, Select,
};

/// The `Who` filter lists at most this many actors of each kind (key events, other events).
pub const ACTORS_LIMIT: u64 = 1_000;

pub struct SeaAuditTrail {
    db: DatabaseConnection,
}

impl SeaAuditTrail {
    pub fn new(db: DatabaseConnection) -> Self {
        SeaAuditTrail { db }
    }
}

fn key_actions() -> impl Iterator<Item = &'static str> {
    AuditScope::KeyEvents.actions().map(AuditAction::as_str)
}

/// How the database should walk a view.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Walk {
    /// As its planner sees fit.
    Planned,
    /// Newest first along `(at, id)`: for a view with many events (more than the count limit),
    /// where the first page is found in the first few thousand rows. SQLite, without statistics
    /// of how often each action occurs, would otherwise read every event of several common
    /// actions by `(action, at)` and sort them all to show 50. PostgreSQL's planner knows.
    ByTime,
}

/// The actions a view shows, when it narrows them: the chosen ones within the scope, or the
/// scope's own.
fn actions_shown(query: &AuditQuery, scope: AuditScope) -> Option<Vec<&'static str>> {
    if query.actions.is_empty() {
        return (scope == AuditScope::KeyEvents).then(|| key_actions().collect());
    }
    Some(query.actions.iter().filter(|&&action| scope.shows(action)).map(|action| action.as_str()).collect())
}

/// The view's filters as SQL, within what `scope` shows.
pub fn filtered(query: &AuditQuery, scope: AuditScope, walk: Walk, backend: DatabaseBackend) -> Select<AuditEvents> {
    let mut select = AuditEvents::find();
    if let Some(actions) = actions_shown(query, scope) {
        // `+action` is the same value, through no index (SQLite's way to steer its planner).
        let column = match (walk, backend) {
            (Walk::ByTime, DatabaseBackend::Sqlite) if actions.len() > 1 => Expr::cust("+\"action\""),
            _ => Expr::col(Column::Action),
        };
        select = select.filter(sea_orm::ExprTrait::is_in(column, actions));
    }
    if let Some(who) = &query.who {
        select = select.filter(Column::Actor.eq(who.as_str()));
    }
    match &query.key {
        None => {}
        Some(KeyRef::Id(id)) => {
            select = select.filter(Condition::any().add(Column::KeyId.eq(*id)).add(Column::OtherKeyId.eq(*id)));
        }
        Some(KeyRef::Name(name)) => {
            select = select.filter(Column::Subject.eq(name.as_str())).filter(Column::Action.is_in(key_actions()));
        }
    }
    if let Some(since) = query.since() {
        select = select.filter(Column::At.gte(since));
    }
    if let Some(until) = query.until() {
        select = select.filter(Column::At.lt(until));
    }
    if let Some(batch) = query.batch {
        select = select.filter(Column::BatchId.eq(batch));
    }
    select
}

/// Newest first; events of one instant in the order they were recorded (ids are UUID v7).
pub fn newest_first(select: Select<AuditEvents>) -> Select<AuditEvents> {
    select.order_by(Column::At, Order::Desc).order_by(Column::Id, Order::Desc)
}

/// How many rows `select` finds, counting at most `limit`.
async fn count_up_to(db: &impl ConnectionTrait, select: Select<AuditEvents>, limit: u64) -> Result<u64, DbErr> {
    let rows = select.select_only().expr(Expr::val(1)).limit(limit).into_query();
    let count = Query::select()
        .expr_as(Expr::cust("COUNT(*)"), Alias::new("n"))
        .from_subquery(rows, Alias::new("t"))
        .to_owned();
    let row = db.query_one(&count).await?;
    Ok(row.map(|row| row.try_get::<i64>("", "n")).transpose()?.unwrap_or(0).max(0) as u64)
}

/// Everyone who acted within `scope`, in name order (code points). Those with key events come
/// first in the count: a flood of mistyped sign-in names must not push the people who change
/// keys out of the list.
async fn actors(db: &impl ConnectionTrait, scope: AuditScope) -> Result<Vec<String>, DbErr> {
    let mut names = actors_of_kind(db, true).await?;
    if scope == AuditScope::Everything {
        names.extend(actors_of_kind(db, false).await?);
        names.sort();
        names.dedup();
    }
    Ok(names)
}

/// Up to [`ACTORS_LIMIT`] actors with key events (or with other events), in name order.
async fn actors_of_kind(db: &impl ConnectionTrait, key_events: bool) -> Result<Vec<String>, DbErr> {
    let by_name = match db.get_database_backend() {
        DatabaseBackend::Postgres => Expr::cust("\"actor\" COLLATE \"C\""),
        _ => Expr::col(audit_actor::Column::Actor),
    };
    AuditActors::find()
        .select_only()
        .column(audit_actor::Column::Actor)
        .filter(audit_actor::Column::KeyEvents.eq(key_events))
        .order_by(by_name, Order::Asc)
        .limit(ACTORS_LIMIT)
        .into_tuple()
        .all(db)
        .await
}

impl SeaAuditTrail {
    async fn read(&self, query: &AuditQuery, scope: AuditScope, now: DateTime<Utc>) -> Result<AuditPage, DbErr> {
        let backend = self.db.get_database_backend();
        let counted = count_up_to(&self.db, filtered(query, scope, Walk::Planned, backend), COUNT_LIMIT + 1).await?;
        let more = counted > COUNT_LIMIT;
        let total = counted.min(COUNT_LIMIT);
        // Past the end of a counted view, its last page (as the keys table does).
        let page = if more { query.page } else { query.page.min(total.div_ceil(PAGE_SIZE).saturating_sub(1)) };
        let walk = if more { Walk::ByTime } else { Walk::Planned };
        let rows = newest_first(filtered(query, scope, walk, backend))
            .offset(page * PAGE_SIZE)
            .limit(PAGE_SIZE)
            .all(&self.db)
            .await?;
        Ok(AuditPage {
            entries: rows.into_iter().map(entry).collect(),
            total,
            more,
            page,
            page_size: PAGE_SIZE,
            read_at: now,
            actors: actors(&self.db, scope).await?,
            scope,
        })
    }
}

#[async_trait::async_trait]
impl AuditTrail for SeaAuditTrail {
    async fn page(&self, query: &AuditQuery, scope: AuditScope, now: DateTime<Utc>) -> Result<AuditPage, AppError> {
        self.read(query, scope, now).await.map_err(|error| {
            tracing::error!(%error, "cannot read the audit log");
            AppError::Internal
        })
    }
}
