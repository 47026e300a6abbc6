//! The embedded metadata store over sled 0.34: the only file that names sled.
//!
//! Durability: sled's own flush ends in `sync_file_range` on Linux, which does not
//! persist file metadata or the drive's cache. Every write here therefore ends with
//! [`SledStore::make_durable`]: sled flush, then `fsync` of the database file and its
//! directory. Concurrent writers share one flush (group commit): a writer takes a
//! ticket after its write, and a flush that started after the ticket was taken
//! covers it.
//!
//! The journal, written most, has a log of its own (`journal.wal` beside sled's
//! files): an append goes into sled (in memory) and into that log, and
//! [`MetadataStore::journal_sync`] makes it durable with one `fdatasync` of the log,
//! where a sled flush costs several device round trips. The journal's writer
//! empties the log ([`MetadataStore::journal_settle`]) once sled itself is durable:
//! when it is idle, and whenever the log passes a few MiB. Opening replays what the
//! log holds beyond sled's journal (a crash between the two), so an acknowledged
//! entry is never lost; a torn last frame was never acknowledged and is dropped.

use std::fs::File;
use std::io::Write;
use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Mutex, RwLock, RwLockReadGuard};

use serde::de::DeserializeOwned;
use serde::Serialize;
use sled::transaction::{ConflictableTransactionError, TransactionError, Transactional};

use super::{
    AccountRecord, DocumentRow, EnrolmentRecord, GrantRecord, InvitationRecord, JournalAppend,
    JournalRecord, MetadataStore, RequestRecord, SessionRecord, StoreError, SubjectHead,
};
use crate::api::Quota;

/// sled's page cache; small, since coffred must stay within a modest memory budget.
const CACHE_BYTES: u64 = 16 * 1024 * 1024;

/// Metadata in a sled database.
pub struct SledStore {
    db: sled::Db,
    accounts: sled::Tree,
    sessions: sled::Tree,
    documents: sled::Tree,
    owner_index: sled::Tree,
    enrolments: sled::Tree,
    invitations: sled::Tree,
    grants: sled::Tree,
    grant_index: sled::Tree,
    requests: sled::Tree,
    request_index: sled::Tree,
    jleaves: sled::Tree,
    jnodes: sled::Tree,
    jheads: sled::Tree,
    jsubjects: sled::Tree,
    jmeta: sled::Tree,
    dir: PathBuf,
    requested: AtomicU64,
    flushed: Mutex<u64>,
    /// The files sled wrote, as they were when last fsynced.
    synced: Mutex<std::collections::HashMap<PathBuf, FileStamp>>,
    /// Whether the directories were fsynced once since opening.
    dirs_synced: std::sync::atomic::AtomicBool,
    /// The journal's own log, and its length.
    wal: Mutex<File>,
    wal_bytes: AtomicU64,
    /// The furthest byte written since the log was last zeroed.
    wal_high: AtomicU64,
    /// Part of a journal batch stayed in sled and could not be undone: no append
    /// until the store is opened again.
    journal_halted: std::sync::atomic::AtomicBool,
    /// Test hook: the journal batch write (by position) that fails.
    #[cfg(test)]
    fail_journal_write: std::sync::atomic::AtomicUsize,
    /// Loading in bulk: nothing is made durable until [`SledStore::finish_bulk_load`].
    bulk: std::sync::atomic::AtomicBool,
    /// Taken shared by every write for its whole length, and exclusively by an
    /// export: a backup sees every write whole or not at all. Never taken twice by
    /// one thread (std's lock lets a waiting export block a second read).
    gate: RwLock<()>,
}

/// Where sessions are kept (never exported).
const SESSIONS_TREE: &str = "sessions";

/// The journal's log, in sled's directory (sled ignores it).
const WAL_FILE: &str = "journal.wal";

/// Where sled 0.34 writes nodes too large for its log.
const BLOB_DIR: &str = "blobs";

impl From<sled::Error> for StoreError {
    fn from(e: sled::Error) -> Self {
        match e {
            sled::Error::Io(io) => io.into(),
            other => StoreError::Backend(other.to_string()),
        }
    }
}

fn encode<T: Serialize>(value: &T) -> Result<Vec<u8>, StoreError> {
    serde_json::to_vec(value).map_err(|e| StoreError::Corrupt(e.to_string()))
}

fn decode<T: DeserializeOwned>(bytes: &[u8]) -> Result<T, StoreError> {
    serde_json::from_slice(bytes).map_err(|e| StoreError::Corrupt(e.to_string()))
}

fn owner_key(owner: &str, id: &str) -> Vec<u8> {
    let mut k = Vec::with_capacity(owner.len() + 1 + id.len());
    k.extend_from_slice(owner.as_bytes());
    k.push(0);
    k.extend_from_slice(id.as_bytes());
    k
}

type TxResult<T> = Result<T, ConflictableTransactionError<StoreError>>;

fn abort<T>(e: StoreError) -> TxResult<T> {
    Err(ConflictableTransactionError::Abort(e))
}

fn tx_error(e: TransactionError<StoreError>) -> StoreError {
    match e {
        TransactionError::Abort(e) => e,
        TransactionError::Storage(e) => e.into(),
    }
}

impl SledStore {
    /// Opens (creating if needed) the database in `dir`.
    pub fn open(dir: &Path) -> Result<SledStore, StoreError> {
        let db = sled::Config::new()
            .path(dir)
            .cache_capacity(CACHE_BYTES)
            .open()?;
        let store = SledStore {
            accounts: db.open_tree("accounts")?,
            sessions: db.open_tree(SESSIONS_TREE)?,
            documents: db.open_tree("documents")?,
            owner_index: db.open_tree("owner_index")?,
            enrolments: db.open_tree("enrolments")?,
            invitations: db.open_tree("invitations")?,
            grants: db.open_tree("grants")?,
            grant_index: db.open_tree("grant_index")?,
            requests: db.open_tree("requests")?,
            request_index: db.open_tree("request_index")?,
            jleaves: db.open_tree("journal_leaves")?,
            jnodes: db.open_tree("journal_nodes")?,
            jheads: db.open_tree("journal_heads")?,
            jsubjects: db.open_tree("journal_subjects")?,
            jmeta: db.open_tree("journal_meta")?,
            db,
            dir: dir.to_path_buf(),
            requested: AtomicU64::new(0),
            flushed: Mutex::new(0),
            synced: Mutex::new(std::collections::HashMap::new()),
            dirs_synced: std::sync::atomic::AtomicBool::new(false),
            wal: Mutex::new(open_wal(dir)?),
            wal_bytes: AtomicU64::new(0),
            wal_high: AtomicU64::new(0),
            bulk: std::sync::atomic::AtomicBool::new(false),
            journal_halted: std::sync::atomic::AtomicBool::new(false),
            #[cfg(test)]
            fail_journal_write: std::sync::atomic::AtomicUsize::new(usize::MAX),
            gate: RwLock::new(()),
        };
        store.undo_cut_batch()?;
        store.replay_wal()?;
        store.make_durable()?;
        store.empty_wal()?;
        Ok(store)
    }

    /// Applies what the journal's log holds beyond sled's journal, in order. A
    /// frame that does not check (a write torn by a crash) ends the log: nothing
    /// after it was acknowledged.
    fn replay_wal(&self) -> Result<(), StoreError> {
        let bytes = std::fs::read(self.dir.join(WAL_FILE))?;
        // Emptying zeroes only what holds something.
        let used = bytes.iter().rposition(|b| *b != 0).map_or(0, |p| p + 1);
        self.wal_high.store(used as u64, Ordering::SeqCst);
        let floor = self.journal_size()?;
        let mut at = 0;
        let mut next_index = None;
        while at < bytes.len() {
            let Some((appends, len)) = read_frame(&bytes[at..]) else {
                // A batch torn by a crash (never acknowledged: the writer writes the
                // next batch only after this one's sync) ends the log. A frame that
                // checks further on, continuing the log, means damage in the middle.
                if later_frame(&bytes[at + 1..], next_index.unwrap_or(0).max(floor)) {
                    return Err(StoreError::Corrupt(
                        "the journal's log is damaged before its end".into(),
                    ));
                }
                break;
            };
            at += len;
            for append in appends {
                next_index = Some(append.index + 1);
                let size = self.journal_size()?;
                if append.index < size {
                    continue; // sled had it already
                }
                if append.index > size {
                    return Err(StoreError::Corrupt(format!(
                        "journal log starts at entry {} but the journal holds {size}",
                        append.index
                    )));
                }
                self.apply_journal(std::slice::from_ref(&append))?;
            }
        }
        Ok(())
    }

