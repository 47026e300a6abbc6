//! The citizen's client verifies her journal: it pins the log's key on first contact,
//! keeps the last verified checkpoint and her chain's head in `COFFRE_HOME`, and at
//! every check verifies the checkpoint's signature, its consistency with the stored
//! one, the inclusion of each of her entries, a sequence without gaps, the links
//! between entries, and each details commitment. Any failure is an error with a
//! specific code, and the evidence is saved to a file.

use std::path::{Path, PathBuf};

use serde::{Deserialize, Serialize};

use super::account::Client;
use super::{ClientError, Session};
use crate::api::{
    Bytes, CheckpointResponse, ConsistencyResponse, ErrorCode, JournalKeyInfo, JournalPage,
    TrustChangeRequest,
};
use crate::crypto::{hex, sha256};
use crate::journal::checkpoint::{self, Checkpoint};
use crate::journal::leaf::Leaf;
use crate::journal::merkle::{leaf_hash, verify_consistency, verify_inclusion, Hash};
use crate::journal::notice::RestoreNotice;

/// One verified entry and its opened details.
#[derive(Clone, Debug)]
pub struct VerifiedEntry {
    pub index: u64,
    pub leaf: Leaf,
    pub details: crate::journal::details::Details,
}

/// What this device remembers of a journal. The file is named after the server this
/// device was pointed at and the user (never after anything the server announces), so
/// a server cannot get a fresh pin by announcing another origin.
#[derive(Clone, Debug, Serialize, Deserialize)]
struct Pinned {
    /// The journal's origin, pinned at registration (or from the recovery kit).
    origin: String,
    user: String,
    vkey: String,
    size: u64,
    root: Bytes,
    checkpoint: String,
    subject: Option<Bytes>,
    /// Number of this user's entries verified so far.
    entries: u64,
    /// Leaf hash of the last of them.
    head: Option<Bytes>,
    /// Every entry verified so far, so that a change of journal can say which of
    /// them are gone.
    #[serde(default)]
    seen: Vec<Seen>,
    /// Uploads and deletions this device made whose entries it has not verified
    /// yet: a restore that loses them can still name them.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    unverified: Vec<Own>,
    /// When this device last verified the journal successfully (its clock, Unix
    /// ms): a restore notice explains a rollback only if signed after it.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    checked_ms: Option<i64>,
    /// The restores she accepted (`restored_ms:size`): none explains anything again.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    accepted_restores: Vec<String>,
    /// Set when a check failed: every later check refuses, until a person who
    /// understands the evidence removes this file.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    alarm: Option<Alarm>,
}

/// How a restore is remembered once accepted.
fn restore_id(n: &RestoreNotice) -> String {
    format!("{}:{}", n.restored_ms, n.size)
}

/// How far apart the server's clock and this device's may be when a restore
/// notice's times are compared with the entries and with this device's last check.
const CLOCK_SLACK_MS: i64 = 10 * 60 * 1000;

/// Most entries of one account read in one check: far above any citizen's history
/// (ten a day for twenty years), and a bound on what a phone holds.
const MAX_ENTRIES_PER_SYNC: u64 = 100_000;

/// One entry this device verified, remembered.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct Seen {
    pub seq: u64,
    pub time_ms: i64,
    pub action: String,
    pub phase: String,
    /// Its leaf hash, hex.
    pub hash: String,
    /// The document it is about, if any (an id: never a title, this file is not sealed).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub document: Option<String>,
    /// Its leaf's index in the log.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub index: Option<u64>,
}

impl Seen {
    fn of(e: &VerifiedEntry) -> Seen {
        Seen {
            seq: e.leaf.seq,
            time_ms: e.leaf.time_ms,
            action: e.leaf.action.as_str().to_owned(),
            phase: e.leaf.phase.as_str().to_owned(),
            hash: hex(&leaf_hash(&e.leaf.encode())),
            document: e.details.document.as_ref().map(|d| d.to_string()),
            index: Some(e.index),
        }
    }
}

/// An upload or deletion this device made (ids only: the file is not sealed).
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
struct Own {
    action: String,
    document: String,
}

/// What is left of `unverified` once `seen` holds entries for them.
fn still_unverified(unverified: &[Own], seen: &[Seen]) -> Vec<Own> {
    unverified
        .iter()
        .filter(|o| {
            !seen
                .iter()
                .any(|s| s.action == o.action && s.document.as_deref() == Some(&o.document))
        })
        .cloned()
        .collect()
}

