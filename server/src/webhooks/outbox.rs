//! The outbox: a message per endpoint and event, written in the transaction of the change it
//! announces, so an event exists exactly when its change does and survives any crash before its
//! delivery. The delivery worker (`delivery`) reads it.

use super::payload::{self, Context};
use crate::audit::Event;
use crate::entity::api_key::{self, Entity as ApiKeys};
use crate::entity::webhook_endpoint::{self, Entity as Endpoints};
use crate::entity::webhook_message::{self, Entity as Messages};
use crate::message_state::PENDING;
use app::webhooks::event::EventType;
use chrono::{DateTime, Utc};
use sea_orm::{ActiveValue::Set, ColumnTrait, ConnectionTrait, DbErr, EntityTrait, QueryFilter, QuerySelect};
use std::collections::HashMap;
use uuid::Uuid;

/// The enabled endpoints and the events each one takes.
async fn subscribers(db: &impl ConnectionTrait) -> Result<Vec<(Uuid, Vec<EventType>)>, DbErr> {
    let rows: Vec<(Uuid, String)> = Endpoints::find()
        .select_only()
        .column(webhook_endpoint::Column::Id)
        .column(webhook_endpoint::Column::Events)
        .filter(webhook_endpoint::Column::Enabled.eq(true))
        .into_tuple()
        .all(db)
        .await?;
    // A stored list this version cannot read in full keeps the events it knows.
    Ok(rows.into_iter().map(|(id, events)| (id, events.split(',').filter_map(EventType::parse).collect())).collect())
}

/// A pending message for `endpoint`, due now.
pub fn message(endpoint: Uuid, event_type: &str, body: String, now: DateTime<Utc>) -> webhook_message::ActiveModel {
    webhook_message::ActiveModel {
        id: Set(Uuid::now_v7()),
        endpoint_id: Set(endpoint),
        event_type: Set(event_type.to_owned()),
        body: Set(body),
        created_at: Set(now),
        state: Set(PENDING.to_owned()),
        attempts: Set(0),
        next_attempt_at: Set(now),
        locked_until: Set(None),
        finished_at: Set(None),
    }
}

async fn insert(db: &impl ConnectionTrait, messages: Vec<webhook_message::ActiveModel>) -> Result<(), DbErr> {
    let mut messages = messages.into_iter().peekable();
    while messages.peek().is_some() {
        let chunk: Vec<_> = messages.by_ref().take(200).collect();
        Messages::insert_many(chunk).exec_without_returning(db).await?;
    }
    Ok(())
}

/// Writes the messages that `events` (key changes being recorded in the audit trail) announce to
/// the endpoints that take them. The keys are read as the transaction left them; a deleted key is
/// announced by events recorded before its row goes.
pub async fn announce_changes(db: &impl ConnectionTrait, events: &[Event<'_>]) -> Result<(), DbErr> {
    let announced: Vec<(&Event, Uuid, Vec<EventType>)> = events
        .iter()
        .filter_map(|event| {
            let types = EventType::of_key_change(event.action, event.changes);
            Some((event, event.key_id?, types)).filter(|(_, _, types)| !types.is_empty())
        })
        .collect();
    if announced.is_empty() {
        return Ok(());
    }
    let endpoints = subscribers(db).await?;
    let wanted = |event: EventType| endpoints.iter().filter(move |(_, events)| events.contains(&event));
    if !announced.iter().any(|(_, _, types)| types.iter().any(|&event| wanted(event).next().is_some())) {
        return Ok(());
    }
    let ids: Vec<Uuid> = announced.iter().map(|(_, id, _)| *id).collect();
    let mut rows: HashMap<Uuid, api_key::Model> = HashMap::new();
    for chunk in ids.chunks(500) {
        for row in ApiKeys::find().filter(api_key::Column::Id.is_in(chunk.iter().copied())).all(db).await? {
            rows.insert(row.id, row);
        }
    }
    let mut messages = Vec::new();
    for (event, id, types) in &announced {
        let Some(row) = rows.get(id) else {
            tracing::warn!(key_id = %id, "a key event without its key: not announced");
            continue;
        };
        for &event_type in types {
            let context = Context {
                actor: Some(event.actor.name.as_str()),
                changes: event.changes,
                other_key_id: event.other_key_id,
                ..Context::default()
            };
            let body = payload::key_event(event_type, row, context, event.at);
            for (endpoint, _) in wanted(event_type) {
                messages.push(message(*endpoint, event_type.as_str(), body.clone(), event.at));
            }
        }
    }
    insert(db, messages).await
}

/// Writes the messages for one event the expiry scan found.
pub async fn announce_warning(
    db: &impl ConnectionTrait,
    event_type: EventType,
    row: &api_key::Model,
    context: Context<'_>,
    now: DateTime<Utc>,
) -> Result<(), DbErr> {
    let endpoints = subscribers(db).await?;
    let body = payload::key_event(event_type, row, context, now);
    let messages = endpoints
        .iter()
        .filter(|(_, events)| events.contains(&event_type))
        .map(|(endpoint, _)| message(*endpoint, event_type.as_str(), body.clone(), now))
        .collect();
    insert(db, messages).await
}
