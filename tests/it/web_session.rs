//! The web client's session: an HttpOnly cookie, never a token in a body the page
//! could read, and changes refused without the CSRF header (what a form or an image
//! on another site could make a browser send). The CLI's bearer token is unchanged.

use coffre::api::{KdfParams, LoginRequest, PreloginResponse};
use coffre::crypto::passphrase::RootKey;
use coffre::crypto::SecretString;

use crate::harness::{agent, random_file, status_json, Daemon, PASS};

/// Logs in as the web client does; returns the `Set-Cookie` value and the body.
fn web_login(d: &Daemon, user: &str) -> (String, serde_json::Value) {
    web_login_in(d, user, None)
}

/// Logs in as the web client does, in the session `slot` (`accompanied`) if given.
fn web_login_in(d: &Daemon, user: &str, slot: Option<&str>) -> (String, serde_json::Value) {
    let a = agent(d);
    let pre: PreloginResponse = a
        .post(format!("{}/v1/prelogin", d.url))
        .send_json(serde_json::json!({ "user": user }))
        .unwrap()
        .into_body()
        .read_json()
        .unwrap();
    let kdf: KdfParams = pre.kdf;
    let root = RootKey::derive(
        &SecretString::from(PASS.to_owned()),
        pre.salt.as_slice(),
        kdf,
    )
    .unwrap();
    let login = LoginRequest {
        user: user.into(),
        auth_key: root.auth_key().to_wire(),
    };
    let mut request = a
        .post(format!("{}/v1/sessions", d.url))
        .header("X-Coffre-Client", "web");
    if let Some(slot) = slot {
        request = request.header("X-Coffre-Slot", slot);
    }
    let r = request.send_json(&login).unwrap();
    let cookie = r
        .headers()
        .get("set-cookie")
        .expect("a session cookie")
        .to_str()
        .unwrap()
        .to_owned();
    let (status, body) = status_json(r);
    assert_eq!(status, 200, "{body}");
    (cookie, body)
}

/// Sends `method path` with the session `cookie` (and the CSRF header if `csrf`);
/// returns the status and the answer's `Set-Cookie`, if any.
fn with_cookie(d: &Daemon, method: &str, path: &str, cookie: &str, csrf: bool) -> (u16, String) {
    let url = format!("{}{path}", d.url);
    let a = agent(d);
    let mut request = match method {
        "DELETE" => a.delete(&url),
        _ => a.get(&url),
    }
    .header("Cookie", cookie);
    if csrf {
        request = request.header("X-Coffre-CSRF", "1");
    }
    let r = request.call().unwrap();
    let set = r
        .headers()
        .get("set-cookie")
        .map(|v| v.to_str().unwrap().to_owned())
        .unwrap_or_default();
    (r.status().as_u16(), set)
}

#[test]
fn the_web_session_is_an_httponly_cookie_and_changes_need_the_csrf_header() {
    let d = Daemon::start();
    let mme = d.user("mme.b");
    mme.register();
    let files = tempfile::tempdir().unwrap();
    let id = mme.add(&random_file(files.path(), "a.pdf", 1000), &[]);
    let (set_cookie, body) = web_login(&d, "mme.b");
    for part in [
        "__Host-coffre_session=",
        "HttpOnly",
        "Secure",
        "SameSite=Strict",
        "Path=/;",
    ] {
        assert!(set_cookie.contains(part), "{part} missing: {set_cookie}");
    }
    // A browser-session cookie: it ends with the browser.
    assert!(!set_cookie.contains("Max-Age"), "{set_cookie}");
    // Nothing the page's scripts could read.
    assert_eq!(body["token"], "");
    assert_eq!(body["session_key"], "");
    let cookie = set_cookie.split(';').next().unwrap().to_owned();
    let call = |method, path: &str, csrf| with_cookie(&d, method, path, &cookie, csrf).0;
    let content = format!("/v1/documents/{id}/content");
    let document = format!("/v1/documents/{id}");

    // Even a read needs the CSRF header with the cookie (a download writes to the
    // journal: an <img> on a sibling site must not be able to make one).
    assert_eq!(call("GET", &content, false), 403);
    assert_eq!(call("GET", "/v1/documents", true), 200);
    // The CLI's session-file key is never handed to a browser session.
    assert_eq!(call("GET", "/v1/sessions/current/key", true), 404);
    // A second session cookie tossed in by a related domain: refused.
    let tossed = format!("{cookie}; __Host-coffre_session=tossed");
    assert_eq!(
        with_cookie(&d, "GET", "/v1/documents", &tossed, true).0,
        403
    );
    // A change without the CSRF header is refused (csrf_required), nothing changes.
    let r = agent(&d)
        .delete(format!("{}{document}", d.url))
        .header("Cookie", &cookie)
        .call()
        .unwrap();
    let (status, body) = status_json(r);
    assert_eq!(status, 403, "{body}");
    assert_eq!(body["error"]["code"], "csrf_required");
    assert_eq!(mme.list().len(), 1);
    // With it, the change goes through.
    assert_eq!(call("DELETE", &document, true), 204);
    assert!(mme.list().is_empty());

    // Logging out clears the cookie, and the old one opens nothing.
    let (status, cleared) = with_cookie(&d, "DELETE", "/v1/sessions/current", &cookie, true);
    assert_eq!(status, 204);
    assert!(cleared.contains("Max-Age=0"), "{cleared}");
    assert_eq!(call("GET", "/v1/documents", true), 401);
    // The CLI (a bearer token, its own session) is untouched by all this.
    assert!(mme.list().is_empty());
}

