//! The HTTP layer of the client: one ureq agent over rustls, JSON in and out,
//! streaming bodies, and server errors decoded into [`ClientError::Api`].

use std::io::Read;
use std::path::Path;
use std::sync::Arc;
use std::time::Duration;

use serde::de::DeserializeOwned;
use serde::Serialize;
use ureq::http::Response;
use ureq::tls::{Certificate, RootCerts, TlsConfig};
use ureq::{Agent, Body, SendBody};

use super::ClientError;
use crate::api::{ErrorBody, ErrorCode};

/// Largest JSON answer read (a long document list fits easily).
const MAX_JSON_BYTES: u64 = 64 * 1024 * 1024;

/// A connection to one coffred.
pub struct Http {
    agent: Agent,
    base: String,
    lang: &'static str,
}

/// A tagged answer.
pub enum Tagged {
    /// The caller's copy is current.
    Current,
    /// The JSON body, and its tag if the server gave one.
    Fresh { tag: Option<String>, body: Vec<u8> },
}

/// Which certificates to trust.
pub enum Trust<'a> {
    /// The operating system's roots.
    System,
    /// Only the certificates in this PEM file (e.g. a self-signed coffred's).
    PemFile(&'a Path),
}

fn load_pem(path: &Path) -> Result<Vec<Certificate<'static>>, ClientError> {
    let bytes = std::fs::read(path).map_err(|e| ClientError::file(path, e))?;
    let certs: Vec<Certificate<'static>> = ureq::tls::parse_pem(&bytes)
        .filter_map(|item| match item {
            Ok(ureq::tls::PemItem::Certificate(c)) => Some(c),
            _ => None,
        })
        .collect();
    if certs.is_empty() {
        return Err(ClientError::Tls(format!(
            "no certificate in {}",
            path.display()
        )));
    }
    Ok(certs)
}

impl Http {
    pub fn new(
        base: &str,
        trust: Trust<'_>,
        lang: crate::messages::Lang,
    ) -> Result<Http, ClientError> {
        Http::build(base, trust, lang, None)
    }

    /// Like [`Http::new`], but connecting to `address` whatever the name in `base`
    /// resolves to (the certificate is still checked for that name): the operator's
    /// tools reach the service on this machine under its public name.
    pub fn new_at(
        base: &str,
        trust: Trust<'_>,
        lang: crate::messages::Lang,
        address: std::net::SocketAddr,
    ) -> Result<Http, ClientError> {
        Http::build(base, trust, lang, Some(address))
    }

    fn build(
        base: &str,
        trust: Trust<'_>,
        lang: crate::messages::Lang,
        address: Option<std::net::SocketAddr>,
    ) -> Result<Http, ClientError> {
        let roots = match trust {
            Trust::System => RootCerts::PlatformVerifier,
            Trust::PemFile(path) => RootCerts::Specific(Arc::new(load_pem(path)?)),
        };
        let tls = TlsConfig::builder().root_certs(roots).build();
        let config = Agent::config_builder()
            .tls_config(tls)
            .https_only(true)
            .http_status_as_error(false)
            .timeout_connect(Some(Duration::from_secs(15)))
            .timeout_recv_response(Some(Duration::from_secs(120)))
            .timeout_per_read(Some(Duration::from_secs(120)))
            .user_agent(concat!("coffre/", env!("CARGO_PKG_VERSION")))
            .build();
        let agent: Agent = match address {
            None => config.into(),
            Some(a) => Agent::with_parts(
                config,
                ureq::unversioned::transport::DefaultConnector::new(),
                FixedAddress(a),
            ),
        };
        Ok(Http {
            agent,
            base: base.trim_end_matches('/').to_owned(),
            lang: lang.tag(),
        })
    }

    pub fn base(&self) -> &str {
        &self.base
    }

    fn url(&self, path: &str) -> String {
        format!("{}{}", self.base, path)
    }

    fn transport(&self, e: ureq::Error) -> ClientError {
        transport_error(&self.base, e)
    }

    /// POST/PUT a JSON body and read a JSON answer.
    pub fn send_json<T: Serialize, R: DeserializeOwned>(
        &self,
        method: &str,
        path: &str,
        token: Option<&str>,
        body: &T,
    ) -> Result<R, ClientError> {
        let url = self.url(path);
        let response = match method {
            "PUT" => with_auth(self.agent.put(&url), token, self.lang).send_json(body),
            _ => with_auth(self.agent.post(&url), token, self.lang).send_json(body),
        }
        .map_err(|e| self.transport(e))?;
        read_json(response)
    }

    /// GET a JSON answer.
    pub fn get_json<R: DeserializeOwned>(&self, path: &str, token: &str) -> Result<R, ClientError> {
        let response = with_auth(self.agent.get(self.url(path)), Some(token), self.lang)
            .call()
            .map_err(|e| self.transport(e))?;
        read_json(response)
    }

