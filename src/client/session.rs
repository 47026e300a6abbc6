//! The client's local state in `COFFRE_HOME`: the open session and its key cache.
//!
//! `session.json` (0600) holds the server URL, the user, the bearer token and the
//! unwrapped identity bundle, so that commands after `coffre login` need no
//! passphrase. `coffre logout` (or an expired session) removes it.

use std::path::{Path, PathBuf};

use serde::{Deserialize, Serialize};
use zeroize::Zeroizing;

use super::ClientError;
use crate::api::{ErrorCode, PublicKeys, Role};
use crate::crypto::identity::Identity;
use crate::crypto::keyfile;

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
}

#[derive(Serialize, Deserialize)]
struct SessionFile {
    server: String,
    user: String,
    role: Role,
    expires_ms: i64,
    keys: PublicKeys,
    token: String,
    identity: String,
}

impl Drop for SessionFile {
    fn drop(&mut self) {
        zeroize::Zeroize::zeroize(&mut self.token);
        zeroize::Zeroize::zeroize(&mut self.identity);
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
    ) -> Session {
        Session {
            server: server.to_owned(),
            user: response.user.clone(),
            role: response.role,
            expires_ms: response.expires_ms,
            keys: response.keys.clone(),
            token: Zeroizing::new(response.token.clone()),
            identity,
        }
    }

    pub fn token(&self) -> &str {
        &self.token
    }

    pub fn identity(&self) -> &Identity {
        &self.identity
    }

    /// Writes the session file (0600), replacing any previous one.
    pub fn save(&self, home: &Path) -> Result<(), ClientError> {
        keyfile::private_dir(home).map_err(|e| ClientError::file(home, e))?;
        let file = SessionFile {
            server: self.server.clone(),
            user: self.user.clone(),
            role: self.role,
            expires_ms: self.expires_ms,
            keys: self.keys.clone(),
            token: self.token.to_string(),
            identity: self.identity.to_bundle().to_string(),
        };
        let json = Zeroizing::new(
            serde_json::to_vec_pretty(&file).map_err(|e| ClientError::Protocol(e.to_string()))?,
        );
        let p = path(home);
        keyfile::write_private(&p, &json).map_err(|e| ClientError::file(&p, e))
    }

    /// The session for `server`, if one is open and not expired.
    pub fn load(home: &Path, server: &str, now_ms: i64) -> Result<Session, ClientError> {
        let p = path(home);
        let bytes = match std::fs::read(&p) {
            Ok(b) => Zeroizing::new(b),
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => return Err(not_logged_in()),
            Err(e) => return Err(ClientError::file(&p, e)),
        };
        let file: SessionFile = serde_json::from_slice(&bytes).map_err(|_| not_logged_in())?;
        if file.server != server {
            return Err(not_logged_in());
        }
        if file.expires_ms <= now_ms {
            Self::forget(home)?;
            return Err(ClientError::local(ErrorCode::SessionExpired, &[]));
        }
        Ok(Session {
            server: file.server.clone(),
            user: file.user.clone(),
            role: file.role,
            expires_ms: file.expires_ms,
            keys: file.keys.clone(),
            token: Zeroizing::new(file.token.clone()),
            identity: Identity::from_bundle(&file.identity)?,
        })
    }

    /// Removes the session file (absent is fine).
    pub fn forget(home: &Path) -> Result<(), ClientError> {
        let p = path(home);
        match std::fs::remove_file(&p) {
            Err(e) if e.kind() != std::io::ErrorKind::NotFound => Err(ClientError::file(&p, e)),
            _ => Ok(()),
        }
    }
}
