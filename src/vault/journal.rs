//! The journal's write side: every operation on a vault is appended to one Merkle
//! log per deployment, in a per-subject chain, *before* anything is served.
//!
//! [`Vault::record`] builds the leaf (pseudonymous tags, sequence, link to the
//! previous entry, random request id, commitment to the details), seals the details
//! to the citizen, and hands it to the journal's writer thread, which appends leaf +
//! tree nodes + chain head with whatever else is waiting and makes them durable with
//! one sync (concurrent appenders share it). It returns a [`Receipt`], which only
//! this module can make: the functions that release a payload or an envelope take
//! one, so forgetting the journal is a compile error.

use std::sync::Mutex;

use crate::journal::details::Details;

use super::{Vault, VaultError};
use crate::api::{AuditReport, JournalPage, ProvedEntry};
use crate::crypto::server::{seal_to, LogKey};
use crate::journal::checkpoint::{self, Checkpoint};
use crate::journal::leaf::{Action, ActorKind, Leaf, Phase};
use crate::journal::merkle::{self, Hash, Nodes};
use crate::storage::{JournalAppend, JournalRecord, MetadataStore, StoreError, SubjectHead};

/// The subject of the operator's own chain (deployment-level actions).
pub const OPERATOR_SUBJECT: &str = "@operator";

/// The journal's configuration and its single-writer lock.
pub struct JournalKeys {
    pub key: LogKey,
    /// `<deployment host>/journal/v1`.
    pub origin: String,
    pub(super) append: Mutex<()>,
}

impl JournalKeys {
    pub fn new(key: LogKey, host: &str) -> JournalKeys {
        JournalKeys {
            key,
            origin: format!("{host}/journal/v1"),
            append: Mutex::new(()),
        }
    }

    /// The verifier key clients pin.
    pub fn verifier_key(&self) -> String {
        checkpoint::verifier_key(&self.origin, &self.key.public_key())
    }
}

/// Proof that an entry is durable in the journal. Only this module constructs it.
#[derive(Debug)]
pub struct Receipt {
    request: [u8; 16],
}

impl Receipt {
    /// The request id, to pair an outcome with its attempt.
    pub fn request(&self) -> [u8; 16] {
        self.request
    }
}

/// One entry to record.
pub struct Entry<'a> {
    /// The citizen (or account) whose chain it joins.
    pub subject: &'a str,
    pub action: Action,
    pub phase: Phase,
    pub actor_kind: ActorKind,
    pub actor: Option<&'a str>,
    pub object: Option<&'a str>,
    /// Pairs an outcome with its attempt; fresh for a new operation.
    pub request: [u8; 16],
    pub details: Details,
}

impl<'a> Entry<'a> {
    /// A new operation by `actor` on `subject`'s vault.
    pub fn new(subject: &'a str, action: Action, phase: Phase) -> Entry<'a> {
        Entry {
            subject,
            action,
            phase,
            actor_kind: ActorKind::Citizen,
            actor: Some(subject),
            object: None,
            request: crate::crypto::random_bytes(),
            details: Details::default(),
        }
    }

    pub fn by(mut self, kind: ActorKind, actor: Option<&'a str>) -> Entry<'a> {
        self.actor_kind = kind;
        self.actor = actor;
        self
    }

    pub fn on(mut self, object: &'a str) -> Entry<'a> {
        self.object = Some(object);
        self
    }

    pub fn with(mut self, details: Details) -> Entry<'a> {
        self.details = details;
        self
    }

    /// The outcome of the attempt that `receipt` recorded.
    pub fn outcome(mut self, receipt: &Receipt) -> Entry<'a> {
        self.request = receipt.request;
        self
    }
}

/// The pseudonymous tag of a chain. It names the *account*, not just the user name:
/// a name reused after an account's deletion starts a new chain.
pub(super) fn subject_tag(
    secret: &crate::crypto::server::ServerSecret,
    name: &str,
    account: Option<&crate::storage::AccountRecord>,
) -> [u8; 32] {
    match account {
        Some(a) => secret.tag("subject", &format!("{}\0{}", a.user, a.created_ms)),
        None => secret.tag("subject", name),
    }
}

/// An entry sealed and ready, before it has a place in the log.
pub(super) struct Unplaced {
    time_ms: i64,
    subject: [u8; 32],
    action: Action,
    phase: Phase,
    actor_kind: ActorKind,
    actor: [u8; 32],
    object: [u8; 32],
    request: [u8; 16],
    commitment: [u8; 32],
    sealed: Vec<u8>,
}

type Appended = tokio::sync::oneshot::Sender<Result<(), StoreError>>;

/// Most entries one flush covers.
const MAX_BATCH: usize = 512;
/// The store's journal log is emptied (the store made durable in its own files)
/// after this long without appends, or once it holds this many bytes.
const SETTLE_WHEN_IDLE: std::time::Duration = std::time::Duration::from_millis(200);
const SETTLE_AT_BYTES: u64 = 4 * 1024 * 1024;

/// The journal's single writer: a thread that takes every entry waiting, appends
/// them in order in one store batch, makes them all durable with one sync of
/// the store's journal log, and only then answers each caller. Entries arriving
/// during a sync wait for the next one: group commit without timers, so a lone
/// writer waits for nobody and a busy counter shares its syncs.
pub(super) struct JournalWriter {
    queue: Mutex<std::sync::mpsc::Sender<(Unplaced, Appended)>>,
    /// Appends between their start and their acknowledgement.
    in_flight: std::sync::atomic::AtomicUsize,
}

/// One append in flight, counted until dropped.
struct InFlight<'a>(&'a std::sync::atomic::AtomicUsize);

