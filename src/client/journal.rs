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
};
use crate::crypto::{hex, sha256};
use crate::journal::checkpoint::{self, Checkpoint};
use crate::journal::leaf::Leaf;
use crate::journal::merkle::{leaf_hash, verify_consistency, verify_inclusion, Hash};

/// One verified entry and its opened details.
#[derive(Clone, Debug)]
pub struct VerifiedEntry {
    pub index: u64,
    pub leaf: Leaf,
    pub details: serde_json::Value,
}

/// What this device remembers of a journal.
#[derive(Clone, Debug, Serialize, Deserialize)]
struct Pinned {
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
    /// Set when a check failed: every later check refuses, until a person who
    /// understands the evidence removes this file.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    alarm: Option<Alarm>,
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

fn state_path(home: &Path, origin: &str, user: &str) -> PathBuf {
    let id = hex(&sha256(format!("{origin}\n{user}").as_bytes())[..8]);
    home.join(format!("journal-{id}.json"))
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
}

impl Failure<'_> {
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
        let path = state_path(&self.home, &info.origin, &session.user);
        let pinned = load(&path)?;
        if let Some(alarm) = pinned.as_ref().and_then(|p| p.alarm.as_ref()) {
            return Err(ClientError::local(
                ErrorCode::parse(&alarm.code),
                &[("detail", &alarm.detail), ("path", &alarm.evidence)],
            ));
        }
        let mut f = Failure {
            home: &self.home,
            state: &path,
            pinned: pinned.as_ref(),
            checkpoint: None,
            consistency: None,
            page: None,
        };
        let vkey = match &pinned {
            Some(p) if p.vkey != info.vkey => {
                return Err(f.fail(ErrorCode::JournalKeyChanged, "verifier key"))
            }
            Some(p) => p.vkey.clone(),
            None => info.vkey.clone(),
        };
        let note: CheckpointResponse = self
            .http
            .get_json("/v1/journal/checkpoint", session.token())?;
        f.checkpoint = Some(&note.checkpoint);
        let cp = checkpoint::verify(&note.checkpoint, &vkey)
            .map_err(|e| f.fail(ErrorCode::JournalTampered, &format!("checkpoint: {e}")))?;
        if cp.origin != info.origin {
            return Err(f.fail(ErrorCode::JournalTampered, "checkpoint origin"));
        }
        let proof = self.check_extends(session, pinned.as_ref(), &cp, &f)?;
        f.consistency = proof.as_deref();
        // Incremental only from a pinned tree that the consistency proof covered.
        let from = match &pinned {
            Some(p) if incremental && p.head.is_some() => p.entries,
            _ => 0,
        };
        let page: JournalPage = self.http.get_json(
            &format!("/v1/journal/entries?size={}&from={from}", cp.size),
            session.token(),
        )?;
        f.page = Some(&page);
        let start = Start::new(from, pinned.as_ref());
        let entries = verify_page(session, &page, &cp, start, pinned.as_ref(), &f)?;
        let total = from + entries.len() as u64;
        let head = match entries.last() {
            Some(e) => Some(leaf_hash(&e.leaf.encode()).to_vec().into()),
            None => start.head.map(|h| h.to_vec().into()),
        };
        let state = Pinned {
            origin: info.origin,
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
            alarm: None,
        };
        let json =
            serde_json::to_vec_pretty(&state).map_err(|e| ClientError::Protocol(e.to_string()))?;
        crate::crypto::keyfile::private_dir(&self.home)
            .map_err(|e| ClientError::file(&self.home, e))?;
        crate::crypto::keyfile::write_private(&path, &json)
            .map_err(|e| ClientError::file(&path, e))?;
        Ok(entries)
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
            return Err(f.fail(ErrorCode::JournalRollback, &detail));
        }
        if p.size == 0 || cp.size == p.size {
            if cp.size == p.size && cp.root.as_slice() != p.root.as_slice() {
                return Err(f.fail(ErrorCode::JournalTampered, "deux journaux de même taille"));
            }
            return Ok(None);
        }
        let proof: ConsistencyResponse = self.http.get_json(
            &format!("/v1/journal/consistency?from={}&to={}", p.size, cp.size),
            session.token(),
        )?;
        let hashes: Vec<Vec<u8>> = proof.proof.iter().map(|h| h.0.clone()).collect();
        verify_consistency(p.size, cp.size, p.root.as_slice(), &cp.root, &hashes).map_err(|e| {
            f.fail(
                ErrorCode::JournalTampered,
                &format!("cohérence {} → {}: {e}", p.size, cp.size),
            )
        })?;
        Ok(Some(proof.proof))
    }
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
        let details = serde_json::from_slice(&opened[16..]).unwrap_or(serde_json::Value::Null);
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
            return Err(f.fail(ErrorCode::JournalRollback, &detail));
        }
        if let (Some(head), true, true) = (&p.head, p.entries > 0, start.seq == 0) {
            let at = &out[(p.entries - 1) as usize];
            if leaf_hash(&at.leaf.encode()).as_slice() != head.as_slice() {
                return Err(tampered("l'historique déjà vérifié a été réécrit".into()));
            }
        }
    }
    Ok(out)
}
