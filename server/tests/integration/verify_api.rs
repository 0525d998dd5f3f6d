//! The verification API in-process (`Router::oneshot`) on SQLite and PostgreSQL: every verdict
//! code for each permission, the service-token rules, bad requests, the `x-api-key` layer's
//! example routes, last-used, and the OpenAPI document. A property test throws random requests
//! at it. (`multi_instance.rs` runs real server processes.)

use crate::support;

use app::api_keys::secret::generate_secret;
use app::api_keys::store::KeyStore;
use app::api_keys::{KeyChanges, NewKey, Permission};
use axum::body::Body;
use axum::http::{Request, StatusCode, header};
use chrono::{Duration, Utc};
use proptest::prelude::*;
use sea_orm::DatabaseConnection;
use serde_json::{Value, json};
use server::verify::tokens::{add_token, revoke_token};
use tower::ServiceExt;

on_both_databases!(every_code_for_each_permission, service_tokens_guard_the_api, last_used_is_written_in_batches);

use support::api::{Api, code};

async fn every_code_for_each_permission(db: DatabaseConnection) {
    let api = Api::on(&db).await;
    for (permission, wire, other_wire, channel, other_channel) in [
        (Permission::Chat, "chat", "secure_mail", "chat", "secure-mail"),
        (Permission::SecureMail, "secure_mail", "chat", "secure-mail", "chat"),
    ] {
        let (id, secret) = api.create(&format!("{wire} widget"), permission).await;

        let valid = api.verify(&secret, wire).await.expect("a new key verifies at once");
        assert_eq!(valid["key_id"], id.to_string());
        assert_eq!(valid["name"], format!("{wire} widget"));
        assert_eq!(valid["permission"], wire);
        assert_eq!(valid["expires_at"], Value::Null);
        assert_eq!(api.verify(&secret, other_wire).await, code("WRONG_PERMISSION"));
        let (status, pong) = api.ping(channel, Some(&secret)).await;
        assert_eq!((status, &pong["key_id"]), (StatusCode::OK, &json!(id.to_string())));
        let (status, refused) = api.ping(other_channel, Some(&secret)).await;
        assert_eq!((status, refused["code"].as_str()), (StatusCode::FORBIDDEN, Some("WRONG_PERMISSION")));

        // Malformed: junk, a typo (the checksum catches it), no key at all.
        let typo = format!("{}{}", &secret[..10], if &secret[10..11] == "a" { "b" } else { "a" }) + &secret[11..];
        for malformed in ["", "not a key", &secret[..secret.len() - 1], &typo] {
            assert_eq!(api.verify(malformed, wire).await, code("MALFORMED"), "{malformed:?}");
        }
        let (status, refused) = api.ping(channel, None).await;
        assert_eq!((status, refused["code"].as_str()), (StatusCode::UNAUTHORIZED, Some("MALFORMED")));

        let never_issued = generate_secret(permission);
        assert_eq!(api.verify(never_issued.expose(), wire).await, code("NOT_FOUND"));

        // Disabled, on this instance, takes effect for the very next verification.
        api.store.set_enabled(id, false, &support::by("admin"), Utc::now()).await.unwrap();
        assert_eq!(api.verify(&secret, wire).await, code("DISABLED"));
        assert_eq!(api.verify(&secret, other_wire).await, code("DISABLED"), "DISABLED comes before WRONG_PERMISSION");
        let (status, refused) = api.ping(channel, Some(&secret)).await;
        assert_eq!((status, refused["code"].as_str()), (StatusCode::UNAUTHORIZED, Some("DISABLED")));
        let key = api.store.set_enabled(id, true, &support::by("admin"), Utc::now()).await.unwrap();
        assert!(api.verify(&secret, wire).await.is_ok(), "enabled again");

        // Expired by editing ("Expire now"); disabled as well, DISABLED wins.
        let changes = KeyChanges {
            name: key.name.clone(),
            enabled: true,
            expires_at: None,
            permission: None,
            expected_version: key.version,
            expire_now: true,
            restrictions: None,
        };
        let key = api.store.update(id, changes, &support::by("admin"), Utc::now()).await.unwrap();
        assert_eq!(api.verify(&secret, wire).await, code("EXPIRED"));
        assert_eq!(api.verify(&secret, other_wire).await, code("EXPIRED"), "EXPIRED comes before WRONG_PERMISSION");
        api.store.set_enabled(id, false, &support::by("admin"), Utc::now()).await.unwrap();
        assert_eq!(api.verify(&secret, wire).await, code("DISABLED"), "DISABLED comes before EXPIRED");
        assert!(key.expires_at.is_some());

        api.store.delete(id, &support::by("admin"), Utc::now()).await.unwrap();
        assert_eq!(api.verify(&secret, wire).await, code("NOT_FOUND"), "a deleted key is gone at once");
    }

    // Expiry by the passage of time needs no event.
    let soon = NewKey {
        name: "short-lived".into(),
        expires_at: Some(Utc::now() + Duration::milliseconds(1500)),
        ..NewKey::blank()
    };
    let created = api.store.create(soon, &support::by("admin"), Utc::now()).await.unwrap();
    let secret = created.secret.expose();
    let valid = api.verify(secret, "chat").await.expect("valid until its expiry");
    assert!(valid["expires_at"].as_str().is_some());
    tokio::time::sleep(std::time::Duration::from_millis(1600)).await;
    assert_eq!(api.verify(secret, "chat").await, code("EXPIRED"));
}

