//! Sessions of the web client: the token travels in a cookie the page's scripts
//! cannot read (`__Host-` prefixed: HttpOnly, Secure, SameSite=Strict, path /, no
//! Domain, and no Max-Age: it ends with the browser), never in a JSON body. Every
//! request authenticated by it must carry `X-Coffre-CSRF` (a header another site, or
//! an `<img>` on a sibling one, cannot make a browser send here without a CORS
//! preflight, which coffred never grants), reads included, since a download writes
//! to the journal. A request carrying two session cookies (one tossed in by a related
//! domain) is refused. The CLI keeps its bearer token.
//!
//! « Session accompagnée »: on the structure's computer, a citizen logs in beside the
//! mediator's session. Her session lives in a second cookie of the same kind,
//! `__Host-coffre_accompanied`, which the page selects with `X-Coffre-Slot:
//! accompanied` on each of her requests; neither session can read the other's token.

use std::collections::HashMap;
use std::sync::Mutex;
use std::time::{Duration, Instant};

use axum::http::{header, HeaderMap, HeaderValue, StatusCode};
use axum::response::{IntoResponse, Response};
use axum::Json;

use crate::api::{Bytes, SessionResponse};

pub const SESSION_COOKIE: &str = "__Host-coffre_session";
/// The accompanied citizen's session, beside the mediator's on the same computer.
pub const ACCOMPANIED_COOKIE: &str = "__Host-coffre_accompanied";
/// Selects the accompanied session's cookie (value `accompanied`).
pub const SLOT_HEADER: &str = "x-coffre-slot";

/// The session cookie a request speaks for: the accompanied citizen's when it says
/// so, the browser's own otherwise.
pub fn cookie_name(headers: &HeaderMap) -> &'static str {
    match headers.get(SLOT_HEADER) {
        Some(v) if v.as_bytes() == b"accompanied" => ACCOMPANIED_COOKIE,
        _ => SESSION_COOKIE,
    }
}
/// Sent by the web client on every request: answers that open a session then set
/// the cookie instead of returning the token.
pub const WEB_CLIENT_HEADER: &str = "x-coffre-client";
/// Required on state-changing requests authenticated by the cookie.
pub const CSRF_HEADER: &str = "x-coffre-csrf";

/// What the request's cookies say about a web session.
pub enum Presented<'a> {
    None,
    One(&'a str),
    /// More than one session cookie: refused.
    Several,
}

/// The session token from the cookie, if the request carries exactly one.
pub fn token(headers: &HeaderMap) -> Presented<'_> {
    let wanted = cookie_name(headers);
    let mut found = headers
        .get_all(header::COOKIE)
        .iter()
        .filter_map(|v| v.to_str().ok())
        .flat_map(|v| v.split(';'))
        .filter_map(|pair| pair.trim().split_once('='))
        .filter(|(name, _)| *name == wanted)
        .map(|(_, value)| value.trim());
    match (found.next(), found.next()) {
        (None, _) => Presented::None,
        (Some(t), None) if !t.is_empty() => Presented::One(t),
        (Some(_), None) => Presented::None,
        (Some(_), Some(_)) => Presented::Several,
    }
}

/// Whether a request authenticated by the cookie carries the CSRF header.
pub fn csrf_ok(headers: &HeaderMap) -> bool {
    headers
        .get(CSRF_HEADER)
        .is_some_and(|v| !v.as_bytes().is_empty())
}

fn is_web(headers: &HeaderMap) -> bool {
    headers
        .get(WEB_CLIENT_HEADER)
        .is_some_and(|v| v.as_bytes() == b"web")
}

/// The answer to a request that opened a session: for the web client, the token
/// (and the CLI's session-file key) leave the body for an HttpOnly cookie.
pub fn session_answer(
    request: &HeaderMap,
    status: StatusCode,
    mut session: SessionResponse,
) -> Response {
    if !is_web(request) {
        return (status, Json(session)).into_response();
    }
    // No Max-Age: the cookie ends with the browser; the session itself ends on
    // the server at its expiry, at logout, or when the page leaves.
    let cookie = format!(
        "{}={}; Path=/; HttpOnly; Secure; SameSite=Strict",
        cookie_name(request),
        session.token
    );
    session.token = String::new();
    session.session_key = Bytes::default();
    let mut response = (status, Json(session)).into_response();
    if let Ok(v) = HeaderValue::from_str(&cookie) {
        response.headers_mut().insert(header::SET_COOKIE, v);
    }
    response
}

/// When each browser session was last used, in memory (a restart forgets it, and
/// the next use starts the count again). A session unused for `limit` is over.
pub struct Idle {
    limit: Duration,
    last: Mutex<HashMap<[u8; 32], Instant>>,
}

/// Sessions remembered at most (each a few dozen bytes); past it, stale ones go.
const IDLE_ENTRIES: usize = 100_000;

impl Idle {
    pub fn new(limit: Duration) -> Idle {
        Idle {
            limit,
            last: Mutex::new(HashMap::new()),
        }
    }

    /// Notes a use of the session; `false` if it had been idle too long (it is then
    /// forgotten here; the caller ends it on the server).
    pub fn touch(&self, token: &str) -> bool {
        let key = crate::crypto::sha256(token.as_bytes());
        let now = Instant::now();
        let mut last = self.last.lock().unwrap_or_else(|p| p.into_inner());
        if last
            .get(&key)
            .is_some_and(|seen| now.duration_since(*seen) > self.limit)
        {
            last.remove(&key);
            return false;
        }
        if last.len() >= IDLE_ENTRIES {
            let limit = self.limit;
            last.retain(|_, seen| now.duration_since(*seen) <= limit);
        }
        last.insert(key, now);
        true
    }
}

/// Forgets the cookie of the session that logged out.
pub fn cleared(request: &HeaderMap) -> HeaderValue {
    match cookie_name(request) {
        ACCOMPANIED_COOKIE => HeaderValue::from_static(
            "__Host-coffre_accompanied=; Path=/; Max-Age=0; HttpOnly; Secure; SameSite=Strict",
        ),
        _ => HeaderValue::from_static(
            "__Host-coffre_session=; Path=/; Max-Age=0; HttpOnly; Secure; SameSite=Strict",
        ),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn one_cookie_is_found_among_others_two_are_refused_and_csrf_needs_the_header() {
        let mut h = HeaderMap::new();
        h.append(
            header::COOKIE,
            HeaderValue::from_static("a=1; __Host-coffre_session=abc ; b=2"),
        );
        assert!(matches!(token(&h), Presented::One("abc")));
        assert!(!csrf_ok(&h));
        h.insert(CSRF_HEADER, HeaderValue::from_static("1"));
        assert!(csrf_ok(&h));
        h.append(
            header::COOKIE,
            HeaderValue::from_static("__Host-coffre_session=tossed"),
        );
        assert!(matches!(token(&h), Presented::Several));
        assert!(matches!(token(&HeaderMap::new()), Presented::None));
    }
}
