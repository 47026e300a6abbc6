//! Transfer benchmark: uploads and downloads of 1, 16, 96 and 256 MiB through a real
//! coffred on loopback TLS with the real `coffre` CLI (client-side encryption
//! included), side by side, in the same run and on the same disk, with:
//!
//! - a single-node Garage (S3) PUT and GET of the same bytes with `curl --aws-sigv4`
//!   (fsync of data and metadata on, Garage's defaults otherwise);
//! - the `age` CLI encrypting and decrypting the same file, alone;
//! - a plain write + fsync of the file.
//!
//! Each figure is the best of several runs (more for small files); the table gives MiB/s, the ratios that the
//! goals are stated in, and the largest resident memory of each server sampled
//! during its transfers.
//!
//! Run: `cargo bench --bench transfer` (sizes: `COFFRE_BENCH_SIZES=1,16,96,256`;
//! Garage: `COFFRE_BENCH_GARAGE=/path/to/garage`, else `garage` on the PATH or in
//! `target/bench-tools/bin`, which `bench/run` fills; `age` is the Debian package).
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

mod common;

use std::io::{Read, Write};
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

const PASS: &str = "benchmark passphrase";
/// Runs per figure, the best kept: more for small files, whose times are short and
/// vary most on a shared machine.
fn runs(mib: usize) -> usize {
    match mib {
        0..=4 => 9,
        5..=32 => 5,
        _ => 3,
    }
}

/// A process's resident set now (VmRSS), in KiB.
fn rss_kib(pid: u32) -> u64 {
    std::fs::read_to_string(format!("/proc/{pid}/status"))
        .ok()
        .and_then(|s| {
            s.lines()
                .find(|l| l.starts_with("VmRSS:"))
                .and_then(|l| l.split_whitespace().nth(1))
                .and_then(|v| v.parse().ok())
        })
        .unwrap_or(0)
}

/// Runs a command to completion while sampling the resident memory of `server`;
/// returns (seconds, largest server RSS in KiB).
fn timed(mut cmd: Command, server: Option<u32>) -> (f64, u64) {
    let start = Instant::now();
    let mut child = cmd.stdout(Stdio::null()).spawn().unwrap();
    let mut peak = 0;
    loop {
        if let Some(pid) = server {
            peak = peak.max(rss_kib(pid));
        }
        if let Some(status) = child.try_wait().unwrap() {
            assert!(status.success(), "{cmd:?} failed");
            break;
        }
        std::thread::sleep(Duration::from_millis(2));
    }
    (start.elapsed().as_secs_f64(), peak)
}

/// Best (shortest) of `n` runs, with the largest memory seen in any. Each run
/// starts with nothing left for the kernel to write back (`sync`): what the previous
/// run or peer wrote (or the input file, just made) would otherwise be written to
/// the disk during this one, against whichever came first.
fn best(n: usize, mut run: impl FnMut() -> (f64, u64)) -> (f64, u64) {
    let mut secs = f64::INFINITY;
    let mut peak = 0;
    for _ in 0..n {
        let _ = Command::new("sync").status();
        let (s, p) = run();
        secs = secs.min(s);
        peak = peak.max(p);
    }
    (secs, peak)
}

/// A single-node Garage with fsync on and one bucket, killed on drop.
struct Garage {
    child: Child,
    endpoint: String,
    user: String,
    _dir: tempfile::TempDir,
}

const GARAGE_KEY: &str = "GK0123456789abcdef01234567";
const GARAGE_SECRET: &str = "0123456789abcdef0123456789abcdef0123456789abcdef0123456789abcdef";

fn free_port() -> u16 {
    std::net::TcpListener::bind("127.0.0.1:0")
        .unwrap()
        .local_addr()
        .unwrap()
        .port()
}

fn garage_binary() -> Option<PathBuf> {
    if let Ok(p) = std::env::var("COFFRE_BENCH_GARAGE") {
        return Some(PathBuf::from(p));
    }
    let local = Path::new(env!("CARGO_MANIFEST_DIR")).join("target/bench-tools/bin/garage");
    if local.is_file() {
        return Some(local);
    }
    Command::new("garage")
        .arg("--version")
        .output()
        .ok()
        .filter(|o| o.status.success())
        .map(|_| PathBuf::from("garage"))
}

