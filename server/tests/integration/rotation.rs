//! Rotation on real databases with an injected clock: both keys work during the grace and only
//! the new one after it; the grace is capped by the old key's expiry; `Finish now`, `Extend` and
//! the early stop (exactly once, however many instances look); concurrent rotations of one key
//! make one new key; bad input changes nothing; service tokens rotate with a grace too.

use crate::support;

use app::api_keys::restrictions::matcher::Source;
use app::api_keys::rotation::{Grace, RotationRequest};
use app::api_keys::store::KeyStore;
use app::api_keys::verification::{KeyFacts, Refusal, verify};
use app::api_keys::{ApiKey, NewKey, Permission};
use app::audit::AuditAction;
use app::error::{AppError, Field};
use app::usage::{Resolution, UsageResult};
use chrono::{DateTime, Duration, TimeZone, Utc};
use sea_orm::{ActiveModelTrait, ActiveValue::Set, DatabaseConnection, EntityTrait, PaginatorTrait};
use server::entity::api_key;
use server::key_store::SeaKeyStore;
use server::usage::Dimension;
use server::verify::index::KeyIndex;
use server::verify::tokens::{self, TokenSet};
use std::collections::BTreeMap;
use std::sync::Arc;
use uuid::Uuid;

on_both_databases!(
    both_keys_work_during_the_grace_and_only_the_new_one_after,
    the_grace_is_capped_by_the_old_expiry_and_bad_requests_change_nothing,
    finish_now_and_extend_move_the_grace_end,
    an_unused_old_key_stops_early_exactly_once,
    concurrent_rotations_of_one_key_make_one_new_key,
    the_meter_counts_both_keys_since_the_rotation,
    service_tokens_rotate_with_a_grace,
);

fn t0() -> DateTime<Utc> {
    Utc.with_ymd_and_hms(2026, 11, 30, 12, 0, 0).unwrap()
}

fn week() -> RotationRequest {
    RotationRequest { grace: Grace::DEFAULT, stop_when_unused: false }
}

/// A store keeping an index current, as a serving instance does.
fn store_with_index(db: &DatabaseConnection) -> (SeaKeyStore, Arc<KeyIndex>) {
    let index = Arc::new(KeyIndex::new());
    (SeaKeyStore::with_index(db.clone(), index.clone()), index)
}

async fn create(store: &SeaKeyStore, name: &str, expires_at: Option<DateTime<Utc>>) -> (ApiKey, String) {
    let new = NewKey { name: name.to_owned(), expires_at, ..NewKey::blank() };
    let created = store.create(new, &support::by("ann"), t0() - Duration::days(30)).await.unwrap();
    (created.key, created.secret.expose().to_owned())
}

fn check(index: &KeyIndex, secret: &str, at: DateTime<Utc>) -> Result<Arc<KeyFacts>, Refusal> {
    verify(secret, Permission::Chat, at, true, &Source::default(), |hash| index.get(hash))
        .map(|accepted| accepted.key)
        .map_err(|denied| denied.refusal)
}

async fn key_count(db: &DatabaseConnection) -> u64 {
    api_key::Entity::find().count(db).await.unwrap()
}

async fn actions_of(store: &SeaKeyStore, id: Uuid) -> Vec<AuditAction> {
    store.history(id).await.unwrap().into_iter().map(|entry| entry.action).collect()
}

