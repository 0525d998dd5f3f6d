//! Webhooks end to end on both databases: a real HTTP receiver on loopback verifies the
//! signature of every event type; the outbox, the retry schedule, switching a failing endpoint
//! off and purging, with an injected clock; the expiry scan's thresholds; bad input. Server
//! processes are in `webhook_processes.rs`.

use crate::support::webhook_receiver::{Received, Receiver, verify};
use crate::support::{self, by, insert_key};
use app::api_keys::rotation::{Grace, RotationRequest};
use app::api_keys::store::KeyStore;
use app::api_keys::{KeyChanges, NewKey, Permission};
use app::error::AppError;
use app::webhooks::endpoint::{NewEndpoint, Outcome};
use app::webhooks::event::EventType;
use app::webhooks::store::NotificationStore;
use chrono::{DateTime, Duration, Utc};
use sea_orm::{DatabaseConnection, EntityTrait, PaginatorTrait};
use server::entity::{webhook_endpoint, webhook_message};
use server::key_store::SeaKeyStore;
use server::message_state::OutboxWorker;
use server::webhooks::client::WebhookClient;
use server::webhooks::endpoints::SeaNotificationStore;
use server::webhooks::expiry_scan;
use standardwebhooks::Webhook;
use std::sync::Arc;

fn endpoint(url: &str, events: &[EventType]) -> NewEndpoint {
    NewEndpoint { url: url.to_owned(), description: "receiver".to_owned(), events: events.to_vec() }
}

/// Delivers everything due at `now`, round after round, until nothing is left.
async fn deliver_all(store: &SeaNotificationStore, now: DateTime<Utc>) {
    let deliverer = store.deliverer().expect("a secrets key");
    while deliverer.run_once(now).await.unwrap() > 0 {}
}

async fn every_key_event_arrives_signed(db: DatabaseConnection) {
    let receiver = Receiver::start().await;
    let hooks = support::webhook_store(&db);
    let now = app::clock::now();
    let created = hooks.add(endpoint(&receiver.url, &EventType::ALL), &by("alice"), now).await.unwrap();
    assert!(created.secret.starts_with("whsec_"));
    let keys = SeaKeyStore::new(db.clone());
    let new = NewKey {
        name: "Chat widget".into(),
        permission: Permission::Chat,
        enabled: true,
        expires_at: Some(now + Duration::days(90)),
        copied_from: None,
    };
    let key = keys.create(new, &by("alice"), now).await.unwrap().key;
    let mut changes = KeyChanges::unchanged(&key);
    changes.name = "Chat widget EU".into();
    let key = keys.update(key.id, changes, &by("bob"), now).await.unwrap();
    let mut changes = KeyChanges::unchanged(&key);
    changes.restrictions = Some(app::api_keys::restrictions::Restrictions {
        mode: app::api_keys::restrictions::RestrictionMode::Enforce,
        allowed: vec!["https://shop.example.com".into()],
    });
    let key = keys.update(key.id, changes, &by("bob"), now).await.unwrap();
    keys.set_enabled(key.id, false, &by("bob"), now).await.unwrap();
    keys.set_enabled(key.id, true, &by("bob"), now).await.unwrap();
    let rotated = keys
        .rotate(key.id, RotationRequest { grace: Grace::ForSeconds(3_600), stop_when_unused: false }, &by("bob"), now)
        .await
        .unwrap();
    keys.delete(rotated.created.key.id, &by("bob"), now).await.unwrap();
    // The old key, still in its grace, ends within 24 hours and was used: the scan warns.
    support::set_last_used(&db, key.id, now).await;
    assert_eq!(expiry_scan::scan(&db, now, None).await.unwrap(), 1);
    // A key that expires in 3 days gets the 7-day warning only, and a just-expired one its notice.
    insert_key(&db, "Mail 1", "carol", Permission::SecureMail, true, Some(now + Duration::days(3)), now).await;
    insert_key(&db, "Mail 2", "carol", Permission::SecureMail, true, Some(now - Duration::hours(1)), now).await;
    assert_eq!(expiry_scan::scan(&db, now, None).await.unwrap(), 2);
    deliver_all(&hooks, now).await;

    let got = receiver.got();
    let mut types: Vec<String> = got.iter().map(Received::event_type).collect();
    types.sort();
    let mut expected: Vec<&str> = vec![
        "key.created",
        "key.updated",
        "key.restrictions_changed",
        "key.disabled",
        "key.enabled",
        "key.rotated",
        "key.deleted",
        "key.grace_ending",
        "key.expiring",
        "key.expired",
    ];
    expected.sort();
    assert_eq!(types, expected);
    for received in &got {
        verify(&created.secret, received);
        assert!(received.id().starts_with("msg_"));
        let body: serde_json::Value = serde_json::from_str(&received.body).unwrap();
        assert!(body["data"]["key"]["id"].is_string(), "{body}");
        assert!(!received.body.contains("kd_chat_") && !received.body.contains("secret"), "{}", received.body);
    }
    let expiring = got.iter().find(|r| r.event_type() == "key.expiring").unwrap();
    let body: serde_json::Value = serde_json::from_str(&expiring.body).unwrap();
    assert_eq!(body["data"]["days_before"], 7, "the most urgent threshold only");
    assert_eq!(body["data"]["usage"]["valid_verifications_7d"], 0);
    let grace = got.iter().find(|r| r.event_type() == "key.grace_ending").unwrap();
    let body: serde_json::Value = serde_json::from_str(&grace.body).unwrap();
    assert_eq!(body["data"]["key"]["name"], "Chat widget EU");
    assert!(body["data"]["usage"]["last_used_at"].is_string());
    // Everything was delivered once: nothing is pending, and a new round sends nothing.
    let deliverer = hooks.deliverer().unwrap();
    assert_eq!(deliverer.run_once(now + Duration::days(2)).await.unwrap(), 0);
    assert_eq!(receiver.got().len(), got.len());
    let log = hooks.deliveries(created.endpoint.id).await.unwrap();
    assert_eq!(log.len(), got.len());
    assert!(log.iter().all(|d| d.outcome == Outcome::Delivered && d.status == Some(200) && d.attempt == 1));
}