/// A failed check, remembered.
#[derive(Clone, Debug, Serialize, Deserialize)]
struct Alarm {
    code: String,
    detail: String,
    evidence: String,
}

/// Everything a failed check saw, kept for the citizen (and whoever helps her).
#[derive(Serialize)]
struct Evidence<'a> {
    error: &'a str,
    detail: &'a str,
    pinned: Option<&'a Pinned>,
    checkpoint: Option<&'a str>,
    consistency_proof: Option<&'a [Bytes]>,
    page: Option<&'a JournalPage>,
}

/// The state file of `user` at the server this device calls `base` (its URL). The
/// deployment is its host: the same server on another port is the same journal.
fn state_path(home: &Path, base: &str, user: &str) -> PathBuf {
    let id = hex(&sha256(format!("{}\n{user}", deployment(base)).as_bytes())[..8]);
    home.join(format!("journal-{id}.json"))
}

/// The host part of a base URL, lower-cased: `https://Coffre.example:8443/` →
/// `coffre.example`.
pub(crate) fn deployment(base: &str) -> String {
    let rest = base.split_once("://").map_or(base, |(_, r)| r);
    let authority = rest.split(['/', '?', '#']).next().unwrap_or("");
    let host = match authority.strip_prefix('[') {
        Some(v6) => v6.split(']').next().unwrap_or(""),
        None => authority.rsplit_once(':').map_or(authority, |(h, _)| h),
    };
    host.to_ascii_lowercase()
}

fn load(path: &Path) -> Result<Option<Pinned>, ClientError> {
    match std::fs::read(path) {
        Ok(bytes) => serde_json::from_slice(&bytes)
            .map(Some)
            .map_err(|e| ClientError::Protocol(format!("{}: {e}", path.display()))),
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => Ok(None),
        Err(e) => Err(ClientError::file(path, e)),
    }
}

/// A failed check: writes the evidence, raises the alarm, returns the loud error.
struct Failure<'a> {
    home: &'a Path,
    state: &'a Path,
    pinned: Option<&'a Pinned>,
    checkpoint: Option<&'a str>,
    consistency: Option<&'a [Bytes]>,
    page: Option<&'a JournalPage>,
    /// Asks the server for a signed restore notice that explains a shorter or
    /// different journal (only when one is met: it costs a request).
    restores: Option<&'a dyn Fn() -> Option<RestoreNotice>>,
}

impl Failure<'_> {
    /// A journal that no longer extends the pinned one: a restore from a backup
    /// when the journal's key signed a notice saying so (shown as such, with the
    /// backup's date), else an alarm with `code`.
    fn rolled_back(&self, code: ErrorCode, detail: &str) -> ClientError {
        match self.restores.and_then(|ask| ask()) {
            Some(n) => {
                let when = time::OffsetDateTime::from_unix_timestamp_nanos(
                    i128::from(n.backup_ms) * 1_000_000,
                )
                .ok()
                .and_then(|t| {
                    t.format(time::macros::format_description!(
                        "[day]/[month]/[year] [hour]:[minute] UTC"
                    ))
                    .ok()
                })
                .unwrap_or_else(|| n.backup_ms.to_string());
                self.fail(ErrorCode::JournalRestored, &when)
            }
            None => self.fail(code, detail),
        }
    }

    fn fail(&self, code: ErrorCode, detail: &str) -> ClientError {
        let now = std::time::SystemTime::now()
            .duration_since(std::time::UNIX_EPOCH)
            .map(|d| d.as_millis())
            .unwrap_or(0);
        let path = self.home.join(format!("journal-evidence-{now}.json"));
        let evidence = Evidence {
            error: code.as_str(),
            detail,
            pinned: self.pinned,
            checkpoint: self.checkpoint,
            consistency_proof: self.consistency,
            page: self.page,
        };
        let written = serde_json::to_vec_pretty(&evidence)
            .map_err(std::io::Error::other)
            .and_then(|b| crate::crypto::keyfile::write_private(&path, &b));
        let shown = match written {
            Ok(()) => path.display().to_string(),
            Err(e) => format!("(impossible d'écrire {}: {e})", path.display()),
        };
        if let Some(p) = self.pinned {
            let mut raised = p.clone();
            raised.alarm = Some(Alarm {
                code: code.as_str().to_owned(),
                detail: detail.to_owned(),
                evidence: shown.clone(),
            });
            if let Ok(bytes) = serde_json::to_vec_pretty(&raised) {
                let _ = crate::crypto::keyfile::write_private(self.state, &bytes);
            }
        }
        ClientError::local(code, &[("detail", detail), ("path", &shown)])
    }
}

