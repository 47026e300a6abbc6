//! A stand-in for a compromised server: a TLS proxy in front of a real coffred that
//! presents the daemon's own certificate (so clients trust it as they trust the
//! server) and lets a test rewrite any answer before the client sees it.

use std::sync::{Arc, Mutex};

use axum::body::{to_bytes, Body};
use axum::extract::Request;
use axum::http::{HeaderValue, StatusCode};
use axum::response::Response;
use hyper_util::rt::{TokioExecutor, TokioIo};
use hyper_util::server::conn::auto::Builder;
use hyper_util::service::TowerToHyperService;
use rustls::pki_types::pem::PemObject;
use rustls::pki_types::{CertificateDer, PrivateKeyDer};

use crate::harness::{agent, Daemon};

/// What the hostile server does to one answer: given the request's method and path
/// (with its query) and the real answer's status and body, the answer to send.
/// Status [`DROP`] closes the connection without an answer (after the request
/// reached the real server).
pub type Rewrite = dyn Fn(&str, &str, u16, Vec<u8>) -> (u16, Vec<u8>) + Send + Sync;

/// The status that makes the proxy drop the connection instead of answering.
pub const DROP: u16 = 0;

/// A running proxy; stops with the test process.
pub struct Proxy {
    pub url: String,
    rewrite: Arc<Mutex<Option<Arc<Rewrite>>>>,
}

impl Proxy {
    /// Starts a proxy in front of `daemon`, passing everything through unchanged.
    pub fn start(daemon: &Daemon) -> Proxy {
        let rewrite: Arc<Mutex<Option<Arc<Rewrite>>>> = Arc::new(Mutex::new(None));
        let upstream = daemon.url.clone();
        let agent = agent(daemon);
        let certs: Vec<CertificateDer<'static>> = CertificateDer::pem_file_iter(daemon.ca())
            .unwrap()
            .collect::<Result<_, _>>()
            .unwrap();
        let key = PrivateKeyDer::from_pem_file(daemon.data.join("tls/key.pem")).unwrap();
        let provider = Arc::new(rustls::crypto::ring::default_provider());
        let mut tls = rustls::ServerConfig::builder_with_provider(provider)
            .with_safe_default_protocol_versions()
            .unwrap()
            .with_no_client_auth()
            .with_single_cert(certs, key)
            .unwrap();
        tls.alpn_protocols = vec![b"http/1.1".to_vec()];
        let acceptor = tokio_rustls::TlsAcceptor::from(Arc::new(tls));
        let listener = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
        let url = format!(
            "https://127.0.0.1:{}",
            listener.local_addr().unwrap().port()
        );
        let shared = Arc::clone(&rewrite);
        std::thread::spawn(move || {
            let rt = tokio::runtime::Builder::new_multi_thread()
                .worker_threads(2)
                .enable_all()
                .build()
                .unwrap();
            rt.block_on(async move {
                listener.set_nonblocking(true).unwrap();
                let listener = tokio::net::TcpListener::from_std(listener).unwrap();
                let app = axum::Router::new().fallback(move |req: Request| {
                    let agent = agent.clone();
                    let upstream = upstream.clone();
                    let rewrite = shared.lock().unwrap().clone();
                    async move { forward(agent, upstream, rewrite, req).await }
                });
                loop {
                    let Ok((tcp, _)) = listener.accept().await else {
                        continue;
                    };
                    let acceptor = acceptor.clone();
                    let app = app.clone();
                    tokio::spawn(async move {
                        let Ok(tls) = acceptor.accept(tcp).await else {
                            return;
                        };
                        let _ = Builder::new(TokioExecutor::new())
                            .serve_connection(TokioIo::new(tls), TowerToHyperService::new(app))
                            .await;
                    });
                }
            });
        });
        Proxy { url, rewrite }
    }

    /// From now on, answers go through `f`.
    pub fn set(
        &self,
        f: impl Fn(&str, &str, u16, Vec<u8>) -> (u16, Vec<u8>) + Send + Sync + 'static,
    ) {
        *self.rewrite.lock().unwrap() = Some(Arc::new(f));
    }

    /// From now on, answers pass through unchanged.
    pub fn honest(&self) {
        *self.rewrite.lock().unwrap() = None;
    }
}

async fn forward(
    agent: ureq::Agent,
    upstream: String,
    rewrite: Option<Arc<Rewrite>>,
    req: Request,
) -> Response {
    let (parts, body) = req.into_parts();
    let body = to_bytes(body, usize::MAX)
        .await
        .unwrap_or_default()
        .to_vec();
    let method = parts.method.to_string();
    let path = parts
        .uri
        .path_and_query()
        .map(|p| p.to_string())
        .unwrap_or_default();
    let headers = parts.headers.clone();
    let url = format!("{upstream}{path}");
    let m = method.clone();
    let (status, content_type, cookies, answer, etag) = tokio::task::spawn_blocking(move || {
        let mut builder = ureq::http::Request::builder().method(m.as_str()).uri(&url);
        // What the CLI sends, and what the web client adds (its session cookie and
        // the headers that go with it).
        for name in [
            "authorization",
            "content-type",
            "accept-language",
            "cookie",
            "x-coffre-client",
            "x-coffre-csrf",
            "if-none-match",
        ] {
            if let Some(v) = headers.get(name) {
                builder = builder.header(name, v.clone());
            }
        }
        let request = builder.body(body).unwrap();
        let response = agent.run(request).unwrap();
        let status = response.status().as_u16();
        let content_type = response.headers().get("content-type").cloned();
        let etag = response.headers().get("etag").cloned();
        let cookies: Vec<HeaderValue> = response
            .headers()
            .get_all("set-cookie")
            .iter()
            .cloned()
            .collect();
        let bytes = response
            .into_body()
            .with_config()
            .limit(u64::MAX)
            .read_to_vec()
            .unwrap_or_default();
        (status, content_type, cookies, bytes, etag)
    })
    .await
    .unwrap();
    let (status, answer) = match rewrite {
        Some(f) => f(&method, &path, status, answer),
        None => (status, answer),
    };
    if status == DROP {
        // Unwinding ends the connection's task: the client reads no answer at all
        // (resume_unwind skips the panic message).
        std::panic::resume_unwind(Box::new("connection dropped by the test"));
    }
    let mut response = Response::new(Body::from(answer));
    *response.status_mut() = StatusCode::from_u16(status).unwrap();
    let content_type = content_type.unwrap_or(HeaderValue::from_static("application/json"));
    response.headers_mut().insert("content-type", content_type);
    for cookie in cookies {
        response.headers_mut().append("set-cookie", cookie);
    }
    if let Some(etag) = etag {
        response.headers_mut().insert("etag", etag);
    }
    response
}
