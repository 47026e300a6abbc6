//! Wire types shared by the server and the client: every JSON body that crosses the
//! network, and the stable error codes. Binary values travel as standard base64.
//!
//! Nothing here is plaintext of a document except [`DocumentMeta`], which only the
//! client ever builds or reads (it travels sealed, as [`SealedMeta`] bytes).

mod b64;
pub mod backup;
mod consent;
mod error;
mod ids;
mod names;

pub use b64::Bytes;
pub use consent::*;
pub use error::{ErrorBody, ErrorCode, ErrorDetail};
pub use ids::{DocumentId, GrantId, InvalidId, RequestId, UploadId, ID_LEN, SHORT_LEN};
pub use names::{valid_user_name, InvalidUserName, UserName};

use serde::{Deserialize, Serialize};

/// Path prefix of every versioned endpoint.
pub const API_PREFIX: &str = "/v1";

/// Argon2id parameters of a citizen's client-side key derivation.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize, utoipa::ToSchema)]
pub struct KdfParams {
    /// Memory cost in KiB.
    pub m_kib: u32,
    /// Iterations.
    pub t: u32,
    /// Parallelism.
    pub p: u32,
}

impl KdfParams {
    /// RFC 9106 second recommendation, as `design/crypto.md` says.
    pub const DEFAULT: KdfParams = KdfParams {
        m_kib: 64 * 1024,
        t: 3,
        p: 1,
    };
    /// The weakest parameters a server accepts at registration or passphrase change.
    pub const MINIMUM: KdfParams = KdfParams {
        m_kib: 64 * 1024,
        t: 3,
        p: 1,
    };
    /// The strongest parameters a server accepts (bounds a client's memory use).
    pub const MAXIMUM_M_KIB: u32 = 1024 * 1024;

    /// Whether these parameters are at least the minimum and at most the maximum.
    pub fn acceptable(&self) -> bool {
        self.m_kib >= Self::MINIMUM.m_kib
            && self.m_kib <= Self::MAXIMUM_M_KIB
            && self.t >= Self::MINIMUM.t
            && self.t <= 16
            && (1..=8).contains(&self.p)
    }
}

/// An account's role.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize, utoipa::ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum Role {
    Citizen,
    Mediator,
}

/// Characters that change how text is shown rather than being shown: controls (C0,
/// DEL, C1: terminal escape sequences), bidirectional overrides and isolates, and
/// zero-width characters. Clients print them as visible escapes; the server refuses
/// them in the names and texts it stores in clear.
pub fn hidden_char(c: char) -> bool {
    c.is_control()
        || matches!(c,
            '\u{061c}' | '\u{180e}' | '\u{200b}'..='\u{200f}' | '\u{202a}'..='\u{202e}'
            | '\u{2060}'..='\u{2064}' | '\u{2066}'..='\u{2069}' | '\u{feff}')
}

/// Text fit to be stored and shown as is: no [`hidden_char`], except line breaks
/// where `lines` allows them.
pub fn plain_text(s: &str, lines: bool) -> bool {
    s.chars().all(|c| !hidden_char(c) || (lines && c == '\n'))
}

/// The public half of an account's keys.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize, utoipa::ToSchema)]
pub struct PublicKeys {
    /// age X25519 recipient (`age1…`).
    pub age_recipient: String,
    /// Ed25519 verifying key.
    pub signing_key: Bytes,
    /// Ed25519 signature by `signing_key` over the age recipient (proof that the
    /// account holds both): see [`crate::crypto::safety`].
    pub binding: Bytes,
}

/// The account's identity, wrapped under the KEK with XChaCha20-Poly1305.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize, utoipa::ToSchema)]
pub struct WrappedIdentity {
    pub nonce: Bytes,
    pub ciphertext: Bytes,
}

/// What the server stores to let a passphrase unlock an account.
#[derive(Clone, Debug, Serialize, Deserialize, utoipa::ToSchema)]
pub struct PassphraseCredentials {
    pub salt: Bytes,
    pub kdf: KdfParams,
    /// HKDF(root, "coffre/auth/v1"); the server keeps only an Argon2id hash of it.
    pub auth_key: Bytes,
    pub wrapped_identity: WrappedIdentity,
}

