//! Filesystem blob store.
//!
//! Layout under its root: `staging/<upload>.part` while an upload is written;
//! `docs/<id[..2]>/<id>/{payload,meta,owner}.age` once published. Every file is
//! written elsewhere, fsync'ed, renamed into place, and its directory fsync'ed, so a
//! crash never leaves a half-written file under a published name.

use std::io;
use std::path::{Path, PathBuf};
use std::time::SystemTime;

use async_trait::async_trait;
use tokio::fs;
use tokio::io::AsyncWriteExt;

use super::blob::{BlobPart, BlobReader, BlobStore, StagedBlob};

/// The readiness probe's scratch file (beside `staging/` and `docs/`, which orphan
/// collection reads) and its size.
const PROBE_FILE: &str = "ready-probe";
const PROBE_BYTES: usize = 256 * 1024;

/// Blobs as files under one directory.
pub struct FsBlobStore {
    root: PathBuf,
}

impl FsBlobStore {
    /// Opens (creating if needed) a store rooted at `root`.
    pub fn open(root: &Path) -> io::Result<FsBlobStore> {
        std::fs::create_dir_all(root.join("staging"))?;
        std::fs::create_dir_all(root.join("docs"))?;
        Ok(FsBlobStore {
            root: root.to_path_buf(),
        })
    }

    fn staged_path(&self, upload: &str) -> io::Result<PathBuf> {
        check_id(upload)?;
        Ok(self.root.join("staging").join(format!("{upload}.part")))
    }

    fn doc_dir(&self, doc: &str) -> io::Result<PathBuf> {
        check_id(doc)?;
        Ok(self.root.join("docs").join(&doc[..2]).join(doc))
    }
}

/// Ids are lowercase hex made by the server; anything else never touches the disk.
fn check_id(id: &str) -> io::Result<()> {
    if id.len() >= 16 && id.len() <= 64 && id.bytes().all(|b| b.is_ascii_hexdigit()) {
        Ok(())
    } else {
        Err(io::Error::new(io::ErrorKind::InvalidInput, "bad blob id"))
    }
}

/// fsync a directory so that a rename or a removal in it survives a crash.
async fn sync_dir(dir: &Path) -> io::Result<()> {
    let dir = dir.to_path_buf();
    tokio::task::spawn_blocking(move || std::fs::File::open(&dir)?.sync_all())
        .await
        .map_err(io::Error::other)?
}

/// Writes `bytes` to `path` atomically and durably.
async fn write_atomic(path: &Path, bytes: &[u8]) -> io::Result<()> {
    let tmp = path.with_extension("tmp");
    let mut f = fs::File::create(&tmp).await?;
    f.write_all(bytes).await?;
    f.sync_all().await?;
    drop(f);
    fs::rename(&tmp, path).await
}

/// How many bytes an upload gathers before one write to its file: a TLS record is
/// 16 KiB, and one blocking-pool hop per record costs more than the write itself.
const WRITE_BLOCK: usize = 256 * 1024;

/// What a block's write gives back: the file, and the block emptied for reuse.
type Written = (std::fs::File, Vec<u8>);

/// An upload being staged: bytes gather in memory up to [`WRITE_BLOCK`], then go to
/// the file in one write on the blocking pool while the next block gathers. At
/// most two blocks are held, whatever the upload's size (512 KiB per upload).
struct FsStaged {
    /// The file, when no write is in flight.
    file: Option<std::fs::File>,
    /// The block gathering.
    block: Vec<u8>,
    /// The block being written; it gives the file and an empty buffer back.
    writing: Option<tokio::task::JoinHandle<io::Result<Written>>>,
    len: u64,
    /// Bytes handed to the file's writes so far (where the next block goes).
    handed: u64,
}

impl FsStaged {
    fn new(file: std::fs::File) -> FsStaged {
        FsStaged {
            file: Some(file),
            block: Vec::with_capacity(WRITE_BLOCK),
            writing: None,
            len: 0,
            handed: 0,
        }
    }

