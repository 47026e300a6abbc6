//! The command-line contract: exit codes, error lines with stable codes, `--json`.

use crate::harness::{random_file, Daemon};

#[test]
fn usage_errors_exit_2_and_failures_exit_1() {
    let d = Daemon::start();
    let alice = d.user("alice");
    let out = alice.run(&[]);
    assert_eq!(out.status.code(), Some(2));
    let out = alice.run(&["frobnicate"]);
    assert_eq!(out.status.code(), Some(2));
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(err.contains("Commande incomplète ou mal écrite"), "{err}");
    assert!(err.contains("[usage_error]"), "{err}");
    alice.register();
    let dir = tempfile::tempdir().unwrap();
    let f = random_file(dir.path(), "a.pdf", 10);
    let f = f.to_str().unwrap();
    let err = alice.fails(&["add", f, "--category", "caf"], 2);
    assert!(err.contains("Catégorie inconnue « caf »"), "{err}");
    assert!(err.trim_end().ends_with("[invalid_category]"), "{err}");
    let err = alice.fails(&["add", f, "--expires", "02/05/2031"], 2);
    assert!(err.contains("[invalid_date]"), "{err}");
    let err = alice.fails(&["add", "/nonexistent/file.pdf"], 1);
    assert!(
        err.contains("Le fichier /nonexistent/file.pdf est introuvable. [file_not_found]"),
        "{err}"
    );
    assert!(alice.list().is_empty(), "nothing was written");
    // French words are understood as well as the English ones.
    alice.add(std::path::Path::new(f), &["--category", "impôts"]);
    assert_eq!(alice.list()[0]["category"], "tax");
}

#[test]
fn json_errors_are_objects_on_stderr() {
    let d = Daemon::start();
    let alice = d.user("alice");
    alice.register();
    let out = alice.run(&["--json", "get", "00000000000000000000000000000000"]);
    assert_eq!(out.status.code(), Some(1));
    assert!(out.stdout.is_empty());
    let v: serde_json::Value = serde_json::from_slice(&out.stderr).unwrap();
    assert_eq!(v["error"]["code"], "document_not_found");
    assert!(v["error"]["message"]
        .as_str()
        .unwrap()
        .contains("introuvable"));
    let listed: serde_json::Value = serde_json::from_str(&alice.ok(&["--json", "list"])).unwrap();
    assert_eq!(listed, serde_json::json!([]));
}

#[test]
fn transport_problems_are_named() {
    let d = Daemon::start();
    let mut alice = d.user("alice");
    // A certificate we do not trust.
    let dir = tempfile::tempdir().unwrap();
    let other = Daemon::start();
    alice.ca = other.ca();
    let err = alice.fails(&["register", "alice"], 1);
    assert!(err.contains("[tls_error]"), "{err}");
    // Nobody listening.
    alice.ca = d.ca();
    alice.url = "https://127.0.0.1:1".into();
    let err = alice.fails(&["login", "alice"], 1);
    assert!(err.contains("[server_unreachable]"), "{err}");
    drop(dir);
}

#[test]
fn messages_follow_the_language() {
    let d = Daemon::start();
    let alice = d.user("alice");
    let out = alice
        .command(&["list"])
        .env("COFFRE_LANG", "en")
        .output()
        .unwrap();
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(err.contains("You are not logged in"), "{err}");
    let err = alice.fails(&["list"], 1);
    assert!(err.contains("Vous n'êtes pas connecté"), "{err}");
    // Arabic, from the same catalogue as the page (`locales/ar/`), the code unchanged.
    let out = alice
        .command(&["list"])
        .env("COFFRE_LANG", "ar")
        .output()
        .unwrap();
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(err.contains("[not_logged_in]"), "{err}");
    assert!(
        err.chars().any(|c| ('\u{0600}'..='\u{06FF}').contains(&c)),
        "not Arabic: {err}"
    );
}

/// What a new user met in the review of issue 7, each checked as she would meet it.
#[test]
fn the_bugs_a_new_user_met_are_gone() {
    let d = Daemon::start();
    let (social, code) = d.mediator("f.benali", "Fatima Benali", "CCAS");
    let mme = d.user("mme.b");
    // A kit path that cannot be written: refused before any account exists.
    let err = mme.fails(&["register", "mme.b", "--recovery-kit", "/proc/kit.txt"], 1);
    assert!(!err.contains("os error"), "{err}");
    let mme_kit = mme.home.path().join("kit.txt");
    mme.ok(&[
        "register",
        "mme.b",
        "--recovery-kit",
        mme_kit.to_str().unwrap(),
    ]);
    let files = tempfile::tempdir().unwrap();
    let doc = mme.add(&random_file(files.path(), "a.pdf", 100), &[]);
    // A request answered with the 8-character id `coffre requests` shows.
    social.ok(&["request", "mme.b", "--category", "tax"]);
    let listed = mme.ok(&["requests"]);
    let short = listed
        .lines()
        .nth(1)
        .unwrap()
        .split_whitespace()
        .next()
        .unwrap()
        .to_owned();
    assert_eq!(short.len(), 8, "{listed}");
    let out = mme.share_with(&doc, &code, &["--request", &short]);
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    // The mediator's lists name the citizen, not herself.
    for what in ["grants", "requests"] {
        let out = social.ok(&[what]);
        assert!(out.contains("mme.b"), "{what}: {out}");
        assert!(!out.contains("Fatima Benali"), "{what}: {out}");
    }
    // Declining twice, and declining an answered request, say what happened.
    social.ok(&["request", "mme.b", "--category", "health"]);
    let reqs: Vec<serde_json::Value> =
        serde_json::from_str(&mme.ok(&["--json", "requests"])).unwrap();
    let pending = reqs.iter().find(|r| r["state"] == "pending").unwrap()["request"]
        .as_str()
        .unwrap()
        .to_owned();
    let answered = reqs.iter().find(|r| r["state"] == "fulfilled").unwrap()["request"]
        .as_str()
        .unwrap()
        .to_owned();
    mme.ok(&["decline", &pending]);
    mme.ok(&["decline", &pending]);
    let err = mme.fails(&["decline", &answered], 1);
    assert!(err.contains("[request_answered]"), "{err}");
    // An id prefix too short says so.
    let err = mme.fails(&["get", &doc[..3], "-o", "-"], 1);
    assert!(err.contains("[id_too_short]"), "{err}");
    // Disabling an unknown mediator names her.
    let out = d
        .user("op")
        .command(&["admin", "mediator", "disable", "personne"])
        .env("COFFRE_ADMIN_TOKEN", d.admin_token())
        .output()
        .unwrap();
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(
        err.contains("« personne »") && !err.contains("{value}"),
        "{err}"
    );
    // --json usage errors are JSON.
    let out = mme.run(&["--json", "frobnicate"]);
    assert_eq!(out.status.code(), Some(2));
    let v: serde_json::Value = serde_json::from_slice(&out.stderr).unwrap();
    assert_eq!(v["error"]["code"], "usage_error");
    // A folder where a file is expected: a sentence, not an OS message.
    let err = mme.fails(&["add", files.path().to_str().unwrap()], 1);
    assert!(
        err.contains("[is_a_directory]") && !err.contains("os error"),
        "{err}"
    );
    // A recovery key copied in lower case is accepted.
    let lower = std::fs::read_to_string(&mme_kit).unwrap().to_lowercase();
    std::fs::write(&mme_kit, lower).unwrap();
    let fresh = d.user("mme.b");
    fresh.ok(&["recover", "mme.b", "--kit", mme_kit.to_str().unwrap()]);
}