/// What the server stores to let a recovery kit unlock an account.
#[derive(Clone, Debug, Serialize, Deserialize, utoipa::ToSchema)]
pub struct RecoveryCredentials {
    /// age recipient of the recovery identity printed in the kit.
    pub recipient: String,
    /// The identity bundle, age-encrypted to `recipient`.
    pub envelope: Bytes,
    /// HKDF(recovery secret, "coffre/recovery-auth/v1"); the server keeps a hash.
    pub auth_key: Bytes,
}

#[derive(Clone, Debug, Serialize, Deserialize, utoipa::ToSchema)]
pub struct RegisterRequest {
    pub user: String,
    pub keys: PublicKeys,
    pub passphrase: PassphraseCredentials,
    pub recovery: RecoveryCredentials,
    /// An invitation code (required when the deployment opens vaults by invitation).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub invitation: Option<String>,
}

#[derive(Clone, Debug, Serialize, Deserialize, utoipa::ToSchema)]
pub struct PreloginRequest {
    pub user: String,
}

#[derive(Clone, Debug, Serialize, Deserialize, utoipa::ToSchema)]
pub struct PreloginResponse {
    pub salt: Bytes,
    pub kdf: KdfParams,
}

#[derive(Clone, Debug, Serialize, Deserialize, utoipa::ToSchema)]
pub struct LoginRequest {
    pub user: String,
    pub auth_key: Bytes,
}

/// Answer to a successful login or registration. Its `Debug` leaves out the token.
#[derive(Clone, Serialize, Deserialize, utoipa::ToSchema)]
pub struct SessionResponse {
    pub user: String,
    pub role: Role,
    /// Bearer token; the server keeps only its hash.
    pub token: String,
    /// Milliseconds since the Unix epoch.
    pub expires_ms: i64,
    pub keys: PublicKeys,
    pub wrapped_identity: WrappedIdentity,
    pub kdf: KdfParams,
    /// The key the device seals its session file with (the server forgets it at
    /// logout or expiry).
    pub session_key: Bytes,
}

impl std::fmt::Debug for SessionResponse {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("SessionResponse")
            .field("user", &self.user)
            .field("role", &self.role)
            .field("token", &"[redacted]")
            .field("expires_ms", &self.expires_ms)
            .field("session_key", &self.session_key)
            .finish_non_exhaustive()
    }
}

/// The session's sealing key, fetched by the device at each command.
#[derive(Clone, Serialize, Deserialize, utoipa::ToSchema)]
pub struct SessionKeyResponse {
    pub session_key: Bytes,
}

#[derive(Clone, Debug, Serialize, Deserialize, utoipa::ToSchema)]
pub struct AccountResponse {
    pub user: String,
    pub role: Role,
    pub keys: PublicKeys,
    pub usage: Usage,
    pub quota: Quota,
}

/// What a vault holds.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Serialize, Deserialize, utoipa::ToSchema)]
pub struct Usage {
    pub bytes: u64,
    pub documents: u64,
}

/// The operator sets a vault's quota: each part left out keeps the deployment's;
/// both left out give the vault the deployment's quota again.
#[derive(Clone, Debug, Default, Serialize, Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct SetQuotaRequest {
    #[serde(default)]
    pub bytes: Option<u64>,
    #[serde(default)]
    pub documents: Option<u64>,
}

/// What a vault may hold.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize, utoipa::ToSchema)]
pub struct Quota {
    pub bytes: u64,
    pub documents: u64,
    pub max_document_bytes: u64,
}

#[derive(Clone, Debug, Serialize, Deserialize, utoipa::ToSchema)]
pub struct ChangePassphraseRequest {
    /// Proof of the current passphrase.
    pub current_auth_key: Bytes,
    pub passphrase: PassphraseCredentials,
}

#[derive(Clone, Debug, Serialize, Deserialize, utoipa::ToSchema)]
pub struct RecoveryEnvelopeRequest {
    pub user: String,
    pub recovery_auth_key: Bytes,
}

#[derive(Clone, Debug, Serialize, Deserialize, utoipa::ToSchema)]
pub struct RecoveryEnvelopeResponse {
    pub envelope: Bytes,
    pub keys: PublicKeys,
}

