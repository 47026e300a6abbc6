//! The daemon's configuration: a TOML file (see `deploy/coffred.toml`), then flags.

use std::net::SocketAddr;
use std::path::{Path, PathBuf};
use std::time::Duration;

use serde::Deserialize;

use crate::vault::Limits;

const MIB: u64 = 1024 * 1024;

/// Everything `coffred` needs to start.
#[derive(Clone, Debug, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct Config {
    /// Address to listen on; port 0 picks a free port.
    pub listen: SocketAddr,
    /// Data directory: metadata, blobs, keys, TLS material, operator token.
    pub data: PathBuf,
    /// The deployment's public host name; the journal's origin is
    /// `<public_host>/journal/v1`.
    pub public_host: String,
    /// Reverse proxies (addresses or networks, e.g. `127.0.0.1`, `10.0.0.0/8`)
    /// whose `X-Forwarded-For` names the client; from anyone else it is ignored.
    pub trusted_proxies: Vec<String>,
    /// A file, outside the data directory (and so outside backups), where each
    /// account's erasure is written (a keyed tag, no name): the first start after a
    /// restore from an older backup erases those accounts again.
    pub erasure_ledger: Option<PathBuf>,
    pub tls: TlsConfig,
    pub limits: LimitsConfig,
    pub registration: RegistrationConfig,
    pub timeouts: TimeoutsConfig,
    pub log: LogConfig,
    pub security: SecurityConfig,
}

/// Where to report a vulnerability in this deployment: served as
/// `/.well-known/security.txt` (RFC 9116) when a contact is set.
#[derive(Clone, Debug, Default, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct SecurityConfig {
    /// `mailto:…`, `https://…` or `tel:…`, most preferred first.
    pub contact: Vec<String>,
}

/// Certificate and key; both absent means a self-signed certificate in the data dir.
#[derive(Clone, Debug, Default, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct TlsConfig {
    pub cert: Option<PathBuf>,
    pub key: Option<PathBuf>,
}

#[derive(Clone, Debug, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct LimitsConfig {
    pub max_document_mib: u64,
    pub vault_quota_mib: u64,
    pub vault_quota_documents: u64,
    pub max_json_kib: u64,
    pub max_connections: usize,
    /// Open connections from one address (a public computer room shares one).
    pub max_connections_per_ip: usize,
    pub login_failures_per_account: usize,
    pub login_failures_per_ip: usize,
    pub login_window_secs: u64,
    pub session_hours: u64,
}

/// Who may create a citizen's account.
#[derive(Clone, Debug, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct RegistrationConfig {
    /// `open` (anyone, rate-limited per address), `invitation` (with a one-time
    /// code from the operator or a mediator) or `closed`.
    pub policy: crate::vault::Registration,
    /// Accounts one address may create in an hour.
    pub per_ip_per_hour: usize,
}

impl Default for RegistrationConfig {
    fn default() -> RegistrationConfig {
        let l = Limits::default();
        RegistrationConfig {
            policy: l.registration,
            per_ip_per_hour: l.registrations_per_ip_per_hour,
        }
    }
}

#[derive(Clone, Debug, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct TimeoutsConfig {
    /// TLS handshake.
    pub handshake_secs: u64,
    /// Reading a request's headers; also how long a new connection may stay silent
    /// before its first byte.
    pub header_read_secs: u64,
    /// Longest silence of a connection with no request in flight (between
    /// keep-alive requests, or an HTTP/2 connection without streams).
    pub idle_secs: u64,
    /// Longest silence while an upload body streams in.
    pub body_idle_secs: u64,
    /// Whole request, for everything but uploads and downloads.
    pub request_secs: u64,
    /// How long a stop waits for requests in flight.
    pub shutdown_secs: u64,
    /// A browser session unused this long ends on the server (the page also logs
    /// out by itself after 15 minutes; this holds even if the page is gone).
    pub web_session_idle_secs: u64,
}

#[derive(Clone, Debug, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct LogConfig {
    /// `text` or `json`.
    pub format: String,
    /// A tracing filter, e.g. `info` or `coffre=debug`.
    pub level: String,
    /// How much of a client's address the access log keeps: the first bits of an
    /// IPv4 and of an IPv6 address (0: none).
    pub address_bits_v4: u8,
    pub address_bits_v6: u8,
}

impl Default for Config {
    fn default() -> Config {
        Config {
            listen: SocketAddr::from(([127, 0, 0, 1], 8443)),
            data: PathBuf::from("./coffre-data"),
            public_host: "localhost".into(),
            trusted_proxies: Vec::new(),
            erasure_ledger: None,
            tls: TlsConfig::default(),
            limits: LimitsConfig::default(),
            registration: RegistrationConfig::default(),
            timeouts: TimeoutsConfig::default(),
            log: LogConfig::default(),
            security: SecurityConfig::default(),
        }
    }
}

impl Default for LimitsConfig {
    fn default() -> LimitsConfig {
        let l = Limits::default();
        LimitsConfig {
            max_document_mib: l.max_document_bytes / MIB,
            vault_quota_mib: l.vault_quota_bytes / MIB,
            vault_quota_documents: l.vault_quota_documents,
            max_json_kib: 1024,
            max_connections: 512,
            max_connections_per_ip: 64,
            login_failures_per_account: l.login_failures_per_account,
            login_failures_per_ip: l.login_failures_per_ip,
            login_window_secs: l.login_window.as_secs(),
            session_hours: l.session_lifetime.as_secs() / 3600,
        }
    }
}

