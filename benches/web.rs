//! The web client's speed next to the CLI's, in the same run: a 50 MiB file
//! (`COFFRE_BENCH_MIB`) added and fetched back by the `coffre` CLI, then by the page
//! in Debian's headless Chromium (`web/test/bench.ts`: encryption and decryption in
//! the tab), through the same real coffred. Prints MiB/s for each, the ratio, and
//! the tab's peak JavaScript heap (the upload streams; the download is gathered in
//! memory before it is saved).
//!
//! Run: `cargo bench --bench web` (needs `tests/run`'s set-up: npm packages, Chromium).
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

mod common;

use std::process::{Command, Stdio};
use std::time::Instant;

const PASS: &str = "benchmark passphrase";

fn main() {
    if std::env::args().any(|a| a == "--list") {
        return;
    }
    let mib = common::bench_mib(50);
    let dir = tempfile::tempdir().unwrap();
    let (mut daemon, url, data) = common::start_daemon(dir.path(), &common::config_for(mib, 8));
    let home = dir.path().join("home");
    let coffre = |args: &[&str]| {
        let mut cmd = common::coffre(&url, &data, &home, PASS, args);
        cmd.stdout(Stdio::null());
        cmd
    };
    assert!(coffre(&["register", "bench"]).status().unwrap().success());
    let input = dir.path().join("scan.pdf");
    common::write_random(&input, mib);

    let start = Instant::now();
    assert!(coffre(&["add", input.to_str().unwrap(), "--title", "cli"])
        .status()
        .unwrap()
        .success());
    let cli_up = start.elapsed().as_secs_f64();
    let out = Command::new(env!("CARGO_BIN_EXE_coffre"))
        .args(["--json", "list"])
        .env("COFFRE_URL", &url)
        .env("COFFRE_CA", data.join("tls/cert.pem"))
        .env("COFFRE_HOME", &home)
        .output()
        .unwrap();
    let listed: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    let id = listed[0]["id"].as_str().unwrap().to_owned();
    let back = dir.path().join("back.pdf");
    let start = Instant::now();
    assert!(coffre(&["get", &id, "-o", back.to_str().unwrap()])
        .status()
        .unwrap()
        .success());
    let cli_down = start.elapsed().as_secs_f64();

    let web = concat!(env!("CARGO_MANIFEST_DIR"), "/web");
    let run = Command::new(format!("{web}/node_modules/.bin/tsx"))
        .arg("test/bench.ts")
        .current_dir(web)
        .env("COFFRE_URL", &url)
        .env("COFFRE_USER", "bench")
        .env("COFFRE_PASSPHRASE", PASS)
        .env("COFFRE_FILE", &input)
        .output()
        .unwrap();
    assert!(
        run.status.success(),
        "{}",
        String::from_utf8_lossy(&run.stderr)
    );
    let report: serde_json::Value =
        serde_json::from_str(String::from_utf8_lossy(&run.stdout).lines().last().unwrap()).unwrap();
    let _ = daemon.kill();
    let _ = daemon.wait();
    let mibf = mib as f64;
    let (web_up, web_down) = (
        report["up_s"].as_f64().unwrap(),
        report["down_s"].as_f64().unwrap(),
    );
    println!("web client vs CLI, {mib} MiB through the same coffred (loopback TLS)");
    println!(
        "{:<28}{:>12}{:>12}{:>10}",
        "", "CLI MiB/s", "page MiB/s", "ratio"
    );
    println!(
        "{:<28}{:>12.1}{:>12.1}{:>10.2}",
        "add (encrypt + upload)",
        mibf / cli_up,
        mibf / web_up,
        cli_up / web_up
    );
    println!(
        "{:<28}{:>12.1}{:>12.1}{:>10.2}",
        "get (download + decrypt)",
        mibf / cli_down,
        mibf / web_down,
        cli_down / web_down
    );
    println!(
        "tab's peak JavaScript heap: {:.1} MiB",
        report["peak_heap_bytes"].as_f64().unwrap() / (1024.0 * 1024.0)
    );
}