#[derive(Clone, Debug, Serialize, Deserialize, utoipa::ToSchema)]
pub struct RecoverRequest {
    pub user: String,
    pub recovery_auth_key: Bytes,
    pub passphrase: PassphraseCredentials,
    /// A fresh kit replaces the one just used.
    pub recovery: RecoveryCredentials,
}

/// Answer to a finished upload: the staged ciphertext, not yet a document.
#[derive(Clone, Debug, Serialize, Deserialize, utoipa::ToSchema)]
pub struct UploadResponse {
    pub upload: UploadId,
    pub size: u64,
    /// The id the document will have once committed (so the owner can sign it).
    pub document: DocumentId,
    /// SHA-256 of the staged ciphertext as the server received it, hex.
    pub payload_sha256: String,
}

/// Turns a staged upload into a visible document.
#[derive(Clone, Debug, Serialize, Deserialize, utoipa::ToSchema)]
pub struct CommitRequest {
    pub upload: UploadId,
    /// [`DocumentMeta`] as JSON, age-encrypted to the document key.
    pub meta: Bytes,
    /// The document key's secret, age-encrypted to the owner's recipient.
    pub owner_envelope: Bytes,
    /// The owner's Ed25519 signature of the document's [`DocumentSeal`].
    pub signature: Bytes,
}

/// What the owner's key signs about a document at upload: which bytes it is, whose,
/// and on which deployment. A mediator's client (and the owner's) checks it, so a
/// server cannot show anyone a document the citizen did not deposit.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct DocumentSeal<'a> {
    pub origin: &'a str,
    pub id: &'a str,
    pub owner: &'a str,
    /// Ciphertext bytes.
    pub size: u64,
    /// SHA-256, hex, of the age payload, the sealed metadata and the owner envelope.
    pub payload_sha256: &'a str,
    pub meta_sha256: &'a str,
    pub envelope_sha256: &'a str,
}

impl DocumentSeal<'_> {
    /// The exact bytes that are signed: one `name:value` line per field, fixed order.
    pub fn canonical(&self) -> Vec<u8> {
        format!(
            "coffre-document-v1\norigin:{}\nid:{}\nowner:{}\nsize:{}\npayload:{}\nmeta:{}\nenvelope:{}\n",
            self.origin,
            self.id,
            self.owner,
            self.size,
            self.payload_sha256,
            self.meta_sha256,
            self.envelope_sha256,
        )
        .into_bytes()
    }
}

#[derive(Clone, Debug, Serialize, Deserialize, utoipa::ToSchema)]
pub struct CommitResponse {
    pub id: DocumentId,
}

/// A document as the server knows it: ids, sizes, times and sealed bytes.
#[derive(Clone, Debug, Serialize, Deserialize, utoipa::ToSchema)]
pub struct DocumentRecord {
    pub id: DocumentId,
    /// Ciphertext size in bytes.
    pub size: u64,
    pub added_ms: i64,
    pub meta: Bytes,
    /// The document key sealed to the caller: the owner envelope for the owner, the
    /// grant's envelope for a mediator.
    pub envelope: Bytes,
    pub owner: String,
    /// SHA-256 of the payload and of the owner envelope, hex, as signed.
    pub payload_sha256: String,
    pub envelope_sha256: String,
    /// The owner's signature of the [`DocumentSeal`] (empty for a document stored
    /// before documents were signed: clients refuse it).
    pub signature: Bytes,
    /// For a mediator, the grant that lets her see it.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub grant: Option<GrantId>,
}

/// The plaintext inside a document's sealed metadata; built and read by clients only.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize, utoipa::ToSchema)]
pub struct DocumentMeta {
    pub title: String,
    pub category: Category,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub issued: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub expires: Option<String>,
    pub mime: String,
    /// Plaintext size in bytes.
    pub size: u64,
    /// SHA-256 of the plaintext, lowercase hex.
    pub sha256: String,
}

/// Typed paper categories.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize, utoipa::ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum Category {
    Identity,
    Housing,
    Income,
    Tax,
    Family,
    Health,
    Work,
    Transport,
    Justice,
    Other,
}