async fn both_keys_work_during_the_grace_and_only_the_new_one_after(db: DatabaseConnection) {
    let (store, index) = store_with_index(&db);
    let (old, old_secret) = create(&store, "Chat widget", None).await;
    let rotated = store.rotate(old.id, week(), &support::by("bob"), t0()).await.unwrap();
    let new = &rotated.created.key;
    let new_secret = rotated.created.secret.expose();
    assert_eq!(rotated.grace_end.at, t0() + Duration::days(7));
    assert!(!rotated.grace_end.capped);
    assert_eq!(
        (new.name.as_str(), new.permission, new.enabled, new.expires_at),
        ("Chat widget", Permission::Chat, true, None)
    );
    assert_eq!(new.replaces, Some(old.id));
    assert_eq!(new.created_by, "bob");
    let old_now = store.get(old.id).await.unwrap();
    assert_eq!((old_now.replaced_by, old_now.expires_at), (Some(new.id), Some(t0() + Duration::days(7))));

    let during = t0() + Duration::days(6);
    let old_facts = check(&index, &old_secret, during).expect("the old key works during the grace");
    assert_eq!(old_facts.replaced_by, Some(new.id), "its answers name the new key");
    assert_eq!(check(&index, new_secret, during).unwrap().replaced_by, None);
    let after = t0() + Duration::days(7) + Duration::seconds(1);
    assert_eq!(check(&index, &old_secret, after).unwrap_err(), Refusal::Expired);
    assert!(check(&index, new_secret, after).is_ok());

    // One event, in both keys' histories.
    assert_eq!(actions_of(&store, old.id).await[0], AuditAction::KeyRotated);
    assert_eq!(actions_of(&store, new.id).await, [AuditAction::KeyRotated]);
    let note = store.history(new.id).await.unwrap()[0].note.clone().unwrap();
    assert!(note.contains(&new.id.to_string()) && note.contains("2026-12-07T12:00:00Z"), "{note}");
    // The new key may be rotated in turn.
    assert!(store.rotate(new.id, week(), &support::by("bob"), during).await.is_ok());
}

async fn the_grace_is_capped_by_the_old_expiry_and_bad_requests_change_nothing(db: DatabaseConnection) {
    let store = SeaKeyStore::new(db.clone());
    let expiry = t0() + Duration::days(2);
    let (soon, _) = create(&store, "Expiring soon", Some(expiry)).await;
    let (other, _) = create(&store, "Other", Some(expiry)).await;
    let (off, _) = create(&store, "Switched off", None).await;
    store.set_enabled(off.id, false, &support::by("ann"), t0()).await.unwrap();
    let before = key_count(&db).await;
    let refusals = [
        (other.id, Grace::Until(t0() + Duration::days(3)), 400, "past the old key's own expiry"),
        (other.id, Grace::Until(t0() - Duration::hours(1)), 400, "must end in the future"),
        (other.id, Grace::ForSeconds(0), 400, "between 1 second"),
        (Uuid::new_v4(), Grace::DEFAULT, 404, "does not exist"),
        (off.id, Grace::DEFAULT, 409, "disabled"),
    ];
    for (id, grace, status, words) in refusals {
        let error =
            store.rotate(id, RotationRequest { grace, stop_when_unused: false }, &support::by("ann"), t0()).await;
        let error = error.unwrap_err();
        assert_eq!(error.status_code(), status, "{error:?}");
        assert!(error.to_string().contains(words), "{error}");
    }
    assert_eq!(key_count(&db).await, before, "nothing was made");
    assert_eq!(store.get(other.id).await.unwrap(), other, "nothing was changed");

    let rotated = store.rotate(soon.id, week(), &support::by("ann"), t0()).await.unwrap();
    assert_eq!((rotated.grace_end.at, rotated.grace_end.capped), (expiry, true));
    assert_eq!(rotated.created.key.expires_at, Some(expiry), "the new key keeps the old expiry");
    let again = store.rotate(soon.id, week(), &support::by("ann"), t0()).await.unwrap_err();
    assert!(matches!(&again, AppError::Refused(why) if why.contains("already being replaced")), "{again:?}");
    let expired = store.rotate(soon.id, week(), &support::by("ann"), expiry + Duration::seconds(1)).await;
    assert!(expired.unwrap_err().to_string().contains("expired"));
    assert_eq!(key_count(&db).await, before + 1);
}

