//! A hostile server (a proxy rewriting the real daemon's answers) against the
//! citizen's and the mediator's clients: each test plays one attack from the review
//! of issue 7 and checks that the client refuses it.

use coffre::crypto::server::LogKey;
use coffre::journal::checkpoint;

use crate::harness::{random_file, Daemon, User};
use crate::proxy::Proxy;

/// A person whose client talks to the proxy instead of the daemon.
fn behind(d: &Daemon, p: &Proxy, name: &str) -> User {
    let mut u = d.user(name);
    u.url = p.url.clone();
    u
}

/// The real checkpoint's tree, signed again by `key` under `origin`.
fn resign(note: &str, origin: &str, key: &LogKey) -> String {
    let (body, _) = note.rsplit_once("\n\n").unwrap();
    let mut lines: Vec<&str> = body.split('\n').collect();
    lines[0] = origin;
    let body = format!("{}\n", lines.join("\n"));
    let id = checkpoint::key_id(origin, &key.public_key());
    checkpoint::note(&body, origin, id, &key.sign(body.as_bytes()))
}

/// The hostile server announces another journal origin, with a key of its own and
/// the real tree signed again: a fresh trust-on-first-use would hide the history
/// the client saw and clear an alarm already raised.
fn announce_another_origin(p: &Proxy, origin: &'static str) {
    let key = std::sync::Arc::new(LogKey::generate());
    p.set(move |_, path, status, body| {
        if path.starts_with("/v1/journal/key") {
            let vkey = checkpoint::verifier_key(origin, &key.public_key());
            let v = serde_json::json!({ "origin": origin, "vkey": vkey });
            return (200, serde_json::to_vec(&v).unwrap());
        }
        if path.starts_with("/v1/journal/checkpoint") {
            let v: serde_json::Value = serde_json::from_slice(&body).unwrap();
            let note = resign(v["checkpoint"].as_str().unwrap(), origin, &key);
            let v = serde_json::json!({ "checkpoint": note });
            return (200, serde_json::to_vec(&v).unwrap());
        }
        (status, body)
    });
}

#[test]
fn another_announced_origin_does_not_reset_the_pin() {
    let d = Daemon::start();
    let p = Proxy::start(&d);
    let alice = behind(&d, &p, "alice");
    alice.register();
    let files = tempfile::tempdir().unwrap();
    alice.add(
        &random_file(files.path(), "a.pdf", 1000),
        &["--title", "Avis"],
    );
    alice.ok(&["journal"]);

    announce_another_origin(&p, "coffre.example/journal/v1");
    let err = alice.fails(&["list"], 1);
    assert!(err.trim_end().ends_with("[journal_key_changed]"), "{err}");
    // A third origin does not clear the alarm either...
    announce_another_origin(&p, "autre.example/journal/v1");
    let err = alice.fails(&["journal"], 1);
    assert!(err.trim_end().ends_with("[journal_key_changed]"), "{err}");
    // ...nor does the server going back to honest answers: the citizen must act.
    p.honest();
    let err = alice.fails(&["list"], 1);
    assert!(err.trim_end().ends_with("[journal_key_changed]"), "{err}");
}

#[test]
fn a_device_recovering_with_the_kit_pins_the_kits_journal() {
    let d = Daemon::start();
    let p = Proxy::start(&d);
    let alice = behind(&d, &p, "alice");
    let kit = alice.register();
    let text = std::fs::read_to_string(&kit).unwrap();
    assert!(
        text.contains("Clé du journal : localhost/journal/v1+"),
        "{text}"
    );
    // A new device, a server announcing another journal: the kit's pin wins.
    announce_another_origin(&p, "coffre.example/journal/v1");
    let fresh = behind(&d, &p, "alice");
    fresh.ok(&["recover", "alice", "--kit", kit.to_str().unwrap()]);
    let err = fresh.fails(&["list"], 1);
    assert!(err.trim_end().ends_with("[journal_key_changed]"), "{err}");
}

/// The server swaps the mediator's keys for keys of its own when the citizen's client
/// asks for them: the code on the mediator's screen no longer matches, and a swap of
/// the age recipient alone breaks the key binding.
#[test]
fn substituted_mediator_keys_share_nothing() {
    let d = Daemon::start();
    let p = Proxy::start(&d);
    let (_social, code) = d.mediator("f.benali", "Fatima Benali", "CCAS d'Albi");
    assert_eq!(code.chars().filter(char::is_ascii_digit).count(), 28);
    let mme = behind(&d, &p, "mme.b");
    mme.register();
    let files = tempfile::tempdir().unwrap();
    let tax = mme.add(&random_file(files.path(), "avis.pdf", 1000), &[]);
    let share = |mme: &User| {
        mme.run(&[
            "share",
            &tax,
            "--to",
            "f.benali",
            "--for",
            "1h",
            "--safety-code",
            &code,
        ])
    };
    for whole in [true, false] {
        let server = coffre::crypto::identity::Identity::generate().public_keys();
        p.set(move |_, path, status, body| {
            if !path.starts_with("/v1/mediators/") {
                return (status, body);
            }
            let mut card: serde_json::Value = serde_json::from_slice(&body).unwrap();
            let keys = serde_json::to_value(&server).unwrap();
            if whole {
                card["keys"] = keys;
            } else {
                card["keys"]["age_recipient"] = keys["age_recipient"].clone();
            }
            (status, serde_json::to_vec(&card).unwrap())
        });
        let out = share(&mme);
        let err = String::from_utf8_lossy(&out.stderr);
        assert!(!out.status.success(), "{err}");
        let expected = if whole {
            "[safety_code_mismatch]"
        } else {
            "[protocol_error]"
        };
        assert!(err.contains(expected), "{err}");
    }
    p.honest();
    assert_eq!(mme.ok(&["--json", "grants"]).trim(), "[]");
    assert!(share(&mme).status.success());
}

/// An account must hold the signing key that vouches for its age recipient: a
/// registration announcing someone else's recipient is refused.
#[test]
fn keys_without_proof_of_possession_are_refused() {
    let d = Daemon::start();
    let pass = coffre::crypto::SecretString::from(crate::harness::PASS.to_owned());
    let (mut req, _, _) = coffre::client::account::registration("eve", &pass).unwrap();
    let victim = coffre::crypto::identity::Identity::generate().public_keys();
    req.keys.age_recipient = victim.age_recipient;
    let r = crate::harness::agent(&d)
        .post(&format!("{}/v1/accounts", d.url))
        .send_json(&req)
        .unwrap();
    let (status, body) = crate::harness::status_json(r);
    assert_eq!(status, 400, "{body}");
    assert_eq!(body["error"]["code"], "bad_request");
}
