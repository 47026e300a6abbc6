//! `GET /v1/admin/backup`: a consistent backup of the running service, streamed to
//! the operator's `coffred backup` (see [`crate::api::backup`] for the frames).
//!
//! The answer's head leaves at once; then the metadata snapshot (taken while
//! writes wait, into a 0600 scratch file in the data directory, removed when sent),
//! the key files, and every document's blobs (deletions held until the stream
//! ends), and last a summary. An error ends the stream early: `coffred backup`
//! then refuses what it received.

use std::path::PathBuf;
use std::sync::Arc;

use axum::body::Body;
use axum::extract::State;
use axum::http::header;
use axum::response::Response;
use bytes::Bytes;
use tokio::io::{AsyncRead, AsyncReadExt};
use tokio::sync::mpsc;

use super::error::ApiError;
use super::routes::{AppState, Operator};
use crate::api::backup::{BackupFrame, BackupSummary};
use crate::storage::BlobPart;
use crate::vault::VaultError;

use crate::api::backup::{KEY_FILES, META_EXPORT};

/// Scratch files of backups in progress start with this (removed at start-up).
pub const SCRATCH_PREFIX: &str = "backup-scratch-";

const READ_BYTES: usize = 256 * 1024;
/// How long the stream waits for the reader to take the next piece: a reader that
/// stops reading without closing does not hold deletions back for long.
const SEND_TIMEOUT: std::time::Duration = std::time::Duration::from_secs(120);

type Frames = mpsc::Sender<std::io::Result<Bytes>>;

#[utoipa::path(
    get,
    path = "/v1/admin/backup",
    description = "A consistent backup of the service, streamed to `coffred backup` on the same machine only (a loopback connection, not through a proxy): frames of a JSON line then the file's bytes, a summary last. Journaled in the operator's chain.",
    responses((status = 200, description = "The backup stream", content_type = "application/octet-stream"), super::routes::Refusals),
    security(("operator" = [])),
)]
pub async fn backup(
    _: Operator,
    State(s): State<Arc<AppState>>,
    axum::Extension(addr): axum::Extension<super::routes::ClientAddr>,
    headers: axum::http::HeaderMap,
) -> Result<Response, ApiError> {
    // Every secret of the service travels in a backup: only to a process on this
    // machine (`coffred backup`), never through a proxy (which names the client it
    // forwards for), whatever the token.
    let forwarded = headers.contains_key("x-forwarded-for") || headers.contains_key("forwarded");
    if forwarded || !addr.0.ip().is_loopback() {
        return Err(ApiError::new(crate::api::ErrorCode::LocalOnly));
    }
    // One backup at a time (each one holds deletions and takes the store's gate).
    let Ok(running) = Arc::clone(&s.backups).try_acquire_owned() else {
        return Err(ApiError::from(VaultError::Unavailable(
            "a backup is already running".into(),
        )));
    };
    let (tx, mut rx) = mpsc::channel::<std::io::Result<Bytes>>(4);
    tokio::spawn(async move {
        let _running = running;
        let started = std::time::Instant::now();
        match send_backup(&s, &tx).await {
            Ok(summary) => {
                tracing::info!(
                    records = summary.records,
                    documents = summary.documents,
                    secs = started.elapsed().as_secs_f64(),
                    "backup sent"
                );
            }
            Err(e) => {
                tracing::error!(error = %e, "backup failed");
                let _ = tx.send(Err(std::io::Error::other(e.to_string()))).await;
            }
        }
    });
    let stream = futures_util::stream::poll_fn(move |cx| rx.poll_recv(cx));
    Response::builder()
        .header(header::CONTENT_TYPE, "application/octet-stream")
        .header(header::CACHE_CONTROL, "no-store")
        .body(Body::from_stream(stream))
        .map_err(|e| ApiError::from(VaultError::Internal(e.to_string())))
}

/// Removes the scratch file when the backup ends, however it ends.
struct Scratch(PathBuf);

impl Drop for Scratch {
    fn drop(&mut self) {
        let _ = std::fs::remove_file(&self.0);
    }
}