async fn finish_now_and_extend_move_the_grace_end(db: DatabaseConnection) {
    let (store, index) = store_with_index(&db);
    let (old, old_secret) = create(&store, "Mail client", Some(t0() + Duration::days(20))).await;
    let new = store.rotate(old.id, week(), &support::by("ann"), t0()).await.unwrap().created.key;
    let bob = support::by("bob");

    let extended = store.extend_rotation(old.id, t0() + Duration::days(10), &bob, t0()).await.unwrap();
    assert_eq!(extended.expires_at, Some(t0() + Duration::days(10)));
    for (until, words) in [
        (t0() + Duration::days(21), "past the old key's own expiry"),
        (t0() + Duration::days(9), "after its current end"),
        (t0() - Duration::days(1), "in the future"),
    ] {
        let error = store.extend_rotation(old.id, until, &bob, t0()).await.unwrap_err();
        assert!(
            matches!(&error, AppError::Invalid { field: Field::Grace, message } if message.contains(words)),
            "{error:?}"
        );
    }
    // The details panel's own expiry field obeys the same cap.
    let mut changes = app::api_keys::KeyChanges {
        name: extended.name.clone(),
        enabled: true,
        expires_at: None,
        permission: None,
        expected_version: extended.version,
        expire_now: false,
        restrictions: None,
    };
    let never = store.update(old.id, changes.clone(), &bob, t0()).await.unwrap_err();
    assert!(matches!(never, AppError::Invalid { field: Field::ExpiresAt, .. }));
    changes.expires_at = Some(t0() + Duration::days(15));
    assert!(store.update(old.id, changes, &bob, t0()).await.is_ok());
    assert!(
        store
            .extend_rotation(new.id, t0() + Duration::days(1), &bob, t0())
            .await
            .unwrap_err()
            .to_string()
            .contains("not being replaced")
    );

    let finish_at = t0() + Duration::hours(1);
    let finished = store.finish_rotation(old.id, &bob, finish_at).await.unwrap();
    assert_eq!(finished.expires_at, Some(finish_at));
    assert_eq!(check(&index, &old_secret, finish_at + Duration::seconds(1)).unwrap_err(), Refusal::Expired);
    let again = store.finish_rotation(old.id, &bob, finish_at + Duration::minutes(1)).await.unwrap();
    assert_eq!(again, finished, "finishing twice changes nothing");
    let history = actions_of(&store, new.id).await;
    assert_eq!(history, [AuditAction::KeyRotationFinished, AuditAction::KeyRotationExtended, AuditAction::KeyRotated]);
}

async fn an_unused_old_key_stops_early_exactly_once(db: DatabaseConnection) {
    let store = SeaKeyStore::new(db.clone());
    let (old, _) = create(&store, "Widget", None).await;
    let (kept, _) = create(&store, "Kept", None).await;
    let early = RotationRequest { grace: Grace::ForSeconds(30 * 86_400), stop_when_unused: true };
    store.rotate(old.id, early, &support::by("ann"), t0()).await.unwrap();
    store.rotate(kept.id, week(), &support::by("ann"), t0()).await.unwrap();
    // Used 10 hours after the rotation: quiet from then on.
    let used = api_key::ActiveModel {
        id: Set(old.id),
        last_used_at: Set(Some(t0() + Duration::hours(10))),
        ..Default::default()
    };
    used.update(&db).await.unwrap();

    assert_eq!(store.stop_unused_replaced_keys(t0() + Duration::hours(25)).await.unwrap(), 0);
    assert_eq!(store.stop_unused_replaced_keys(t0() + Duration::hours(33)).await.unwrap(), 0);
    let due = t0() + Duration::hours(34);
    // Two instances notice at once: one stops it.
    let other = SeaKeyStore::new(db.clone());
    let (a, b) = tokio::join!(store.stop_unused_replaced_keys(due), other.stop_unused_replaced_keys(due));
    assert_eq!(a.unwrap() + b.unwrap(), 1);
    assert_eq!(store.stop_unused_replaced_keys(due + Duration::hours(1)).await.unwrap(), 0);
    assert_eq!(store.get(old.id).await.unwrap().expires_at, Some(due));
    assert_eq!(
        store.get(kept.id).await.unwrap().expires_at,
        Some(t0() + Duration::days(7)),
        "it did not ask to stop early"
    );
    let history = store.history(old.id).await.unwrap();
    let stops: Vec<_> = history.iter().filter(|entry| entry.action == AuditAction::KeyRotationFinished).collect();
    assert_eq!(stops.len(), 1);
    assert_eq!(stops[0].actor, "system");
    assert!(stops[0].note.as_deref().unwrap().contains("not used since 2026-11-30T22:00:00Z"), "{:?}", stops[0].note);
}

async fn concurrent_rotations_of_one_key_make_one_new_key(db: DatabaseConnection) {
    let store = SeaKeyStore::new(db.clone());
    let (old, _) = create(&store, "Contested", None).await;
    let other = SeaKeyStore::new(db.clone());
    let (ann, bob) = (support::by("ann"), support::by("bob"));
    let (a, b) = tokio::join!(store.rotate(old.id, week(), &ann, t0()), other.rotate(old.id, week(), &bob, t0()));
    let (won, lost) = match (a, b) {
        (Ok(won), Err(lost)) | (Err(lost), Ok(won)) => (won, lost),
        other => panic!("one rotation wins and one is refused: {other:?}"),
    };
    assert_eq!(lost.status_code(), 409, "{lost:?}");
    assert_eq!(key_count(&db).await, 2, "exactly one new key");
    assert_eq!(store.get(old.id).await.unwrap().replaced_by, Some(won.created.key.id));
}