impl Default for TimeoutsConfig {
    fn default() -> TimeoutsConfig {
        TimeoutsConfig {
            handshake_secs: 10,
            header_read_secs: 10,
            idle_secs: 30,
            body_idle_secs: 30,
            request_secs: 60,
            shutdown_secs: 20,
            web_session_idle_secs: 15 * 60,
        }
    }
}

impl Default for LogConfig {
    fn default() -> LogConfig {
        LogConfig {
            format: "text".into(),
            level: "info".into(),
            address_bits_v4: 24,
            address_bits_v6: 48,
        }
    }
}

/// Why a configuration could not be loaded.
#[derive(Debug, thiserror::Error)]
pub enum ConfigError {
    #[error("cannot read {path}: {source}")]
    Read {
        path: PathBuf,
        source: std::io::Error,
    },
    #[error("invalid configuration {path}: {source}")]
    Parse {
        path: PathBuf,
        source: toml::de::Error,
    },
    #[error("invalid configuration: {0}")]
    Invalid(String),
}

impl Config {
    /// Reads and validates a TOML file.
    pub fn from_file(path: &Path) -> Result<Config, ConfigError> {
        let text = std::fs::read_to_string(path).map_err(|source| ConfigError::Read {
            path: path.to_path_buf(),
            source,
        })?;
        let config: Config = toml::from_str(&text).map_err(|source| ConfigError::Parse {
            path: path.to_path_buf(),
            source,
        })?;
        config.validate()?;
        Ok(config)
    }

    pub fn validate(&self) -> Result<(), ConfigError> {
        if self.tls.cert.is_some() != self.tls.key.is_some() {
            return Err(ConfigError::Invalid(
                "tls.cert and tls.key go together".into(),
            ));
        }
        let host_ok = !self.public_host.is_empty()
            && self
                .public_host
                .bytes()
                .all(|b| b.is_ascii_alphanumeric() || b".-:".contains(&b));
        if !host_ok {
            return Err(ConfigError::Invalid(
                "public_host must be a host name".into(),
            ));
        }
        self.trusted_proxies()?;
        for c in &self.security.contact {
            let scheme_ok = ["mailto:", "https://", "tel:"]
                .iter()
                .any(|p| c.starts_with(p));
            if !scheme_ok || c.len() > 200 || c.chars().any(char::is_control) {
                return Err(ConfigError::Invalid(format!(
                    "security.contact: \"{c}\" is not a mailto:, https:// or tel: address"
                )));
            }
        }
        if self.log.address_bits_v4 > 32 || self.log.address_bits_v6 > 128 {
            return Err(ConfigError::Invalid(
                "log.address_bits_v4 is at most 32, log.address_bits_v6 at most 128".into(),
            ));
        }
        if !["text", "json"].contains(&self.log.format.as_str()) {
            return Err(ConfigError::Invalid("log.format is text or json".into()));
        }
        let l = &self.limits;
        if l.max_document_mib == 0
            || l.vault_quota_mib == 0
            || l.max_connections == 0
            || l.max_connections_per_ip == 0
            || self.timeouts.idle_secs == 0
        {
            return Err(ConfigError::Invalid("limits must be positive".into()));
        }
        Ok(())
    }

    /// A configured path, where `credential:NAME` names a file systemd passed with
    /// `LoadCredential=NAME:…` (in `$CREDENTIALS_DIRECTORY`).
    pub fn resolve(&self, path: &Path) -> Result<PathBuf, ConfigError> {
        let Some(name) = path.to_str().and_then(|p| p.strip_prefix("credential:")) else {
            return Ok(path.to_path_buf());
        };
        if name.is_empty() || name.contains('/') {
            return Err(ConfigError::Invalid(format!(
                "{}: a credential's name",
                path.display()
            )));
        }
        match std::env::var_os("CREDENTIALS_DIRECTORY") {
            Some(dir) => Ok(PathBuf::from(dir).join(name)),
            None => Err(ConfigError::Invalid(format!(
                "{} needs systemd's LoadCredential={name}:… (CREDENTIALS_DIRECTORY is not set)",
                path.display()
            ))),
        }
    }

    /// The trusted proxies as networks (an address alone is a network of one).
    pub fn trusted_proxies(&self) -> Result<Vec<ipnet::IpNet>, ConfigError> {
        self.trusted_proxies
            .iter()
            .map(|text| {
                text.parse::<ipnet::IpNet>()
                    .or_else(|_| text.parse::<std::net::IpAddr>().map(ipnet::IpNet::from))
                    .map_err(|_| {
                        ConfigError::Invalid(format!(
                            "trusted_proxies: \"{text}\" is neither an address nor a network"
                        ))
                    })
            })
            .collect()
    }

    /// The vault's limits.
    pub fn vault_limits(&self) -> Limits {
        let l = &self.limits;
        Limits {
            max_document_bytes: l.max_document_mib * MIB,
            vault_quota_bytes: l.vault_quota_mib * MIB,
            vault_quota_documents: l.vault_quota_documents,
            body_idle: Duration::from_secs(self.timeouts.body_idle_secs),
            session_lifetime: Duration::from_secs(l.session_hours * 3600),
            login_failures_per_account: l.login_failures_per_account,
            login_failures_per_ip: l.login_failures_per_ip,
            login_window: Duration::from_secs(l.login_window_secs),
            registration: self.registration.policy,
            registrations_per_ip_per_hour: self.registration.per_ip_per_hour,
        }
    }
}