    /// Empties the journal's log (sled must be durable first).
    fn empty_wal(&self) -> Result<(), StoreError> {
        use std::os::unix::fs::FileExt;
        let wal = self.wal.lock().unwrap_or_else(|p| p.into_inner());
        // Zeroed, not only forgotten: what it held (erased details among it) does
        // not stay on disk, and a crash never finds an old frame to replay.
        let high = self.wal_high.load(Ordering::SeqCst);
        if high > 0 {
            wal.write_all_at(&vec![0u8; high as usize], 0)?;
            wal.sync_data()?;
        }
        self.wal_bytes.store(0, Ordering::SeqCst);
        self.wal_high.store(0, Ordering::SeqCst);
        Ok(())
    }

    /// Opens the store to load many records at once (a synthetic store for the scale
    /// benchmark): no write is made durable, nor journaled in the journal's log,
    /// until [`SledStore::finish_bulk_load`]; a crash before it loses the load.
    pub fn open_for_bulk_load(dir: &Path) -> Result<SledStore, StoreError> {
        let store = SledStore::open(dir)?;
        store.bulk.store(true, Ordering::SeqCst);
        Ok(store)
    }

    /// Ends a bulk load: everything loaded is durable when this returns.
    pub fn finish_bulk_load(&self) -> Result<(), StoreError> {
        self.bulk.store(false, Ordering::SeqCst);
        self.make_durable()?;
        self.empty_wal()
    }

    /// Builds a new database in `dir` (which must not exist) from an export made
    /// by [`MetadataStore::export`], durable when this returns. The export is:
    /// `coffre-metadata-export v1\n`, then per tree `T` and its name, then per
    /// record `K`, key and value (each field a big-endian u32 length and bytes),
    /// and last `E` with the number of records as a big-endian u64. A short,
    /// unknown or miscounted export is refused (and `dir` left for the caller to
    /// remove).
    pub fn import(dir: &Path, input: &mut dyn std::io::Read) -> Result<u64, StoreError> {
        if dir.exists() {
            return Err(StoreError::Conflict);
        }
        let mut magic = vec![0u8; EXPORT_MAGIC.len()];
        input.read_exact(&mut magic)?;
        if magic != EXPORT_MAGIC {
            return Err(StoreError::Corrupt("not a coffre metadata export".into()));
        }
        let store = SledStore::open_for_bulk_load(dir)?;
        let mut tree: Option<sled::Tree> = None;
        let mut records = 0u64;
        loop {
            let mut tag = [0u8; 1];
            input.read_exact(&mut tag)?;
            match tag[0] {
                b'T' => tree = Some(store.db.open_tree(import_field(input)?)?),
                b'K' => {
                    let t = tree
                        .as_ref()
                        .ok_or_else(|| StoreError::Corrupt("record before its tree".into()))?;
                    let key = import_field(input)?;
                    t.insert(key, import_field(input)?)?;
                    records += 1;
                }
                b'E' => {
                    let mut count = [0u8; 8];
                    input.read_exact(&mut count)?;
                    if u64::from_be_bytes(count) != records {
                        return Err(StoreError::Corrupt("export miscounted".into()));
                    }
                    let mut rest = [0u8; 1];
                    if input.read(&mut rest)? != 0 {
                        return Err(StoreError::Corrupt("bytes after the export".into()));
                    }
                    break;
                }
                _ => return Err(StoreError::Corrupt("unknown export record".into())),
            }
        }
        store.finish_bulk_load()?;
        Ok(records)
    }

    fn writing(&self) -> RwLockReadGuard<'_, ()> {
        self.gate.read().unwrap_or_else(|p| p.into_inner())
    }

    /// Flushes sled and fsyncs its files; shared by concurrent writers.
    pub fn make_durable(&self) -> Result<(), StoreError> {
        if self.bulk.load(Ordering::SeqCst) {
            return Ok(());
        }
        let ticket = self.requested.fetch_add(1, Ordering::SeqCst) + 1;
        let mut flushed = self.flushed.lock().unwrap_or_else(|p| p.into_inner());
        if *flushed >= ticket {
            return Ok(());
        }
        let target = self.requested.load(Ordering::SeqCst);
        self.db.flush()?;
        self.fsync_files()?;
        *flushed = target;
        Ok(())
    }

    /// fsyncs what sled changed since the last call: always its log (`db`, rewritten
    /// in place), and any other file (config, snapshots, and the large nodes it
    /// writes as separate files under `blobs/`) that is new or whose inode, length or
    /// modification time changed; a directory when its list of names changed. sled
    /// itself fsyncs none of these (its flush is `sync_file_range`): after a power
    /// cut they could come back truncated or unnamed and take acknowledged writes
    /// with them. Skipping what did not change keeps a durable write to one
    /// `fdatasync` of the log in the common case.
    fn fsync_files(&self) -> Result<(), StoreError> {
        let mut synced = self.synced.lock().unwrap_or_else(|p| p.into_inner());
        let mut seen = std::collections::HashMap::new();
        let mut dirs_changed = Vec::new();
        for dir in [self.dir.clone(), self.dir.join(BLOB_DIR)] {
            let entries = match std::fs::read_dir(&dir) {
                Ok(entries) => entries,
                Err(e) if e.kind() == std::io::ErrorKind::NotFound => continue,
                Err(e) => return Err(e.into()),
            };
            let mut names_changed = false;
            for entry in entries {
                let path = entry?.path();
                if path.file_name() == Some(SCRATCH_FILE.as_ref())
                    || path.file_name() == Some(WAL_FILE.as_ref())
                {
                    continue; // not sled's: written and fsynced by their own code
                }
                let Some(stamp) = FileStamp::of(&path)? else {
                    continue; // removed meanwhile (sled replaces its snapshots)
                };
                if stamp.is_dir {
                    continue;
                }
                let log = path.file_name() == Some(LOG_FILE.as_ref());
                match synced.get(&path) {
                    Some(before) if before == &stamp && !log => {}
                    before => {
                        names_changed |= before.is_none();
                        sync_if_present(&path, log)?;
                    }
                }
                seen.insert(path, stamp);
            }
            let removed = synced
                .keys()
                .any(|p| p.parent() == Some(dir.as_path()) && !seen.contains_key(p));
            if names_changed || removed || !self.dirs_synced.load(Ordering::SeqCst) {
                dirs_changed.push(dir);
            }
        }
        for dir in dirs_changed {
            File::open(&dir)?.sync_all()?;
        }
        if !self.dirs_synced.swap(true, Ordering::SeqCst) {
            // The database's own directory entry, once.
            if let Some(parent) = self.dir.parent() {
                File::open(parent)?.sync_all()?;
            }
        }
        *synced = seen;
        Ok(())
    }
}

impl SledStore {
    /// Appends entries to sled's journal trees in one transaction (in memory until
    /// sled is flushed).
    fn apply_journal(&self, appends: &[JournalAppend]) -> Result<(), StoreError> {
        if self.journal_halted.load(Ordering::SeqCst) {
            return Err(StoreError::Backend(
                "the journal holds part of a batch it could not undo: open the store again".into(),
            ));
        }
        for (k, w) in self.journal_writes(appends)?.into_iter().enumerate() {
            #[cfg(test)]
            let w = if self.fail_journal_write.load(Ordering::SeqCst) == k {
                JournalWrite::put(w.tree, b"\0", vec![]).failing()
            } else {
                w
            };
            if let Err(e) = w.apply() {
                // Part of the batch is in sled: the next batch would chain from its
                // ghosts and write over its marker. Undo it now; failing that, no
                // append until the store is opened again (opening undoes it).
                if k > 0 {
                    if let Err(undo) = self.undo_cut_batch() {
                        self.journal_halted.store(true, Ordering::SeqCst);
                        tracing::error!(error = %undo, "a failed journal batch could not be undone");
                    }
                }
                return Err(e);
            }
        }
        Ok(())
    }

