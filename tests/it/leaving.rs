//! Scenario 5 of `design/product.md`: Mme B. exports her vault in an open format the
//! standard age CLI decrypts, then deletes it, and the keys are destroyed.

use std::process::Command;

use coffre::crypto::identity::Identity;
use coffre::crypto::SecretString;

use crate::harness::{random_file, Daemon, PASS};

#[test]
fn export_then_delete_the_account() {
    let d = Daemon::start();
    let (social, code) = d.mediator("f.benali", "Fatima Benali", "CCAS d'Albi");
    let mme = d.user("mme.b");
    mme.register();
    let files = tempfile::tempdir().unwrap();
    let tax_file = random_file(files.path(), "avis.pdf", 150_000);
    let tax = mme.add(
        &tax_file,
        &["--title", "Avis d'imposition 2025", "--category", "tax"],
    );
    let cni_file = random_file(files.path(), "cni.jpg", 2_000);
    mme.add(
        &cni_file,
        &["--title", "Carte d'identité", "--category", "identity"],
    );
    mme.ok(&[
        "share",
        &tax,
        "--to",
        "f.benali",
        "--for",
        "7d",
        "--safety-code",
        &code,
    ]);

    // Export.
    let out_dir = files.path().join("export");
    let out = mme.ok(&["--json", "export", out_dir.to_str().unwrap()]);
    let v: serde_json::Value = serde_json::from_str(&out).unwrap();
    assert_eq!(v["documents"], 2);
    // Nothing readable rests in clear: no title, category, mediator or address.
    for f in walk(&out_dir) {
        let bytes = std::fs::read(&f).unwrap();
        let text = String::from_utf8_lossy(&bytes);
        for secret in [
            "Avis d'imposition",
            "Carte d'identit",
            "Fatima",
            "CCAS",
            "127.0.0.1",
            "\"tax\"",
        ] {
            assert!(
                !text.contains(secret),
                "{secret} in clear in {}",
                f.display()
            );
        }
    }
    assert!(!out_dir.join("manifest.json").exists());
    check_export(
        &out_dir,
        PASS,
        &[
            ("Carte d'identité", &cni_file),
            ("Avis d'imposition 2025", &tax_file),
        ],
    );
    // A plainly readable copy, on request.
    let readable = files.path().join("lisible");
    let out = mme.ok(&["export", readable.to_str().unwrap(), "--lisible"]);
    assert!(out.contains("Attention"), "{out}");
    let text = std::fs::read_to_string(readable.join("manifest.json")).unwrap();
    assert!(text.contains("Avis d'imposition 2025"));
    // A second export refuses to overwrite.
    let err = mme.fails(&["export", out_dir.to_str().unwrap()], 1);
    assert!(err.contains("[file_exists]"), "{err}");
    let entries: Vec<serde_json::Value> =
        serde_json::from_str(&mme.ok(&["--json", "journal"])).unwrap();
    assert!(entries.iter().any(|e| e["action"] == "export"));

    // Deletion needs a confirmation.
    let err = mme.fails(&["delete-account"], 1);
    assert!(err.contains("[confirmation_required]"), "{err}");
    social.bytes(&["get", &tax, "-o", "-"]);
    let out = mme.ok(&["--json", "delete-account", "--yes"]);
    let report: serde_json::Value = serde_json::from_str(&out).unwrap();
    assert_eq!(report["documents"], 2);
    assert_eq!(report["grants_ended"], 1);
    // Gone: her session, her login, her documents, the mediator's access, her keys.
    let err = mme.fails(&["list"], 1);
    assert!(err.contains("[not_logged_in]"), "{err}");
    let err = mme.fails(&["login", "mme.b"], 1);
    assert!(err.contains("[bad_credentials]"), "{err}");
    let err = social.fails(&["get", &tax, "-o", "-"], 1);
    assert!(err.contains("[document_not_found]"), "{err}");
    assert!(!d
        .data
        .join("blobs/docs")
        .join(&tax[..2])
        .join(&tax)
        .exists());
    let leftovers: Vec<_> = d
        .data_files()
        .into_iter()
        .filter(|p| p.starts_with(d.data.join("blobs/docs")))
        .collect();
    assert!(leftovers.is_empty(), "{leftovers:?}");
    // The journal stays sound for everyone else; her entries keep no readable details.
    let report: serde_json::Value =
        serde_json::from_str(&d.admin(&["--json", "journal", "verify"])).unwrap();
    assert_eq!(report["ok"], true, "{report}");
    // The name can be used again by someone new, who starts from nothing.
    let again = d.user("mme.b");
    again.register();
    assert!(again.list().is_empty());
}

