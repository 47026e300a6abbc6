//! Per-document age keys: the payload stream, the sealed metadata and the envelopes.
//!
//! A document key is a fresh age X25519 identity used for exactly one payload. The
//! payload and the metadata are age files to its recipient; an envelope is an age file
//! to an account's recipient whose plaintext is the document key's identity string,
//! so the stock `age` CLI can unwrap it and then decrypt the payload.

use std::io::{self, Read, Write};
use std::str::FromStr;

use age::x25519;
use sha2::{Digest, Sha256};
use zeroize::Zeroizing;

use super::identity::Identity;
use super::{CryptoError, ExposeSecret};
use crate::api::DocumentMeta;

/// The first bytes of every age file (a sanity check the server may make).
pub const AGE_MAGIC: &[u8] = b"age-encryption.org/v1\n";

/// Bytes of plaintext per age payload chunk, and of tag per chunk.
const CHUNK_BYTES: u64 = 64 * 1024;
const TAG_BYTES: u64 = 16;
/// An upper bound on the header of an age file to one X25519 recipient (about 170
/// bytes, plus a random "grease" stanza of up to about 220), with the payload nonce.
const HEADER_BOUND_BYTES: u64 = 512;

/// An upper bound on the size of the age file that `plaintext` bytes become.
pub fn ciphertext_bound(plaintext: u64) -> u64 {
    let chunks = plaintext.div_ceil(CHUNK_BYTES).max(1);
    HEADER_BOUND_BYTES + plaintext + chunks * TAG_BYTES
}

/// A document's key. No Debug, no Clone; wiped on drop.
pub struct DocumentKey(x25519::Identity);

/// What a plaintext stream was: its length and SHA-256.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct StreamSummary {
    pub bytes: u64,
    pub sha256: [u8; 32],
}

impl DocumentKey {
    pub fn generate() -> DocumentKey {
        DocumentKey(x25519::Identity::generate())
    }

    /// Encrypts `plaintext` to this key, writing an age file to `out`.
    pub fn encrypt_stream<R: Read, W: Write>(
        &self,
        plaintext: R,
        out: W,
    ) -> io::Result<StreamSummary> {
        let recipient = self.0.to_public();
        let encryptor = age::Encryptor::with_recipients(std::iter::once(&recipient as _))
            .map_err(io::Error::other)?;
        let mut writer = encryptor.wrap_output(out)?;
        let summary = copy_hashing(plaintext, &mut writer)?;
        writer.finish()?;
        Ok(summary)
    }

    /// Decrypts an age payload to `out`. A truncated or altered payload fails
    /// (age authenticates every 64 KiB chunk and the end of the stream).
    pub fn decrypt_stream<R: Read, W: Write>(
        &self,
        ciphertext: R,
        out: W,
    ) -> Result<StreamSummary, CryptoError> {
        let decryptor = age::Decryptor::new(ciphertext).map_err(|_| CryptoError::Decrypt)?;
        let reader = decryptor
            .decrypt(std::iter::once(&self.0 as &dyn age::Identity))
            .map_err(|_| CryptoError::Decrypt)?;
        Ok(copy_hashing(reader, out)?)
    }

    /// Seals metadata to this key.
    pub fn seal_meta(&self, meta: &DocumentMeta) -> Vec<u8> {
        let json = Zeroizing::new(serde_json::to_vec(meta).unwrap_or_default());
        seal(&self.0.to_public(), &json)
    }

    pub fn open_meta(&self, sealed: &[u8]) -> Result<DocumentMeta, CryptoError> {
        let plain = open(&self.0, sealed)?;
        serde_json::from_slice(&plain).map_err(|_| CryptoError::Malformed("document metadata"))
    }

    /// An envelope of this key to an account's age recipient (`age1…`).
    pub fn envelope_to(&self, recipient: &str) -> Result<Vec<u8>, CryptoError> {
        let recipient = x25519::Recipient::from_str(recipient)
            .map_err(|_| CryptoError::Malformed("age recipient"))?;
        let secret = self.0.to_string();
        let text = Zeroizing::new(format!("{}\n", secret.expose_secret()));
        Ok(seal(&recipient, text.as_bytes()))
    }

