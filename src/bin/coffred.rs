//! `coffred`: the daemon. Arguments, then configuration, then logging, then serve.

use std::io::Write;
use std::net::SocketAddr;
use std::path::PathBuf;

use anyhow::Context;
use clap::Parser;
use coffre::config::Config;
use coffre::server::Server;
use tracing_subscriber::EnvFilter;

#[derive(Parser)]
#[command(
    name = "coffred",
    version,
    about = "The coffre daemon: stores ciphertext, serves it over TLS"
)]
struct Args {
    #[command(subcommand)]
    command: Option<Command>,
    /// Configuration file (TOML).
    #[arg(long, value_name = "FILE", global = true)]
    config: Option<PathBuf>,
    /// Data directory (overrides the configuration).
    #[arg(long, value_name = "DIR", global = true)]
    data: Option<PathBuf>,
    /// Listening address (overrides the configuration); port 0 picks a free port.
    #[arg(long, value_name = "ADDR")]
    listen: Option<SocketAddr>,
}

#[derive(clap::Subcommand)]
enum Command {
    /// Takes a consistent backup of the running service into DEST, a new
    /// directory (0700, files 0600, manifest.json last). Run it as the service's
    /// user (it reads the operator token in the data directory, or
    /// COFFRE_ADMIN_TOKEN).
    Backup {
        /// A new directory for the backup (or use --into).
        #[arg(required_unless_present = "into", conflicts_with = "into")]
        dest: Option<PathBuf>,
        /// Make the backup in this directory, named after the time it starts
        /// (backup-YYYYMMDDTHHMMSSZ), for scheduled backups.
        #[arg(long, value_name = "DIR")]
        into: Option<PathBuf>,
        /// The service's address (default: the configured listening address, or
        /// https://<public_host>:<port> with a configured certificate).
        #[arg(long, value_name = "URL")]
        url: Option<String>,
        /// A PEM certificate to trust (default: the self-signed one in the data
        /// directory, or the system's roots with a configured certificate).
        #[arg(long, value_name = "PEM")]
        ca: Option<PathBuf>,
    },
    /// Checks a backup whole (every file against its manifest) without restoring it.
    CheckBackup { src: PathBuf },
    /// Keeps the N newest whole backups made with --into in DIR and removes the
    /// older ones (and those cut short); nothing else in DIR is touched.
    PruneBackups {
        dir: PathBuf,
        #[arg(long, value_name = "N")]
        keep: usize,
    },
    /// Restores a backup into the data directory, which must be empty or absent
    /// (coffred stopped). Citizens' clients are told of the rollback.
    Restore { src: PathBuf },
}

fn init_logging(config: &Config) {
    let filter =
        EnvFilter::try_from_env("COFFRE_LOG").unwrap_or_else(|_| EnvFilter::new(&config.log.level));
    let builder = tracing_subscriber::fmt()
        .with_env_filter(filter)
        .with_ansi(std::io::IsTerminal::is_terminal(&std::io::stderr()))
        .with_writer(std::io::stderr);
    if config.log.format == "json" {
        builder.json().init();
    } else {
        builder.init();
    }
}

async fn stop_signal() {
    let ctrl_c = tokio::signal::ctrl_c();
    match tokio::signal::unix::signal(tokio::signal::unix::SignalKind::terminate()) {
        Ok(mut term) => {
            tokio::select! {
                _ = ctrl_c => {},
                _ = term.recv() => {},
            }
        }
        Err(_) => {
            let _ = ctrl_c.await;
        }
    }
}

fn main() -> anyhow::Result<()> {
    // Read before any thread exists (the time crate refuses afterwards).
    let offset = time::UtcOffset::current_local_offset().unwrap_or(time::UtcOffset::UTC);
    coffre::server::set_display_offset(offset);
    tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()?
        .block_on(run())
}

