//! The operator's commands on a data directory, run by `coffred` beside the
//! service: a consistent backup of the running service ([`backup`]), its check
//! and its restore into an empty directory ([`restore`]), both around the
//! [`manifest`] that lists every file of a backup with its SHA-256.

pub mod backup;
pub mod manifest;
pub mod restore;
pub mod rotation;

use std::path::PathBuf;

/// Why a backup or a restore was refused. Each has a stable code (in brackets at
/// the end of the message) and leaves nothing half-written.
#[derive(Debug, thiserror::Error)]
pub enum OpsError {
    #[error("{} already exists: a backup goes into a new directory, nothing was written [backup_destination_exists]", .0.display())]
    DestinationExists(PathBuf),
    #[error("{} is not empty: a restore goes into an empty or absent data directory, nothing was changed [restore_target_not_empty]", .0.display())]
    TargetNotEmpty(PathBuf),
    #[error("{} is not a coffre backup (no manifest.json: an interrupted backup has none) [backup_no_manifest]", .0.display())]
    NoManifest(PathBuf),
    #[error("the backup is damaged: {0} [backup_corrupt]")]
    Corrupt(String),
    #[error("the backup lacks {0} [backup_missing_file]")]
    MissingFile(String),
    #[error("the backup holds {0}, which its manifest does not list [backup_unexpected_file]")]
    UnexpectedFile(String),
    #[error("the backup is of the journal \"{backup}\" but the configuration's public_host gives \"{config}\": restore with the configuration of the deployment it came from [backup_origin_mismatch]")]
    OriginMismatch { backup: String, config: String },
    #[error("the service did not send a whole backup: {0}; nothing was kept [backup_incomplete]")]
    Incomplete(String),
    #[error("{0} [backup_unavailable]")]
    Service(String),
    #[error("{}: {source} [io_error]", .path.display())]
    Io {
        path: PathBuf,
        source: std::io::Error,
    },
}

impl OpsError {
    pub fn io(path: &std::path::Path, source: std::io::Error) -> OpsError {
        OpsError::Io {
            path: path.to_path_buf(),
            source,
        }
    }
}