/// Checks an export (the CLI's folder, or the browser's ZIP once unpacked) as someone
/// leaving would, without the service: every file's hash with `sha256sum -c`, her
/// identity opened with her passphrase, each paper opened by the stock age CLI to the
/// original bytes (`originals`: title and file), and the journal checked again
/// (checkpoint under the exported key, every entry's inclusion proof). Returns the
/// exported journal.
pub fn check_export(
    out_dir: &std::path::Path,
    passphrase: &str,
    originals: &[(&str, &std::path::Path)],
) -> serde_json::Value {
    let files = tempfile::tempdir().unwrap();
    let pass = SecretString::from(passphrase.to_owned());
    let open = |name: &str| -> serde_json::Value {
        let sealed = std::fs::read(out_dir.join(name)).unwrap();
        let plain = coffre::crypto::identity::open_with_passphrase(&sealed, &pass).unwrap();
        serde_json::from_slice(&plain).unwrap()
    };
    let manifest = open("manifest.json.age");
    let docs = manifest["documents"].as_array().unwrap();
    assert_eq!(docs.len(), originals.len(), "{manifest}");
    // Every file's hash is in SHA256SUMS, checkable by the stock tool.
    let check = Command::new("sha256sum")
        .args(["-c", "--quiet", "SHA256SUMS"])
        .current_dir(out_dir)
        .output()
        .unwrap();
    assert!(
        check.status.success(),
        "{}",
        String::from_utf8_lossy(&check.stdout)
    );
    // The identity file opens with her passphrase; then the stock age CLI opens the rest.
    let identity = Identity::from_passphrase_file(
        &std::fs::read(out_dir.join("identity.age")).unwrap(),
        &pass,
    )
    .unwrap();
    let identity_txt = files.path().join("identity.txt");
    std::fs::write(&identity_txt, identity.to_bundle().as_bytes()).unwrap();
    for doc in docs {
        let id = doc["id"].as_str().unwrap();
        let dir = out_dir.join("documents").join(id);
        let key = Command::new("age")
            .arg("-d")
            .arg("-i")
            .arg(&identity_txt)
            .arg(dir.join("owner.age"))
            .output()
            .unwrap();
        assert!(key.status.success());
        let key_txt = files.path().join(format!("{id}.key"));
        std::fs::write(&key_txt, key.stdout).unwrap();
        let plain = Command::new("age")
            .arg("-d")
            .arg("-i")
            .arg(&key_txt)
            .arg(dir.join("payload.age"))
            .output()
            .unwrap();
        assert!(plain.status.success());
        let (_, original) = originals
            .iter()
            .find(|(title, _)| doc["title"] == *title)
            .unwrap_or_else(|| panic!("unexpected paper {doc}"));
        assert_eq!(plain.stdout, std::fs::read(original).unwrap());
    }
    let journal = open("journal.json.age");
    assert!(journal["entries"].as_array().unwrap().len() >= 3);
    let vkey = journal["verifier_key"].as_str().unwrap();
    assert!(vkey.starts_with("localhost/journal/v1+"));
    // The exported journal checks again without the service: the checkpoint verifies
    // under the pinned key, and every entry is in its tree.
    let cp =
        coffre::journal::checkpoint::verify(journal["checkpoint"].as_str().unwrap(), vkey).unwrap();
    for e in journal["entries"].as_array().unwrap() {
        use base64::Engine;
        let b64 = |s: &str| base64::engine::general_purpose::STANDARD.decode(s).unwrap();
        let leaf = b64(e["leaf"].as_str().unwrap());
        let proof: Vec<Vec<u8>> = e["inclusion_proof"]
            .as_array()
            .unwrap()
            .iter()
            .map(|h| b64(h.as_str().unwrap()))
            .collect();
        let hash = coffre::journal::merkle::leaf_hash(&leaf);
        coffre::journal::merkle::verify_inclusion(
            e["index"].as_u64().unwrap(),
            cp.size,
            &hash,
            &proof,
            &cp.root,
        )
        .unwrap();
    }
    journal
}

fn walk(dir: &std::path::Path) -> Vec<std::path::PathBuf> {
    let mut out = Vec::new();
    for e in std::fs::read_dir(dir).unwrap() {
        let p = e.unwrap().path();
        if p.is_dir() {
            out.extend(walk(&p));
        } else {
            out.push(p);
        }
    }
    out
}
