//! The router and its handlers. Handlers are thin: extract, call one vault method,
//! map the result.

use std::net::SocketAddr;
use std::sync::Arc;
use std::time::Duration;

use axum::body::Body;
use axum::extract::rejection::QueryRejection;
use axum::extract::{DefaultBodyLimit, FromRequest, FromRequestParts, Path, Query, Request, State};
use axum::http::request::Parts;
use axum::http::{header, HeaderMap, StatusCode};
use axum::middleware::{self, Next};
use axum::response::{IntoResponse, Response};
use axum::routing::{get, post, put};
use axum::{Extension, Json, Router};
use serde::de::DeserializeOwned;
use tokio_util::io::ReaderStream;

use super::error::ApiError;
use crate::api::{
    AccessRequestDraft, ChangePassphraseRequest, CheckpointResponse, CommitRequest, ConfirmRequest,
    ConsistencyResponse, DocumentId, EnrolRequest, ErrorCode, GrantId, GrantRequest, Health,
    JournalKeyInfo, LoginRequest, MediatorDraft, PreloginRequest, RecoverRequest,
    RecoveryEnvelopeRequest, RegisterRequest, RequestId, TrustChangeRequest,
};
// Named in the OpenAPI description only.
#[allow(unused_imports)]
use crate::api::{
    AccessRequestCreated, AccessRequestView, AccountResponse, AdminStatus, AuditReport,
    CommitResponse, DeletionReport, DocumentRecord, EnrolmentCode, ErrorBody, GrantCreated,
    GrantView, InclusionResponse, InvitationCode, JournalPage, MediatorCard, MediatorSummary,
    PreloginResponse, RecoveryEnvelopeResponse, SessionKeyResponse, SessionResponse,
    SharedDocument, UploadResponse,
};
use crate::crypto::server::{same_digest, token_digest};
use crate::messages::Lang;
use crate::vault::{Issuer, Listing, Principal, StoreState, Vault};

/// Bytes read from the blob store at once when streaming a payload out (one trip
/// to the blocking pool each).
const DOWNLOAD_READ_BYTES: usize = 256 * 1024;
/// Bytes handed to the connection at once: a read is handed out in pieces (without
/// copying), so that the last piece leaves only when the connection took the rest
/// and "downloaded" in the journal means what it says.
const DOWNLOAD_CHUNK_BYTES: usize = 64 * 1024;

/// What every handler can reach.
pub struct AppState {
    pub vault: Arc<Vault>,
    pub request_timeout: Duration,
    /// SHA-256 of the operator token.
    pub admin_digest: [u8; 32],
    pub metrics: super::metrics::Metrics,
    pub body_budget: BodyBudget,
    /// Largest JSON body, in bytes.
    pub max_json_bytes: u64,
    /// Last use of each browser session (idle ones end).
    pub web_idle: super::cookie::Idle,
    /// The data directory (a backup reads its key files, and writes its scratch file there).
    pub data: std::path::PathBuf,
    /// Bits of a client's IPv4 and IPv6 address the access log keeps.
    pub log_address_bits: (u8, u8),
    /// Where to report a vulnerability (`/.well-known/security.txt`), and the
    /// deployment's public name.
    pub security_contact: Vec<String>,
    pub public_host: String,
    /// One backup at a time.
    pub backups: Arc<tokio::sync::Semaphore>,
    /// Requests in flight per client address forwarded by a trusted proxy (whose
    /// connections are not capped per address): the same cap as connections.
    pub forwarded: Arc<super::conn::PerAddress>,
}

/// Bytes of JSON bodies all requests may hold in memory at once: past it, a new
/// body waits a little, then is refused with 503, so memory stays bounded whatever
/// the number of connections and streams.
pub struct BodyBudget {
    kib: tokio::sync::Semaphore,
    total_kib: u32,
}

/// How long a JSON body waits for room in the budget.
const BODY_BUDGET_WAIT: Duration = Duration::from_secs(5);

impl BodyBudget {
    pub fn new(bytes: usize) -> BodyBudget {
        let total_kib = (bytes / 1024).min(u32::MAX as usize) as u32;
        BodyBudget {
            kib: tokio::sync::Semaphore::new(total_kib as usize),
            total_kib,
        }
    }

    /// Room for a body of `bytes` (as announced, or the largest allowed).
    async fn reserve(&self, bytes: u64) -> Result<tokio::sync::SemaphorePermit<'_>, ApiError> {
        let kib = bytes.div_ceil(1024).clamp(1, u64::from(self.total_kib)) as u32;
        match tokio::time::timeout(BODY_BUDGET_WAIT, self.kib.acquire_many(kib)).await {
            Ok(Ok(permit)) => Ok(permit),
            _ => Err(ApiError::new(ErrorCode::Unavailable).retry_after(5)),
        }
    }
}

type Shared = State<Arc<AppState>>;

/// The peer's address, set per connection by the accept loop.
#[derive(Clone, Copy, Debug)]
pub struct ClientAddr(pub SocketAddr);

impl ClientAddr {
    fn peer(&self) -> crate::vault::attempts::Peer {
        self.0.ip().into()
    }
}

tokio::task_local! {
    /// The language of the request being served (for error messages).
    pub static LANG: Lang;
}

/// A JSON body whose rejections are our JSON errors.
pub struct ApiJson<T>(pub T);

impl<T: DeserializeOwned> FromRequest<Arc<AppState>> for ApiJson<T> {
    type Rejection = ApiError;

    async fn from_request(req: Request, state: &Arc<AppState>) -> Result<Self, ApiError> {
        let announced = req
            .headers()
            .get(header::CONTENT_LENGTH)
            .and_then(|v| v.to_str().ok())
            .and_then(|v| v.parse::<u64>().ok());
        let max = state.max_json_bytes;
        let _room = state
            .body_budget
            .reserve(announced.unwrap_or(max).min(max))
            .await?;
        Json::<T>::from_request(req, state)
            .await
            .map(|Json(v)| ApiJson(v))
            .map_err(ApiError::from)
    }
}

/// An authenticated caller and the token it used.
pub struct Authed {
    pub principal: Principal,
    pub token: String,
    /// The web client's cookie rather than a bearer token.
    pub via_cookie: bool,
}

impl FromRequestParts<Arc<AppState>> for Authed {
    type Rejection = ApiError;

