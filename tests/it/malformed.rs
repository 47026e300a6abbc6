//! Malformed requests get a 4xx with a JSON error, and the server stays up.

use crate::harness::{agent, status_json, Daemon};

/// A JSON refusal with this status and stable code.
fn refused(r: ureq::http::Response<ureq::Body>, status: u16, code: &str) {
    let (got, body) = status_json(r);
    assert_eq!(
        (got, body["error"]["code"].as_str()),
        (status, Some(code)),
        "{body}"
    );
}

#[test]
fn malformed_requests_get_4xx_and_the_server_stays_up() {
    let d = Daemon::start();
    let alice = d.user("alice");
    alice.register();
    let http = agent(&d);
    let url = |p: &str| format!("{}{p}", d.url);
    let bearer = format!("Bearer {}", alice.token());

    // Garbage JSON.
    let r = http
        .post(url("/v1/accounts"))
        .content_type("application/json")
        .send(&b"{not json"[..])
        .unwrap();
    refused(r, 400, "invalid_json");
    // Well-formed JSON of the wrong shape.
    let r = http
        .post(url("/v1/sessions"))
        .send_json(serde_json::json!({"user": 3}))
        .unwrap();
    refused(r, 400, "invalid_json");
    // Wrong content type, on JSON and on upload endpoints.
    let r = http
        .post(url("/v1/prelogin"))
        .content_type("text/plain")
        .send(&b"{\"user\":\"a\"}"[..])
        .unwrap();
    refused(r, 415, "unsupported_media_type");
    let r = http
        .post(url("/v1/uploads"))
        .header("Authorization", &bearer)
        .content_type("application/json")
        .send(&b"age-encryption.org/v1\n"[..])
        .unwrap();
    assert_eq!(r.status().as_u16(), 415);
    // Not an age file.
    let r = http
        .post(url("/v1/uploads"))
        .header("Authorization", &bearer)
        .content_type("application/octet-stream")
        .send(&b"%PDF-1.7 plaintext!"[..])
        .unwrap();
    refused(r, 400, "not_age_file");
    // A commit of an upload that does not exist, or of someone else's.
    let r = http
        .post(url("/v1/documents"))
        .header("Authorization", &bearer)
        .send_json(serde_json::json!({
            "upload": "00000000000000000000000000000000",
            "meta": "YWdlLWVuY3J5cHRpb24ub3JnL3YxCg==",
            "owner_envelope": "YWdlLWVuY3J5cHRpb24ub3JnL3YxCg==",
            "signature": ""
        }))
        .unwrap();
    refused(r, 404, "upload_not_found");
    // Oversized JSON body.
    // Just over the 1 MiB limit, so the client has sent it all when refused.
    let huge = format!("{{\"user\":\"{}\"}}", "a".repeat(1024 * 1024));
    let r = http
        .post(url("/v1/prelogin"))
        .content_type("application/json")
        .send(huge.as_bytes())
        .unwrap();
    refused(r, 413, "payload_too_large");
    // Huge headers: a 431, or the connection closed while we are still writing.
    let r = http
        .get(url("/v1/health"))
        .header("X-Filler", "x".repeat(100 * 1024))
        .call();
    match r {
        Ok(r) => assert_eq!(r.status().as_u16(), 431),
        Err(ureq::Error::Io(e)) => assert!(
            matches!(
                e.kind(),
                std::io::ErrorKind::BrokenPipe
                    | std::io::ErrorKind::ConnectionReset
                    | std::io::ErrorKind::UnexpectedEof
            ),
            "{e}"
        ),
        Err(e) => panic!("unexpected error {e}"),
    }
    // No token, bad token, unknown path, wrong method, odd ids.
    let r = http.get(url("/v1/documents")).call().unwrap();
    assert_eq!(status_json(r).1["error"]["code"], "unauthenticated");
    let r = http
        .get(url("/v1/documents"))
        .header("Authorization", "Bearer forged")
        .call()
        .unwrap();
    assert_eq!(r.status().as_u16(), 401);
    let r = http.get(url("/v1/nothing-here")).call().unwrap();
    refused(r, 404, "not_found");
    let r = http.put(url("/v1/documents")).send_empty().unwrap();
    refused(r, 405, "method_not_allowed");
    for odd in ["..%2F..%2Fetc", "ZZZZ", "0000000000000000000000000000000g"] {
        let r = http
            .get(url(&format!("/v1/documents/{odd}/content")))
            .header("Authorization", &bearer)
            .call()
            .unwrap();
        assert_eq!(r.status().as_u16(), 404, "{odd}");
    }
    // A malformed query string.
    let r = http
        .get(url("/v1/journal/consistency?from=x&to=2"))
        .call()
        .unwrap();
    refused(r, 400, "bad_request");
    let r = http
        .get(url("/v1/journal/consistency?from=5&to=2"))
        .call()
        .unwrap();
    assert_eq!(status_json(r).0, 400);
    // English when asked.
    let r = http
        .get(url("/v1/documents"))
        .header("Accept-Language", "en-GB")
        .call()
        .unwrap();
    let (_, body) = status_json(r);
    assert_eq!(
        body["error"]["message"],
        "You are not logged in. Log in with \"coffre login\"."
    );
    // Arabic for an Arabic page: the sentence comes from the shared catalogue.
    let r = http
        .get(url("/v1/documents"))
        .header("Accept-Language", "ar")
        .call()
        .unwrap();
    let (_, body) = status_json(r);
    let message = body["error"]["message"].as_str().unwrap_or("");
    assert_eq!(body["error"]["code"], "unauthenticated");
    assert!(
        message
            .chars()
            .any(|c| ('\u{0600}'..='\u{06FF}').contains(&c)),
        "not Arabic: {message}"
    );
    // A sentence with a value names it (never a raw placeholder), and only when it is
    // a user name: a mediator who does not exist.
    let token = alice.token();
    for (asked, status, code) in [
        ("personne.inconnue", 404, "mediator_not_found"),
        ("x%7B%24value%7D", 400, "invalid_user_name"),
    ] {
        let r = http
            .get(url(&format!("/v1/mediators/{asked}")))
            .header("Authorization", &format!("Bearer {token}"))
            .call()
            .unwrap();
        let (got, body) = status_json(r);
        assert_eq!((got, body["error"]["code"].as_str()), (status, Some(code)));
        let message = body["error"]["message"].as_str().unwrap();
        assert!(
            !message.contains('{') && !message.contains('$'),
            "{message}"
        );
        assert_eq!(
            message.contains("personne.inconnue"),
            status == 404,
            "{message}"
        );
    }
    // Still up and serving.
    let r = http.get(url("/v1/health")).call().unwrap();
    assert_eq!(status_json(r).1["status"], "ok");
    assert!(alice.list().is_empty());
}

