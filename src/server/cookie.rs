//! Sessions of the web client: the token travels in a cookie the page's scripts
//! cannot read (HttpOnly, Secure, SameSite=Strict, path /v1), never in a JSON body;
//! state-changing requests authenticated by it must carry `X-Coffre-CSRF` (a header
//! another site cannot make a browser send here without a CORS preflight, which
//! coffred never grants). The CLI keeps its bearer token.

use axum::http::{header, HeaderMap, HeaderValue, Method, StatusCode};
use axum::response::{IntoResponse, Response};
use axum::Json;

use crate::api::{Bytes, SessionResponse};

pub const SESSION_COOKIE: &str = "coffre_session";
/// Sent by the web client on every request: answers that open a session then set
/// the cookie instead of returning the token.
pub const WEB_CLIENT_HEADER: &str = "x-coffre-client";
/// Required on state-changing requests authenticated by the cookie.
pub const CSRF_HEADER: &str = "x-coffre-csrf";

/// The session token from the cookie, if the request carries one.
pub fn token(headers: &HeaderMap) -> Option<&str> {
    headers
        .get_all(header::COOKIE)
        .iter()
        .filter_map(|v| v.to_str().ok())
        .flat_map(|v| v.split(';'))
        .filter_map(|pair| pair.trim().split_once('='))
        .find(|(name, _)| *name == SESSION_COOKIE)
        .map(|(_, value)| value.trim())
        .filter(|v| !v.is_empty())
}

/// Whether a request authenticated by the cookie may go on: reads always; anything
/// else only with the CSRF header.
pub fn csrf_ok(method: &Method, headers: &HeaderMap) -> bool {
    matches!(*method, Method::GET | Method::HEAD)
        || headers
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
    now_ms: i64,
) -> Response {
    if !is_web(request) {
        return (status, Json(session)).into_response();
    }
    let max_age = ((session.expires_ms - now_ms) / 1000).max(0);
    let cookie = format!(
        "{SESSION_COOKIE}={}; Path=/v1; Max-Age={max_age}; HttpOnly; Secure; SameSite=Strict",
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

/// Forgets the cookie (at logout).
pub fn cleared() -> HeaderValue {
    HeaderValue::from_static(
        "coffre_session=; Path=/v1; Max-Age=0; HttpOnly; Secure; SameSite=Strict",
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_cookie_is_found_among_others_and_csrf_needs_the_header() {
        let mut h = HeaderMap::new();
        h.append(
            header::COOKIE,
            HeaderValue::from_static("a=1; coffre_session=abc ; b=2"),
        );
        assert_eq!(token(&h), Some("abc"));
        assert!(csrf_ok(&Method::GET, &h));
        assert!(!csrf_ok(&Method::POST, &h));
        h.insert(CSRF_HEADER, HeaderValue::from_static("1"));
        assert!(csrf_ok(&Method::DELETE, &h));
        assert_eq!(token(&HeaderMap::new()), None);
    }
}
