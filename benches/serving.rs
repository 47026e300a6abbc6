//! Serving benchmark: requests per second and latency (p50, p99) of what a busy
//! counter asks most, at 1, 50 and 200 connections, driven by `wrk` over TLS against
//! a real coffred, with `/v1/health` measured in the same run as the reference:
//!
//! - a citizen's listing of 100 documents, in full (200) and when her copy is
//!   current (`If-None-Match`, 304);
//! - a mediator's « shared with me » (100 documents granted);
//! - a citizen's journal since her last checkpoint (her last 10 entries, proved).
//!
//! Prints one table, the ratio of each to `/v1/health` (goal for the listing: 0.15x
//! and p99 <= 100 ms at 200 connections) and coffred's resident memory.
//!
//! Run: `cargo bench --bench serving` (needs `wrk`: Debian package `wrk`; `bench/run`
//! installs it). Duration per point: `COFFRE_BENCH_SECONDS` (default 5).
#![allow(
    dead_code,
    unused_imports,
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::panic
)]

#[path = "../tests/it/harness.rs"]
mod harness;

use std::process::Command;

/// What wrk measured at one point.
struct Point {
    rps: f64,
    p50_ms: f64,
    p99_ms: f64,
    non_2xx: u64,
}

/// A wrk duration like `1.23ms`, `850.00us` or `1.02s`, in milliseconds.
fn millis(text: &str) -> f64 {
    let (num, unit) = text
        .find(|c: char| c.is_ascii_alphabetic())
        .map(|i| text.split_at(i))
        .unwrap_or((text, "ms"));
    let v: f64 = num.parse().unwrap_or(f64::NAN);
    match unit {
        "us" => v / 1000.0,
        "ms" => v,
        "s" => v * 1000.0,
        "m" => v * 60_000.0,
        _ => f64::NAN,
    }
}

fn wrk(url: &str, headers: &[String], connections: usize, seconds: u64) -> Point {
    let threads = connections.clamp(1, 2);
    let mut cmd = Command::new("wrk");
    cmd.arg(format!("-t{threads}"))
        .arg(format!("-c{connections}"))
        .arg(format!("-d{seconds}s"))
        .arg("--latency")
        .arg("--timeout")
        .arg("10s");
    for h in headers {
        cmd.arg("-H").arg(h);
    }
    let out = cmd.arg(url).output().expect("wrk (Debian package `wrk`)");
    let text = String::from_utf8_lossy(&out.stdout);
    let mut p = Point {
        rps: 0.0,
        p50_ms: f64::NAN,
        p99_ms: f64::NAN,
        non_2xx: 0,
    };
    for line in text.lines() {
        let words: Vec<&str> = line.split_whitespace().collect();
        match words.as_slice() {
            ["Requests/sec:", v] => p.rps = v.parse().unwrap_or(0.0),
            ["50%", v] => p.p50_ms = millis(v),
            ["99%", v] => p.p99_ms = millis(v),
            ["Non-2xx", "or", "3xx", "responses:", v] => p.non_2xx = v.parse().unwrap_or(0),
            _ => {}
        }
    }
    assert!(p.rps > 0.0, "wrk measured nothing:\n{text}");
    p
}

fn rss_mib(pid: u32) -> (f64, f64) {
    let status = std::fs::read_to_string(format!("/proc/{pid}/status")).unwrap_or_default();
    let field = |name: &str| {
        status
            .lines()
            .find(|l| l.starts_with(name))
            .and_then(|l| l.split_whitespace().nth(1))
            .and_then(|v| v.parse::<f64>().ok())
            .unwrap_or(0.0)
            / 1024.0
    };
    (field("VmRSS:"), field("VmHWM:"))
}

