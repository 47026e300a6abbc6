//! From a passphrase to the auth key and the KEK; the KEK envelope of an identity.
//!
//! root = Argon2id(passphrase, salt, params); auth key = HKDF-SHA256(root,
//! "coffre/auth/v1"); KEK = HKDF-SHA256(root, "coffre/identity-wrap/v1"). The
//! identity bundle is sealed under the KEK with XChaCha20-Poly1305 and an AAD that
//! binds the format version, the user id and the KDF parameters.

use argon2::{Algorithm, Argon2, Params, Version};
use chacha20poly1305::aead::{Aead, AeadCore, KeyInit, Payload};
use chacha20poly1305::{XChaCha20Poly1305, XNonce};
use hkdf::Hkdf;
use rand::rngs::OsRng;
use sha2::Sha256;
use zeroize::Zeroizing;

use super::identity::Identity;
use super::{CryptoError, ExposeSecret, SecretString};
use crate::api::{KdfParams, WrappedIdentity};

const AUTH_INFO: &[u8] = b"coffre/auth/v1";
const KEK_INFO: &[u8] = b"coffre/identity-wrap/v1";
const WRAP_AAD_LABEL: &[u8] = b"coffre/identity-wrap/v1";
/// Bytes of a per-user salt.
pub const SALT_BYTES: usize = 16;

/// The Argon2id output; never stored.
pub struct RootKey(Zeroizing<[u8; 32]>);

/// Proves knowledge of the passphrase to the server.
pub struct AuthKey(Zeroizing<[u8; 32]>);

/// Key-encryption key for the identity envelope; never stored.
pub struct Kek(Zeroizing<[u8; 32]>);

impl RootKey {
    /// Runs Argon2id; about a third of a second at the default parameters.
    pub fn derive(
        passphrase: &SecretString,
        salt: &[u8],
        kdf: KdfParams,
    ) -> Result<RootKey, CryptoError> {
        let params =
            Params::new(kdf.m_kib, kdf.t, kdf.p, Some(32)).map_err(|_| CryptoError::KdfParams)?;
        let argon = Argon2::new(Algorithm::Argon2id, Version::V0x13, params);
        let mut out = Zeroizing::new([0u8; 32]);
        argon
            .hash_password_into(passphrase.expose_secret().as_bytes(), salt, &mut out[..])
            .map_err(|_| CryptoError::KdfParams)?;
        Ok(RootKey(out))
    }

    pub fn auth_key(&self) -> AuthKey {
        AuthKey(expand(&self.0[..], AUTH_INFO))
    }

    pub fn kek(&self) -> Kek {
        Kek(expand(&self.0[..], KEK_INFO))
    }
}

/// HKDF-SHA256 expand of a 32-byte secret.
pub(crate) fn expand(ikm: &[u8], info: &[u8]) -> Zeroizing<[u8; 32]> {
    let hk = Hkdf::<Sha256>::new(None, ikm);
    let mut okm = Zeroizing::new([0u8; 32]);
    // 32 bytes is always a valid HKDF-SHA256 output length.
    let _ = hk.expand(info, &mut okm[..]);
    okm
}

impl AuthKey {
    /// The bytes sent to the server (over TLS) at login.
    pub fn to_wire(&self) -> crate::api::Bytes {
        crate::api::Bytes(self.0.to_vec())
    }
}

/// A new random per-user salt.
pub fn new_salt() -> [u8; SALT_BYTES] {
    super::random_bytes()
}

fn wrap_aad(user: &str, kdf: KdfParams) -> Vec<u8> {
    let mut aad = Vec::with_capacity(64 + user.len());
    aad.extend_from_slice(WRAP_AAD_LABEL);
    aad.push(0);
    aad.extend_from_slice(&(user.len() as u32).to_be_bytes());
    aad.extend_from_slice(user.as_bytes());
    for v in [kdf.m_kib, kdf.t, kdf.p] {
        aad.extend_from_slice(&v.to_be_bytes());
    }
    aad
}

/// The key that seals the identity in this device's session file. The server makes
/// it at login and hands it back on request while the session lasts; it forgets it at
/// logout or expiry, after which the file opens nothing. No Debug, no Clone; wiped.
pub struct SessionKey(Zeroizing<[u8; 32]>);

const SESSION_AAD_LABEL: &[u8] = b"coffre/session-wrap/v1";

fn session_aad(user: &str) -> Vec<u8> {
    let mut aad = SESSION_AAD_LABEL.to_vec();
    aad.push(0);
    aad.extend_from_slice(user.as_bytes());
    aad
}