async fn a_rolled_secret_signs_beside_the_old_one_for_a_day(db: DatabaseConnection) {
    let receiver = Receiver::start().await;
    let hooks = support::webhook_store(&db);
    let now = app::clock::now();
    let created = hooks.add(endpoint(&receiver.url, &[EventType::KeyCreated]), &by("alice"), now).await.unwrap();
    let rolled = hooks.roll_secret(created.endpoint.id, &by("alice"), now).await.unwrap();
    assert_eq!(rolled.old_until, now + Duration::hours(24));
    assert_ne!(rolled.secret, created.secret);
    let test = hooks.send_test(created.endpoint.id, &by("alice"), now).await.unwrap();
    assert_eq!((test.outcome, test.status), (Outcome::Delivered, Some(200)));
    let got = receiver.got();
    assert_eq!(got.len(), 1);
    assert_eq!(got[0].event_type(), "webhook.test");
    verify(&created.secret, &got[0]);
    verify(&rolled.secret, &got[0]);
    let signatures = got[0].headers["webhook-signature"].to_str().unwrap();
    assert_eq!(signatures.split(' ').count(), 2, "{signatures}");
    // A day later only the new one signs.
    hooks.send_test(created.endpoint.id, &by("alice"), now + Duration::hours(25)).await.unwrap();
    let last = receiver.got().pop().unwrap();
    verify(&rolled.secret, &last);
    assert!(Webhook::new(&created.secret).unwrap().verify(last.body.as_bytes(), &last.headers).is_err());
}

