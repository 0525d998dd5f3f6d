//! The HTTP API under `/api/v1`: key verification for the channel services, example channel
//! routes behind the [`RequireApiKey`] layer, and the OpenAPI document generated from these
//! handlers' annotations. Every answer, errors included, is JSON.
//!
//! These routes carry no cookies and no session: callers authenticate with a service token
//! (`/keys/verify`) or with the API key itself (the channel routes).

use super::require_key::{RequireApiKey, VerifiedKey};
use super::tokens::TokenSet;
use super::{Verifier, VerifyServices};
use crate::usage::{Caller, Network};
use app::api_keys::Permission;
use app::api_keys::verification::{Accepted, KeyFacts, Refusal};
use axum::extract::{Request, State};
use axum::http::{HeaderMap, HeaderValue, StatusCode, header};
use axum::response::{IntoResponse, Response};
use axum::routing::{get, post};
use axum::{Extension, Json, Router};
use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};
use std::sync::Arc;
use utoipa::openapi::security::{ApiKey, ApiKeyValue, HttpAuthScheme, HttpBuilder, SecurityScheme};
use utoipa::{Modify, OpenApi, ToSchema};
use uuid::Uuid;

/// The largest request body accepted; a verification request is well under 200 bytes.
const MAX_BODY_BYTES: usize = 8 * 1024;
/// The header the channels send their API key in.
pub const API_KEY_HEADER: &str = "x-api-key";

/// `/api/v1`'s routes, to be nested at `/api/v1`; with `bench_baseline`, also the benchmark's
/// trivial `POST /bench/baseline`.
pub fn routes(services: &VerifyServices, bench_baseline: bool) -> Router {
    let verifier = services.verifier();
    let trusted = services.trusted_proxies.clone();
    let verify_state = VerifyState { verifier: verifier.clone(), tokens: services.tokens().clone() };
    let router = if bench_baseline {
        Router::new().route("/bench/baseline", post(|| async { Json(Refused::from(Refusal::NotFound)) }))
    } else {
        Router::new()
    };
    router
        .route("/keys/verify", post(verify_key).with_state(verify_state))
        .route(
            "/channels/chat/ping",
            get(chat_ping).layer(RequireApiKey::new(verifier.clone(), Permission::Chat, trusted.clone())),
        )
        .route(
            "/channels/secure-mail/ping",
            get(secure_mail_ping).layer(RequireApiKey::new(verifier, Permission::SecureMail, trusted)),
        )
        .route("/openapi.json", get(openapi_json))
        .fallback(not_found)
        .method_not_allowed_fallback(|| async {
            ApiError::new(StatusCode::METHOD_NOT_ALLOWED, "method_not_allowed", "This route does not take that method.")
        })
}

/// The JSON answer to an unknown route under `/api/v1`.
pub async fn not_found() -> ApiError {
    ApiError::new(StatusCode::NOT_FOUND, "not_found", "No such API route.")
}

/// What `POST /api/v1/keys/verify` takes.
#[derive(Debug, Deserialize, ToSchema)]
pub struct VerifyRequest {
    /// The key exactly as the channel received it in `x-api-key`.
    pub key: String,
    /// The permission the channel needs the key to have.
    pub permission: Permission,
    /// Optional: the `Origin` the channel's browser sent (or the page's URL). Counted in the
    /// key's usage by origin, and checked against a chat key's allowed origins: under `Enforce`,
    /// a missing or unlisted origin is refused with ORIGIN_NOT_ALLOWED.
    #[serde(default)]
    pub origin: Option<String>,
    /// Optional: the channel's client's IP address. Counted in the key's usage by network (IPv4
    /// /24, IPv6 /64), and checked against a secure-mail key's allowed networks: under
    /// `Enforce`, a missing, unreadable or unlisted address is refused with NETWORK_NOT_ALLOWED.
    #[serde(default)]
    pub client_ip: Option<String>,
}

