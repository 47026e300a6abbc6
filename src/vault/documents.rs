//! Documents: streamed upload to staging, commit into the vault, listing, streamed
//! download, deletion, and collection of orphans left by crashes.

use std::time::{Duration, SystemTime};

use bytes::Bytes as Chunk;
use futures_util::{Stream, StreamExt};

use crate::journal::details::{Details, Part, Refusal};

use super::access::{authorize, Action, Caller, Decision, Denial, Document, Principal};
use super::journal::{Entry, Receipt};
use super::{Staged, Vault, VaultError};
use crate::api::Bytes;
use crate::api::{
    CommitRequest, CommitResponse, DocumentId, DocumentRecord, DocumentSeal, GrantId, Role,
    UploadId, UploadResponse,
};
use crate::crypto::server::{verify_signature, AGE_MAGIC};
use crate::crypto::{hex, sha256, Sha256Stream};
use crate::journal::leaf::{Action as JAction, ActorKind, Phase};
use crate::storage::{BlobPart, BlobReader, DocumentRow};

/// A payload on its way out, and the outcome to record once it has left.
pub struct Served {
    pub reader: Box<dyn tokio::io::AsyncRead + Send + Unpin>,
    pub len: u64,
    pub delivery: Delivery,
}

/// The outcome entry of a download, recorded when the stream ends
/// ([`Vault::deliver`]).
pub struct Delivery {
    subject: String,
    action: JAction,
    kind: ActorKind,
    actor: String,
    object: String,
    request: [u8; 16],
    details: Details,
}

/// Uploads one account may have pending at once (staged, or still arriving).
const MAX_PENDING_UPLOADS: usize = 4;

/// An upload arriving, counted until it is staged or abandoned.
struct PendingUpload<'a> {
    vault: &'a Vault,
    owner: String,
}

impl Drop for PendingUpload<'_> {
    fn drop(&mut self) {
        let mut arriving = self
            .vault
            .arriving
            .lock()
            .unwrap_or_else(|p| p.into_inner());
        if let Some(n) = arriving.get_mut(&self.owner) {
            *n = n.saturating_sub(1);
            if *n == 0 {
                arriving.remove(&self.owner);
            }
        }
    }
}

/// Largest sealed metadata or envelope accepted.
const MAX_SEALED_BYTES: usize = 64 * 1024;
/// After a limit is hit, how much more of the body is read (and dropped) so the
/// client can read the refusal; past this the connection is simply closed.
const MAX_DRAIN_BYTES: u64 = 256 * 1024 * 1024;

/// A listing's entity tag: a digest of the owner's name and her document ids, in
/// the index's order, quoted as HTTP wants it.
fn listing_tag(owner: &str, ids: &[String]) -> String {
    let mut h = Sha256Stream::default();
    h.update(owner.as_bytes());
    for id in ids {
        h.update(b"\n");
        h.update(id.as_bytes());
    }
    format!("\"{}\"", &h.finish_hex()[..32])
}

/// What [`Vault::listing`] answers.
pub enum Listing {
    /// The client's copy is current.
    Current { tag: String },
    /// The records as JSON, with their tag.
    Full { tag: String, body: Chunk },
    /// The records as JSON, changed while they were read: no tag to keep.
    Untagged { body: Chunk },
}

/// Bytes of listing JSON kept in memory, all vaults together.
pub const LISTING_CACHE_BYTES: usize = 16 * 1024 * 1024;

/// The JSON of recent listings, by owner, with its tag; the least recently used
/// go first when the total passes [`LISTING_CACHE_BYTES`].
#[derive(Default)]
pub(super) struct ListingCache {
    inner: std::sync::Mutex<ListingCacheInner>,
}

#[derive(Default)]
struct ListingCacheInner {
    entries: std::collections::HashMap<String, (String, Chunk, u64)>,
    bytes: usize,
    tick: u64,
}

impl ListingCache {
    fn get(&self, owner: &str, tag: &str) -> Option<Chunk> {
        let mut inner = self.inner.lock().unwrap_or_else(|p| p.into_inner());
        inner.tick += 1;
        let tick = inner.tick;
        match inner.entries.get_mut(owner) {
            Some((t, body, used)) if t == tag => {
                *used = tick;
                Some(body.clone())
            }
            _ => None,
        }
    }

