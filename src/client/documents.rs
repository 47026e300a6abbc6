//! Document operations on this device: encrypt while uploading, decrypt while
//! downloading, with memory bounded by a few chunks whatever the size.

use std::io::{Read, Write};
use std::path::{Path, PathBuf};

use super::account::Client;
use super::{unique_prefix, ClientError, Counting, Progress, Session};
use crate::api::{
    Category, CommitRequest, CommitResponse, DocumentId, DocumentMeta, DocumentRecord,
    DocumentSeal, ErrorCode, GrantView, Role, UploadResponse,
};
use crate::crypto::document::{ciphertext_bound, DocumentKey};
use crate::crypto::{hex, keyfile, sha256, CryptoError, HashingWriter, Sha256Stream};

/// What the citizen says about a new document.
#[derive(Clone, Debug)]
pub struct NewDocument {
    pub title: String,
    pub category: Category,
    pub issued: Option<String>,
    pub expires: Option<String>,
    pub mime: String,
}

/// A document of the vault as this device sees it.
#[derive(Clone, Debug)]
pub struct Listed {
    pub id: DocumentId,
    /// Ciphertext bytes on the server.
    pub stored_size: u64,
    pub added_ms: i64,
    /// `None` when the metadata could not be opened (damaged).
    pub meta: Option<DocumentMeta>,
}

fn doc_path(id: &str) -> String {
    format!("/v1/documents/{id}")
}

impl Client {
    /// Refuses early, before any upload, what the server would refuse at the end.
    fn precheck_size(&self, session: &Session, size: u64) -> Result<(), ClientError> {
        let account = self.whoami(session)?;
        let quota = account.quota;
        let stored = ciphertext_bound(size);
        if stored > quota.max_document_bytes {
            let max = format!("{} Mio", quota.max_document_bytes.div_ceil(1024 * 1024));
            return Err(ClientError::local(
                ErrorCode::DocumentTooLarge,
                &[("max", &max)],
            ));
        }
        if account.usage.documents >= quota.documents || account.usage.bytes + size > quota.bytes {
            return Err(ClientError::local(ErrorCode::QuotaExceeded, &[]));
        }
        Ok(())
    }