/// What a valid answer says about the key's restrictions.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum RestrictionNote {
    /// The key's restrictions are in report-only mode and this request came from elsewhere than
    /// its list: enforcing them would refuse it (ORIGIN_NOT_ALLOWED or NETWORK_NOT_ALLOWED).
    WouldBlock,
}

/// A key that may be used: `valid` is `true`.
#[derive(Debug, Serialize, Deserialize, ToSchema)]
pub struct Verified {
    pub valid: bool,
    pub key_id: Uuid,
    pub name: String,
    pub permission: Permission,
    /// `null`: the key never expires.
    pub expires_at: Option<DateTime<Utc>>,
    /// Present while the key is in a rotation's grace period: the id of the key replacing it.
    /// The key works until `expires_at`; the channel should switch to the new secret and may log
    /// a warning meanwhile.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub replaced_by: Option<Uuid>,
    /// Present (`would_block`) when the key's restrictions are only reported on and this request
    /// came from elsewhere than its list. The key works; the admin sees these answers counted as
    /// "Would be blocked" before choosing to enforce.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub restriction: Option<RestrictionNote>,
}

impl From<&Accepted<Arc<KeyFacts>>> for Verified {
    fn from(accepted: &Accepted<Arc<KeyFacts>>) -> Self {
        let key = &accepted.key;
        Verified {
            valid: true,
            key_id: key.id,
            name: key.name.to_string(),
            permission: key.permission,
            expires_at: key.expires_at,
            replaced_by: key.replaced_by,
            restriction: accepted.would_block.map(|_| RestrictionNote::WouldBlock),
        }
    }
}

/// A key that may not be used: `valid` is `false`, `code` says why.
#[derive(Debug, Serialize, Deserialize, ToSchema)]
pub struct Refused {
    pub valid: bool,
    pub code: Refusal,
    pub message: String,
}

impl From<Refusal> for Refused {
    fn from(refusal: Refusal) -> Self {
        Refused { valid: false, code: refusal, message: refusal.message().to_owned() }
    }
}

/// The answer to a well-formed verification request.
#[derive(Debug, Serialize, Deserialize, ToSchema)]
#[serde(untagged)]
pub enum VerifyResponse {
    Verified(Verified),
    Refused(Refused),
}

/// Any error that is not a verdict: a bad request, a missing token, an unknown route.
#[derive(Debug, Serialize, Deserialize, ToSchema)]
pub struct ApiError {
    #[serde(skip)]
    status: u16,
    /// A stable, machine-readable code, e.g. `unauthorized`, `bad_request`.
    pub error: String,
    pub message: String,
}

impl ApiError {
    fn new(status: StatusCode, error: &str, message: impl Into<String>) -> Self {
        ApiError { status: status.as_u16(), error: error.to_owned(), message: message.into() }
    }

    fn bad_request(message: impl Into<String>) -> Self {
        ApiError::new(StatusCode::BAD_REQUEST, "bad_request", message)
    }
}

impl IntoResponse for ApiError {
    fn into_response(self) -> Response {
        let status = StatusCode::from_u16(self.status).unwrap_or(StatusCode::INTERNAL_SERVER_ERROR);
        let mut response = (status, Json(&self)).into_response();
        if status == StatusCode::UNAUTHORIZED {
            response.headers_mut().insert(header::WWW_AUTHENTICATE, HeaderValue::from_static("Bearer"));
        }
        response
    }
}

#[derive(Clone)]
struct VerifyState {
    verifier: Verifier,
    tokens: Arc<TokenSet>,
}