async fn service_tokens_guard_the_api(db: DatabaseConnection) {
    let api = Api::on(&db).await;
    let (_, secret) = api.create("widget", Permission::Chat).await;
    let body = json!({ "key": secret, "permission": "chat" }).to_string();
    let bearer = format!("Bearer {}", api.token);

    for authorization in [None, Some("Bearer"), Some("Bearer nope"), Some("Basic YWRtaW46YWRtaW4="), Some(&api.token)] {
        let (status, error) = api.verify_raw(authorization, body.clone()).await;
        assert_eq!(status, StatusCode::UNAUTHORIZED, "{authorization:?}");
        assert_eq!(error["error"], "unauthorized");
        assert!(!error.to_string().contains(&secret), "errors never echo secrets");
    }
    let (status, verdict) = api.verify_raw(Some(&bearer), body.clone()).await;
    assert_eq!((status, &verdict["valid"]), (StatusCode::OK, &json!(true)));

    // Bad bodies: 400 with a JSON error that never echoes the presented key.
    let oversized = json!({ "key": "x".repeat(10_000), "permission": "chat" }).to_string();
    for (bad, expected) in [
        ("".to_owned(), StatusCode::BAD_REQUEST),
        ("{\"key\": ".to_owned(), StatusCode::BAD_REQUEST),
        ("not json".to_owned(), StatusCode::BAD_REQUEST),
        (json!({ "key": secret }).to_string(), StatusCode::BAD_REQUEST),
        (json!({ "key": secret, "permission": "admin" }).to_string(), StatusCode::BAD_REQUEST),
        (json!({ "key": 42, "permission": "chat" }).to_string(), StatusCode::BAD_REQUEST),
        (json!([secret, "chat"]).to_string(), StatusCode::BAD_REQUEST),
        (oversized, StatusCode::PAYLOAD_TOO_LARGE),
    ] {
        let (status, error) = api.verify_raw(Some(&bearer), bad.clone()).await;
        assert_eq!(status, expected, "{bad:.60}");
        assert!(error["message"].as_str().is_some_and(|m| !m.is_empty()), "{error}");
        assert!(!error.to_string().contains(&secret), "{error}");
    }

    // A revoked token stops working once the tokens are re-read (the sync task does this
    // within a second on a running server).
    revoke_token(&db, "chat-gateway", &support::by("ops"), Utc::now()).await.unwrap();
    api.verify.sync.reload().await.unwrap();
    let (status, _) = api.verify_raw(Some(&bearer), body.clone()).await;
    assert_eq!(status, StatusCode::UNAUTHORIZED);
    assert!(
        revoke_token(&db, "chat-gateway", &support::by("ops"), Utc::now()).await.is_err(),
        "nothing left to revoke"
    );
    let again = add_token(&db, "chat-gateway", &support::by("ops"), Utc::now())
        .await
        .expect("a revoked name may be given again");
    assert!(add_token(&db, "chat-gateway", &support::by("ops"), Utc::now()).await.is_err(), "but not twice");
    api.verify.sync.reload().await.unwrap();
    let (status, _) = api.verify_raw(Some(&format!("Bearer {}", again.expose())), body).await;
    assert_eq!(status, StatusCode::OK);

    // The OpenAPI document is served and describes the routes.
    let (status, document) = api.send(Request::get("/api/v1/openapi.json").body(Body::empty()).unwrap()).await;
    assert_eq!(status, StatusCode::OK);
    assert!(document["openapi"].as_str().unwrap().starts_with("3."));
    for path in ["/api/v1/keys/verify", "/api/v1/channels/chat/ping", "/api/v1/channels/secure-mail/ping"] {
        assert!(document["paths"][path].is_object(), "{path} is documented");
    }
    assert!(document["components"]["securitySchemes"]["service_token"].is_object());
    // Restrictions: the request's fields, the report-only note, the two codes.
    let schemas = &document["components"]["schemas"];
    for field in ["origin", "client_ip"] {
        assert!(schemas["VerifyRequest"]["properties"][field].is_object(), "VerifyRequest.{field}");
    }
    assert!(schemas["Verified"]["properties"]["restriction"].is_object());
    let codes = schemas["Refusal"].to_string();
    for code in ["ORIGIN_NOT_ALLOWED", "NETWORK_NOT_ALLOWED", "WRONG_PERMISSION"] {
        assert!(codes.contains(code), "{code} in {codes}");
    }
    let (status, error) = api.send(Request::get("/api/v1/nothing").body(Body::empty()).unwrap()).await;
    assert_eq!((status, error["error"].as_str()), (StatusCode::NOT_FOUND, Some("not_found")));
    let (status, _) = api.send(Request::get("/api/v1/keys/verify").body(Body::empty()).unwrap()).await;
    assert_eq!(status, StatusCode::METHOD_NOT_ALLOWED);
}