    /// Encrypts `source` on this device while streaming it up, then commits the
    /// document with its sealed metadata and owner envelope. Returns its id.
    pub fn add(
        &self,
        session: &Session,
        source: impl Read + Send,
        size_hint: Option<u64>,
        doc: NewDocument,
        progress: &dyn Progress,
    ) -> Result<DocumentId, ClientError> {
        if let Some(size) = size_hint {
            self.precheck_size(session, size)?;
        }
        let origin = self.origin(session)?;
        let key = DocumentKey::generate();
        let (pipe_in, pipe_out) = super::pipe::block_pipe();
        let (sent_tx, sent_rx) = std::sync::mpsc::channel();
        progress.start(size_hint);
        // Two threads: this one encrypts, the HTTP one hashes and sends what was
        // encrypted, a block behind.
        let (uploaded, encrypted) = std::thread::scope(|scope| {
            let key = &key;
            let encryptor = scope.spawn(move || {
                let counted = Counting {
                    inner: source,
                    progress,
                };
                key.encrypt_stream(counted, pipe_in)
            });
            let sending = Sending {
                inner: pipe_out,
                hash: Sha256Stream::default(),
                sent: 0,
                done: Some(sent_tx),
            };
            let uploaded: Result<UploadResponse, ClientError> =
                self.http.upload("/v1/uploads", session.token(), sending);
            let encrypted = encryptor
                .join()
                .unwrap_or_else(|_| Err(std::io::Error::other("encryption thread failed")));
            (uploaded, encrypted)
        });
        progress.finish();
        let uploaded = uploaded?;
        let summary = encrypted?;
        let meta = DocumentMeta {
            title: doc.title,
            category: doc.category,
            issued: doc.issued,
            expires: doc.expires,
            mime: doc.mime,
            size: summary.bytes,
            sha256: hex(&summary.sha256),
        };
        // The owner signs the bytes she sent (their digest and their count), not
        // what the server says it received.
        let (sent, sent_bytes) = sent_rx
            .recv()
            .map_err(|_| ClientError::Protocol("payload digest".into()))?;
        if sent != uploaded.payload_sha256 || sent_bytes != uploaded.size {
            return Err(CryptoError::Integrity.into());
        }
        let sealed_meta = key.seal_meta(&meta);
        let owner_envelope = key.envelope_to(&session.keys.age_recipient)?;
        let seal = DocumentSeal {
            origin: &origin,
            id: &uploaded.document,
            owner: &session.user,
            size: sent_bytes,
            payload_sha256: &sent,
            meta_sha256: &hex(&sha256(&sealed_meta)),
            envelope_sha256: &hex(&sha256(&owner_envelope)),
        };
        let req = CommitRequest {
            upload: uploaded.upload,
            signature: session.identity().sign(&seal.canonical()).to_vec().into(),
            meta: sealed_meta.into(),
            owner_envelope: owner_envelope.into(),
        };
        // Past this point the server may have saved the document even if no answer
        // comes back: the citizen is told so, not that nothing happened.
        let done: CommitResponse = self
            .http
            .send_json("POST", "/v1/documents", Some(session.token()), &req)
            .map_err(|e| match e {
                ClientError::Unreachable { .. } => ClientError::local(ErrorCode::WriteInDoubt, &[]),
                other => other,
            })?;
        if done.id != uploaded.document {
            return Err(ClientError::Protocol("document id".into()));
        }
        self.remember_own(session, "upload", done.id.as_str());
        Ok(done.id)
    }

    /// The journal origin pinned for this account: the deployment that document
    /// seals and grants name.
    pub(crate) fn origin(&self, session: &Session) -> Result<String, ClientError> {
        let vkey = self.pin_journal(session, None, false)?;
        crate::journal::checkpoint::parse_verifier_key(&vkey)
            .map(|(name, _, _)| name)
            .map_err(|_| ClientError::Protocol("pinned journal key".into()))
    }

    /// The vault's documents, with their metadata opened on this device.
    pub fn list(&self, session: &Session) -> Result<Vec<Listed>, ClientError> {
        let origin = self.origin(session)?;
        let records = self.records(session)?;
        Ok(records
            .into_iter()
            .map(|r| Listed {
                meta: open_own(session, &origin, &r).ok().map(|o| o.meta),
                id: r.id,
                stored_size: r.size,
                added_ms: r.added_ms,
            })
            .collect())
    }

    /// The citizen's document records: the copy kept in her home when the server
    /// says it is current (`If-None-Match`), else the server's, kept for next time.
    /// The copy is sealed to her own key (an age file, 0600) and its records are
    /// checked like fresh ones by whoever reads them; a copy that does not open is
    /// dropped and the server asked in full.
    pub(crate) fn records(&self, session: &Session) -> Result<Vec<DocumentRecord>, ClientError> {
        let kept = super::listing_cache::read(&self.home, session);
        let known = kept.as_ref().map(|k| k.tag.as_str());
        match self
            .http
            .get_tagged("/v1/documents", session.token(), known)?
        {
            super::http::Tagged::Current => match kept {
                Some(k) => Ok(k.records),
                None => Err(ClientError::Protocol("304 without a copy".into())),
            },
            super::http::Tagged::Fresh { tag, body } => {
                let records: Vec<DocumentRecord> = serde_json::from_slice(&body)
                    .map_err(|e| ClientError::Protocol(e.to_string()))?;
                match tag {
                    Some(tag) => super::listing_cache::write(&self.home, session, &tag, &records),
                    None => super::listing_cache::forget(&self.home),
                }
                Ok(records)
            }
        }
    }