/// Checks a key for a permission.
#[utoipa::path(
    post,
    path = "/api/v1/keys/verify",
    tag = "verification",
    request_body = VerifyRequest,
    security(("service_token" = [])),
    responses(
        (status = 200, description = "The verdict: valid (with `restriction: would_block` when report-only restrictions would refuse it), or refused with a code. When several codes apply, the first of MALFORMED, NOT_FOUND, DISABLED, EXPIRED, WRONG_PERMISSION, ORIGIN_NOT_ALLOWED / NETWORK_NOT_ALLOWED wins.", body = VerifyResponse),
        (status = 503, description = "UNAVAILABLE: this instance lost touch with the database longer ago than its staleness bound, so it cannot vouch for any well-formed key (a MALFORMED key is still refused with 200). Ask another instance, or again shortly.", body = Refused),
        (status = 400, description = "The body is not a verification request.", body = ApiError),
        (status = 401, description = "No service token, or not a live one.", body = ApiError),
        (status = 413, description = "The body is larger than 8 KiB.", body = ApiError),
    )
)]
async fn verify_key(State(state): State<VerifyState>, request: Request) -> Result<Response, ApiError> {
    let token_name = authenticate(&state.tokens, request.headers())?;
    let body = axum::body::to_bytes(request.into_body(), MAX_BODY_BYTES).await.map_err(|_| {
        ApiError::new(StatusCode::PAYLOAD_TOO_LARGE, "payload_too_large", "The request body is larger than 8 KiB.")
    })?;
    let expected = |why: &str| {
        ApiError::bad_request(format!(
            "Expected a JSON object like {{\"key\": \"kd_chat_...\", \"permission\": \"chat\" | \"secure_mail\"}}: {why}"
        ))
    };
    // serde would also take the fields as an array; only an object is this API's request.
    if body.trim_ascii_start().first() != Some(&b'{') {
        return Err(expected("the body is not a JSON object"));
    }
    let request: VerifyRequest =
        serde_json::from_slice(&body).map_err(|error| expected(&describe_json_error(&error)))?;
    let caller =
        Caller { origin: request.origin.as_deref(), network: Network::from_text(request.client_ip.as_deref()) };
    let verdict = match state.verifier.verify(&request.key, request.permission, Utc::now(), &caller) {
        Ok(accepted) => VerifyResponse::Verified(Verified::from(&accepted)),
        Err(Refusal::Unavailable) => return Ok(unavailable()),
        Err(refusal) => {
            tracing::debug!(caller = &*token_name, code = refusal.code(), "key refused");
            VerifyResponse::Refused(Refused::from(refusal))
        }
    };
    Ok(Json(verdict).into_response())
}

/// 503 with the UNAVAILABLE verdict: a stale instance vouches for no key.
fn unavailable() -> Response {
    (StatusCode::SERVICE_UNAVAILABLE, Json(Refused::from(Refusal::Unavailable))).into_response()
}

/// serde_json's message without echoing the input back (it could be a secret).
fn describe_json_error(error: &serde_json::Error) -> String {
    use serde_json::error::Category;
    match error.classify() {
        Category::Io | Category::Eof => "the body ended early".to_owned(),
        Category::Syntax => format!("the body is not JSON (line {}, column {})", error.line(), error.column()),
        // Data errors name the field and the expected type; serde_json quotes the unknown
        // *variant* it met, so permission errors get a fixed text instead.
        Category::Data if error.to_string().contains("unknown variant") => {
            "\"permission\" must be \"chat\" or \"secure_mail\"".to_owned()
        }
        Category::Data => {
            let text = error.to_string();
            let without_position = text.split(" at line ").next().unwrap_or(&text);
            match without_position.split_once(": \"") {
                // "invalid type: string \"...\"" would quote a value; keep the part before it.
                Some((kind, _)) => kind.to_owned(),
                None => without_position.to_owned(),
            }
        }
    }
}

/// The caller's service-token name, from `Authorization: Bearer TOKEN`.
fn authenticate(tokens: &TokenSet, headers: &HeaderMap) -> Result<Arc<str>, ApiError> {
    let unauthorized = |message: &str| ApiError::new(StatusCode::UNAUTHORIZED, "unauthorized", message);
    let value = headers
        .get(header::AUTHORIZATION)
        .ok_or_else(|| unauthorized("Send a service token: Authorization: Bearer TOKEN."))?;
    let token = value
        .to_str()
        .ok()
        .and_then(|v| v.strip_prefix("Bearer ").or_else(|| v.strip_prefix("bearer ")))
        .map(str::trim)
        .ok_or_else(|| unauthorized("The Authorization header must read: Bearer TOKEN."))?;
    tokens.authenticate(token, Utc::now()).ok_or_else(|| unauthorized("The service token is unknown or revoked."))
}

