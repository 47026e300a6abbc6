//! The domain: accounts and sessions, documents, access decisions.
//!
//! [`Vault`] holds the stores, the clock and the limits; its methods are what the
//! HTTP handlers call (one domain method per handler). It never sees plaintext or an
//! unwrapped key: documents, metadata and envelopes are opaque age files here.

pub mod access;
mod accounts;
mod backup;
pub use backup::BackupHold;
pub mod attempts;
pub mod clock;
mod consent;
mod documents;
pub use documents::{Delivery, Listing, Served, LISTING_CACHE_BYTES};
mod erasure;
mod health;
mod invitations;
mod quotas;
pub use health::StoreState;
pub use invitations::Issuer;
pub mod journal;

use std::collections::HashMap;
use std::sync::{Arc, Mutex};
use std::time::Duration;

use crate::api::Quota;
use crate::crypto::server::{HashPool, Hashing, ServerSecret};

/// Threads doing the server's Argon2id work (each keeps 19 MiB).
const HASHING_THREADS: usize = 2;
use crate::storage::{BlobStore, MetadataStore, StoreError};
pub use access::{Action, Caller, Principal};
use attempts::{Attempts, Backoff};

/// Access requests a mediator may send in an hour, and to one name in a day.
const REQUESTS_PER_HOUR: usize = 30;
const REQUESTS_PER_NAME_PER_DAY: usize = 3;

/// Longest delay repeated failed recoveries impose on an account (never a lock).
const RECOVERY_DELAY_CEILING_MS: i64 = 60_000;
use clock::Clock;

/// Limits a deployment sets (see `deploy/coffred.toml`).
#[derive(Clone, Debug)]
pub struct Limits {
    /// Largest document accepted, as stored (age ciphertext; the encryption adds
    /// about 0.03 %).
    pub max_document_bytes: u64,
    pub vault_quota_bytes: u64,
    pub vault_quota_documents: u64,
    /// Longest wait for the next chunk of an upload before it is abandoned.
    pub body_idle: Duration,
    pub session_lifetime: Duration,
    /// Failed logins allowed per account, and per IP address, within the window.
    pub login_failures_per_account: usize,
    pub login_failures_per_ip: usize,
    pub login_window: Duration,
    /// Who may create a citizen's account.
    pub registration: Registration,
    /// Citizens' accounts one address may create in an hour.
    pub registrations_per_ip_per_hour: usize,
}

/// The operator's registration policy.
#[derive(Clone, Copy, Debug, PartialEq, Eq, serde::Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Registration {
    /// Anyone may create an account (rate-limited per address).
    Open,
    /// Only with a code from the operator or a mediator (one code, one vault).
    Invitation,
    /// No new citizen's account (mediators still enrol with their codes).
    Closed,
}

impl Registration {
    pub fn as_str(self) -> &'static str {
        match self {
            Registration::Open => "open",
            Registration::Invitation => "invitation",
            Registration::Closed => "closed",
        }
    }
}

impl Default for Limits {
    fn default() -> Limits {
        Limits {
            max_document_bytes: 100 * 1024 * 1024,
            vault_quota_bytes: 1024 * 1024 * 1024,
            vault_quota_documents: 1000,
            body_idle: Duration::from_secs(30),
            session_lifetime: Duration::from_secs(12 * 3600),
            login_failures_per_account: 5,
            login_failures_per_ip: 50,
            login_window: Duration::from_secs(15 * 60),
            registration: Registration::Open,
            registrations_per_ip_per_hour: 10,
        }
    }
}

impl Limits {
    /// The deployment's quota for every vault without one of its own.
    pub fn quota(&self) -> Quota {
        Quota {
            bytes: self.vault_quota_bytes,
            documents: self.vault_quota_documents,
            max_document_bytes: self.max_document_bytes,
        }
    }
}