    /// The server's records as it answers now, the kept copy left as it is.
    pub(crate) fn records_fresh(
        &self,
        session: &Session,
    ) -> Result<Vec<DocumentRecord>, ClientError> {
        match self
            .http
            .get_tagged("/v1/documents", session.token(), None)?
        {
            super::http::Tagged::Fresh { body, .. } => {
                serde_json::from_slice(&body).map_err(|e| ClientError::Protocol(e.to_string()))
            }
            super::http::Tagged::Current => Err(ClientError::Protocol("304 without a copy".into())),
        }
    }

    /// A full id from a full id or a unique prefix of at least four characters.
    pub fn resolve(&self, session: &Session, id: &str) -> Result<DocumentId, ClientError> {
        let id = id.trim().to_ascii_lowercase();
        if id.len() == crate::api::ID_LEN {
            return DocumentId::parse(&id)
                .map_err(|_| ClientError::local(ErrorCode::DocumentNotFound, &[]));
        }
        let ids: Vec<DocumentId> = match session.role {
            Role::Citizen => {
                let records = self.records(session)?;
                records.into_iter().map(|r| r.id).collect()
            }
            Role::Mediator => {
                // Every document ever granted, so that an ended grant is reported as
                // such by the server rather than as a missing document.
                let grants: Vec<GrantView> = self.http.get_json("/v1/grants", session.token())?;
                let mut ids: Vec<DocumentId> =
                    grants.into_iter().flat_map(|g| g.grant.documents).collect();
                ids.sort();
                ids.dedup();
                ids
            }
        };
        unique_prefix(ids, &id, ErrorCode::DocumentNotFound)
    }

    /// The document's record and opened metadata, once its seal is checked.
    pub fn describe(
        &self,
        session: &Session,
        id: &str,
    ) -> Result<(DocumentKey, DocumentMeta), ClientError> {
        self.open_document(session, id).map(|o| (o.key, o.meta))
    }

    /// Fetches a document's record and checks it before opening it: for the owner,
    /// her own signature; for a mediator, the citizen's signature of the document and
    /// of the grant that covers it (see [`Client::verified_grant`]).
    pub(crate) fn open_document(&self, session: &Session, id: &str) -> Result<Opened, ClientError> {
        let origin = self.origin(session)?;
        let record: DocumentRecord = self.http.get_json(&doc_path(id), session.token())?;
        if record.id != id {
            return Err(ClientError::Protocol("document id".into()));
        }
        match session.role {
            Role::Citizen => open_own(session, &origin, &record),
            Role::Mediator => {
                let grant = record.grant.as_deref().unwrap_or_default();
                let view = self.verified_grant(session, &origin, grant)?;
                let key =
                    DocumentKey::from_envelope(session.identity(), record.envelope.as_slice())?;
                let digest = format!(
                    "{}.{}",
                    record.payload_sha256,
                    hex(&sha256(record.meta.as_slice()))
                );
                let covered = view
                    .grant
                    .documents
                    .iter()
                    .zip(&view.grant.digests)
                    .any(|(d, g)| *d == record.id && *g == digest);
                let seal = Seal::of(&origin, &record, &record.envelope_sha256);
                if !covered
                    || record.owner != view.grant.citizen
                    || !seal.verifies(view.citizen_keys.signing_key.as_slice())
                {
                    return Err(ClientError::local(ErrorCode::InvalidSignature, &[]));
                }
                let meta = key.open_meta(record.meta.as_slice())?;
                Ok(Opened {
                    key,
                    meta,
                    meta_sha256: hex(&sha256(record.meta.as_slice())),
                    payload_sha256: record.payload_sha256,
                })
            }
        }
    }

