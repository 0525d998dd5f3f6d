//! Bulk actions on real databases: the preview (changed, skipped and why), all or nothing when a
//! key changed since the preview, one batch id on every event, a preview used once and only by
//! its maker, bad input refused with nothing changed; and through the real router, the rights
//! each action needs.

use crate::support;

use app::api_keys::bulk::{BulkAction, BulkOutcome, BulkPreview, Selection, Skip};
use app::api_keys::server_fns::{ApplyBulk, PreviewBulk};
use app::api_keys::store::KeyStore;
use app::api_keys::{KeyChanges, KeyQuery, NewKey, Permission, Status};
use app::audit::AuditAction;
use app::audit::query::{AuditQuery, AuditScope};
use app::audit::store::AuditTrail;
use app::auth::Rights;
use app::error::AppError;
use axum::body::Body;
use axum::http::{Request, StatusCode, header};
use chrono::{Duration, Utc};
use leptos::server_fn::ServerFn;
use sea_orm::DatabaseConnection;
use server::audit::trail::SeaAuditTrail;
use server::key_store::SeaKeyStore;
use tower::ServiceExt;
use uuid::Uuid;

on_both_databases!(a_bulk_action_changes_every_previewed_key_or_none, each_bulk_action_needs_its_right);

fn shop_view() -> Selection {
    Selection::View(KeyQuery { search: "shop".into(), ..KeyQuery::default() })
}

async fn a_bulk_action_changes_every_previewed_key_or_none(db: DatabaseConnection) {
    let store = SeaKeyStore::new(db.clone());
    let now = Utc::now();
    let ana = support::by("ana");
    for n in 1..=5 {
        let new = NewKey { name: format!("Shop {n}"), enabled: n != 4, ..NewKey::blank() };
        store.create(new, &ana, now).await.unwrap();
    }
    store.create(NewKey { name: "Mail relay".into(), ..NewKey::blank() }, &ana, now).await.unwrap();
    let key = |name: &'static str| {
        let store = store.clone();
        async move {
            let page = store.list(&KeyQuery { search: name.into(), ..KeyQuery::default() }, now).await.unwrap();
            page.keys.into_iter().find(|key| key.name == name).unwrap()
        }
    };

    // The preview: the view's enabled keys change; the disabled one is skipped, saying why.
    let preview = store.preview_bulk(shop_view(), BulkAction::Disable, &ana, now).await.unwrap();
    assert_eq!(preview.count, 4);
    let mut names: Vec<&str> = preview.keys.iter().map(|k| k.name.as_str()).collect();
    names.sort();
    assert_eq!(names, ["Shop 1", "Shop 2", "Shop 3", "Shop 5"]);
    assert!(preview.keys.iter().all(|k| k.status == Status::Available && k.uses_7d == 0));
    assert_eq!(preview.skipped.len(), 1);
    assert_eq!(
        (preview.skipped[0].skip, preview.skipped[0].sentence().as_str()),
        (Skip::AlreadyDisabled, "1 key skipped: already disabled (Shop 4)")
    );

    // A key changed since the preview: nothing is applied, and the refusal names it.
    let shop2 = key("Shop 2").await;
    let rename = KeyChanges {
        name: "Shop 2b".into(),
        enabled: true,
        expires_at: None,
        permission: None,
        expected_version: shop2.version,
        expire_now: false,
        restrictions: None,
    };
    store.update(shop2.id, rename, &support::by("bob"), now).await.unwrap();
    let refused = store.apply_bulk(preview.token, BulkAction::Disable, &ana, now).await.unwrap_err();
    assert_eq!(refused.status_code(), 409);
    assert!(refused.to_string().contains("1 key changed since the preview (Shop 2b)"), "{refused}");
    assert!(key("Shop 1").await.enabled, "nothing was applied");

    // Previewed again, it applies: every key, each with its own event, one batch id.
    let preview = store.preview_bulk(shop_view(), BulkAction::Disable, &ana, now).await.unwrap();
    assert_eq!(store.apply_bulk(preview.token, BulkAction::Enable, &ana, now).await.unwrap_err().status_code(), 400);
    let bob = support::by("bob");
    let gone = store.apply_bulk(preview.token, BulkAction::Disable, &bob, now).await.unwrap_err();
    assert!(gone.to_string().contains("expired or was already applied"), "only its maker applies a preview");
    let BulkOutcome { batch_id, changed } =
        store.apply_bulk(preview.token, BulkAction::Disable, &ana, now).await.unwrap();
    assert_eq!(changed, 4);
    for name in ["Shop 1", "Shop 2b", "Shop 3", "Shop 5"] {
        assert!(!key(name).await.enabled, "{name}");
    }
    assert!(key("Mail relay").await.enabled, "outside the view");
    let again = store.apply_bulk(preview.token, BulkAction::Disable, &ana, now).await.unwrap_err();
    assert!(again.to_string().contains("already applied"), "a preview is used once");
    let trail = SeaAuditTrail::new(db.clone());
    let batch = AuditQuery { batch: Some(batch_id), ..AuditQuery::default() };
    let events = trail.page(&batch, AuditScope::KeyEvents, now).await.unwrap();
    assert_eq!(events.total, 4);
    assert!(events.entries.iter().all(|e| e.action == AuditAction::KeyDisabled && e.actor == "ana"));
    assert!(events.entries.iter().all(|e| e.changes[0].old == "true" && e.changes[0].new == "false"));

    // A new expiry for keys picked by hand; one in the past is refused.
    let (shop1, shop3) = (key("Shop 1").await, key("Shop 3").await);
    let at = Some(now + Duration::days(30));
    let picked = Selection::Picked(vec![shop1.id, shop3.id]);
    let expiry = BulkAction::SetExpiry { expires_at: at };
    let preview = store.preview_bulk(picked.clone(), expiry, &ana, now).await.unwrap();
    store.apply_bulk(preview.token, expiry, &ana, now).await.unwrap();
    assert_eq!(key("Shop 1").await.expires_at.map(|t| t.timestamp_millis()), at.map(|t| t.timestamp_millis()));
    let past = BulkAction::SetExpiry { expires_at: Some(now - Duration::days(1)) };
    assert_eq!(store.preview_bulk(picked.clone(), past, &ana, now).await.unwrap_err().status_code(), 400);
    let nothing = store.preview_bulk(Selection::Picked(vec![]), BulkAction::Delete, &ana, now).await.unwrap_err();
    assert_eq!(nothing.to_string(), "Select at least one key.");

    // Delete: the keys go, their history stays under the batch.
    let preview = store.preview_bulk(picked, BulkAction::Delete, &ana, now).await.unwrap();
    let outcome = store.apply_bulk(preview.token, BulkAction::Delete, &ana, now).await.unwrap();
    assert!(matches!(store.get(shop1.id).await, Err(AppError::NotFound)));
    let deleted = AuditQuery { batch: Some(outcome.batch_id), ..AuditQuery::default() };
    let events = trail.page(&deleted, AuditScope::KeyEvents, now).await.unwrap();
    assert_eq!(events.entries.iter().filter(|e| e.action == AuditAction::KeyDeleted).count(), 2);

    // An empty view previews as nothing to do.
    let none = Selection::View(KeyQuery { search: "no such key".into(), ..KeyQuery::default() });
    let preview = store.preview_bulk(none, BulkAction::Disable, &ana, now).await.unwrap();
    assert_eq!((preview.count, preview.token), (0, Uuid::nil()));
}