async fn the_meter_counts_both_keys_since_the_rotation(db: DatabaseConnection) {
    let store = SeaKeyStore::new(db.clone());
    let (old, _) = create(&store, "Metered", None).await;
    let rotated_at = t0() - Duration::hours(5);
    let new = store.rotate(old.id, week(), &support::by("ann"), rotated_at).await.unwrap().created.key;
    let hour = |hours: i64| Resolution::Hour.bucket((rotated_at + Duration::hours(hours)).timestamp());
    let shop = "https://shop.example.com";
    let help = "https://help.example.com";
    let mut rows: BTreeMap<server::usage::store::UsageRow<'_>, i64> = BTreeMap::new();
    for (key, hours, result, origin, count) in [
        (old.id, -30, UsageResult::Valid, shop, 100), // before the rotation: not counted
        (old.id, 1, UsageResult::Valid, shop, 7),
        (old.id, 3, UsageResult::Valid, help, 2),
        (old.id, 3, UsageResult::Disabled, help, 50), // not a use
        (new.id, 2, UsageResult::Valid, shop, 40),
        (new.id, 4, UsageResult::Valid, shop, 9),
    ] {
        rows.insert((key, Resolution::Hour, hour(hours), result, Dimension::Origin, origin), count);
    }
    let txn = sea_orm::TransactionTrait::begin(&db).await.unwrap();
    server::usage::store::add(&txn, &rows).await.unwrap();
    txn.commit().await.unwrap();

    let seen_from_new = store.rotations(new.id, t0()).await.unwrap();
    let rotation = seen_from_new.made_by.expect("the new key was made by a rotation");
    assert!(seen_from_new.replaced_in.is_none());
    assert_eq!(rotation.old.id, old.id);
    assert_eq!(rotation.new.name.as_deref(), Some("Metered"));
    let meter = rotation.meter.expect("the meter shows during the grace");
    assert_eq!((meter.old_uses, meter.new_uses), (9, 49));
    assert_eq!(meter.origins[0].origin, shop);
    assert_eq!((meter.origins[0].old_uses, meter.origins[0].new_uses), (7, 49));
    let help_row = &meter.origins[1];
    assert_eq!((help_row.old_uses, help_row.new_uses), (2, 0));
    assert_eq!(help_row.old_last_used.map(|at| at.timestamp()), Some(hour(3)));
    let seen_from_old = store.rotations(old.id, t0()).await.unwrap();
    assert_eq!(seen_from_old.replaced_in.unwrap().meter, Some(meter));
    // A week after the grace, no meter.
    let later = store.rotations(old.id, rotated_at + Duration::days(14) + Duration::seconds(1)).await.unwrap();
    assert!(later.replaced_in.unwrap().meter.is_none());
}

async fn service_tokens_rotate_with_a_grace(db: DatabaseConnection) {
    let actor = support::by("cli:ops");
    let old = tokens::add_token(&db, "chat-gateway", &actor, t0()).await.unwrap();
    let new = tokens::rotate_token(&db, "chat-gateway", Duration::hours(1), &actor, t0()).await.unwrap();
    let set = TokenSet::default();
    set.reload(&db, t0()).await.unwrap();
    let during = t0() + Duration::minutes(59);
    assert_eq!(set.authenticate(old.expose(), during).as_deref(), Some("chat-gateway"));
    assert_eq!(set.authenticate(new.expose(), during).as_deref(), Some("chat-gateway"));
    let after = t0() + Duration::hours(1);
    assert!(set.authenticate(old.expose(), after).is_none());
    assert!(set.authenticate(new.expose(), after).is_some());
    assert!(tokens::rotate_token(&db, "nobody", Duration::hours(1), &actor, t0()).await.is_err());
    // Revoking the name ends both at once.
    tokens::revoke_token(&db, "chat-gateway", &actor, during).await.unwrap();
    set.reload(&db, during).await.unwrap();
    assert!(set.authenticate(old.expose(), during).is_none());
    assert!(set.authenticate(new.expose(), during).is_none());
}