#[test]
fn plain_http_is_not_served() {
    let d = Daemon::start();
    let plain = d.url.replace("https://", "http://");
    let agent: ureq::Agent = ureq::Agent::config_builder()
        .http_status_as_error(false)
        .timeout_global(Some(std::time::Duration::from_secs(5)))
        .build()
        .into();
    let r = agent.get(format!("{plain}/v1/health")).call();
    assert!(r.is_err() || !r.unwrap().status().is_success());
    let r = crate::harness::agent(&d)
        .get(format!("{}/v1/health", d.url))
        .call()
        .unwrap();
    assert_eq!(r.status().as_u16(), 200);
}

const IMPATIENT: &str = r#"
[timeouts]
handshake_secs = 1
header_read_secs = 1
body_idle_secs = 1
"#;

#[test]
fn slow_clients_are_cut_off() {
    use std::io::Read;
    use std::time::{Duration, Instant};
    let d = Daemon::start_with(Some(IMPATIENT));
    let alice = d.user("alice");
    alice.register();
    // A client that connects and never starts TLS.
    let addr = d.url.trim_start_matches("https://");
    let mut tcp = std::net::TcpStream::connect(addr).unwrap();
    tcp.set_read_timeout(Some(Duration::from_secs(10))).unwrap();
    let start = Instant::now();
    let mut buf = [0u8; 16];
    let n = tcp.read(&mut buf).unwrap_or(0);
    assert_eq!(n, 0, "the server closes the connection");
    assert!(start.elapsed() < Duration::from_secs(5));
    // An upload that stalls is abandoned and discarded.
    let (release_tx, release_rx) = std::sync::mpsc::channel::<()>();
    let body = crate::durability::Stalling::new(64 * 1024, release_rx);
    // The client stalls for 3 s, three times the allowed silence.
    std::thread::spawn(move || {
        std::thread::sleep(Duration::from_secs(3));
        drop(release_tx);
    });
    let r = agent(&d)
        .post(format!("{}/v1/uploads", d.url))
        .header("Authorization", format!("Bearer {}", alice.token()))
        .content_type("application/octet-stream")
        .send(ureq::SendBody::from_owned_reader(body));
    if let Ok(r) = r {
        let (status, body) = status_json(r);
        assert_eq!(
            (status, body["error"]["code"].as_str()),
            (400, Some("upload_incomplete"))
        );
    }
    assert_eq!(
        std::fs::read_dir(d.data.join("blobs/staging"))
            .unwrap()
            .count(),
        0
    );
    assert!(alice.list().is_empty());
}

