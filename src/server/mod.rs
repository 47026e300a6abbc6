//! The daemon: data directory, TLS, router, and an accept loop with graceful stop.
//!
//! Nothing reachable from here decrypts: the server stores and refuses; it handles
//! ciphertext, hashes and ids only (enforced by the tidy test).

mod backup;
mod conn;
mod cookie;
mod error;
mod forwarded;
mod init;
mod metrics;
mod routes;
mod tls;
mod web;

use std::future::Future;
use std::net::SocketAddr;
use std::sync::Arc;
use std::time::Duration;

use hyper_util::rt::{TokioExecutor, TokioIo, TokioTimer};
use hyper_util::server::conn::auto::Builder;
use hyper_util::server::graceful::GracefulShutdown;
use hyper_util::service::TowerToHyperService;
use tokio::net::{TcpListener, TcpStream};
use tokio::sync::Semaphore;
use tower::ServiceExt;

pub use error::{set_display_offset, status_of};
use init::DataDir;
use routes::{AppState, ClientAddr};

use crate::config::Config;
use crate::storage::fs::FsBlobStore;
use crate::storage::sled_store::SledStore;
use crate::vault::clock::SystemClock;
use crate::vault::journal::JournalKeys;
use crate::vault::{StoreState, Vault};

/// How often ended grants have their envelopes destroyed (access checks do not wait
/// for it: every request checks the grant at that instant).
const GRANT_SWEEP_EVERY: Duration = Duration::from_secs(60);
/// How often the storage watchdog looks, once a store call failed.
const STORAGE_WATCH_EVERY: Duration = Duration::from_secs(2);
/// How often orphans are collected while running, and how old they must be.
const ORPHAN_SWEEP_EVERY: Duration = Duration::from_secs(600);
const ORPHAN_GRACE: Duration = Duration::from_secs(3600);
/// HTTP/2: streams per connection and flow-control windows, small, so that one
/// connection cannot make the server buffer much (a JSON body is read whole).
const H2_MAX_STREAMS: u32 = 8;
const H2_STREAM_WINDOW_BYTES: u32 = 64 * 1024;
const H2_CONNECTION_WINDOW_BYTES: u32 = 256 * 1024;
/// All JSON bodies being buffered at once, across connections.
const BODY_BUDGET_BYTES: usize = 32 * 1024 * 1024;
/// How long a newcomer waits for the place of an evicted idle connection.
const EVICTION_WAIT: Duration = Duration::from_millis(500);
/// Connections being told "unavailable" at once; past this, extra ones are closed.
const MAX_REFUSALS_IN_FLIGHT: usize = 64;
/// How long a refused connection may take (handshake and one answer).
const REFUSAL_DEADLINE: Duration = Duration::from_secs(3);
const REFUSAL_RETRY_AFTER_SECS: u64 = 5;
/// Largest request head (request line and headers) accepted, in bytes.
const MAX_HEAD_BYTES: usize = 64 * 1024;