    async fn from_request_parts(
        parts: &mut Parts,
        state: &Arc<AppState>,
    ) -> Result<Self, ApiError> {
        let bearer = parts
            .headers
            .get(header::AUTHORIZATION)
            .and_then(|v| v.to_str().ok())
            .and_then(|v| v.strip_prefix("Bearer "))
            .map(str::trim)
            .filter(|t| !t.is_empty());
        use super::cookie::{csrf_ok, token, Presented};
        let (token, via_cookie) = match bearer {
            Some(t) => (t, false),
            // The web client's cookie: exactly one, and the CSRF header with it.
            None => match token(&parts.headers) {
                Presented::None => return Err(ApiError::new(ErrorCode::Unauthenticated)),
                Presented::Several => return Err(ApiError::new(ErrorCode::CsrfRequired)),
                Presented::One(_) if !csrf_ok(&parts.headers) => {
                    return Err(ApiError::new(ErrorCode::CsrfRequired))
                }
                Presented::One(t) => (t, true),
            },
        };
        let principal = state.vault.authenticate(token).await?;
        // A browser session left unused ends here, whatever became of its page.
        if via_cookie && !state.web_idle.touch(token) {
            if let Err(e) = state.vault.logout(&principal, token).await {
                tracing::warn!(error = %e, "an idle browser session could not be ended");
            }
            return Err(ApiError::new(ErrorCode::SessionExpired));
        }
        Ok(Authed {
            principal,
            token: token.to_owned(),
            via_cookie,
        })
    }
}

/// The operator, authenticated by the token in `DATA/admin-token`.
pub struct Operator;

impl FromRequestParts<Arc<AppState>> for Operator {
    type Rejection = ApiError;

    async fn from_request_parts(
        parts: &mut Parts,
        state: &Arc<AppState>,
    ) -> Result<Self, ApiError> {
        let presented = parts
            .headers
            .get(header::AUTHORIZATION)
            .and_then(|v| v.to_str().ok())
            .and_then(|v| v.strip_prefix("Bearer "))
            .ok_or_else(|| ApiError::new(ErrorCode::AdminTokenRequired))?;
        if same_digest(&token_digest(presented.trim()), &state.admin_digest) {
            Ok(Operator)
        } else {
            Err(ApiError::new(ErrorCode::AdminUnauthorized))
        }
    }
}

/// Builds the application.
pub fn router(state: Arc<AppState>, max_json_bytes: usize) -> Router {
    let timed = Router::new()
        .route("/v1/health", get(health))
        .route("/.well-known/security.txt", get(security_txt))
        .route("/v1/ready", get(ready))
        .route("/v1/prelogin", post(prelogin))
        .route("/v1/accounts", post(register))
        .route("/v1/sessions", post(login))
        .route("/v1/sessions/current", axum::routing::delete(logout))
        .route("/v1/sessions/current/key", get(session_key))
        .route("/v1/account", get(whoami))
        .route("/v1/account/passphrase", put(change_passphrase))
        .route("/v1/account/export", post(note_export))
        .route("/v1/account/delete", post(delete_account))
        .route("/v1/recovery/envelope", post(recovery_envelope))
        .route("/v1/recovery", post(recover))
        .route("/v1/documents", post(commit).get(list))
        .route("/v1/documents/{id}", get(document).delete(delete))
        .route("/v1/documents/{id}/content", get(content))
        .route("/v1/enrol", post(enrol))
        .route("/v1/mediators/{user}", get(mediator_card))
        .route("/v1/grants", post(create_grant).get(grants))
        .route("/v1/grants/{id}/revoke", post(revoke))
        .route("/v1/shared", get(shared))
        .route("/v1/requests", post(request_access).get(requests))
        .route("/v1/requests/{id}/decline", post(decline))
        .route("/v1/admin/mediators", post(add_mediator).get(mediators))
        .route("/v1/admin/mediators/{user}/disable", post(disable_mediator))
        .route("/v1/admin/status", get(admin_status))
        .route("/v1/admin/accounts/{user}/quota", put(set_quota))
        .route("/v1/invitations", post(invite))
        .route("/v1/admin/invitations", post(admin_invite))
        .route("/v1/journal/key", get(journal_key))
        .route("/v1/journal/checkpoint", get(journal_checkpoint))
        .route("/v1/journal/consistency", get(journal_consistency))
        .route("/v1/journal/entries", get(journal_entries))
        .route("/v1/journal/proof", get(journal_proof))
        .route("/v1/journal/accept-change", post(journal_accept_change))
        .route("/v1/journal/restore-notices", get(journal_restore_notices))
        .route("/v1/admin/journal/verify", post(journal_verify))
        .route("/metrics", get(metrics))
        .route("/v1/openapi.json", get(openapi))
        .layer(DefaultBodyLimit::max(max_json_bytes))
        .layer(middleware::from_fn_with_state(
            Arc::clone(&state),
            request_deadline,
        ))
        .layer(middleware::from_fn_with_state(Arc::clone(&state), track));
    let streaming = Router::new()
        .route("/v1/uploads", post(upload))
        .route("/v1/admin/backup", get(super::backup::backup))
        .layer(DefaultBodyLimit::disable())
        .layer(middleware::from_fn_with_state(Arc::clone(&state), track));
    timed
        .merge(streaming)
        // The web client's files, gzip-compressed for browsers that ask (the API's
        // answers are not: documents are ciphertext, which does not compress).
        .fallback_service(
            Router::new()
                .fallback(super::web::serve)
                .layer(tower_http::compression::CompressionLayer::new()),
        )
        .method_not_allowed_fallback(|| async { ApiError::new(ErrorCode::MethodNotAllowed) })
        .layer(middleware::from_fn(language))
        .layer(middleware::from_fn(harden))
        .layer(middleware::from_fn_with_state(
            Arc::clone(&state),
            cap_forwarded,
        ))
        .layer(middleware::from_fn_with_state(
            Arc::clone(&state),
            access_log,
        ))
        .with_state(state)
}

/// Headers every API answer carries: nothing cached, nothing sniffed, no referrer,
/// HTTPS only from now on, and a policy that lets no answer run or frame anything.
pub const SECURITY_HEADERS: [(&str, &str); 5] = [
    ("cache-control", "no-store"),
    ("x-content-type-options", "nosniff"),
    ("referrer-policy", "no-referrer"),
    (
        "strict-transport-security",
        "max-age=63072000; includeSubDomains",
    ),
    (
        "content-security-policy",
        "default-src 'none'; frame-ancestors 'none'",
    ),
];

/// Sets [`SECURITY_HEADERS`] on an answer, keeping a cache policy and a
/// Content-Security-Policy its handler chose (the web client's pages).
pub fn set_security_headers(headers: &mut HeaderMap) {
    for (name, value) in SECURITY_HEADERS {
        let chosen = matches!(name, "cache-control" | "content-security-policy")
            && headers.contains_key(name);
        if !chosen {
            headers.insert(name, axum::http::HeaderValue::from_static(value));
        }
    }
}

async fn harden(req: Request, next: Next) -> Response {
    let mut response = next.run(req).await;
    set_security_headers(response.headers_mut());
    response
}

