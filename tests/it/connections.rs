//! Hostile clients at the connection level: connections that say nothing, stay
//! idle, or come in numbers. Each test plays the attack from the review of issue 7.

use std::io::{Read, Write};
use std::net::{IpAddr, SocketAddr, TcpStream};
use std::sync::Arc;
use std::time::{Duration, Instant};

use rustls::pki_types::pem::PemObject;
use rustls::pki_types::{CertificateDer, ServerName};

use crate::harness::Daemon;

type Tls = rustls::StreamOwned<rustls::ClientConnection, TcpStream>;

/// A TCP connection to the daemon from `from` (any 127.0.0.0/8 address).
pub fn tcp_from(d: &Daemon, from: IpAddr) -> TcpStream {
    let to: SocketAddr = d.url.trim_start_matches("https://").parse().unwrap();
    let socket = socket2::Socket::new(socket2::Domain::IPV4, socket2::Type::STREAM, None).unwrap();
    socket.bind(&SocketAddr::new(from, 0).into()).unwrap();
    socket.connect(&to.into()).unwrap();
    socket.into()
}

/// A TLS client configuration trusting the daemon, offering `alpn`.
pub fn client_config(d: &Daemon, alpn: &[u8]) -> Arc<rustls::ClientConfig> {
    let mut roots = rustls::RootCertStore::empty();
    for c in CertificateDer::pem_file_iter(d.ca()).unwrap() {
        roots.add(c.unwrap()).unwrap();
    }
    let provider = Arc::new(rustls::crypto::ring::default_provider());
    let mut config = rustls::ClientConfig::builder_with_provider(provider)
        .with_safe_default_protocol_versions()
        .unwrap()
        .with_root_certificates(roots)
        .with_no_client_auth();
    config.alpn_protocols = vec![alpn.to_vec()];
    Arc::new(config)
}

/// A TLS connection, handshake done, offering `alpn`.
pub fn tls_from(d: &Daemon, from: IpAddr, alpn: &[u8]) -> Tls {
    let name = ServerName::try_from("127.0.0.1").unwrap();
    let conn = rustls::ClientConnection::new(client_config(d, alpn), name).unwrap();
    let mut tls = rustls::StreamOwned::new(conn, tcp_from(d, from));
    while tls.conn.is_handshaking() {
        tls.conn.complete_io(&mut tls.sock).unwrap();
    }
    tls
}

/// Seconds until the server closes the connection, or `None` if it is still open
/// after `wait`.
fn closed_within(tls: &mut Tls, wait: Duration) -> Option<f64> {
    let start = Instant::now();
    tls.sock
        .set_read_timeout(Some(Duration::from_millis(200)))
        .unwrap();
    let mut buf = [0u8; 4096];
    while start.elapsed() < wait {
        match tls.read(&mut buf) {
            Ok(0) => return Some(start.elapsed().as_secs_f64()),
            Ok(_) => {}
            Err(e)
                if e.kind() == std::io::ErrorKind::WouldBlock
                    || e.kind() == std::io::ErrorKind::TimedOut => {}
            Err(_) => return Some(start.elapsed().as_secs_f64()),
        }
    }
    None
}

const LOCAL: IpAddr = IpAddr::V4(std::net::Ipv4Addr::LOCALHOST);

fn addr(last: u8) -> IpAddr {
    IpAddr::V4(std::net::Ipv4Addr::new(127, 0, 0, last))
}

const QUICK: &str = "[timeouts]\nheader_read_secs = 1\nidle_secs = 2\n";

#[test]
fn a_connection_that_says_nothing_is_closed() {
    let d = Daemon::start_with(Some(QUICK));
    let mut silent = tls_from(&d, LOCAL, b"http/1.1");
    let t = closed_within(&mut silent, Duration::from_secs(6));
    assert!(t.is_some_and(|t| t < 4.0), "still open: {t:?}");
}