    /// Downloads and decrypts into `out`, checking the plaintext against the hash
    /// recorded at upload. On error, what was written to `out` must be discarded.
    pub fn get(
        &self,
        session: &Session,
        id: &str,
        out: &mut dyn Write,
        progress: &dyn Progress,
    ) -> Result<DocumentMeta, ClientError> {
        let opened = self.open_document(session, id)?;
        let (body, len) = self
            .http
            .download(&format!("{}/content", doc_path(id)), session.token())?;
        progress.start(len);
        // Two threads: the HTTP one receives and hashes what the server sends, this
        // one decrypts it, a block behind.
        let (pipe_in, mut pipe_out) = super::pipe::block_pipe();
        let (summary, received) = std::thread::scope(|scope| {
            let receiver = scope.spawn(move || {
                let mut hashed = HashingWriter::new(pipe_in);
                let mut body = Counting {
                    inner: body,
                    progress,
                };
                let mut buf = vec![0u8; super::pipe::BLOCK_BYTES];
                loop {
                    let n = body.read(&mut buf)?;
                    if n == 0 {
                        break;
                    }
                    hashed.write_all(&buf[..n])?;
                }
                Ok::<_, std::io::Error>(hashed.finish())
            });
            let summary = opened.key.decrypt_stream(&mut pipe_out, &mut *out);
            // Read to the end: the signed digest covers every byte the server sends.
            // After a failure, the receiver is stopped instead (its next write fails).
            let rest = match summary {
                Ok(_) => std::io::copy(&mut pipe_out, &mut std::io::sink()).map(drop),
                Err(_) => Ok(()),
            };
            drop(pipe_out);
            let received = receiver
                .join()
                .unwrap_or_else(|_| Err(std::io::Error::other("download thread failed")));
            (summary, rest.and(received))
        });
        progress.finish();
        let summary = summary?;
        let received = received?;
        let meta = opened.meta;
        if summary.bytes != meta.size
            || hex(&summary.sha256) != meta.sha256
            || hex(&received) != opened.payload_sha256
        {
            return Err(CryptoError::Integrity.into());
        }
        Ok(meta)
    }

    /// Like [`Client::get`] into a file that appears only once complete and verified.
    pub fn get_to_file(
        &self,
        session: &Session,
        id: &str,
        dest: &Path,
        progress: &dyn Progress,
    ) -> Result<DocumentMeta, ClientError> {
        let dest = match keyfile::target(dest) {
            // A pipe or a device: stream into it; there is no name to publish.
            keyfile::Target::Stream => {
                let mut out = std::fs::OpenOptions::new()
                    .write(true)
                    .open(dest)
                    .map_err(|e| ClientError::file(dest, e))?;
                return self.get(session, id, &mut out, progress);
            }
            keyfile::Target::File(path) => path,
        };
        let dest = dest.as_path();
        let dir = match dest.parent() {
            Some(d) if !d.as_os_str().is_empty() => d.to_path_buf(),
            _ => PathBuf::from("."),
        };
        let tmp = dir.join(format!(
            ".coffre-{}.part",
            hex(&crate::crypto::random_bytes::<6>())
        ));
        let result = (|| {
            let file = std::fs::File::create(&tmp).map_err(|e| ClientError::file(&tmp, e))?;
            let mut file = keyfile::WritebackFile::new(file);
            let meta = self.get(session, id, &mut file, progress)?;
            let file = file.into_inner();
            file.sync_all().map_err(|e| ClientError::file(&tmp, e))?;
            std::fs::rename(&tmp, dest).map_err(|e| ClientError::file(dest, e))?;
            Ok(meta)
        })();
        if result.is_err() {
            let _ = std::fs::remove_file(&tmp);
        }
        result
    }

    /// Deletes a document and its keys.
    pub fn remove(&self, session: &Session, id: &str) -> Result<(), ClientError> {
        self.http.delete(&doc_path(id), session.token())?;
        self.remember_own(session, "delete", id);
        Ok(())
    }

    /// Writes the account's identity bundle (an age identity file) to `path`, 0600.
    pub fn export_identity(&self, session: &Session, path: &Path) -> Result<(), ClientError> {
        let bundle = session.identity().to_bundle();
        keyfile::write_private(path, bundle.as_bytes()).map_err(|e| ClientError::file(path, e))
    }
}

