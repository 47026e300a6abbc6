//! Accounts: passphrases, sessions, attempt limits, passphrase change and recovery.

use crate::harness::{agent, random_file, status_json, Daemon};

#[test]
fn wrong_passphrase_is_refused_and_right_one_works() {
    let d = Daemon::start();
    let mut alice = d.user("alice");
    alice.register();
    alice.ok(&["logout"]);
    let err = alice.fails(&["list"], 1);
    assert!(err.contains("[not_logged_in]"), "{err}");
    let right = alice.passphrase.clone();
    alice.passphrase = "not the passphrase at all".into();
    let err = alice.fails(&["login", "alice"], 1);
    assert!(
        err.contains("Identifiant ou phrase de passe incorrect. [bad_credentials]"),
        "{err}"
    );
    // An unknown user gets the very same answer (no enumeration).
    let err = alice.fails(&["login", "nobody"], 1);
    assert!(err.contains("[bad_credentials]"), "{err}");
    alice.passphrase = right;
    alice.ok(&["login", "alice"]);
    let who: serde_json::Value = serde_json::from_str(&alice.ok(&["--json", "whoami"])).unwrap();
    assert_eq!(who["user"], "alice");
    assert_eq!(who["role"], "citizen");
    let code = who["safety_code"].as_str().unwrap();
    assert_eq!(code.len(), 34);
    assert_eq!(code.chars().filter(char::is_ascii_digit).count(), 28);
}

#[test]
fn prelogin_does_not_reveal_which_accounts_exist() {
    let d = Daemon::start();
    d.user("alice").register();
    let http = agent(&d);
    let pre = |user: &str| {
        let r = http
            .post(format!("{}/v1/prelogin", d.url))
            .send_json(serde_json::json!({ "user": user }))
            .unwrap();
        status_json(r)
    };
    let (s1, real) = pre("alice");
    let (s2, fake) = pre("mallory");
    let (_, fake_again) = pre("mallory");
    assert_eq!((s1, s2), (200, 200));
    assert_eq!(fake, fake_again, "fake salts must be stable");
    assert_eq!(real["kdf"], fake["kdf"]);
    assert_eq!(
        real["salt"].as_str().unwrap().len(),
        fake["salt"].as_str().unwrap().len()
    );
}

#[test]
fn repeated_failures_lock_the_account_for_a_while() {
    let d = Daemon::start();
    let mut alice = d.user("alice");
    alice.register();
    let right = alice.passphrase.clone();
    alice.passphrase = "wrong wrong wrong".into();
    for _ in 0..5 {
        let err = alice.fails(&["login", "alice"], 1);
        assert!(err.contains("[bad_credentials]"), "{err}");
    }
    let err = alice.fails(&["login", "alice"], 1);
    assert!(err.contains("[too_many_attempts]"), "{err}");
    alice.passphrase = right;
    let err = alice.fails(&["login", "alice"], 1);
    assert!(err.contains("[too_many_attempts]"), "{err}");
    assert!(err.contains("Réessayez dans"), "{err}");
    // Another account from the same address is not locked.
    d.user("bob").register();
}

#[test]
fn user_names_and_duplicates_are_refused_clearly() {
    let d = Daemon::start();
    let alice = d.user("alice");
    alice.register();
    let err = d.user("alice").fails(&["register", "alice"], 1);
    assert!(err.contains("[user_exists]"), "{err}");
    let err = d.user("x").fails(&["register", "a b"], 1);
    assert!(err.contains("[invalid_user_name]"), "{err}");
    let mut short = d.user("carole");
    short.passphrase = "court".into();
    let err = short.fails(&["register", "carole"], 1);
    assert!(err.contains("[passphrase_too_short]"), "{err}");
    // Mixed case is folded: "Alice" is alice.
    let err = d.user("x").fails(&["register", "Alice"], 1);
    assert!(err.contains("[user_exists]"), "{err}");
}

