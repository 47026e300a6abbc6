//! The browser client, served at `/` from the files `build.rs` built from `web/` and
//! embedded in the binary: same origin as the API, nothing fetched from anywhere
//! else. Pages get their own Content-Security-Policy (scripts and styles from this
//! origin only, WebAssembly for Argon2id, workers from this origin, no framing).

use axum::http::{header, HeaderValue, Method, StatusCode, Uri};
use axum::response::{IntoResponse, Response};

use super::error::ApiError;
use crate::api::ErrorCode;

include!(concat!(env!("OUT_DIR"), "/web_assets.rs"));

/// The page's policy: no inline script, no eval (`'wasm-unsafe-eval'` only, for
/// hash-wasm's Argon2id), nothing from elsewhere.
pub const PAGE_CSP: &str = "default-src 'self'; script-src 'self' 'wasm-unsafe-eval'; \
     style-src 'self'; img-src 'self' blob: data:; media-src 'self' blob:; \
     connect-src 'self'; worker-src 'self'; frame-src blob:; object-src 'none'; base-uri 'none'; \
     form-action 'self'; frame-ancestors 'none'";

/// A file of the web client, if `uri` names one (`/` is `index.html`).
fn find(uri: &Uri) -> Option<(&'static str, &'static [u8])> {
    let path = match uri.path() {
        "/" | "/index.html" => "/index.html",
        p => p,
    };
    ASSETS.iter().find(|(p, _)| *p == path).copied()
}

/// Answers a GET for the web client, or "not found" (JSON, like the API).
pub async fn serve(method: Method, uri: Uri) -> Response {
    if uri.path().starts_with("/v1/") {
        return ApiError::new(ErrorCode::NotFound).into_response();
    }
    let Some((path, bytes)) = find(&uri) else {
        return ApiError::new(ErrorCode::NotFound).into_response();
    };
    if method != Method::GET && method != Method::HEAD {
        return ApiError::new(ErrorCode::MethodNotAllowed).into_response();
    }
    let mime = mime_guess::from_path(path).first_or_octet_stream();
    // Files under /assets/ carry a content hash in their name: cacheable for ever.
    // The page itself is never stored: fetched anew each time (a new version is
    // picked up), and kept out of the back/forward cache, where a page left on a
    // shared computer could be brought back with a paper on screen.
    let cache = if path.starts_with("/assets/") {
        "public, max-age=31536000, immutable"
    } else {
        "no-store"
    };
    let mut response = (StatusCode::OK, bytes).into_response();
    let headers = response.headers_mut();
    if let Ok(v) = HeaderValue::from_str(mime.essence_str()) {
        headers.insert(header::CONTENT_TYPE, v);
    }
    headers.insert(header::CACHE_CONTROL, HeaderValue::from_static(cache));
    headers.insert(
        header::CONTENT_SECURITY_POLICY,
        HeaderValue::from_static(PAGE_CSP),
    );
    headers.insert(
        "cross-origin-opener-policy",
        HeaderValue::from_static("same-origin"),
    );
    response
}
