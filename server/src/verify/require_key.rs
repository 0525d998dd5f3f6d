//! [`RequireApiKey`]: the tower layer that guards a channel route with an `x-api-key` of one
//! permission, counting the key's usage by the request's origin and client network.

use super::Verifier;
use super::api::{API_KEY_HEADER, Refused};
use crate::client::Client;
use crate::usage::{Caller, Network};
use app::api_keys::Permission;
use app::api_keys::verification::{KeyFacts, Refusal};
use axum::Json;
use axum::body::Body;
use axum::extract::Request;
use axum::http::{StatusCode, header};
use axum::response::{IntoResponse, Response};
use chrono::Utc;
use futures::future::BoxFuture;
use ipnet::IpNet;
use std::sync::Arc;
use std::task::{Context, Poll};

/// The key a [`RequireApiKey`] layer verified, for the handler behind it.
#[derive(Debug, Clone)]
pub struct VerifiedKey(pub Arc<KeyFacts>);

/// A layer that lets a request through only with a valid `x-api-key` for `permission`, used
/// from where the key's enforced restrictions allow. Refusals answer 401 (403 for a valid key of
/// the other permission, or from an origin or network its restrictions do not allow) with the
/// verdict's code.
/// The handler behind it can take `Extension<VerifiedKey>`. Usage is counted by the request's
/// `Origin` (or its `Referer`'s origin) and its client's network, believing `X-Forwarded-For`
/// only from `trusted` proxies; restrictions are checked against the same two.
#[derive(Clone)]
pub struct RequireApiKey {
    verifier: Verifier,
    permission: Permission,
    trusted: Arc<[IpNet]>,
}

impl RequireApiKey {
    pub fn new(verifier: Verifier, permission: Permission, trusted: Arc<[IpNet]>) -> Self {
        RequireApiKey { verifier, permission, trusted }
    }
}

impl<S> tower::Layer<S> for RequireApiKey {
    type Service = RequireApiKeyService<S>;

    fn layer(&self, inner: S) -> Self::Service {
        RequireApiKeyService { inner, guard: self.clone() }
    }
}

#[derive(Clone)]
pub struct RequireApiKeyService<S> {
    inner: S,
    guard: RequireApiKey,
}

impl<S> tower::Service<Request<Body>> for RequireApiKeyService<S>
where
    S: tower::Service<Request<Body>, Response = Response> + Send + 'static,
    S::Future: Send + 'static,
{
    type Response = Response;
    type Error = S::Error;
    type Future = BoxFuture<'static, Result<Response, S::Error>>;

    fn poll_ready(&mut self, cx: &mut Context<'_>) -> Poll<Result<(), Self::Error>> {
        self.inner.poll_ready(cx)
    }

    fn call(&mut self, mut request: Request<Body>) -> Self::Future {
        let headers = request.headers();
        let presented = headers.get(API_KEY_HEADER).and_then(|v| v.to_str().ok()).unwrap_or("");
        let origin = [header::ORIGIN, header::REFERER]
            .into_iter()
            .find_map(|name| headers.get(name))
            .and_then(|value| value.to_str().ok());
        let client = Client::of_request(&request, &self.guard.trusted);
        let caller = Caller { origin, network: Network::Address(client.address) };
        match self.guard.verifier.verify(presented, self.guard.permission, Utc::now(), &caller) {
            Ok(accepted) => {
                request.extensions_mut().insert(VerifiedKey(accepted.key));
                Box::pin(self.inner.call(request))
            }
            Err(refusal) => {
                let status = match refusal {
                    Refusal::WrongPermission | Refusal::OriginNotAllowed | Refusal::NetworkNotAllowed => {
                        StatusCode::FORBIDDEN
                    }
                    Refusal::Unavailable => StatusCode::SERVICE_UNAVAILABLE,
                    _ => StatusCode::UNAUTHORIZED,
                };
                let response = (status, Json(Refused::from(refusal))).into_response();
                Box::pin(async move { Ok(response) })
            }
        }
    }
}
