//! Backups made on a schedule: `coffred backup --into DIR` names each one after
//! the time it starts (`backup-YYYYMMDDTHHMMSSZ`), and `coffred prune-backups DIR
//! --keep N` removes the oldest of those beyond the N newest whole ones. Nothing
//! else in DIR is ever touched: a backup named by hand stays, and a backup without
//! its manifest (cut short by a crash) is removed only once a newer whole one exists.

use std::path::{Path, PathBuf};

use super::manifest::{Manifest, MANIFEST_FILE};
use super::OpsError;

const PREFIX: &str = "backup-";

/// A new backup's directory in `dir` (made 0700 if absent), named after now.
pub fn next_in(dir: &Path) -> Result<PathBuf, OpsError> {
    use std::os::unix::fs::DirBuilderExt;
    std::fs::DirBuilder::new()
        .recursive(true)
        .mode(0o700)
        .create(dir)
        .map_err(|e| OpsError::io(dir, e))?;
    let now = time::OffsetDateTime::now_utc();
    let name = format!(
        "{PREFIX}{:04}{:02}{:02}T{:02}{:02}{:02}Z",
        now.year(),
        u8::from(now.month()),
        now.day(),
        now.hour(),
        now.minute(),
        now.second()
    );
    Ok(dir.join(name))
}

/// Whether `name` is one [`next_in`] makes.
fn scheduled(name: &str) -> bool {
    let Some(stamp) = name.strip_prefix(PREFIX) else {
        return false;
    };
    let b = stamp.as_bytes();
    b.len() == 16
        && b[8] == b'T'
        && b[15] == b'Z'
        && b[..8].iter().chain(&b[9..15]).all(u8::is_ascii_digit)
}

/// What a pruning did.
#[derive(Debug, Default)]
pub struct Pruned {
    pub kept: usize,
    pub removed: Vec<PathBuf>,
}

/// Keeps the `keep` newest whole scheduled backups in `dir` (at least one), removes
/// older ones, and the incomplete ones older than the newest whole one.
pub fn prune(dir: &Path, keep: usize) -> Result<Pruned, OpsError> {
    let keep = keep.max(1);
    let mut whole: Vec<(String, PathBuf)> = Vec::new();
    let mut cut_short: Vec<(String, PathBuf)> = Vec::new();
    for entry in std::fs::read_dir(dir).map_err(|e| OpsError::io(dir, e))? {
        let entry = entry.map_err(|e| OpsError::io(dir, e))?;
        let name = entry.file_name().to_string_lossy().into_owned();
        let kind = entry
            .file_type()
            .map_err(|e| OpsError::io(&entry.path(), e))?;
        if !kind.is_dir() || !scheduled(&name) {
            continue;
        }
        let manifest = std::fs::read(entry.path().join(MANIFEST_FILE))
            .ok()
            .and_then(|b| serde_json::from_slice::<Manifest>(&b).ok());
        match manifest {
            Some(_) => whole.push((name, entry.path())),
            None => cut_short.push((name, entry.path())),
        }
    }
    // The names sort as the times they were made.
    whole.sort();
    let newest = whole.last().map(|(n, _)| n.clone());
    let mut out = Pruned::default();
    let old = whole.len().saturating_sub(keep);
    for (_, path) in whole.drain(..old) {
        std::fs::remove_dir_all(&path).map_err(|e| OpsError::io(&path, e))?;
        out.removed.push(path);
    }
    out.kept = whole.len();
    for (name, path) in cut_short {
        if newest.as_ref().is_some_and(|n| &name < n) {
            std::fs::remove_dir_all(&path).map_err(|e| OpsError::io(&path, e))?;
            out.removed.push(path);
        }
    }
    Ok(out)
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used)]
    use super::*;

    fn whole(dir: &Path, name: &str) {
        let d = dir.join(name);
        std::fs::create_dir_all(&d).unwrap();
        let m = serde_json::json!({
            "format": "coffre-backup v1", "version": "0.1.0", "created_ms": 1,
            "origin": "x/journal/v1", "records": 0, "documents": 0, "files": []
        });
        std::fs::write(d.join(MANIFEST_FILE), m.to_string()).unwrap();
    }

    #[test]
    fn keeps_the_newest_whole_ones_and_never_touches_others() {
        let dir = tempfile::tempdir().unwrap();
        let p = dir.path();
        for n in [
            "backup-20261201T010000Z",
            "backup-20261201T020000Z",
            "backup-20261201T030000Z",
        ] {
            whole(p, n);
        }
        // Cut short: one before the newest whole backup, one after it (running?).
        std::fs::create_dir(p.join("backup-20261201T015900Z")).unwrap();
        std::fs::create_dir(p.join("backup-20261201T035900Z")).unwrap();
        // Named by hand, and not a directory: never touched.
        whole(p, "avant-mise-a-jour");
        std::fs::write(p.join("backup-20261201T000000Z"), "a file").unwrap();
        let pruned = prune(p, 2).unwrap();
        assert_eq!(pruned.kept, 2);
        let mut left: Vec<String> = std::fs::read_dir(p)
            .unwrap()
            .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
            .collect();
        left.sort();
        assert_eq!(
            left,
            [
                "avant-mise-a-jour",
                "backup-20261201T000000Z",
                "backup-20261201T020000Z",
                "backup-20261201T030000Z",
                "backup-20261201T035900Z",
            ]
        );
        // Never below one.
        assert_eq!(prune(p, 0).unwrap().kept, 1);
        assert!(next_in(p)
            .unwrap()
            .file_name()
            .unwrap()
            .to_string_lossy()
            .starts_with("backup-20"));
    }
}
