//! Restrictions on SQLite and PostgreSQL, through the verification API and the `x-api-key`
//! layer in-process: enforced origins and networks with their place in the order of refusals,
//! report-only answers and their counts, the suggestions from real traffic, bad lists refused
//! without a change, copies and rotations carrying the list, and the audit trail.
//! (`multi_instance.rs` checks that a change reaches another instance within a second.)

use crate::support;

use app::api_keys::restrictions::{RestrictionMode, Restrictions};
use app::api_keys::rotation::{Grace, RotationRequest};
use app::api_keys::store::KeyStore;
use app::api_keys::{ApiKey, KeyChanges, Permission};
use app::audit::AuditAction;
use app::error::{AppError, Field};
use app::usage::{Range, UsageResult};
use axum::body::Body;
use axum::http::{Request, StatusCode};
use chrono::Utc;
use sea_orm::DatabaseConnection;
use serde_json::{Value, json};
use support::api::{Api, code};
use uuid::Uuid;

on_both_databases!(
    enforced_lists_refuse_other_origins_and_networks_after_every_other_refusal,
    report_only_answers_valid_marks_and_counts_what_would_be_blocked,
    bad_lists_are_refused_with_a_reason_and_change_nothing,
    copies_and_rotations_carry_restrictions_and_changes_are_audited
);

fn restrictions(mode: RestrictionMode, allowed: &[&str]) -> Restrictions {
    Restrictions { mode, allowed: allowed.iter().map(|entry| entry.to_string()).collect() }
}

/// Saves `restrictions` on `key` as the details form does.
async fn restrict(api: &Api, key: &ApiKey, restrictions: Restrictions) -> Result<ApiKey, AppError> {
    let changes = KeyChanges {
        name: key.name.clone(),
        enabled: key.enabled,
        expires_at: key.expires_at,
        permission: Some(key.permission),
        expected_version: key.version,
        expire_now: false,
        restrictions: Some(restrictions),
    };
    api.store.update(key.id, changes, &support::by("admin"), Utc::now()).await
}

/// The verdict for `secret` used as `permission` from `origin` and `client_ip`.
async fn verify_from(
    api: &Api,
    secret: &str,
    permission: &str,
    origin: Option<&str>,
    client_ip: Option<&str>,
) -> Result<Value, String> {
    let mut body = json!({ "key": secret, "permission": permission });
    if let Some(origin) = origin {
        body["origin"] = json!(origin);
    }
    if let Some(client_ip) = client_ip {
        body["client_ip"] = json!(client_ip);
    }
    let (status, verdict) = api.verify_raw(Some(&format!("Bearer {}", api.token)), body.to_string()).await;
    assert_eq!(status, StatusCode::OK, "{verdict}");
    match verdict["valid"].as_bool() {
        Some(true) => Ok(verdict),
        _ => Err(verdict["code"].as_str().unwrap().to_owned()),
    }
}

/// The chat example route with `secret`, sent with these headers.
async fn ping(api: &Api, secret: &str, headers: &[(&str, &str)]) -> (StatusCode, Value) {
    let mut request = Request::get("/api/v1/channels/chat/ping").header("x-api-key", secret);
    for (name, value) in headers {
        request = request.header(*name, *value);
    }
    api.send(request.body(Body::empty()).unwrap()).await
}