/// Why a vault operation was refused or failed. Mapped to HTTP in one place
/// (`server::error`).
#[derive(Debug, thiserror::Error)]
pub enum VaultError {
    #[error("malformed request: {0}")]
    BadRequest(String),
    #[error("invalid user name")]
    InvalidUserName,
    #[error("user name already taken")]
    UserExists,
    #[error("key derivation parameters below the minimum")]
    WeakKdfParams,
    #[error("bad credentials")]
    BadCredentials,
    #[error("too many failed attempts; retry after {retry_after_s} s")]
    TooManyAttempts { retry_after_s: u64 },
    #[error("not authenticated")]
    Unauthenticated,
    #[error("session expired")]
    SessionExpired,
    #[error("recovery kit refused")]
    BadRecoveryKit,
    #[error("document not found")]
    DocumentNotFound,
    #[error("upload not found")]
    UploadNotFound,
    #[error("not an age file")]
    NotAgeFile,
    #[error("document larger than {max_bytes} bytes")]
    DocumentTooLarge { max_bytes: u64 },
    #[error("vault quota exceeded")]
    QuotaExceeded,
    #[error("upload interrupted: {0}")]
    UploadIncomplete(String),
    #[error("account disabled")]
    AccountDisabled,
    #[error("not allowed for this role")]
    WrongRole { needed: crate::api::Role },
    #[error("mediator not found")]
    MediatorNotFound,
    #[error("no such account")]
    AccountNotFound,
    #[error("grant not found")]
    GrantNotFound,
    #[error("grant expired")]
    GrantExpired { at_ms: i64 },
    #[error("grant revoked")]
    GrantRevoked { at_ms: i64 },
    #[error("grant not yet valid")]
    GrantNotYetValid { from_ms: i64 },
    #[error("grant refused: {0}")]
    InvalidGrant(&'static str),
    #[error("signature does not verify")]
    InvalidSignature,
    #[error("registration closed")]
    RegistrationClosed,
    #[error("an invitation is required")]
    InvitationRequired,
    #[error("invitation code invalid, used or expired")]
    InvitationInvalid,
    #[error("enrolment code invalid or expired")]
    EnrolmentCodeInvalid,
    #[error("request not found")]
    RequestNotFound,
    #[error("request already answered")]
    RequestAnswered,
    #[error("operator token refused")]
    AdminUnauthorized,
    #[error("storage unavailable: {0}")]
    Unavailable(String),
    /// The disk (or the file system's quota) is full.
    #[error("storage full: {0}")]
    StorageFull(String),
    /// A write failed in a way that leaves it unknown whether it landed.
    #[error("write in doubt: {0}")]
    WriteInDoubt(String),
    #[error("internal error: {0}")]
    Internal(String),
}

impl From<StoreError> for VaultError {
    fn from(e: StoreError) -> Self {
        match e {
            StoreError::QuotaExceeded => VaultError::QuotaExceeded,
            StoreError::Conflict => VaultError::Internal("unexpected conflict".into()),
            // Where a missing record is an answer, the caller says which one
            // ([`Vault::store_or`]); anywhere else it is a broken invariant.
            StoreError::NotFound => {
                VaultError::Internal("a record that must exist is missing".into())
            }
            StoreError::Corrupt(m) => VaultError::Internal(m),
            StoreError::Backend(m) => VaultError::Unavailable(m),
            StoreError::Full(m) => VaultError::StorageFull(m),
            StoreError::Stuck(m) => VaultError::Unavailable(m),
        }
    }
}

impl From<std::io::Error> for VaultError {
    fn from(e: std::io::Error) -> Self {
        if crate::storage::is_full(&e) {
            VaultError::StorageFull(e.to_string())
        } else {
            VaultError::Unavailable(e.to_string())
        }
    }
}

/// A staged upload waiting for its commit.
struct Staged {
    owner: String,
    size: u64,
    /// The id the document will have.
    document: crate::api::DocumentId,
    payload_sha256: String,
}

/// The vault service.
pub struct Vault {
    meta: Arc<dyn MetadataStore>,
    blobs: Arc<dyn BlobStore>,
    secret: Arc<ServerSecret>,
    clock: Arc<dyn Clock>,
    limits: Limits,
    account_attempts: Attempts,
    ip_attempts: Attempts,
    recovery_backoff: Backoff,
    /// Entries a mediator's repeated calls could flood a citizen's journal with
    /// (refusals, listings): at most one per key and minute.
    throttle: Attempts,
    /// Access requests per mediator (an hour), and per mediator and name (a day).
    requests_sent: Attempts,
    requests_to_name: Attempts,
    /// Citizens' accounts created per address in the last hour.
    registrations: Attempts,
    /// Bounds concurrent Argon2id runs (19 MiB each).
    hashing: HashPool,
    /// Permits to build a large answer (a listing not in the cache, « shared with
    /// me »): memory stays bounded whatever the number of connections.
    large_answers: tokio::sync::Semaphore,
    staged: Mutex<HashMap<String, Staged>>,
    /// Uploads still arriving, per owner.
    arriving: Mutex<HashMap<String, usize>>,
    journal: Arc<journal::JournalKeys>,
    journal_writer: journal::JournalWriter,
    listings: documents::ListingCache,
    journal_fault: std::sync::atomic::AtomicBool,
    /// A store call failed since the stores last proved they work.
    store_failed: std::sync::atomic::AtomicBool,
    /// Blob deletions waiting for the backups running.
    deletions: backup::Deletions,
    /// Where account erasures are written, outside the data directory.
    erasure_ledger: Option<std::path::PathBuf>,
    /// The last readiness diagnosis (when, what), and the lock probes take.
    diagnosis: Mutex<Option<(i64, StoreState)>>,
    probing: tokio::sync::Mutex<()>,
}

/// Large answers built at once (see [`Vault::large_answer`]).
const LARGE_ANSWERS: usize = 8;

impl Vault {
    /// Waits for one of the few permits to build a large answer (several hundred
    /// KiB of records decoded and encoded): held while it is built, so that memory
    /// is bounded by construction, not by the number of connections.
    pub async fn large_answer(&self) -> Option<tokio::sync::SemaphorePermit<'_>> {
        self.large_answers.acquire().await.ok()
    }