impl Client {
    /// Fetches and verifies this account's whole journal; returns every entry.
    pub fn journal(&self, session: &Session) -> Result<Vec<VerifiedEntry>, ClientError> {
        self.sync_journal(session, false)
    }

    /// Verifies what changed since the last check: the new checkpoint, its
    /// consistency with the pinned one (which covers every entry verified before),
    /// and this account's new entries, linked to the pinned head. Run before every
    /// command; cheap whatever the journal's length.
    pub fn check_journal(&self, session: &Session) -> Result<(), ClientError> {
        self.sync_journal(session, true).map(|_| ())
    }

    fn sync_journal(
        &self,
        session: &Session,
        incremental: bool,
    ) -> Result<Vec<VerifiedEntry>, ClientError> {
        let info: JournalKeyInfo = self.http.get_json("/v1/journal/key", session.token())?;
        let path = state_path(&self.home, self.http.base(), &session.user);
        let pinned = load(&path)?;
        if let Some(alarm) = pinned.as_ref().and_then(|p| p.alarm.as_ref()) {
            return Err(ClientError::local(
                ErrorCode::parse(&alarm.code),
                &[("detail", &alarm.detail), ("path", &alarm.evidence)],
            ));
        }
        let explain = || {
            let p = pinned.as_ref()?;
            self.restore_explaining(session, p)
        };
        let mut f = Failure {
            home: &self.home,
            state: &path,
            pinned: pinned.as_ref(),
            checkpoint: None,
            consistency: None,
            page: None,
            restores: Some(&explain),
        };
        let (origin, vkey) = match &pinned {
            Some(p) if p.origin != info.origin => {
                let detail = format!("origine « {} » au lieu de « {} »", info.origin, p.origin);
                return Err(f.fail(ErrorCode::JournalKeyChanged, &detail));
            }
            Some(p) if p.vkey != info.vkey => {
                return Err(f.fail(ErrorCode::JournalKeyChanged, "clé de vérification"))
            }
            Some(p) => (p.origin.clone(), p.vkey.clone()),
            None => (key_origin(&info)?, info.vkey.clone()),
        };
        let note: CheckpointResponse = self
            .http
            .get_json("/v1/journal/checkpoint", session.token())?;
        f.checkpoint = Some(&note.checkpoint);
        let cp = checkpoint::verify(&note.checkpoint, &vkey)
            .map_err(|e| f.fail(ErrorCode::JournalTampered, &format!("checkpoint: {e}")))?;
        if cp.origin != origin {
            return Err(f.fail(ErrorCode::JournalTampered, "checkpoint origin"));
        }
        let proof = self.check_extends(session, pinned.as_ref(), &cp, &f)?;
        f.consistency = proof.as_deref();
        // Incremental only from a pinned tree that the consistency proof covered.
        let from = match &pinned {
            Some(p) if incremental && p.head.is_some() => p.entries,
            _ => 0,
        };
        let page = self.entries(session, cp.size, from)?;
        f.page = Some(&page);
        let start = Start::new(from, pinned.as_ref());
        let entries = verify_page(session, &page, &cp, start, pinned.as_ref(), &f)?;
        let total = from + entries.len() as u64;
        let head = match entries.last() {
            Some(e) => Some(leaf_hash(&e.leaf.encode()).to_vec().into()),
            None => start.head.map(|h| h.to_vec().into()),
        };
        let mut seen = match &pinned {
            Some(p) if from > 0 => p.seen.clone(),
            _ => Vec::new(),
        };
        seen.extend(entries.iter().map(Seen::of));
        let unverified = pinned
            .as_ref()
            .map(|p| still_unverified(&p.unverified, &seen))
            .unwrap_or_default();
        let state = Pinned {
            origin,
            user: session.user.clone(),
            vkey,
            size: cp.size,
            root: cp.root.to_vec().into(),
            checkpoint: note.checkpoint.clone(),
            subject: entries
                .first()
                .map(|e| e.leaf.subject.to_vec().into())
                .or_else(|| pinned.as_ref().and_then(|p| p.subject.clone())),
            entries: total,
            head,
            seen,
            unverified,
            checked_ms: Some(now_ms()),
            accepted_restores: pinned
                .as_ref()
                .map(|p| p.accepted_restores.clone())
                .unwrap_or_default(),
            alarm: None,
        };
        save(&self.home, &path, &state)?;
        Ok(entries)
    }