async fn each_bulk_action_needs_its_right(db: DatabaseConnection) {
    let (app, _) = support::router_on(&db).await;
    let store = SeaKeyStore::new(db.clone());
    store
        .create(
            NewKey { name: "Shop".into(), permission: Permission::Chat, ..NewKey::blank() },
            &support::by("ana"),
            Utc::now(),
        )
        .await
        .unwrap();
    let updater = support::signed_in(&db, "ula", Rights::parse_list("canView,canRead,canUpdate").unwrap()).await;
    let viewer = support::signed_in(&db, "vera", Rights::parse_list("canView,canRead").unwrap()).await;
    let call = |cookie: &str, path: &str, body: serde_json::Value| {
        let request = Request::post(path)
            .header(header::CONTENT_TYPE, "application/json")
            .header(header::ACCEPT, "application/json")
            .header(header::COOKIE, cookie)
            .body(Body::from(body.to_string()))
            .unwrap();
        app.clone().oneshot(request)
    };
    let preview = |action: BulkAction| serde_json::json!({ "selection": shop_view(), "action": action });
    assert_eq!(
        call(&viewer, PreviewBulk::PATH, preview(BulkAction::Disable)).await.unwrap().status(),
        StatusCode::FORBIDDEN
    );
    assert_eq!(
        call(&updater, PreviewBulk::PATH, preview(BulkAction::Delete)).await.unwrap().status(),
        StatusCode::FORBIDDEN
    );
    let answer = call(&updater, PreviewBulk::PATH, preview(BulkAction::Disable)).await.unwrap();
    assert_eq!(answer.status(), StatusCode::OK);
    let bytes = axum::body::to_bytes(answer.into_body(), usize::MAX).await.unwrap();
    let previewed: BulkPreview = serde_json::from_slice(&bytes).unwrap();
    assert_eq!(previewed.count, 1);
    let apply = |action: BulkAction| serde_json::json!({ "token": previewed.token, "action": action });
    assert_eq!(
        call(&updater, ApplyBulk::PATH, apply(BulkAction::Delete)).await.unwrap().status(),
        StatusCode::FORBIDDEN
    );
    assert_eq!(call(&updater, ApplyBulk::PATH, apply(BulkAction::Disable)).await.unwrap().status(), StatusCode::OK);
}