    /// GETs JSON the server tags (`ETag`): [`Tagged::Current`] when `known` is the
    /// tag of the caller's copy and the server says it still is.
    pub fn get_tagged(
        &self,
        path: &str,
        token: &str,
        known: Option<&str>,
    ) -> Result<Tagged, ClientError> {
        let mut req = with_auth(self.agent.get(self.url(path)), Some(token), self.lang);
        if let Some(tag) = known {
            req = req.header("If-None-Match", tag);
        }
        let response = req.call().map_err(|e| self.transport(e))?;
        if response.status() == 304 && known.is_some() {
            return Ok(Tagged::Current);
        }
        let response = check_status(response)?;
        let tag = response
            .headers()
            .get("etag")
            .and_then(|v| v.to_str().ok())
            .map(str::to_owned);
        let mut body = response.into_body();
        let body = body
            .with_config()
            .limit(MAX_JSON_BYTES)
            .read_to_vec()
            .map_err(|e| ClientError::Protocol(e.to_string()))?;
        Ok(Tagged::Fresh { tag, body })
    }

    /// DELETE, expecting no content.
    pub fn delete(&self, path: &str, token: &str) -> Result<(), ClientError> {
        let response = with_auth(self.agent.delete(self.url(path)), Some(token), self.lang)
            .call()
            .map_err(|e| self.transport(e))?;
        check_status(response).map(|_| ())
    }

    /// POST without a body, expecting no content.
    pub fn post_empty(&self, path: &str, token: &str) -> Result<(), ClientError> {
        let response = with_auth(self.agent.post(self.url(path)), Some(token), self.lang)
            .send_empty()
            .map_err(|e| self.transport(e))?;
        check_status(response).map(|_| ())
    }

    /// POSTs a stream as `application/octet-stream` (chunked) and reads a JSON answer.
    pub fn upload<R: DeserializeOwned>(
        &self,
        path: &str,
        token: &str,
        body: impl Read + 'static,
    ) -> Result<R, ClientError> {
        let response = with_auth(self.agent.post(self.url(path)), Some(token), self.lang)
            .content_type("application/octet-stream")
            .send(SendBody::from_owned_reader(body))
            .map_err(|e| self.transport(e))?;
        read_json(response)
    }

    /// GETs a stream; returns its reader and announced length.
    pub fn download(
        &self,
        path: &str,
        token: &str,
    ) -> Result<(impl Read + 'static, Option<u64>), ClientError> {
        let response = with_auth(self.agent.get(self.url(path)), Some(token), self.lang)
            .call()
            .map_err(|e| self.transport(e))?;
        let response = check_status(response)?;
        let body = response.into_body();
        let len = body.content_length();
        let base = self.base.clone();
        let reader = body.into_with_config().limit(u64::MAX).reader();
        Ok((
            MapIoErrors {
                inner: reader,
                base,
            },
            len,
        ))
    }
}

/// A resolver that answers one address whatever the name.
#[derive(Debug)]
struct FixedAddress(std::net::SocketAddr);

impl ureq::unversioned::resolver::Resolver for FixedAddress {
    fn resolve(
        &self,
        _uri: &ureq::http::Uri,
        _config: &ureq::config::Config,
        _timeout: ureq::unversioned::transport::NextTimeout,
    ) -> Result<ureq::unversioned::resolver::ResolvedSocketAddrs, ureq::Error> {
        let mut addrs = self.empty();
        addrs.push(self.0);
        Ok(addrs)
    }
}

/// Download read errors keep their meaning (a dropped connection mid-way).
struct MapIoErrors<R> {
    inner: R,
    base: String,
}

impl<R: Read> Read for MapIoErrors<R> {
    fn read(&mut self, buf: &mut [u8]) -> std::io::Result<usize> {
        self.inner
            .read(buf)
            .map_err(|e| std::io::Error::new(e.kind(), format!("{}: {e}", self.base)))
    }
}

fn with_auth<B>(
    req: ureq::RequestBuilder<B>,
    token: Option<&str>,
    lang: &str,
) -> ureq::RequestBuilder<B> {
    let req = req.header("Accept-Language", lang);
    match token {
        Some(t) => req.header("Authorization", format!("Bearer {t}")),
        None => req,
    }
}

fn check_status(response: Response<Body>) -> Result<Response<Body>, ClientError> {
    if response.status().is_success() {
        return Ok(response);
    }
    let status = response.status().as_u16();
    let mut body = response.into_body();
    let parsed: Option<ErrorBody> = body.with_config().limit(64 * 1024).read_json().ok();
    Err(match parsed {
        Some(b) => ClientError::Api {
            status,
            code: b.error.code,
            message: b.error.message,
        },
        None => ClientError::Api {
            status,
            code: ErrorCode::ProtocolError,
            message: format!("HTTP {status}"),
        },
    })
}

fn read_json<R: DeserializeOwned>(response: Response<Body>) -> Result<R, ClientError> {
    let mut response = check_status(response)?;
    response
        .body_mut()
        .with_config()
        .limit(MAX_JSON_BYTES)
        .read_json()
        .map_err(|e| ClientError::Protocol(e.to_string()))
}

fn transport_error(base: &str, e: ureq::Error) -> ClientError {
    let text = e.to_string();
    match e {
        ureq::Error::Tls(_) | ureq::Error::Rustls(_) | ureq::Error::Pem(_) => {
            ClientError::Tls(text)
        }
        _ if text.contains("certificate") || text.contains("InvalidCertificate") => {
            ClientError::Tls(text)
        }
        ureq::Error::Io(_)
        | ureq::Error::ConnectionFailed
        | ureq::Error::HostNotFound
        | ureq::Error::Timeout(_)
        | ureq::Error::BodyStalled => ClientError::Unreachable {
            url: base.to_owned(),
            detail: text,
        },
        _ => ClientError::Protocol(text),
    }
}