impl SessionKey {
    pub fn from_bytes(bytes: &[u8]) -> Option<SessionKey> {
        let key: [u8; 32] = bytes.try_into().ok()?;
        Some(SessionKey(Zeroizing::new(key)))
    }

    pub fn wrap(&self, identity: &Identity, user: &str) -> WrappedIdentity {
        seal_identity(&self.0, identity, &session_aad(user))
    }

    pub fn unwrap(&self, wrapped: &WrappedIdentity, user: &str) -> Result<Identity, CryptoError> {
        open_identity(&self.0, wrapped, &session_aad(user))
    }
}

fn seal_identity(key: &[u8; 32], identity: &Identity, aad: &[u8]) -> WrappedIdentity {
    let cipher = XChaCha20Poly1305::new(key.into());
    let nonce = XChaCha20Poly1305::generate_nonce(&mut OsRng);
    let bundle = identity.to_bundle();
    let payload = Payload {
        msg: bundle.as_bytes(),
        aad,
    };
    // Encryption into a Vec cannot fail for inputs of this size.
    let ciphertext = cipher.encrypt(&nonce, payload).unwrap_or_default();
    WrappedIdentity {
        nonce: nonce.to_vec().into(),
        ciphertext: ciphertext.into(),
    }
}

fn open_identity(
    key: &[u8; 32],
    wrapped: &WrappedIdentity,
    aad: &[u8],
) -> Result<Identity, CryptoError> {
    if wrapped.nonce.len() != 24 {
        return Err(CryptoError::WrongPassphrase);
    }
    let cipher = XChaCha20Poly1305::new(key.into());
    let nonce = XNonce::from_slice(wrapped.nonce.as_slice());
    let payload = Payload {
        msg: wrapped.ciphertext.as_slice(),
        aad,
    };
    let plain = Zeroizing::new(
        cipher
            .decrypt(nonce, payload)
            .map_err(|_| CryptoError::WrongPassphrase)?,
    );
    let text = std::str::from_utf8(&plain).map_err(|_| CryptoError::WrongPassphrase)?;
    Identity::from_bundle(text)
}

impl Kek {
    /// Seals an identity for storage on the server.
    pub fn wrap(&self, identity: &Identity, user: &str, kdf: KdfParams) -> WrappedIdentity {
        seal_identity(&self.0, identity, &wrap_aad(user, kdf))
    }

    /// Opens an identity envelope; fails on a wrong passphrase or any tampering,
    /// including a changed user id or changed KDF parameters.
    pub fn unwrap(
        &self,
        wrapped: &WrappedIdentity,
        user: &str,
        kdf: KdfParams,
    ) -> Result<Identity, CryptoError> {
        open_identity(&self.0, wrapped, &wrap_aad(user, kdf))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const FAST: KdfParams = KdfParams {
        m_kib: 256,
        t: 1,
        p: 1,
    };

    fn root(pass: &str, salt: &[u8]) -> RootKey {
        RootKey::derive(&SecretString::from(pass.to_owned()), salt, FAST).unwrap()
    }

    #[test]
    fn auth_key_and_kek_differ_and_are_deterministic() {
        let a = root("correct horse", b"0123456789abcdef");
        let b = root("correct horse", b"0123456789abcdef");
        assert_eq!(*a.auth_key().0, *b.auth_key().0);
        assert_ne!(*a.auth_key().0, *a.kek().0);
        let c = root("correct horse", b"fedcba9876543210");
        assert_ne!(*a.auth_key().0, *c.auth_key().0);
    }

    #[test]
    fn wrap_binds_user_and_params() {
        let id = Identity::generate();
        let kek = root("pass", b"0123456789abcdef").kek();
        let w = kek.wrap(&id, "alice", FAST);
        let back = kek.unwrap(&w, "alice", FAST).unwrap();
        assert_eq!(back.public_keys(), id.public_keys());
        assert!(kek.unwrap(&w, "bob", FAST).is_err());
        let other = KdfParams { t: 2, ..FAST };
        assert!(kek.unwrap(&w, "alice", other).is_err());
        let wrong = root("wrong", b"0123456789abcdef").kek();
        assert!(matches!(
            wrong.unwrap(&w, "alice", FAST),
            Err(CryptoError::WrongPassphrase)
        ));
        let mut tampered = w.clone();
        tampered.ciphertext.0[3] ^= 1;
        assert!(kek.unwrap(&tampered, "alice", FAST).is_err());
    }
}
