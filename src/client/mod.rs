//! The typed client: what the CLI and the tests use to talk to coffred. It does all
//! the cryptography on this device (through [`crate::crypto`]) and sends only
//! ciphertext, wrapped keys and derived auth keys.
//!
//! - [`http`]: the transport (ureq over rustls).
//! - [`session`]: the local state in `COFFRE_HOME` (session and key cache, 0600).
//! - [`account`]: register, login, logout, whoami, passphrase change, recovery.
//! - [`documents`]: add, list, get, delete.

pub mod account;
pub mod consent;
pub mod documents;
pub mod http;
pub mod journal;
pub mod leaving;
mod listing_cache;
mod pipe;
pub mod session;

use std::path::{Path, PathBuf};

use crate::api::ErrorCode;
use crate::crypto::CryptoError;
use crate::messages::{error_text, Lang};

pub use http::{Http, Trust};
pub use session::Session;

/// Why a client operation failed.
#[derive(Debug, thiserror::Error)]
pub enum ClientError {
    #[error("server refused ({status}): {code}: {message}")]
    Api {
        status: u16,
        code: ErrorCode,
        message: String,
    },
    #[error("cannot reach {url}: {detail}")]
    Unreachable { url: String, detail: String },
    #[error("TLS: {0}")]
    Tls(String),
    #[error("unexpected answer: {0}")]
    Protocol(String),
    #[error("{code}")]
    Local {
        code: ErrorCode,
        args: Vec<(&'static str, String)>,
    },
    /// A local refusal whose sentence is already written (with a detail in it).
    #[error("{code}: {message}")]
    Said { code: ErrorCode, message: String },
    #[error("{}: {source}", path.as_deref().map(|p| p.display().to_string()).unwrap_or_default())]
    Io {
        path: Option<PathBuf>,
        source: std::io::Error,
    },
    #[error(transparent)]
    Crypto(#[from] CryptoError),
}

impl ClientError {
    /// A local refusal with message arguments.
    pub fn local(code: ErrorCode, args: &[(&'static str, &str)]) -> ClientError {
        ClientError::Local {
            code,
            args: args.iter().map(|(k, v)| (*k, (*v).to_owned())).collect(),
        }
    }

    /// A local refusal with its whole sentence.
    pub fn local_message(code: ErrorCode, message: &str) -> ClientError {
        ClientError::Said {
            code,
            message: message.to_owned(),
        }
    }

    /// An I/O error on a named file.
    pub fn file(path: &Path, source: std::io::Error) -> ClientError {
        let shown = path.display().to_string();
        match source.kind() {
            std::io::ErrorKind::NotFound => {
                return ClientError::local(ErrorCode::FileNotFound, &[("path", &shown)])
            }
            std::io::ErrorKind::IsADirectory => {
                return ClientError::local(ErrorCode::IsADirectory, &[("path", &shown)])
            }
            std::io::ErrorKind::PermissionDenied | std::io::ErrorKind::ReadOnlyFilesystem => {
                return ClientError::local(ErrorCode::NotWritable, &[("path", &shown)])
            }
            _ => {}
        }
        ClientError::Io {
            path: Some(path.to_path_buf()),
            source,
        }
    }

    /// The stable code.
    pub fn code(&self) -> ErrorCode {
        match self {
            ClientError::Api { code, .. }
            | ClientError::Local { code, .. }
            | ClientError::Said { code, .. } => *code,
            ClientError::Unreachable { .. } => ErrorCode::ServerUnreachable,
            ClientError::Tls(_) => ErrorCode::TlsError,
            ClientError::Protocol(_) => ErrorCode::ProtocolError,
            ClientError::Io { .. } => ErrorCode::IoError,
            ClientError::Crypto(CryptoError::WrongPassphrase) => ErrorCode::WrongPassphrase,
            ClientError::Crypto(CryptoError::Integrity) => ErrorCode::IntegrityFailed,
            ClientError::Crypto(CryptoError::Io(_)) => ErrorCode::IoError,
            ClientError::Crypto(_) => ErrorCode::DecryptionFailed,
        }
    }

    /// One sentence for a person, in `lang`.
    pub fn message(&self, lang: Lang) -> String {
        let code = self.code();
        match self {
            ClientError::Api { code, message, .. } if *code != ErrorCode::Unknown => {
                message.clone()
            }
            ClientError::Said { message, .. } => message.clone(),
            ClientError::Local { args, .. } => {
                let args: Vec<(&str, &str)> = args.iter().map(|(k, v)| (*k, v.as_str())).collect();
                error_text(code, lang, &args)
            }
            ClientError::Unreachable { url, .. } => error_text(code, lang, &[("url", url)]),
            ClientError::Io { source, path } => {
                let detail = match path {
                    Some(p) => format!("{} ({source})", p.display()),
                    None => source.to_string(),
                };
                error_text(code, lang, &[("detail", &detail)])
            }
            ClientError::Crypto(CryptoError::Io(e)) => {
                error_text(code, lang, &[("detail", &e.to_string())])
            }
            _ => error_text(code, lang, &[]),
        }
    }
}

impl From<std::io::Error> for ClientError {
    fn from(source: std::io::Error) -> Self {
        ClientError::Io { path: None, source }
    }
}

/// Shortest id prefix accepted in place of a full id.
pub const MIN_ID_PREFIX: usize = 4;

/// The one candidate that starts with `prefix` (at least [`MIN_ID_PREFIX`] hex
/// characters); `not_found` if none does, `ambiguous_id` if several do.
pub(crate) fn unique_prefix<T: AsRef<str>>(
    candidates: impl IntoIterator<Item = T>,
    prefix: &str,
    not_found: ErrorCode,
) -> Result<T, ClientError> {
    let prefix = prefix.trim().to_ascii_lowercase();
    if !prefix.bytes().all(|b| b.is_ascii_hexdigit()) {
        return Err(ClientError::local(not_found, &[]));
    }
    if prefix.len() < MIN_ID_PREFIX {
        let min = MIN_ID_PREFIX.to_string();
        return Err(ClientError::local(ErrorCode::IdTooShort, &[("min", &min)]));
    }
    let mut matching = candidates
        .into_iter()
        .filter(|c| c.as_ref().starts_with(&prefix));
    match (matching.next(), matching.next()) {
        (Some(one), None) => Ok(one),
        (None, _) => Err(ClientError::local(not_found, &[])),
        (Some(_), Some(_)) => Err(ClientError::local(
            ErrorCode::AmbiguousId,
            &[("value", &prefix)],
        )),
    }
}

/// Reports transfer progress (a bar on a terminal, nothing otherwise).
pub trait Progress: Send + Sync {
    fn start(&self, total: Option<u64>);
    fn advance(&self, bytes: u64);
    fn finish(&self);
}

/// No progress display.
pub struct NoProgress;

impl Progress for NoProgress {
    fn start(&self, _: Option<u64>) {}
    fn advance(&self, _: u64) {}
    fn finish(&self) {}
}

/// Counts bytes read through it into a [`Progress`].
pub(crate) struct Counting<'a, R> {
    pub inner: R,
    pub progress: &'a dyn Progress,
}

impl<R: std::io::Read> std::io::Read for Counting<'_, R> {
    fn read(&mut self, buf: &mut [u8]) -> std::io::Result<usize> {
        let n = self.inner.read(buf)?;
        self.progress.advance(n as u64);
        Ok(n)
    }
}