    /// Pins the journal of `session`'s account at this server: the verifier key
    /// `from_kit` (a recovery kit's), or else the one the server announces now.
    /// `fresh` (a new account) replaces any earlier pin for this user here; otherwise
    /// an earlier pin is kept as it is. Returns the pinned verifier key.
    pub fn pin_journal(
        &self,
        session: &Session,
        from_kit: Option<&str>,
        fresh: bool,
    ) -> Result<String, ClientError> {
        let path = state_path(&self.home, self.http.base(), &session.user);
        if let (false, Some(p)) = (fresh, load(&path)?) {
            return Ok(p.vkey);
        }
        let vkey = match from_kit {
            Some(v) => v.to_owned(),
            None => {
                let info: JournalKeyInfo =
                    self.http.get_json("/v1/journal/key", session.token())?;
                key_origin(&info)?;
                info.vkey
            }
        };
        let (origin, _, _) = checkpoint::parse_verifier_key(&vkey)
            .map_err(|_| ClientError::local(ErrorCode::InvalidKit, &[]))?;
        let state = Pinned::new(origin, session.user.clone(), vkey.clone());
        save(&self.home, &path, &state)?;
        Ok(vkey)
    }

    /// The pinned verifier key of `user` at this server, if any.
    pub fn pinned_key(&self, user: &str) -> Result<Option<String>, ClientError> {
        let path = state_path(&self.home, self.http.base(), user);
        Ok(load(&path)?.map(|p| p.vkey))
    }

    /// What changed since this device's pin, for a person to judge before accepting
    /// it: the old and new keys and checkpoints, and the entries this device had
    /// verified that the server's journal no longer holds. The new journal is
    /// verified in full under the key it announces now.
    pub fn journal_change(&self, session: &Session) -> Result<JournalChange, ClientError> {
        let path = state_path(&self.home, self.http.base(), &session.user);
        let Some(old) = load(&path)? else {
            return Err(ClientError::local(ErrorCode::NothingToAccept, &[]));
        };
        let info: JournalKeyInfo = self.http.get_json("/v1/journal/key", session.token())?;
        let origin = key_origin(&info)?;
        let note: CheckpointResponse = self
            .http
            .get_json("/v1/journal/checkpoint", session.token())?;
        let f = Failure {
            home: &self.home,
            state: &path,
            pinned: None,
            checkpoint: Some(&note.checkpoint),
            consistency: None,
            page: None,
            restores: None,
        };
        let cp = checkpoint::verify(&note.checkpoint, &info.vkey)
            .map_err(|e| f.fail(ErrorCode::JournalTampered, &format!("checkpoint: {e}")))?;
        if cp.origin != origin {
            return Err(f.fail(ErrorCode::JournalTampered, "checkpoint origin"));
        }
        let page = self.entries(session, cp.size, 0)?;
        let entries = verify_page(session, &page, &cp, Start::new(0, None), None, &f)?;
        let now: std::collections::HashSet<String> =
            entries.iter().map(|e| Seen::of(e).hash).collect();
        let missing: Vec<Seen> = old
            .seen
            .iter()
            .filter(|s| !now.contains(&s.hash))
            .cloned()
            .collect();
        let unchanged = old.alarm.is_none() && old.vkey == info.vkey;
        if unchanged {
            return Err(ClientError::local(ErrorCode::NothingToAccept, &[]));
        }
        let explained = self.restore_explaining(session, &old);
        let mut accepted_restores = old.accepted_restores.clone();
        accepted_restores.extend(explained.as_ref().map(restore_id));
        let restore = explained.map(|n| RestoreView {
            backup_ms: n.backup_ms,
            restored_ms: n.restored_ms,
            size: n.size,
        });
        let mut gone = missing.clone();
        gone.extend(old.unverified.iter().map(|o| Seen {
            seq: 0,
            time_ms: 0,
            action: o.action.clone(),
            phase: "done".into(),
            hash: String::new(),
            document: Some(o.document.clone()),
            index: None,
        }));
        let (lost_documents, back_documents) = self.documents_changed(session, &origin, &gone)?;
        let verified = Pinned {
            origin: origin.clone(),
            user: session.user.clone(),
            vkey: info.vkey.clone(),
            size: cp.size,
            root: cp.root.to_vec().into(),
            checkpoint: note.checkpoint.clone(),
            subject: entries.first().map(|e| e.leaf.subject.to_vec().into()),
            entries: entries.len() as u64,
            head: entries
                .last()
                .map(|e| leaf_hash(&e.leaf.encode()).to_vec().into()),
            seen: entries.iter().map(Seen::of).collect(),
            unverified: Vec::new(),
            checked_ms: Some(now_ms()),
            accepted_restores,
            alarm: None,
        };
        Ok(JournalChange {
            verified: Some(verified),
            alarm: old.alarm.as_ref().map(|a| a.code.clone()),
            old_key: old.vkey.clone(),
            old_checkpoint: old.checkpoint.clone(),
            old_entries: old.entries,
            new_key: info.vkey,
            new_checkpoint: note.checkpoint,
            new_entries: entries.len() as u64,
            missing,
            restore,
            lost_documents,
            back_documents,
        })
    }