/// Behind a trusted proxy every connection is the proxy's: one citizen's address
/// may hold at most `max_connections_per_ip` requests at once (their bodies and
/// answers included, streams to the end), as a direct connection may; past it,
/// 503 with Retry-After.
async fn cap_forwarded(State(state): Shared, req: Request, next: Next) -> Response {
    let via = req
        .extensions()
        .get::<ViaTrustedProxy>()
        .is_some_and(|v| v.0);
    let client = req.extensions().get::<ClientAddr>().map(|a| a.0.ip());
    let Some(ip) = client.filter(|_| via) else {
        return next.run(req).await;
    };
    let Some(slot) = state.forwarded.enter(ip) else {
        return ApiError::new(ErrorCode::Unavailable)
            .retry_after(5)
            .into_response();
    };
    let response = next.run(req).await;
    // An answer already whole in memory goes at once: the place is given back with
    // it. A stream (a download, a backup) keeps it until its last byte.
    if axum::body::HttpBody::size_hint(response.body())
        .exact()
        .is_some()
    {
        return response;
    }
    let (parts, body) = response.into_parts();
    let held = Holding {
        inner: Box::pin(body.into_data_stream()),
        _slot: slot,
    };
    Response::from_parts(parts, Body::from_stream(held))
}

/// A response body that keeps its client's place until it is sent or dropped.
struct Holding {
    inner: std::pin::Pin<Box<axum::body::BodyDataStream>>,
    _slot: super::conn::AddressSlot,
}

impl futures_util::Stream for Holding {
    type Item = Result<bytes::Bytes, axum::Error>;

    fn poll_next(
        mut self: std::pin::Pin<&mut Self>,
        cx: &mut std::task::Context<'_>,
    ) -> std::task::Poll<Option<Self::Item>> {
        self.inner.as_mut().poll_next(cx)
    }
}

/// Whether the connection came from a configured trusted proxy.
#[derive(Clone, Copy, Debug)]
pub struct ViaTrustedProxy(pub bool);

/// A request's id: the one a trusted proxy sent if it is a plain token, else a
/// fresh random one; returned as `x-request-id` and in every log line of
/// the request (the span's field).
fn request_id(headers: &HeaderMap) -> String {
    headers
        .get("x-request-id")
        .and_then(|v| v.to_str().ok())
        .filter(|v| {
            !v.is_empty()
                && v.len() <= 64
                && v.bytes()
                    .all(|b| b.is_ascii_alphanumeric() || b == b'-' || b == b'_' || b == b'.')
        })
        .map(str::to_owned)
        .unwrap_or_else(|| crate::crypto::hex(&crate::crypto::random_bytes::<12>()))
}

/// One line per request at `info` (target `coffre::access`): method, route
/// template (never the concrete path: ids stay out of logs), status, time to the
/// answer's head, request id and the client's address cut to the configured
/// precision. Never a token, a name or a title.
async fn access_log(State(state): Shared, req: Request, next: Next) -> Response {
    use tracing::Instrument;
    let via_proxy = req
        .extensions()
        .get::<ViaTrustedProxy>()
        .is_some_and(|v| v.0);
    let id = if via_proxy {
        request_id(req.headers())
    } else {
        request_id(&HeaderMap::new())
    };
    let route = req
        .extensions()
        .get::<axum::extract::MatchedPath>()
        .map_or_else(|| "/*web".to_owned(), |p| p.as_str().to_owned());
    let method = req.method().as_str().to_owned();
    let client = req.extensions().get::<ClientAddr>().and_then(|a| {
        let (v4, v6) = state.log_address_bits;
        super::forwarded::truncated(a.0.ip(), v4, v6)
    });
    let start = std::time::Instant::now();
    let span = tracing::info_span!("request", request_id = %id);
    let mut response = next.run(req).instrument(span).await;
    let ms = start.elapsed().as_secs_f64() * 1000.0;
    let status = response.status().as_u16();
    tracing::info!(
        target: "coffre::access",
        method = %method,
        route = %route,
        status,
        ms = format_args!("{ms:.1}"),
        request_id = %id,
        client = %client.as_deref().unwrap_or("-"),
        "request"
    );
    if let Ok(v) = axum::http::HeaderValue::from_str(&id) {
        response.headers_mut().insert("x-request-id", v);
    }
    response
}

/// Runs the request with its language in scope.
async fn language(req: Request, next: Next) -> Response {
    let lang = Lang::negotiate(
        req.headers()
            .get(header::ACCEPT_LANGUAGE)
            .and_then(|v| v.to_str().ok()),
    );
    LANG.scope(lang, next.run(req)).await
}

/// Counts the response under its route template (never the concrete path).
async fn track(State(state): Shared, req: Request, next: Next) -> Response {
    let route = req
        .extensions()
        .get::<axum::extract::MatchedPath>()
        .map(|p| p.as_str().to_owned())
        .unwrap_or_else(|| "unmatched".to_owned());
    let method = req.method().as_str().to_owned();
    let start = std::time::Instant::now();
    let response = next.run(req).await;
    let seconds = start.elapsed().as_secs_f64();
    state
        .metrics
        .observe(&method, &route, response.status().as_u16(), seconds);
    response
}

/// Bounds the time to produce a response (not the time to stream a download).
async fn request_deadline(State(state): Shared, req: Request, next: Next) -> Response {
    match tokio::time::timeout(state.request_timeout, next.run(req)).await {
        Ok(response) => response,
        Err(_) => ApiError::new(ErrorCode::RequestTimeout).into_response(),
    }
}

#[utoipa::path(
    get,
    path = "/v1/health",
    description = "Liveness: the process answers.",
    responses((status = 200, description = "Done", body = Health), Refusals),
)]
async fn health() -> Json<Health> {
    Json(Health {
        status: "ok".into(),
        version: env!("CARGO_PKG_VERSION").into(),
    })
}

#[utoipa::path(
    get,
    path = "/.well-known/security.txt",
    description = "Where to report a vulnerability in this deployment (RFC 9116), when the operator set `[security] contact`.",
    responses((status = 200, description = "Done", content_type = "text/plain"), Refusals),
)]
async fn security_txt(State(s): Shared) -> Result<Response, ApiError> {
    if s.security_contact.is_empty() {
        return Err(ApiError::new(ErrorCode::NotFound));
    }
    let expires = time::OffsetDateTime::now_utc() + time::Duration::days(180);
    let expires = expires
        .replace_nanosecond(0)
        .unwrap_or(expires)
        .format(&time::format_description::well_known::Rfc3339)
        .unwrap_or_default();
    let mut text = String::new();
    for c in &s.security_contact {
        text.push_str(&format!("Contact: {c}\n"));
    }
    text.push_str(&format!("Expires: {expires}\n"));
    text.push_str("Preferred-Languages: fr, en\n");
    text.push_str(&format!(
        "Canonical: https://{}/.well-known/security.txt\n",
        s.public_host
    ));
    Ok(([(header::CONTENT_TYPE, "text/plain; charset=utf-8")], text).into_response())
}