/// An upload's body as the HTTP thread reads it: hashed and counted there, and the
/// digest (hex) and count sent on `done` once the end is read.
struct Sending {
    inner: super::pipe::BlockReader,
    hash: Sha256Stream,
    sent: u64,
    done: Option<std::sync::mpsc::Sender<(String, u64)>>,
}

impl Read for Sending {
    fn read(&mut self, buf: &mut [u8]) -> std::io::Result<usize> {
        let n = self.inner.read(buf)?;
        if n == 0 && !buf.is_empty() {
            if let Some(done) = self.done.take() {
                let _ = done.send((std::mem::take(&mut self.hash).finish_hex(), self.sent));
            }
        }
        self.hash.update(&buf[..n]);
        self.sent += n as u64;
        Ok(n)
    }
}

/// A document checked and opened on this device.
pub(crate) struct Opened {
    pub key: DocumentKey,
    pub meta: DocumentMeta,
    /// The payload's and the sealed metadata's SHA-256 as its owner signed them, hex.
    pub payload_sha256: String,
    pub meta_sha256: String,
}

/// The signed statement about a document, rebuilt from what the server sent.
pub(crate) struct Seal {
    canonical: Vec<u8>,
    signature: Vec<u8>,
}

impl Seal {
    /// `envelope_sha256`: the owner envelope's digest, computed by the owner, taken
    /// as stated by a mediator (who never sees that envelope).
    pub(crate) fn of(origin: &str, r: &DocumentRecord, envelope_sha256: &str) -> Seal {
        Seal::from_parts(
            origin,
            &r.id,
            &r.owner,
            r.size,
            &r.payload_sha256,
            r.meta.as_slice(),
            envelope_sha256,
            r.signature.as_slice(),
        )
    }

    #[allow(clippy::too_many_arguments)]
    pub(crate) fn from_parts(
        origin: &str,
        id: &str,
        owner: &str,
        size: u64,
        payload_sha256: &str,
        meta: &[u8],
        envelope_sha256: &str,
        signature: &[u8],
    ) -> Seal {
        let seal = DocumentSeal {
            origin,
            id,
            owner,
            size,
            payload_sha256,
            meta_sha256: &hex(&sha256(meta)),
            envelope_sha256,
        };
        Seal {
            canonical: seal.canonical(),
            signature: signature.to_vec(),
        }
    }

    pub(crate) fn verifies(&self, signing_key: &[u8]) -> bool {
        crate::crypto::server::verify_signature(signing_key, &self.canonical, &self.signature)
    }
}

/// The titles of her own records that open on this device, by document id.
pub(crate) fn titles_of(
    session: &Session,
    origin: &str,
    records: &[DocumentRecord],
) -> std::collections::HashMap<String, String> {
    records
        .iter()
        .filter_map(|r| {
            let opened = open_own(session, origin, r).ok()?;
            Some((r.id.to_string(), opened.meta.title))
        })
        .collect()
}

/// The owner's own document: signed by her, with her envelope.
fn open_own(
    session: &Session,
    origin: &str,
    record: &DocumentRecord,
) -> Result<Opened, ClientError> {
    let envelope_sha256 = hex(&sha256(record.envelope.as_slice()));
    let seal = Seal::of(origin, record, &envelope_sha256);
    if record.owner != session.user || !seal.verifies(session.keys.signing_key.as_slice()) {
        return Err(ClientError::local(ErrorCode::InvalidSignature, &[]));
    }
    let key = DocumentKey::from_envelope(session.identity(), record.envelope.as_slice())?;
    let meta = key.open_meta(record.meta.as_slice())?;
    Ok(Opened {
        key,
        meta,
        meta_sha256: hex(&sha256(record.meta.as_slice())),
        payload_sha256: record.payload_sha256.clone(),
    })
}