    /// What a journal batch writes into sled, in the order it must be written.
    ///
    /// Plain inserts, not a sled transaction: sled 0.34 seals and writes out its IO
    /// buffer twice for every transaction or batch (`pin_log`), which cost an append
    /// about 90 µs of its 480. Atomicity comes instead from the order: sled
    /// recovers a prefix of its log, so the batch first writes what undoing it
    /// needs ([`PendingBatch`]), then leaves, nodes, chains and heads, and the size
    /// last. Readers go no further than the size. Opening undoes a batch whose size
    /// was not written ([`SledStore::undo_cut_batch`]); an acknowledged one comes
    /// back whole from the journal's log.
    fn journal_writes<'a>(
        &'a self,
        appends: &[JournalAppend],
    ) -> Result<Vec<JournalWrite<'a>>, StoreError> {
        let Some(first) = appends.first() else {
            return Ok(Vec::new());
        };
        if self.journal_size()? != first.index {
            return Err(StoreError::Conflict);
        }
        let mut pending = PendingBatch {
            from: first.index,
            to: first.index,
            heads: Vec::new(),
        };
        let mut writes = vec![];
        for a in appends {
            if a.index != pending.to {
                return Err(StoreError::Conflict);
            }
            pending.to += 1;
            if !pending.heads.iter().any(|(s, _)| *s == a.subject) {
                pending
                    .heads
                    .push((a.subject, self.journal_head(&a.subject)?));
            }
            writes.push(JournalWrite::put(
                &self.jleaves,
                &a.index.to_be_bytes(),
                encode(&a.record)?,
            ));
            for (level, index, hash) in &a.nodes {
                writes.push(JournalWrite::put(
                    &self.jnodes,
                    &node_key(*level, *index),
                    hash.to_vec(),
                ));
            }
            writes.push(JournalWrite::put(
                &self.jsubjects,
                &subject_key(&a.subject, a.head.seq),
                a.index.to_be_bytes().to_vec(),
            ));
        }
        // One head per subject: its last entry in the batch.
        for (subject, _) in &pending.heads {
            if let Some(a) = appends.iter().rev().find(|a| a.subject == *subject) {
                writes.push(JournalWrite::put(&self.jheads, subject, encode(&a.head)?));
            }
        }
        writes.push(JournalWrite::put(
            &self.jmeta,
            SIZE_KEY,
            pending.to.to_be_bytes().to_vec(),
        ));
        writes.insert(
            0,
            JournalWrite::put(&self.jmeta, PENDING_KEY, pending.encode()),
        );
        Ok(writes)
    }

    /// Undoes what a crash left of a journal batch whose size was never written:
    /// a chain head or chain link of an entry that does not exist would make the
    /// subject's next entry follow a ghost. Runs when opening, before the journal's
    /// log brings back the batches that were acknowledged. Undoing twice is harmless.
    fn undo_cut_batch(&self) -> Result<(), StoreError> {
        let Some(pending) = self.jmeta.get(PENDING_KEY)? else {
            return Ok(());
        };
        let pending = PendingBatch::decode(&pending)?;
        let size = self.journal_size()?;
        if size == pending.from && pending.to > pending.from {
            for (subject, head) in &pending.heads {
                let after = head.map_or(0, |h| h.seq + 1);
                let ghosts = self
                    .jsubjects
                    .range(subject_key(subject, after)..=subject_key(subject, u64::MAX));
                for key in ghosts.keys() {
                    self.jsubjects.remove(key?)?;
                }
                match head {
                    Some(h) => self.jheads.insert(subject, encode(h)?)?,
                    None => self.jheads.remove(subject)?,
                };
            }
            for index in pending.from..pending.to {
                self.jleaves.remove(index.to_be_bytes())?;
            }
            tracing::warn!(
                entries = pending.to - pending.from,
                "an unacknowledged journal batch cut short (a crash, a failed write) was undone"
            );
        } else if size != pending.to {
            return Err(StoreError::Corrupt(format!(
                "the journal holds {size} entries, its last batch was {}..{}",
                pending.from, pending.to
            )));
        }
        self.jmeta.remove(PENDING_KEY)?;
        Ok(())
    }
}

/// One write of a journal batch into sled.
struct JournalWrite<'a> {
    tree: &'a sled::Tree,
    key: Vec<u8>,
    value: Vec<u8>,
    #[cfg(test)]
    fails: bool,
}

impl<'a> JournalWrite<'a> {
    fn put(tree: &'a sled::Tree, key: &[u8], value: Vec<u8>) -> JournalWrite<'a> {
        JournalWrite {
            tree,
            key: key.to_vec(),
            value,
            #[cfg(test)]
            fails: false,
        }
    }

    #[cfg(test)]
    fn failing(mut self) -> Self {
        self.fails = true;
        self
    }

    fn apply(self) -> Result<(), StoreError> {
        #[cfg(test)]
        if self.fails {
            return Err(StoreError::Backend(
                "journal write failed (injected)".into(),
            ));
        }
        self.tree.insert(self.key, self.value)?;
        Ok(())
    }
}

/// Written before a journal batch: the entries it places and the chain heads it
/// replaces, so that opening can undo it if a crash cut it short.
struct PendingBatch {
    from: u64,
    to: u64,
    heads: Vec<([u8; 32], Option<SubjectHead>)>,
}

impl PendingBatch {
    /// Bytes per head: subject, whether there was one, its sequence and leaf hash.
    const HEAD: usize = 32 + 1 + 8 + 32;

    /// Compact (73 bytes a subject: 37 KB for the largest batch), so that sled
    /// keeps it in its log, never in a separate file of its own.
    fn encode(&self) -> Vec<u8> {
        let mut out = Vec::with_capacity(16 + self.heads.len() * Self::HEAD);
        out.extend_from_slice(&self.from.to_be_bytes());
        out.extend_from_slice(&self.to.to_be_bytes());
        for (subject, head) in &self.heads {
            out.extend_from_slice(subject);
            out.push(u8::from(head.is_some()));
            let head = head.unwrap_or(SubjectHead {
                seq: 0,
                leaf_hash: [0; 32],
            });
            out.extend_from_slice(&head.seq.to_be_bytes());
            out.extend_from_slice(&head.leaf_hash);
        }
        out
    }

