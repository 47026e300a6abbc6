//! Behind a reverse proxy: the per-address limits apply to the address the
//! configured trusted proxy forwards (`X-Forwarded-For`), never to the proxy's own
//! (which would make one budget for the whole town), and a forwarded address from
//! anyone else is ignored (it would let anyone pick a fresh budget per request).

use crate::harness::{agent, status_json, Daemon};

/// Fails one login for an unknown user as if from `client` (through the proxy);
/// returns the error code.
fn fail_login(d: &Daemon, client: &str, i: usize) -> String {
    let body = serde_json::json!({
        "user": format!("personne{i}"),
        "auth_key": "AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA=",
    });
    let answer = agent(d)
        .post(format!("{}/v1/sessions", d.url))
        .header("X-Forwarded-For", client)
        .send_json(&body)
        .unwrap();
    let (_, v) = status_json(answer);
    v["error"]["code"].as_str().unwrap_or("").to_owned()
}

const LIMITS: &str = "[limits]\nlogin_failures_per_ip = 3\nlogin_failures_per_account = 50\n";

#[test]
fn behind_a_trusted_proxy_each_citizen_has_her_own_attempt_budget() {
    let d = Daemon::start_with(Some(&format!(
        "trusted_proxies = [\"127.0.0.1\"]\n{LIMITS}"
    )));
    for i in 0..3 {
        assert_eq!(fail_login(&d, "198.51.100.7", i), "bad_credentials");
    }
    // The fourth from that address is held back...
    assert_eq!(fail_login(&d, "198.51.100.7", 3), "too_many_attempts");
    // ...but not another citizen behind the same proxy, nor one whose client
    // put a made-up address before the one the proxy appended.
    assert_eq!(fail_login(&d, "198.51.100.8", 4), "bad_credentials");
    assert_eq!(
        fail_login(&d, "203.0.113.1, 198.51.100.7", 5),
        "too_many_attempts"
    );
}

#[test]
fn one_ipv6_network_cannot_rotate_through_login_budgets() {
    let d = Daemon::start_with(Some(&format!(
        "trusted_proxies = [\"127.0.0.1\"]\n{LIMITS}"
    )));
    // A subscriber holds a whole /64: a fresh address per guess is free for her.
    for i in 0..3 {
        let client = format!("2001:db8:7:7::{:x}", i + 1);
        assert_eq!(fail_login(&d, &client, i), "bad_credentials");
    }
    assert_eq!(fail_login(&d, "2001:db8:7:7::99", 3), "too_many_attempts");
    assert_eq!(
        fail_login(&d, "2001:db8:7:7:ffff:1:2:3", 4),
        "too_many_attempts"
    );
    // The next network is someone else.
    assert_eq!(fail_login(&d, "2001:db8:7:8::1", 5), "bad_credentials");
    // An IPv4 client seen through an IPv6 socket is its IPv4 address.
    for i in 0..3 {
        assert_eq!(fail_login(&d, "192.0.2.9", 10 + i), "bad_credentials");
    }
    assert_eq!(fail_login(&d, "::ffff:192.0.2.9", 13), "too_many_attempts");
}

#[test]
fn a_forwarded_address_from_an_untrusted_peer_is_ignored() {
    let d = Daemon::start_with(Some(LIMITS));
    for i in 0..3 {
        assert_eq!(
            fail_login(&d, &format!("198.51.100.{i}"), i),
            "bad_credentials"
        );
    }
    // Every "address" was the peer's own: its budget is spent.
    assert_eq!(fail_login(&d, "198.51.100.99", 3), "too_many_attempts");
    // Nor is a request id it sends written in the log: a fresh one is.
    let answer = agent(&d)
        .get(format!("{}/v1/health", d.url))
        .header("X-Request-Id", "forged-id")
        .call()
        .unwrap();
    assert_ne!(answer.headers()["x-request-id"], "forged-id");
}

/// Behind a trusted proxy, one citizen's address holds at most
/// `max_connections_per_ip` requests at once (downloads to their last byte), as a
/// direct connection would; others behind the same proxy are not held back.
#[test]
fn behind_a_trusted_proxy_one_address_cannot_hold_every_place() {
    let d = Daemon::start_with(Some(
        "trusted_proxies = [\"127.0.0.1\"]\n[limits]\nmax_connections_per_ip = 2\n",
    ));
    let mme = d.user("mme.b");
    mme.register();
    let files = tempfile::tempdir().unwrap();
    let doc = mme.add(
        &crate::harness::random_file(files.path(), "gros.pdf", 24 << 20),
        &[],
    );
    let token = mme.token();
    let from = |client: &str, path: &str| {
        // A fresh agent each time: one connection per request, as nginx opens them.
        agent(&d)
            .get(format!("{}{path}", d.url))
            .header("X-Forwarded-For", client)
            .header("Authorization", format!("Bearer {token}"))
            .call()
            .unwrap()
    };
    // Two downloads left unread: they hold 198.51.100.7's two places.
    let content = format!("/v1/documents/{doc}/content");
    let held = [
        from("198.51.100.7", &content),
        from("198.51.100.7", &content),
    ];
    assert!(held.iter().all(|r| r.status() == 200));
    let third = from("198.51.100.7", "/v1/health");
    assert_eq!(third.status(), 503);
    assert!(third.headers().contains_key("retry-after"));
    assert_eq!(from("198.51.100.8", "/v1/health").status(), 200);
    // Once they end, her places come back.
    drop(held);
    let mut back = false;
    for _ in 0..50 {
        if from("198.51.100.7", "/v1/health").status() == 200 {
            back = true;
            break;
        }
        std::thread::sleep(std::time::Duration::from_millis(100));
    }
    assert!(back, "the places were not given back");
}
