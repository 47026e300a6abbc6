//! `coffred restore SRC`: checks a backup whole, then rebuilds a data directory
//! from it and moves it into place: beside an absent target, renamed in at once;
//! inside an existing empty one (a packaged install, whose parent the service's
//! user cannot write), under `.restoring`, which coffred refuses to start with,
//! entries moved up and `.restoring` removed last. The target ends up either
//! empty or restored. The journal is rolled
//! back to the backup's tree: the restore signs a notice saying so (see
//! [`crate::journal::notice`]), which the restored service publishes and citizens'
//! clients show.

use std::path::{Path, PathBuf};

use super::manifest::{self, Manifest};
use super::OpsError;
use crate::crypto::server::LogKey;
use crate::journal::notice::RestoreNotice;
use crate::storage::fs::FsBlobStore;
use crate::storage::sled_store::SledStore;
use crate::storage::{BlobPart, BlobStore, MetadataStore};

/// What a restore did.
#[derive(Debug)]
pub struct Restored {
    pub manifest: Manifest,
    /// The journal's size after the restore (the backup's).
    pub journal_size: u64,
    pub notice: String,
    /// Shares in force in the backup, ended by the restore.
    pub grants_ended: u64,
}

/// Restores the backup in `src` into `data` (absent or empty), for a deployment
/// whose journal origin is `origin`.
pub async fn restore(src: &Path, data: &Path, origin: &str) -> Result<Restored, OpsError> {
    let manifest = manifest::verify(src)?;
    if manifest.origin != origin {
        return Err(OpsError::OriginMismatch {
            backup: manifest.origin.clone(),
            config: origin.to_owned(),
        });
    }
    match std::fs::read_dir(data) {
        Ok(mut entries) => {
            if entries.next().is_some() {
                return Err(OpsError::TargetNotEmpty(data.to_path_buf()));
            }
        }
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => {}
        Err(e) => return Err(OpsError::io(data, e)),
    }
    if data.exists() {
        restore_inside(src, data, &manifest).await
    } else {
        restore_beside(src, data, &manifest).await
    }
}

/// Where the restore builds when the target exists (empty, e.g. a packaged
/// install's `/var/lib/coffre`, whose parent the service's user cannot write):
/// inside it, then each entry is moved up. coffred refuses to start while this
/// directory exists, so a restore cut short never passes for a data directory.
pub const RESTORING: &str = ".restoring";

async fn restore_inside(
    src: &Path,
    data: &Path,
    manifest: &Manifest,
) -> Result<Restored, OpsError> {
    let work = data.join(RESTORING);
    // It is going to hold the deployment's secrets: private first (a symbolic link
    // in its place is refused: nothing is followed).
    {
        use std::os::unix::fs::PermissionsExt;
        let meta = std::fs::symlink_metadata(data).map_err(|e| OpsError::io(data, e))?;
        if !meta.file_type().is_dir() {
            return Err(OpsError::io(data, std::io::ErrorKind::InvalidInput.into()));
        }
        std::fs::set_permissions(data, std::fs::Permissions::from_mode(0o700))
            .map_err(|e| OpsError::io(data, e))?;
    }
    // Made here and now (never an existing one, nor a link someone put there).
    new_private_dir(&work)?;
    let done = async {
        let restored = build(src, &work, manifest).await?;
        let entries = std::fs::read_dir(&work).map_err(|e| OpsError::io(&work, e))?;
        for entry in entries {
            let entry = entry.map_err(|e| OpsError::io(&work, e))?;
            let to = data.join(entry.file_name());
            std::fs::rename(entry.path(), &to).map_err(|e| OpsError::io(&to, e))?;
        }
        sync_dir(data)?;
        std::fs::remove_dir(&work).map_err(|e| OpsError::io(&work, e))?;
        sync_dir(data)?;
        Ok(restored)
    }
    .await;
    if done.is_err() {
        // Back to empty: everything here is the restore's own.
        if let Ok(entries) = std::fs::read_dir(data) {
            for entry in entries.flatten() {
                let path = entry.path();
                let _ = std::fs::remove_dir_all(&path).or_else(|_| std::fs::remove_file(&path));
            }
        }
    }
    done
}