#[test]
fn passwd_changes_the_passphrase_and_keeps_documents() {
    let d = Daemon::start();
    let mut alice = d.user("alice");
    alice.register();
    let dir = tempfile::tempdir().unwrap();
    let file = random_file(dir.path(), "paie.pdf", 70_000);
    let id = alice.add(&file, &[]);
    let out = alice
        .command(&["passwd"])
        .env("COFFRE_NEW_PASSPHRASE", "une toute nouvelle phrase")
        .output()
        .unwrap();
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    // The session goes on with the new credentials.
    assert_eq!(alice.list().len(), 1);
    alice.ok(&["logout"]);
    let err = alice.fails(&["login", "alice"], 1);
    assert!(err.contains("[bad_credentials]"), "{err}");
    alice.passphrase = "une toute nouvelle phrase".into();
    alice.ok(&["login", "alice"]);
    let got = dir.path().join("back");
    alice.ok(&["get", &id, "-o", got.to_str().unwrap()]);
    assert_eq!(std::fs::read(got).unwrap(), std::fs::read(file).unwrap());
}

#[test]
fn recovery_kit_sets_a_new_passphrase_and_is_replaced() {
    let d = Daemon::start();
    let mut mme = d.user("mme.b");
    let kit = mme.register();
    let kit_text = std::fs::read_to_string(&kit).unwrap();
    assert!(kit_text.contains("Identifiant : mme.b"));
    assert!(kit_text.contains("AGE-SECRET-KEY-1"));
    let mode =
        std::os::unix::fs::PermissionsExt::mode(&std::fs::metadata(&kit).unwrap().permissions());
    assert_eq!(mode & 0o777, 0o600);
    let dir = tempfile::tempdir().unwrap();
    let old_kit = dir.path().join("ancien-kit.txt");
    std::fs::copy(&kit, &old_kit).unwrap();
    let file = random_file(dir.path(), "cni.jpg", 10_000);
    let id = mme.add(&file, &[]);
    mme.ok(&["logout"]);
    // She forgot her passphrase.
    mme.passphrase = "phrase choisie apres oubli".into();
    let new_kit = dir.path().join("nouveau-kit.txt");
    mme.ok(&[
        "recover",
        "mme.b",
        "--kit",
        old_kit.to_str().unwrap(),
        "--new-kit",
        new_kit.to_str().unwrap(),
    ]);
    assert_ne!(std::fs::read_to_string(&new_kit).unwrap(), kit_text);
    let out = dir.path().join("cni.out");
    mme.ok(&["get", &id, "-o", out.to_str().unwrap()]);
    assert_eq!(std::fs::read(out).unwrap(), std::fs::read(&file).unwrap());
    mme.ok(&["logout"]);
    mme.ok(&["login", "mme.b"]);
    // The used kit no longer works; the new one does.
    let err = mme.fails(&["recover", "mme.b", "--kit", old_kit.to_str().unwrap()], 1);
    assert!(err.contains("[bad_recovery_kit]"), "{err}");
    mme.passphrase = "encore une autre phrase".into();
    mme.ok(&["recover", "mme.b", "--kit", new_kit.to_str().unwrap()]);
    // A kit for someone else is refused before anything is sent.
    let err = mme.fails(&["recover", "bob", "--kit", new_kit.to_str().unwrap()], 1);
    assert!(err.contains("[bad_recovery_kit]"), "{err}");
    let bad = dir.path().join("pas-un-kit.txt");
    std::fs::write(&bad, "bonjour").unwrap();
    let err = mme.fails(&["recover", "mme.b", "--kit", bad.to_str().unwrap()], 1);
    assert!(err.contains("[invalid_kit]"), "{err}");
}

#[test]
fn sessions_end_at_logout_on_the_server_too() {
    let d = Daemon::start();
    let alice = d.user("alice");
    alice.register();
    let token = alice.token();
    alice.ok(&["logout"]);
    let r = agent(&d)
        .get(format!("{}/v1/documents", d.url))
        .header("Authorization", format!("Bearer {token}"))
        .call()
        .unwrap();
    let (status, body) = status_json(r);
    assert_eq!(status, 401);
    assert_eq!(body["error"]["code"], "unauthenticated");
}