    fn decode(bytes: &[u8]) -> Result<PendingBatch, StoreError> {
        let corrupt = || StoreError::Corrupt("the journal's pending batch".into());
        if bytes.len() < 16 || !(bytes.len() - 16).is_multiple_of(Self::HEAD) {
            return Err(corrupt());
        }
        let heads = bytes[16..]
            .chunks(Self::HEAD)
            .map(|h| {
                let subject = <[u8; 32]>::try_from(&h[..32]).map_err(|_| corrupt())?;
                let head = SubjectHead {
                    seq: be_u64(&h[33..41])?,
                    leaf_hash: <[u8; 32]>::try_from(&h[41..]).map_err(|_| corrupt())?,
                };
                Ok((subject, (h[32] == 1).then_some(head)))
            })
            .collect::<Result<_, StoreError>>()?;
        Ok(PendingBatch {
            from: be_u64(&bytes[..8])?,
            to: be_u64(&bytes[8..16])?,
            heads,
        })
    }
}

/// Opens (creating, 0600) the journal's log for appending.
fn open_wal(dir: &Path) -> Result<File, StoreError> {
    use std::os::unix::fs::{FileExt, OpenOptionsExt};
    let wal = std::fs::OpenOptions::new()
        .create(true)
        .write(true)
        .read(true)
        .truncate(false)
        .mode(0o600)
        .open(dir.join(WAL_FILE))?;
    let len = wal.metadata()?.len();
    if len < WAL_PREALLOC {
        wal.write_all_at(&vec![0u8; (WAL_PREALLOC - len) as usize], len)?;
        wal.sync_all()?;
    }
    Ok(wal)
}

/// The journal's log is kept this long, zero-filled, and written over from its
/// start: a sync of blocks already allocated commits no change of size (measured
/// here: 1.4 times the syncs per second of a file that grows).
const WAL_PREALLOC: u64 = 5 * 1024 * 1024;

/// Appends one frame to `out`: payload length (u32, little-endian), the index of its
/// first entry (u64, little-endian), the first 4 bytes of the SHA-256 of those 8
/// bytes and the payload, the payload (a batch of appends, JSON).
fn frame(out: &mut Vec<u8>, first: u64, payload: &[u8]) {
    out.extend_from_slice(&(payload.len() as u32).to_le_bytes());
    out.extend_from_slice(&first.to_le_bytes());
    out.extend_from_slice(&frame_check(&first.to_le_bytes(), payload));
    out.extend_from_slice(payload);
}

const FRAME_HEADER: usize = 16;

fn frame_check(first: &[u8], payload: &[u8]) -> [u8; 4] {
    let mut h = crate::crypto::Sha256Stream::default();
    h.update(first);
    h.update(payload);
    let digest = h.finish();
    [digest[0], digest[1], digest[2], digest[3]]
}

/// The frame at the start of `bytes` and its length, if it is whole and checks.
fn read_frame(bytes: &[u8]) -> Option<(Vec<JournalAppend>, usize)> {
    let len = u32::from_le_bytes(bytes.get(..4)?.try_into().ok()?) as usize;
    let first = bytes.get(4..12)?;
    let check = bytes.get(12..FRAME_HEADER)?;
    let end = FRAME_HEADER.checked_add(len)?;
    let payload = bytes.get(FRAME_HEADER..end)?;
    if frame_check(first, payload) != *check {
        return None;
    }
    let appends: Vec<JournalAppend> = decode(payload).ok()?;
    let first = u64::from_le_bytes(first.try_into().ok()?);
    if appends.first().map(|a| a.index) != Some(first) {
        return None;
    }
    Some((appends, end))
}

/// Whether a whole frame that checks, for entries from `from` on, starts anywhere
/// in `bytes` (only offsets whose index field is plausible are checked).
fn later_frame(bytes: &[u8], from: u64) -> bool {
    (0..bytes.len().saturating_sub(FRAME_HEADER)).any(|at| {
        let len = u32::from_le_bytes(bytes[at..at + 4].try_into().unwrap_or_default()) as usize;
        let index = u64::from_le_bytes(bytes[at + 4..at + 12].try_into().unwrap_or_default());
        len > 0
            && len <= bytes.len() - at - FRAME_HEADER
            && index >= from
            && index < from.saturating_add(1 << 32)
            && read_frame(&bytes[at..]).is_some()
    })
}

/// What tells that a file sled wrote changed since it was last fsynced.
#[derive(PartialEq, Eq)]
struct FileStamp {
    inode: u64,
    len: u64,
    modified: Option<std::time::SystemTime>,
    is_dir: bool,
}

impl FileStamp {
    fn of(path: &Path) -> Result<Option<FileStamp>, StoreError> {
        use std::os::unix::fs::MetadataExt;
        match std::fs::symlink_metadata(path) {
            Ok(m) => Ok(Some(FileStamp {
                inode: m.ino(),
                len: m.len(),
                modified: m.modified().ok(),
                is_dir: m.is_dir(),
            })),
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => Ok(None),
            Err(e) => Err(e.into()),
        }
    }
}

/// sled 0.34's log, which it rewrites in place.
const LOG_FILE: &str = "db";

impl MetadataStore for SledStore {
    fn insert_account(&self, account: &AccountRecord) -> Result<(), StoreError> {
        let _w = self.writing();
        let value = encode(account)?;
        let swapped = self.accounts.compare_and_swap(
            account.user.as_bytes(),
            None as Option<&[u8]>,
            Some(value),
        )?;
        if swapped.is_err() {
            return Err(StoreError::Conflict);
        }
        self.make_durable()
    }

    fn account(&self, user: &str) -> Result<Option<AccountRecord>, StoreError> {
        self.accounts
            .get(user.as_bytes())?
            .map(|v| decode(&v))
            .transpose()
    }

    fn update_account(
        &self,
        user: &str,
        change: &(dyn Fn(&mut AccountRecord) + Sync),
    ) -> Result<(), StoreError> {
        self.update(&self.accounts, user.as_bytes(), change)
    }

    fn put_session(&self, digest: &[u8; 32], session: &SessionRecord) -> Result<(), StoreError> {
        let _w = self.writing();
        self.sessions.insert(digest, encode(session)?)?;
        self.make_durable()
    }

    fn session(&self, digest: &[u8; 32]) -> Result<Option<SessionRecord>, StoreError> {
        self.sessions.get(digest)?.map(|v| decode(&v)).transpose()
    }

    fn delete_session(&self, digest: &[u8; 32]) -> Result<(), StoreError> {
        let _w = self.writing();
        self.sessions.remove(digest)?;
        self.make_durable()
    }

    fn delete_sessions_of(&self, user: &str) -> Result<usize, StoreError> {
        let _w = self.writing();
        self.remove_sessions_where(|s| s.user == user)
    }

    fn purge_sessions(&self, now_ms: i64) -> Result<usize, StoreError> {
        let _w = self.writing();
        self.remove_sessions_where(|s| s.expires_ms <= now_ms)
    }

    fn insert_document(&self, doc: &DocumentRow, quota: &Quota) -> Result<(), StoreError> {
        let _w = self.writing();
        (&self.accounts, &self.documents, &self.owner_index)
            .transaction(|(accounts, documents, index)| {
                let Some(bytes) = accounts.get(doc.owner.as_bytes())? else {
                    return abort(StoreError::NotFound);
                };
                let mut account: AccountRecord = decode(&bytes).or_else(abort)?;
                let (max_documents, max_bytes) = match account.quota {
                    Some(own) => (own.documents, own.bytes),
                    None => (quota.documents, quota.bytes),
                };
                let usage = &mut account.usage;
                if usage.documents + 1 > max_documents || usage.bytes + doc.size > max_bytes {
                    return abort(StoreError::QuotaExceeded);
                }
                if documents.get(doc.id.as_bytes())?.is_some() {
                    return abort(StoreError::Conflict);
                }
                usage.documents += 1;
                usage.bytes += doc.size;
                accounts.insert(doc.owner.as_bytes(), encode(&account).or_else(abort)?)?;
                documents.insert(doc.id.as_bytes(), encode(doc).or_else(abort)?)?;
                index.insert(owner_key(&doc.owner, &doc.id), &[])?;
                Ok(())
            })
            .map_err(tx_error)?;
        self.make_durable()
    }

    fn document(&self, id: &str) -> Result<Option<DocumentRow>, StoreError> {
        self.documents
            .get(id.as_bytes())?
            .map(|v| decode(&v))
            .transpose()
    }

    fn documents_of(&self, owner: &str) -> Result<Vec<DocumentRow>, StoreError> {
        let prefix = owner_key(owner, "");
        let mut out = Vec::new();
        for entry in self.owner_index.scan_prefix(&prefix) {
            let (key, _) = entry?;
            let id = String::from_utf8_lossy(&key[prefix.len()..]).into_owned();
            if let Some(doc) = self.document(&id)? {
                out.push(doc);
            }
        }
        out.sort_by(|a, b| a.added_ms.cmp(&b.added_ms).then(a.id.cmp(&b.id)));
        Ok(out)
    }