/// Readiness: 200 when both stores take a durable write, else 503 with the reason
/// (`storage_full`, or `unavailable`). Liveness stays `/v1/health`.
#[utoipa::path(
    get,
    path = "/v1/ready",
    description = "Readiness: both stores take a durable write now (503 otherwise).",
    responses((status = 200, description = "Done", body = Health), Refusals),
)]
async fn ready(State(s): Shared) -> Response {
    let code = match s.vault.store_state().await {
        StoreState::Ready => {
            return Json(Health {
                status: "ready".into(),
                version: env!("CARGO_PKG_VERSION").into(),
            })
            .into_response()
        }
        StoreState::Full => ErrorCode::StorageFull,
        StoreState::MetadataStuck | StoreState::Failing => ErrorCode::Unavailable,
    };
    let mut answer = ApiError::new(code).retry_after(5).into_response();
    *answer.status_mut() = StatusCode::SERVICE_UNAVAILABLE;
    answer
}

#[utoipa::path(
    post,
    path = "/v1/prelogin",
    description = "The salt and Argon2id parameters of a name (made up for unknown names).",
    request_body = PreloginRequest,
    responses((status = 200, description = "Done", body = PreloginResponse), Refusals),
)]
async fn prelogin(
    State(s): Shared,
    ApiJson(req): ApiJson<PreloginRequest>,
) -> Result<impl IntoResponse, ApiError> {
    Ok(Json(s.vault.prelogin(&req.user).await?))
}

#[utoipa::path(
    post,
    path = "/v1/accounts",
    description = "Opens a citizen's vault.",
    request_body = RegisterRequest,
    responses((status = 201, description = "Done", body = SessionResponse), Refusals),
)]
async fn register(
    State(s): Shared,
    Extension(addr): Extension<ClientAddr>,
    headers: HeaderMap,
    ApiJson(req): ApiJson<RegisterRequest>,
) -> Result<Response, ApiError> {
    let session = s.vault.register(req, addr.peer()).await?;
    Ok(opened(&headers, StatusCode::CREATED, session))
}

/// A session just opened, answered to the CLI (token in the body) or to the web
/// client (token in an HttpOnly cookie).
fn opened(
    headers: &HeaderMap,
    status: StatusCode,
    session: crate::api::SessionResponse,
) -> Response {
    super::cookie::session_answer(headers, status, session)
}

#[utoipa::path(
    post,
    path = "/v1/sessions",
    description = "Logs in with the key derived from the passphrase.",
    request_body = LoginRequest,
    responses((status = 200, description = "Done", body = SessionResponse), Refusals),
)]
async fn login(
    State(s): Shared,
    Extension(addr): Extension<ClientAddr>,
    headers: HeaderMap,
    ApiJson(req): ApiJson<LoginRequest>,
) -> Result<Response, ApiError> {
    let session = match s.vault.login(req, addr.peer()).await {
        Ok(session) => session,
        Err(e) => {
            match &e {
                crate::vault::VaultError::BadCredentials => {
                    s.metrics.login_failed("bad_credentials")
                }
                crate::vault::VaultError::TooManyAttempts { .. } => {
                    s.metrics.login_failed("too_many_attempts")
                }
                _ => {}
            }
            return Err(e.into());
        }
    };
    Ok(opened(&headers, StatusCode::OK, session))
}

#[utoipa::path(
    delete,
    path = "/v1/sessions/current",
    description = "Ends this session (its key is forgotten).",
    responses((status = 204, description = "Done"), Refusals),
    security(("session" = [])),
)]
async fn logout(State(s): Shared, headers: HeaderMap, who: Authed) -> Result<Response, ApiError> {
    s.vault.logout(&who.principal, &who.token).await?;
    let mut answer = StatusCode::NO_CONTENT.into_response();
    answer
        .headers_mut()
        .insert(header::SET_COOKIE, super::cookie::cleared(&headers));
    Ok(answer)
}

#[utoipa::path(
    get,
    path = "/v1/sessions/current/key",
    description = "The key that seals the identity on the device for this session.",
    responses((status = 200, description = "Done", body = SessionKeyResponse), Refusals),
    security(("session" = [])),
)]
async fn session_key(State(s): Shared, who: Authed) -> Result<impl IntoResponse, ApiError> {
    // The CLI's session-file key: a browser session has no file and never gets it.
    if who.via_cookie {
        return Err(ApiError::new(ErrorCode::NotFound));
    }
    let session_key = s.vault.session_key(&who.token).await?;
    Ok(Json(crate::api::SessionKeyResponse { session_key }))
}

#[utoipa::path(
    get,
    path = "/v1/account",
    description = "The account: role, keys, usage and quota.",
    responses((status = 200, description = "Done", body = AccountResponse), Refusals),
    security(("session" = [])),
)]
async fn whoami(State(s): Shared, who: Authed) -> Result<impl IntoResponse, ApiError> {
    Ok(Json(s.vault.account(&who.principal).await?))
}

#[utoipa::path(
    put,
    path = "/v1/account/passphrase",
    description = "Changes the passphrase (the identity wrapped anew).",
    request_body = ChangePassphraseRequest,
    responses((status = 200, description = "Done", body = SessionResponse), Refusals),
    security(("session" = [])),
)]
async fn change_passphrase(
    State(s): Shared,
    Extension(addr): Extension<ClientAddr>,
    headers: HeaderMap,
    who: Authed,
    ApiJson(req): ApiJson<ChangePassphraseRequest>,
) -> Result<Response, ApiError> {
    let session = s
        .vault
        .change_passphrase(&who.principal, req, addr.peer())
        .await?;
    Ok(opened(&headers, StatusCode::OK, session))
}

#[utoipa::path(
    post,
    path = "/v1/recovery/envelope",
    description = "The identity sealed to the recovery key, for the kit's holder.",
    request_body = RecoveryEnvelopeRequest,
    responses((status = 200, description = "Done", body = RecoveryEnvelopeResponse), Refusals),
)]
async fn recovery_envelope(
    State(s): Shared,
    Extension(addr): Extension<ClientAddr>,
    ApiJson(req): ApiJson<RecoveryEnvelopeRequest>,
) -> Result<impl IntoResponse, ApiError> {
    Ok(Json(s.vault.recovery_envelope(req, addr.peer()).await?))
}

#[utoipa::path(
    post,
    path = "/v1/recovery",
    description = "Sets a new passphrase with the recovery kit.",
    request_body = RecoverRequest,
    responses((status = 200, description = "Done", body = SessionResponse), Refusals),
)]
async fn recover(
    State(s): Shared,
    Extension(addr): Extension<ClientAddr>,
    headers: HeaderMap,
    ApiJson(req): ApiJson<RecoverRequest>,
) -> Result<Response, ApiError> {
    let session = s.vault.recover(req, addr.peer()).await?;
    Ok(opened(&headers, StatusCode::OK, session))
}