impl Garage {
    fn start(binary: &Path, disk: &Path) -> Garage {
        let dir = tempfile::tempdir_in(disk).unwrap();
        let (s3, rpc) = (free_port(), free_port());
        let config = dir.path().join("garage.toml");
        std::fs::write(
            &config,
            format!(
                "metadata_dir = \"{meta}\"\ndata_dir = \"{data}\"\ndb_engine = \"lmdb\"\n\
                 replication_factor = 1\nmetadata_fsync = true\ndata_fsync = true\n\
                 rpc_bind_addr = \"127.0.0.1:{rpc}\"\nrpc_public_addr = \"127.0.0.1:{rpc}\"\n\
                 rpc_secret = \"{secret}\"\n\n[s3_api]\ns3_region = \"garage\"\n\
                 api_bind_addr = \"127.0.0.1:{s3}\"\n",
                meta = dir.path().join("meta").display(),
                data = dir.path().join("data").display(),
                secret = GARAGE_SECRET,
            ),
        )
        .unwrap();
        let child = Command::new(binary)
            .arg("-c")
            .arg(&config)
            .args(["server", "--single-node", "--default-bucket"])
            .env("GARAGE_DEFAULT_ACCESS_KEY", GARAGE_KEY)
            .env("GARAGE_DEFAULT_SECRET_KEY", GARAGE_SECRET)
            .env("GARAGE_DEFAULT_BUCKET", "bench")
            .env("RUST_LOG", "warn")
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .spawn()
            .expect("garage");
        let g = Garage {
            child,
            endpoint: format!("http://127.0.0.1:{s3}/bench"),
            user: format!("{GARAGE_KEY}:{GARAGE_SECRET}"),
            _dir: dir,
        };
        // Ready when a signed request on the bucket answers.
        for _ in 0..200 {
            let mut out = g.curl(&["-o", "/dev/null", "-w", "%{http_code}"], "ready");
            if out.output().map(|o| o.stdout == b"404").unwrap_or(false) {
                return g;
            }
            std::thread::sleep(Duration::from_millis(100));
        }
        panic!("garage did not come up");
    }

    fn curl(&self, args: &[&str], object: &str) -> Command {
        let mut cmd = Command::new("curl");
        cmd.args([
            "-sS",
            "--fail-with-body",
            "--aws-sigv4",
            "aws:amz:garage:s3",
        ])
        .arg("--user")
        .arg(&self.user)
        .args(["-H", "x-amz-content-sha256: UNSIGNED-PAYLOAD"])
        .args(args)
        .arg(format!("{}/{object}", self.endpoint));
        cmd
    }
}