impl Drop for InFlight<'_> {
    fn drop(&mut self) {
        self.0.fetch_sub(1, std::sync::atomic::Ordering::SeqCst);
    }
}

impl JournalWriter {
    pub(super) fn start(
        meta: std::sync::Arc<dyn MetadataStore>,
        keys: std::sync::Arc<JournalKeys>,
    ) -> JournalWriter {
        let (tx, rx) = std::sync::mpsc::channel::<(Unplaced, Appended)>();
        let spawned = std::thread::Builder::new()
            .name("coffre-journal".into())
            .spawn(move || {
                // Whether entries went into the store's journal log since it was
                // last emptied.
                let mut unsettled = false;
                // A failed write or sync left the log in doubt and settling it
                // failed too: no entry is appended (after a possible hole) until a
                // settle succeeds.
                let mut broken = false;
                let settle = |why: &str| -> bool {
                    let _writer = keys.append.lock().unwrap_or_else(|p| p.into_inner());
                    match meta.journal_settle() {
                        Ok(()) => true,
                        Err(e) => {
                            tracing::error!(error = %e, why, "journal log could not be settled");
                            false
                        }
                    }
                };
                loop {
                    let first = if unsettled {
                        match rx.recv_timeout(SETTLE_WHEN_IDLE) {
                            Ok(first) => first,
                            Err(std::sync::mpsc::RecvTimeoutError::Timeout) => {
                                unsettled = !settle("idle");
                                continue;
                            }
                            Err(std::sync::mpsc::RecvTimeoutError::Disconnected) => break,
                        }
                    } else {
                        match rx.recv() {
                            Ok(first) => first,
                            Err(_) => break,
                        }
                    };
                    let mut batch = vec![first];
                    while batch.len() < MAX_BATCH {
                        match rx.try_recv() {
                            Ok(next) => batch.push(next),
                            Err(_) => break,
                        }
                    }
                    if broken {
                        broken = !settle("after a failure");
                        if broken {
                            for (_, done) in batch {
                                let _ = done.send(Err(StoreError::Backend(
                                    "the journal's log is in doubt".into(),
                                )));
                            }
                            continue;
                        }
                    }
                    let appended = {
                        let _writer = keys.append.lock().unwrap_or_else(|p| p.into_inner());
                        place(meta.as_ref(), batch.iter().map(|(entry, _)| entry))
                            .and_then(|appends| meta.journal_append(&appends))
                    };
                    let result = appended.and_then(|()| meta.journal_sync());
                    for (_, done) in batch {
                        let _ = done.send(result.clone());
                    }
                    unsettled = true;
                    // After a failed write or sync the log's pages may be lost: start
                    // it again from a durable store rather than append after a hole.
                    if result.is_err() {
                        broken = !settle("failed write");
                        unsettled = broken;
                    } else if meta.journal_log_bytes() > SETTLE_AT_BYTES {
                        unsettled = !settle("size");
                    }
                }
                if unsettled {
                    settle("stop");
                }
            });
        if let Err(e) = spawned {
            // Without its writer the journal refuses every entry (the channel is
            // closed), so every operation that must be journaled is refused: 503.
            tracing::error!(error = %e, "cannot start the journal writer thread");
        }
        JournalWriter {
            queue: Mutex::new(tx),
            in_flight: std::sync::atomic::AtomicUsize::new(0),
        }
    }