async fn a_failing_endpoint_is_retried_with_backoff_then_switched_off(db: DatabaseConnection) {
    let receiver = Receiver::start().await;
    receiver.answer(500);
    let hooks = support::webhook_store(&db);
    let start = app::clock::now();
    let created = hooks.add(endpoint(&receiver.url, &[EventType::KeyCreated]), &by("alice"), start).await.unwrap();
    insert_and_announce(&db, "first", start).await;
    let deliverer = hooks.deliverer().unwrap();
    assert_eq!(deliverer.run_once(start).await.unwrap(), 1);
    assert_eq!(deliverer.run_once(start + Duration::seconds(3)).await.unwrap(), 0, "not before about 5 s");
    assert_eq!(deliverer.run_once(start + Duration::seconds(7)).await.unwrap(), 1, "the second try");
    let got = receiver.got();
    assert_eq!(got.len(), 2);
    assert_eq!(got[0].id(), got[1].id(), "every try of a message carries its webhook-id");
    let log = hooks.deliveries(created.endpoint.id).await.unwrap();
    assert_eq!(log.iter().map(|d| (d.attempt, d.status)).collect::<Vec<_>>(), [(2, Some(500)), (1, Some(500))]);
    assert_eq!(log[0].result_text(), "HTTP 500");
    // Still failing five days after the first failure: the endpoint is switched off, and says so.
    insert_and_announce(&db, "second", start + Duration::days(5)).await;
    deliverer.run_once(start + Duration::days(5) + Duration::seconds(1)).await.unwrap();
    let endpoints = hooks.endpoints().await.unwrap();
    assert!(!endpoints[0].enabled);
    assert!(endpoints[0].disabled_reason.as_deref().unwrap().contains("failed for 5 days"), "{endpoints:?}");
    // Switched on again, it delivers what waited, and a success forgets the failures.
    receiver.answer(204);
    hooks.set_enabled(created.endpoint.id, true, &by("alice"), start + Duration::days(6)).await.unwrap();
    deliver_all(&hooks, start + Duration::days(7)).await;
    let endpoints = hooks.endpoints().await.unwrap();
    assert!(endpoints[0].enabled && endpoints[0].disabled_reason.is_none());
    assert_eq!(endpoints[0].last_delivery.as_ref().unwrap().status, Some(204));
}

/// A key made through the store (so its `key.created` goes to the outbox) at `at`.
async fn insert_and_announce(db: &DatabaseConnection, name: &str, at: DateTime<Utc>) {
    let new =
        NewKey { name: name.into(), permission: Permission::Chat, enabled: true, expires_at: None, copied_from: None };
    SeaKeyStore::new(db.clone()).create(new, &by("alice"), at).await.unwrap();
}

async fn a_given_up_message_can_be_retried(db: DatabaseConnection) {
    let receiver = Receiver::start().await;
    receiver.answer(503);
    let hooks = support::webhook_store(&db);
    let now = app::clock::now();
    let created = hooks.add(endpoint(&receiver.url, &[EventType::KeyCreated]), &by("alice"), now).await.unwrap();
    let test = hooks.send_test(created.endpoint.id, &by("alice"), now).await.unwrap();
    assert_eq!((test.outcome, test.result_text().as_str()), (Outcome::HttpError, "HTTP 503"));
    assert!(test.retryable, "a test is tried once");
    receiver.answer(200);
    hooks.retry(test.message_id, &by("alice"), now).await.unwrap();
    let again = hooks.retry(test.message_id, &by("alice"), now).await.unwrap_err();
    assert!(matches!(again, AppError::Refused(_)), "{again:?}");
    deliver_all(&hooks, now).await;
    let log = hooks.deliveries(created.endpoint.id).await.unwrap();
    assert_eq!(log.iter().map(|d| (d.attempt, d.status)).collect::<Vec<_>>(), [(2, Some(200)), (1, Some(503))]);
    assert!(log.iter().all(|d| !d.retryable));
    // A finished message is kept 30 days, then purged with its attempts.
    let deliverer = hooks.deliverer().unwrap();
    assert_eq!(deliverer.purge(now + Duration::days(29)).await.unwrap(), 0);
    assert_eq!(deliverer.purge(now + Duration::days(31)).await.unwrap(), 1);
    assert!(hooks.deliveries(created.endpoint.id).await.unwrap().is_empty());
}