    fn put(&self, owner: &str, tag: &str, body: Chunk) {
        if body.len() > LISTING_CACHE_BYTES / 4 {
            return;
        }
        let mut inner = self.inner.lock().unwrap_or_else(|p| p.into_inner());
        inner.tick += 1;
        let tick = inner.tick;
        let size = body.len();
        if let Some((_, old, _)) = inner
            .entries
            .insert(owner.to_owned(), (tag.to_owned(), body, tick))
        {
            inner.bytes -= old.len();
        }
        inner.bytes += size;
        while inner.bytes > LISTING_CACHE_BYTES {
            let Some(oldest) = inner
                .entries
                .iter()
                .min_by_key(|(_, (_, _, used))| *used)
                .map(|(k, _)| k.clone())
            else {
                break;
            };
            if let Some((_, gone, _)) = inner.entries.remove(&oldest) {
                inner.bytes -= gone.len();
            }
        }
    }

    /// Forgets an owner's listing (her account is going).
    pub(super) fn forget(&self, owner: &str) {
        let mut inner = self.inner.lock().unwrap_or_else(|p| p.into_inner());
        if let Some((_, gone, _)) = inner.entries.remove(owner) {
            inner.bytes -= gone.len();
        }
    }
}

fn row_to_record(row: DocumentRow) -> DocumentRecord {
    DocumentRecord {
        envelope_sha256: hex(&sha256(row.owner_envelope.as_slice())),
        id: row.id,
        size: row.size,
        added_ms: row.added_ms,
        meta: row.meta,
        envelope: row.owner_envelope,
        owner: row.owner,
        payload_sha256: row.payload_sha256,
        signature: row.signature,
        grant: None,
    }
}

/// A document the caller may read, with the envelope it would receive.
pub(super) struct Access {
    pub row: DocumentRow,
    envelope: Bytes,
    /// The grant that allows it, for a mediator.
    pub grant: Option<GrantId>,
}

impl Access {
    /// The owner's own record (her envelope, to herself: nothing is released).
    fn owner_record(self) -> DocumentRecord {
        DocumentRecord {
            envelope: self.envelope,
            ..row_to_record(self.row)
        }
    }

    /// Releases a mediator's envelope; needs the journal's receipt.
    fn release(self, _: &Receipt) -> DocumentRecord {
        let grant = self.grant.clone();
        DocumentRecord {
            grant,
            ..self.owner_record()
        }
    }
}

/// The journal entry of an access by `who` to `access`'s document.
fn access_entry<'a>(
    who: &'a Principal,
    access: &'a Access,
    action: JAction,
    phase: Phase,
    details: Details,
) -> Entry<'a> {
    let kind = match who.role {
        Role::Citizen => ActorKind::Citizen,
        Role::Mediator => ActorKind::Mediator,
    };
    Entry::new(&access.row.owner, action, phase)
        .by(kind, Some(&who.user))
        .on(&access.row.id)
        .with(details)
}

/// The error a mediator (or anyone) sees for a refusal.
pub(super) fn denial_error(denial: Denial) -> VaultError {
    match denial {
        Denial::Unauthenticated => VaultError::Unauthenticated,
        Denial::Disabled => VaultError::AccountDisabled,
        Denial::NotFound => VaultError::DocumentNotFound,
        Denial::GrantExpired { at_ms } => VaultError::GrantExpired { at_ms },
        Denial::GrantRevoked { at_ms } => VaultError::GrantRevoked { at_ms },
        Denial::GrantNotYetValid { from_ms } => VaultError::GrantNotYetValid { from_ms },
    }
}

fn check_id(id: &str) -> Result<(), VaultError> {
    let ok = id.len() == 32
        && id
            .bytes()
            .all(|b| b.is_ascii_hexdigit() && !b.is_ascii_uppercase());
    ok.then_some(()).ok_or(VaultError::DocumentNotFound)
}