    /// Documents she knew of that the server no longer has (in the listing this
    /// device kept, sealed, or uploaded in an entry that is gone), and documents
    /// the server has again although an entry that is gone deleted them.
    fn documents_changed(
        &self,
        session: &Session,
        origin: &str,
        missing: &[Seen],
    ) -> Result<(Vec<ChangedDocument>, Vec<ChangedDocument>), ClientError> {
        let kept = super::listing_cache::read(&self.home, session)
            .map(|k| k.records)
            .unwrap_or_default();
        let mut titles = super::documents::titles_of(session, origin, &kept);
        // Read without replacing the kept listing (a second look must name the same
        // papers); a paper counts as there only if its record opens and its seal
        // verifies here, so that placeholders cannot hide a loss.
        let current = self.records_fresh(session)?;
        let opened = super::documents::titles_of(session, origin, &current);
        let now: std::collections::HashSet<String> = opened.keys().cloned().collect();
        titles.extend(opened);
        let of = |action: &'static str| {
            missing
                .iter()
                .filter(move |s| s.action == action && s.phase == "done")
                .filter_map(|s| s.document.clone())
        };
        let mut lost: Vec<String> = kept
            .iter()
            .map(|r| r.id.to_string())
            .chain(of("upload"))
            .filter(|id| !now.contains(id))
            .collect();
        let mut back: Vec<String> = of("delete").filter(|id| now.contains(id)).collect();
        let named = |mut ids: Vec<String>| {
            ids.sort();
            ids.dedup();
            ids.into_iter()
                .map(|id| ChangedDocument {
                    title: titles.get(&id).cloned(),
                    id,
                })
                .collect::<Vec<_>>()
        };
        lost.retain(|id| !id.is_empty());
        back.retain(|id| !id.is_empty());
        Ok((named(lost), named(back)))
    }

    /// Accepts `change` after the citizen confirmed it: the server journals the
    /// acceptance in her chain, this device keeps the old state as evidence, pins
    /// the new key and verifies the whole journal under it.
    pub fn accept_journal_change(
        &self,
        session: &Session,
        change: &JournalChange,
    ) -> Result<PathBuf, ClientError> {
        let path = state_path(&self.home, self.http.base(), &session.user);
        let kept = self.home.join(format!("journal-change-{}.json", now_ms()));
        // The evidence names documents by id only: titles stay sealed.
        let mut untitled = change.clone();
        for d in untitled
            .lost_documents
            .iter_mut()
            .chain(untitled.back_documents.iter_mut())
        {
            d.title = None;
        }
        let json = serde_json::to_vec_pretty(&untitled)
            .map_err(|e| ClientError::Protocol(e.to_string()))?;
        crate::crypto::keyfile::write_private(&kept, &json)
            .map_err(|e| ClientError::file(&kept, e))?;
        let req = TrustChangeRequest {
            previous_key: change.old_key.clone(),
            previous_checkpoint: change.old_checkpoint.clone(),
            key: change.new_key.clone(),
            missing: change.missing.len() as u64,
        };
        self.http.send_json::<_, serde_json::Value>(
            "POST",
            "/v1/journal/accept-change",
            Some(session.token()),
            &req,
        )?;
        let state = change
            .verified
            .clone()
            .ok_or_else(|| ClientError::Protocol("journal change".into()))?;
        save(&self.home, &path, &state)?;
        // From here on the journal must extend the very one she was shown (its
        // checkpoint, her chain's head): the acceptance entry, and nothing removed.
        self.sync_journal(session, true)?;
        Ok(kept)
    }

    /// Notes an upload or a deletion this device made, until its entry is verified
    /// (a state file that cannot be written costs only that naming).
    pub(crate) fn remember_own(&self, session: &Session, action: &str, document: &str) {
        let path = state_path(&self.home, self.http.base(), &session.user);
        if let Ok(Some(mut p)) = load(&path) {
            p.unverified.push(Own {
                action: action.to_owned(),
                document: document.to_owned(),
            });
            let _ = save(&self.home, &path, &p);
        }
    }

    /// The latest restore notice signed by the pinned key that explains why the
    /// journal no longer holds what this device verified: the backup's tree is
    /// smaller than the pinned one.
    fn restore_explaining(&self, session: &Session, p: &Pinned) -> Option<RestoreNotice> {
        // Signed after this device last verified the journal (a notice from an
        // earlier restore explains nothing that happened since), for a tree smaller
        // than the one it pinned; the latest such.
        let list: crate::api::RestoreNotices = self
            .http
            .get_json("/v1/journal/restore-notices", session.token())
            .ok()?;
        let since = p
            .checked_ms
            .unwrap_or(i64::MIN)
            .saturating_sub(CLOCK_SLACK_MS);
        let n = list
            .notices
            .iter()
            .filter_map(|n| RestoreNotice::verify(n, &p.vkey).ok())
            .filter(|n| n.origin == p.origin && n.size < p.size && n.restored_ms >= since)
            .filter(|n| !p.accepted_restores.contains(&restore_id(n)))
            .max_by_key(|n| n.restored_ms)?;
        // The journal now extends the backup's tree the notice names.
        let note: CheckpointResponse = self
            .http
            .get_json("/v1/journal/checkpoint", session.token())
            .ok()?;
        let cp = checkpoint::verify(&note.checkpoint, &p.vkey).ok()?;
        if cp.origin != p.origin || cp.size < n.size {
            return None;
        }
        if cp.size == n.size {
            if cp.root != n.root {
                return None;
            }
        } else {
            let proof: ConsistencyResponse = self
                .http
                .get_json(
                    &format!("/v1/journal/consistency?from={}&to={}", n.size, cp.size),
                    session.token(),
                )
                .ok()?;
            let hashes: Vec<Vec<u8>> = proof.proof.iter().map(|h| h.0.clone()).collect();
            verify_consistency(n.size, cp.size, &n.root, &cp.root, &hashes).ok()?;
        }
        // Her chain in it: what came before the backup is what this device saw,
        // unchanged; only what came after it is gone.
        let page = self.entries(session, cp.size, 0).ok()?;
        let quiet = Failure {
            home: &self.home,
            state: &self.home.join("journal-restore-check.json"),
            pinned: None,
            checkpoint: None,
            consistency: None,
            page: None,
            restores: None,
        };
        let entries = verify_page(session, &page, &cp, Start::new(0, None), None, &quiet).ok()?;
        if let (Some(subject), Some(first)) = (&p.subject, entries.first()) {
            if subject.as_slice() != first.leaf.subject.as_slice() {
                return None;
            }
        }
        let now: std::collections::HashSet<String> =
            entries.iter().map(|e| Seen::of(e).hash).collect();
        let kept_before_backup = entries
            .iter()
            .filter(|e| e.index < n.size)
            .all(|e| e.leaf.time_ms <= n.backup_ms + CLOCK_SLACK_MS);
        let lost_after_backup = p.seen.iter().filter(|s| !now.contains(&s.hash)).all(|s| {
            s.time_ms >= n.backup_ms - CLOCK_SLACK_MS && s.index.is_none_or(|i| i >= n.size)
        });
        // Nothing she verified was made after that restore (both times are the
        // server's clock): a restore she already lived through explains nothing new.
        let before_restore = p.seen.iter().all(|s| s.time_ms <= n.restored_ms);
        (kept_before_backup && lost_after_backup && before_restore).then_some(n)
    }

    /// This account's entries from sequence number `from` in the tree of `size`
    /// leaves, page after page, as one page.
    fn entries(&self, session: &Session, size: u64, from: u64) -> Result<JournalPage, ClientError> {
        let mut all = JournalPage {
            size,
            entries: Vec::new(),
            next: None,
        };
        let mut at = from;
        loop {
            let page: JournalPage = self.http.get_json(
                &format!("/v1/journal/entries?size={size}&from={at}"),
                session.token(),
            )?;
            let got = page.entries.len() as u64;
            all.size = page.size;
            all.entries.extend(page.entries);
            // A tree of `size` leaves holds no more entries than that, and a page
            // that goes on must have moved on by exactly what it held.
            if all.entries.len() as u64 > size || all.entries.len() as u64 > MAX_ENTRIES_PER_SYNC {
                return Err(ClientError::Protocol("journal page".into()));
            }
            match page.next {
                Some(n) if got > 0 && n == at + got => at = n,
                Some(_) => return Err(ClientError::Protocol("journal page".into())),
                None => return Ok(all),
            }
        }
    }

    /// The new checkpoint must extend the pinned one: same or larger size, and a
    /// consistency proof from the pinned root.
    fn check_extends(
        &self,
        session: &Session,
        pinned: Option<&Pinned>,
        cp: &Checkpoint,
        f: &Failure<'_>,
    ) -> Result<Option<Vec<Bytes>>, ClientError> {
        let Some(p) = pinned else {
            return Ok(None);
        };
        if cp.size < p.size {
            let detail = format!("{} entrées au lieu de {}", cp.size, p.size);
            return Err(f.rolled_back(ErrorCode::JournalRollback, &detail));
        }
        if p.size == 0 || cp.size == p.size {
            if cp.size == p.size && cp.root.as_slice() != p.root.as_slice() {
                return Err(
                    f.rolled_back(ErrorCode::JournalTampered, "deux journaux de même taille")
                );
            }
            return Ok(None);
        }
        let proof: ConsistencyResponse = self.http.get_json(
            &format!("/v1/journal/consistency?from={}&to={}", p.size, cp.size),
            session.token(),
        )?;
        let hashes: Vec<Vec<u8>> = proof.proof.iter().map(|h| h.0.clone()).collect();
        verify_consistency(p.size, cp.size, p.root.as_slice(), &cp.root, &hashes).map_err(|e| {
            f.rolled_back(
                ErrorCode::JournalTampered,
                &format!("cohérence {} → {}: {e}", p.size, cp.size),
            )
        })?;
        Ok(Some(proof.proof))
    }
}