    /// Counts an append in flight; also says whether it was the only one.
    fn enter(&self) -> (InFlight<'_>, bool) {
        let before = self
            .in_flight
            .fetch_add(1, std::sync::atomic::Ordering::SeqCst);
        (InFlight(&self.in_flight), before == 0)
    }

    fn send(&self, entry: Unplaced, done: Appended) -> Result<(), ()> {
        self.queue
            .lock()
            .unwrap_or_else(|p| p.into_inner())
            .send((entry, done))
            .map_err(drop)
    }
}

/// Gives entries their places, in order: next in the log, next in their subject's
/// chain, with the tree nodes each completes. Places given earlier in the same
/// batch are not in the store yet, so they are kept here and read first.
fn place<'a>(
    m: &dyn MetadataStore,
    entries: impl Iterator<Item = &'a Unplaced>,
) -> Result<Vec<JournalAppend>, StoreError> {
    let mut batch = Batch {
        store: m,
        nodes: std::collections::HashMap::new(),
    };
    let mut heads: std::collections::HashMap<[u8; 32], SubjectHead> =
        std::collections::HashMap::new();
    let mut out = Vec::new();
    for (index, e) in (m.journal_size()?..).zip(entries) {
        let head = match heads.get(&e.subject) {
            Some(h) => Some(*h),
            None => m.journal_head(&e.subject)?,
        };
        let leaf = Leaf {
            time_ms: e.time_ms,
            subject: e.subject,
            seq: head.map(|h| h.seq + 1).unwrap_or(0),
            prev: head.map(|h| h.leaf_hash).unwrap_or([0; 32]),
            action: e.action,
            phase: e.phase,
            actor_kind: e.actor_kind,
            actor: e.actor,
            object: e.object,
            request: e.request,
            commitment: e.commitment,
        };
        let bytes = leaf.encode();
        let leaf_hash = merkle::leaf_hash(&bytes);
        let nodes = merkle::completed_by(&batch, index, leaf_hash)?;
        for (level, at, hash) in &nodes {
            batch.nodes.insert((*level, *at), *hash);
        }
        let head = SubjectHead {
            seq: leaf.seq,
            leaf_hash,
        };
        heads.insert(e.subject, head);
        out.push(JournalAppend {
            index,
            record: JournalRecord {
                leaf: bytes.into(),
                details: e.sealed.clone().into(),
            },
            nodes,
            subject: e.subject,
            head,
        });
    }
    Ok(out)
}

/// The tree's nodes as the store has them, with those of the batch being placed.
struct Batch<'a> {
    store: &'a dyn MetadataStore,
    nodes: std::collections::HashMap<(u32, u64), Hash>,
}

impl Nodes for Batch<'_> {
    type Error = StoreError;
    fn node(&self, level: u32, index: u64) -> Result<Hash, StoreError> {
        match self.nodes.get(&(level, index)) {
            Some(hash) => Ok(*hash),
            None => StoreNodes(self.store).node(level, index),
        }
    }
}

/// Complete-subtree hashes read from the metadata store.
pub struct StoreNodes<'a>(pub &'a dyn MetadataStore);

impl Nodes for StoreNodes<'_> {
    type Error = StoreError;
    fn node(&self, level: u32, index: u64) -> Result<Hash, StoreError> {
        self.0
            .journal_node(level, index)?
            .ok_or_else(|| StoreError::Corrupt(format!("missing journal node {level}/{index}")))
    }
}

