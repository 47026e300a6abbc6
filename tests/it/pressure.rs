//! Memory stays bounded and the service answers, whatever anonymous clients send at
//! once: idle connections, HTTP/2 connections opening many streams of large bodies,
//! and registrations (each a server-side Argon2id). The full-size figures of
//! issue 7 (1,000 idle connections, 4 × 200 streams, 200 registrations) are run and
//! printed by `cargo bench --bench pressure`; this test runs a smaller mix that
//! still took the old daemon far past the limit.

use std::net::{IpAddr, Ipv4Addr};
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::Arc;
use std::time::{Duration, Instant};

use crate::connections::{client_config, tcp_from, tls_from};
use crate::harness::{agent, Daemon};

/// What one run of the mix measured.
pub struct Pressure {
    pub peak_rss_mib: f64,
    pub slowest_health: Duration,
    pub registrations_served: usize,
    pub streams_refused: usize,
}

/// Body of every HTTP/2 stream.
const STREAM_BODY_BYTES: usize = 1024 * 1024;

/// Opens `conns` HTTP/2 connections with `streams` streams each, every stream
/// posting a 1 MiB body to the registration endpoint. Returns how many streams were
/// refused or reset by the server.
async fn h2_streams(d: &Daemon, from: IpAddr, streams: usize) -> usize {
    let tcp = tcp_from(d, from);
    tcp.set_nonblocking(true).unwrap();
    let tcp = tokio::net::TcpStream::from_std(tcp).unwrap();
    let connector = tokio_rustls::TlsConnector::from(client_config(d, b"h2"));
    let name = rustls::pki_types::ServerName::try_from("127.0.0.1").unwrap();
    let Ok(stream) = connector.connect(name, tcp).await else {
        return streams;
    };
    let Ok((client, connection)) = h2::client::handshake(stream).await else {
        return streams;
    };
    tokio::spawn(connection);
    let mut tasks = Vec::new();
    for _ in 0..streams {
        let client = client.clone();
        tasks.push(tokio::spawn(async move {
            let Ok(mut ready) = client.ready().await else {
                return false;
            };
            let req = http::Request::post("https://127.0.0.1/v1/accounts")
                .header("content-type", "application/json")
                .body(())
                .unwrap();
            let Ok((answer, mut body)) = ready.send_request(req, false) else {
                return false;
            };
            let mut left = STREAM_BODY_BYTES;
            while left > 0 {
                body.reserve_capacity(left.min(64 * 1024));
                let cap = match std::future::poll_fn(|cx| body.poll_capacity(cx)).await {
                    Some(Ok(c)) => c.min(left),
                    _ => return false,
                };
                if body
                    .send_data(bytes::Bytes::from(vec![b' '; cap]), false)
                    .is_err()
                {
                    return false;
                }
                left -= cap;
            }
            let _ = body.send_data(bytes::Bytes::new(), true);
            matches!(answer.await, Ok(r) if r.status() != 503)
        }));
    }
    let mut refused = 0;
    for t in tasks {
        if !matches!(t.await, Ok(true)) {
            refused += 1;
        }
    }
    refused
}

/// A registration body that passes every check but the server's Argon2id work is
/// still spent on it (what an anonymous flood would send).
fn registration_bodies(n: usize) -> Vec<serde_json::Value> {
    let pass = coffre::crypto::SecretString::from(crate::harness::PASS.to_owned());
    let (template, _, _) = coffre::client::account::registration("flood", &pass).unwrap();
    (0..n)
        .map(|i| {
            let mut req = template.clone();
            req.user = format!("flood{i}");
            serde_json::to_value(&req).unwrap()
        })
        .collect()
}