/// Why the daemon could not start or stopped.
#[derive(Debug, thiserror::Error)]
pub enum ServerError {
    #[error("initialisation failed: {0}")]
    Init(String),
    #[error(transparent)]
    Io(#[from] std::io::Error),
    /// The metadata store stopped on an I/O error and takes no write although
    /// the disk does: only a restart brings it back.
    #[error("the metadata store stopped after an I/O error and needs a restart")]
    StoreStuck,
}

impl ServerError {
    /// The exit status for the service manager: 75 (EX_TEMPFAIL, "try again")
    /// when a restart is the cure, 1 otherwise.
    pub fn exit_code(&self) -> i32 {
        match self {
            ServerError::StoreStuck => 75,
            _ => 1,
        }
    }
}

/// Tells systemd (`Type=notify`) how the service is; nothing without `NOTIFY_SOCKET`.
pub fn notify(states: &[sd_notify::NotifyState<'_>]) {
    if let Err(e) = sd_notify::notify(false, states) {
        tracing::warn!(error = %e, "could not notify the service manager");
    }
}

impl From<crate::vault::VaultError> for ServerError {
    fn from(e: crate::vault::VaultError) -> Self {
        ServerError::Init(e.to_string())
    }
}

impl From<crate::config::ConfigError> for ServerError {
    fn from(e: crate::config::ConfigError) -> Self {
        ServerError::Init(e.to_string())
    }
}

impl From<crate::storage::StoreError> for ServerError {
    fn from(e: crate::storage::StoreError) -> Self {
        ServerError::Init(e.to_string())
    }
}

/// A daemon bound to its address, ready to serve.
pub struct Server {
    listener: TcpListener,
    /// Reverse proxies whose `X-Forwarded-For` is believed.
    trusted: Arc<forwarded::TrustedProxies>,
    /// SIGHUP, listened to from binding on (before READY=1: a reload right after
    /// start must not kill the daemon).
    hangups: Option<tokio::signal::unix::Signal>,
    /// Whether the certificate comes from systemd's credentials (copied at start:
    /// a reload reads the same copy).
    tls_from_credentials: bool,
    certificates: Arc<tls::Certificates>,
    app: axum::Router,
    vault: Arc<Vault>,
    config: Config,
}

impl Server {
    /// Prepares the data directory, opens the stores, collects uploads left by a
    /// crash (the background sweep collects published orphans), loads TLS material and binds the listening socket.
    pub async fn bind(config: Config) -> Result<Server, ServerError> {
        if config.public_host.ends_with(".invalid") {
            return Err(ServerError::Init(format!(
                "public_host is still \"{}\", a placeholder: set the service's public name \
                 in the configuration before the first start (it names the journal for good)",
                config.public_host
            )));
        }
        let dir = DataDir::prepare(&config.data)?;
        let secret = Arc::new(dir.server_secret()?);
        let admin_digest = dir.admin_token_digest()?;
        let meta = SledStore::open(&dir.meta())?;
        let blobs = FsBlobStore::open(&dir.blobs())?;
        let vault = Arc::new(
            Vault::new(
                Arc::new(meta),
                Arc::new(blobs),
                secret,
                Arc::new(SystemClock),
                config.vault_limits(),
                JournalKeys::new(dir.journal_key()?, &config.public_host),
            )
            .with_erasure_ledger(config.erasure_ledger.clone()),
        );
        let origin = vault.journal_keys().origin.clone();
        match vault.signed_origin().await {
            Ok(Some(signed)) if signed != origin => {
                return Err(ServerError::Init(format!(
                    "public_host changed: the journal in {} is \"{signed}\", the configuration says \"{origin}\"; \
                     put public_host back as it was (a deployment keeps one journal origin for life)",
                    config.data.display()
                )))
            }
            Ok(_) => {}
            Err(e) => return Err(e.into()),
        }
        let removed = vault.collect_staged(Duration::ZERO).await?;
        if removed > 0 {
            tracing::info!(removed, "collected uploads left by an interrupted run");
        }
        match &config.erasure_ledger {
            Some(ledger) if ledger.starts_with(&config.data) => {
                return Err(ServerError::Init(format!(
                    "erasure_ledger {} is inside the data directory: a restore replaces it; \
                     put it outside (the package uses /var/lib/coffre-erasures/ledger)",
                    ledger.display()
                )))
            }
            None if config.public_host != "localhost" => tracing::warn!(
                "erasure_ledger is not set: an account erased after a backup would come back \
                 with a restore of that backup"
            ),
            _ => {}
        }
        if let Some(ledger) = &config.erasure_ledger {
            let erased = vault.reapply_erasures(ledger).await?;
            if erased > 0 {
                tracing::warn!(
                    erased,
                    "accounts erased after the backup this data came from were erased again"
                );
            }
        }
        let restores = vault.record_restores().await?;
        if restores > 0 {
            tracing::warn!(
                restores,
                "started from a restored backup: the journal was rolled back, and says so"
            );
        }
        vault.record_start().await?;
        let certificates = match (&config.tls.cert, &config.tls.key) {
            (Some(cert), Some(key)) => {
                tls::Certificates::load(config.resolve(cert)?, config.resolve(key)?, false)?
            }
            _ => tls::Certificates::load(dir.tls_cert(), dir.tls_key(), true)?,
        };
        let state = Arc::new(AppState {
            vault: Arc::clone(&vault),
            request_timeout: Duration::from_secs(config.timeouts.request_secs),
            admin_digest,
            metrics: metrics::Metrics::new(),
            body_budget: routes::BodyBudget::new(BODY_BUDGET_BYTES),
            max_json_bytes: config.limits.max_json_kib * 1024,
            web_idle: cookie::Idle::new(Duration::from_secs(config.timeouts.web_session_idle_secs)),
            data: config.data.clone(),
            log_address_bits: (config.log.address_bits_v4, config.log.address_bits_v6),
            security_contact: config.security.contact.clone(),
            backups: Arc::new(Semaphore::new(1)),
            forwarded: conn::PerAddress::new(config.limits.max_connections_per_ip),
            public_host: config.public_host.clone(),
        });
        let trusted = forwarded::TrustedProxies::new(config.trusted_proxies()?);
        let max_json = (config.limits.max_json_kib * 1024) as usize;
        let listener = TcpListener::bind(config.listen).await?;
        let hangups = tokio::signal::unix::signal(tokio::signal::unix::SignalKind::hangup())?;
        let tls_from_credentials = [&config.tls.cert, &config.tls.key]
            .iter()
            .any(|p| p.as_ref().is_some_and(|p| p.starts_with("credential:")));
        Ok(Server {
            listener,
            hangups: Some(hangups),
            tls_from_credentials,
            trusted: Arc::new(trusted),
            certificates: Arc::new(certificates),
            app: routes::router(state, max_json),
            vault,
            config,
        })
    }

    pub fn local_addr(&self) -> std::io::Result<SocketAddr> {
        self.listener.local_addr()
    }

    /// Serves until `shutdown` resolves, then stops accepting, lets requests in
    /// flight finish (up to the configured delay) and returns.
    pub async fn serve(mut self, shutdown: impl Future<Output = ()>) -> Result<(), ServerError> {
        let graceful = GracefulShutdown::new();
        let slots = Arc::new(Semaphore::new(self.config.limits.max_connections));
        let refusals = Arc::new(Semaphore::new(MAX_REFUSALS_IN_FLIGHT));
        let per_address = conn::PerAddress::new(self.config.limits.max_connections_per_ip);
        let registry = conn::Registry::new();
        let sweeper = tokio::spawn(sweep_orphans(Arc::clone(&self.vault)));
        let expirer = tokio::spawn(sweep_grants(Arc::clone(&self.vault)));
        let stuck = watch_storage(Arc::clone(&self.vault));
        tokio::pin!(shutdown);
        tokio::pin!(stuck);
        let mut hangups = match self.hangups.take() {
            Some(h) => h,
            None => tokio::signal::unix::signal(tokio::signal::unix::SignalKind::hangup())?,
        };
        let mut outcome = Ok(());
        loop {
            // Accept whatever comes: a full server answers "unavailable" at once
            // rather than leaving clients in the backlog.
            let (tcp, peer) = tokio::select! {
                accepted = self.listener.accept() => match accepted {
                    Ok(pair) => pair,
                    Err(e) => {
                        tracing::warn!(error = %e, "accept failed");
                        tokio::time::sleep(Duration::from_millis(50)).await;
                        continue;
                    }
                },
                _ = &mut shutdown => break,
                Some(()) = hangups.recv() => {
                    notify(&[sd_notify::NotifyState::Reloading]);
                    if self.tls_from_credentials {
                        tracing::warn!(
                            "the certificate comes from systemd's credentials, copied when the \
                             service started: a renewal needs `systemctl restart coffred`"
                        );
                    }
                    match self.certificates.reload() {
                        Ok(()) => tracing::info!("TLS certificate reloaded; new connections use it"),
                        Err(e) => tracing::error!(
                            error = %e,
                            "TLS certificate not reloaded: the one in use stays"
                        ),
                    }
                    notify(&[sd_notify::NotifyState::Ready]);
                    continue;
                }
                _ = &mut stuck => {
                    tracing::error!(
                        "the metadata store takes no write since an I/O error although \
                         the disk does; stopping so that the service manager restarts coffred"
                    );
                    outcome = Err(ServerError::StoreStuck);
                    break;
                }
            };
            // A trusted proxy carries many clients: its connections count in the
            // total only (the per-address limits apply to the forwarded address).
            let place = if self.trusted.contains(peer.ip()) {
                None
            } else {
                match per_address.enter(peer.ip()) {
                    Some(place) => Some(place),
                    None => {
                        self.refuse(tcp, &refusals);
                        continue;
                    }
                }
            };
            // Answers go out as soon as they are written: with Nagle's algorithm the
            // last segment of an answer waited for the client's delayed ACK (40 ms
            // at the 99th percentile of a listing on one connection).
            if let Err(e) = tcp.set_nodelay(true) {
                tracing::debug!(error = %e, "TCP_NODELAY refused");
            }
            let permit = match Arc::clone(&slots).try_acquire_owned() {
                Ok(p) => Some(p),
                // Full: the connection idle the longest gives its place.
                Err(_) if registry.evict_idle() => {
                    tokio::time::timeout(EVICTION_WAIT, Arc::clone(&slots).acquire_owned())
                        .await
                        .ok()
                        .and_then(Result::ok)
                }
                Err(_) => None,
            };
            let Some(permit) = permit else {
                self.refuse(tcp, &refusals);
                continue;
            };
            let conn = self.connection(tcp, peer, graceful.watcher(), &registry);
            tokio::spawn(async move {
                conn.await;
                drop((permit, place));
            });
        }
        notify(&[sd_notify::NotifyState::Stopping]);
        sweeper.abort();
        expirer.abort();
        drop(self.listener);
        let grace = Duration::from_secs(self.config.timeouts.shutdown_secs);
        if tokio::time::timeout(grace, graceful.shutdown())
            .await
            .is_err()
        {
            tracing::warn!("requests still in flight at stop were aborted");
        }
        outcome
    }

    /// One connection: TLS handshake (bounded), then HTTP/1.1 or HTTP/2.
    fn connection(
        &self,
        tcp: TcpStream,
        peer: SocketAddr,
        watcher: hyper_util::server::graceful::Watcher,
        registry: &Arc<conn::Registry>,
    ) -> impl Future<Output = ()> + Send + 'static {
        let registry = Arc::clone(registry);
        let acceptor = self.certificates.acceptor();
        let app = self.app.clone();
        let trusted = Arc::clone(&self.trusted);
        let handshake = Duration::from_secs(self.config.timeouts.handshake_secs);
        let header_read = Duration::from_secs(self.config.timeouts.header_read_secs);
        let idle = Duration::from_secs(self.config.timeouts.idle_secs);
        async move {
            let tls = match tokio::time::timeout(handshake, acceptor.accept(tcp)).await {
                Ok(Ok(tls)) => tls,
                Ok(Err(e)) => return tracing::debug!(error = %e, "TLS handshake failed"),
                Err(_) => return tracing::debug!("TLS handshake timed out"),
            };
            let activity = conn::Activity::new();
            let member = registry.join(&activity);
            let io = conn::Watched {
                inner: tls,
                activity: Arc::clone(&activity),
            };
            let counting = Arc::clone(&activity);
            let app = app
                .map_request(move |mut req: hyper::Request<hyper::body::Incoming>| {
                    let client = trusted.client(peer, req.headers());
                    req.extensions_mut().insert(ClientAddr(client));
                    req.extensions_mut()
                        .insert(routes::ViaTrustedProxy(trusted.contains(peer.ip())));
                    req
                })
                .map_future(move |answer| {
                    let in_flight = counting.request();
                    async move {
                        let answer = answer.await;
                        drop(in_flight);
                        answer
                    }
                });
            let service = TowerToHyperService::new(app);
            let mut builder = Builder::new(TokioExecutor::new());
            builder
                .http1()
                .timer(TokioTimer::new())
                .header_read_timeout(header_read)
                .max_buf_size(MAX_HEAD_BYTES.max(8192));
            builder
                .http2()
                .timer(TokioTimer::new())
                .max_header_list_size(MAX_HEAD_BYTES as u32)
                .max_concurrent_streams(H2_MAX_STREAMS)
                .initial_stream_window_size(H2_STREAM_WINDOW_BYTES)
                .initial_connection_window_size(H2_CONNECTION_WINDOW_BYTES)
                .max_send_buf_size(H2_STREAM_WINDOW_BYTES as usize)
                .max_pending_accept_reset_streams(H2_MAX_STREAMS as usize);
            let conn = builder
                .serve_connection_with_upgrades(TokioIo::new(io), service)
                .into_owned();
            tokio::select! {
                served = watcher.watch(conn) => if let Err(e) = served {
                    tracing::debug!(error = %e, "connection ended with an error");
                },
                _ = activity.idle(header_read, idle) => tracing::debug!("idle connection closed"),
                _ = member.evicted() => tracing::debug!("idle connection closed to make room"),
            }
        }
    }

    /// Answers "unavailable" on `tcp` if few refusals are under way, else closes it.
    fn refuse(&self, tcp: TcpStream, refusals: &Arc<Semaphore>) {
        if let Ok(refusing) = Arc::clone(refusals).try_acquire_owned() {
            let refusal = self.refusal(tcp);
            tokio::spawn(async move {
                refusal.await;
                drop(refusing);
            });
        }
    }

    /// A connection the server has no room for: after the TLS handshake, every
    /// request on it gets 503 `unavailable` with `Retry-After`, then it is closed.
    fn refusal(&self, tcp: TcpStream) -> impl Future<Output = ()> + Send + 'static {
        let acceptor = self.certificates.acceptor();
        async move {
            let refuse = async move {
                let tls = acceptor.accept(tcp).await.ok()?;
                let service = hyper::service::service_fn(|_req| async {
                    let answer = error::ApiError::new(crate::api::ErrorCode::Unavailable)
                        .retry_after(REFUSAL_RETRY_AFTER_SECS);
                    let mut answer = axum::response::IntoResponse::into_response(answer);
                    routes::set_security_headers(answer.headers_mut());
                    Ok::<_, std::convert::Infallible>(answer)
                });
                let mut builder = Builder::new(TokioExecutor::new());
                builder.http1().keep_alive(false);
                builder
                    .serve_connection(TokioIo::new(tls), service)
                    .await
                    .ok()
            };
            if tokio::time::timeout(REFUSAL_DEADLINE, refuse)
                .await
                .is_err()
            {
                tracing::debug!("refused connection timed out");
            }
        }
    }
}