#[test]
fn idle_keep_alive_and_http2_connections_are_closed() {
    let d = Daemon::start_with(Some(QUICK));
    // HTTP/1.1: one request, then silence on a kept-alive connection.
    let mut h1 = tls_from(&d, LOCAL, b"http/1.1");
    h1.write_all(b"GET /v1/health HTTP/1.1\r\nHost: localhost\r\n\r\n")
        .unwrap();
    h1.flush().unwrap();
    let t = closed_within(&mut h1, Duration::from_secs(8));
    assert!(t.is_some_and(|t| t < 5.0), "HTTP/1.1 still open: {t:?}");
    // HTTP/2: the preface and settings, then no stream at all.
    let mut h2 = tls_from(&d, LOCAL, b"h2");
    h2.write_all(b"PRI * HTTP/2.0\r\n\r\nSM\r\n\r\n\x00\x00\x00\x04\x00\x00\x00\x00\x00")
        .unwrap();
    h2.flush().unwrap();
    let t = closed_within(&mut h2, Duration::from_secs(8));
    assert!(t.is_some_and(|t| t < 5.0), "HTTP/2 still open: {t:?}");
}

/// A request that stays in flight: a body announced and never sent.
fn busy(d: &Daemon, from: IpAddr) -> Tls {
    let mut tls = tls_from(d, from, b"http/1.1");
    tls.write_all(
        b"POST /v1/prelogin HTTP/1.1\r\nHost: localhost\r\nContent-Type: application/json\r\nContent-Length: 100\r\n\r\n{",
    )
    .unwrap();
    tls.flush().unwrap();
    tls
}

fn health_on(tls: &mut Tls) -> String {
    tls.write_all(b"GET /v1/health HTTP/1.1\r\nHost: localhost\r\nConnection: close\r\n\r\n")
        .unwrap();
    let mut answer = String::new();
    let _ = tls.read_to_string(&mut answer);
    answer
}

/// One address cannot take every connection; a server full of idle connections
/// closes the one idle the longest for a newcomer; a server whose every connection
/// is busy answers at once (503 with Retry-After) instead of leaving clients
/// waiting in the backlog.
#[test]
fn one_address_cannot_fill_the_server_and_a_full_server_answers_at_once() {
    let d = Daemon::start_with(Some(
        "[limits]\nmax_connections = 8\nmax_connections_per_ip = 3\n",
    ));
    let held: Vec<Tls> = (0..3).map(|_| tls_from(&d, addr(2), b"http/1.1")).collect();
    // A fourth from the same address is turned away at once...
    let start = Instant::now();
    let answer = health_on(&mut tls_from(&d, addr(2), b"http/1.1"));
    assert!(answer.starts_with("HTTP/1.1 503"), "{answer}");
    assert!(
        answer.to_ascii_lowercase().contains("retry-after"),
        "{answer}"
    );
    assert!(start.elapsed() < Duration::from_secs(2));
    // ...while another address is served.
    assert!(health_on(&mut tls_from(&d, LOCAL, b"http/1.1")).starts_with("HTTP/1.1 200"));
    // A server full of idle connections makes room for a newcomer.
    let idle: Vec<Tls> = (3..8).map(|i| tls_from(&d, addr(i), b"http/1.1")).collect();
    let answer = health_on(&mut tls_from(&d, addr(20), b"http/1.1"));
    assert!(answer.starts_with("HTTP/1.1 200"), "{answer}");
    drop((held, idle));
    std::thread::sleep(Duration::from_millis(300));
    // Every connection busy: the next client hears "unavailable" within a second.
    let busy: Vec<Tls> = (30..38).map(|i| busy(&d, addr(i))).collect();
    std::thread::sleep(Duration::from_millis(300));
    let start = Instant::now();
    let answer = health_on(&mut tls_from(&d, addr(40), b"http/1.1"));
    assert!(answer.starts_with("HTTP/1.1 503"), "{answer}");
    assert!(
        start.elapsed() < Duration::from_secs(1),
        "{:?}",
        start.elapsed()
    );
    drop(busy);
}