impl Vault {
    /// Appends an entry and makes it durable. Fail-closed: any error here must stop
    /// the operation (callers map it to 503).
    pub async fn record(&self, entry: Entry<'_>) -> Result<Receipt, VaultError> {
        let secret = std::sync::Arc::clone(&self.secret);
        let name = entry.subject.to_owned();
        let actor = entry
            .actor
            .map(|a| secret.tag("actor", a))
            .unwrap_or([0; 32]);
        let object = entry
            .object
            .map(|o| secret.tag("object", o))
            .unwrap_or([0; 32]);
        let mut details = entry.details;
        if details.actor.is_none() {
            details.actor = entry.actor.map(str::to_owned);
        }
        if details.object.is_none() {
            details.object = entry.object.map(str::to_owned);
        }
        let mut opened = crate::crypto::random_bytes::<16>().to_vec();
        opened.extend_from_slice(&serde_json::to_vec(&details).unwrap_or_default());
        let commitment = crate::crypto::sha256(&opened);
        let (action, phase, actor_kind, request) =
            (entry.action, entry.phase, entry.actor_kind, entry.request);
        let now = self.clock.now_ms();
        let failing = self.journal_fault.load(std::sync::atomic::Ordering::SeqCst);
        let prepare = move |m: &dyn MetadataStore| {
            if failing {
                return Err(StoreError::Backend(
                    "journal write refused (fault injected)".into(),
                ));
            }
            let account = m.account(&name)?;
            let subject = subject_tag(&secret, &name, account.as_ref());
            let sealed = match &account {
                Some(a) => seal_to(&a.keys.age_recipient, &opened).ok_or_else(|| {
                    StoreError::Corrupt(
                        "cannot seal journal details to the stored recipient".into(),
                    )
                })?,
                None => opened,
            };
            Ok(Unplaced {
                time_ms: now,
                subject,
                action,
                phase,
                actor_kind,
                actor,
                object,
                request,
                commitment,
                sealed,
            })
        };
        // Reading the account and sealing the details (an X25519 exchange, ~70 µs)
        // happen on this task when no other append is in flight: a lone writer then
        // saves two thread hand-offs. Concurrent appends seal on the blocking pool,
        // in parallel, and never hold a runtime worker that downloads need. The
        // journal's writer thread then appends each with whatever else is waiting
        // and makes them durable with one sync.
        let (_counted, alone) = self.journal_writer.enter();
        let pending = if alone {
            prepare(self.meta.as_ref()).map_err(|e| {
                self.note_store_error(&e);
                VaultError::from(e)
            })?
        } else {
            self.store(prepare).await?
        };
        let (done, appended) = tokio::sync::oneshot::channel();
        let stopped = || VaultError::from(StoreError::Backend("the journal writer stopped".into()));
        self.journal_writer
            .send(pending, done)
            .map_err(|_| stopped())?;
        appended.await.map_err(|_| stopped())?.map_err(|e| {
            self.note_store_error(&e);
            VaultError::from(e)
        })?;
        Ok(Receipt { request })
    }

    /// Makes the store durable in its own files and empties its journal log (which
    /// may still hold details just erased), appends kept out meanwhile.
    pub(super) async fn settle_journal(&self) -> Result<(), VaultError> {
        let journal = std::sync::Arc::clone(&self.journal);
        self.store(move |m| {
            let _writer = journal.append.lock().unwrap_or_else(|p| p.into_inner());
            m.journal_settle()
        })
        .await
    }

    /// Records an entry where failing must not undo what already happened (an
    /// outcome after the fact): logged loudly, not returned.
    pub(super) async fn record_after(&self, entry: Entry<'_>) {
        if let Err(e) = self.record(entry).await {
            tracing::error!(error = %e, "journal outcome entry could not be written");
        }
    }

    /// Number of entries in the journal.
    pub async fn journal_size(&self) -> Result<u64, VaultError> {
        self.store(|m| m.journal_size()).await
    }

    /// The origin of the last signed checkpoint, if any: a deployment that changes its
    /// public host would start a second journal under the first one's chains, so the
    /// daemon refuses to start instead.
    pub async fn signed_origin(&self) -> Result<Option<String>, VaultError> {
        let note = self.store(|m| m.journal_checkpoint()).await?;
        Ok(note
            .and_then(|n| checkpoint::unverified(&n).ok())
            .map(|c| c.origin))
    }

    /// The citizen accepts a change of journal her client showed her (a new log key,
    /// or a journal restored from a backup): the acceptance joins her chain, with
    /// what her device had pinned before.
    pub async fn accept_journal_change(
        &self,
        who: &super::Principal,
        req: crate::api::TrustChangeRequest,
    ) -> Result<(), VaultError> {
        const MAX_NOTE_CHARS: usize = 4096;
        let too_long = [&req.previous_key, &req.previous_checkpoint, &req.key]
            .iter()
            .any(|s| s.len() > MAX_NOTE_CHARS);
        if too_long || req.key != self.journal_keys().verifier_key() {
            return Err(VaultError::BadRequest("journal change".into()));
        }
        let details = Details {
            previous_key: Some(req.previous_key),
            previous_checkpoint: Some(req.previous_checkpoint),
            key: Some(req.key),
            count: Some(req.missing),
            ..Details::default()
        };
        self.record(Entry::new(&who.user, Action::JournalChange, Phase::Done).with(details))
            .await?;
        Ok(())
    }

