//! Documents end to end: round trips, isolation between vaults, what rests on disk,
//! and the exit path through the standard age CLI.

use std::os::unix::fs::FileTypeExt;
use std::process::Command;

use crate::harness::{agent, random_file, status_json, Daemon};

#[test]
fn add_list_get_round_trips_small_empty_and_large() {
    let d = Daemon::start();
    let alice = d.user("alice");
    alice.register();
    let dir = tempfile::tempdir().unwrap();
    let cases = [
        ("petit.pdf", 1234),
        ("vide.txt", 0),
        ("grand.bin", 50 * 1024 * 1024),
    ];
    let mut ids = Vec::new();
    for (name, len) in cases {
        let path = random_file(dir.path(), name, len);
        ids.push((alice.add(&path, &["--category", "tax"]), path, len));
    }
    let listed = alice.list();
    assert_eq!(listed.len(), 3);
    for (id, path, len) in &ids {
        let item = listed.iter().find(|d| d["id"] == id.as_str()).unwrap();
        assert_eq!(item["size"], *len as u64);
        assert_eq!(item["category"], "tax");
        assert_eq!(item["title"], path.file_name().unwrap().to_str().unwrap());
        let out = dir.path().join(format!("{id}.out"));
        alice.ok(&["get", id, "-o", out.to_str().unwrap()]);
        assert!(std::fs::read(&out).unwrap() == std::fs::read(path).unwrap());
    }
    // stdin in, stdout out, and a short id prefix
    let mut child = alice
        .command(&["--json", "add", "-", "--title", "Depuis stdin"])
        .stdin(std::process::Stdio::piped())
        .stdout(std::process::Stdio::piped())
        .spawn()
        .unwrap();
    use std::io::Write;
    child
        .stdin
        .take()
        .unwrap()
        .write_all(b"lu sur l'entree standard")
        .unwrap();
    let out = child.wait_with_output().unwrap();
    assert!(out.status.success());
    let id: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    let prefix = &id["id"].as_str().unwrap()[..8];
    let out = alice.run(&["get", prefix, "-o", "-"]);
    assert_eq!(out.stdout, b"lu sur l'entree standard");
    // Into a pipe (or a device): streamed into it, never replaced by a file.
    let fifo = dir.path().join("tube");
    assert!(std::process::Command::new("mkfifo")
        .arg(&fifo)
        .status()
        .unwrap()
        .success());
    let reader = {
        let fifo = fifo.clone();
        std::thread::spawn(move || std::fs::read(fifo).unwrap())
    };
    alice.ok(&["get", prefix, "-o", fifo.to_str().unwrap()]);
    assert_eq!(reader.join().unwrap(), b"lu sur l'entree standard");
    assert!(std::fs::metadata(&fifo).unwrap().file_type().is_fifo());
}

#[test]
fn metadata_is_kept_and_shown_in_french() {
    let d = Daemon::start();
    let mme = d.user("mme.b");
    mme.register();
    let dir = tempfile::tempdir().unwrap();
    let scan = random_file(dir.path(), "IMG_2041.jpg", 4096);
    let id = mme.add(
        &scan,
        &[
            "--title",
            "Carte d'identité",
            "--category",
            "identity",
            "--issued",
            "2021-05-03",
            "--expires",
            "2031-05-02",
        ],
    );
    let item = mme.list().into_iter().next().unwrap();
    let item = &item;
    assert_eq!(item["id"], id.as_str());
    assert_eq!(item["title"], "Carte d'identité");
    assert_eq!(item["issued"], "2021-05-03");
    assert_eq!(item["expires"], "2031-05-02");
    let soon = (time::OffsetDateTime::now_utc() + time::Duration::days(20))
        .date()
        .to_string();
    mme.add(&scan, &["--title", "Passeport", "--expires", &soon]);
    mme.add(
        &scan,
        &["--title", "Attestation périmée", "--expires", "2020-01-31"],
    );
    let text = mme.ok(&["list"]);
    assert!(
        text.contains("À renouveler : « Attestation périmée » a expiré le 31/01/2020."),
        "{text}"
    );
    assert!(
        text.contains("Bientôt : « Passeport » expire le "),
        "{text}"
    );
    assert!(!text.contains("« Carte d'identité » expire"), "{text}");
    assert!(text.contains("Carte d'identité"), "{text}");
    assert!(text.contains("Identité"), "{text}");
    assert!(text.contains("02/05/2031"), "{text}");
    // default output name comes from the title and the type
    let work = tempfile::tempdir().unwrap();
    let out = mme
        .command(&["get", &id])
        .current_dir(work.path())
        .output()
        .unwrap();
    assert!(out.status.success());
    assert!(work.path().join("Carte d'identité.jpg").exists());
    let again = mme
        .command(&["get", &id])
        .current_dir(work.path())
        .output()
        .unwrap();
    assert!(again.status.success());
    assert!(work.path().join("Carte d'identité (2).jpg").exists());
}

