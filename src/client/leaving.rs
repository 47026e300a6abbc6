//! Leaving: the export (an open format the stock `age` CLI decrypts, with a hash
//! manifest and the verified journal) and the deletion of the account.

use std::path::{Path, PathBuf};

use serde_json::json;

use super::account::Client;
use super::{ClientError, Progress, Session};
use crate::api::{ConfirmRequest, DeletionReport, DocumentRecord, ErrorCode};
use crate::crypto::document::DocumentKey;
use crate::crypto::{hex, keyfile, sha256, HashingWriter, SecretString};

/// What an export wrote.
#[derive(Clone, Debug)]
pub struct ExportReport {
    pub dir: PathBuf,
    pub documents: usize,
}

/// What the export holds and how to open it with the stock age CLI, in her language
/// (`export-readme` in the catalogue, the same text the web client's export carries).
fn readme(lang: crate::messages::Lang) -> String {
    let text = crate::messages::format("export-readme", lang, &[]).unwrap_or_default();
    format!("{text}\n")
}

fn write_file(path: &Path, bytes: &[u8]) -> Result<[u8; 32], ClientError> {
    keyfile::write_private(path, bytes).map_err(|e| ClientError::file(path, e))?;
    Ok(sha256(bytes))
}

impl Client {
    /// Writes the whole vault to `dir` (which must not exist or be empty).
    pub fn export(
        &self,
        session: &Session,
        dir: &Path,
        pass: &SecretString,
        progress: &dyn Progress,
        readable: bool,
        lang: crate::messages::Lang,
    ) -> Result<ExportReport, ClientError> {
        let occupied = std::fs::read_dir(dir)
            .map(|mut d| d.next().is_some())
            .unwrap_or(false);
        if occupied {
            let shown = dir.display().to_string();
            return Err(ClientError::local(
                ErrorCode::FileExists,
                &[("path", &shown)],
            ));
        }
        let journal = self.journal(session)?;
        self.http
            .post_empty("/v1/account/export", session.token())?;
        keyfile::private_dir(&dir.join("documents")).map_err(|e| ClientError::file(dir, e))?;
        let mut sums: Vec<(String, [u8; 32])> = Vec::new();
        let identity = session.identity().to_passphrase_file(pass)?;
        sums.push((
            "identity.age".into(),
            write_file(&dir.join("identity.age"), &identity)?,
        ));
        let records: Vec<DocumentRecord> = self.http.get_json("/v1/documents", session.token())?;
        let mut manifest = Vec::new();
        for record in &records {
            let entry = self.export_document(session, dir, record, &mut sums, progress)?;
            manifest.push(entry);
        }
        let manifest = json!({
            "format": "coffre-export/v1",
            "user": session.user,
            "server": session.server,
            "documents": manifest,
        });
        let proof = self.journal_proof_material(session)?;
        let journal_json = json!({
            "format": "coffre-journal-export/v1",
            "verifier_key": self.pinned_key(&session.user)?,
            "checkpoint": proof.checkpoint,
            "entries": journal.iter().map(|e| json!({
                "seq": e.leaf.seq,
                "index": e.index,
                "time_ms": e.leaf.time_ms,
                "action": e.leaf.action.as_str(),
                "phase": e.leaf.phase.as_str(),
                "actor_kind": e.leaf.actor_kind.as_str(),
                "leaf": base64_of(&e.leaf.encode()),
                "inclusion_proof": proof.proofs.get(&e.index),
                "details": e.details,
            })).collect::<Vec<_>>(),
        });
        // Titles, categories, names, purposes and addresses are sealed to her
        // passphrase unless she asks for a plainly readable copy.
        for (name, value) in [("manifest.json", manifest), ("journal.json", journal_json)] {
            let bytes = zeroize::Zeroizing::new(
                serde_json::to_vec_pretty(&value)
                    .map_err(|e| ClientError::Protocol(e.to_string()))?,
            );
            let (name, bytes) = if readable {
                (name.to_owned(), bytes.to_vec())
            } else {
                let sealed = crate::crypto::identity::seal_with_passphrase(&bytes, pass)?;
                (format!("{name}.age"), sealed)
            };
            sums.push((name.clone(), write_file(&dir.join(&name), &bytes)?));
        }
        sums.push((
            "LISEZMOI.txt".into(),
            write_file(&dir.join("LISEZMOI.txt"), readme(lang).as_bytes())?,
        ));
        let mut lines = String::new();
        for (name, sum) in &sums {
            lines.push_str(&format!("{}  {name}\n", hex(sum)));
        }
        write_file(&dir.join("SHA256SUMS"), lines.as_bytes())?;
        Ok(ExportReport {
            dir: dir.to_path_buf(),
            documents: records.len(),
        })
    }