impl Vault {
    /// Streams an upload into staging. Nothing is visible until [`Vault::commit`].
    pub async fn upload<S, E>(
        &self,
        who: &Principal,
        mut body: S,
    ) -> Result<UploadResponse, VaultError>
    where
        S: Stream<Item = Result<Chunk, E>> + Unpin + Send,
        E: std::fmt::Display,
    {
        who.require(Role::Citizen)?;
        let account = self.account(who).await?;
        let quota = account.quota;
        if account.usage.documents >= quota.documents {
            // Read (and drop) the body, so the client can read the refusal.
            self.drain(&mut body, 0).await;
            return Err(VaultError::QuotaExceeded);
        }
        // Staged uploads count against the quota, and only a few may be pending
        // (staged or arriving) at once.
        let Some(_pending) = self.begin_upload(&who.user) else {
            self.drain(&mut body, 0).await;
            return Err(VaultError::QuotaExceeded);
        };
        let staged_bytes = self.staged_bytes(&who.user);
        let room = quota
            .bytes
            .saturating_sub(account.usage.bytes)
            .saturating_sub(staged_bytes);
        let max = self.limits.max_document_bytes.min(room);
        let upload = UploadId::generate();
        let result = self.receive(&upload, body, max).await;
        match result {
            Ok((size, payload_sha256)) => {
                let document = DocumentId::generate();
                let entry = Staged {
                    owner: who.user.to_string(),
                    size,
                    document: document.clone(),
                    payload_sha256: payload_sha256.clone(),
                };
                if !self.stage_within(&upload, entry, account.usage.bytes, quota.bytes) {
                    // Others of hers finished first: no room left for this one.
                    self.blobs.discard(&upload).await.ok();
                    return Err(VaultError::QuotaExceeded);
                }
                Ok(UploadResponse {
                    upload,
                    size,
                    document,
                    payload_sha256,
                })
            }
            Err(e) => {
                self.blobs.discard(&upload).await.ok();
                Err(match e {
                    VaultError::DocumentTooLarge { .. }
                        if room < self.limits.max_document_bytes =>
                    {
                        VaultError::QuotaExceeded
                    }
                    other => other,
                })
            }
        }
    }

    /// Records a staged upload if her stored and staged bytes stay within `quota`.
    fn stage_within(&self, upload: &str, entry: Staged, used: u64, quota: u64) -> bool {
        let mut staged = self.staged.lock().unwrap_or_else(|p| p.into_inner());
        let now_staged: u64 = staged
            .values()
            .filter(|s| s.owner == entry.owner)
            .map(|s| s.size)
            .sum();
        if used + now_staged + entry.size > quota {
            return false;
        }
        staged.insert(upload.to_owned(), entry);
        true
    }

    /// Writes the body to a staged blob, enforcing the age magic, the size limit and
    /// the idle timeout. Returns its size and SHA-256 (hex).
    async fn receive<S, E>(
        &self,
        upload: &str,
        mut body: S,
        max: u64,
    ) -> Result<(u64, String), VaultError>
    where
        S: Stream<Item = Result<Chunk, E>> + Unpin + Send,
        E: std::fmt::Display,
    {
        let mut staged = self.blobs.stage(upload).await?;
        let mut head: Vec<u8> = Vec::with_capacity(AGE_MAGIC.len());
        let mut total = 0u64;
        let mut hash = Sha256Stream::default();
        while let Some(chunk) = self.next_chunk(&mut body).await? {
            total += chunk.len() as u64;
            if total > max {
                drop(staged);
                self.drain(&mut body, total).await;
                return Err(VaultError::DocumentTooLarge {
                    max_bytes: self.limits.max_document_bytes,
                });
            }
            if head.len() < AGE_MAGIC.len() {
                let take = (AGE_MAGIC.len() - head.len()).min(chunk.len());
                head.extend_from_slice(&chunk[..take]);
                if !AGE_MAGIC.starts_with(&head) {
                    drop(staged);
                    self.drain(&mut body, total).await;
                    return Err(VaultError::NotAgeFile);
                }
            }
            hash.update(&chunk);
            if let Err(e) = staged.write(&chunk).await {
                // A full disk: the rest of the body is read and dropped, so that
                // the client reads the refusal rather than a broken connection.
                drop(staged);
                self.note_io_error(&e);
                self.drain(&mut body, total).await;
                return Err(e.into());
            }
        }
        if head.len() < AGE_MAGIC.len() {
            return Err(VaultError::NotAgeFile);
        }
        let size = staged
            .finish()
            .await
            .inspect_err(|e| self.note_io_error(e))?;
        Ok((size, hash.finish_hex()))
    }