#[utoipa::path(
    post,
    path = "/v1/uploads",
    description = "Streams an age payload (application/octet-stream); commit it next.",
    request_body(content = Vec<u8>, content_type = "application/octet-stream"),
    responses((status = 201, description = "Done", body = UploadResponse), Refusals),
    security(("session" = [])),
)]
async fn upload(
    State(s): Shared,
    who: Authed,
    headers: HeaderMap,
    body: Body,
) -> Result<impl IntoResponse, ApiError> {
    let content_type = headers
        .get(header::CONTENT_TYPE)
        .and_then(|v| v.to_str().ok());
    if content_type != Some("application/octet-stream") {
        return Err(ApiError::new(ErrorCode::UnsupportedMediaType));
    }
    let stream = body.into_data_stream();
    let done = s.vault.upload(&who.principal, stream).await?;
    Ok((StatusCode::CREATED, Json(done)))
}

#[utoipa::path(
    post,
    path = "/v1/documents",
    description = "Makes an upload a document, with its sealed metadata and the owner's seal.",
    request_body = CommitRequest,
    responses((status = 201, description = "Done", body = CommitResponse), Refusals),
    security(("session" = [])),
)]
async fn commit(
    State(s): Shared,
    who: Authed,
    ApiJson(req): ApiJson<CommitRequest>,
) -> Result<impl IntoResponse, ApiError> {
    Ok((
        StatusCode::CREATED,
        Json(s.vault.commit(&who.principal, req).await?),
    ))
}

#[utoipa::path(
    get,
    path = "/v1/documents",
    description = "The citizen's documents (sealed metadata), tagged: a client that sends the tag of its copy in `If-None-Match` gets 304 while it is current.",
    params(("If-None-Match" = Option<String>, Header, description = "The ETag of the listing the client holds")),
    responses(
        (status = 200, description = "Done", body = Vec<DocumentRecord>, headers(("ETag" = String, description = "The listing's tag"))),
        (status = 304, description = "The client's copy is current", headers(("ETag" = String, description = "The listing's tag"))),
        Refusals
    ),
    security(("session" = [])),
)]
async fn list(
    State(s): Shared,
    who: Authed,
    headers: axum::http::HeaderMap,
) -> Result<Response, ApiError> {
    // The tags the client holds a copy for (`If-None-Match`, a list; weak or not).
    let known: Vec<&str> = headers
        .get_all(header::IF_NONE_MATCH)
        .iter()
        .filter_map(|v| v.to_str().ok())
        .flat_map(|v| v.split(','))
        .map(|t| t.trim().trim_start_matches("W/"))
        .filter(|t| !t.is_empty())
        .take(8)
        .collect();
    let listing = s.vault.listing(&who.principal, &known).await?;
    let response = match listing {
        Listing::Current { tag } => Response::builder()
            .status(StatusCode::NOT_MODIFIED)
            .header(header::ETAG, tag)
            .body(Body::empty()),
        Listing::Full { tag, body } => Response::builder()
            .header(header::CONTENT_TYPE, "application/json")
            .header(header::ETAG, tag)
            .body(Body::from(body)),
        Listing::Untagged { body } => Response::builder()
            .header(header::CONTENT_TYPE, "application/json")
            .body(Body::from(body)),
    };
    response.map_err(|e| ApiError::from(crate::vault::VaultError::Internal(e.to_string())))
}

#[utoipa::path(
    get,
    path = "/v1/documents/{id}",
    description = "One document's record.",
    params(("id" = String, Path, description = "A document, grant or request id")),
    responses((status = 200, description = "Done", body = DocumentRecord), Refusals),
    security(("session" = [])),
)]
async fn document(
    State(s): Shared,
    who: Authed,
    Path(id): Path<String>,
) -> Result<impl IntoResponse, ApiError> {
    let id = id_of::<DocumentId>(&id, ErrorCode::DocumentNotFound)?;
    Ok(Json(s.vault.document(&who.principal, &id).await?))
}

#[utoipa::path(
    get,
    path = "/v1/documents/{id}/content",
    description = "The age payload (application/octet-stream).",
    params(("id" = String, Path, description = "A document, grant or request id")),
    responses((status = 200, description = "The payload", content_type = "application/octet-stream", body = Vec<u8>), Refusals),
    security(("session" = [])),
)]
async fn content(
    State(s): Shared,
    who: Authed,
    Path(id): Path<String>,
) -> Result<Response, ApiError> {
    let id = id_of::<DocumentId>(&id, ErrorCode::DocumentNotFound)?;
    let served = s.vault.content(&who.principal, &id).await?;
    let len = served.len;
    let stream = Delivering {
        inner: ReaderStream::with_capacity(served.reader, DOWNLOAD_READ_BYTES),
        piece: bytes::Bytes::new(),
        delivery: Some(served.delivery),
        vault: Arc::clone(&s.vault),
        left: len,
    };
    let response = Response::builder()
        .header(header::CONTENT_TYPE, "application/octet-stream")
        .header(header::CONTENT_LENGTH, len)
        .header(header::CACHE_CONTROL, "no-store")
        .body(Body::from_stream(stream))
        .map_err(|e| ApiError::from(crate::vault::VaultError::Internal(e.to_string())))?;
    Ok(response)
}

/// A payload streaming out; when its last byte has been handed to the connection
/// the download is journaled as done, and if the stream stops before (the client
/// went away), as failed.
struct Delivering {
    inner: ReaderStream<Box<dyn tokio::io::AsyncRead + Send + Unpin>>,
    /// What is left of the last read.
    piece: bytes::Bytes,
    delivery: Option<crate::vault::Delivery>,
    vault: Arc<Vault>,
    left: u64,
}

impl Delivering {
    fn settle(&mut self, complete: bool) {
        if let Some(d) = self.delivery.take() {
            let vault = Arc::clone(&self.vault);
            tokio::spawn(async move { vault.deliver(d, complete).await });
        }
    }
}

impl futures_util::Stream for Delivering {
    type Item = std::io::Result<bytes::Bytes>;

    fn poll_next(
        mut self: std::pin::Pin<&mut Self>,
        cx: &mut std::task::Context<'_>,
    ) -> std::task::Poll<Option<Self::Item>> {
        if self.piece.is_empty() {
            match std::pin::Pin::new(&mut self.inner).poll_next(cx) {
                std::task::Poll::Ready(Some(Ok(read))) => self.piece = read,
                other => return self.settle_on(other),
            }
        }
        let take = self.piece.len().min(DOWNLOAD_CHUNK_BYTES);
        let chunk = self.piece.split_to(take);
        self.settle_on(std::task::Poll::Ready(Some(Ok(chunk))))
    }
}