    /// Writes one document's three age files and checks that the payload decrypts to
    /// the plaintext whose hash is sealed in its metadata.
    fn export_document(
        &self,
        session: &Session,
        dir: &Path,
        record: &DocumentRecord,
        sums: &mut Vec<(String, [u8; 32])>,
        progress: &dyn Progress,
    ) -> Result<serde_json::Value, ClientError> {
        let key = DocumentKey::from_envelope(session.identity(), record.envelope.as_slice())?;
        let meta = key.open_meta(record.meta.as_slice())?;
        let rel = format!("documents/{}", record.id);
        let doc_dir = dir.join(&rel);
        keyfile::private_dir(&doc_dir).map_err(|e| ClientError::file(&doc_dir, e))?;
        sums.push((
            format!("{rel}/meta.age"),
            write_file(&doc_dir.join("meta.age"), record.meta.as_slice())?,
        ));
        sums.push((
            format!("{rel}/owner.age"),
            write_file(&doc_dir.join("owner.age"), record.envelope.as_slice())?,
        ));
        let payload_path = doc_dir.join("payload.age");
        let (body, len) = self.http.download(
            &format!("/v1/documents/{}/content", record.id),
            session.token(),
        )?;
        progress.start(len);
        let mut file = std::fs::File::create(&payload_path)
            .map_err(|e| ClientError::file(&payload_path, e))?;
        let mut hashing = HashingWriter::new(&mut file);
        std::io::copy(
            &mut super::Counting {
                inner: body,
                progress,
            },
            &mut hashing,
        )?;
        let payload_sum = hashing.finish();
        file.sync_all()
            .map_err(|e| ClientError::file(&payload_path, e))?;
        progress.finish();
        let stored =
            std::fs::File::open(&payload_path).map_err(|e| ClientError::file(&payload_path, e))?;
        let summary = key.decrypt_stream(std::io::BufReader::new(stored), std::io::sink())?;
        if summary.bytes != meta.size || hex(&summary.sha256) != meta.sha256 {
            return Err(crate::crypto::CryptoError::Integrity.into());
        }
        sums.push((format!("{rel}/payload.age"), payload_sum));
        Ok(json!({
            "id": record.id,
            "title": meta.title,
            "category": meta.category.as_str(),
            "issued": meta.issued,
            "expires": meta.expires,
            "mime": meta.mime,
            "size": meta.size,
            "sha256": meta.sha256,
            "payload": format!("{rel}/payload.age"),
            "payload_sha256": hex(&payload_sum),
        }))
    }

    /// Deletes the account after checking the passphrase; forgets this device's
    /// session, key cache and journal state.
    pub fn delete_account(
        &self,
        session: &Session,
        pass: &SecretString,
    ) -> Result<DeletionReport, ClientError> {
        let auth_key = self.auth_key(&session.user, pass)?;
        let report: DeletionReport = self.http.send_json(
            "POST",
            "/v1/account/delete",
            Some(session.token()),
            &ConfirmRequest { auth_key },
        )?;
        super::Session::forget(&self.home)?;
        if let Ok(entries) = std::fs::read_dir(&self.home) {
            for e in entries.flatten() {
                let name = e.file_name().to_string_lossy().into_owned();
                if name.starts_with("journal-") && !name.starts_with("journal-evidence-") {
                    let _ = std::fs::remove_file(e.path());
                }
            }
        }
        Ok(report)
    }
}

/// What lets an exported journal be checked again without the service: the signed
/// checkpoint the entries were verified against, and each entry's inclusion proof.
struct ProofMaterial {
    checkpoint: String,
    proofs: std::collections::HashMap<u64, Vec<String>>,
}

impl Client {
    fn journal_proof_material(&self, session: &Session) -> Result<ProofMaterial, ClientError> {
        let note: crate::api::CheckpointResponse = self
            .http
            .get_json("/v1/journal/checkpoint", session.token())?;
        let size = note
            .checkpoint
            .lines()
            .nth(1)
            .and_then(|l| l.parse::<u64>().ok())
            .unwrap_or(0);
        let mut proofs = std::collections::HashMap::new();
        let mut from = 0;
        loop {
            let page: crate::api::JournalPage = self.http.get_json(
                &format!("/v1/journal/entries?size={size}&from={from}"),
                session.token(),
            )?;
            for e in &page.entries {
                proofs.insert(
                    e.index,
                    e.proof.iter().map(|h| base64_of(h.as_slice())).collect(),
                );
            }
            match page.next {
                Some(n) if n > from => from = n,
                _ => break,
            }
        }
        Ok(ProofMaterial {
            checkpoint: note.checkpoint,
            proofs,
        })
    }
}

fn base64_of(bytes: &[u8]) -> String {
    use base64::Engine;
    base64::engine::general_purpose::STANDARD.encode(bytes)
}
