//! The client's local state in `COFFRE_HOME`: the open session.
//!
//! `session.json` (0600) holds the server URL, the user, the bearer token and the
//! identity **sealed** under a per-session key (XChaCha20-Poly1305) that only the
//! server keeps: the device asks for it at each command, and the server forgets it at
//! logout or expiry. So the file never holds a private key in the clear, and a copy
//! of it taken later (a stolen disk, a backup, the next user of a shared computer)
//! opens nothing once the session has ended. `coffre logout` also deletes the file.

use std::path::{Path, PathBuf};

use serde::{Deserialize, Serialize};
use zeroize::Zeroizing;

use super::ClientError;
use crate::api::{ErrorCode, PublicKeys, Role, WrappedIdentity};
use crate::crypto::identity::Identity;
use crate::crypto::keyfile;
use crate::crypto::passphrase::SessionKey;

const FILE: &str = "session.json";

/// An open session. No Debug, no Clone: it holds the identity.
pub struct Session {
    pub server: String,
    pub user: String,
    pub role: Role,
    pub expires_ms: i64,
    pub keys: PublicKeys,
    token: Zeroizing<String>,
    identity: Identity,
    sealing: SessionKey,
}

/// A session file read back, its identity still sealed.
pub struct Sealed {
    file: SessionFile,
}

#[derive(Serialize, Deserialize)]
struct SessionFile {
    server: String,
    user: String,
    role: Role,
    expires_ms: i64,
    keys: PublicKeys,
    token: String,
    sealed_identity: WrappedIdentity,
}

impl Drop for SessionFile {
    fn drop(&mut self) {
        zeroize::Zeroize::zeroize(&mut self.token);
    }
}

fn path(home: &Path) -> PathBuf {
    home.join(FILE)
}

fn not_logged_in() -> ClientError {
    ClientError::local(ErrorCode::NotLoggedIn, &[])
}

impl Session {
    pub fn new(
        server: &str,
        response: &crate::api::SessionResponse,
        identity: Identity,
    ) -> Result<Session, ClientError> {
        let sealing = SessionKey::from_bytes(response.session_key.as_slice())
            .ok_or_else(|| ClientError::Protocol("session key".into()))?;
        Ok(Session {
            server: server.to_owned(),
            user: response.user.clone(),
            role: response.role,
            expires_ms: response.expires_ms,
            keys: response.keys.clone(),
            token: Zeroizing::new(response.token.clone()),
            identity,
            sealing,
        })
    }

    pub fn token(&self) -> &str {
        &self.token
    }

    pub fn identity(&self) -> &Identity {
        &self.identity
    }

    /// Writes the session file (0600), replacing any previous one; the identity in
    /// it is sealed under the session key, which is not written.
    pub fn save(&self, home: &Path) -> Result<(), ClientError> {
        keyfile::private_dir(home).map_err(|e| ClientError::file(home, e))?;
        let file = SessionFile {
            server: self.server.clone(),
            user: self.user.clone(),
            role: self.role,
            expires_ms: self.expires_ms,
            keys: self.keys.clone(),
            token: self.token.to_string(),
            sealed_identity: self.sealing.wrap(&self.identity, &self.user),
        };
        let json = Zeroizing::new(
            serde_json::to_vec_pretty(&file).map_err(|e| ClientError::Protocol(e.to_string()))?,
        );
        let p = path(home);
        keyfile::write_private(&p, &json).map_err(|e| ClientError::file(&p, e))
    }

    /// The session file for `server`, if one is there and not expired.
    pub fn load(home: &Path, server: &str, now_ms: i64) -> Result<Sealed, ClientError> {
        let p = path(home);
        let bytes = match std::fs::read(&p) {
            Ok(b) => Zeroizing::new(b),
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => return Err(not_logged_in()),
            Err(e) => return Err(ClientError::file(&p, e)),
        };
        let Ok(file) = serde_json::from_slice::<SessionFile>(&bytes) else {
            // Unreadable, or written by an older version (which kept the identity in
            // the clear): it must not stay on disk.
            Self::forget(home)?;
            return Err(not_logged_in());
        };
        if file.server != server {
            return Err(not_logged_in());
        }
        if file.expires_ms <= now_ms {
            Self::forget(home)?;
            return Err(ClientError::local(ErrorCode::SessionExpired, &[]));
        }
        Ok(Sealed { file })
    }

    /// Removes the session file (absent is fine), and what was kept with it.
    pub fn forget(home: &Path) -> Result<(), ClientError> {
        super::listing_cache::forget(home);
        let p = path(home);
        match std::fs::remove_file(&p) {
            Err(e) if e.kind() != std::io::ErrorKind::NotFound => Err(ClientError::file(&p, e)),
            _ => Ok(()),
        }
    }
}

impl Sealed {
    pub fn token(&self) -> &str {
        &self.file.token
    }

    /// Opens the identity with the session key the server handed back.
    pub fn open(self, key: &[u8]) -> Result<Session, ClientError> {
        let sealing = SessionKey::from_bytes(key)
            .ok_or_else(|| ClientError::Protocol("session key".into()))?;
        let identity = sealing
            .unwrap(&self.file.sealed_identity, &self.file.user)
            .map_err(|_| not_logged_in())?;
        let f = &self.file;
        Ok(Session {
            server: f.server.clone(),
            user: f.user.clone(),
            role: f.role,
            expires_ms: f.expires_ms,
            // The keys are the identity's own, not whatever the file says.
            keys: identity.public_keys(),
            token: Zeroizing::new(f.token.clone()),
            identity,
            sealing,
        })
    }
}