fn main() {
    if std::env::args().any(|a| a == "--list") {
        return;
    }
    if Command::new("wrk").arg("-v").output().is_err() {
        println!("serving benchmark skipped: wrk is not installed (Debian package `wrk`; bench/run installs it)");
        return;
    }
    let seconds: u64 = std::env::var("COFFRE_BENCH_SECONDS")
        .ok()
        .and_then(|v| v.parse().ok())
        .unwrap_or(5);
    let d = harness::Daemon::start_with(Some(
        "[limits]\nmax_connections = 1024\nmax_connections_per_ip = 512\n",
    ));
    let (mediator, code) = d.mediator("f.benali", "Fatima Benali", "France Services");
    let ana = d.user("ana");
    ana.register();
    let dir = tempfile::tempdir().unwrap();
    let mut ids = Vec::new();
    for i in 0..100 {
        let path = harness::random_file(dir.path(), &format!("papier-{i:03}.pdf"), 2048);
        ids.push(ana.add(
            &path,
            &["--title", &format!("Papier {i}"), "--category", "tax"],
        ));
    }
    let mut share = vec!["share"];
    share.extend(ids.iter().map(String::as_str));
    share.extend(["--to", "f.benali", "--for", "7d", "--safety-code", &code]);
    ana.ok(&share);
    assert_eq!(ana.list().len(), 100);

    let bearer = |u: &harness::User| format!("Authorization: Bearer {}", u.token());
    let base = &d.url;
    // Her listing's tag, and where her journal stood at her last check.
    let agent = harness::agent(&d);
    let r = agent
        .get(format!("{base}/v1/documents"))
        .header("Authorization", format!("Bearer {}", ana.token()))
        .call()
        .unwrap();
    let tag = r.headers()["etag"].to_str().unwrap().to_owned();
    let listing_bytes = r.into_body().read_to_vec().unwrap().len();
    let (_, page) = harness::status_json(
        agent
            .get(format!("{base}/v1/journal/entries"))
            .header("Authorization", format!("Bearer {}", ana.token()))
            .call()
            .unwrap(),
    );
    let entries = page["entries"].as_array().map(Vec::len).unwrap_or(0);
    let from = entries.saturating_sub(10);

    let cases: Vec<(&str, String, Vec<String>)> = vec![
        ("/v1/health", format!("{base}/v1/health"), vec![]),
        (
            "listing, 100 papers (200)",
            format!("{base}/v1/documents"),
            vec![bearer(&ana)],
        ),
        (
            "listing, copy current (304)",
            format!("{base}/v1/documents"),
            vec![bearer(&ana), format!("If-None-Match: {tag}")],
        ),
        (
            "shared with me, 100 papers",
            format!("{base}/v1/shared"),
            vec![bearer(&mediator)],
        ),
        (
            "journal since checkpoint (10)",
            format!("{base}/v1/journal/entries?from={from}"),
            vec![bearer(&ana)],
        ),
    ];
    println!(
        "coffre serving benchmark: wrk over TLS, {seconds} s per point; listing {listing_bytes} bytes of JSON, her journal {entries} entries"
    );
    println!(
        "  {:<32} {:>5} {:>10} {:>9} {:>9} {:>9} {:>9} {:>8}",
        "request", "conns", "req/s", "p50 ms", "p99 ms", "x health", "non-2xx", "RSS MiB"
    );
    let mut health = [0.0f64; 3];
    let mut peak_busy = 0.0f64;
    for (name, url, headers) in &cases {
        for (k, conns) in [1usize, 50, 200].into_iter().enumerate() {
            let p = wrk(url, headers, conns, seconds);
            if *name == "/v1/health" {
                health[k] = p.rps;
            }
            let (rss, _) = rss_mib(d.pid());
            peak_busy = peak_busy.max(rss);
            println!(
                "  {:<32} {:>5} {:>10.0} {:>9.2} {:>9.2} {:>9.2} {:>9} {:>8.1}",
                name,
                conns,
                p.rps,
                p.p50_ms,
                p.p99_ms,
                p.rps / health[k],
                p.non_2xx,
                rss
            );
        }
    }
    let (rss, hwm) = rss_mib(d.pid());
    println!(
        "  coffred resident memory: {rss:.1} MiB now, {peak_busy:.1} MiB at most right after a point, peak {hwm:.1} MiB (goal < 128 MiB at 200 connections)"
    );
}
