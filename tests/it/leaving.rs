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
    let manifest: serde_json::Value =
        serde_json::from_str(&std::fs::read_to_string(out_dir.join("manifest.json")).unwrap())
            .unwrap();
    let docs = manifest["documents"].as_array().unwrap();
    assert_eq!(docs.len(), 2);
    // Every file's hash is in SHA256SUMS, checkable by the stock tool.
    let check = Command::new("sha256sum")
        .args(["-c", "--quiet", "SHA256SUMS"])
        .current_dir(&out_dir)
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
        &SecretString::from(PASS.to_owned()),
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
        let original = if doc["title"] == "Carte d'identité" {
            &cni_file
        } else {
            &tax_file
        };
        assert_eq!(plain.stdout, std::fs::read(original).unwrap());
    }
    let journal: serde_json::Value =
        serde_json::from_str(&std::fs::read_to_string(out_dir.join("journal.json")).unwrap())
            .unwrap();
    assert!(journal["entries"].as_array().unwrap().len() >= 4);
    assert!(journal["verifier_key"]
        .as_str()
        .unwrap()
        .starts_with("localhost/journal/v1+"));
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
