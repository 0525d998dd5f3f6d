//! A verification API served in-process (`Router::oneshot`) with a service token, and the key
//! store that keeps its index current: what the verification and restriction tests talk to.

use super::{by, router_on};
use app::api_keys::store::KeyStore;
use app::api_keys::{NewKey, Permission};
use axum::body::Body;
use axum::http::{Request, StatusCode, header};
use chrono::Utc;
use sea_orm::DatabaseConnection;
use serde_json::{Value, json};
use server::key_store::SeaKeyStore;
use server::verify::VerifyServices;
use server::verify::tokens::add_token;
use tower::ServiceExt;

pub struct Api {
    pub app: axum::Router,
    pub verify: VerifyServices,
    pub store: SeaKeyStore,
    pub token: String,
}

impl Api {
    pub async fn on(db: &DatabaseConnection) -> Api {
        let (app, verify) = router_on(db).await;
        let token = add_token(db, "chat-gateway", &by("ops"), Utc::now()).await.unwrap().expose().to_owned();
        verify.sync.reload().await.unwrap();
        let store = SeaKeyStore::with_index(db.clone(), verify.index().clone());
        Api { app, verify, store, token }
    }

    pub async fn send(&self, request: Request<Body>) -> (StatusCode, Value) {
        let response = self.app.clone().oneshot(request).await.unwrap();
        let status = response.status();
        let bytes = axum::body::to_bytes(response.into_body(), usize::MAX).await.unwrap();
        let body = serde_json::from_slice(&bytes)
            .unwrap_or_else(|_| panic!("{status}: not JSON: {}", String::from_utf8_lossy(&bytes)));
        (status, body)
    }

    pub async fn verify_raw(&self, authorization: Option<&str>, body: impl Into<Body>) -> (StatusCode, Value) {
        let mut request = Request::post("/api/v1/keys/verify").header(header::CONTENT_TYPE, "application/json");
        if let Some(value) = authorization {
            request = request.header(header::AUTHORIZATION, value);
        }
        self.send(request.body(body.into()).unwrap()).await
    }

    /// The verdict for `key` and `permission`: `Ok(body)` if valid, else the refusal's code.
    pub async fn verify(&self, key: &str, permission: &str) -> Result<Value, String> {
        let body = json!({ "key": key, "permission": permission }).to_string();
        let (status, verdict) = self.verify_raw(Some(&format!("Bearer {}", self.token)), body).await;
        assert_eq!(status, StatusCode::OK, "{verdict}");
        if verdict["valid"] == true {
            Ok(verdict)
        } else {
            assert_eq!(verdict["valid"], false);
            assert!(verdict["message"].as_str().is_some_and(|m| !m.is_empty()));
            Err(verdict["code"].as_str().unwrap().to_owned())
        }
    }

    pub async fn ping(&self, channel: &str, key: Option<&str>) -> (StatusCode, Value) {
        let mut request = Request::get(format!("/api/v1/channels/{channel}/ping"));
        if let Some(key) = key {
            request = request.header("x-api-key", key);
        }
        self.send(request.body(Body::empty()).unwrap()).await
    }

    pub async fn create(&self, name: &str, permission: Permission) -> (uuid::Uuid, String) {
        let new = NewKey { name: name.into(), permission, ..NewKey::blank() };
        let created = self.store.create(new, &by("admin"), Utc::now()).await.unwrap();
        (created.key.id, created.secret.expose().to_owned())
    }
}

pub fn code(code: &str) -> Result<Value, String> {
    Err(code.to_owned())
}