/// When the target does not exist: built beside it and renamed into place at once.
async fn restore_beside(
    src: &Path,
    data: &Path,
    manifest: &Manifest,
) -> Result<Restored, OpsError> {
    let name = data
        .file_name()
        .ok_or_else(|| OpsError::io(data, std::io::ErrorKind::InvalidInput.into()))?;
    let parent = match data.parent() {
        Some(p) if !p.as_os_str().is_empty() => p.to_path_buf(),
        _ => PathBuf::from("."),
    };
    let work = parent.join(format!(
        ".{}.restoring-{}",
        name.to_string_lossy(),
        std::process::id()
    ));
    new_private_dir(&work)?;
    let built = build(src, &work, manifest).await;
    let done = built.and_then(|restored| {
        std::fs::rename(&work, data).map_err(|e| OpsError::io(data, e))?;
        sync_dir(&parent)?;
        Ok(restored)
    });
    if done.is_err() {
        let _ = std::fs::remove_dir_all(&work);
    }
    done
}

/// Creates a directory that did not exist (0700); an existing name, a symbolic
/// link included, is refused.
fn new_private_dir(dir: &Path) -> Result<(), OpsError> {
    use std::os::unix::fs::DirBuilderExt;
    std::fs::DirBuilder::new()
        .mode(0o700)
        .create(dir)
        .map_err(|e| OpsError::io(dir, e))
}

fn sync_dir(dir: &Path) -> Result<(), OpsError> {
    std::fs::File::open(dir)
        .and_then(|d| d.sync_all())
        .map_err(|e| OpsError::io(dir, e))
}

async fn build(src: &Path, work: &Path, manifest: &Manifest) -> Result<Restored, OpsError> {
    let private_dir =
        |p: &Path| crate::crypto::keyfile::private_dir(p).map_err(|e| OpsError::io(p, e));
    private_dir(work)?;
    for sub in ["keys", "tls"] {
        private_dir(&work.join(sub))?;
    }
    // Metadata.
    let export = src.join("meta.export");
    let mut input = Hashing::new(std::io::BufReader::with_capacity(
        1 << 20,
        std::fs::File::open(&export).map_err(|e| OpsError::io(&export, e))?,
    ));
    let meta_dir = work.join("meta");
    let records = SledStore::import(&meta_dir, &mut input)
        .map_err(|e| OpsError::Corrupt(format!("meta.export: {e}")))?;
    // What was imported is what was checked (the file could have changed since).
    expect(manifest, "meta.export", &input.finish())?;
    if records != manifest.records {
        return Err(OpsError::Corrupt(format!(
            "meta.export holds {records} records, the manifest {}",
            manifest.records
        )));
    }
    // Key files, as they were.
    for f in &manifest.files {
        if f.path == "meta.export" || f.path.starts_with("blobs/") {
            continue;
        }
        let from = src.join(&f.path);
        let bytes =
            zeroize::Zeroizing::new(std::fs::read(&from).map_err(|e| OpsError::io(&from, e))?);
        expect(manifest, &f.path, &digest(&bytes))?;
        let to = work.join(&f.path);
        crate::crypto::keyfile::write_private(&to, &bytes).map_err(|e| OpsError::io(&to, e))?;
    }
    // Blobs, through the blob store's own write path (staged, fsynced, published).
    let blobs_dir = work.join("blobs");
    let blobs = FsBlobStore::open(&blobs_dir).map_err(|e| OpsError::io(&blobs_dir, e))?;
    let mut docs: Vec<&str> = manifest
        .files
        .iter()
        .filter_map(|f| f.path.strip_prefix("blobs/"))
        .filter_map(|rest| rest.split('/').next())
        .collect();
    docs.dedup();
    for doc in docs {
        restore_document(&blobs, &src.join("blobs").join(doc), doc, manifest).await?;
    }
    // The notice of the rollback, signed by the journal's key.
    let key_path = work.join("keys/journal-ed25519");
    let seed =
        zeroize::Zeroizing::new(std::fs::read(&key_path).map_err(|e| OpsError::io(&key_path, e))?);
    let key = LogKey::from_seed(&seed)
        .ok_or_else(|| OpsError::Corrupt("keys/journal-ed25519 is not 32 bytes".into()))?;
    let store = SledStore::open(&meta_dir).map_err(|e| OpsError::Corrupt(e.to_string()))?;
    if let Some(note) = store
        .journal_checkpoint()
        .map_err(|e| OpsError::Corrupt(e.to_string()))?
    {
        let cp = crate::journal::checkpoint::unverified(&note)
            .map_err(|e| OpsError::Corrupt(format!("stored checkpoint: {e}")))?;
        if cp.origin != manifest.origin {
            return Err(OpsError::Corrupt(format!(
                "the journal's checkpoint is of \"{}\", the manifest says \"{}\"",
                cp.origin, manifest.origin
            )));
        }
    }
    let size = store
        .journal_size()
        .map_err(|e| OpsError::Corrupt(e.to_string()))?;
    let root = crate::journal::merkle::root(&crate::vault::journal::StoreNodes(&store), size)
        .map_err(|e| OpsError::Corrupt(format!("journal: {e}")))?;
    let notice = RestoreNotice {
        origin: manifest.origin.clone(),
        backup_ms: manifest.created_ms,
        size,
        root,
        restored_ms: now_ms(),
    }
    .sign(&key);
    store
        .add_restore_notice(&notice)
        .map_err(|e| OpsError::Corrupt(e.to_string()))?;
    // Every share in force in the backup ends: one she withdrew after it must not
    // come back alive (her withdrawal is in what the restore lost). She shares
    // again if she wishes; the grant shows as withdrawn.
    let now = now_ms();
    let mut grants_ended = 0;
    for g in store
        .grants_with_envelopes()
        .map_err(|e| OpsError::Corrupt(e.to_string()))?
    {
        store
            .update_grant(g.grant.id.as_str(), &|r| {
                r.envelopes.clear();
                r.revoked_ms.get_or_insert(now);
            })
            .map_err(|e| OpsError::Corrupt(e.to_string()))?;
        grants_ended += 1;
    }
    drop(store);
    Ok(Restored {
        manifest: manifest.clone(),
        journal_size: size,
        notice,
        grants_ended,
    })
}