async fn enforced_lists_refuse_other_origins_and_networks_after_every_other_refusal(db: DatabaseConnection) {
    let api = Api::on(&db).await;
    let (chat_id, chat) = api.create("Shop widget", Permission::Chat).await;
    let key = api.store.get(chat_id).await.unwrap();
    let saved = restrict(
        &api,
        &key,
        restrictions(RestrictionMode::Enforce, &["https://Shop.example.com:443", "https://*.example.org"]),
    )
    .await
    .unwrap();
    assert_eq!(saved.restrictions.allowed, ["https://shop.example.com", "https://*.example.org"], "normal spelling");

    let valid = verify_from(&api, &chat, "chat", Some("https://shop.example.com"), None).await.unwrap();
    assert!(valid.get("restriction").is_none(), "an allowed origin is plainly valid: {valid}");
    for allowed in ["https://SHOP.example.com", "https://help.example.org", "https://a.b.example.org:443/chat"] {
        assert!(verify_from(&api, &chat, "chat", Some(allowed), None).await.is_ok(), "{allowed}");
    }
    for refused in [
        Some("https://evil.example"),
        Some("https://example.org"),
        Some("https://shop.example.com.evil.test"),
        Some("http://shop.example.com"),
        Some("null"),
        None,
    ] {
        assert_eq!(verify_from(&api, &chat, "chat", refused, None).await, code("ORIGIN_NOT_ALLOWED"), "{refused:?}");
    }
    // Every other refusal comes first.
    let evil = Some("https://evil.example");
    assert_eq!(verify_from(&api, &chat, "secure_mail", evil, None).await, code("WRONG_PERMISSION"));
    api.store.set_enabled(chat_id, false, &support::by("admin"), Utc::now()).await.unwrap();
    assert_eq!(verify_from(&api, &chat, "chat", evil, None).await, code("DISABLED"));
    api.store.set_enabled(chat_id, true, &support::by("admin"), Utc::now()).await.unwrap();

    // The x-api-key layer reads Origin, else the Referer's origin, and answers 403.
    let (status, pong) = ping(&api, &chat, &[("origin", "https://help.example.org")]).await;
    assert_eq!((status, &pong["key_id"]), (StatusCode::OK, &json!(chat_id.to_string())));
    let (status, _) = ping(&api, &chat, &[("referer", "https://shop.example.com/products/1?ref=x")]).await;
    assert_eq!(status, StatusCode::OK, "a Referer's origin counts when there is no Origin");
    let (status, refused) = ping(&api, &chat, &[("origin", "https://evil.example")]).await;
    assert_eq!((status, refused["code"].as_str()), (StatusCode::FORBIDDEN, Some("ORIGIN_NOT_ALLOWED")));
    let (status, refused) = ping(&api, &chat, &[]).await;
    assert_eq!((status, refused["code"].as_str()), (StatusCode::FORBIDDEN, Some("ORIGIN_NOT_ALLOWED")));

    let (mail_id, mail) = api.create("Mail gateway", Permission::SecureMail).await;
    let key = api.store.get(mail_id).await.unwrap();
    restrict(&api, &key, restrictions(RestrictionMode::Enforce, &["203.0.113.0/24", "2001:db8::/48"])).await.unwrap();
    for allowed in ["203.0.113.77", "::ffff:203.0.113.5", "2001:db8:0:1::9"] {
        assert!(verify_from(&api, &mail, "secure_mail", None, Some(allowed)).await.is_ok(), "{allowed}");
    }
    for refused in [Some("198.51.100.1"), Some("2001:db9::1"), Some("not an address"), None] {
        assert_eq!(
            verify_from(&api, &mail, "secure_mail", Some("https://shop.example.com"), refused).await,
            code("NETWORK_NOT_ALLOWED"),
            "{refused:?}"
        );
    }
    assert_eq!(verify_from(&api, &mail, "chat", None, Some("198.51.100.1")).await, code("WRONG_PERMISSION"));

    // Off again: the key works from anywhere, and its list is kept for later.
    let key = api.store.get(chat_id).await.unwrap();
    let off =
        restrict(&api, &key, Restrictions { mode: RestrictionMode::Off, ..key.restrictions.clone() }).await.unwrap();
    assert_eq!(off.restrictions.allowed.len(), 2);
    assert!(verify_from(&api, &chat, "chat", evil, None).await.is_ok());
}

