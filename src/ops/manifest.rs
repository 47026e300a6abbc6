//! A backup's `manifest.json`: what the backup is of, and every file it holds with
//! its size and SHA-256. Written last (a backup without one was interrupted), and
//! checked whole before a restore touches anything.

use std::collections::BTreeMap;
use std::io::Read;
use std::path::Path;

use serde::{Deserialize, Serialize};
use sha2::{Digest, Sha256};

use super::OpsError;
use crate::api::backup::valid_backup_path;

pub const MANIFEST_FILE: &str = "manifest.json";
pub const FORMAT: &str = "coffre-backup v1";

/// What `manifest.json` holds.
#[derive(Clone, Debug, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Manifest {
    /// `coffre-backup v1`.
    pub format: String,
    /// coffred's version that sent it.
    pub version: String,
    /// When the metadata snapshot was taken (Unix ms).
    pub created_ms: i64,
    /// The journal's origin (`<public_host>/journal/v1`).
    pub origin: String,
    pub records: u64,
    pub documents: u64,
    pub files: Vec<FileEntry>,
}

/// One file of a backup.
#[derive(Clone, Debug, Serialize, Deserialize, PartialEq, Eq)]
#[serde(deny_unknown_fields)]
pub struct FileEntry {
    pub path: String,
    pub size: u64,
    /// Hex.
    pub sha256: String,
}

/// Reads `reader` to its end, hashing; returns the byte count and hex digest.
pub fn hash_reader(reader: &mut dyn Read) -> std::io::Result<(u64, String)> {
    let mut h = Sha256::new();
    let mut buf = vec![0u8; 256 * 1024];
    let mut n = 0u64;
    loop {
        let got = reader.read(&mut buf)?;
        if got == 0 {
            return Ok((n, crate::crypto::hex(&h.finalize())));
        }
        h.update(&buf[..got]);
        n += got as u64;
    }
}

/// Files every backup holds.
const REQUIRED: [&str; 4] = [
    "meta.export",
    "keys/server-secret",
    "keys/journal-ed25519",
    "admin-token",
];

/// Reads and checks a backup whole: the manifest is well formed, every file it
/// lists is there as a plain file with its size and hash, nothing else is there,
/// and every document has its three parts.
pub fn verify(dir: &Path) -> Result<Manifest, OpsError> {
    let path = dir.join(MANIFEST_FILE);
    let text = std::fs::read(&path).map_err(|e| match e.kind() {
        std::io::ErrorKind::NotFound => OpsError::NoManifest(dir.to_path_buf()),
        // Not the backup's fault: say what the system said (a backup copied
        // back as root and read as the service's user, say).
        _ => OpsError::io(&path, e),
    })?;
    let manifest: Manifest = serde_json::from_slice(&text)
        .map_err(|e| OpsError::Corrupt(format!("{MANIFEST_FILE}: {e}")))?;
    if manifest.format != FORMAT {
        return Err(OpsError::Corrupt(format!(
            "{MANIFEST_FILE}: format \"{}\" is not \"{FORMAT}\"",
            manifest.format
        )));
    }
    let mut listed = BTreeMap::new();
    for f in &manifest.files {
        if !valid_backup_path(&f.path) || !crate::api::backup::known_backup_path(&f.path) {
            return Err(OpsError::Corrupt(format!(
                "{MANIFEST_FILE}: path {:?}",
                f.path
            )));
        }
        if listed.insert(f.path.as_str(), f).is_some() {
            return Err(OpsError::Corrupt(format!(
                "{MANIFEST_FILE}: {} twice",
                f.path
            )));
        }
    }
    for required in REQUIRED {
        if !listed.contains_key(required) {
            return Err(OpsError::Corrupt(format!(
                "{MANIFEST_FILE} does not list {required}"
            )));
        }
    }
    let mut parts: BTreeMap<&str, usize> = BTreeMap::new();
    for p in listed.keys() {
        if let Some(rest) = p.strip_prefix("blobs/") {
            let doc = rest.split('/').next().unwrap_or("");
            *parts.entry(doc).or_default() += 1;
        }
    }
    if let Some((doc, _)) = parts.iter().find(|(_, n)| **n != 3) {
        return Err(OpsError::Corrupt(format!(
            "{MANIFEST_FILE}: document {doc} does not have its three files"
        )));
    }
    if parts.len() as u64 != manifest.documents {
        return Err(OpsError::Corrupt(format!(
            "{MANIFEST_FILE}: {} documents listed, {} announced",
            parts.len(),
            manifest.documents
        )));
    }
    // Nothing on disk that the manifest does not list.
    let mut found = Vec::new();
    walk(dir, "", &mut found)?;
    for rel in &found {
        if rel != MANIFEST_FILE && !listed.contains_key(rel.as_str()) {
            return Err(OpsError::UnexpectedFile(rel.clone()));
        }
    }
    for f in listed.values() {
        let path = dir.join(&f.path);
        let meta =
            std::fs::symlink_metadata(&path).map_err(|_| OpsError::MissingFile(f.path.clone()))?;
        if !meta.file_type().is_file() {
            return Err(OpsError::Corrupt(format!("{} is not a plain file", f.path)));
        }
        let mut file = std::fs::File::open(&path).map_err(|e| OpsError::io(&path, e))?;
        let (size, sha256) = hash_reader(&mut file).map_err(|e| OpsError::io(&path, e))?;
        if size != f.size || sha256 != f.sha256 {
            return Err(OpsError::Corrupt(format!(
                "{} does not match its manifest ({size} bytes, SHA-256 {sha256}; listed: {} bytes, {})",
                f.path, f.size, f.sha256
            )));
        }
    }
    Ok(manifest)
}

/// Every file and symbolic link under `dir`, as relative paths.
fn walk(dir: &Path, prefix: &str, out: &mut Vec<String>) -> Result<(), OpsError> {
    let entries = std::fs::read_dir(dir).map_err(|e| OpsError::io(dir, e))?;
    for entry in entries {
        let entry = entry.map_err(|e| OpsError::io(dir, e))?;
        let name = entry.file_name().to_string_lossy().into_owned();
        let rel = if prefix.is_empty() {
            name
        } else {
            format!("{prefix}/{name}")
        };
        let kind = entry
            .file_type()
            .map_err(|e| OpsError::io(&entry.path(), e))?;
        if kind.is_dir() {
            walk(&entry.path(), &rel, out)?;
        } else {
            out.push(rel);
        }
    }
    Ok(())
}
