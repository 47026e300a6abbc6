//! The only module that touches age, argon2 and key material.
//!
//! - [`passphrase`]: Argon2id root key, HKDF split into the auth key and the KEK, and
//!   the XChaCha20-Poly1305 envelope of an account's identity (client side).
//! - [`identity`]: an account's age X25519 identity and Ed25519 signing key.
//! - [`document`]: per-document age keys, sealed metadata, owner envelopes, streams.
//! - [`recovery`]: the recovery identity and its printable kit.
//! - [`safety`]: safety codes derived from public keys.
//! - [`server`]: what the server may do: hash secrets it is shown, mint tokens and ids,
//!   derive fake salts. Nothing in it decrypts.
//!
//! Every secret type here has no Debug, Display, Serialize or Clone, and is wiped on drop.

pub mod document;
pub mod identity;
pub mod keyfile;
pub mod passphrase;
pub mod recovery;
pub mod safety;
pub mod server;

pub use age::secrecy::{ExposeSecret, SecretString};

/// Why a cryptographic operation failed.
#[derive(Debug, thiserror::Error)]
pub enum CryptoError {
    #[error("wrong passphrase or corrupted identity envelope")]
    WrongPassphrase,
    #[error("this age file cannot be opened with the given key")]
    Decrypt,
    #[error("malformed key material: {0}")]
    Malformed(&'static str),
    #[error("invalid key derivation parameters")]
    KdfParams,
    #[error("the plaintext does not match its recorded hash")]
    Integrity,
    #[error(transparent)]
    Io(#[from] std::io::Error),
}

/// Fills a fixed-size array from the operating system's generator.
pub fn random_bytes<const N: usize>() -> [u8; N] {
    use rand::RngCore;
    let mut out = [0u8; N];
    rand::rngs::OsRng.fill_bytes(&mut out);
    out
}

/// Lowercase hex.
pub fn hex(bytes: &[u8]) -> String {
    use std::fmt::Write;
    bytes
        .iter()
        .fold(String::with_capacity(bytes.len() * 2), |mut s, b| {
            let _ = write!(s, "{b:02x}");
            s
        })
}

/// SHA-256 of a byte string.
pub fn sha256(bytes: &[u8]) -> [u8; 32] {
    use sha2::Digest;
    sha2::Sha256::digest(bytes).into()
}

/// SHA-256 of a stream, fed as it passes.
#[derive(Clone, Default)]
pub struct Sha256Stream(sha2::Sha256);

impl Sha256Stream {
    pub fn update(&mut self, bytes: &[u8]) {
        sha2::Digest::update(&mut self.0, bytes);
    }

    pub fn finish(self) -> [u8; 32] {
        sha2::Digest::finalize(self.0).into()
    }

    /// Lowercase hex of the digest.
    pub fn finish_hex(self) -> String {
        hex(&self.finish())
    }
}

/// A reader that hashes what is read through it.
pub struct HashingReader<R> {
    pub inner: R,
    pub hash: Sha256Stream,
}

impl<R: std::io::Read> std::io::Read for HashingReader<R> {
    fn read(&mut self, buf: &mut [u8]) -> std::io::Result<usize> {
        let n = self.inner.read(buf)?;
        self.hash.update(&buf[..n]);
        Ok(n)
    }
}

/// A writer that hashes and counts what is written through it; the digest (hex)
/// and the byte count are sent on `done` when the writer is dropped (it moves into
/// another thread).
pub struct HashingWriter<W> {
    pub inner: W,
    pub hash: Sha256Stream,
    pub written: u64,
    pub done: Option<std::sync::mpsc::Sender<(String, u64)>>,
}

impl<W: std::io::Write> std::io::Write for HashingWriter<W> {
    fn write(&mut self, buf: &[u8]) -> std::io::Result<usize> {
        let n = self.inner.write(buf)?;
        self.hash.update(&buf[..n]);
        self.written += n as u64;
        Ok(n)
    }

    fn flush(&mut self) -> std::io::Result<()> {
        self.inner.flush()
    }
}

impl<W> HashingWriter<W> {
    /// A writer whose digest is read with [`HashingWriter::finish`].
    pub fn new(inner: W) -> HashingWriter<W> {
        HashingWriter {
            inner,
            hash: Sha256Stream::default(),
            written: 0,
            done: None,
        }
    }

    /// The digest of everything written.
    pub fn finish(mut self) -> [u8; 32] {
        self.done = None;
        std::mem::take(&mut self.hash).finish()
    }
}

impl<W> Drop for HashingWriter<W> {
    fn drop(&mut self) {
        if let Some(done) = self.done.take() {
            let _ = done.send((std::mem::take(&mut self.hash).finish_hex(), self.written));
        }
    }
}
