//! `coffred backup DEST`: asks the running service for a consistent backup and
//! writes it into DEST, a new directory (0700, files 0600), each file fsynced and
//! hashed as it arrives, `manifest.json` last. If anything goes wrong, DEST is
//! removed: a backup directory either has a manifest that checks, or is not there.

use std::io::{BufRead, BufReader, Read, Write};
use std::os::unix::fs::{DirBuilderExt, OpenOptionsExt};
use std::path::{Path, PathBuf};

use sha2::{Digest, Sha256};

use super::manifest::{FileEntry, Manifest, FORMAT, MANIFEST_FILE};
use super::OpsError;
use crate::api::backup::{valid_backup_path, BackupFrame, BackupSummary};
use crate::client::http::{Http, Trust};

/// Where the running service is, and the operator's token.
pub struct Source {
    /// e.g. `https://127.0.0.1:8443`.
    pub url: String,
    /// A PEM file to trust instead of the system's roots (a self-signed service).
    pub ca: Option<PathBuf>,
    pub token: zeroize::Zeroizing<String>,
    /// Where to connect, whatever the URL's name resolves to (the service on this
    /// machine, under its public name).
    pub connect_to: Option<std::net::SocketAddr>,
}

/// Longest header line of a frame.
const MAX_LINE: usize = 4096;

/// Takes a backup of the service at `source` into `dest`, which must not exist.
pub fn backup(source: &Source, dest: &Path) -> Result<Manifest, OpsError> {
    if std::fs::symlink_metadata(dest).is_ok() {
        return Err(OpsError::DestinationExists(dest.to_path_buf()));
    }
    std::fs::DirBuilder::new()
        .mode(0o700)
        .create(dest)
        .map_err(|e| match e.kind() {
            std::io::ErrorKind::AlreadyExists => OpsError::DestinationExists(dest.to_path_buf()),
            _ => OpsError::io(dest, e),
        })?;
    match receive(source, dest) {
        Ok(manifest) => Ok(manifest),
        Err(e) => {
            let _ = std::fs::remove_dir_all(dest);
            Err(e)
        }
    }
}

fn receive(source: &Source, dest: &Path) -> Result<Manifest, OpsError> {
    let trust = match &source.ca {
        Some(pem) => Trust::PemFile(pem),
        None => Trust::System,
    };
    let http = match source.connect_to {
        Some(a) => Http::new_at(&source.url, trust, crate::messages::Lang::En, a),
        None => Http::new(&source.url, trust, crate::messages::Lang::En),
    }
    .map_err(|e| OpsError::Service(e.to_string()))?;
    let (body, _) = http
        .download("/v1/admin/backup", &source.token)
        .map_err(|e| OpsError::Service(e.to_string()))?;
    let mut reader = BufReader::with_capacity(256 * 1024, body);
    let mut files = Vec::new();
    let summary = loop {
        let line = read_line(&mut reader)?;
        let frame: BackupFrame = serde_json::from_slice(&line)
            .map_err(|e| OpsError::Incomplete(format!("frame: {e}")))?;
        match frame {
            BackupFrame::File { path, size } => {
                if !valid_backup_path(&path)
                    || !crate::api::backup::known_backup_path(&path)
                    || files.iter().any(|f: &FileEntry| f.path == path)
                {
                    return Err(OpsError::Incomplete(format!("path {path:?}")));
                }
                let sha256 = write_file(&mut reader, dest, &path, size)?;
                files.push(FileEntry { path, size, sha256 });
            }
            BackupFrame::End(summary) => break summary,
        }
    };
    let mut rest = [0u8; 1];
    if reader.read(&mut rest).map_err(incomplete)? != 0 {
        return Err(OpsError::Incomplete("bytes after the end".into()));
    }
    let manifest = manifest_of(summary, files);
    sync_dirs(dest, &manifest)?;
    let json =
        serde_json::to_vec_pretty(&manifest).map_err(|e| OpsError::Corrupt(e.to_string()))?;
    let path = dest.join(MANIFEST_FILE);
    crate::crypto::keyfile::write_private(&path, &json).map_err(|e| OpsError::io(&path, e))?;
    if let Some(parent) = dest.parent().filter(|p| !p.as_os_str().is_empty()) {
        std::fs::File::open(parent)
            .and_then(|d| d.sync_all())
            .map_err(|e| OpsError::io(parent, e))?;
    }
    // What was written is what the manifest says: read back before saying so.
    super::manifest::verify(dest)
}

fn manifest_of(summary: BackupSummary, files: Vec<FileEntry>) -> Manifest {
    Manifest {
        format: FORMAT.to_owned(),
        version: summary.version,
        created_ms: summary.created_ms,
        origin: summary.origin,
        records: summary.records,
        documents: summary.documents,
        files,
    }
}

fn incomplete(e: std::io::Error) -> OpsError {
    OpsError::Incomplete(e.to_string())
}

fn read_line(reader: &mut impl BufRead) -> Result<Vec<u8>, OpsError> {
    let mut line = Vec::new();
    reader
        .by_ref()
        .take(MAX_LINE as u64)
        .read_until(b'\n', &mut line)
        .map_err(incomplete)?;
    if line.pop() != Some(b'\n') {
        return Err(OpsError::Incomplete("the stream ended early".into()));
    }
    Ok(line)
}

/// Writes the next `size` bytes as `dest/rel` (0600, fsynced); returns their hash.
fn write_file(
    reader: &mut impl Read,
    dest: &Path,
    rel: &str,
    size: u64,
) -> Result<String, OpsError> {
    let path = dest.join(rel);
    if let Some(parent) = path.parent() {
        std::fs::DirBuilder::new()
            .recursive(true)
            .mode(0o700)
            .create(parent)
            .map_err(|e| OpsError::io(parent, e))?;
    }
    let mut file = std::fs::OpenOptions::new()
        .write(true)
        .create_new(true)
        .mode(0o600)
        .open(&path)
        .map_err(|e| OpsError::io(&path, e))?;
    let mut h = Sha256::new();
    let mut left = size;
    let mut buf = vec![0u8; 256 * 1024];
    while left > 0 {
        let want = buf.len().min(usize::try_from(left).unwrap_or(usize::MAX));
        let got = reader.read(&mut buf[..want]).map_err(incomplete)?;
        if got == 0 {
            return Err(OpsError::Incomplete(format!("{rel} is cut short")));
        }
        h.update(&buf[..got]);
        file.write_all(&buf[..got])
            .map_err(|e| OpsError::io(&path, e))?;
        left -= got as u64;
    }
    file.sync_all().map_err(|e| OpsError::io(&path, e))?;
    Ok(crate::crypto::hex(&h.finalize()))
}

/// fsyncs every directory the backup made (their entries), deepest first.
fn sync_dirs(dest: &Path, manifest: &Manifest) -> Result<(), OpsError> {
    let mut dirs: Vec<PathBuf> = manifest
        .files
        .iter()
        .flat_map(|f| {
            Path::new(&f.path)
                .ancestors()
                .skip(1)
                .map(|a| dest.join(a))
                .collect::<Vec<_>>()
        })
        .collect();
    dirs.sort();
    dirs.dedup();
    for dir in dirs.iter().rev() {
        std::fs::File::open(dir)
            .and_then(|d| d.sync_all())
            .map_err(|e| OpsError::io(dir, e))?;
    }
    Ok(())
}
