//! Where things are kept: one trait for metadata, one for blobs.
//!
//! - [`MetadataStore`]: accounts, sessions, documents' records and usage counters.
//!   The embedded backend is sled ([`sled_store`], the only file that names sled).
//!   Every write method returns only once the write is durable (flushed and fsync'ed;
//!   concurrent writers share one flush).
//! - [`BlobStore`]: ciphertext files, written to a staging area, fsync'ed, then
//!   published under the document id. The filesystem backend is [`fs`].
//!
//! Order of writes (invariant): blobs are durable before the metadata that points to
//! them; metadata is deleted before the blobs it pointed to. Blobs without metadata
//! are orphans, collected by [`crate::vault::Vault::collect_orphans`].

pub mod blob;
pub mod fs;
pub mod sled_store;

pub use blob::{BlobPart, BlobReader, BlobStore, StagedBlob};

use serde::{Deserialize, Serialize};

use crate::api::{
    Bytes, Category, DocumentId, Grant, GrantEnvelope, GrantId, KdfParams, PublicKeys, Quota,
    RequestId, RequestState, Role, Usage, WrappedIdentity,
};

/// An account as stored.
#[derive(Clone, Debug, Serialize, Deserialize)]
pub struct AccountRecord {
    pub user: String,
    pub role: Role,
    pub keys: PublicKeys,
    pub salt: Bytes,
    pub kdf: KdfParams,
    /// Argon2id PHC string of the auth key.
    pub auth_hash: String,
    pub wrapped_identity: WrappedIdentity,
    pub recovery_recipient: String,
    pub recovery_envelope: Bytes,
    /// Argon2id PHC string of the recovery auth key.
    pub recovery_hash: String,
    pub created_ms: i64,
    pub usage: Usage,
    /// Set for mediators: who they are, for citizens' screens.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub mediator: Option<MediatorProfile>,
    /// A disabled account cannot log in, and its grants are ended.
    #[serde(default)]
    pub disabled: bool,
    /// What the operator set for this vault instead of the deployment's quota.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub quota: Option<VaultQuota>,
}

/// A vault's own quota, set by the operator (`coffre admin quota`).
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct VaultQuota {
    pub bytes: u64,
    pub documents: u64,
}

/// A mediator's public description.
#[derive(Clone, Debug, Serialize, Deserialize)]
pub struct MediatorProfile {
    pub name: String,
    pub structure: String,
}

/// An enrolment code issued by the operator, stored under its SHA-256.
#[derive(Clone, Debug, Serialize, Deserialize)]
pub struct EnrolmentRecord {
    pub user: String,
    pub profile: MediatorProfile,
    pub created_ms: i64,
    pub expires_ms: i64,
}

/// An invitation to open a vault, stored under the SHA-256 of its code.
#[derive(Clone, Debug, Serialize, Deserialize)]
pub struct InvitationRecord {
    /// Who issued it: a mediator's user name, or the operator's subject.
    pub issuer: String,
    /// The mediator's name and structure (none for the operator).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub profile: Option<MediatorProfile>,
    pub created_ms: i64,
    pub expires_ms: i64,
}

/// A signed grant and the envelopes it carries.
#[derive(Clone, Debug, Serialize, Deserialize)]
pub struct GrantRecord {
    pub grant: Grant,
    pub signature: Bytes,
    /// Emptied when the grant ends (expiry, revocation, mediator disabled).
    pub envelopes: Vec<GrantEnvelope>,
    #[serde(default)]
    pub revoked_ms: Option<i64>,
}

/// A mediator's request for papers of a category.
#[derive(Clone, Debug, Serialize, Deserialize)]
pub struct RequestRecord {
    pub id: RequestId,
    pub mediator: String,
    pub citizen: String,
    pub category: Category,
    pub message: String,
    pub created_ms: i64,
    pub state: RequestState,
    #[serde(default)]
    pub grant: Option<GrantId>,
}

/// A session as stored, under the SHA-256 digest of its token.
#[derive(Clone, Debug, Serialize, Deserialize)]
pub struct SessionRecord {
    pub user: String,
    pub created_ms: i64,
    pub expires_ms: i64,
    /// The key that seals the identity in the device's session file; forgotten
    /// with the record at logout or expiry.
    #[serde(default)]
    pub wrap_key: Bytes,
}

/// A document's record.
#[derive(Clone, Debug, Serialize, Deserialize)]
pub struct DocumentRow {
    pub id: DocumentId,
    pub owner: String,
    /// Ciphertext bytes.
    pub size: u64,
    pub added_ms: i64,
    pub meta: Bytes,
    pub owner_envelope: Bytes,
    /// SHA-256 of the payload as received, hex, and the owner's signature of the
    /// document's seal (empty for documents stored before signatures).
    #[serde(default)]
    pub payload_sha256: String,
    #[serde(default)]
    pub signature: Bytes,
}

/// A journal entry as stored: the leaf and its sealed details.
#[derive(Clone, Debug, Serialize, Deserialize)]
pub struct JournalRecord {
    pub leaf: Bytes,
    /// The details, age-encrypted to the citizen (plain JSON for the operator's own
    /// subject). Deleting them leaves the tree valid.
    pub details: Bytes,
}