async fn sweep_orphans(vault: Arc<Vault>) {
    let mut tick = tokio::time::interval(ORPHAN_SWEEP_EVERY);
    tick.tick().await;
    loop {
        tick.tick().await;
        match vault.collect_orphans(ORPHAN_GRACE).await {
            Ok(0) => {}
            Ok(removed) => tracing::info!(removed, "collected orphan blobs"),
            Err(e) => tracing::warn!(error = %e, "orphan collection failed"),
        }
    }
}

/// Resolves when the metadata store has been stuck for three diagnoses in a row
/// (see [`crate::vault::StoreState`]); looks only after a store call failed.
async fn watch_storage(vault: Arc<Vault>) {
    let mut tick = tokio::time::interval(STORAGE_WATCH_EVERY);
    let mut stuck_in_a_row = 0;
    loop {
        tick.tick().await;
        if !vault.store_failed() {
            stuck_in_a_row = 0;
            continue;
        }
        match vault.store_state().await {
            StoreState::Ready => {
                tracing::info!("the stores take writes again");
                stuck_in_a_row = 0;
            }
            StoreState::MetadataStuck => {
                stuck_in_a_row += 1;
                if stuck_in_a_row >= 3 {
                    return;
                }
            }
            StoreState::Full | StoreState::Failing => stuck_in_a_row = 0,
        }
    }
}

async fn sweep_grants(vault: Arc<Vault>) {
    let mut tick = tokio::time::interval(GRANT_SWEEP_EVERY);
    loop {
        tick.tick().await;
        match vault.sweep_grants().await {
            Ok(0) => {}
            Ok(ended) => tracing::info!(ended, "destroyed the envelopes of ended grants"),
            Err(e) => tracing::warn!(error = %e, "grant sweep failed"),
        }
        match vault.purge_expired_codes().await {
            Ok(0) => {}
            Ok(removed) => {
                tracing::info!(removed, "removed expired enrolment and invitation codes")
            }
            Err(e) => tracing::warn!(error = %e, "code sweep failed"),
        }
    }
}