/// The operator's commands beside the service; a refusal exits with status 1 and
/// its message (ending with a stable code in brackets).
async fn operate(command: Command, config: &Config) -> anyhow::Result<()> {
    let outcome = match command {
        Command::PruneBackups { dir, keep } => {
            coffre::ops::rotation::prune(&dir, keep).map(|p| {
                format!(
                    "{}: {} whole backup(s) kept, {} removed",
                    dir.display(),
                    p.kept,
                    p.removed.len()
                )
            })
        }
        Command::Backup {
            dest,
            into,
            url,
            ca,
        } => backup_source(config, url, ca).and_then(|source| {
            let dest = match (dest, into) {
                (Some(dest), _) => dest,
                (None, Some(dir)) => coffre::ops::rotation::next_in(&dir)?,
                (None, None) => {
                    return Err(coffre::ops::OpsError::Service(
                        "give a destination, or --into DIR".into(),
                    ))
                }
            };
            coffre::ops::backup::backup(&source, &dest).map(|m| {
                let bytes: u64 = m.files.iter().map(|f| f.size).sum();
                format!(
                    "backup of {} written to {}: {} documents, {} metadata records, {} files, {:.1} MiB; snapshot taken at {}",
                    m.origin,
                    dest.display(),
                    m.documents,
                    m.records,
                    m.files.len() + 1,
                    bytes as f64 / 1048576.0,
                    when(m.created_ms)
                )
            })
        }),
        Command::CheckBackup { src } => coffre::ops::manifest::verify(&src).map(|m| {
            format!(
                "{}: a whole backup of {} taken at {} ({} documents, {} files, every hash checks)",
                src.display(),
                m.origin,
                when(m.created_ms),
                m.documents,
                m.files.len() + 1
            )
        }),
        Command::Restore { src } => {
            let origin = format!("{}/journal/v1", config.public_host);
            coffre::ops::restore::restore(&src, &config.data, &origin)
                .await
                .map(|r| {
                    format!(
                        "restored {} into {}: {} documents; the journal is back to {} entries \
                         (the backup of {}), and a signed restore notice tells citizens' \
                         clients so; {} share(s) in force in the backup were ended (a \
                         withdrawal made since must not be undone); start coffred",
                        r.manifest.origin,
                        config.data.display(),
                        r.manifest.documents,
                        r.journal_size,
                        when(r.manifest.created_ms),
                        r.grants_ended
                    )
                })
        }
    };
    match outcome {
        Ok(said) => {
            println!("{said}");
            Ok(())
        }
        Err(e) => {
            eprintln!("coffred: {e}");
            std::process::exit(1);
        }
    }
}

/// Where the running service is, from the configuration unless told.
fn backup_source(
    config: &Config,
    url: Option<String>,
    ca: Option<PathBuf>,
) -> Result<coffre::ops::backup::Source, coffre::ops::OpsError> {
    let token = match std::env::var("COFFRE_ADMIN_TOKEN") {
        Ok(t) => zeroize::Zeroizing::new(t),
        Err(_) => {
            let path = config.data.join("admin-token");
            let t =
                std::fs::read_to_string(&path).map_err(|e| coffre::ops::OpsError::io(&path, e))?;
            zeroize::Zeroizing::new(t.trim().to_owned())
        }
    };
    let own_cert = config.tls.cert.is_none();
    // The service on this machine: its listening address, the unspecified one
    // meaning the loopback (the backup stream is served to a local peer only).
    let port = config.listen.port();
    let local = match config.listen.ip() {
        std::net::IpAddr::V4(ip) if ip.is_unspecified() => {
            std::net::SocketAddr::from((std::net::Ipv4Addr::LOCALHOST, port))
        }
        std::net::IpAddr::V6(ip) if ip.is_unspecified() => {
            std::net::SocketAddr::from((std::net::Ipv6Addr::LOCALHOST, port))
        }
        _ => config.listen,
    };
    let (url, connect_to) = match url {
        Some(url) => (url, None),
        // The self-signed certificate names 127.0.0.1 and ::1.
        None if own_cert => (format!("https://{local}"), None),
        // A real certificate names the public host: connect locally, check it.
        None => (
            format!("https://{}:{port}", config.public_host),
            Some(local),
        ),
    };
    let ca = ca.or_else(|| own_cert.then(|| config.data.join("tls").join("cert.pem")));
    Ok(coffre::ops::backup::Source {
        url,
        ca,
        token,
        connect_to,
    })
}

fn when(ms: i64) -> String {
    time::OffsetDateTime::from_unix_timestamp_nanos(i128::from(ms) * 1_000_000)
        .ok()
        .and_then(|t| {
            t.format(&time::format_description::well_known::Rfc3339)
                .ok()
        })
        .unwrap_or_else(|| ms.to_string())
}

async fn run() -> anyhow::Result<()> {
    let args = Args::parse();
    let mut config = match &args.config {
        Some(path) => Config::from_file(path)?,
        None => Config::default(),
    };
    if let Some(data) = args.data {
        config.data = data;
    }
    if let Some(listen) = args.listen {
        config.listen = listen;
    }
    if let Some(command) = args.command {
        return operate(command, &config).await;
    }
    init_logging(&config);
    let server = Server::bind(config)
        .await
        .context("coffred could not start")?;
    let addr = server.local_addr()?;
    let host = match addr.ip() {
        std::net::IpAddr::V6(ip) => format!("[{ip}]"),
        std::net::IpAddr::V4(ip) => ip.to_string(),
    };
    println!(
        "coffred {} listening on https://{host}:{}",
        env!("CARGO_PKG_VERSION"),
        addr.port()
    );
    std::io::stdout().flush()?;
    let status = format!("listening on https://{host}:{}", addr.port());
    coffre::server::notify(&[
        sd_notify::NotifyState::Ready,
        sd_notify::NotifyState::Status(&status),
    ]);
    if let Err(e) = server.serve(stop_signal()).await {
        tracing::error!(error = %e, "coffred stopped");
        eprintln!("coffred: {e}");
        std::process::exit(e.exit_code());
    }
    tracing::info!("stopped cleanly");
    Ok(())
}
