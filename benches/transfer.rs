//! Transfer benchmark: uploads and downloads a 256 MiB file through a real coffred
//! on loopback with the real `coffre` CLI, and prints MiB/s for each direction, the
//! peak RSS of coffred and of the client, and the speed of the standard `age` CLI
//! encrypting the same file in the same run.
//!
//! Run: `cargo bench --bench transfer` (size: `COFFRE_BENCH_MIB`, default 256).
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

mod common;

use std::process::{Command, Stdio};
use std::time::{Duration, Instant};

const PASS: &str = "benchmark passphrase";

/// Peak resident set (VmHWM) of a process, in KiB.
fn peak_rss_kib(pid: u32) -> Option<u64> {
    let status = std::fs::read_to_string(format!("/proc/{pid}/status")).ok()?;
    let line = status.lines().find(|l| l.starts_with("VmHWM:"))?;
    line.split_whitespace().nth(1)?.parse().ok()
}

/// Runs a command to completion, sampling its peak RSS; returns (seconds, peak KiB).
fn timed(mut cmd: Command) -> (f64, u64) {
    let start = Instant::now();
    let mut child = cmd.stdout(Stdio::null()).spawn().unwrap();
    let mut peak = 0;
    loop {
        if let Some(kib) = peak_rss_kib(child.id()) {
            peak = peak.max(kib);
        }
        if let Some(status) = child.try_wait().unwrap() {
            assert!(status.success(), "{cmd:?} failed");
            break;
        }
        std::thread::sleep(Duration::from_millis(5));
    }
    (start.elapsed().as_secs_f64(), peak)
}

fn main() {
    if std::env::args().any(|a| a == "--list") {
        return; // `cargo test --benches` lists; nothing to list
    }
    let mib = common::bench_mib(256);
    let dir = tempfile::tempdir().unwrap();
    let (mut daemon, url, data) = common::start_daemon(dir.path(), &common::config_for(mib, 4));
    let home = dir.path().join("home");
    let coffre = |args: &[&str]| common::coffre(&url, &data, &home, PASS, args);
    assert!(coffre(&["register", "bench"])
        .output()
        .unwrap()
        .status
        .success());
    let input = dir.path().join("input.bin");
    common::write_random(&input, mib);
    let idle_kib = peak_rss_kib(daemon.id()).unwrap_or(0);

    let (up_s, up_client_kib) = timed(coffre(&["add", input.to_str().unwrap()]));
    let out = coffre(&["--json", "list"]).output().unwrap();
    let listed: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    let id = listed[0]["id"].as_str().unwrap().to_owned();
    let output = dir.path().join("output.bin");
    let (down_s, down_client_kib) = timed(coffre(&["get", &id, "-o", output.to_str().unwrap()]));
    let daemon_kib = peak_rss_kib(daemon.id()).unwrap_or(0);
    assert_eq!(
        std::fs::metadata(&output).unwrap().len(),
        std::fs::metadata(&input).unwrap().len()
    );

    let identity = dir.path().join("age-key.txt");
    let keygen = Command::new("age-keygen").arg("-o").arg(&identity).output();
    let age_line = match keygen {
        Ok(o) if o.status.success() => {
            let text = std::fs::read_to_string(&identity).unwrap();
            let recipient = text
                .lines()
                .find_map(|l| l.strip_prefix("# public key: "))
                .unwrap()
                .to_owned();
            let mut cmd = Command::new("age");
            cmd.arg("-r")
                .arg(&recipient)
                .arg("-o")
                .arg(dir.path().join("age.out"))
                .arg(&input);
            let (s, _) = timed(cmd);
            format!("{:8.1} MiB/s", mib as f64 / s)
        }
        _ => "not installed (Debian package `age`)".to_owned(),
    };
    let _ = Command::new("kill")
        .arg("-TERM")
        .arg(daemon.id().to_string())
        .status();
    let _ = daemon.wait();

    let mib_f = mib as f64;
    println!("coffre transfer benchmark: {mib} MiB file, loopback TLS, one client");
    println!("  upload   (encrypt + send)    {:8.1} MiB/s", mib_f / up_s);
    println!(
        "  download (receive + decrypt) {:8.1} MiB/s",
        mib_f / down_s
    );
    println!("  age CLI encrypt, same file   {age_line}");
    println!("  coffred peak RSS             {:8.1} MiB (after start-up and one registration: {:.1} MiB)", daemon_kib as f64 / 1024.0, idle_kib as f64 / 1024.0);
    println!(
        "  client peak RSS, upload      {:8.1} MiB",
        up_client_kib as f64 / 1024.0
    );
    println!(
        "  client peak RSS, download    {:8.1} MiB",
        down_client_kib as f64 / 1024.0
    );
}