impl Drop for Garage {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

/// Writes `input` to a new file in `dir` in 1 MiB writes, then fsyncs it.
fn plain_write(input: &Path, dir: &Path) -> f64 {
    let out = dir.join("plain.out");
    let _ = std::fs::remove_file(&out);
    let start = Instant::now();
    let mut src = std::fs::File::open(input).unwrap();
    let mut dst = std::fs::File::create(&out).unwrap();
    let mut buf = vec![0u8; 1024 * 1024];
    loop {
        let n = src.read(&mut buf).unwrap();
        if n == 0 {
            break;
        }
        dst.write_all(&buf[..n]).unwrap();
    }
    dst.sync_all().unwrap();
    start.elapsed().as_secs_f64()
}

fn main() {
    if std::env::args().any(|a| a == "--list") {
        return; // `cargo test --benches` lists; nothing to list
    }
    let sizes: Vec<usize> = std::env::var("COFFRE_BENCH_SIZES")
        .ok()
        .map(|s| s.split(',').filter_map(|v| v.trim().parse().ok()).collect())
        .unwrap_or_else(|| vec![1, 16, 96, 256]);
    let largest = *sizes.iter().max().unwrap();
    let dir = tempfile::tempdir().unwrap();
    let (mut daemon, url, data) =
        common::start_daemon(dir.path(), &common::config_for(largest, 9 * sizes.len()));
    let home = dir.path().join("home");
    let coffre = |args: &[&str]| common::coffre(&url, &data, &home, PASS, args);
    assert!(coffre(&["register", "bench"])
        .output()
        .unwrap()
        .status
        .success());
    let garage = garage_binary().map(|bin| Garage::start(&bin, dir.path()));
    let identity = dir.path().join("age-key.txt");
    let age_recipient = Command::new("age-keygen")
        .arg("-o")
        .arg(&identity)
        .output()
        .ok()
        .filter(|o| o.status.success())
        .map(|_| {
            std::fs::read_to_string(&identity)
                .unwrap()
                .lines()
                .find_map(|l| l.strip_prefix("# public key: "))
                .unwrap()
                .to_owned()
        });

    println!("coffre transfer benchmark: loopback, one client, MiB/s, best of 9 (1 MiB), 5 (16 MiB) or 3 runs");
    println!(
        "  {:>5} | {:>8} {:>8} | {:>8} {:>8} | {:>8} {:>8} | {:>8} | {:>6} {:>6} {:>6} {:>6} | {:>8} {:>8}",
        "MiB",
        "coffre↑",
        "coffre↓",
        "garage↑",
        "garage↓",
        "age enc",
        "age dec",
        "write+fs",
        "↑/gar",
        "↓/gar",
        "↑/age",
        "↓/age",
        "coffred",
        "garage"
    );
    let mut lines = Vec::new();
    for &mib in &sizes {
        let input = dir.path().join(format!("input-{mib}.bin"));
        common::write_random(&input, mib);
        let mib_f = mib as f64;
        let n = runs(mib);
        let rate = |s: f64| mib_f / s;

        let (up_s, up_rss) = best(n, || {
            timed(coffre(&["add", input.to_str().unwrap()]), Some(daemon.id()))
        });
        let out = coffre(&["--json", "list"]).output().unwrap();
        let listed: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
        let id = listed
            .as_array()
            .unwrap()
            .iter()
            .rev()
            .find(|d| d["size"] == mib as u64 * 1024 * 1024)
            .unwrap()["id"]
            .as_str()
            .unwrap()
            .to_owned();
        let output = dir.path().join("output.bin");
        let (down_s, down_rss) = best(n, || {
            let _ = std::fs::remove_file(&output);
            timed(
                coffre(&["get", &id, "-o", output.to_str().unwrap()]),
                Some(daemon.id()),
            )
        });
        assert!(std::fs::read(&output).unwrap() == std::fs::read(&input).unwrap());

        let (g_up, g_down, g_rss) = match &garage {
            Some(g) => {
                let pid = g.child.id();
                let object = format!("obj-{mib}");
                let (put, rss1) = best(n, || {
                    timed(
                        g.curl(&["-o", "/dev/null", "-T", input.to_str().unwrap()], &object),
                        Some(pid),
                    )
                });
                let back = dir.path().join("garage.out");
                let (get, rss2) = best(n, || {
                    timed(g.curl(&["-o", back.to_str().unwrap()], &object), Some(pid))
                });
                assert!(std::fs::read(&back).unwrap() == std::fs::read(&input).unwrap());
                (Some(rate(put)), Some(rate(get)), Some(rss1.max(rss2)))
            }
            None => (None, None, None),
        };
        let (a_enc, a_dec) = match &age_recipient {
            Some(r) => {
                let sealed = dir.path().join("age.out");
                let (enc, _) = best(n, || {
                    let mut cmd = Command::new("age");
                    cmd.arg("-r").arg(r).arg("-o").arg(&sealed).arg(&input);
                    timed(cmd, None)
                });
                let (dec, _) = best(n, || {
                    let mut cmd = Command::new("age");
                    cmd.arg("-d")
                        .arg("-i")
                        .arg(&identity)
                        .arg("-o")
                        .arg(dir.path().join("age.back"))
                        .arg(&sealed);
                    timed(cmd, None)
                });
                (Some(rate(enc)), Some(rate(dec)))
            }
            None => (None, None),
        };
        let plain = rate(
            (0..n)
                .map(|_| plain_write(&input, dir.path()))
                .fold(f64::INFINITY, f64::min),
        );
        let (up, down) = (rate(up_s), rate(down_s));
        let f = |v: Option<f64>| {
            v.map(|v| format!("{v:8.1}"))
                .unwrap_or_else(|| "       -".into())
        };
        let r = |a: f64, b: Option<f64>| {
            b.map(|b| format!("{:6.2}", a / b))
                .unwrap_or_else(|| "     -".into())
        };
        let line = format!(
            "  {:>5} | {:8.1} {:8.1} | {} {} | {} {} | {:8.1} | {} {} {} {} | {:6.1} M {}",
            mib,
            up,
            down,
            f(g_up),
            f(g_down),
            f(a_enc),
            f(a_dec),
            plain,
            r(up, g_up),
            r(down, g_down),
            r(up, a_enc),
            r(down, a_dec),
            up_rss.max(down_rss) as f64 / 1024.0,
            g_rss
                .map(|k| format!("{:6.1} M", k as f64 / 1024.0))
                .unwrap_or_else(|| "       -".into()),
        );
        println!("{line}");
        lines.push(line);
        let _ = std::fs::remove_file(&input);
    }
    if garage.is_none() {
        println!(
            "  (Garage not found: set COFFRE_BENCH_GARAGE, or run bench/run, which installs it)"
        );
    }
    if age_recipient.is_none() {
        println!("  (age not installed: Debian package `age`)");
    }
    println!("  goals: ↑/gar and ↓/gar >= 1.0, ↑/age >= 0.30 (↓/age shown too), coffred < 64 MiB during a transfer");
    let _ = Command::new("kill")
        .arg("-TERM")
        .arg(daemon.id().to_string())
        .status();
    let _ = daemon.wait();
}