    /// Opens an envelope with an account's identity.
    pub fn from_envelope(identity: &Identity, envelope: &[u8]) -> Result<DocumentKey, CryptoError> {
        let plain = open(identity.age(), envelope)?;
        let text = std::str::from_utf8(&plain).map_err(|_| CryptoError::Malformed("envelope"))?;
        x25519::Identity::from_str(text.trim())
            .map(DocumentKey)
            .map_err(|_| CryptoError::Malformed("document key"))
    }
}

/// Copies `from` into `to`, counting and hashing what passes.
fn copy_hashing<R: Read, W: Write>(mut from: R, mut to: W) -> io::Result<StreamSummary> {
    let mut hasher = Sha256::new();
    let mut buf = Zeroizing::new(vec![0u8; 64 * 1024]);
    let mut bytes = 0u64;
    loop {
        let n = match from.read(&mut buf) {
            Ok(0) => break,
            Ok(n) => n,
            Err(e) if e.kind() == io::ErrorKind::Interrupted => continue,
            Err(e) => return Err(e),
        };
        hasher.update(&buf[..n]);
        to.write_all(&buf[..n])?;
        bytes += n as u64;
    }
    to.flush()?;
    Ok(StreamSummary {
        bytes,
        sha256: hasher.finalize().into(),
    })
}

/// Encrypts a small value to one recipient.
pub(crate) fn seal(recipient: &x25519::Recipient, plaintext: &[u8]) -> Vec<u8> {
    age::encrypt(recipient, plaintext).unwrap_or_default()
}

/// Decrypts a small value.
pub(crate) fn open(
    identity: &x25519::Identity,
    ciphertext: &[u8],
) -> Result<Zeroizing<Vec<u8>>, CryptoError> {
    age::decrypt(identity, ciphertext)
        .map(Zeroizing::new)
        .map_err(|_| CryptoError::Decrypt)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::api::Category;

    fn meta() -> DocumentMeta {
        DocumentMeta {
            title: "Carte d'identité".into(),
            category: Category::Identity,
            issued: None,
            expires: Some("2031-05-02".into()),
            mime: "image/jpeg".into(),
            size: 3,
            sha256: String::new(),
        }
    }

    #[test]
    fn stream_round_trip_and_truncation_fails() {
        let key = DocumentKey::generate();
        let data = vec![7u8; 200_000];
        let mut ct = Vec::new();
        let s = key.encrypt_stream(&data[..], &mut ct).unwrap();
        assert_eq!(s.bytes, 200_000);
        assert!(ct.starts_with(AGE_MAGIC));
        assert!(ct.len() as u64 <= ciphertext_bound(200_000));
        assert!(ct.len() as u64 > 200_000 + 4 * 16);
        let mut back = Vec::new();
        let d = key.decrypt_stream(&ct[..], &mut back).unwrap();
        assert_eq!(back, data);
        assert_eq!(d, s);
        let mut out = Vec::new();
        assert!(key.decrypt_stream(&ct[..ct.len() - 10], &mut out).is_err());
        let other = DocumentKey::generate();
        assert!(other.decrypt_stream(&ct[..], &mut Vec::new()).is_err());
    }

    #[test]
    fn envelopes_and_meta() {
        let owner = Identity::generate();
        let key = DocumentKey::generate();
        let env = key.envelope_to(&owner.public_keys().age_recipient).unwrap();
        let opened = DocumentKey::from_envelope(&owner, &env).unwrap();
        let sealed = key.seal_meta(&meta());
        assert_eq!(opened.open_meta(&sealed).unwrap(), meta());
        let stranger = Identity::generate();
        assert!(DocumentKey::from_envelope(&stranger, &env).is_err());
        assert!(!String::from_utf8_lossy(&sealed).contains("identit"));
    }
}