/// A change of journal (a new key, or a journal that no longer extends what this
/// device verified) as the citizen is shown it before accepting it.
#[derive(Clone, Debug, Serialize)]
pub struct JournalChange {
    /// The alarm raised when the change was met, if any.
    pub alarm: Option<String>,
    pub old_key: String,
    pub old_checkpoint: String,
    pub old_entries: u64,
    pub new_key: String,
    pub new_checkpoint: String,
    pub new_entries: u64,
    /// Entries this device had verified that the new journal does not hold.
    pub missing: Vec<Seen>,
    /// The restore that explains it, from a notice signed by the journal's key.
    pub restore: Option<RestoreView>,
    /// Documents she knew of that are gone.
    pub lost_documents: Vec<ChangedDocument>,
    /// Documents she had deleted that are back.
    pub back_documents: Vec<ChangedDocument>,
    /// The new journal exactly as it was verified and shown: what gets pinned if
    /// the citizen accepts, so that the server cannot show one journal and have
    /// another accepted.
    #[serde(skip)]
    verified: Option<Pinned>,
}

/// A restore from a backup, as its signed notice states it.
#[derive(Clone, Debug, Serialize)]
pub struct RestoreView {
    /// When the backup was taken, and the restore made (Unix ms).
    pub backup_ms: i64,
    pub restored_ms: i64,
    /// The journal's size in the backup.
    pub size: u64,
}

