//! The data directory: created on first start, reopened afterwards.
//!
//! ```text
//! DIR/                 0700
//!   meta/              sled metadata store
//!   blobs/             ciphertext (staging/, docs/)
//!   keys/server-secret 0600, 32 random bytes (fake salts, journal tags)
//!   keys/journal-ed25519 0600, the journal's checkpoint signing key
//!   tls/cert.pem       self-signed certificate (unless the config names one)
//!   tls/key.pem        0600
//!   admin-token        0600, operator token
//! ```

use std::fs;
use std::path::{Path, PathBuf};

use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use base64::Engine;
use zeroize::Zeroizing;

use super::ServerError;
use crate::crypto::keyfile;
use crate::crypto::server::{LogKey, ServerSecret};

/// Paths inside a prepared data directory.
pub struct DataDir {
    root: PathBuf,
}

fn init_err(path: &Path, e: std::io::Error) -> ServerError {
    ServerError::Init(format!("{}: {e}", path.display()))
}

/// Refuses a data directory that others than its owner may enter: it holds the
/// deployment secret, the operator token and the journal key.
fn refuse_shared(root: &Path) -> Result<(), ServerError> {
    use std::os::unix::fs::PermissionsExt;
    let mode = std::fs::metadata(root)
        .map_err(|e| init_err(root, e))?
        .permissions()
        .mode();
    if mode & 0o077 != 0 {
        return Err(ServerError::Init(format!(
            "{} is open to other users (mode {:o}): it holds the deployment's secrets; \
             run `chmod 700 {}` and start again",
            root.display(),
            mode & 0o777,
            root.display()
        )));
    }
    Ok(())
}

/// Writes a new secret file (0600); never replaces an existing one.
pub fn write_private_file(path: &Path, bytes: &[u8]) -> Result<(), ServerError> {
    if path.exists() {
        return Err(ServerError::Init(format!(
            "{} already exists",
            path.display()
        )));
    }
    keyfile::write_private(path, bytes).map_err(|e| init_err(path, e))
}

impl DataDir {
    /// Creates the directory tree if needed.
    pub fn prepare(root: &Path) -> Result<DataDir, ServerError> {
        if root.join(crate::ops::restore::RESTORING).exists() {
            return Err(ServerError::Init(format!(
                "{} holds a restore that did not finish ({}): empty it and run \
                 `coffred restore` again",
                root.display(),
                crate::ops::restore::RESTORING
            )));
        }
        for sub in ["", "meta", "blobs", "keys", "tls"] {
            let path = root.join(sub);
            keyfile::private_dir(&path).map_err(|e| init_err(&path, e))?;
        }
        refuse_shared(root)?;
        // Scratch files of backups a stop interrupted.
        for entry in fs::read_dir(root).map_err(|e| init_err(root, e))? {
            let entry = entry.map_err(|e| init_err(root, e))?;
            if entry
                .file_name()
                .to_string_lossy()
                .starts_with(super::backup::SCRATCH_PREFIX)
            {
                fs::remove_file(entry.path()).map_err(|e| init_err(&entry.path(), e))?;
            }
        }
        Ok(DataDir {
            root: root.to_path_buf(),
        })
    }

    pub fn meta(&self) -> PathBuf {
        self.root.join("meta")
    }

    pub fn blobs(&self) -> PathBuf {
        self.root.join("blobs")
    }

    pub fn tls_cert(&self) -> PathBuf {
        self.root.join("tls").join("cert.pem")
    }

    pub fn tls_key(&self) -> PathBuf {
        self.root.join("tls").join("key.pem")
    }

    /// The deployment secret, made on first start.
    pub fn server_secret(&self) -> Result<ServerSecret, ServerError> {
        let path = self.root.join("keys").join("server-secret");
        if !path.exists() {
            let secret = ServerSecret::generate();
            write_private_file(&path, secret.expose_bytes())?;
        }
        let bytes = Zeroizing::new(fs::read(&path).map_err(|e| init_err(&path, e))?);
        ServerSecret::from_bytes(&bytes)
            .ok_or_else(|| ServerError::Init(format!("{}: not 32 bytes", path.display())))
    }

    /// The journal's checkpoint signing key, made on first start.
    pub fn journal_key(&self) -> Result<LogKey, ServerError> {
        let path = self.root.join("keys").join("journal-ed25519");
        if !path.exists() {
            write_private_file(&path, &LogKey::generate().seed()[..])?;
        }
        let bytes = Zeroizing::new(fs::read(&path).map_err(|e| init_err(&path, e))?);
        LogKey::from_seed(&bytes)
            .ok_or_else(|| ServerError::Init(format!("{}: not 32 bytes", path.display())))
    }

    /// The operator token's digest, making the token on first start (it is never
    /// printed; the operator reads the file).
    pub fn admin_token_digest(&self) -> Result<[u8; 32], ServerError> {
        let path = self.root.join("admin-token");
        if !path.exists() {
            let raw = Zeroizing::new(crate::crypto::random_bytes::<32>());
            let token = Zeroizing::new(format!("{}\n", URL_SAFE_NO_PAD.encode(&raw[..])));
            write_private_file(&path, token.as_bytes())?;
        }
        let token = Zeroizing::new(fs::read_to_string(&path).map_err(|e| init_err(&path, e))?);
        Ok(crate::crypto::server::token_digest(token.trim()))
    }
}
