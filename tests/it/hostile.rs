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
    let share = |mme: &User| mme.share_with(&tax, &code, &[]);
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

/// A person's age recipient, as her session file records it.
fn recipient_of(u: &User) -> String {
    let text = std::fs::read_to_string(u.home.path().join("session.json")).unwrap();
    let v: serde_json::Value = serde_json::from_str(&text).unwrap();
    v["keys"]["age_recipient"].as_str().unwrap().to_owned()
}

/// A document the server makes up: a "tax notice" sealed to `recipient`, which the
/// server can do with public keys alone. Returns (meta, envelope, payload) as the
/// API carries them.
fn forged_document(recipient: &str, plaintext: &[u8]) -> (String, String, Vec<u8>) {
    use base64::Engine;
    use coffre::crypto::document::DocumentKey;
    let key = DocumentKey::generate();
    let mut payload = Vec::new();
    let summary = key.encrypt_stream(plaintext, &mut payload).unwrap();
    let meta = coffre::api::DocumentMeta {
        title: "Avis d'imposition 2025".into(),
        category: coffre::api::Category::Tax,
        issued: None,
        expires: None,
        mime: "application/pdf".into(),
        size: summary.bytes,
        sha256: coffre::crypto::hex(&summary.sha256),
    };
    let b64 = |b: &[u8]| base64::engine::general_purpose::STANDARD.encode(b);
    (
        b64(&key.seal_meta(&meta)),
        b64(&key.envelope_to(recipient).unwrap()),
        payload,
    )
}

/// From now on the hostile server shows, in place of every document (records, lists
/// and contents), one of its own making sealed to `recipient`.
fn serve_forgery(p: &Proxy, recipient: &str, plaintext: &[u8]) {
    let (meta, envelope, payload) = forged_document(recipient, plaintext);
    p.set(move |_, path, status, body| {
        if path.ends_with("/content") {
            return (status, payload.clone());
        }
        if path.starts_with("/v1/documents") || path.starts_with("/v1/shared") {
            let mut v: serde_json::Value = serde_json::from_slice(&body).unwrap();
            for doc in each_document(&mut v) {
                doc["meta"] = meta.clone().into();
                doc["envelope"] = envelope.clone().into();
            }
            return (status, serde_json::to_vec(&v).unwrap());
        }
        (status, body)
    });
}

/// A citizen who shared one document, titled `title`, with a mediator whose client
/// talks to the hostile proxy.
struct Shared {
    _d: Daemon,
    p: Proxy,
    social: User,
    mme: User,
    tax: String,
    _files: tempfile::TempDir,
}

/// The documents of an answer: a list's items, or the one record.
fn each_document(v: &mut serde_json::Value) -> Vec<&mut serde_json::Value> {
    if v.is_array() {
        v.as_array_mut().unwrap().iter_mut().collect()
    } else {
        vec![v]
    }
}

fn shared_behind_proxy(title: &str) -> Shared {
    let d = Daemon::start();
    let p = Proxy::start(&d);
    let (mut social, code) = d.mediator("f.benali", "Fatima Benali", "CCAS d'Albi");
    social.point_to(&p.url);
    let mme = d.user("mme.b");
    mme.register();
    let files = tempfile::tempdir().unwrap();
    let tax = mme.add(
        &random_file(files.path(), "avis.pdf", 5000),
        &["--title", title],
    );
    mme.share_for_an_hour(&tax, &code);
    Shared {
        _d: d,
        p,
        social,
        mme,
        tax,
        _files: files,
    }
}

/// The server swaps a shared document for one of its own making, for the mediator's
/// eyes only: her client must refuse it, since the citizen never signed it.
#[test]
fn a_mediator_is_never_shown_a_document_the_citizen_did_not_sign() {
    let scene = shared_behind_proxy("Avis");
    let (p, social, mme, tax) = (&scene.p, &scene.social, &scene.mme, &scene.tax);
    // Honest: she sees it, with the citizen's safety code to compare.
    let out = social.ok(&["shared"]);
    assert!(out.contains("Avis"), "{out}");
    let mme_code = serde_json::from_str::<serde_json::Value>(&mme.ok(&["--json", "whoami"]))
        .unwrap()["safety_code"]
        .as_str()
        .unwrap()
        .to_owned();
    assert!(out.contains(&mme_code), "{out}");
    social.bytes(&["get", tax, "-o", "-"]);

    let recipient = recipient_of(social);
    serve_forgery(p, &recipient, b"faux avis: payez ici");
    let out = social.ok(&["--json", "shared"]);
    let listed: Vec<serde_json::Value> = serde_json::from_str(&out).unwrap();
    assert_eq!(listed[0]["title"], serde_json::Value::Null, "{out}");
    assert_eq!(listed[0]["verified"], false, "{out}");
    let err = social.fails(&["get", tax, "-o", "-"], 1);
    assert!(err.contains("[invalid_signature]"), "{err}");
}