    fn document_ids_of(&self, owner: &str) -> Result<Vec<String>, StoreError> {
        let prefix = owner_key(owner, "");
        self.owner_index
            .scan_prefix(&prefix)
            .keys()
            .map(|key| Ok(String::from_utf8_lossy(&key?[prefix.len()..]).into_owned()))
            .collect()
    }

    fn delete_document(&self, id: &str) -> Result<Option<DocumentRow>, StoreError> {
        let _w = self.writing();
        let removed = (&self.accounts, &self.documents, &self.owner_index)
            .transaction(|(accounts, documents, index)| {
                let Some(bytes) = documents.remove(id.as_bytes())? else {
                    return Ok(None);
                };
                let doc: DocumentRow = decode(&bytes).or_else(abort)?;
                index.remove(owner_key(&doc.owner, &doc.id))?;
                if let Some(bytes) = accounts.get(doc.owner.as_bytes())? {
                    let mut account: AccountRecord = decode(&bytes).or_else(abort)?;
                    account.usage.documents = account.usage.documents.saturating_sub(1);
                    account.usage.bytes = account.usage.bytes.saturating_sub(doc.size);
                    accounts.insert(doc.owner.as_bytes(), encode(&account).or_else(abort)?)?;
                }
                Ok(Some(doc))
            })
            .map_err(tx_error)?;
        self.make_durable()?;
        Ok(removed)
    }

    fn has_document(&self, id: &str) -> Result<bool, StoreError> {
        Ok(self.documents.contains_key(id.as_bytes())?)
    }

    fn accounts(&self) -> Result<Vec<AccountRecord>, StoreError> {
        values(&self.accounts)
    }

    fn put_enrolment(&self, digest: &[u8; 32], e: &EnrolmentRecord) -> Result<(), StoreError> {
        let _w = self.writing();
        self.enrolments.insert(digest, encode(e)?)?;
        self.make_durable()
    }

    fn take_enrolment(&self, digest: &[u8; 32]) -> Result<Option<EnrolmentRecord>, StoreError> {
        let _w = self.writing();
        let taken = self.enrolments.remove(digest)?;
        self.make_durable()?;
        taken.map(|v| decode(&v)).transpose()
    }

    fn enrolments(&self) -> Result<Vec<EnrolmentRecord>, StoreError> {
        values(&self.enrolments)
    }

    fn put_invitation(&self, digest: &[u8; 32], i: &InvitationRecord) -> Result<(), StoreError> {
        let _w = self.writing();
        self.invitations.insert(digest, encode(i)?)?;
        self.make_durable()
    }

    fn take_invitation(&self, digest: &[u8; 32]) -> Result<Option<InvitationRecord>, StoreError> {
        let _w = self.writing();
        let taken = self.invitations.remove(digest)?;
        self.make_durable()?;
        taken.map(|v| decode(&v)).transpose()
    }

    fn invitations(&self) -> Result<Vec<([u8; 32], InvitationRecord)>, StoreError> {
        let mut out = Vec::new();
        for item in self.invitations.iter() {
            let (k, v) = item?;
            let digest: [u8; 32] = k
                .as_ref()
                .try_into()
                .map_err(|_| StoreError::Corrupt("invitation key".into()))?;
            out.push((digest, decode(&v)?));
        }
        Ok(out)
    }

    fn purge_expired_codes(&self, now_ms: i64) -> Result<usize, StoreError> {
        let _w = self.writing();
        let mut removed = 0;
        for entry in self.enrolments.iter() {
            let (key, value) = entry?;
            if decode::<EnrolmentRecord>(&value)?.expires_ms <= now_ms {
                self.enrolments.remove(key)?;
                removed += 1;
            }
        }
        for entry in self.invitations.iter() {
            let (key, value) = entry?;
            if decode::<InvitationRecord>(&value)?.expires_ms <= now_ms {
                self.invitations.remove(key)?;
                removed += 1;
            }
        }
        if removed > 0 {
            self.make_durable()?;
        }
        Ok(removed)
    }

    fn insert_grant(&self, record: &GrantRecord) -> Result<(), StoreError> {
        let _w = self.writing();
        let g = &record.grant;
        (&self.grants, &self.grant_index)
            .transaction(|(grants, index)| {
                if grants.get(g.id.as_bytes())?.is_some() {
                    return abort(StoreError::Conflict);
                }
                grants.insert(g.id.as_bytes(), encode(record).or_else(abort)?)?;
                index.insert(owner_key(&g.citizen, &g.id), &[])?;
                index.insert(owner_key(&g.mediator, &g.id), &[])?;
                Ok(())
            })
            .map_err(tx_error)?;
        self.make_durable()
    }

    fn grant(&self, id: &str) -> Result<Option<GrantRecord>, StoreError> {
        get(&self.grants, id.as_bytes())
    }

    fn grants_of(&self, user: &str) -> Result<Vec<GrantRecord>, StoreError> {
        indexed(&self.grant_index, &self.grants, user)
    }

    fn grants_with_envelopes(&self) -> Result<Vec<GrantRecord>, StoreError> {
        let all: Vec<GrantRecord> = values(&self.grants)?;
        Ok(all
            .into_iter()
            .filter(|g| !g.envelopes.is_empty())
            .collect())
    }

    fn update_grant(
        &self,
        id: &str,
        change: &(dyn Fn(&mut GrantRecord) + Sync),
    ) -> Result<(), StoreError> {
        self.update(&self.grants, id.as_bytes(), change)
    }

    fn insert_request(&self, r: &RequestRecord) -> Result<(), StoreError> {
        let _w = self.writing();
        (&self.requests, &self.request_index)
            .transaction(|(requests, index)| {
                requests.insert(r.id.as_bytes(), encode(r).or_else(abort)?)?;
                index.insert(owner_key(&r.citizen, &r.id), &[])?;
                index.insert(owner_key(&r.mediator, &r.id), &[])?;
                Ok(())
            })
            .map_err(tx_error)?;
        self.make_durable()
    }

    fn request(&self, id: &str) -> Result<Option<RequestRecord>, StoreError> {
        get(&self.requests, id.as_bytes())
    }

    fn requests_of(&self, user: &str) -> Result<Vec<RequestRecord>, StoreError> {
        indexed(&self.request_index, &self.requests, user)
    }

    fn update_request(
        &self,
        id: &str,
        change: &(dyn Fn(&mut RequestRecord) + Sync),
    ) -> Result<(), StoreError> {
        self.update(&self.requests, id.as_bytes(), change)
    }

    fn journal_size(&self) -> Result<u64, StoreError> {
        match self.jmeta.get(SIZE_KEY)? {
            Some(v) => be_u64(&v),
            None => Ok(0),
        }
    }

    fn journal_node(&self, level: u32, index: u64) -> Result<Option<[u8; 32]>, StoreError> {
        match self.jnodes.get(node_key(level, index))? {
            Some(v) => <[u8; 32]>::try_from(v.as_ref())
                .map(Some)
                .map_err(|_| StoreError::Corrupt("journal node".into())),
            None => Ok(None),
        }
    }

    fn journal_head(&self, subject: &[u8; 32]) -> Result<Option<SubjectHead>, StoreError> {
        get(&self.jheads, subject)
    }

    fn journal_append(&self, appends: &[JournalAppend]) -> Result<(), StoreError> {
        let _w = self.writing();
        self.apply_journal(appends)?;
        if self.bulk.load(Ordering::SeqCst) {
            return Ok(());
        }
        let Some(first) = appends.first() else {
            return Ok(());
        };
        // One frame per batch: a crash can tear only the last one.
        let mut framed = Vec::new();
        frame(&mut framed, first.index, &encode(&appends)?);
        use std::os::unix::fs::FileExt;
        let wal = self.wal.lock().unwrap_or_else(|p| p.into_inner());
        let at = self.wal_bytes.load(Ordering::SeqCst);
        self.wal_high
            .fetch_max(at + framed.len() as u64, Ordering::SeqCst);
        // A write that fails leaves part of a frame where the next batch will be
        // written over it: never a hole before acknowledged frames.
        wal.write_all_at(&framed, at)?;
        self.wal_bytes
            .fetch_add(framed.len() as u64, Ordering::SeqCst);
        Ok(())
    }