async fn report_only_answers_valid_marks_and_counts_what_would_be_blocked(db: DatabaseConnection) {
    let api = Api::on(&db).await;
    let (chat_id, chat) = api.create("Reported widget", Permission::Chat).await;
    let key = api.store.get(chat_id).await.unwrap();
    restrict(&api, &key, restrictions(RestrictionMode::ReportOnly, &["https://shop.example.com"])).await.unwrap();
    for _ in 0..3 {
        let valid = verify_from(&api, &chat, "chat", Some("https://shop.example.com"), None).await.unwrap();
        assert!(valid.get("restriction").is_none(), "{valid}");
    }
    for _ in 0..2 {
        let marked = verify_from(&api, &chat, "chat", Some("https://evil.example"), None).await.unwrap();
        assert_eq!(marked["restriction"], "would_block", "{marked}");
    }
    let no_origin = verify_from(&api, &chat, "chat", None, None).await.unwrap();
    assert_eq!(no_origin["restriction"], "would_block");
    let (status, _) = ping(&api, &chat, &[("origin", "https://evil.example")]).await;
    assert_eq!(status, StatusCode::OK, "report only never refuses");

    let (mail_id, mail) = api.create("Reported gateway", Permission::SecureMail).await;
    let key = api.store.get(mail_id).await.unwrap();
    restrict(&api, &key, restrictions(RestrictionMode::ReportOnly, &["203.0.113.0/24"])).await.unwrap();
    verify_from(&api, &mail, "secure_mail", None, Some("198.51.100.7")).await.unwrap();
    verify_from(&api, &mail, "secure_mail", None, Some("203.0.113.7")).await.unwrap();

    api.verify.usage.flush(&db).await.unwrap();
    let now = Utc::now();
    let report = api.store.restriction_report(chat_id, now).await.unwrap();
    assert_eq!(report.would_block_total, 4, "three from evil.example (one a ping), one from nowhere: {report:?}");
    assert_eq!(
        report.would_block.iter().map(|s| (s.source.as_str(), s.count)).collect::<Vec<_>>(),
        [("https://evil.example", 3), ("(none)", 1)]
    );
    let usage = api.store.usage(chat_id, Range::Day, now).await.unwrap();
    let by_result: Vec<(UsageResult, u64)> = usage.by_result().into_iter().filter(|(_, n)| *n > 0).collect();
    assert_eq!(by_result, [(UsageResult::Valid, 3), (UsageResult::WouldBlock, 4)], "the ping counts as well");

    // Suggestions: where the key was really used from, busiest first; never (none).
    let suggested = api.store.restriction_suggestions(chat_id, now).await.unwrap();
    let suggested: Vec<(&str, u64)> = suggested.iter().map(|s| (s.source.as_str(), s.count)).collect();
    assert_eq!(suggested, [("https://evil.example", 3), ("https://shop.example.com", 3)]);
    let networks = api.store.restriction_suggestions(mail_id, now).await.unwrap();
    let networks: Vec<&str> = networks.iter().map(|s| s.source.as_str()).collect();
    assert_eq!(networks, ["198.51.100.0/24", "203.0.113.0/24"], "grouped by /24, as usage records them");
    let mail_report = api.store.restriction_report(mail_id, now).await.unwrap();
    assert_eq!(mail_report.would_block.iter().map(|s| s.source.as_str()).collect::<Vec<_>>(), ["198.51.100.0/24"]);
    assert_eq!(api.store.restriction_report(Uuid::new_v4(), now).await, Err(AppError::NotFound));
}