/// The server stretches a grant (a year instead of an hour) or widens its purpose:
/// the mediator's client checks the citizen's signature and refuses.
#[test]
fn a_mediator_is_never_shown_a_grant_the_citizen_did_not_sign() {
    let scene = shared_behind_proxy("Avis");
    let (p, social, tax) = (&scene.p, &scene.social, &scene.tax);
    p.set(|_, path, status, body| {
        if path.starts_with("/v1/grants") {
            let mut v: serde_json::Value = serde_json::from_slice(&body).unwrap();
            for g in v.as_array_mut().unwrap() {
                let e = g["grant"]["expires_ms"].as_i64().unwrap();
                g["grant"]["expires_ms"] = (e + 364 * 86_400_000).into();
            }
            return (status, serde_json::to_vec(&v).unwrap());
        }
        (status, body)
    });
    let err = social.fails(&["get", tax, "-o", "-"], 1);
    assert!(err.contains("[invalid_signature]"), "{err}");
    let listed: Vec<serde_json::Value> =
        serde_json::from_str(&social.ok(&["--json", "shared"])).unwrap();
    assert_eq!(listed[0]["verified"], false);
}

/// The server slips a document of its own making into the citizen's vault (it can
/// seal anything to her public key): her client shows it as unreadable and refuses
/// to open it, since she never signed it.
#[test]
fn a_citizen_is_never_shown_a_document_she_did_not_deposit() {
    let d = Daemon::start();
    let p = Proxy::start(&d);
    let mme = behind(&d, &p, "mme.b");
    mme.register();
    let files = tempfile::tempdir().unwrap();
    let tax = mme.add(
        &random_file(files.path(), "avis.pdf", 500),
        &["--title", "Vrai"],
    );
    let recipient = recipient_of(&mme);
    serve_forgery(&p, &recipient, b"faux");
    let list = mme.list();
    assert_eq!(list[0]["title"], serde_json::Value::Null, "{list:?}");
    let err = mme.fails(&["get", &tax, "-o", "-"], 1);
    assert!(err.contains("[invalid_signature]"), "{err}");
}

/// Text from others (a title the citizen typed, a server's error message) never
/// drives the reader's terminal: escape sequences and bidi overrides are shown as
/// visible escapes, and the server refuses them in the names it stores.
#[test]
fn untrusted_text_never_drives_a_terminal() {
    let d = Daemon::start();
    let p = Proxy::start(&d);
    let (mut social, code) = d.mediator("f.benali", "Fatima Benali", "CCAS d'Albi");
    let mme = d.user("mme.b");
    mme.register();
    let files = tempfile::tempdir().unwrap();
    // OSC 52 writes the clipboard; U+202E reverses what follows.
    let evil = "Avis\u{1b}]52;c;cm0gLXJmIH4=\u{7}\u{202e}fdp.exe";
    let tax = mme.add(&random_file(files.path(), "a.pdf", 100), &["--title", evil]);
    mme.share_for_an_hour(&tax, &code);
    let clean = |out: &str| {
        assert!(
            !out.contains('\u{1b}') && !out.contains('\u{202e}') && !out.contains('\u{7}'),
            "{out:?}"
        );
        assert!(
            out.contains("\\u{1b}]52") && out.contains("\\u{202e}"),
            "{out:?}"
        );
    };
    clean(&mme.ok(&["list"]));
    clean(&social.ok(&["shared"]));
    clean(&mme.ok(&["journal"]));
    // A hostile server's error message.
    social.point_to(&p.url);
    p.set(|_, path, status, body| {
        if path.starts_with("/v1/shared") {
            let v = serde_json::json!({"error": {"code": "not_found",
                "message": "Session expirée.\u{1b}[2J\u{1b}[HMot de passe : "}});
            return (404, serde_json::to_vec(&v).unwrap());
        }
        (status, body)
    });
    let err = social.fails(&["shared"], 1);
    assert!(!err.contains('\u{1b}'), "{err:?}");
    // The server refuses hidden characters in the names it keeps.
    let r = crate::harness::agent(&d)
        .post(format!("{}/v1/admin/mediators", d.url))
        .header("Authorization", format!("Bearer {}", d.admin_token()))
        .send_json(serde_json::json!({
            "user": "eve.m", "name": "Fatima\u{202e}ilaneB", "structure": "CCAS"
        }))
        .unwrap();
    assert_eq!(r.status(), 400);
}