async fn last_used_is_written_in_batches(db: DatabaseConnection) {
    let api = Api::on(&db).await;
    let (id, secret) = api.create("widget", Permission::Chat).await;
    let before = api.store.get(id).await.unwrap();
    assert_eq!(before.last_used_at, None);
    let started = Utc::now();
    assert!(api.verify(&secret, "chat").await.is_ok());
    assert!(api.verify(&secret, "secure_mail").await.is_err(), "refusals are not uses");
    assert_eq!(api.store.get(id).await.unwrap().last_used_at, None, "not written synchronously");

    assert_eq!(api.verify.last_used.flush(&db).await.unwrap(), 1);
    let after = api.store.get(id).await.unwrap();
    let used = after.last_used_at.expect("written by the flush");
    assert!(used >= started - Duration::milliseconds(1) && used <= Utc::now());
    assert_eq!((after.version, after.updated_at), (before.version, before.updated_at), "a use is not an edit");
    assert_eq!(api.verify.last_used.flush(&db).await.unwrap(), 0, "nothing pending");

    // An older use never moves the time backwards.
    api.verify.last_used.record(id, used - Duration::hours(1));
    api.verify.last_used.flush(&db).await.unwrap();
    assert_eq!(api.store.get(id).await.unwrap().last_used_at, Some(used));
}

/// Anything a client may send: some well-formed requests, mostly noise.
fn any_request() -> impl Strategy<Value = (Option<String>, Option<String>, Vec<u8>, (&'static str, String))> {
    let authorization = prop_oneof![Just(None), Just(Some("VALID".to_owned())), any::<Option<String>>()];
    let content_type = prop_oneof![Just(None), Just(Some("application/json".to_owned())), ".{0,30}".prop_map(Some)];
    let body = prop_oneof![
        any::<Vec<u8>>(),
        (".{0,60}", ".{0,20}").prop_map(|(k, p)| json!({ "key": k, "permission": p }).to_string().into_bytes()),
        ("kd_(chat|mail)_[0-9A-Za-z]{36}", "chat|secure_mail")
            .prop_map(|(k, p)| json!({ "key": k, "permission": p }).to_string().into_bytes()),
        "\\PC{0,200}".prop_map(String::into_bytes),
    ];
    let path = prop_oneof![
        Just("/api/v1/keys/verify".to_owned()),
        Just("/api/v1/channels/chat/ping".to_owned()),
        Just("/api/v1".to_owned()),
        "/api/v1/[a-z/-]{0,20}",
    ];
    let method = prop_oneof![Just("POST"), Just("GET"), Just("PUT"), Just("DELETE")];
    (authorization, content_type, body, (method, path))
}

#[test]
fn random_requests_never_get_a_server_error() {
    let runtime = tokio::runtime::Runtime::new().unwrap();
    let (api, _db) = runtime.block_on(async {
        let db = support::sqlite().await;
        (Api::on(&db).await, db)
    });
    proptest!(ProptestConfig::with_cases(400), |(request in any_request())| {
        let (authorization, content_type, body, (method, path)) = request;
        let response = runtime.block_on(async {
            let mut request = Request::builder().method(method).uri(&path);
            if let Some(value) = authorization {
                let value = if value == "VALID" { format!("Bearer {}", api.token) } else { value };
                if let Ok(value) = header::HeaderValue::from_str(&value) {
                    request = request.header(header::AUTHORIZATION, value.clone()).header("x-api-key", value);
                }
            }
            if let Some(value) = content_type.and_then(|v| header::HeaderValue::from_str(&v).ok()) {
                request = request.header(header::CONTENT_TYPE, value);
            }
            api.app.clone().oneshot(request.body(Body::from(body)).unwrap()).await.unwrap()
        });
        let status = response.status();
        prop_assert!(!status.is_server_error(), "{}", status);
        let bytes = runtime.block_on(axum::body::to_bytes(response.into_body(), usize::MAX)).unwrap();
        prop_assert!(serde_json::from_slice::<Value>(&bytes).is_ok(), "{} answered with a non-JSON body", status);
    });
}