    pub fn new(
        meta: Arc<dyn MetadataStore>,
        blobs: Arc<dyn BlobStore>,
        secret: Arc<ServerSecret>,
        clock: Arc<dyn Clock>,
        limits: Limits,
        journal: journal::JournalKeys,
    ) -> Vault {
        let window_ms = limits.login_window.as_millis() as i64;
        let journal = Arc::new(journal);
        let journal_writer = journal::JournalWriter::start(Arc::clone(&meta), Arc::clone(&journal));
        Vault {
            account_attempts: Attempts::new(limits.login_failures_per_account, window_ms),
            ip_attempts: Attempts::new(limits.login_failures_per_ip, window_ms),
            recovery_backoff: Backoff::new(
                limits.login_failures_per_account as u32,
                RECOVERY_DELAY_CEILING_MS,
            ),
            throttle: Attempts::new(1, 60_000),
            requests_sent: Attempts::new(REQUESTS_PER_HOUR, 3_600_000),
            requests_to_name: Attempts::new(REQUESTS_PER_NAME_PER_DAY, 86_400_000),
            registrations: Attempts::new(limits.registrations_per_ip_per_hour, 3_600_000),
            meta,
            blobs,
            secret,
            clock,
            limits,
            hashing: HashPool::new(HASHING_THREADS),
            large_answers: tokio::sync::Semaphore::new(LARGE_ANSWERS),
            staged: Mutex::new(HashMap::new()),
            arriving: Mutex::new(HashMap::new()),
            journal,
            journal_writer,
            listings: documents::ListingCache::default(),
            journal_fault: std::sync::atomic::AtomicBool::new(false),
            store_failed: std::sync::atomic::AtomicBool::new(false),
            deletions: backup::Deletions::default(),
            erasure_ledger: None,
            diagnosis: Mutex::new(None),
            probing: tokio::sync::Mutex::new(()),
        }
    }

    /// Whether an entry under `key` may be journaled now (and counts it if so).
    fn may_journal(&self, key: &str) -> bool {
        let now = self.clock.now_ms();
        if self.throttle.check(key, now).is_err() {
            return false;
        }
        self.throttle.fail(key, now);
        true
    }

    pub fn limits(&self) -> &Limits {
        &self.limits
    }

    /// The journal's verifier key and origin.
    pub fn journal_keys(&self) -> &journal::JournalKeys {
        &self.journal
    }

    /// Runs a metadata-store call off the async threads (it may fsync).
    async fn store<T: Send + 'static>(
        &self,
        f: impl FnOnce(&dyn MetadataStore) -> Result<T, StoreError> + Send + 'static,
    ) -> Result<T, VaultError> {
        let meta = Arc::clone(&self.meta);
        tokio::task::spawn_blocking(move || f(meta.as_ref()))
            .await
            .map_err(|e| VaultError::Internal(e.to_string()))?
            .map_err(|e| {
                self.note_store_error(&e);
                VaultError::from(e)
            })
    }

    /// A small read of hot records (a session, an account, one vault's index) on the
    /// calling task: sled serves them from its cache in microseconds, where a trip
    /// to the blocking pool costs two thread hand-offs, which at a busy counter's
    /// thousands of requests a second were a third of the server's time (a listing
    /// at 200 connections: 5,700 -> 9,300 a second). It may wait for a sled
    /// transaction in progress (see [`MetadataStore`]). Scans, writes and flushes go
    /// through [`Vault::store`].
    fn read_now<T>(
        &self,
        f: impl FnOnce(&dyn MetadataStore) -> Result<T, StoreError>,
    ) -> Result<T, VaultError> {
        f(self.meta.as_ref()).map_err(|e| {
            self.note_store_error(&e);
            VaultError::from(e)
        })
    }

    /// Like [`Vault::store`], with what a missing record means here.
    async fn store_or<T: Send + 'static>(
        &self,
        missing: VaultError,
        f: impl FnOnce(&dyn MetadataStore) -> Result<T, StoreError> + Send + 'static,
    ) -> Result<T, VaultError> {
        let meta = Arc::clone(&self.meta);
        match tokio::task::spawn_blocking(move || f(meta.as_ref())).await {
            Ok(Err(StoreError::NotFound)) => Err(missing),
            Ok(other) => other.map_err(|e| {
                self.note_store_error(&e);
                VaultError::from(e)
            }),
            Err(e) => Err(VaultError::Internal(e.to_string())),
        }
    }

    /// Runs Argon2id work on the hashing pool (two threads, memory reused).
    async fn hashing<T: Send + 'static>(
        &self,
        f: impl FnOnce(&mut Hashing) -> T + Send + 'static,
    ) -> Result<T, VaultError> {
        self.hashing
            .run(f)
            .await
            .ok_or_else(|| VaultError::Internal("hashing pool stopped".into()))
    }
}