/// The server answers a login for another user name than the one typed (say
/// "Alice"): everything on the device is named after the user, the journal's pin
/// first, so the client refuses the answer rather than start afresh.
#[test]
fn the_server_cannot_choose_the_user_name() {
    let d = Daemon::start();
    let p = Proxy::start(&d);
    let alice = behind(&d, &p, "alice");
    alice.register();
    announce_another_origin(&p, "coffre.example/journal/v1");
    let err = alice.fails(&["list"], 1);
    assert!(err.trim_end().ends_with("[journal_key_changed]"), "{err}");
    p.set(|_, path, status, body| {
        if path.starts_with("/v1/sessions") && status == 200 {
            let mut v: serde_json::Value = serde_json::from_slice(&body).unwrap();
            v["user"] = "Alice".into();
            return (status, serde_json::to_vec(&v).unwrap());
        }
        (status, body)
    });
    let err = alice.fails(&["login", "alice"], 1);
    assert!(err.contains("[protocol_error]"), "{err}");
    p.honest();
    let err = alice.fails(&["list"], 1);
    assert!(err.trim_end().ends_with("[journal_key_changed]"), "{err}");
}

/// The server invents a citizen of the same name, with keys of its own: it signs a
/// grant and a document's seal with them, all consistent. The mediator's device
/// remembers the keys it first verified for her, and refuses.
#[test]
fn a_mediator_is_never_shown_an_invented_citizen() {
    use base64::Engine;
    use coffre::crypto::{hex, sha256};
    let b64 = base64::engine::general_purpose::STANDARD;
    let scene = shared_behind_proxy("Vrai");
    let (p, social, tax) = (&scene.p, &scene.social, &scene.tax);
    // First contact: the real citizen, verified and remembered.
    let listed: Vec<serde_json::Value> =
        serde_json::from_str(&social.ok(&["--json", "shared"])).unwrap();
    assert_eq!(listed[0]["verified"], true);
    let recipient = recipient_of(social);
    let (meta, envelope, payload) = forged_document(&recipient, b"faux avis");
    let fake = std::sync::Arc::new(coffre::crypto::identity::Identity::generate());
    let meta_bytes = b64.decode(&meta).unwrap();
    let digest = format!("{}.{}", hex(&sha256(&payload)), hex(&sha256(&meta_bytes)));
    p.set(move |_, path, status, body| {
        if path.ends_with("/content") {
            return (status, payload.clone());
        }
        let mut v: serde_json::Value = serde_json::from_slice(&body).unwrap_or_default();
        if path.starts_with("/v1/grants") {
            for g in v.as_array_mut().unwrap() {
                g["citizen_keys"] = serde_json::to_value(fake.public_keys()).unwrap();
                g["grant"]["digests"] = serde_json::json!([digest.clone()]);
                let grant: coffre::api::Grant = serde_json::from_value(g["grant"].clone()).unwrap();
                g["signature"] = b64.encode(fake.sign(&grant.canonical())).into();
            }
            return (status, serde_json::to_vec(&v).unwrap());
        }
        if path.starts_with("/v1/documents/") || path.starts_with("/v1/shared") {
            for doc in each_document(&mut v) {
                doc["meta"] = meta.clone().into();
                doc["envelope"] = envelope.clone().into();
                doc["payload_sha256"] = hex(&sha256(&payload)).into();
                doc["size"] = (payload.len() as u64).into();
                let seal = coffre::api::DocumentSeal {
                    origin: "localhost/journal/v1",
                    id: doc["id"].as_str().unwrap(),
                    owner: "mme.b",
                    size: payload.len() as u64,
                    payload_sha256: &hex(&sha256(&payload)),
                    meta_sha256: &hex(&sha256(&meta_bytes)),
                    envelope_sha256: doc["envelope_sha256"].as_str().unwrap(),
                };
                doc["signature"] = b64.encode(fake.sign(&seal.canonical())).into();
            }
            return (status, serde_json::to_vec(&v).unwrap());
        }
        (status, body)
    });
    let listed: Vec<serde_json::Value> =
        serde_json::from_str(&social.ok(&["--json", "shared"])).unwrap();
    assert_eq!(listed[0]["verified"], false, "{listed:?}");
    let err = social.fails(&["get", tax, "-o", "-"], 1);
    assert!(err.contains("[citizen_keys_changed]"), "{err}");
    // The way forward after an alert needs the code the citizen shows in person:
    // hers does not match the invented keys, so the alert stays.
    let whoami: serde_json::Value =
        serde_json::from_str(&scene.mme.ok(&["--json", "whoami"])).unwrap();
    let real = whoami["safety_code"].as_str().unwrap();
    let err = social.fails(&["trust-citizen", "mme.b", "--safety-code", real], 1);
    assert!(err.contains("[citizen_code_mismatch]"), "{err}");
    let err = social.fails(&["get", tax, "-o", "-"], 1);
    assert!(err.contains("[citizen_keys_changed]"), "{err}");
}