impl Delivering {
    /// Settles the delivery on what is handed to the connection now.
    fn settle_on(
        &mut self,
        polled: std::task::Poll<Option<std::io::Result<bytes::Bytes>>>,
    ) -> std::task::Poll<Option<std::io::Result<bytes::Bytes>>> {
        match &polled {
            std::task::Poll::Ready(Some(Ok(chunk))) => {
                self.left = self.left.saturating_sub(chunk.len() as u64);
                // hyper stops polling once Content-Length bytes are out.
                if self.left == 0 {
                    self.settle(true);
                }
            }
            std::task::Poll::Ready(None) => {
                let complete = self.left == 0;
                self.settle(complete);
            }
            std::task::Poll::Ready(Some(Err(_))) => self.settle(false),
            std::task::Poll::Pending => {}
        }
        polled
    }
}

impl Drop for Delivering {
    fn drop(&mut self) {
        self.settle(false);
    }
}

#[utoipa::path(
    delete,
    path = "/v1/documents/{id}",
    description = "Deletes a document.",
    params(("id" = String, Path, description = "A document, grant or request id")),
    responses((status = 204, description = "Done"), Refusals),
    security(("session" = [])),
)]
async fn delete(
    State(s): Shared,
    who: Authed,
    Path(id): Path<String>,
) -> Result<StatusCode, ApiError> {
    let id = id_of::<DocumentId>(&id, ErrorCode::DocumentNotFound)?;
    s.vault.delete(&who.principal, &id).await?;
    Ok(StatusCode::NO_CONTENT)
}

#[utoipa::path(
    post,
    path = "/v1/enrol",
    description = "A mediator activates her account with the one-time code.",
    request_body = EnrolRequest,
    responses((status = 201, description = "Done", body = SessionResponse), Refusals),
)]
async fn enrol(
    State(s): Shared,
    Extension(addr): Extension<ClientAddr>,
    headers: HeaderMap,
    ApiJson(req): ApiJson<EnrolRequest>,
) -> Result<Response, ApiError> {
    let session = s.vault.enrol(req, addr.peer()).await?;
    Ok(opened(&headers, StatusCode::CREATED, session))
}

#[utoipa::path(
    get,
    path = "/v1/mediators/{user}",
    description = "A mediator's card: name, structure, keys and binding.",
    params(("user" = String, Path, description = "A user name")),
    responses((status = 200, description = "Done", body = MediatorCard), Refusals),
    security(("session" = [])),
)]
async fn mediator_card(
    State(s): Shared,
    who: Authed,
    Path(user): Path<String>,
) -> Result<impl IntoResponse, ApiError> {
    // The sentence names who was asked for, once it is known to be a user name.
    let name = crate::api::UserName::parse(&user)
        .map_err(|_| ApiError::new(ErrorCode::InvalidUserName))?;
    match s.vault.mediator_card(&who.principal, name.as_str()).await {
        Ok(card) => Ok(Json(card)),
        Err(e) => {
            let e = ApiError::from(e);
            Err(match e.code {
                ErrorCode::MediatorNotFound => e.arg("value", name.as_str().to_owned()),
                _ => e,
            })
        }
    }
}

#[utoipa::path(
    post,
    path = "/v1/grants",
    description = "A citizen shares documents with a mediator (a signed grant).",
    request_body = GrantRequest,
    responses((status = 201, description = "Done", body = GrantCreated), Refusals),
    security(("session" = [])),
)]
async fn create_grant(
    State(s): Shared,
    who: Authed,
    ApiJson(req): ApiJson<GrantRequest>,
) -> Result<impl IntoResponse, ApiError> {
    Ok((
        StatusCode::CREATED,
        Json(s.vault.create_grant(&who.principal, req).await?),
    ))
}

#[utoipa::path(
    get,
    path = "/v1/grants",
    description = "Grants given (citizen) or received (mediator).",
    responses((status = 200, description = "Done", body = Vec<GrantView>), Refusals),
    security(("session" = [])),
)]
async fn grants(State(s): Shared, who: Authed) -> Result<impl IntoResponse, ApiError> {
    Ok(Json(s.vault.grants(&who.principal).await?))
}

#[utoipa::path(
    post,
    path = "/v1/grants/{id}/revoke",
    description = "Withdraws a grant.",
    params(("id" = String, Path, description = "A document, grant or request id")),
    responses((status = 204, description = "Done"), Refusals),
    security(("session" = [])),
)]
async fn revoke(
    State(s): Shared,
    who: Authed,
    Path(id): Path<String>,
) -> Result<StatusCode, ApiError> {
    let id = id_of::<GrantId>(&id, ErrorCode::GrantNotFound)?;
    s.vault.revoke(&who.principal, &id).await?;
    Ok(StatusCode::NO_CONTENT)
}

#[utoipa::path(
    get,
    path = "/v1/shared",
    description = "Documents shared with the mediator, with grants and seals.",
    responses((status = 200, description = "Done", body = Vec<SharedDocument>), Refusals),
    security(("session" = [])),
)]
async fn shared(State(s): Shared, who: Authed) -> Result<Response, ApiError> {
    // Built and encoded under one of the few permits for large answers, so that 200
    // mediators at once do not hold 200 answers' worth of records in memory.
    let _permit = s.vault.large_answer().await;
    let shared = s.vault.shared(&who.principal).await?;
    let body = serde_json::to_vec(&shared)
        .map_err(|e| ApiError::from(crate::vault::VaultError::Internal(e.to_string())))?;
    Response::builder()
        .header(header::CONTENT_TYPE, "application/json")
        .body(Body::from(body))
        .map_err(|e| ApiError::from(crate::vault::VaultError::Internal(e.to_string())))
}

#[utoipa::path(
    post,
    path = "/v1/requests",
    description = "A mediator asks a citizen for a paper.",
    request_body = AccessRequestDraft,
    responses((status = 201, description = "Done", body = AccessRequestCreated), Refusals),
    security(("session" = [])),
)]
async fn request_access(
    State(s): Shared,
    who: Authed,
    ApiJson(req): ApiJson<AccessRequestDraft>,
) -> Result<impl IntoResponse, ApiError> {
    Ok((
        StatusCode::CREATED,
        Json(s.vault.request_access(&who.principal, req).await?),
    ))
}

#[utoipa::path(
    get,
    path = "/v1/requests",
    description = "Requests received (citizen) or sent (mediator).",
    responses((status = 200, description = "Done", body = Vec<AccessRequestView>), Refusals),
    security(("session" = [])),
)]
async fn requests(State(s): Shared, who: Authed) -> Result<impl IntoResponse, ApiError> {
    Ok(Json(s.vault.requests(&who.principal).await?))
}

#[utoipa::path(
    post,
    path = "/v1/requests/{id}/decline",
    description = "A citizen declines a request.",
    params(("id" = String, Path, description = "A document, grant or request id")),
    responses((status = 204, description = "Done"), Refusals),
    security(("session" = [])),
)]
async fn decline(
    State(s): Shared,
    who: Authed,
    Path(id): Path<String>,
) -> Result<StatusCode, ApiError> {
    let id = id_of::<RequestId>(&id, ErrorCode::RequestNotFound)?;
    s.vault.decline(&who.principal, &id).await?;
    Ok(StatusCode::NO_CONTENT)
}

