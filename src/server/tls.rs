//! TLS: rustls with the ring provider, TLS 1.2 and 1.3 only, and a self-signed
//! certificate for `localhost` and `127.0.0.1` made on first start when the
//! configuration names none.

use std::path::{Path, PathBuf};
use std::sync::{Arc, RwLock};

use rustls::pki_types::pem::PemObject;
use rustls::pki_types::{CertificateDer, PrivateKeyDer};
use rustls::ServerConfig;
use zeroize::Zeroizing;

use super::init::write_private_file;
use super::ServerError;

/// The names the self-signed certificate is valid for.
const SELF_SIGNED_NAMES: [&str; 3] = ["localhost", "127.0.0.1", "::1"];

/// Loads `cert` and `key` (PEM), generating a self-signed pair first if `generate`
/// and the files do not exist yet.
pub fn server_config(cert: &Path, key: &Path, generate: bool) -> Result<ServerConfig, ServerError> {
    if generate && !cert.exists() {
        write_self_signed(cert, key)?;
    }
    let certs = CertificateDer::pem_file_iter(cert)
        .and_then(|it| it.collect::<Result<Vec<_>, _>>())
        .map_err(|e| ServerError::Init(format!("certificate {}: {e}", cert.display())))?;
    let key = PrivateKeyDer::from_pem_file(key)
        .map_err(|e| ServerError::Init(format!("private key {}: {e}", key.display())))?;
    let provider = Arc::new(rustls::crypto::ring::default_provider());
    let mut config = ServerConfig::builder_with_provider(provider)
        .with_protocol_versions(&[&rustls::version::TLS13, &rustls::version::TLS12])
        .map_err(|e| ServerError::Init(e.to_string()))?
        .with_no_client_auth()
        .with_single_cert(certs, key)
        .map_err(|e| ServerError::Init(format!("TLS certificate: {e}")))?;
    config.alpn_protocols = vec![b"h2".to_vec(), b"http/1.1".to_vec()];
    Ok(config)
}

/// The certificate in use and where it comes from: read again on SIGHUP (a
/// renewal), for new connections only; those open keep theirs.
pub struct Certificates {
    cert: PathBuf,
    key: PathBuf,
    current: RwLock<tokio_rustls::TlsAcceptor>,
}

impl Certificates {
    /// Loads the pair (making a self-signed one first if `generate` and absent).
    pub fn load(cert: PathBuf, key: PathBuf, generate: bool) -> Result<Certificates, ServerError> {
        let config = server_config(&cert, &key, generate)?;
        Ok(Certificates {
            cert,
            key,
            current: RwLock::new(tokio_rustls::TlsAcceptor::from(Arc::new(config))),
        })
    }

    /// The acceptor for a new connection.
    pub fn acceptor(&self) -> tokio_rustls::TlsAcceptor {
        self.current
            .read()
            .unwrap_or_else(|p| p.into_inner())
            .clone()
    }

    /// Reads the files again; on any error the certificate in use stays.
    pub fn reload(&self) -> Result<(), ServerError> {
        let config = server_config(&self.cert, &self.key, false)?;
        *self.current.write().unwrap_or_else(|p| p.into_inner()) =
            tokio_rustls::TlsAcceptor::from(Arc::new(config));
        Ok(())
    }
}

fn write_self_signed(cert: &Path, key: &Path) -> Result<(), ServerError> {
    let names: Vec<String> = SELF_SIGNED_NAMES.iter().map(|s| s.to_string()).collect();
    let made = rcgen::generate_simple_self_signed(names)
        .map_err(|e| ServerError::Init(format!("self-signed certificate: {e}")))?;
    let key_pem = Zeroizing::new(made.signing_key.serialize_pem());
    write_private_file(key, key_pem.as_bytes())?;
    crate::crypto::keyfile::write_public(cert, made.cert.pem().as_bytes())
        .map_err(|e| ServerError::Init(format!("{}: {e}", cert.display())))?;
    Ok(())
}
