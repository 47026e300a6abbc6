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
    /// Configuration file (TOML).
    #[arg(long, value_name = "FILE")]
    config: Option<PathBuf>,
    /// Data directory (overrides the configuration).
    #[arg(long, value_name = "DIR")]
    data: Option<PathBuf>,
    /// Listening address (overrides the configuration); port 0 picks a free port.
    #[arg(long, value_name = "ADDR")]
    listen: Option<SocketAddr>,
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
    if let Err(e) = server.serve(stop_signal()).await {
        tracing::error!(error = %e, "coffred stopped");
        eprintln!("coffred: {e}");
        std::process::exit(e.exit_code());
    }
    tracing::info!("stopped cleanly");
    Ok(())
}