#[utoipa::path(
    post,
    path = "/v1/admin/mediators",
    description = "The operator enrols a mediator (a one-time code).",
    request_body = MediatorDraft,
    responses((status = 201, description = "Done", body = EnrolmentCode), Refusals),
    security(("operator" = [])),
)]
async fn add_mediator(
    State(s): Shared,
    _: Operator,
    ApiJson(req): ApiJson<MediatorDraft>,
) -> Result<impl IntoResponse, ApiError> {
    Ok((StatusCode::CREATED, Json(s.vault.add_mediator(req).await?)))
}

#[utoipa::path(
    get,
    path = "/v1/admin/mediators",
    description = "Mediators and their state.",
    responses((status = 200, description = "Done", body = Vec<MediatorSummary>), Refusals),
    security(("operator" = [])),
)]
async fn mediators(State(s): Shared, _: Operator) -> Result<impl IntoResponse, ApiError> {
    Ok(Json(s.vault.mediators().await?))
}

#[utoipa::path(
    post,
    path = "/v1/admin/mediators/{user}/disable",
    description = "Disables a mediator and ends her grants.",
    params(("user" = String, Path, description = "A user name")),
    responses((status = 204, description = "Done"), Refusals),
    security(("operator" = [])),
)]
async fn disable_mediator(
    State(s): Shared,
    _: Operator,
    Path(user): Path<String>,
) -> Result<StatusCode, ApiError> {
    s.vault.disable_mediator(&user).await?;
    Ok(StatusCode::NO_CONTENT)
}

#[utoipa::path(
    post,
    path = "/v1/invitations",
    description = "A mediator issues a one-time invitation to open a vault (journaled in her chain).",
    responses((status = 201, description = "Done", body = InvitationCode), Refusals),
    security(("session" = [])),
)]
async fn invite(State(s): Shared, who: Authed) -> Result<impl IntoResponse, ApiError> {
    let code = s
        .vault
        .issue_invitation(Issuer::Mediator(&who.principal))
        .await?;
    Ok((StatusCode::CREATED, Json(code)))
}

#[utoipa::path(
    post,
    path = "/v1/admin/invitations",
    description = "The operator issues a one-time invitation to open a vault (journaled in her chain).",
    responses((status = 201, description = "Done", body = InvitationCode), Refusals),
    security(("operator" = [])),
)]
async fn admin_invite(State(s): Shared, _: Operator) -> Result<impl IntoResponse, ApiError> {
    let code = s.vault.issue_invitation(Issuer::Operator).await?;
    Ok((StatusCode::CREATED, Json(code)))
}

#[utoipa::path(
    put,
    path = "/v1/admin/accounts/{user}/quota",
    description = "Sets a citizen's vault quota (journaled in the operator's chain and in hers); returns the quota in force.",
    params(("user" = String, Path, description = "A user name")),
    request_body = crate::api::SetQuotaRequest,
    responses((status = 200, description = "Done", body = crate::api::Quota), Refusals),
    security(("operator" = [])),
)]
async fn set_quota(
    State(s): Shared,
    _: Operator,
    Path(user): Path<String>,
    ApiJson(req): ApiJson<crate::api::SetQuotaRequest>,
) -> Result<impl IntoResponse, ApiError> {
    Ok(Json(
        s.vault.set_quota(&user, req.bytes, req.documents).await?,
    ))
}

#[utoipa::path(
    get,
    path = "/v1/admin/status",
    description = "Counts for the operator.",
    responses((status = 200, description = "Done", body = AdminStatus), Refusals),
    security(("operator" = [])),
)]
async fn admin_status(State(s): Shared, _: Operator) -> Result<impl IntoResponse, ApiError> {
    Ok(Json(s.vault.status().await?))
}

#[derive(serde::Deserialize, utoipa::IntoParams)]
#[into_params(parameter_in = Query)]
struct SizeQuery {
    size: Option<u64>,
    #[serde(default)]
    from: u64,
    limit: Option<u64>,
}

#[derive(serde::Deserialize, utoipa::IntoParams)]
#[into_params(parameter_in = Query)]
struct RangeQuery {
    from: u64,
    to: u64,
}

#[utoipa::path(
    get,
    path = "/v1/journal/key",
    description = "The journal's origin and verifier key.",
    responses((status = 200, description = "Done", body = JournalKeyInfo), Refusals),
)]
async fn journal_key(State(s): Shared) -> Json<JournalKeyInfo> {
    let keys = s.vault.journal_keys();
    Json(JournalKeyInfo {
        origin: keys.origin.clone(),
        vkey: keys.verifier_key(),
    })
}

#[utoipa::path(
    get,
    path = "/v1/journal/checkpoint",
    description = "The latest signed checkpoint.",
    responses((status = 200, description = "Done", body = CheckpointResponse), Refusals),
)]
async fn journal_checkpoint(State(s): Shared) -> Result<impl IntoResponse, ApiError> {
    Ok(Json(CheckpointResponse {
        checkpoint: s.vault.checkpoint().await?,
    }))
}

/// An id from a URL path, checked once here: anything else is "not found".
fn id_of<T: std::str::FromStr>(text: &str, missing: ErrorCode) -> Result<T, ApiError> {
    text.parse().map_err(|_| ApiError::new(missing))
}

/// A query string whose rejections are our JSON errors.
fn query<T>(q: Result<Query<T>, QueryRejection>) -> Result<T, ApiError> {
    q.map(|Query(v)| v)
        .map_err(|_| ApiError::new(ErrorCode::BadRequest))
}

#[utoipa::path(
    get,
    path = "/v1/journal/consistency",
    description = "A consistency proof between two tree sizes.",
    params(RangeQuery),
    responses((status = 200, description = "Done", body = ConsistencyResponse), Refusals),
)]
async fn journal_consistency(
    State(s): Shared,
    q: Result<Query<RangeQuery>, QueryRejection>,
) -> Result<impl IntoResponse, ApiError> {
    let q = query(q)?;
    let proof = s.vault.consistency(q.from, q.to).await?;
    Ok(Json(ConsistencyResponse {
        proof: proof.iter().map(|h| h.to_vec().into()).collect(),
    }))
}

#[derive(serde::Deserialize, utoipa::IntoParams)]
#[into_params(parameter_in = Query)]
struct ProofQuery {
    index: u64,
    size: Option<u64>,
}

