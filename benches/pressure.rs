//! Pressure benchmark: the full mix of issue 7 against a real coffred (1,000 idle
//! connections, 4 HTTP/2 connections × 200 streams of 1 MiB bodies, 200 concurrent
//! anonymous registrations), printing coffred's peak RSS and the slowest
//! `/v1/health` answer seen meanwhile. Goal: under 256 MiB and 1 s.
//!
//! It reuses the integration suite's harness, so it drives the very daemon binary
//! the tests drive: `cargo bench --bench pressure`.
#![allow(
    dead_code,
    unused_imports,
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::panic
)]

#[path = "../tests/it/connections.rs"]
mod connections;
#[path = "../tests/it/harness.rs"]
mod harness;
#[path = "../tests/it/pressure.rs"]
mod pressure;

fn main() {
    let d = harness::Daemon::start();
    let start = std::time::Instant::now();
    let p = pressure::pressure(&d, 1000, 4, 200, 200);
    println!("pressure: 1000 idle connections, 4 x 200 HTTP/2 streams of 1 MiB, 200 registrations");
    println!(
        "  coffred peak RSS          {:8.1} MiB   (goal < 256)",
        p.peak_rss_mib
    );
    println!(
        "  slowest /v1/health       {:8.0} ms    (goal < 1000)",
        p.slowest_health.as_secs_f64() * 1000.0
    );
    println!("  registrations served     {:8}", p.registrations_served);
    println!("  streams refused (503/reset) {:5}", p.streams_refused);
    println!(
        "  whole run                {:8.1} s",
        start.elapsed().as_secs_f64()
    );
}
