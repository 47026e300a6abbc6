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