    /// Waits for the write in flight, if any; the file is back afterwards.
    async fn settle(&mut self) -> io::Result<Vec<u8>> {
        match self.writing.take() {
            Some(handle) => {
                let (file, spare) = handle.await.map_err(io::Error::other)??;
                self.file = Some(file);
                Ok(spare)
            }
            None => Ok(Vec::with_capacity(WRITE_BLOCK)),
        }
    }

    /// Hands the gathered block to the blocking pool (after the previous one).
    async fn write_block(&mut self) -> io::Result<()> {
        let spare = self.settle().await?;
        let full = std::mem::replace(&mut self.block, spare);
        let mut file = self
            .file
            .take()
            .ok_or_else(|| io::Error::other("staged file lost"))?;
        let at = self.handed;
        self.handed += full.len() as u64;
        self.writing = Some(tokio::task::spawn_blocking(move || {
            use std::io::Write;
            let mut full = full;
            file.write_all(&full)?;
            // On its way to the disk now, not all at the final fsync.
            crate::crypto::keyfile::start_writeback(&file, at, full.len() as u64);
            full.clear();
            Ok((file, full))
        }));
        Ok(())
    }
}

#[async_trait]
impl StagedBlob for FsStaged {
    async fn write(&mut self, chunk: &[u8]) -> io::Result<()> {
        self.len += chunk.len() as u64;
        let mut rest = chunk;
        // Split at the block's end: a block never grows past its size.
        while !rest.is_empty() {
            let take = rest.len().min(WRITE_BLOCK - self.block.len());
            self.block.extend_from_slice(&rest[..take]);
            rest = &rest[take..];
            if self.block.len() == WRITE_BLOCK {
                self.write_block().await?;
            }
        }
        Ok(())
    }

    async fn finish(mut self: Box<Self>) -> io::Result<u64> {
        if !self.block.is_empty() {
            self.write_block().await?;
        }
        self.settle().await?;
        let file = self
            .file
            .take()
            .ok_or_else(|| io::Error::other("staged file lost"))?;
        tokio::task::spawn_blocking(move || file.sync_all())
            .await
            .map_err(io::Error::other)??;
        Ok(self.len)
    }
}

async fn entries_with_mtime(dir: &Path) -> io::Result<Vec<(PathBuf, SystemTime)>> {
    let mut out = Vec::new();
    let mut rd = match fs::read_dir(dir).await {
        Ok(rd) => rd,
        Err(e) if e.kind() == io::ErrorKind::NotFound => return Ok(out),
        Err(e) => return Err(e),
    };
    while let Some(entry) = rd.next_entry().await? {
        let modified = entry.metadata().await?.modified()?;
        out.push((entry.path(), modified));
    }
    Ok(out)
}

#[async_trait]
impl BlobStore for FsBlobStore {
    async fn stage(&self, upload: &str) -> io::Result<Box<dyn StagedBlob>> {
        let file = fs::OpenOptions::new()
            .write(true)
            .create_new(true)
            .open(self.staged_path(upload)?)
            .await?
            .into_std()
            .await;
        Ok(Box::new(FsStaged::new(file)))
    }

    async fn staged_len(&self, upload: &str) -> io::Result<Option<u64>> {
        match fs::metadata(self.staged_path(upload)?).await {
            Ok(m) => Ok(Some(m.len())),
            Err(e) if e.kind() == io::ErrorKind::NotFound => Ok(None),
            Err(e) => Err(e),
        }
    }

    async fn publish(
        &self,
        upload: &str,
        doc: &str,
        small: &[(BlobPart, &[u8])],
    ) -> io::Result<()> {
        let dir = self.doc_dir(doc)?;
        fs::create_dir_all(&dir).await?;
        for (part, bytes) in small {
            write_atomic(&dir.join(part.file_name()), bytes).await?;
        }
        fs::rename(
            self.staged_path(upload)?,
            dir.join(BlobPart::Payload.file_name()),
        )
        .await?;
        sync_dir(&dir).await?;
        if let Some(parent) = dir.parent() {
            sync_dir(parent).await?;
            sync_dir(&self.root.join("docs")).await?;
        }
        sync_dir(&self.root.join("staging")).await
    }