/// Every answer, success or error, JSON or bytes, carries the headers a browser
/// needs to keep it out of caches, sniffing, referrers, frames and scripts.
#[test]
fn every_answer_carries_the_security_headers() {
    let d = Daemon::start();
    let alice = d.user("alice");
    alice.register();
    let files = tempfile::tempdir().unwrap();
    let id = alice.add(
        &crate::harness::random_file(files.path(), "a.pdf", 100),
        &[],
    );
    let http = agent(&d);
    let bearer = format!("Bearer {}", alice.token());
    let answers = [
        http.get(format!("{}/v1/health", d.url)).call().unwrap(),
        http.get(format!("{}/v1/nowhere", d.url)).call().unwrap(),
        http.get(format!("{}/v1/documents", d.url)).call().unwrap(),
        http.get(format!("{}/v1/documents", d.url))
            .header("Authorization", &bearer)
            .call()
            .unwrap(),
        http.get(format!("{}/v1/documents/{id}/content", d.url))
            .header("Authorization", &bearer)
            .call()
            .unwrap(),
    ];
    for r in answers {
        let h = r.headers();
        let get = |n: &str| h.get(n).and_then(|v| v.to_str().ok()).unwrap_or("");
        assert_eq!(get("cache-control"), "no-store", "{r:?}");
        assert_eq!(get("x-content-type-options"), "nosniff");
        assert_eq!(get("referrer-policy"), "no-referrer");
        assert!(get("strict-transport-security").starts_with("max-age="));
        assert_eq!(
            get("content-security-policy"),
            "default-src 'none'; frame-ancestors 'none'"
        );
    }
}

/// A store's "not found" is a domain answer chosen where it is met, never a login
/// error: an impossible consistency range is a bad request (it used to answer 401).
#[test]
fn a_missing_record_is_never_an_authentication_error() {
    let d = Daemon::start();
    let r = agent(&d)
        .get(format!("{}/v1/journal/consistency?from=5&to=2", d.url))
        .call()
        .unwrap();
    let (status, body) = status_json(r);
    assert_eq!(
        (status, body["error"]["code"].as_str()),
        (400, Some("bad_request"))
    );
    let r = agent(&d)
        .post(format!("{}/v1/admin/mediators/nobody/disable", d.url))
        .header("Authorization", format!("Bearer {}", d.admin_token()))
        .send_empty()
        .unwrap();
    let (status, body) = status_json(r);
    assert_eq!(
        (status, body["error"]["code"].as_str()),
        (404, Some("mediator_not_found"))
    );
}