impl Category {
    pub const ALL: [Category; 10] = [
        Category::Identity,
        Category::Housing,
        Category::Income,
        Category::Tax,
        Category::Family,
        Category::Health,
        Category::Work,
        Category::Transport,
        Category::Justice,
        Category::Other,
    ];

    pub fn as_str(self) -> &'static str {
        match self {
            Category::Identity => "identity",
            Category::Housing => "housing",
            Category::Income => "income",
            Category::Tax => "tax",
            Category::Family => "family",
            Category::Health => "health",
            Category::Work => "work",
            Category::Transport => "transport",
            Category::Justice => "justice",
            Category::Other => "other",
        }
    }

    pub fn parse(s: &str) -> Option<Category> {
        Self::ALL.into_iter().find(|c| c.as_str() == s)
    }
}

/// Answer of the health endpoint.
#[derive(Clone, Debug, Serialize, Deserialize, utoipa::ToSchema)]
pub struct Health {
    pub status: String,
    pub version: String,
}

/// The journal's verifier key, as clients pin it.
/// The signed restore notices of a deployment (see `journal::notice`).
#[derive(Clone, Debug, Default, Serialize, Deserialize, utoipa::ToSchema)]
pub struct RestoreNotices {
    pub notices: Vec<String>,
}

/// A citizen accepting a change of journal (a new log key, or a restore from a
/// backup) after her client showed her what changed; recorded in her chain.
#[derive(Clone, Debug, Serialize, Deserialize, utoipa::ToSchema)]
pub struct TrustChangeRequest {
    /// The verifier key her device had pinned.
    pub previous_key: String,
    /// The last checkpoint her device had verified (a signed note).
    pub previous_checkpoint: String,
    /// The verifier key she accepts.
    pub key: String,
    /// How many entries her device had verified that the journal no longer holds.
    pub missing: u64,
}

#[derive(Clone, Debug, Serialize, Deserialize, utoipa::ToSchema)]
pub struct JournalKeyInfo {
    pub origin: String,
    pub vkey: String,
}

/// The latest signed checkpoint (a C2SP signed note).
#[derive(Clone, Debug, Serialize, Deserialize, utoipa::ToSchema)]
pub struct CheckpointResponse {
    pub checkpoint: String,
}

/// A consistency proof between two tree sizes.
#[derive(Clone, Debug, Serialize, Deserialize, utoipa::ToSchema)]
pub struct ConsistencyResponse {
    pub proof: Vec<Bytes>,
}

/// One of the caller's entries, with its inclusion proof.
#[derive(Clone, Debug, Serialize, Deserialize, utoipa::ToSchema)]
pub struct ProvedEntry {
    pub index: u64,
    pub leaf: Bytes,
    pub details: Bytes,
    pub proof: Vec<Bytes>,
}

/// The caller's entries against a tree size.
#[derive(Clone, Debug, Serialize, Deserialize, utoipa::ToSchema)]
pub struct JournalPage {
    pub size: u64,
    pub entries: Vec<ProvedEntry>,
    /// Where the next page starts (a sequence number), when there is more.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub next: Option<u64>,
}

/// An inclusion proof for one leaf, public, for monitors and witnesses.
#[derive(Clone, Debug, Serialize, Deserialize, utoipa::ToSchema)]
pub struct InclusionResponse {
    pub index: u64,
    pub size: u64,
    pub leaf_hash: Bytes,
    pub proof: Vec<Bytes>,
}

/// Most entries in one journal page.
pub const MAX_JOURNAL_PAGE: u64 = 256;

/// What the full audit found.
#[derive(Clone, Debug, Serialize, Deserialize, utoipa::ToSchema)]
pub struct AuditReport {
    pub size: u64,
    pub subjects: u64,
    pub ok: bool,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub violation: Option<String>,
}

/// Proof of the passphrase for an irreversible action (deleting the account).
#[derive(Clone, Debug, Serialize, Deserialize, utoipa::ToSchema)]
pub struct ConfirmRequest {
    pub auth_key: Bytes,
}

/// What an account deletion removed.
#[derive(Clone, Debug, Serialize, Deserialize, utoipa::ToSchema)]
pub struct DeletionReport {
    pub documents: u64,
    pub grants_ended: u64,
}