/// A server that answers with ids too short to show (the CLI used to slice the
/// first eight characters, and panicked): every client command refuses the answer
/// cleanly, with a stable code, and nothing crashes.
#[test]
fn ids_too_short_to_show_are_refused_not_a_crash() {
    let scene = shared_behind_proxy("Avis");
    let p = &scene.p;
    let mut mme = scene.mme.clone();
    mme.point_to(&p.url);
    p.set(|method, path, status, body| {
        if method != "GET" || path != "/v1/grants" {
            return (status, body);
        }
        let mut v: serde_json::Value = serde_json::from_slice(&body).unwrap();
        for item in v.as_array_mut().unwrap() {
            if let Some(g) = item.get_mut("grant").and_then(|g| g.as_object_mut()) {
                g.insert("id".into(), "ab".into());
            }
            if let Some(id) = item.get_mut("id") {
                *id = "ab".into();
            }
        }
        (status, serde_json::to_vec(&v).unwrap())
    });
    // Her list of shares, and the mediator's.
    for (who, command) in [(&mme, &["grants"][..]), (&scene.social, &["grants"][..])] {
        let out = who.run(command);
        let stderr = String::from_utf8_lossy(&out.stderr);
        assert_eq!(out.status.code(), Some(1), "{command:?}: {stderr}");
        assert!(stderr.contains("[protocol_error]"), "{command:?}: {stderr}");
        assert!(!stderr.contains("panicked"), "{command:?}: {stderr}");
    }
}

/// The owner signs the size she counted while sending, not the one the server
/// reports: a server that misreports it is caught before anything is signed.
#[test]
fn a_misreported_upload_size_is_caught_before_signing() {
    let d = Daemon::start();
    let p = Proxy::start(&d);
    let alice = behind(&d, &p, "alice");
    alice.register();
    p.set(|method, path, status, body| {
        if method == "POST" && path == "/v1/uploads" {
            let mut v: serde_json::Value = serde_json::from_slice(&body).unwrap();
            v["size"] = (v["size"].as_u64().unwrap() + 1).into();
            return (status, serde_json::to_vec(&v).unwrap());
        }
        (status, body)
    });
    let files = tempfile::tempdir().unwrap();
    let file = random_file(files.path(), "avis.pdf", 3000);
    let err = alice.fails(&["add", file.to_str().unwrap()], 1);
    assert!(err.contains("[integrity_failed]"), "{err}");
    p.honest();
    assert!(alice.list().is_empty());
}

/// After the citizen reviewed a journal change and said yes, the server presents an
/// older tree (signed with the very key she accepts, so a valid one) to hide what
/// came last. Her device pins exactly what she was shown, so the older tree reads
/// as a rollback, not as the state she accepted.
#[test]
fn accepting_a_change_pins_exactly_the_journal_shown() {
    use std::sync::atomic::{AtomicBool, Ordering};
    let mut d = Daemon::start();
    let mut alice = d.user("alice");
    alice.register();
    alice.ok(&["journal"]);
    d.crash();
    std::fs::remove_file(d.data.join("keys/journal-ed25519")).unwrap();
    let d = d.restart();
    // An early checkpoint under the new key, kept by the hostile server.
    let bob = d.user("bob");
    bob.register();
    let early = crate::harness::agent(&d)
        .get(format!("{}/v1/journal/checkpoint", d.url))
        .call()
        .unwrap();
    let early: serde_json::Value = early.into_body().read_json().unwrap();
    let files = tempfile::tempdir().unwrap();
    for i in 0..3 {
        bob.add(&random_file(files.path(), &format!("{i}.pdf"), 100), &[]);
    }
    let p = Proxy::start(&d);
    alice.point_to(&p.url);
    let accepted = std::sync::Arc::new(AtomicBool::new(false));
    let seen = std::sync::Arc::clone(&accepted);
    p.set(move |method, path, status, body| {
        if method == "POST" && path == "/v1/journal/accept-change" {
            seen.store(true, Ordering::SeqCst);
        }
        if seen.load(Ordering::SeqCst) && path == "/v1/journal/checkpoint" {
            return (200, serde_json::to_vec(&early).unwrap());
        }
        (status, body)
    });
    let err = alice.fails(&["journal", "accept-change", "--yes"], 1);
    assert!(accepted.load(Ordering::SeqCst), "{err}");
    assert!(err.trim_end().ends_with("[journal_rollback]"), "{err}");
    // The alarm stays until she acts again; on an honest server, accepting again
    // shows the journal with her first acceptance in it, and it verifies.
    p.honest();
    let err = alice.fails(&["journal"], 1);
    assert!(err.trim_end().ends_with("[journal_rollback]"), "{err}");
    alice.ok(&["journal", "accept-change", "--yes"]);
    let text = alice.ok(&["journal"]);
    assert!(text.contains("accepté un changement du journal"), "{text}");
}
