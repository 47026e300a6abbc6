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
