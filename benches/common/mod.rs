//! What the benches that drive a real coffred share: starting it with a config,
//! and a file of pseudo-random bytes (incompressible, reproducible).
#![allow(dead_code)]

use std::io::{BufRead, BufReader, Write};
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};

/// A coffred on 127.0.0.1:0 with `config` (TOML) and its data under `dir`; returns
/// the process, its URL and its data directory.
pub fn start_daemon(dir: &Path, config: &str) -> (Child, String, PathBuf) {
    let data = dir.join("data");
    let config_path = dir.join("coffred.toml");
    std::fs::write(&config_path, config).unwrap();
    let mut daemon = Command::new(env!("CARGO_BIN_EXE_coffred"))
        .args(["--listen", "127.0.0.1:0", "--data"])
        .arg(&data)
        .arg("--config")
        .arg(&config_path)
        .env("COFFRE_LOG", "warn")
        .stdout(Stdio::piped())
        .spawn()
        .unwrap();
    let mut line = String::new();
    BufReader::new(daemon.stdout.take().unwrap())
        .read_line(&mut line)
        .unwrap();
    let url = line
        .split("listening on ")
        .nth(1)
        .unwrap()
        .trim()
        .to_owned();
    (daemon, url, data)
}

/// Small xorshift: reproducible variety for benchmarks, not cryptography.
pub struct Xorshift(pub u64);

impl Xorshift {
    pub fn next(&mut self) -> u64 {
        self.0 ^= self.0 << 13;
        self.0 ^= self.0 >> 7;
        self.0 ^= self.0 << 17;
        self.0
    }

    /// A number in `0..n` (0 when `n` is 0).
    pub fn below(&mut self, n: u64) -> u64 {
        self.next() % n.max(1)
    }

    /// `n` bytes.
    pub fn bytes(&mut self, n: usize) -> Vec<u8> {
        (0..n).map(|_| self.next() as u8).collect()
    }
}

/// Writes `mib` MiB of xorshift bytes to `path`.
pub fn write_random(path: &Path, mib: usize) {
    let mut f = std::io::BufWriter::new(std::fs::File::create(path).unwrap());
    let mut rng = Xorshift(0x9e37_79b9_7f4a_7c15);
    let mut block = vec![0u8; 1024 * 1024];
    for _ in 0..mib {
        for chunk in block.chunks_mut(8) {
            chunk.copy_from_slice(&rng.next().to_le_bytes());
        }
        f.write_all(&block).unwrap();
    }
    f.flush().unwrap();
}

/// The file size a bench works with: `COFFRE_BENCH_MIB`, or `default`.
pub fn bench_mib(default: usize) -> usize {
    std::env::var("COFFRE_BENCH_MIB")
        .ok()
        .and_then(|v| v.parse().ok())
        .unwrap_or(default)
}

/// The config of a daemon that takes one file of `mib` MiB, `copies` times over.
pub fn config_for(mib: usize, copies: usize) -> String {
    format!(
        "[limits]\nmax_document_mib = {}\nvault_quota_mib = {}\n",
        mib + 1,
        copies * mib
    )
}

/// The `coffre` CLI pointed at a daemon, as one person (`home`) with `passphrase`.
pub fn coffre(url: &str, data: &Path, home: &Path, passphrase: &str, args: &[&str]) -> Command {
    let mut cmd = Command::new(env!("CARGO_BIN_EXE_coffre"));
    cmd.args(args)
        .env("COFFRE_URL", url)
        .env("COFFRE_CA", data.join("tls/cert.pem"))
        .env("COFFRE_HOME", home)
        .env("COFFRE_PASSPHRASE", passphrase);
    cmd
}