/// A document a change of journal lost or brought back.
#[derive(Clone, Debug, Serialize)]
pub struct ChangedDocument {
    pub id: String,
    /// Its title when this device can still open its metadata (shown, never kept
    /// in the evidence file).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub title: Option<String>,
}

impl Pinned {
    /// A pin with nothing verified yet.
    fn new(origin: String, user: String, vkey: String) -> Pinned {
        Pinned {
            origin,
            user,
            vkey,
            size: 0,
            root: Vec::new().into(),
            checkpoint: String::new(),
            subject: None,
            entries: 0,
            head: None,
            seen: Vec::new(),
            unverified: Vec::new(),
            checked_ms: None,
            accepted_restores: Vec::new(),
            alarm: None,
        }
    }
}

/// The origin a key announcement names, which must be its verifier key's name.
fn key_origin(info: &JournalKeyInfo) -> Result<String, ClientError> {
    match checkpoint::parse_verifier_key(&info.vkey) {
        Ok((name, _, _)) if name == info.origin => Ok(name),
        _ => Err(ClientError::Protocol("journal key announcement".into())),
    }
}

fn save(home: &Path, path: &Path, state: &Pinned) -> Result<(), ClientError> {
    let json =
        serde_json::to_vec_pretty(state).map_err(|e| ClientError::Protocol(e.to_string()))?;
    crate::crypto::keyfile::private_dir(home).map_err(|e| ClientError::file(home, e))?;
    crate::crypto::keyfile::write_private(path, &json).map_err(|e| ClientError::file(path, e))
}