/// The last entry of a subject's chain.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct SubjectHead {
    pub seq: u64,
    pub leaf_hash: [u8; 32],
}

/// Everything one journal append writes (a batch of them is applied whole or, after a
/// crash, undone when the store opens).
#[derive(Clone, Debug, Serialize, Deserialize)]
pub struct JournalAppend {
    /// Must equal the current tree size.
    pub index: u64,
    pub record: JournalRecord,
    /// Complete-subtree hashes this leaf completes: (level, index, hash).
    pub nodes: Vec<(u32, u64, [u8; 32])>,
    pub subject: [u8; 32],
    pub head: SubjectHead,
}

/// Why a metadata operation failed.
#[derive(Debug, Clone, thiserror::Error)]
pub enum StoreError {
    #[error("already exists")]
    Conflict,
    #[error("not found")]
    NotFound,
    #[error("quota exceeded")]
    QuotaExceeded,
    #[error("stored value is corrupt: {0}")]
    Corrupt(String),
    #[error("metadata store failure: {0}")]
    Backend(String),
    /// The disk (or a quota of the file system) is full.
    #[error("no space left: {0}")]
    Full(String),
    /// The store refuses writes that its file system would take: it stopped on
    /// an earlier error and needs to be opened again (a restart).
    #[error("store stopped after an earlier error: {0}")]
    Stuck(String),
}

impl From<std::io::Error> for StoreError {
    fn from(e: std::io::Error) -> Self {
        if is_full(&e) {
            StoreError::Full(e.to_string())
        } else {
            StoreError::Backend(e.to_string())
        }
    }
}

/// Whether an I/O error means "no space left" (ENOSPC, or EDQUOT for a quota).
pub fn is_full(e: &std::io::Error) -> bool {
    const ENOSPC: i32 = 28;
    const EDQUOT: i32 = 122;
    matches!(e.raw_os_error(), Some(ENOSPC | EDQUOT))
        || matches!(
            e.kind(),
            std::io::ErrorKind::StorageFull | std::io::ErrorKind::QuotaExceeded
        )
}