/// 40 wrong logins at once on one account: the limit (5) holds under concurrency,
/// because an attempt is counted before its (slow) verification, not after.
#[test]
fn the_attempt_limit_holds_under_concurrency() {
    let d = Daemon::start();
    let alice = d.user("alice");
    alice.register();
    let url = format!("{}/v1/sessions", d.url);
    let agent = crate::harness::agent(&d);
    let wrong = serde_json::json!({ "user": "alice", "auth_key": "AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA=" });
    let threads: Vec<_> = (0..40)
        .map(|_| {
            let (agent, url, body) = (agent.clone(), url.clone(), wrong.clone());
            std::thread::spawn(move || {
                let r = agent.post(&url).send_json(&body).unwrap();
                let (_, v) = crate::harness::status_json(r);
                v["error"]["code"].as_str().unwrap_or("").to_owned()
            })
        })
        .collect();
    let codes: Vec<String> = threads.into_iter().map(|t| t.join().unwrap()).collect();
    let evaluated = codes.iter().filter(|c| *c == "bad_credentials").count();
    let refused = codes.iter().filter(|c| *c == "too_many_attempts").count();
    assert_eq!((evaluated, refused), (5, 35), "{codes:?}");
}

/// Wrong logins and wrong kits sent by someone else do not lock the citizen out of
/// recovery: recovery has its own counters, and repeated failures only slow it down
/// (delays that grow, never a lock).
#[test]
fn others_cannot_lock_a_citizen_out_of_recovery() {
    let d = Daemon::start();
    let alice = d.user("alice");
    let kit = alice.register();
    let mut mallory = d.user("alice");
    mallory.passphrase = "wrong wrong wrong".into();
    for _ in 0..8 {
        mallory.fails(&["login", "alice"], 1);
    }
    let dir = tempfile::tempdir().unwrap();
    let forged = dir.path().join("kit.txt");
    let other = d.user("zed");
    let other_kit = other.register();
    std::fs::copy(&other_kit, &forged).unwrap();
    let text = std::fs::read_to_string(&forged)
        .unwrap()
        .replace("zed", "alice");
    std::fs::write(&forged, text).unwrap();
    for _ in 0..6 {
        let err = mallory.fails(&["recover", "alice", "--kit", forged.to_str().unwrap()], 1);
        assert!(
            err.contains("[bad_recovery_kit]") || err.contains("[too_many_attempts]"),
            "{err}"
        );
    }
    // Login is locked for a while (a passphrase can be guessed)...
    let err = alice.fails(&["login", "alice"], 1);
    assert!(err.contains("[too_many_attempts]"), "{err}");
    // ...recovery with the real kit is not: at most a short, growing delay.
    std::thread::sleep(std::time::Duration::from_millis(2100));
    let fresh = d.user("alice");
    fresh.ok(&["recover", "alice", "--kit", kit.to_str().unwrap()]);
}

/// The session file never holds a private key in the clear, and once the session
/// ended (logout or expiry), a copy of it taken before opens nothing.
#[test]
fn a_session_file_opens_nothing_once_the_session_ended() {
    let d = Daemon::start();
    let alice = d.user("alice");
    alice.register();
    let file = alice.home.path().join("session.json");
    let text = std::fs::read_to_string(&file).unwrap();
    assert!(
        !text.to_ascii_uppercase().contains("AGE-SECRET-KEY"),
        "{text}"
    );
    let copy = std::fs::read(&file).unwrap();
    alice.ok(&["list"]);
    alice.ok(&["logout"]);
    // Someone restores the file taken before the logout.
    std::fs::write(&file, &copy).unwrap();
    let err = alice.fails(&["list"], 1);
    assert!(
        err.contains("[session_expired]") || err.contains("[not_logged_in]"),
        "{err}"
    );
    assert!(!file.exists(), "the useless file is removed");
}

/// A data directory that other users can enter is refused at start, with a message
/// that says how to fix it.
#[test]
fn a_shared_data_directory_is_refused() {
    use std::os::unix::fs::PermissionsExt;
    let mut d = Daemon::start();
    d.stop();
    std::fs::set_permissions(&d.data, std::fs::Permissions::from_mode(0o755)).unwrap();
    let out = std::process::Command::new(env!("CARGO_BIN_EXE_coffred"))
        .arg("--data")
        .arg(&d.data)
        .arg("--listen")
        .arg("127.0.0.1:0")
        .output()
        .unwrap();
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(!out.status.success());
    assert!(err.contains("chmod 700"), "{err}");
}