    /// Test hook: makes every journal append fail (fail-closed tests).
    pub fn inject_journal_fault(&self, on: bool) {
        self.journal_fault
            .store(on, std::sync::atomic::Ordering::SeqCst);
    }

    /// The latest signed checkpoint, signing a new one when the tree grew. Never
    /// signs a tree that does not extend the previously signed one.
    pub async fn checkpoint(&self) -> Result<String, VaultError> {
        let journal = std::sync::Arc::clone(&self.journal);
        self.store(move |m| {
            let _writer = journal.append.lock().unwrap_or_else(|p| p.into_inner());
            let size = m.journal_size()?;
            let nodes = StoreNodes(m);
            if let Some(note) = m.journal_checkpoint()? {
                // Signed by an earlier key after a rotation: the tree must still
                // extend it, and the new key signs the next one.
                let previous = checkpoint::verify(&note, &journal.verifier_key())
                    .or_else(|_| checkpoint::unverified(&note))
                    .map_err(|e| StoreError::Corrupt(format!("stored checkpoint: {e}")))?;
                if previous.origin != journal.origin {
                    return Err(StoreError::Corrupt("stored checkpoint origin".into()));
                }
                if previous.size == size
                    && checkpoint::verify(&note, &journal.verifier_key()).is_ok()
                {
                    return Ok(note);
                }
                let extends =
                    previous.size <= size && merkle::root(&nodes, previous.size)? == previous.root;
                if !extends {
                    return Err(StoreError::Corrupt(
                        "the journal no longer extends its last checkpoint".into(),
                    ));
                }
            }
            let body = Checkpoint {
                origin: journal.origin.clone(),
                size,
                root: merkle::root(&nodes, size)?,
            }
            .body();
            let id = checkpoint::key_id(&journal.origin, &journal.key.public_key());
            let note = checkpoint::note(
                &body,
                &journal.origin,
                id,
                &journal.key.sign(body.as_bytes()),
            );
            m.put_journal_checkpoint(&note)?;
            Ok(note)
        })
        .await
    }
}

impl Vault {
    /// The caller's own entries (never another subject's), each with an inclusion
    /// proof against the tree of `size` leaves (the current size if `None`).
    /// Entries before sequence number `from` are skipped (a client that verified
    /// them already only needs the new ones).
    pub async fn journal_page(
        &self,
        who: &super::Principal,
        size: Option<u64>,
        from: u64,
        limit: Option<u64>,
    ) -> Result<JournalPage, VaultError> {
        let limit = limit
            .unwrap_or(crate::api::MAX_JOURNAL_PAGE)
            .clamp(1, crate::api::MAX_JOURNAL_PAGE);
        let name = who.user.clone();
        let account = self.store(move |m| m.account(&name)).await?;
        let subject = subject_tag(&self.secret, &who.user, account.as_ref());
        self.store(move |m| {
            let current = m.journal_size()?;
            let size = size.unwrap_or(current).min(current);
            let nodes = StoreNodes(m);
            let mut entries = Vec::new();
            let mut next = None;
            for (seq, index) in m
                .journal_entries_of(&subject)?
                .into_iter()
                .enumerate()
                .skip(from as usize)
            {
                if index >= size {
                    break;
                }
                if entries.len() as u64 == limit {
                    next = Some(seq as u64);
                    break;
                }
                let record = m
                    .journal_entry(index)?
                    .ok_or_else(|| StoreError::Corrupt(format!("missing journal leaf {index}")))?;
                let proof = merkle::inclusion_proof(&nodes, index, size)?;
                entries.push(ProvedEntry {
                    index,
                    leaf: record.leaf,
                    details: record.details,
                    proof: proof.iter().map(|h| h.to_vec().into()).collect(),
                });
            }
            Ok(JournalPage {
                size,
                entries,
                next,
            })
        })
        .await
    }