/// Runs the mix against `d`; returns what it measured.
pub fn pressure(
    d: &Daemon,
    idle: usize,
    h2_conns: usize,
    streams: usize,
    registrations: usize,
) -> Pressure {
    // Idle connections, from addresses other than the health checker's.
    let mut held = Vec::new();
    for i in 0..idle {
        let from = IpAddr::V4(Ipv4Addr::new(127, 0, 1, 2 + (i / 60) as u8));
        held.push(std::panic::catch_unwind(|| tls_from(d, from, b"http/1.1")).ok());
    }
    let stop = Arc::new(AtomicBool::new(false));
    let checker = {
        let (agent, url, stop) = (agent(d), format!("{}/v1/health", d.url), Arc::clone(&stop));
        std::thread::spawn(move || {
            let mut slowest = Duration::ZERO;
            while !stop.load(Ordering::SeqCst) {
                let start = Instant::now();
                let ok = agent
                    .get(&url)
                    .call()
                    .map(|r| r.status() == 200)
                    .unwrap_or(false);
                let took = if ok {
                    start.elapsed()
                } else {
                    Duration::from_secs(3600)
                };
                slowest = slowest.max(took);
                std::thread::sleep(Duration::from_millis(100));
            }
            slowest
        })
    };
    // Anonymous registrations, from many addresses (a flood does not come from
    // one), each on its own connection.
    let bodies = registration_bodies(registrations);
    let registrar = {
        let threads: Vec<_> = bodies
            .into_iter()
            .enumerate()
            .map(|(i, body)| {
                let from = IpAddr::V4(Ipv4Addr::new(127, 0, 3, 2 + (i / 10) as u8));
                let tls = std::panic::catch_unwind(|| tls_from(d, from, b"http/1.1")).ok();
                std::thread::spawn(move || {
                    let Some(mut tls) = tls else { return false };
                    let body = serde_json::to_vec(&body).unwrap();
                    let head = format!(
                        "POST /v1/accounts HTTP/1.1\r\nHost: localhost\r\nContent-Type: application/json\r\nContent-Length: {}\r\nConnection: close\r\n\r\n",
                        body.len()
                    );
                    use std::io::{Read, Write};
                    if tls.write_all(head.as_bytes()).and_then(|_| tls.write_all(&body)).is_err() {
                        return false;
                    }
                    let mut answer = Vec::new();
                    let _ = tls.read_to_end(&mut answer);
                    answer.starts_with(b"HTTP/1.1 201")
                })
            })
            .collect();
        std::thread::spawn(move || {
            threads
                .into_iter()
                .map(|t| t.join().unwrap_or(false))
                .filter(|ok| *ok)
                .count()
        })
    };
    let rt = tokio::runtime::Builder::new_multi_thread()
        .worker_threads(2)
        .enable_all()
        .build()
        .unwrap();
    let refused = rt.block_on(async {
        let runs: Vec<_> = (0..h2_conns)
            .map(|c| {
                h2_streams(
                    d,
                    IpAddr::V4(Ipv4Addr::new(127, 0, 2, 2 + c as u8)),
                    streams,
                )
            })
            .collect();
        futures_util::future::join_all(runs).await.into_iter().sum()
    });
    let served = registrar.join().unwrap();
    stop.store(true, Ordering::SeqCst);
    let slowest = checker.join().unwrap();
    drop(held);
    Pressure {
        peak_rss_mib: d.peak_rss_mib(),
        slowest_health: slowest,
        registrations_served: served,
        streams_refused: refused,
    }
}

#[test]
fn memory_stays_bounded_and_health_answers_under_a_flood() {
    let d = Daemon::start();
    let p = pressure(&d, 200, 2, 200, 60);
    eprintln!(
        "peak RSS {:.1} MiB, slowest health {:?}, {} registrations served, {} streams refused",
        p.peak_rss_mib, p.slowest_health, p.registrations_served, p.streams_refused
    );
    assert!(p.peak_rss_mib < 256.0, "peak RSS {:.1} MiB", p.peak_rss_mib);
    assert!(
        p.slowest_health < Duration::from_secs(1),
        "{:?}",
        p.slowest_health
    );
    assert!(p.registrations_served > 0);
}