#[test]
fn another_citizen_can_neither_list_nor_fetch() {
    let d = Daemon::start();
    let alice = d.user("alice");
    let bob = d.user("bob");
    alice.register();
    bob.register();
    let dir = tempfile::tempdir().unwrap();
    let id = alice.add(&random_file(dir.path(), "a.pdf", 100), &[]);
    assert!(bob.list().is_empty());
    let err = bob.fails(&["get", &id, "-o", "-"], 1);
    assert!(err.contains("[document_not_found]"), "{err}");
    let err = bob.fails(&["rm", &id], 1);
    assert!(err.contains("[document_not_found]"), "{err}");
    let http = agent(&d);
    let bearer = format!("Bearer {}", bob.token());
    for path in [
        format!("/v1/documents/{id}"),
        format!("/v1/documents/{id}/content"),
    ] {
        let r = http
            .get(format!("{}{path}", d.url))
            .header("Authorization", &bearer)
            .call()
            .unwrap();
        let (status, body) = status_json(r);
        assert_eq!(status, 404, "{path}");
        assert_eq!(body["error"]["code"], "document_not_found");
    }
    let r = http
        .delete(format!("{}/v1/documents/{id}", d.url))
        .header("Authorization", &bearer)
        .call()
        .unwrap();
    assert_eq!(r.status().as_u16(), 404);
    // Alice still has it.
    assert_eq!(alice.list().len(), 1);
}

#[test]
fn nothing_readable_rests_on_the_server() {
    let d = Daemon::start();
    let alice = d.user("alice");
    alice.register();
    let dir = tempfile::tempdir().unwrap();
    let secret_text = "SECRET-PLAINTEXT-9f8e7d numéro fiscal 1234567890123";
    let title = "TITRE-TRES-PRIVE Avis d'imposition";
    let p = dir.path().join("avis.txt");
    std::fs::write(&p, secret_text.repeat(100)).unwrap();
    alice.add(&p, &["--title", title]);
    // Flush is synchronous: everything acknowledged is on disk now.
    let needles = [
        secret_text.as_bytes(),
        title.as_bytes(),
        b"TITRE-TRES-PRIVE",
    ];
    let files = d.data_files();
    assert!(files.iter().any(|f| f.to_string_lossy().contains("meta")));
    for f in files {
        let bytes = std::fs::read(&f).unwrap();
        for n in needles {
            assert!(
                !bytes.windows(n.len()).any(|w| w == n),
                "{} contains plaintext",
                f.display()
            );
        }
    }
}

#[test]
fn the_standard_age_cli_decrypts_with_the_exported_identity() {
    let d = Daemon::start();
    let alice = d.user("alice");
    alice.register();
    let dir = tempfile::tempdir().unwrap();
    let original = random_file(dir.path(), "releve.pdf", 300_000);
    let id = alice.add(&original, &["--title", "Relevé"]);
    let identity = dir.path().join("identity.txt");
    alice.ok(&["key", "export", "-o", identity.to_str().unwrap()]);
    let mode = std::os::unix::fs::PermissionsExt::mode(
        &std::fs::metadata(&identity).unwrap().permissions(),
    );
    assert_eq!(mode & 0o777, 0o600);
    let doc_dir = d.data.join("blobs/docs").join(&id[..2]).join(&id);
    let age = |identity: &std::path::Path, file: &str| {
        let out = Command::new("age")
            .arg("-d")
            .arg("-i")
            .arg(identity)
            .arg(doc_dir.join(file))
            .output()
            .expect("the age CLI is needed (Debian package `age`, installed by .ci/run)");
        assert!(
            out.status.success(),
            "{}",
            String::from_utf8_lossy(&out.stderr)
        );
        out.stdout
    };
    let doc_key = dir.path().join("doc-key.txt");
    std::fs::write(&doc_key, age(&identity, "owner.age")).unwrap();
    assert_eq!(
        age(&doc_key, "payload.age"),
        std::fs::read(&original).unwrap()
    );
    let meta: serde_json::Value = serde_json::from_slice(&age(&doc_key, "meta.age")).unwrap();
    assert_eq!(meta["title"], "Relevé");
    assert_eq!(meta["size"], 300_000);
}

#[test]
fn deleting_destroys_blob_and_envelopes() {
    let d = Daemon::start();
    let alice = d.user("alice");
    alice.register();
    let dir = tempfile::tempdir().unwrap();
    let id = alice.add(&random_file(dir.path(), "x.pdf", 5000), &[]);
    let doc_dir = d.data.join("blobs/docs").join(&id[..2]).join(&id);
    assert!(doc_dir.join("payload.age").exists());
    alice.ok(&["rm", &id[..6]]);
    assert!(!doc_dir.exists());
    assert!(alice.list().is_empty());
    let err = alice.fails(&["get", &id], 1);
    assert!(err.contains("[document_not_found]"), "{err}");
    let who: serde_json::Value = serde_json::from_str(&alice.ok(&["--json", "whoami"])).unwrap();
    assert_eq!(who["user"], "alice");
}
