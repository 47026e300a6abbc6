//! The blob store trait: ciphertext files that never appear half-written.

use std::io;
use std::time::SystemTime;

use async_trait::async_trait;
use tokio::io::AsyncRead;

/// The files of one document.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum BlobPart {
    /// The age payload.
    Payload,
    /// The sealed metadata (an age file to the document key).
    Meta,
    /// The document key sealed to the owner (an age file to the owner's recipient).
    OwnerEnvelope,
}

impl BlobPart {
    pub fn file_name(self) -> &'static str {
        match self {
            BlobPart::Payload => "payload.age",
            BlobPart::Meta => "meta.age",
            BlobPart::OwnerEnvelope => "owner.age",
        }
    }
}

/// A readable blob and its length.
pub struct BlobReader {
    pub reader: Box<dyn AsyncRead + Send + Unpin>,
    pub len: u64,
}

/// An upload being written. Dropping it without [`StagedBlob::finish`] leaves a
/// staged file that orphan collection removes.
#[async_trait]
pub trait StagedBlob: Send {
    async fn write(&mut self, chunk: &[u8]) -> io::Result<()>;
    /// Makes the staged bytes durable and returns their length.
    async fn finish(self: Box<Self>) -> io::Result<u64>;
}

/// Where ciphertext lives.
#[async_trait]
pub trait BlobStore: Send + Sync + 'static {
    /// Starts writing an upload under a fresh upload id.
    async fn stage(&self, upload: &str) -> io::Result<Box<dyn StagedBlob>>;
    /// Length of a finished staged upload, if there is one.
    async fn staged_len(&self, upload: &str) -> io::Result<Option<u64>>;
    /// Moves a finished upload to `doc` and writes the small parts beside it; all of
    /// it is durable when this returns.
    async fn publish(&self, upload: &str, doc: &str, small: &[(BlobPart, &[u8])])
        -> io::Result<()>;
    async fn open(&self, doc: &str, part: BlobPart) -> io::Result<BlobReader>;
    /// Removes every part of a document (absent is not an error).
    async fn delete(&self, doc: &str) -> io::Result<()>;
    /// Removes a staged upload (absent is not an error).
    async fn discard(&self, upload: &str) -> io::Result<()>;
    /// Documents present, with the time they were last changed.
    async fn documents(&self) -> io::Result<Vec<(String, SystemTime)>>;
    /// Staged uploads present, with the time they were last changed.
    async fn staged(&self) -> io::Result<Vec<(String, SystemTime)>>;
    /// Writes (durably) and removes a scratch file the size of an upload's first
    /// blocks: whether the store has room for writes now.
    async fn probe(&self) -> io::Result<()>;
}