    /// The leaf hash at `index` and its inclusion proof in the tree of `size` leaves
    /// (the current size if `None`): public, for monitors.
    pub async fn inclusion(
        &self,
        index: u64,
        size: Option<u64>,
    ) -> Result<crate::api::InclusionResponse, VaultError> {
        let found = self
            .store(move |m| {
                let current = m.journal_size()?;
                let size = size.unwrap_or(current);
                if index >= size || size > current {
                    return Ok(None);
                }
                let record = m
                    .journal_entry(index)?
                    .ok_or_else(|| StoreError::Corrupt(format!("missing journal leaf {index}")))?;
                let proof = merkle::inclusion_proof(&StoreNodes(m), index, size)?;
                Ok(Some(crate::api::InclusionResponse {
                    index,
                    size,
                    leaf_hash: merkle::leaf_hash(record.leaf.as_slice()).to_vec().into(),
                    proof: proof.iter().map(|h| h.to_vec().into()).collect(),
                }))
            })
            .await?;
        found.ok_or_else(|| VaultError::BadRequest("no such leaf in that tree".into()))
    }

    /// A consistency proof between two tree sizes.
    pub async fn consistency(&self, from: u64, to: u64) -> Result<Vec<Hash>, VaultError> {
        let out_of_range = VaultError::BadRequest("no such tree sizes".into());
        self.store_or(out_of_range, move |m| {
            let size = m.journal_size()?;
            if from > to || to > size {
                return Err(StoreError::NotFound);
            }
            merkle::consistency_proof(&StoreNodes(m), from, to)
        })
        .await
        .map_err(|e| match e {
            VaultError::Unauthenticated => VaultError::BadRequest("sizes out of range".into()),
            other => other,
        })
    }

    /// Re-checks the whole log: every leaf decodes and hashes to its stored node,
    /// every stored complete subtree is right, sequences are contiguous and linked per
    /// subject, and every outcome follows an attempt of the same request. Reports the
    /// first violation.
    pub async fn audit(&self) -> Result<AuditReport, VaultError> {
        self.store(|m| {
            let size = m.journal_size()?;
            let mut tree = merkle::MemoryTree::default();
            let mut heads: std::collections::HashMap<[u8; 32], (u64, Hash)> = Default::default();
            let mut attempts: std::collections::HashSet<([u8; 32], [u8; 16])> = Default::default();
            let report = |violation: Option<String>, subjects: usize| AuditReport {
                size,
                subjects: subjects as u64,
                ok: violation.is_none(),
                violation,
            };
            for index in 0..size {
                let Some(record) = m.journal_entry(index)? else {
                    return Ok(report(Some(format!("leaf {index} is missing")), heads.len()));
                };
                let Some(leaf) = Leaf::decode(record.leaf.as_slice()) else {
                    return Ok(report(Some(format!("leaf {index} does not decode")), heads.len()));
                };
                let hash = merkle::leaf_hash(record.leaf.as_slice());
                tree.push(hash);
                let (want_seq, want_prev) = match heads.get(&leaf.subject) {
                    Some((seq, prev)) => (seq + 1, *prev),
                    None => (0, [0; 32]),
                };
                if leaf.seq != want_seq || leaf.prev != want_prev {
                    return Ok(report(
                        Some(format!("leaf {index}: sequence {} breaks its subject's chain (expected {want_seq})", leaf.seq)),
                        heads.len(),
                    ));
                }
                heads.insert(leaf.subject, (leaf.seq, hash));
                match leaf.phase {
                    Phase::Attempt => {
                        attempts.insert((leaf.subject, leaf.request));
                    }
                    Phase::Done | Phase::Failed
                        if leaf.action.is_fail_closed()
                            && !attempts.contains(&(leaf.subject, leaf.request)) =>
                    {
                        return Ok(report(
                            Some(format!("leaf {index}: an outcome without its attempt")),
                            heads.len(),
                        ));
                    }
                    _ => {}
                }
            }
            // Appends go on during an audit: a head further along its chain than
            // the entries audited is one placed since (the size moved on).
            let grown = m.journal_size()? > size;
            for (subject, (seq, hash)) in &heads {
                let stored = m.journal_head(subject)?;
                let moved_on = grown && stored.is_some_and(|h| h.seq > *seq);
                if stored != Some(SubjectHead { seq: *seq, leaf_hash: *hash }) && !moved_on {
                    return Ok(report(Some("a subject head does not match its chain".into()), heads.len()));
                }
            }
            if size > 0 && merkle::root(&StoreNodes(m), size)? != tree.root() {
                return Ok(report(Some("stored tree hashes do not match the leaves".into()), heads.len()));
            }
            Ok(report(None, heads.len()))
        })
        .await
    }
}