    fn journal_sync(&self) -> Result<(), StoreError> {
        if self.bulk.load(Ordering::SeqCst) {
            return Ok(());
        }
        let wal = self
            .wal
            .lock()
            .unwrap_or_else(|p| p.into_inner())
            .try_clone()?;
        Ok(wal.sync_data()?)
    }

    fn journal_settle(&self) -> Result<(), StoreError> {
        self.make_durable()?;
        self.empty_wal()
    }

    fn journal_log_bytes(&self) -> u64 {
        self.wal_bytes.load(Ordering::SeqCst)
    }

    fn journal_entry(&self, index: u64) -> Result<Option<JournalRecord>, StoreError> {
        get(&self.jleaves, &index.to_be_bytes())
    }

    fn journal_entries_of(&self, subject: &[u8; 32]) -> Result<Vec<u64>, StoreError> {
        self.jsubjects
            .scan_prefix(subject)
            .values()
            .map(|v| be_u64(&v?))
            .collect()
    }

    fn journal_checkpoint(&self) -> Result<Option<String>, StoreError> {
        Ok(self
            .jmeta
            .get(CHECKPOINT_KEY)?
            .map(|v| String::from_utf8_lossy(&v).into_owned()))
    }

    fn put_journal_checkpoint(&self, note: &str) -> Result<(), StoreError> {
        let _w = self.writing();
        self.jmeta.insert(CHECKPOINT_KEY, note.as_bytes())?;
        self.make_durable()
    }

    fn journal_forget_details(&self, subject: &[u8; 32]) -> Result<usize, StoreError> {
        let _w = self.writing();
        let mut erased = 0;
        for index in self.journal_entries_of(subject)? {
            let key = index.to_be_bytes();
            if let Some(mut record) = get::<JournalRecord>(&self.jleaves, &key)? {
                record.details = Default::default();
                self.jleaves.insert(key, encode(&record)?)?;
                erased += 1;
            }
        }
        self.make_durable()?;
        Ok(erased)
    }

    fn delete_account(&self, user: &str) -> Result<(), StoreError> {
        let _w = self.writing();
        for g in self.grants_of(user)? {
            if g.grant.citizen == user {
                self.grants.remove(g.grant.id.as_bytes())?;
                self.grant_index
                    .remove(owner_key(&g.grant.citizen, &g.grant.id))?;
                self.grant_index
                    .remove(owner_key(&g.grant.mediator, &g.grant.id))?;
            }
        }
        for r in self.requests_of(user)? {
            if r.citizen == user {
                self.requests.remove(r.id.as_bytes())?;
                self.request_index.remove(owner_key(&r.citizen, &r.id))?;
                self.request_index.remove(owner_key(&r.mediator, &r.id))?;
            }
        }
        self.remove_sessions_where(|s| s.user == user)?;
        self.accounts.remove(user.as_bytes())?;
        self.make_durable()
    }

    fn flush(&self) -> Result<(), StoreError> {
        self.make_durable()
    }

    fn export(&self, out: &mut dyn Write) -> Result<u64, StoreError> {
        let _all = self.gate.write().unwrap_or_else(|p| p.into_inner());
        out.write_all(EXPORT_MAGIC)?;
        let mut records = 0u64;
        let mut names = self.db.tree_names();
        names.sort();
        // Sessions never leave: a session key in a backup would open the identity
        // sealed in a logged-out device's session.json. A restore starts with none.
        names.retain(|n| n.as_ref() != SESSIONS_TREE.as_bytes());
        for name in names {
            let tree = self.db.open_tree(&name)?;
            export_field(out, b'T', &[&name])?;
            for entry in tree.iter() {
                let (key, value) = entry?;
                export_field(out, b'K', &[&key, &value])?;
                records += 1;
            }
        }
        out.write_all(b"E")?;
        out.write_all(&records.to_be_bytes())?;
        out.flush()?;
        Ok(records)
    }

    fn restore_notices(&self) -> Result<Vec<String>, StoreError> {
        match get::<Vec<String>>(&self.jmeta, RESTORES_KEY)? {
            Some(notes) => Ok(notes),
            None => Ok(Vec::new()),
        }
    }

    fn add_restore_notice(&self, note: &str) -> Result<(), StoreError> {
        let _w = self.writing();
        let mut notes = self.restore_notices()?;
        notes.push(note.to_owned());
        self.jmeta.insert(RESTORES_KEY, encode(&notes)?)?;
        self.make_durable()
    }

    fn probe(&self) -> Result<(), StoreError> {
        let _w = self.writing();
        let now = std::time::SystemTime::now()
            .duration_since(std::time::UNIX_EPOCH)
            .unwrap_or_default()
            .as_nanos();
        let written = self
            .jmeta
            .insert(PROBE_KEY, &now.to_be_bytes())
            .map_err(StoreError::from)
            .and_then(|_| self.make_durable());
        match written {
            Ok(()) => Ok(()),
            // sled 0.34 keeps the first error of its log writer and returns it to
            // every later call: if the same directory takes a plain file now, only
            // opening the database again will help.
            Err(e) if self.scratch_write().is_ok() => Err(StoreError::Stuck(e.to_string())),
            Err(e) => Err(e),
        }
    }
}

/// fsyncs a file (only its data and size when `data_only`); one removed meanwhile
/// (sled replaces its snapshots) needs none.
fn sync_if_present(path: &Path, data_only: bool) -> Result<(), StoreError> {
    match File::open(path) {
        Ok(f) if data_only => Ok(f.sync_data()?),
        Ok(f) => Ok(f.sync_all()?),
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => Ok(()),
        Err(e) => Err(e.into()),
    }
}

const PROBE_KEY: &[u8] = b"ready-probe";
const SCRATCH_FILE: &str = "ready-probe";
const SCRATCH_BYTES: usize = 256 * 1024;

impl SledStore {
    /// Writes, fsyncs and removes a plain file beside the database.
    fn scratch_write(&self) -> std::io::Result<()> {
        let path = self.dir.join(SCRATCH_FILE);
        let written = File::create(&path).and_then(|mut f| {
            f.write_all(&vec![0u8; SCRATCH_BYTES])?;
            f.sync_all()
        });
        let removed = std::fs::remove_file(&path);
        written?;
        removed
    }
}

const SIZE_KEY: &[u8] = b"size";
/// The journal batch being written ([`PendingBatch`]).
const PENDING_KEY: &[u8] = b"pending-batch";
/// The signed notices of the restores this journal went through, oldest first.
const RESTORES_KEY: &[u8] = b"restore-notices";

/// The first bytes of an export (see [`SledStore::import`] for the format).
const EXPORT_MAGIC: &[u8] = b"coffre-metadata-export v1\n";
/// Largest key or value an import accepts (sled's are far smaller here).
const MAX_EXPORT_FIELD: u32 = 64 * 1024 * 1024;

/// One record of an export: its tag, then each field as a u32 length and bytes.
fn export_field(out: &mut dyn Write, tag: u8, fields: &[&[u8]]) -> Result<(), StoreError> {
    out.write_all(&[tag])?;
    for f in fields {
        let len = u32::try_from(f.len()).map_err(|_| StoreError::Corrupt("field".into()))?;
        out.write_all(&len.to_be_bytes())?;
        out.write_all(f)?;
    }
    Ok(())
}

fn import_field(input: &mut dyn std::io::Read) -> Result<Vec<u8>, StoreError> {
    let mut len = [0u8; 4];
    input.read_exact(&mut len)?;
    let len = u32::from_be_bytes(len);
    if len > MAX_EXPORT_FIELD {
        return Err(StoreError::Corrupt("export field too long".into()));
    }
    let mut bytes = vec![0u8; len as usize];
    input.read_exact(&mut bytes)?;
    Ok(bytes)
}
const CHECKPOINT_KEY: &[u8] = b"checkpoint";

fn node_key(level: u32, index: u64) -> [u8; 12] {
    let mut k = [0u8; 12];
    k[..4].copy_from_slice(&level.to_be_bytes());
    k[4..].copy_from_slice(&index.to_be_bytes());
    k
}

fn subject_key(subject: &[u8; 32], seq: u64) -> [u8; 40] {
    let mut k = [0u8; 40];
    k[..32].copy_from_slice(subject);
    k[32..].copy_from_slice(&seq.to_be_bytes());
    k
}

fn be_u64(bytes: &[u8]) -> Result<u64, StoreError> {
    <[u8; 8]>::try_from(bytes)
        .map(u64::from_be_bytes)
        .map_err(|_| StoreError::Corrupt("journal counter".into()))
}

fn get<T: DeserializeOwned>(tree: &sled::Tree, key: &[u8]) -> Result<Option<T>, StoreError> {
    tree.get(key)?.map(|v| decode(&v)).transpose()
}

fn values<T: DeserializeOwned>(tree: &sled::Tree) -> Result<Vec<T>, StoreError> {
    tree.iter().values().map(|v| decode(&v?)).collect()
}

/// The records of `data` whose ids the index lists under `user`.
fn indexed<T: DeserializeOwned>(
    index: &sled::Tree,
    data: &sled::Tree,
    user: &str,
) -> Result<Vec<T>, StoreError> {
    let prefix = owner_key(user, "");
    let mut out = Vec::new();
    for entry in index.scan_prefix(&prefix) {
        let (key, _) = entry?;
        if let Some(v) = get(data, &key[prefix.len()..])? {
            out.push(v);
        }
    }
    Ok(out)
}

impl SledStore {
    /// Read-modify-write of one JSON record, atomically, then durable.
    fn update<T: Serialize + DeserializeOwned>(
        &self,
        tree: &sled::Tree,
        key: &[u8],
        change: &(dyn Fn(&mut T) + Sync),
    ) -> Result<(), StoreError> {
        let _w = self.writing();
        tree.transaction(|tx| {
            let Some(bytes) = tx.get(key)? else {
                return abort(StoreError::NotFound);
            };
            let mut value: T = decode(&bytes).or_else(abort)?;
            change(&mut value);
            tx.insert(key, encode(&value).or_else(abort)?)?;
            Ok(())
        })
        .map_err(tx_error)?;
        self.make_durable()
    }

