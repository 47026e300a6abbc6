//! Quotas and size limits give clear errors, from the client's early check and
//! from the server's own enforcement.

use crate::harness::{agent, random_file, status_json, Daemon};

const SMALL: &str = r#"
[limits]
max_document_mib = 1
vault_quota_mib = 3
vault_quota_documents = 3
"#;

#[test]
fn size_and_quota_limits_are_clear() {
    let d = Daemon::start_with(Some(SMALL));
    let alice = d.user("alice");
    alice.register();
    let dir = tempfile::tempdir().unwrap();
    let big = random_file(dir.path(), "trop-gros.pdf", 1024 * 1024 + 1);
    let err = alice.fails(&["add", big.to_str().unwrap()], 1);
    assert!(
        err.contains("Ce document est trop volumineux : la taille maximale est de 1 Mio. [document_too_large]"),
        "{err}"
    );
    // The server enforces it too, without the client's early check (stdin).
    let out = alice
        .command(&["add", "-"])
        .stdin(std::fs::File::open(&big).unwrap())
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(1));
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(err.contains("[document_too_large]"), "{err}");
    for i in 0..3 {
        let f = random_file(dir.path(), &format!("{i}.pdf"), 900 * 1024);
        alice.add(&f, &[]);
    }
    let one_more = random_file(dir.path(), "encore.pdf", 10);
    let err = alice.fails(&["add", one_more.to_str().unwrap()], 1);
    assert!(err.contains("[quota_exceeded]"), "{err}");
    assert!(err.contains("Votre coffre est plein"), "{err}");
    assert_eq!(alice.list().len(), 3);
    assert_eq!(
        std::fs::read_dir(d.data.join("blobs/staging"))
            .unwrap()
            .count(),
        0
    );
}

#[test]
fn byte_quota_is_enforced_by_the_server() {
    let d = Daemon::start_with(Some(SMALL));
    let alice = d.user("alice");
    alice.register();
    let dir = tempfile::tempdir().unwrap();
    for i in 0..2 {
        alice.add(&random_file(dir.path(), &format!("{i}"), 1000 * 1024), &[]);
    }
    // 2 000 KiB used of 3 072: a 1 000 KiB document still fits, a second does not.
    alice.add(&random_file(dir.path(), "fits", 1000 * 1024), &[]);
    let http = agent(&d);
    let mut body = b"age-encryption.org/v1\n".to_vec();
    body.resize(200 * 1024, 7);
    let r = http
        .post(format!("{}/v1/uploads", d.url))
        .header("Authorization", format!("Bearer {}", alice.token()))
        .content_type("application/octet-stream")
        .send(&body[..])
        .unwrap();
    let (status, json) = status_json(r);
    assert_eq!(status, 413);
    assert_eq!(json["error"]["code"], "quota_exceeded");
}

/// Uploads staged and never committed count against the quota, and an account can
/// have only a few at once: 8 staged uploads of 900 KiB used to sit past a 2 MiB
/// quota for an hour.
#[test]
fn staged_uploads_count_against_the_quota() {
    let d = Daemon::start_with(Some("[limits]\nvault_quota_mib = 2\n"));
    let alice = d.user("alice");
    alice.register();
    let http = agent(&d);
    let bearer = format!("Bearer {}", alice.token());
    let mut body = b"age-encryption.org/v1\n".to_vec();
    body.resize(900 * 1024, b'x');
    let mut accepted = 0;
    for _ in 0..8 {
        let r = http
            .post(format!("{}/v1/uploads", d.url))
            .header("Authorization", &bearer)
            .content_type("application/octet-stream")
            .send(&body[..])
            .unwrap();
        let (status, v) = status_json(r);
        match status {
            201 | 200 => accepted += 1,
            _ => assert_eq!(v["error"]["code"], "quota_exceeded", "{v}"),
        }
    }
    assert_eq!(accepted, 2);
    let staged = std::fs::read_dir(d.data.join("blobs/staging"))
        .unwrap()
        .count();
    assert_eq!(staged, 2);
    // What is staged leaves no room for a document past the quota either.
    let dir = tempfile::tempdir().unwrap();
    let f = random_file(dir.path(), "c.pdf", 400 * 1024);
    let err = alice.fails(&["add", f.to_str().unwrap()], 1);
    assert!(err.contains("[quota_exceeded]"), "{err}");
}

/// The operator gives one vault its own quota (`coffre admin quota`): it holds for
/// that vault only, the citizen reads in her journal who changed it and when, and
/// `--defaut` gives it the deployment's quota back.
#[test]
fn the_operator_sets_a_vaults_own_quota_and_she_sees_it() {
    let d = Daemon::start();
    let alice = d.user("alice");
    alice.register();
    let bob = d.user("bob");
    bob.register();
    let dir = tempfile::tempdir().unwrap();
    let said = d.admin(&["quota", "alice", "--documents", "2"]);
    assert!(
        said.contains("Place du coffre de alice : 1,0 Gio, 2 documents."),
        "{said}"
    );
    for i in 0..2 {
        alice.add(&random_file(dir.path(), &format!("a{i}.pdf"), 1000), &[]);
    }
    let err = alice.fails(
        &[
            "add",
            random_file(dir.path(), "a2.pdf", 10).to_str().unwrap(),
        ],
        1,
    );
    assert!(err.contains("[quota_exceeded]"), "{err}");
    for i in 0..3 {
        bob.add(&random_file(dir.path(), &format!("b{i}.pdf"), 1000), &[]);
    }
    let journal = alice.ok(&["journal"]);
    assert!(
        journal
            .contains("L'administrateur a fixé la place de votre coffre à 1,0 Gio et 2 documents"),
        "{journal}"
    );
    // Her account shows the quota in force.
    let answer = agent(&d)
        .get(format!("{}/v1/account", d.url))
        .header("Authorization", format!("Bearer {}", alice.token()))
        .call()
        .unwrap();
    let (_, me) = status_json(answer);
    assert_eq!(me["quota"]["documents"], 2, "{me}");
    assert_eq!(me["usage"]["documents"], 2, "{me}");
    // Room in MiB; then back to the deployment's.
    let v: serde_json::Value =
        serde_json::from_str(&d.admin(&["--json", "quota", "alice", "--mib", "5"])).unwrap();
    assert_eq!(v["bytes"], 5 * 1024 * 1024);
    assert_eq!(v["documents"], 1000);
    d.admin(&["quota", "alice", "--defaut"]);
    alice.add(&random_file(dir.path(), "a3.pdf", 10), &[]);
    // Refusals: no such account, a mediator, nothing asked.
    let operator = d.user("operator");
    let run = |args: &[&str]| {
        let mut all = vec!["admin", "quota"];
        all.extend_from_slice(args);
        let out = operator
            .command(&all)
            .env("COFFRE_ADMIN_TOKEN", d.admin_token())
            .output()
            .unwrap();
        assert_eq!(out.status.code(), Some(1));
        String::from_utf8_lossy(&out.stderr).into_owned()
    };
    assert!(run(&["personne", "--documents", "3"]).contains("[account_not_found]"));
    d.mediator("f.benali", "Fatima Benali", "CCAS");
    assert!(run(&["f.benali", "--documents", "3"]).contains("[not_a_citizen]"));
    assert!(run(&["alice"]).contains("[usage_error]"));
}