/// Registration follows the operator's policy: rate-limited per address when open
/// (each account costs two Argon2id hashes and a record), refused when closed.
#[test]
fn registration_follows_the_operators_policy() {
    let d = Daemon::start_with(Some("[registration]\nper_ip_per_hour = 2\n"));
    d.user("alice").register();
    d.user("bob").register();
    let carol = d.user("carol");
    let err = carol.fails(&["register", "carol"], 1);
    assert!(err.contains("[too_many_attempts]"), "{err}");
    // A refused name costs the address nothing (the limit counts accounts made).
    let d = Daemon::start_with(Some("[registration]\nper_ip_per_hour = 2\n"));
    d.user("alice").register();
    let err = d.user("alice").fails(&["register", "alice"], 1);
    assert!(err.contains("[user_exists]"), "{err}");
    d.user("bob").register();
    let closed = Daemon::start_with(Some("[registration]\npolicy = \"closed\"\n"));
    let err = closed.user("dan").fails(&["register", "dan"], 1);
    assert!(err.contains("[registration_closed]"), "{err}");
    assert!(err.contains("n'ouvre pas de nouveau coffre"), "{err}");
    // Mediators still enrol with the operator's codes.
    closed.mediator("f.benali", "Fatima Benali", "CCAS");
}

/// On a shared computer, logging out forgets the session on this device even when
/// the server cannot be reached.
#[test]
fn logout_forgets_the_session_even_offline() {
    let mut d = Daemon::start();
    let alice = d.user("alice");
    alice.register();
    d.crash();
    let out = alice.run(&["logout"]);
    assert!(!out.status.success());
    assert!(!alice.home.path().join("session.json").exists());
}

/// By invitation: a vault opens only with a one-time code that the town hall or a
/// mediator handed over at the counter; a code works once, is never guessed into
/// working, and whose invitation she used is in the citizen's own history.
#[test]
fn by_invitation_a_vault_opens_only_with_a_code_that_works_once() {
    let d = Daemon::start_with(Some(
        "[registration]\npolicy = \"invitation\"\nper_ip_per_hour = 20\n",
    ));
    let code_of = |json: &str| -> String {
        let v: serde_json::Value = serde_json::from_str(json).unwrap();
        v["code"].as_str().unwrap().to_owned()
    };
    // Without a code, or with a made-up one: refused, and said plainly.
    let alice = d.user("mme.b");
    let err = alice.fails(&["register", "mme.b"], 1);
    assert!(err.contains("[invitation_required]"), "{err}");
    assert!(err.contains("--invitation"), "{err}");
    let err = alice.fails(&["register", "mme.b", "--invitation", "AAAA-BBBB-CCCC"], 1);
    assert!(err.contains("[invitation_invalid]"), "{err}");

    // A mediator hands one over at the counter; it opens exactly one vault.
    let (social, _) = d.mediator("f.benali", "Fatima Benali", "CCAS d'Albi");
    let code = code_of(&social.ok(&["--json", "invite"]));
    alice.ok(&["register", "mme.b", "--invitation", &code]);
    let bob = d.user("m.dupont");
    let err = bob.fails(&["register", "m.dupont", "--invitation", &code], 1);
    assert!(err.contains("[invitation_invalid]"), "{err}");
    // Typed in lower case, with spaces instead of dashes: still the same code.
    let code = code_of(&social.ok(&["--json", "invite"]));
    let typed = code.to_lowercase().replace('-', " ");
    // A name already taken gives the code back rather than spending it.
    let err = bob.fails(&["register", "mme.b", "--invitation", &typed], 1);
    assert!(err.contains("[user_exists]"), "{err}");
    bob.ok(&["register", "m.dupont", "--invitation", &typed]);

    // The operator can invite too; a citizen cannot, nor can anyone anonymous.
    let code = code_of(&d.admin(&["--json", "invitation"]));
    d.user("carol")
        .ok(&["register", "carol", "--invitation", &code]);
    let err = alice.fails(&["invite"], 1);
    assert!(err.contains("[not_a_mediator]"), "{err}");
    let anonymous = agent(&d)
        .post(format!("{}/v1/invitations", d.url))
        .send_json(serde_json::json!({}))
        .unwrap();
    assert_eq!(anonymous.status(), 401);

    // Her history says whose invitation she used; the mediator's, that she gave two.
    let history = alice.ok(&["journal"]);
    assert!(
        history.contains("avec une invitation de Fatima Benali (CCAS d'Albi)"),
        "{history}"
    );
    let given = social.ok(&["journal"]);
    assert_eq!(
        given.matches("avez remis une invitation").count(),
        2,
        "{given}"
    );
}