/// What the example channel routes answer to a key they accept.
#[derive(Debug, Serialize, Deserialize, ToSchema)]
pub struct Pong {
    pub ok: bool,
    pub key_id: Uuid,
    pub name: String,
    pub permission: Permission,
}

fn pong(VerifiedKey(key): VerifiedKey) -> Json<Pong> {
    Json(Pong { ok: true, key_id: key.id, name: key.name.to_string(), permission: key.permission })
}

/// An example chat route: answers only to an API key with the Chat permission.
#[utoipa::path(
    get,
    path = "/api/v1/channels/chat/ping",
    tag = "channels",
    security(("api_key" = [])),
    responses(
        (status = 200, description = "The key is valid for Chat.", body = Pong),
        (status = 401, description = "The key is malformed, unknown, disabled or expired.", body = Refused),
        (status = 403, description = "The key is valid, for Secure Mail (WRONG_PERMISSION); or it enforces allowed origins and the request's `Origin` (else its `Referer`'s origin) is not one of them (ORIGIN_NOT_ALLOWED).", body = Refused),
        (status = 503, description = "UNAVAILABLE: this instance's copy of the keys is too old to trust.", body = Refused),
    )
)]
async fn chat_ping(Extension(key): Extension<VerifiedKey>) -> Json<Pong> {
    pong(key)
}

/// An example secure-mail route: answers only to an API key with the Secure Mail permission.
#[utoipa::path(
    get,
    path = "/api/v1/channels/secure-mail/ping",
    tag = "channels",
    security(("api_key" = [])),
    responses(
        (status = 200, description = "The key is valid for Secure Mail.", body = Pong),
        (status = 401, description = "The key is malformed, unknown, disabled or expired.", body = Refused),
        (status = 403, description = "The key is valid, for Chat (WRONG_PERMISSION); or it enforces allowed networks and the client's address (believing `X-Forwarded-For` only from trusted proxies) is not in them (NETWORK_NOT_ALLOWED).", body = Refused),
        (status = 503, description = "UNAVAILABLE: this instance's copy of the keys is too old to trust.", body = Refused),
    )
)]
async fn secure_mail_ping(Extension(key): Extension<VerifiedKey>) -> Json<Pong> {
    pong(key)
}

struct SecuritySchemes;

impl Modify for SecuritySchemes {
    fn modify(&self, openapi: &mut utoipa::openapi::OpenApi) {
        let components = openapi.components.get_or_insert_with(Default::default);
        components.add_security_scheme(
            "service_token",
            SecurityScheme::Http(HttpBuilder::new().scheme(HttpAuthScheme::Bearer).build()),
        );
        components
            .add_security_scheme("api_key", SecurityScheme::ApiKey(ApiKey::Header(ApiKeyValue::new(API_KEY_HEADER))));
    }
}

/// The OpenAPI 3 document of `/api/v1`, generated from the handlers above.
#[derive(OpenApi)]
#[openapi(
    info(title = "Keydesk verification API", description = "Checks the API keys the platform's digital channels present."),
    paths(verify_key, chat_ping, secure_mail_ping),
    components(schemas(VerifyRequest, VerifyResponse, Verified, RestrictionNote, Refused, Refusal, Permission, ApiError, Pong)),
    modifiers(&SecuritySchemes),
)]
pub struct ApiDoc;

async fn openapi_json() -> Response {
    static DOCUMENT: std::sync::OnceLock<String> = std::sync::OnceLock::new();
    let document =
        DOCUMENT.get_or_init(|| ApiDoc::openapi().to_pretty_json().expect("the OpenAPI document serialises"));
    ([(header::CONTENT_TYPE, "application/json")], document.as_str()).into_response()
}