async fn send_backup(s: &Arc<AppState>, tx: &Frames) -> Result<BackupSummary, VaultError> {
    let name = format!(
        "{SCRATCH_PREFIX}{}",
        crate::crypto::hex(&crate::crypto::random_bytes::<8>())
    );
    let scratch = Scratch(s.data.join(name));
    let file = {
        use std::os::unix::fs::OpenOptionsExt;
        std::fs::OpenOptions::new()
            .write(true)
            .create_new(true)
            .mode(0o600)
            .open(&scratch.0)?
    };
    let created_ms = s.vault.now_ms();
    let (hold, records) = s.vault.begin_backup(file).await?;
    let export = tokio::fs::File::open(&scratch.0).await?;
    let len = export.metadata().await?.len();
    send_file(tx, META_EXPORT, export, len).await?;
    drop(scratch);
    for rel in KEY_FILES {
        let path = s.data.join(rel);
        match tokio::fs::File::open(&path).await {
            Ok(f) => {
                let len = f.metadata().await?.len();
                send_file(tx, rel, f, len).await?;
            }
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => {}
            Err(e) => return Err(e.into()),
        }
    }
    let documents = s.vault.stored_documents().await?;
    let mut sent = 0u64;
    for doc in &documents {
        let mut parts = Vec::with_capacity(3);
        let mut unreadable = None;
        for part in [BlobPart::Payload, BlobPart::Meta, BlobPart::OwnerEnvelope] {
            match s.vault.backup_blob(&hold, doc, part).await {
                Ok(blob) => parts.push((part, blob)),
                Err(e) => {
                    unreadable = Some(e);
                    break;
                }
            }
        }
        if let Some(e) = unreadable {
            // A publish cut short (a crash, a failed write) leaves an orphan, which
            // stays out; a document with a record must be whole.
            if s.vault.has_document(doc).await? {
                return Err(e);
            }
            tracing::debug!("a half-published document's files were left out of the backup");
            continue;
        }
        for (part, blob) in parts {
            let path = format!("blobs/{doc}/{}", part.file_name());
            send_file(tx, &path, blob.reader, blob.len).await?;
        }
        sent += 1;
    }
    let summary = BackupSummary {
        created_ms,
        origin: s.vault.journal_keys().origin.clone(),
        records,
        documents: sent,
        version: env!("CARGO_PKG_VERSION").to_owned(),
    };
    send_line(tx, &BackupFrame::End(summary.clone())).await?;
    s.vault.record_backup(&hold, &summary).await?;
    drop(hold);
    Ok(summary)
}

async fn send_line(tx: &Frames, frame: &BackupFrame) -> Result<(), VaultError> {
    let mut line = serde_json::to_vec(frame).map_err(|e| VaultError::Internal(e.to_string()))?;
    line.push(b'\n');
    send(tx, Bytes::from(line)).await
}

async fn send(tx: &Frames, bytes: Bytes) -> Result<(), VaultError> {
    match tokio::time::timeout(SEND_TIMEOUT, tx.send(Ok(bytes))).await {
        Ok(Ok(())) => Ok(()),
        Ok(Err(_)) => Err(VaultError::Internal("the backup's reader went away".into())),
        Err(_) => Err(VaultError::Internal(
            "the backup's reader stopped reading".into(),
        )),
    }
}

/// One file: its header line, then exactly `size` bytes of `reader`.
async fn send_file(
    tx: &Frames,
    path: &str,
    reader: impl AsyncRead + Unpin,
    size: u64,
) -> Result<(), VaultError> {
    send_line(
        tx,
        &BackupFrame::File {
            path: path.to_owned(),
            size,
        },
    )
    .await?;
    let mut reader = reader.take(size);
    let mut sent = 0u64;
    loop {
        let mut buf = vec![0u8; READ_BYTES];
        let n = reader.read(&mut buf).await?;
        if n == 0 {
            break;
        }
        buf.truncate(n);
        sent += n as u64;
        send(tx, Bytes::from(buf)).await?;
    }
    if sent != size {
        return Err(VaultError::Internal(format!(
            "{path}: {sent} bytes instead of {size}"
        )));
    }
    Ok(())
}
