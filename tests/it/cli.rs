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
    let err = alice.fails(&["add", f, "--category", "impots"], 2);
    assert!(err.contains("Catégorie inconnue « impots »"), "{err}");
    assert!(err.trim_end().ends_with("[invalid_category]"), "{err}");
    let err = alice.fails(&["add", f, "--expires", "02/05/2031"], 2);
    assert!(err.contains("[invalid_date]"), "{err}");
    let err = alice.fails(&["add", "/nonexistent/file.pdf"], 1);
    assert!(
        err.contains("Le fichier /nonexistent/file.pdf est introuvable. [file_not_found]"),
        "{err}"
    );
    assert!(alice.list().is_empty(), "nothing was written");
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
}
