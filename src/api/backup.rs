//! The backup stream `GET /v1/admin/backup` sends to `coffred backup`: a sequence
//! of frames, each one line of JSON, a [`BackupFrame::File`] followed by exactly
//! `size` bytes, and last a [`BackupFrame::End`].

use serde::{Deserialize, Serialize};

/// One frame's header line.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(tag = "frame", rename_all = "snake_case")]
pub enum BackupFrame {
    /// A file of the backup; its bytes follow the line.
    File { path: String, size: u64 },
    /// The end: what the snapshot holds.
    End(BackupSummary),
}

/// What a backup holds, as the server saw it.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct BackupSummary {
    /// When the metadata snapshot was taken (Unix ms).
    pub created_ms: i64,
    /// The journal's origin.
    pub origin: String,
    /// Metadata records in the export.
    pub records: u64,
    /// Documents whose blobs were sent.
    pub documents: u64,
    /// coffred's version.
    pub version: String,
}

/// The files of the data directory a backup carries besides metadata and blobs.
pub const KEY_FILES: [&str; 5] = [
    "keys/server-secret",
    "keys/journal-ed25519",
    "admin-token",
    "tls/cert.pem",
    "tls/key.pem",
];

/// Name of the metadata snapshot in a backup.
pub const META_EXPORT: &str = "meta.export";

/// The files of one document in a backup (`blobs/<id>/<name>`).
pub const BLOB_FILES: [&str; 3] = ["payload.age", "meta.age", "owner.age"];

/// Whether `path` is one a backup holds: the metadata, a key file, or a
/// document's file under a hexadecimal id (nothing a restore would write
/// elsewhere, nothing over what it builds).
pub fn known_backup_path(path: &str) -> bool {
    if path == META_EXPORT || KEY_FILES.contains(&path) {
        return true;
    }
    let mut parts = path.split('/');
    match (parts.next(), parts.next(), parts.next(), parts.next()) {
        (Some("blobs"), Some(id), Some(name), None) => {
            (16..=64).contains(&id.len())
                && id.bytes().all(|b| b.is_ascii_hexdigit())
                && BLOB_FILES.contains(&name)
        }
        _ => false,
    }
}

/// Whether a path of the stream is one a backup may hold: relative, made of plain
/// names (letters, digits, `.`, `-`, `_`, none starting with a dot), at most three
/// deep. What `coffred backup` writes and `coffred restore` reads is only that.
pub fn valid_backup_path(path: &str) -> bool {
    let parts: Vec<&str> = path.split('/').collect();
    !path.is_empty()
        && parts.len() <= 3
        && parts.iter().all(|p| {
            !p.is_empty()
                && !p.starts_with('.')
                && p.len() <= 80
                && p.bytes()
                    .all(|b| b.is_ascii_alphanumeric() || b == b'.' || b == b'-' || b == b'_')
        })
}