async fn restore_document(
    blobs: &FsBlobStore,
    from: &Path,
    doc: &str,
    manifest: &Manifest,
) -> Result<(), OpsError> {
    let read = |part: BlobPart| {
        let path = from.join(part.file_name());
        let bytes = std::fs::read(&path).map_err(|e| OpsError::io(&path, e))?;
        expect(
            manifest,
            &format!("blobs/{doc}/{}", part.file_name()),
            &digest(&bytes),
        )?;
        Ok::<_, OpsError>(bytes)
    };
    let payload_path = from.join(BlobPart::Payload.file_name());
    let io = |e| OpsError::io(&payload_path, e);
    let mut staged = blobs.stage(doc).await.map_err(io)?;
    let mut file = Hashing::new(std::fs::File::open(&payload_path).map_err(io)?);
    let mut buf = vec![0u8; 256 * 1024];
    loop {
        let got = std::io::Read::read(&mut file, &mut buf).map_err(io)?;
        if got == 0 {
            break;
        }
        staged.write(&buf[..got]).await.map_err(io)?;
    }
    staged.finish().await.map_err(io)?;
    if let Err(e) = expect(
        manifest,
        &format!("blobs/{doc}/{}", BlobPart::Payload.file_name()),
        &file.finish(),
    ) {
        blobs.discard(doc).await.ok();
        return Err(e);
    }
    let meta = read(BlobPart::Meta)?;
    let owner = read(BlobPart::OwnerEnvelope)?;
    blobs
        .publish(
            doc,
            doc,
            &[
                (BlobPart::Meta, meta.as_slice()),
                (BlobPart::OwnerEnvelope, owner.as_slice()),
            ],
        )
        .await
        .map_err(io)
}

/// A reader that hashes what passes through it.
struct Hashing<R> {
    inner: R,
    hash: sha2::Sha256,
}

impl<R> Hashing<R> {
    fn new(inner: R) -> Hashing<R> {
        Hashing {
            inner,
            hash: sha2::Digest::new(),
        }
    }

    /// The hex SHA-256 of everything read.
    fn finish(self) -> String {
        crate::crypto::hex(&sha2::Digest::finalize(self.hash))
    }
}

impl<R: std::io::Read> std::io::Read for Hashing<R> {
    fn read(&mut self, buf: &mut [u8]) -> std::io::Result<usize> {
        let n = self.inner.read(buf)?;
        sha2::Digest::update(&mut self.hash, &buf[..n]);
        Ok(n)
    }
}

fn digest(bytes: &[u8]) -> String {
    crate::crypto::hex(&crate::crypto::sha256(bytes))
}

/// The manifest's hash for `path` must be `sha256`: what is restored is what was
/// checked, even if the backup changed in between.
fn expect(manifest: &Manifest, path: &str, sha256: &str) -> Result<(), OpsError> {
    match manifest.files.iter().find(|f| f.path == path) {
        Some(f) if f.sha256 == sha256 => Ok(()),
        _ => Err(OpsError::Corrupt(format!(
            "{path} changed after it was checked"
        ))),
    }
}

fn now_ms() -> i64 {
    time::OffsetDateTime::now_utc().unix_timestamp_nanos() as i64 / 1_000_000
}