/// Public: a monitor checks that a leaf it was shown is in the signed tree.
#[utoipa::path(
    get,
    path = "/v1/journal/proof",
    description = "A leaf and its inclusion proof, for monitors.",
    params(ProofQuery),
    responses((status = 200, description = "Done", body = InclusionResponse), Refusals),
)]
async fn journal_proof(
    State(s): Shared,
    q: Result<Query<ProofQuery>, QueryRejection>,
) -> Result<impl IntoResponse, ApiError> {
    let q = query(q)?;
    Ok(Json(s.vault.inclusion(q.index, q.size).await?))
}

#[utoipa::path(
    get,
    path = "/v1/journal/entries",
    description = "A page of the caller's entries, each with its inclusion proof.",
    params(SizeQuery),
    responses((status = 200, description = "Done", body = JournalPage), Refusals),
    security(("session" = [])),
)]
async fn journal_entries(
    State(s): Shared,
    who: Authed,
    q: Result<Query<SizeQuery>, QueryRejection>,
) -> Result<impl IntoResponse, ApiError> {
    let q = query(q)?;
    Ok(Json(
        s.vault
            .journal_page(&who.principal, q.size, q.from, q.limit)
            .await?,
    ))
}

#[utoipa::path(
    post,
    path = "/v1/journal/accept-change",
    description = "Journals that the citizen accepted a new journal key or a restore.",
    request_body = TrustChangeRequest,
    responses((status = 200, description = "Done", body = Object), Refusals),
    security(("session" = [])),
)]
async fn journal_accept_change(
    State(s): Shared,
    who: Authed,
    ApiJson(req): ApiJson<TrustChangeRequest>,
) -> Result<impl IntoResponse, ApiError> {
    s.vault.accept_journal_change(&who.principal, req).await?;
    Ok(Json(serde_json::json!({})))
}

#[utoipa::path(
    get,
    path = "/v1/journal/restore-notices",
    description = "The signed notices of the restores from a backup this journal went through, oldest first (a client that had seen more learns why the journal is shorter).",
    responses((status = 200, description = "Done", body = crate::api::RestoreNotices), Refusals),
)]
async fn journal_restore_notices(State(s): Shared) -> Result<impl IntoResponse, ApiError> {
    Ok(Json(crate::api::RestoreNotices {
        notices: s.vault.restore_notices().await?,
    }))
}

#[utoipa::path(
    post,
    path = "/v1/admin/journal/verify",
    description = "The operator's audit of the whole journal.",
    responses((status = 200, description = "Done", body = AuditReport), Refusals),
    security(("operator" = [])),
)]
async fn journal_verify(State(s): Shared, _: Operator) -> Result<impl IntoResponse, ApiError> {
    Ok(Json(s.vault.audit().await?))
}

#[utoipa::path(
    post,
    path = "/v1/account/export",
    description = "Journals an export made on the device.",
    responses((status = 204, description = "Done"), Refusals),
    security(("session" = [])),
)]
async fn note_export(State(s): Shared, who: Authed) -> Result<StatusCode, ApiError> {
    s.vault.note_export(&who.principal).await?;
    Ok(StatusCode::NO_CONTENT)
}

#[utoipa::path(
    post,
    path = "/v1/account/delete",
    description = "Deletes the account and every paper, after the passphrase.",
    request_body = ConfirmRequest,
    responses((status = 200, description = "Done", body = DeletionReport), Refusals),
    security(("session" = [])),
)]
async fn delete_account(
    State(s): Shared,
    Extension(addr): Extension<ClientAddr>,
    who: Authed,
    ApiJson(req): ApiJson<ConfirmRequest>,
) -> Result<impl IntoResponse, ApiError> {
    Ok(Json(
        s.vault
            .delete_account(&who.principal, req, addr.peer())
            .await?,
    ))
}

#[utoipa::path(
    get,
    path = "/metrics",
    description = "Prometheus/OpenMetrics text.",
    responses((status = 200, description = "Metrics", content_type = "application/openmetrics-text", body = String), Refusals),
    security(("operator" = [])),
)]
async fn metrics(State(s): Shared, _: Operator) -> Result<impl IntoResponse, ApiError> {
    let status = s.vault.status().await?;
    let entries = s.vault.journal_size().await?;
    let last_backup = s.vault.last_backup_ms().await?;
    let body = s.metrics.render(&status, entries, last_backup);
    Ok((
        [(
            header::CONTENT_TYPE,
            "application/openmetrics-text; version=1.0.0; charset=utf-8",
        )],
        body,
    ))
}

/// The answers every operation may give besides its own: a refusal (4XX) or an
/// unavailable store (5XX), each a stable code and a sentence.
#[derive(utoipa::IntoResponses)]
#[allow(dead_code)]
pub(super) enum Refusals {
    #[response(status = "4XX", description = "Refused: a stable code and a sentence")]
    Refused(ErrorBody),
    #[response(status = "5XX", description = "Unavailable, storage full, or in doubt")]
    Unavailable(ErrorBody),
}

/// The API's description, generated from the handlers and the wire types above.
#[derive(utoipa::OpenApi)]
#[openapi(
    info(
        title = "coffre",
        description = "A sovereign personal document vault: documents are age files encrypted on the \
                       citizen's device; the server stores ciphertext, grants and a verifiable journal."
    ),
    paths(
        health, ready, prelogin, register, login, logout, session_key, whoami, change_passphrase,
        note_export, delete_account, recovery_envelope, recover, upload, commit, list, document,
        content, delete, enrol, mediator_card, create_grant, grants, revoke, shared,
        request_access, requests, decline, add_mediator, mediators, disable_mediator,
        admin_status, invite, admin_invite, journal_key, journal_checkpoint, journal_consistency, journal_entries,
        journal_proof, journal_accept_change, journal_restore_notices, journal_verify, metrics, set_quota, security_txt,
        super::backup::backup
    ),
    modifiers(&BearerSchemes)
)]
pub struct ApiDoc;

/// The two bearer schemes: a session token, or the operator token.
struct BearerSchemes;

impl utoipa::Modify for BearerSchemes {
    fn modify(&self, doc: &mut utoipa::openapi::OpenApi) {
        use utoipa::openapi::security::{Http, HttpAuthScheme, SecurityScheme};
        let components = doc.components.get_or_insert_with(Default::default);
        for name in ["session", "operator"] {
            components.add_security_scheme(
                name,
                SecurityScheme::Http(Http::new(HttpAuthScheme::Bearer)),
            );
        }
    }
}

/// `GET /v1/openapi.json`: public, like the code it is generated from.
async fn openapi() -> impl IntoResponse {
    use std::sync::OnceLock;
    static DOC: OnceLock<String> = OnceLock::new();
    let doc = DOC.get_or_init(|| {
        use utoipa::OpenApi;
        let mut doc = ApiDoc::openapi();
        doc.info.version = env!("CARGO_PKG_VERSION").into();
        doc.to_json().unwrap_or_default()
    });
    ([(header::CONTENT_TYPE, "application/json")], doc.as_str())
}