fn now_ms() -> i64 {
    std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map(|d| d.as_millis() as i64)
        .unwrap_or(0)
}

/// Where a page starts: the sequence number of its first entry and the leaf hash
/// that entry must link to.
#[derive(Clone, Copy)]
struct Start {
    seq: u64,
    head: Option<Hash>,
}

impl Start {
    fn new(from: u64, pinned: Option<&Pinned>) -> Start {
        let head = match pinned {
            Some(p) if from > 0 => p.head.as_ref().and_then(|h| h.as_slice().try_into().ok()),
            _ => None,
        };
        Start { seq: from, head }
    }
}

/// Checks every entry of the page against the checkpoint and the pinned chain.
fn verify_page(
    session: &Session,
    page: &JournalPage,
    cp: &Checkpoint,
    start: Start,
    pinned: Option<&Pinned>,
    f: &Failure<'_>,
) -> Result<Vec<VerifiedEntry>, ClientError> {
    let tampered = |detail: String| f.fail(ErrorCode::JournalTampered, &detail);
    if page.size != cp.size {
        return Err(tampered("page size".into()));
    }
    let subject = pinned.and_then(|p| p.subject.clone());
    let mut prev: Hash = start.head.unwrap_or([0; 32]);
    let mut out = Vec::with_capacity(page.entries.len());
    for (i, e) in page.entries.iter().enumerate() {
        let seq = start.seq + i as u64;
        let leaf = Leaf::decode(e.leaf.as_slice())
            .ok_or_else(|| tampered(format!("entrée {} illisible", e.index)))?;
        let first = out.first().map(|v: &VerifiedEntry| v.leaf.subject);
        let expected_subject =
            first.or_else(|| subject.as_ref().and_then(|s| s.as_slice().try_into().ok()));
        if expected_subject.is_some_and(|s| s != leaf.subject) {
            return Err(tampered(format!("entrée {} d'un autre coffre", e.index)));
        }
        if leaf.seq != seq || leaf.prev != prev {
            return Err(tampered(format!("séquence rompue à l'entrée n° {seq}")));
        }
        let hash = leaf_hash(e.leaf.as_slice());
        let proof: Vec<Vec<u8>> = e.proof.iter().map(|h| h.0.clone()).collect();
        verify_inclusion(e.index, cp.size, &hash, &proof, &cp.root)
            .map_err(|err| tampered(format!("entrée n° {seq} absente de l'arbre: {err}")))?;
        let opened = session
            .identity()
            .open(e.details.as_slice())
            .map_err(|_| tampered(format!("détails de l'entrée n° {seq} illisibles")))?;
        if sha256(&opened) != leaf.commitment || opened.len() < 16 {
            return Err(tampered(format!("détails de l'entrée n° {seq} modifiés")));
        }
        // Committed in the verified leaf; details in a shape this client does not
        // know read as empty rather than failing the whole history.
        let details = serde_json::from_slice(&opened[16..]).unwrap_or_default();
        prev = hash;
        out.push(VerifiedEntry {
            index: e.index,
            leaf,
            details,
        });
    }
    if let Some(p) = pinned {
        let total = start.seq + out.len() as u64;
        if total < p.entries {
            let detail = format!("{total} entrées au lieu d'au moins {}", p.entries);
            return Err(f.rolled_back(ErrorCode::JournalRollback, &detail));
        }
        if let (Some(head), true, true) = (&p.head, p.entries > 0, start.seq == 0) {
            let at = &out[(p.entries - 1) as usize];
            if leaf_hash(&at.leaf.encode()).as_slice() != head.as_slice() {
                return Err(f.rolled_back(
                    ErrorCode::JournalTampered,
                    "l'historique déjà vérifié a été réécrit",
                ));
            }
        }
    }
    Ok(out)
}