    async fn next_chunk<S, E>(&self, body: &mut S) -> Result<Option<Chunk>, VaultError>
    where
        S: Stream<Item = Result<Chunk, E>> + Unpin + Send,
        E: std::fmt::Display,
    {
        match tokio::time::timeout(self.limits.body_idle, body.next()).await {
            Err(_) => Err(VaultError::UploadIncomplete("client too slow".into())),
            Ok(None) => Ok(None),
            Ok(Some(Err(e))) => Err(VaultError::UploadIncomplete(e.to_string())),
            Ok(Some(Ok(chunk))) => Ok(Some(chunk)),
        }
    }

    /// Reads and drops the rest of a refused body, so the refusal can be read.
    async fn drain<S, E>(&self, body: &mut S, mut seen: u64)
    where
        S: Stream<Item = Result<Chunk, E>> + Unpin + Send,
        E: std::fmt::Display,
    {
        let limit = seen + MAX_DRAIN_BYTES;
        while let Ok(Some(chunk)) = self.next_chunk(body).await {
            seen += chunk.len() as u64;
            if seen > limit {
                break;
            }
        }
    }

    /// Makes a staged upload a document of the uploader's vault.
    pub async fn commit(
        &self,
        who: &Principal,
        req: CommitRequest,
    ) -> Result<CommitResponse, VaultError> {
        who.require(Role::Citizen)?;
        for sealed in [&req.meta, &req.owner_envelope] {
            if sealed.len() > MAX_SEALED_BYTES || !sealed.as_slice().starts_with(AGE_MAGIC) {
                return Err(VaultError::NotAgeFile);
            }
        }
        let account = self.account(who).await?;
        let staged = self.take_staged(who, &req.upload)?;
        let (size, id) = (staged.size, staged.document.clone());
        let seal = DocumentSeal {
            origin: &self.journal_keys().origin,
            id: &id,
            owner: &who.user,
            size,
            payload_sha256: &staged.payload_sha256,
            meta_sha256: &hex(&sha256(req.meta.as_slice())),
            envelope_sha256: &hex(&sha256(req.owner_envelope.as_slice())),
        };
        let signed = verify_signature(
            account.keys.signing_key.as_slice(),
            &seal.canonical(),
            req.signature.as_slice(),
        );
        if !signed {
            self.blobs.discard(&req.upload).await.ok();
            return Err(VaultError::InvalidSignature);
        }
        let parts = [
            (BlobPart::Meta, req.meta.as_slice()),
            (BlobPart::OwnerEnvelope, req.owner_envelope.as_slice()),
        ];
        if let Err(e) = self.blobs.publish(&req.upload, &id, &parts).await {
            self.note_io_error(&e);
            self.blobs.discard(&req.upload).await.ok();
            self.delete_blob(&id).await.ok();
            return Err(e.into());
        }
        let row = DocumentRow {
            id: id.clone(),
            owner: who.user.to_string(),
            size,
            added_ms: self.clock.now_ms(),
            meta: req.meta,
            owner_envelope: req.owner_envelope,
            payload_sha256: staged.payload_sha256,
            signature: req.signature,
        };
        let quota = self.limits.quota();
        let inserted = self
            .store_or(VaultError::Unauthenticated, move |m| {
                m.insert_document(&row, &quota)
            })
            .await;
        if let Err(e) = inserted {
            // A failed write may still have landed (the flush failed after it): the
            // blob goes only when the record certainly does not exist; otherwise
            // it stays (orphan collection decides later, against the store) and
            // the citizen is told the truth: it may have been saved.
            let key = id.clone();
            return match self.store(move |m| m.document(&key)).await {
                Ok(None) => {
                    self.delete_blob(&id).await.ok();
                    Err(e)
                }
                Ok(Some(_)) | Err(_) => Err(VaultError::WriteInDoubt(e.to_string())),
            };
        }
        let entry = Entry::new(&who.user, JAction::Upload, Phase::Done)
            .on(&id)
            .with(Details {
                document: Some(id.clone()),
                size: Some(size),
                ..Details::default()
            });
        self.record_after(entry).await;
        Ok(CommitResponse { id })
    }

    /// Bytes `owner` has staged and not committed.
    fn staged_bytes(&self, owner: &str) -> u64 {
        let staged = self.staged.lock().unwrap_or_else(|p| p.into_inner());
        staged
            .values()
            .filter(|s| s.owner == owner)
            .map(|s| s.size)
            .sum()
    }