    async fn open(&self, doc: &str, part: BlobPart) -> io::Result<BlobReader> {
        let file = fs::File::open(self.doc_dir(doc)?.join(part.file_name())).await?;
        let len = file.metadata().await?.len();
        Ok(BlobReader {
            reader: Box::new(file),
            len,
        })
    }

    async fn delete(&self, doc: &str) -> io::Result<()> {
        let dir = self.doc_dir(doc)?;
        match fs::remove_dir_all(&dir).await {
            Ok(()) => {}
            Err(e) if e.kind() == io::ErrorKind::NotFound => return Ok(()),
            Err(e) => return Err(e),
        }
        match dir.parent() {
            Some(parent) => sync_dir(parent).await,
            None => Ok(()),
        }
    }

    async fn discard(&self, upload: &str) -> io::Result<()> {
        match fs::remove_file(self.staged_path(upload)?).await {
            Err(e) if e.kind() != io::ErrorKind::NotFound => Err(e),
            _ => Ok(()),
        }
    }

    async fn documents(&self) -> io::Result<Vec<(String, SystemTime)>> {
        let mut out = Vec::new();
        for (shard, _) in entries_with_mtime(&self.root.join("docs")).await? {
            for (path, modified) in entries_with_mtime(&shard).await? {
                if let Some(name) = path.file_name().and_then(|n| n.to_str()) {
                    out.push((name.to_owned(), modified));
                }
            }
        }
        Ok(out)
    }

    async fn probe(&self) -> io::Result<()> {
        let path = self.root.join(PROBE_FILE);
        tokio::task::spawn_blocking(move || {
            use std::io::Write;
            let written = std::fs::File::create(&path).and_then(|mut f| {
                f.write_all(&vec![0u8; PROBE_BYTES])?;
                f.sync_all()
            });
            let removed = std::fs::remove_file(&path);
            written?;
            removed
        })
        .await
        .map_err(io::Error::other)?
    }

    async fn staged(&self) -> io::Result<Vec<(String, SystemTime)>> {
        let entries = entries_with_mtime(&self.root.join("staging")).await?;
        Ok(entries
            .into_iter()
            .filter_map(|(path, modified)| {
                let name = path.file_name()?.to_str()?;
                Some((name.strip_suffix(".part")?.to_owned(), modified))
            })
            .collect())
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use tokio::io::AsyncReadExt;

    const UP: &str = "00112233445566778899aabbccddeeff";
    const DOC: &str = "ffeeddccbbaa99887766554433221100";

    #[tokio::test]
    async fn stage_publish_open_delete() {
        let dir = tempfile::tempdir().unwrap();
        let store = FsBlobStore::open(dir.path()).unwrap();
        let mut staged = store.stage(UP).await.unwrap();
        staged.write(b"age-encryption.org/v1\nabc").await.unwrap();
        assert_eq!(staged.finish().await.unwrap(), 25);
        assert_eq!(store.staged_len(UP).await.unwrap(), Some(25));
        assert_eq!(store.staged().await.unwrap().len(), 1);
        store
            .publish(
                UP,
                DOC,
                &[(BlobPart::Meta, b"m"), (BlobPart::OwnerEnvelope, b"o")],
            )
            .await
            .unwrap();
        assert!(store.staged().await.unwrap().is_empty());
        let mut r = store.open(DOC, BlobPart::Payload).await.unwrap();
        assert_eq!(r.len, 25);
        let mut s = String::new();
        r.reader.read_to_string(&mut s).await.unwrap();
        assert!(s.ends_with("abc"));
        assert_eq!(store.documents().await.unwrap().len(), 1);
        store.delete(DOC).await.unwrap();
        store.delete(DOC).await.unwrap();
        assert!(store.documents().await.unwrap().is_empty());
        assert!(store.stage("../etc/passwd").await.is_err());
    }
}