/// Accounts, sessions and document records. Implementations make every write
/// durable before returning. [`MetadataStore::session`], [`MetadataStore::account`]
/// and [`MetadataStore::document_ids_of`] are also called on the runtime's own
/// threads (every request makes them): they must answer from memory or the page
/// cache and never wait on a lock held across I/O (a write's durability, an
/// export). sled 0.34 meets this: its reads take no lock of ours, only sled's global
/// lock while a transaction runs (in memory; a transaction that must read a page
/// from disk holds it for that read, the price of these reads on the runtime).
pub trait MetadataStore: Send + Sync + 'static {
    /// Creates an account; [`StoreError::Conflict`] if the name is taken.
    fn insert_account(&self, account: &AccountRecord) -> Result<(), StoreError>;
    fn account(&self, user: &str) -> Result<Option<AccountRecord>, StoreError>;
    /// Applies `change` to an account atomically; [`StoreError::NotFound`] if absent.
    fn update_account(
        &self,
        user: &str,
        change: &(dyn Fn(&mut AccountRecord) + Sync),
    ) -> Result<(), StoreError>;

    fn put_session(&self, digest: &[u8; 32], session: &SessionRecord) -> Result<(), StoreError>;
    fn session(&self, digest: &[u8; 32]) -> Result<Option<SessionRecord>, StoreError>;
    fn delete_session(&self, digest: &[u8; 32]) -> Result<(), StoreError>;
    /// Ends every session of `user`; returns how many.
    fn delete_sessions_of(&self, user: &str) -> Result<usize, StoreError>;
    /// Removes sessions that expired before `now_ms`; returns how many.
    fn purge_sessions(&self, now_ms: i64) -> Result<usize, StoreError>;

    /// Inserts a document and adds it to its owner's usage, atomically, refusing with
    /// [`StoreError::QuotaExceeded`] if the vault would exceed its own quota (the
    /// account's, set by the operator) or else `quota`.
    fn insert_document(&self, doc: &DocumentRow, quota: &Quota) -> Result<(), StoreError>;
    fn document(&self, id: &str) -> Result<Option<DocumentRow>, StoreError>;
    fn documents_of(&self, owner: &str) -> Result<Vec<DocumentRow>, StoreError>;
    /// The ids of an owner's documents (from the owner index alone, no record read).
    fn document_ids_of(&self, owner: &str) -> Result<Vec<String>, StoreError>;
    /// Removes a document and subtracts it from its owner's usage, atomically.
    fn delete_document(&self, id: &str) -> Result<Option<DocumentRow>, StoreError>;
    /// Whether a document's record exists (for orphan collection, one blob at a
    /// time: never every id in memory at once).
    fn has_document(&self, id: &str) -> Result<bool, StoreError>;

    /// Every account (operator views; counts).
    fn accounts(&self) -> Result<Vec<AccountRecord>, StoreError>;

    fn put_enrolment(&self, digest: &[u8; 32], e: &EnrolmentRecord) -> Result<(), StoreError>;
    /// Removes and returns an enrolment: a code works once.
    fn take_enrolment(&self, digest: &[u8; 32]) -> Result<Option<EnrolmentRecord>, StoreError>;
    fn enrolments(&self) -> Result<Vec<EnrolmentRecord>, StoreError>;

    fn put_invitation(&self, digest: &[u8; 32], i: &InvitationRecord) -> Result<(), StoreError>;
    /// Removes and returns an invitation: a code works once.
    fn take_invitation(&self, digest: &[u8; 32]) -> Result<Option<InvitationRecord>, StoreError>;
    /// Every invitation not taken yet, with its digest.
    fn invitations(&self) -> Result<Vec<([u8; 32], InvitationRecord)>, StoreError>;
    /// Removes enrolment and invitation codes that expired before `now_ms` (a code
    /// nobody used must not keep a name, or a user name, for ever); returns how many.
    fn purge_expired_codes(&self, now_ms: i64) -> Result<usize, StoreError>;

    /// Stores a new grant; [`StoreError::Conflict`] if its id exists.
    fn insert_grant(&self, grant: &GrantRecord) -> Result<(), StoreError>;
    fn grant(&self, id: &str) -> Result<Option<GrantRecord>, StoreError>;
    /// Grants given by a citizen, or to a mediator.
    fn grants_of(&self, user: &str) -> Result<Vec<GrantRecord>, StoreError>;
    /// Every grant still holding envelopes (for the expiry sweeper).
    fn grants_with_envelopes(&self) -> Result<Vec<GrantRecord>, StoreError>;
    /// Applies `change` to a grant atomically.
    fn update_grant(
        &self,
        id: &str,
        change: &(dyn Fn(&mut GrantRecord) + Sync),
    ) -> Result<(), StoreError>;

    fn insert_request(&self, request: &RequestRecord) -> Result<(), StoreError>;
    fn request(&self, id: &str) -> Result<Option<RequestRecord>, StoreError>;
    /// Requests addressed to a citizen, or sent by a mediator.
    fn requests_of(&self, user: &str) -> Result<Vec<RequestRecord>, StoreError>;
    fn update_request(
        &self,
        id: &str,
        change: &(dyn Fn(&mut RequestRecord) + Sync),
    ) -> Result<(), StoreError>;

    /// Number of leaves in the journal.
    fn journal_size(&self) -> Result<u64, StoreError>;
    fn journal_node(&self, level: u32, index: u64) -> Result<Option<[u8; 32]>, StoreError>;
    fn journal_head(&self, subject: &[u8; 32]) -> Result<Option<SubjectHead>, StoreError>;
    /// Appends entries atomically, in order ([`StoreError::Conflict`] unless their
    /// indices run on from the current size). Not durable until
    /// [`MetadataStore::flush`] returns.
    fn journal_append(&self, appends: &[JournalAppend]) -> Result<(), StoreError>;
    fn journal_entry(&self, index: u64) -> Result<Option<JournalRecord>, StoreError>;
    /// Leaf indices of a subject's entries, in sequence order.
    fn journal_entries_of(&self, subject: &[u8; 32]) -> Result<Vec<u64>, StoreError>;
    fn journal_checkpoint(&self) -> Result<Option<String>, StoreError>;
    fn put_journal_checkpoint(&self, note: &str) -> Result<(), StoreError>;

    /// Erases the details of a subject's entries (the leaves, and so the tree, stay).
    fn journal_forget_details(&self, subject: &[u8; 32]) -> Result<usize, StoreError>;

    /// Removes an account, its sessions, and the grants and requests it gave or
    /// received as a citizen. Its documents must be deleted first.
    fn delete_account(&self, user: &str) -> Result<(), StoreError>;

    /// Makes every write so far durable (shared by concurrent callers).
    fn flush(&self) -> Result<(), StoreError>;

    /// Writes every record to `out` as one consistent snapshot (writes wait
    /// meanwhile); returns how many records. What a backup holds of the metadata.
    fn export(&self, out: &mut dyn std::io::Write) -> Result<u64, StoreError>;

    /// The signed notices of the restores this store went through, oldest first.
    fn restore_notices(&self) -> Result<Vec<String>, StoreError>;
    /// Records a restore's signed notice, durably.
    fn add_restore_notice(&self, note: &str) -> Result<(), StoreError>;

    /// Makes the journal appends so far durable: where the store keeps a log of its
    /// own for them, one `fdatasync` of it, cheaper than [`MetadataStore::flush`].
    fn journal_sync(&self) -> Result<(), StoreError> {
        self.flush()
    }

    /// Makes everything durable in the store's own files and empties its journal
    /// log, if it keeps one. The caller keeps journal appends out meanwhile (it holds
    /// the journal writer's lock).
    fn journal_settle(&self) -> Result<(), StoreError> {
        self.flush()
    }

    /// Bytes in the journal log since it was last emptied.
    fn journal_log_bytes(&self) -> u64 {
        0
    }

    /// Writes a small value durably: whether the store can take writes now
    /// ([`StoreError::Stuck`] if not, although its file system can).
    fn probe(&self) -> Result<(), StoreError>;
}