    /// A place for one more pending upload of `owner` (staged or arriving), if she
    /// has fewer than [`MAX_PENDING_UPLOADS`].
    fn begin_upload(&self, owner: &str) -> Option<PendingUpload<'_>> {
        let staged = self
            .staged
            .lock()
            .unwrap_or_else(|p| p.into_inner())
            .values()
            .filter(|s| s.owner == owner)
            .count();
        let mut arriving = self.arriving.lock().unwrap_or_else(|p| p.into_inner());
        let n = arriving.entry(owner.to_owned()).or_insert(0);
        if staged + *n >= MAX_PENDING_UPLOADS {
            return None;
        }
        *n += 1;
        Some(PendingUpload {
            vault: self,
            owner: owner.to_owned(),
        })
    }

    fn take_staged(&self, who: &Principal, upload: &str) -> Result<Staged, VaultError> {
        let mut staged = self.staged.lock().unwrap_or_else(|p| p.into_inner());
        match staged.get(upload) {
            Some(s) if s.owner == who.user => {
                staged.remove(upload).ok_or(VaultError::UploadNotFound)
            }
            _ => Err(VaultError::UploadNotFound),
        }
    }

    pub async fn list(&self, who: &Principal) -> Result<Vec<DocumentRecord>, VaultError> {
        who.require(Role::Citizen)?;
        let owner = who.user.clone();
        let rows = self.store(move |m| m.documents_of(&owner)).await?;
        self.journal_listing(who, rows.len()).await;
        Ok(rows.into_iter().map(row_to_record).collect())
    }

    /// The citizen's listing as JSON ready to send, with its tag; only the tag when
    /// `known` (a client's `If-None-Match`) names it already. A document's record
    /// never changes once committed, so the list of her document ids decides the
    /// whole answer: reading it is a scan of one index, and the JSON built for a tag
    /// is kept (within [`LISTING_CACHE_BYTES`]) for the next client that needs it.
    pub async fn listing(&self, who: &Principal, known: &[&str]) -> Result<Listing, VaultError> {
        who.require(Role::Citizen)?;
        // One scan of her index (keys only), on this task.
        let ids = self.read_now(|m| m.document_ids_of(&who.user))?;
        let tag = listing_tag(&who.user, &ids);
        self.journal_listing(who, ids.len()).await;
        if known.contains(&tag.as_str()) {
            return Ok(Listing::Current { tag });
        }
        if let Some(body) = self.listings.get(&who.user, &tag) {
            return Ok(Listing::Full { tag, body });
        }
        let _permit = self.large_answer().await;
        let owner = who.user.clone();
        let rows = self.store(move |m| m.documents_of(&owner)).await?;
        let records: Vec<DocumentRecord> = rows.into_iter().map(row_to_record).collect();
        let body = Chunk::from(
            serde_json::to_vec(&records).map_err(|e| VaultError::Internal(e.to_string()))?,
        );
        // Built from rows read after the tag: if a document came or went between the
        // two reads, this body belongs to another tag, so it is sent untagged.
        let now: Vec<String> = records.iter().map(|r| r.id.to_string()).collect();
        let mut sorted = now.clone();
        sorted.sort();
        if listing_tag(&who.user, &sorted) != tag {
            return Ok(Listing::Untagged { body });
        }
        self.listings.put(&who.user, &tag, body.clone());
        Ok(Listing::Full { tag, body })
    }

    /// Her own listings, like a mediator's, are journaled at most once a minute:
    /// every command lists, and a journal of nothing but listings would hide what
    /// matters.
    async fn journal_listing(&self, who: &Principal, count: usize) {
        if self.may_journal(&format!("own-list/{}", who.user)) {
            let entry = Entry::new(&who.user, JAction::List, Phase::Done).with(Details {
                count: Some(count as u64),
                ..Details::default()
            });
            self.record_after(entry).await;
        }
    }

    /// A document's record with the caller's envelope, if `who` may read it. A
    /// mediator's fetch of an envelope is journaled first (fail-closed).
    pub async fn document(
        &self,
        who: &Principal,
        id: &DocumentId,
    ) -> Result<DocumentRecord, VaultError> {
        let access = self.readable(who, id, Action::ReadDocument).await?;
        if access.grant.is_none() {
            return Ok(access.owner_record());
        }
        let details = self.actor_details(who, &access, Part::Record).await?;
        let attempt = self
            .record(access_entry(
                who,
                &access,
                JAction::MediatorFetch,
                Phase::Attempt,
                details.clone(),
            ))
            .await?;
        let done = access_entry(who, &access, JAction::MediatorFetch, Phase::Done, details);
        self.record_after(done.outcome(&attempt)).await;
        Ok(access.release(&attempt))
    }

    /// The document and the caller's envelope of its key, if the access decision
    /// allows `action`. An ended grant met here has its envelopes destroyed at once,
    /// and a mediator's refusal is journaled in the citizen's chain.
    pub(super) async fn readable(
        &self,
        who: &Principal,
        id: &str,
        action: Action,
    ) -> Result<Access, VaultError> {
        check_id(id)?;
        let key = id.to_owned();
        let Some(row) = self.store(move |m| m.document(&key)).await? else {
            return Err(VaultError::DocumentNotFound);
        };
        let grants = match who.role {
            Role::Mediator => {
                let user = who.user.clone();
                self.store(move |m| m.grants_of(&user)).await?
            }
            Role::Citizen => Vec::new(),
        };
        let doc = Document {
            id: &row.id,
            owner: &row.owner,
        };
        let caller = Caller::Account(who.clone());
        match authorize(&caller, action, doc, &grants, self.clock.now_ms()) {
            Decision::Owner => Ok(Access {
                envelope: row.owner_envelope.clone(),
                row,
                grant: None,
            }),
            Decision::Grant(i) => {
                let envelope = grants[i]
                    .envelopes
                    .iter()
                    .find(|e| e.document == row.id)
                    .map(|e| e.envelope.clone())
                    .ok_or(VaultError::DocumentNotFound)?;
                Ok(Access {
                    row,
                    envelope,
                    grant: Some(grants[i].grant.id.clone()),
                })
            }
            Decision::Deny(denial) => {
                self.destroy_ended_envelopes(&grants).await?;
                let error = denial_error(denial);
                let journaled = !matches!(denial, Denial::NotFound | Denial::Unauthenticated)
                    && self.may_journal(&format!("denied/{}/{}", who.user, row.id));
                if journaled {
                    let reason = match denial {
                        Denial::GrantExpired { .. } => Refusal::GrantExpired,
                        Denial::GrantRevoked { .. } => Refusal::GrantRevoked,
                        Denial::GrantNotYetValid { .. } => Refusal::GrantNotYetValid,
                        _ => Refusal::Denied,
                    };
                    let profile = self.profile_of(&who.user).await?;
                    let entry = Entry::new(&row.owner, JAction::MediatorFetch, Phase::Denied)
                        .by(ActorKind::Mediator, Some(&who.user))
                        .on(&row.id)
                        .with(
                            Details {
                                document: Some(row.id.clone()),
                                reason: Some(reason),
                                ..Details::default()
                            }
                            .mediator_profile(&profile.name, &profile.structure),
                        );
                    self.record_after(entry).await;
                }
                Err(error)
            }
        }
    }

    /// The payload of a document, as a stream of ciphertext. The attempt is durable in
    /// the journal before the first byte leaves; if it cannot be written, nothing is
    /// served. The outcome ("downloaded", or "interrupted") is for whoever streams the
    /// bytes to record once they have all left, or not ([`Delivery`]).
    pub async fn content(&self, who: &Principal, id: &DocumentId) -> Result<Served, VaultError> {
        let access = self.readable(who, id, Action::ReadDocument).await?;
        let action = match access.grant {
            Some(_) => JAction::MediatorFetch,
            None => JAction::Download,
        };
        let details = self.actor_details(who, &access, Part::Content).await?;
        let attempt = self
            .record(access_entry(
                who,
                &access,
                action,
                Phase::Attempt,
                details.clone(),
            ))
            .await?;
        let kind = match who.role {
            Role::Citizen => ActorKind::Citizen,
            Role::Mediator => ActorKind::Mediator,
        };
        let delivery = Delivery {
            subject: access.row.owner.clone(),
            action,
            kind,
            actor: who.user.to_string(),
            object: access.row.id.to_string(),
            request: attempt.request(),
            details,
        };
        match self
            .serve_payload(&attempt, &access.row.id, BlobPart::Payload)
            .await
        {
            Ok(blob) => Ok(Served {
                reader: blob.reader,
                len: blob.len,
                delivery,
            }),
            Err(e) => {
                self.deliver(delivery, false).await;
                Err(e)
            }
        }
    }

    /// Records how a download ended: every byte sent (`done`), or not (`failed`).
    pub async fn deliver(&self, d: Delivery, complete: bool) {
        let phase = if complete { Phase::Done } else { Phase::Failed };
        let mut entry = Entry::new(&d.subject, d.action, phase)
            .by(d.kind, Some(&d.actor))
            .on(&d.object)
            .with(d.details.clone());
        entry.request = d.request;
        self.record_after(entry).await;
    }

    /// The only place a payload is opened: it needs a journal receipt.
    pub(super) async fn serve_payload(
        &self,
        _: &Receipt,
        doc: &str,
        part: BlobPart,
    ) -> Result<BlobReader, VaultError> {
        Ok(self.blobs.open(doc, part).await?)
    }

    /// Who acted, in the words the citizen's journal will show.
    async fn actor_details(
        &self,
        who: &Principal,
        access: &Access,
        part: Part,
    ) -> Result<Details, VaultError> {
        let mut details = Details {
            document: Some(access.row.id.clone()),
            part: Some(part),
            ..Details::default()
        };
        if let Some(grant) = &access.grant {
            let profile = self.profile_of(&who.user).await?;
            details = Details {
                grant: Some(grant.clone()),
                ..details
            }
            .mediator_profile(&profile.name, &profile.structure);
        }
        Ok(details)
    }

    /// Deletes a document: journaled, then its record, then its blobs and envelopes.
    pub async fn delete(&self, who: &Principal, id: &DocumentId) -> Result<(), VaultError> {
        let access = self.readable(who, id, Action::DeleteDocument).await?;
        let details = Details {
            document: Some(access.row.id.clone()),
            ..Details::default()
        };
        let attempt = self
            .record(access_entry(
                who,
                &access,
                JAction::Delete,
                Phase::Attempt,
                details.clone(),
            ))
            .await?;
        let row = access.row.clone();
        let key = row.id.clone();
        self.store(move |m| m.delete_document(&key)).await?;
        self.delete_blob(&row.id).await?;
        self.forget_in_grants(&row.owner, &row.id).await?;
        let done = access_entry(who, &access, JAction::Delete, Phase::Done, details);
        self.record_after(done.outcome(&attempt)).await;
        Ok(())
    }

    /// Removes blobs that no record points to and staged uploads nobody will commit,
    /// when older than `grace` (the background sweep's hour: a publish may be in
    /// flight). Also forgets expired sessions. Returns how many blobs were removed.
    pub async fn collect_orphans(&self, grace: Duration) -> Result<usize, VaultError> {
        let horizon = SystemTime::now()
            .checked_sub(grace)
            .unwrap_or(SystemTime::UNIX_EPOCH);
        let mut removed = self.collect_staged(grace).await?;
        for (doc, modified) in self.blobs.documents().await? {
            if modified > horizon {
                continue;
            }
            let id = doc.clone();
            if !self.store(move |m| m.has_document(&id)).await? {
                self.delete_blob(&doc).await?;
                removed += 1;
            }
        }
        Ok(removed)
    }

    /// Ends expired sessions and removes uploads staged before `grace` ago and
    /// never committed: what start-up collects (the staging area is small whatever
    /// the number of documents; published blobs without a record are left to the
    /// background sweep, so start-up never walks every document).
    pub async fn collect_staged(&self, grace: Duration) -> Result<usize, VaultError> {
        let horizon = SystemTime::now()
            .checked_sub(grace)
            .unwrap_or(SystemTime::UNIX_EPOCH);
        let now = self.clock.now_ms();
        self.store(move |m| m.purge_sessions(now)).await?;
        let mut removed = 0;
        for (upload, modified) in self.blobs.staged().await? {
            if modified <= horizon {
                self.staged
                    .lock()
                    .unwrap_or_else(|p| p.into_inner())
                    .remove(&upload);
                self.blobs.discard(&upload).await?;
                removed += 1;
            }
        }
        Ok(removed)
    }
}