    fn remove_sessions_where(
        &self,
        condemned: impl Fn(&SessionRecord) -> bool,
    ) -> Result<usize, StoreError> {
        let mut removed = 0;
        for entry in self.sessions.iter() {
            let (key, value) = entry?;
            let session: SessionRecord = decode(&value)?;
            if condemned(&session) {
                self.sessions.remove(key)?;
                removed += 1;
            }
        }
        if removed > 0 {
            self.make_durable()?;
        }
        Ok(removed)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::api::{Bytes, KdfParams, PublicKeys, Role, Usage, WrappedIdentity};

    fn entry(index: u64) -> JournalAppend {
        JournalAppend {
            index,
            record: JournalRecord {
                leaf: vec![index as u8; 120].into(),
                details: vec![7; 40].into(),
            },
            nodes: vec![(0, index, [index as u8; 32])],
            subject: [1; 32],
            head: SubjectHead {
                seq: index,
                leaf_hash: [index as u8; 32],
            },
        }
    }

    /// The files of a store as a crash would leave them: what was written to them
    /// (the page cache survives a killed process), not what sled still held.
    fn crash_copy(from: &Path, to: &Path) {
        std::fs::create_dir_all(to).unwrap();
        for e in std::fs::read_dir(from).unwrap() {
            let e = e.unwrap();
            if e.file_type().unwrap().is_file() {
                std::fs::copy(e.path(), to.join(e.file_name())).unwrap();
            }
        }
    }

    #[test]
    fn an_acknowledged_journal_entry_survives_what_sled_had_not_written() {
        let dir = tempfile::tempdir().unwrap();
        let live = dir.path().join("live");
        let store = SledStore::open(&live).unwrap();
        for i in 0..20 {
            store.journal_append(&[entry(i)]).unwrap();
            store.journal_sync().unwrap(); // acknowledged from here
        }
        // Killed now: sled had not flushed its own buffers.
        let crashed = dir.path().join("crashed");
        crash_copy(&live, &crashed);
        let reopened = SledStore::open(&crashed).unwrap();
        assert_eq!(reopened.journal_size().unwrap(), 20);
        assert_eq!(
            reopened.journal_entry(19).unwrap().unwrap().leaf.as_slice(),
            &[19u8; 120][..]
        );
        assert_eq!(reopened.journal_node(0, 19).unwrap(), Some([19u8; 32]));
        assert_eq!(reopened.journal_head(&[1; 32]).unwrap().unwrap().seq, 19);
        // Opening made it durable in sled's own files and emptied the log.
        let emptied = std::fs::read(crashed.join(WAL_FILE)).unwrap();
        assert!(
            emptied.iter().all(|b| *b == 0),
            "the log is zeroed once applied"
        );
        drop(reopened);

        // A torn last frame (never acknowledged) is dropped; a bad frame followed
        // by more is damage, refused rather than skipped.
        store.journal_append(&[entry(20)]).unwrap();
        store.journal_sync().unwrap();
        store.journal_append(&[entry(21)]).unwrap();
        store.journal_sync().unwrap();
        let wal = std::fs::read(live.join(WAL_FILE)).unwrap();
        // Where its frames end, and where the last one starts.
        let (end, last) = {
            let (mut at, mut last) = (0, 0);
            while let Some((_, len)) = read_frame(&wal[at..]) {
                last = at;
                at += len;
            }
            (at, last)
        };
        assert!(end > 0 && wal[end..].iter().all(|b| *b == 0));
        let torn = dir.path().join("torn");
        crash_copy(&live, &torn);
        let mut cut = wal.clone();
        cut[end - 10..end].fill(0); // the last batch's end never reached the disk
        std::fs::write(torn.join(WAL_FILE), &cut).unwrap();
        let reopened = SledStore::open(&torn).unwrap();
        assert!(reopened.journal_size().unwrap() >= 21);
        drop(reopened);
        // A power cut that kept the end of the last batch's frame but not its header
        // (pages written out of order): still the torn tail, not damage.
        let mut headless = wal.clone();
        headless[last..last + FRAME_HEADER].fill(0);
        let reordered = dir.path().join("reordered");
        crash_copy(&live, &reordered);
        std::fs::write(reordered.join(WAL_FILE), &headless).unwrap();
        let reopened = SledStore::open(&reordered).unwrap();
        assert!(reopened.journal_size().unwrap() >= 21);
        drop(reopened);
        let damaged = dir.path().join("damaged");
        crash_copy(&live, &damaged);
        let mut bad = wal.clone();
        bad[20] ^= 0x40;
        std::fs::write(damaged.join(WAL_FILE), &bad).unwrap();
        // (sled may hold some of these entries already; the log's damage is only
        // refused when it would hide one sled does not have.)
        match SledStore::open(&damaged) {
            Ok(s) => assert_eq!(s.journal_size().unwrap(), 22),
            Err(e) => assert!(matches!(e, StoreError::Corrupt(_)), "{e}"),
        }

        // Settled: sled durable on its own, the log empty.
        store.journal_settle().unwrap();
        assert_eq!(store.journal_log_bytes(), 0);
        let settled = std::fs::read(live.join(WAL_FILE)).unwrap();
        assert!(settled.iter().all(|b| *b == 0));
        let mode = std::os::unix::fs::PermissionsExt::mode(
            &std::fs::metadata(live.join(WAL_FILE))
                .unwrap()
                .permissions(),
        );
        assert_eq!(mode & 0o777, 0o600);
    }

    /// Entry `index`, `seq`-th of the chain of `subject`.
    fn link(index: u64, subject: u8, seq: u64) -> JournalAppend {
        JournalAppend {
            subject: [subject; 32],
            head: SubjectHead {
                seq,
                leaf_hash: [index as u8; 32],
            },
            ..entry(index)
        }
    }

    /// Her chain (subject 1) has two entries, another (2) one; then a batch that
    /// adds two to hers and starts a third chain (3).
    fn chains() -> ([JournalAppend; 3], [JournalAppend; 3]) {
        (
            [link(0, 1, 0), link(1, 2, 0), link(2, 1, 1)],
            [link(3, 1, 2), link(4, 3, 0), link(5, 1, 3)],
        )
    }

    #[test]
    fn a_journal_batch_cut_short_by_a_crash_leaves_no_ghost_in_a_chain() {
        let (before, batch) = chains();
        let dir = tempfile::tempdir().unwrap();
        let writes = {
            let store = SledStore::open(&dir.path().join("count")).unwrap();
            store.journal_append(&before).unwrap();
            store.journal_writes(&batch).unwrap().len()
        };
        for cut in 0..=writes {
            let path = dir.path().join(format!("cut{cut}"));
            {
                let store = SledStore::open(&path).unwrap();
                store.journal_append(&before).unwrap();
                store.journal_sync().unwrap();
                // The crash: sled recovers a prefix of what it was given; the
                // batch's frame never reached the journal's log.
                for w in store.journal_writes(&batch).unwrap().into_iter().take(cut) {
                    w.apply().unwrap();
                }
                store.db.flush().unwrap();
            }
            let store = SledStore::open(&path).unwrap();
            let (size, heads, hers) = (
                store.journal_size().unwrap(),
                [1u8, 2, 3].map(|s| store.journal_head(&[s; 32]).unwrap().map(|h| h.seq)),
                store.journal_entries_of(&[1; 32]).unwrap(),
            );
            if cut == writes {
                assert_eq!(
                    (size, heads, hers),
                    (6, [Some(3), Some(0), Some(0)], vec![0, 2, 3, 5])
                );
            } else {
                assert_eq!(
                    (size, heads, hers),
                    (3, [Some(1), Some(0), None], vec![0, 2]),
                    "cut after {cut} of {writes} writes"
                );
                assert!(store.journal_entry(3).unwrap().is_none());
                assert!(store.journal_entries_of(&[3; 32]).unwrap().is_empty());
                // Her next entry follows her real last one.
                store.journal_append(&[link(3, 1, 2)]).unwrap();
                assert_eq!(store.journal_entries_of(&[1; 32]).unwrap(), vec![0, 2, 3]);
            }
        }
    }

    #[test]
    fn a_journal_batch_whose_write_fails_half_way_is_undone_at_once() {
        let (before, batch) = chains();
        let dir = tempfile::tempdir().unwrap();
        let store = SledStore::open(dir.path()).unwrap();
        store.journal_append(&before).unwrap();
        let writes = store.journal_writes(&batch).unwrap().len();
        for k in 1..writes {
            store.fail_journal_write.store(k, Ordering::SeqCst);
            assert!(store.journal_append(&batch).is_err());
            // Nothing of it stays: a later batch chains from her real last entry.
            assert_eq!(store.journal_size().unwrap(), 3, "write {k} failed");
            assert_eq!(
                store.journal_head(&[1; 32]).unwrap().map(|h| h.seq),
                Some(1)
            );
            assert_eq!(store.journal_head(&[3; 32]).unwrap(), None);
            assert_eq!(store.journal_entries_of(&[1; 32]).unwrap(), vec![0, 2]);
        }
        store.fail_journal_write.store(usize::MAX, Ordering::SeqCst);
        store.journal_append(&batch).unwrap();
        assert_eq!(
            store.journal_entries_of(&[1; 32]).unwrap(),
            vec![0, 2, 3, 5]
        );
    }

    fn account(user: &str) -> AccountRecord {
        AccountRecord {
            user: user.into(),
            role: Role::Citizen,
            keys: PublicKeys {
                age_recipient: "age1x".into(),
                signing_key: Bytes::default(),
                binding: Bytes::default(),
            },
            salt: Bytes::default(),
            kdf: KdfParams::DEFAULT,
            auth_hash: String::new(),
            wrapped_identity: WrappedIdentity {
                nonce: Bytes::default(),
                ciphertext: Bytes::default(),
            },
            recovery_recipient: String::new(),
            recovery_envelope: Bytes::default(),
            recovery_hash: String::new(),
            created_ms: 0,
            usage: Usage::default(),
            mediator: None,
            disabled: false,
            quota: None,
        }
    }

    fn doc(id: &str, owner: &str, size: u64) -> DocumentRow {
        DocumentRow {
            id: crate::api::DocumentId::parse(&format!("{id:0>32}")).unwrap(),
            owner: owner.into(),
            size,
            added_ms: 1,
            meta: Bytes::default(),
            owner_envelope: Bytes::default(),
            payload_sha256: String::new(),
            signature: Bytes::default(),
        }
    }

    const QUOTA: Quota = Quota {
        bytes: 100,
        documents: 2,
        max_document_bytes: 100,
    };

    #[test]
    fn accounts_documents_and_quota() {
        let dir = tempfile::tempdir().unwrap();
        let s = SledStore::open(dir.path()).unwrap();
        s.insert_account(&account("alice")).unwrap();
        assert!(matches!(
            s.insert_account(&account("alice")),
            Err(StoreError::Conflict)
        ));
        s.insert_account(&account("bob")).unwrap();
        s.insert_document(&doc("d1", "alice", 60), &QUOTA).unwrap();
        assert!(matches!(
            s.insert_document(&doc("d2", "alice", 41), &QUOTA),
            Err(StoreError::QuotaExceeded)
        ));
        s.insert_document(&doc("d2", "alice", 40), &QUOTA).unwrap();
        assert!(matches!(
            s.insert_document(&doc("d3", "alice", 0), &QUOTA),
            Err(StoreError::QuotaExceeded)
        ));
        s.insert_document(&doc("d4", "bob", 5), &QUOTA).unwrap();
        assert_eq!(s.documents_of("alice").unwrap().len(), 2);
        assert_eq!(s.documents_of("bob").unwrap().len(), 1);
        assert_eq!(s.account("alice").unwrap().unwrap().usage.bytes, 100);
        assert!(s
            .delete_document(&format!("{:0>32}", "d1"))
            .unwrap()
            .is_some());
        assert!(s
            .delete_document(&format!("{:0>32}", "d1"))
            .unwrap()
            .is_none());
        let usage = s.account("alice").unwrap().unwrap().usage;
        assert_eq!((usage.bytes, usage.documents), (40, 1));
        assert!(!s.has_document(&format!("{:0>32}", "d1")).unwrap());
        assert!(s.has_document(&format!("{:0>32}", "d2")).unwrap());
        assert_eq!(
            s.document_ids_of("alice").unwrap(),
            vec![format!("{:0>32}", "d2")]
        );
        s.update_account("alice", &|a| a.salt = Bytes(vec![9]))
            .unwrap();
        assert_eq!(s.account("alice").unwrap().unwrap().salt, Bytes(vec![9]));
        assert!(matches!(
            s.update_account("nobody", &|_| {}),
            Err(StoreError::NotFound)
        ));
    }

    #[test]
    fn sessions_and_reopen() {
        let dir = tempfile::tempdir().unwrap();
        {
            let s = SledStore::open(dir.path()).unwrap();
            let rec = |user: &str, exp| SessionRecord {
                user: user.into(),
                created_ms: 0,
                expires_ms: exp,
                wrap_key: Bytes::default(),
            };
            s.put_session(&[1; 32], &rec("alice", 10)).unwrap();
            s.put_session(&[2; 32], &rec("alice", 1000)).unwrap();
            s.put_session(&[3; 32], &rec("bob", 1000)).unwrap();
            assert_eq!(s.purge_sessions(500).unwrap(), 1);
            assert_eq!(s.delete_sessions_of("alice").unwrap(), 1);
        }
        let s = SledStore::open(dir.path()).unwrap();
        assert!(s.session(&[3; 32]).unwrap().is_some());
        assert!(s.session(&[2; 32]).unwrap().is_none());
    }
}