/// A browser session left unused ends on the server, whatever became of its page
/// (a laptop put to sleep, a tab whose closing was never heard); a CLI session is
/// not concerned.
#[test]
fn an_idle_browser_session_ends_on_the_server() {
    let d = Daemon::start_with(Some("[timeouts]\nweb_session_idle_secs = 2\n"));
    let mme = d.user("mme.b");
    mme.register();
    let (set_cookie, _) = web_login(&d, "mme.b");
    let cookie = set_cookie.split(';').next().unwrap().to_owned();
    let list = || {
        agent(&d)
            .get(format!("{}/v1/documents", d.url))
            .header("Cookie", &cookie)
            .header("X-Coffre-CSRF", "1")
            .call()
            .unwrap()
    };
    // Used within the limit, it lives on.
    for _ in 0..3 {
        assert_eq!(
            with_cookie(&d, "GET", "/v1/documents", &cookie, true).0,
            200
        );
        std::thread::sleep(std::time::Duration::from_millis(1200));
    }
    std::thread::sleep(std::time::Duration::from_millis(2500));
    let (status, body) = status_json(list());
    assert_eq!(status, 401, "{body}");
    assert_eq!(body["error"]["code"], "session_expired");
    // Ended for good, not only refused once.
    let (status, body) = status_json(list());
    assert_eq!(status, 401, "{body}");
    assert_eq!(body["error"]["code"], "unauthenticated");
    assert!(mme.list().is_empty(), "the CLI's session is not concerned");
}

/// « Session accompagnée »: the citizen's session beside the mediator's, in its own
/// HttpOnly cookie selected by `X-Coffre-Slot`; each request speaks for the session
/// it names, and the citizen leaving ends hers only.
#[test]
fn an_accompanied_citizen_has_her_own_cookie_beside_the_mediators() {
    let d = Daemon::start();
    let (_social, _) = d.mediator("f.benali", "Fatima Benali", "CCAS");
    let mme = d.user("mme.b");
    mme.register();
    let (mediator_cookie, _) = web_login(&d, "f.benali");
    let (citizen_cookie, body) = web_login_in(&d, "mme.b", Some("accompanied"));
    assert!(
        citizen_cookie.starts_with("__Host-coffre_accompanied="),
        "{citizen_cookie}"
    );
    for part in ["HttpOnly", "Secure", "SameSite=Strict", "Path=/"] {
        assert!(citizen_cookie.contains(part), "{citizen_cookie}");
    }
    assert_eq!(body["token"], "");
    let pair = |set: &str| set.split(';').next().unwrap().to_owned();
    let both = format!("{}; {}", pair(&mediator_cookie), pair(&citizen_cookie));
    let whoami = |slot: Option<&str>| -> (u16, serde_json::Value) {
        let mut r = agent(&d)
            .get(format!("{}/v1/account", d.url))
            .header("Cookie", &both)
            .header("X-Coffre-CSRF", "1");
        if let Some(slot) = slot {
            r = r.header("X-Coffre-Slot", slot);
        }
        status_json(r.call().unwrap())
    };
    // Each request speaks for the session it names, whatever cookies ride along.
    let (status, me) = whoami(None);
    assert_eq!(
        (status, me["user"].as_str()),
        (200, Some("f.benali")),
        "{me}"
    );
    let (status, her) = whoami(Some("accompanied"));
    assert_eq!(
        (status, her["user"].as_str()),
        (200, Some("mme.b")),
        "{her}"
    );
    // She leaves: her cookie is cleared and her session ended; the mediator's stays.
    let r = agent(&d)
        .delete(format!("{}/v1/sessions/current", d.url))
        .header("Cookie", &both)
        .header("X-Coffre-CSRF", "1")
        .header("X-Coffre-Slot", "accompanied")
        .call()
        .unwrap();
    let cleared = r
        .headers()
        .get("set-cookie")
        .unwrap()
        .to_str()
        .unwrap()
        .to_owned();
    assert!(
        cleared.starts_with("__Host-coffre_accompanied=;") && cleared.contains("Max-Age=0"),
        "{cleared}"
    );
    assert_eq!(whoami(Some("accompanied")).0, 401);
    assert_eq!(whoami(None).1["user"], "f.benali");
}