async fn bad_lists_are_refused_with_a_reason_and_change_nothing(db: DatabaseConnection) {
    let api = Api::on(&db).await;
    let (chat_id, _) = api.create("Guarded widget", Permission::Chat).await;
    let key = api.store.get(chat_id).await.unwrap();
    let too_many: Vec<String> = (0..51).map(|n| format!("https://s{n}.example")).collect();
    let too_many: Vec<&str> = too_many.iter().map(String::as_str).collect();
    for (bad, says) in [
        (restrictions(RestrictionMode::Enforce, &[]), "Enforce needs at least one allowed origin"),
        (restrictions(RestrictionMode::ReportOnly, &["https://shop.example.com/chat"]), "no path"),
        (restrictions(RestrictionMode::Enforce, &["203.0.113.0/24"]), "not an origin"),
        (restrictions(RestrictionMode::Off, &["https://a.example", "https://A.example:443"]), "already in the list"),
        (restrictions(RestrictionMode::Off, &too_many), "at most 50 origins"),
        (restrictions(RestrictionMode::Enforce, &["https://*.com"]), "at least two labels"),
    ] {
        let refused = restrict(&api, &key, bad.clone()).await.unwrap_err();
        assert!(matches!(refused, AppError::Invalid { field: Field::Restrictions, .. }), "{bad:?}: {refused:?}");
        assert_eq!(refused.status_code(), 400);
        assert!(refused.to_string().contains(says), "{bad:?}: {refused}");
    }
    assert_eq!(api.store.get(chat_id).await.unwrap(), key, "nothing changed");
    assert_eq!(api.store.history(chat_id).await.unwrap().len(), 1, "only the creation is recorded");

    // A list written around the rules (by hand in the database) closes that key, not the index.
    let (hand_id, hand_secret) = api.create("Hand-edited widget", Permission::Chat).await;
    let edited = server::entity::api_key::ActiveModel {
        id: sea_orm::ActiveValue::Unchanged(hand_id),
        restriction_mode: sea_orm::ActiveValue::Set("enforce".into()),
        allowed_sources: sea_orm::ActiveValue::Set("[\"https://Shop.example.com/not-normal\"".into()),
        ..Default::default()
    };
    sea_orm::ActiveModelTrait::update(edited, &db).await.unwrap();
    api.verify.sync.reload().await.expect("the index still loads");
    assert_eq!(
        verify_from(&api, &hand_secret, "chat", Some("https://shop.example.com"), None).await,
        code("ORIGIN_NOT_ALLOWED"),
        "the unreadable list allows nowhere"
    );
    let shown = api.store.get(hand_id).await.expect("the console still reads the key");
    assert_eq!(shown.restrictions, restrictions(RestrictionMode::Enforce, &[]), "shown as allowing nowhere");
    let listed = api.store.list(&app::api_keys::KeyQuery::default(), Utc::now()).await.expect("the table still lists");
    assert!(listed.keys.iter().any(|key| key.id == hand_id));
    let (_, other) = api.create("Untouched widget", Permission::Chat).await;
    assert!(verify_from(&api, &other, "chat", None, None).await.is_ok(), "other keys work on");

    let (mail_id, _) = api.create("Guarded gateway", Permission::SecureMail).await;
    let mail = api.store.get(mail_id).await.unwrap();
    let refused = restrict(&api, &mail, restrictions(RestrictionMode::Enforce, &["203.0.113.5/24"])).await.unwrap_err();
    assert_eq!(refused.to_string(), "203.0.113.5/24 has bits set past its prefix: the block is 203.0.113.0/24.");
    assert_eq!(api.store.get(mail_id).await.unwrap(), mail);
}

async fn copies_and_rotations_carry_restrictions_and_changes_are_audited(db: DatabaseConnection) {
    let api = Api::on(&db).await;
    let (id, _) = api.create("Carried widget", Permission::Chat).await;
    let key = api.store.get(id).await.unwrap();
    let list = restrictions(RestrictionMode::Enforce, &["https://shop.example.com"]);
    let key = restrict(&api, &key, list.clone()).await.unwrap();

    let history = api.store.history(id).await.unwrap();
    let change = &history[0];
    assert_eq!(change.action, AuditAction::KeyUpdated);
    let field = &change.changes[0];
    assert_eq!(
        (field.field, field.old.as_str(), field.new.as_str()),
        (Field::Restrictions, "Off (no entries)", "Enforce: https://shop.example.com")
    );

    let proposal = api.store.propose_copy(id, Utc::now()).await.unwrap();
    let copy = api.store.create(proposal, &support::by("admin"), Utc::now()).await.unwrap();
    assert_eq!(copy.key.restrictions, list, "a copy works where its source works");
    assert_eq!(
        verify_from(&api, copy.secret.expose(), "chat", Some("https://evil.example"), None).await,
        code("ORIGIN_NOT_ALLOWED")
    );

    let request = RotationRequest { grace: Grace::ForSeconds(3600), stop_when_unused: false };
    let rotated = api.store.rotate(key.id, request, &support::by("admin"), Utc::now()).await.unwrap();
    assert_eq!(rotated.created.key.restrictions, list, "the new key works where the old one did");
    let new_secret = rotated.created.secret.expose();
    assert_eq!(
        verify_from(&api, new_secret, "chat", Some("https://evil.example"), None).await,
        code("ORIGIN_NOT_ALLOWED")
    );
    assert!(verify_from(&api, new_secret, "chat", Some("https://shop.example.com"), None).await.is_ok());
}