async fn expiry_warnings_are_sent_once_and_rearmed_by_a_new_expiry(db: DatabaseConnection) {
    let receiver = Receiver::start().await;
    let hooks = support::webhook_store(&db);
    let now = app::clock::now();
    hooks.add(endpoint(&receiver.url, &[EventType::KeyExpiring]), &by("alice"), now).await.unwrap();
    let keys = SeaKeyStore::new(db.clone());
    let soon = insert_key(&db, "soon", "carol", Permission::Chat, true, Some(now + Duration::days(20)), now).await;
    let extended =
        insert_key(&db, "extended", "carol", Permission::Chat, true, Some(now + Duration::days(40)), now).await;
    assert_eq!(expiry_scan::scan(&db, now, None).await.unwrap(), 1, "only `soon` is within 30 days");
    assert_eq!(expiry_scan::scan(&db, now, None).await.unwrap(), 0, "sent once");
    // `extended` is extended before its 30-day threshold came: it never gets that warning.
    let day_5 = now + Duration::days(5);
    let key = keys.get(extended).await.unwrap();
    let mut changes = KeyChanges::unchanged(&key);
    changes.expires_at = Some(now + Duration::days(200));
    keys.update(extended, changes, &by("bob"), day_5).await.unwrap();
    // Two instances scanning at the same moment send each warning once.
    let day_15 = now + Duration::days(15);
    let (a, b) = tokio::join!(expiry_scan::scan(&db, day_15, None), expiry_scan::scan(&db, day_15, None));
    assert_eq!(a.unwrap() + b.unwrap(), 1, "`soon`'s 7-day warning, once");
    assert_eq!(expiry_scan::scan(&db, day_15, None).await.unwrap(), 0);
    // A new expiry for `soon` re-arms its thresholds.
    let key = keys.get(soon).await.unwrap();
    let mut changes = KeyChanges::unchanged(&key);
    changes.expires_at = Some(day_15 + Duration::days(25));
    keys.update(soon, changes, &by("bob"), day_15).await.unwrap();
    assert_eq!(expiry_scan::scan(&db, day_15, None).await.unwrap(), 1);
    deliver_all(&hooks, day_15).await;
    // Deliveries are concurrent: in any order.
    let mut days: Vec<u64> = receiver
        .got()
        .iter()
        .map(|r| serde_json::from_str::<serde_json::Value>(&r.body).unwrap()["data"]["days_before"].as_u64().unwrap())
        .collect();
    days.sort();
    assert_eq!(days, [7, 30, 30]);
}

async fn bad_input_is_refused_and_nothing_is_saved(db: DatabaseConnection) {
    let secrets = server::webhooks::sealing::SecretsKey::generate().0;
    let strict = SeaNotificationStore::new(db.clone(), Some(Arc::new(secrets)), WebhookClient::new(false));
    let now = app::clock::now();
    let refused = |error: AppError| error.to_string();
    for (url, says) in [
        ("http://hooks.example.com/in", "must start with https://"),
        ("https://10.1.2.3/in", "not a public address"),
        ("https://[::1]/in", "not a public address"),
        ("https://100.64.0.1/in", "not a public address"),
        ("https://169.254.169.254/latest", "not a public address"),
        ("not a url", "not valid"),
    ] {
        let error = strict.add(endpoint(url, &[EventType::KeyCreated]), &by("alice"), now).await.unwrap_err();
        assert!(refused(error.clone()).contains(says), "{url}: {error}");
    }
    let none = strict.add(endpoint("https://hooks.example.com/in", &[]), &by("alice"), now).await.unwrap_err();
    assert!(none.to_string().contains("Choose at least one event"), "{none}");
    let off = SeaNotificationStore::new(db.clone(), None, WebhookClient::new(false));
    let no_key = off.add(endpoint("https://hooks.example.com/in", &[EventType::KeyCreated]), &by("a"), now).await;
    assert!(no_key.unwrap_err().to_string().contains("KEYDESK_SECRETS_KEY"));
    assert_eq!(webhook_endpoint::Entity::find().count(&db).await.unwrap(), 0);
    // A host that resolves only to loopback is refused when delivering, not when adding.
    let added = strict.add(endpoint("https://localhost:9/in", &[EventType::KeyCreated]), &by("alice"), now).await;
    let created = added.expect("a name is checked at delivery");
    let test = strict.send_test(created.endpoint.id, &by("alice"), now).await.unwrap();
    assert_eq!(test.outcome, Outcome::AddressNotAllowed, "{test:?}");
    assert_eq!(test.result_text(), "Unreachable", "no more than that");
    // No endpoint takes the event: nothing goes to the outbox.
    strict.remove(created.endpoint.id, &by("alice"), now).await.unwrap();
    insert_and_announce(&db, "quiet", now).await;
    assert_eq!(webhook_message::Entity::find().count(&db).await.unwrap(), 0);
}

on_both_databases!(
    every_key_event_arrives_signed,
    a_rolled_secret_signs_beside_the_old_one_for_a_day,
    a_failing_endpoint_is_retried_with_backoff_then_switched_off,
    a_given_up_message_can_be_retried,
    expiry_warnings_are_sent_once_and_rearmed_by_a_new_expiry,
    bad_input_is_refused_and_nothing_is_saved,
);
