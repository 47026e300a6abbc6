//! The journal end to end: every action is recorded with its actor and outcome, the
//! citizen reads it verified and in plain words, and tampering, truncation and
//! rollback are caught by her client.

use std::path::Path;

use crate::harness::{copy_dir, random_file, Daemon, User};

fn journal(u: &User) -> Vec<serde_json::Value> {
    serde_json::from_str(&u.ok(&["--json", "journal"])).unwrap()
}

fn has(entries: &[serde_json::Value], action: &str, outcome: &str, actor_kind: &str) -> bool {
    entries
        .iter()
        .any(|e| e["action"] == action && e["outcome"] == outcome && e["actor_kind"] == actor_kind)
}

#[test]
fn every_action_is_in_the_citizens_journal_with_actor_and_outcome() {
    let d = Daemon::start();
    let (social, code) = d.mediator("f.benali", "Fatima Benali", "CCAS d'Albi");
    let mut mme = d.user("mme.b");
    mme.register();
    let files = tempfile::tempdir().unwrap();
    let tax = mme.add(
        &random_file(files.path(), "avis.pdf", 3000),
        &["--title", "Avis d'imposition 2025", "--category", "tax"],
    );
    let caf = mme.add(
        &random_file(files.path(), "caf.pdf", 3000),
        &["--title", "Attestation CAF"],
    );
    mme.ok(&["list"]);
    mme.bytes(&["get", &tax, "-o", "-"]);
    let out = mme.ok(&[
        "--json",
        "share",
        &tax,
        "--to",
        "f.benali",
        "--for",
        "today",
        "--safety-code",
        &code,
    ]);
    let grant: serde_json::Value = serde_json::from_str(&out).unwrap();
    social.ok(&["shared"]);
    social.bytes(&["get", &tax, "-o", "-"]);
    social.ok(&["request", "mme.b", "--category", "income"]);
    mme.ok(&["revoke", grant["grant"].as_str().unwrap()]);
    social.fails(&["get", &tax, "-o", "-"], 1);
    let reqs: Vec<serde_json::Value> =
        serde_json::from_str(&mme.ok(&["--json", "requests"])).unwrap();
    mme.ok(&["decline", reqs[0]["request"].as_str().unwrap()]);
    mme.ok(&["rm", &caf]);
    let right = mme.passphrase.clone();
    mme.passphrase = "pas la bonne phrase".into();
    mme.fails(&["login", "mme.b"], 1);
    mme.passphrase = right;
    let out = mme
        .command(&["passwd"])
        .env("COFFRE_NEW_PASSPHRASE", "nouvelle phrase de passe")
        .output()
        .unwrap();
    assert!(out.status.success());
    mme.passphrase = "nouvelle phrase de passe".into();
    mme.ok(&[
        "recover",
        "mme.b",
        "--kit",
        mme.kit_path().to_str().unwrap(),
    ]);
    mme.ok(&["logout"]);
    mme.ok(&["login", "mme.b"]);

    let entries = journal(&mme);
    for (action, outcome, actor) in [
        ("register", "done", "citizen"),
        ("upload", "done", "citizen"),
        ("list", "done", "citizen"),
        ("download", "attempt", "citizen"),
        ("download", "done", "citizen"),
        ("share", "done", "citizen"),
        ("mediator_list", "done", "mediator"),
        ("mediator_fetch", "attempt", "mediator"),
        ("mediator_fetch", "done", "mediator"),
        ("access_request", "done", "mediator"),
        ("revoke", "done", "citizen"),
        ("mediator_fetch", "denied", "mediator"),
        ("request_declined", "done", "citizen"),
        ("delete", "attempt", "citizen"),
        ("delete", "done", "citizen"),
        ("login", "denied", "anonymous"),
        ("passphrase_change", "done", "citizen"),
        ("recovery", "done", "citizen"),
        ("logout", "done", "citizen"),
        ("login", "done", "citizen"),
    ] {
        assert!(
            has(&entries, action, outcome, actor),
            "missing {action}/{outcome}/{actor}"
        );
    }
    // Sequence numbers have no gaps, and the mediator's fetch is named.
    for (i, e) in entries.iter().enumerate() {
        assert_eq!(e["seq"], i as u64);
    }
    let fetch = entries
        .iter()
        .find(|e| e["action"] == "mediator_fetch" && e["outcome"] == "done")
        .unwrap();
    assert_eq!(fetch["actor"], "f.benali");
    assert_eq!(fetch["actor_name"], "Fatima Benali");
    assert_eq!(fetch["structure"], "CCAS d'Albi");
    assert_eq!(fetch["title"], "Avis d'imposition 2025");
    // The attempt is recorded before the outcome.
    let attempt_seq = entries
        .iter()
        .find(|e| e["action"] == "mediator_fetch" && e["outcome"] == "attempt")
        .unwrap()["seq"]
        .as_u64()
        .unwrap();
    assert!(attempt_seq < fetch["seq"].as_u64().unwrap());
    // In plain French; her own list views within a minute are journaled once.
    mme.ok(&["list"]);
    mme.ok(&["list"]);
    let text = mme.ok(&["journal"]);
    assert_eq!(
        text.matches("Vous avez consulté la liste de vos documents")
            .count(),
        1,
        "{text}"
    );
    for needle in [
        "Vous avez créé votre coffre le ",
        "Vous avez ajouté « Avis d'imposition 2025 » le ",
        "Fatima Benali (CCAS d'Albi) a téléchargé « Avis d'imposition 2025 » le ",
        "Vous avez retiré un partage le ",
        "Fatima Benali (CCAS d'Albi) a voulu ouvrir « Avis d'imposition 2025 » : refusé",
        "Tentative de connexion refusée",
        "Vous avez choisi une nouvelle phrase de passe avec votre kit de récupération",
    ] {
        assert!(text.contains(needle), "{needle}\n{text}");
    }
    // The operator's audit finds the whole log sound.
    let report: serde_json::Value =
        serde_json::from_str(&d.admin(&["--json", "journal", "verify"])).unwrap();
    assert_eq!(report["ok"], true, "{report}");
    assert!(report["size"].as_u64().unwrap() >= entries.len() as u64);
}

#[test]
fn one_citizens_journal_never_shows_anothers() {
    let d = Daemon::start();
    let alice = d.user("alice");
    let bob = d.user("bob");
    alice.register();
    bob.register();
    let files = tempfile::tempdir().unwrap();
    alice.add(
        &random_file(files.path(), "a.pdf", 100),
        &["--title", "Secret d'Alice"],
    );
    let alice_entries = journal(&alice);
    // On the wire: bob's page holds only his own leaves (details sealed to him).
    let http = crate::harness::agent(&d);
    let r = http
        .get(format!("{}/v1/journal/entries", d.url))
        .header("Authorization", format!("Bearer {}", bob.token()))
        .call()
        .unwrap();
    let (_, page) = crate::harness::status_json(r);
    let bob_entries = journal(&bob);
    assert_eq!(page["entries"].as_array().unwrap().len(), bob_entries.len());
    assert!(alice_entries.iter().any(|e| e["action"] == "upload"));
    assert!(!bob_entries.iter().any(|e| e["action"] == "upload"));
    assert!(bob_entries.iter().all(|e| e["title"].is_null()));
    assert!(!bob.ok(&["journal"]).contains("Secret d'Alice"));
    assert!(!page.to_string().contains("Secret"));
}

/// A leaf's record as stored in sled, for tampering.
fn tamper(data: &Path, index: u64, change: impl Fn(&mut Vec<u8>)) {
    let db = sled::open(data.join("meta")).unwrap();
    let tree = db.open_tree("journal_leaves").unwrap();
    let key = index.to_be_bytes();
    let raw = tree.get(key).unwrap().unwrap();
    let mut record: serde_json::Value = serde_json::from_slice(&raw).unwrap();
    use base64::Engine;
    let b64 = base64::engine::general_purpose::STANDARD;
    let mut leaf = b64.decode(record["leaf"].as_str().unwrap()).unwrap();
    change(&mut leaf);
    record["leaf"] = serde_json::Value::String(b64.encode(&leaf));
    tree.insert(key, serde_json::to_vec(&record).unwrap())
        .unwrap();
    db.flush().unwrap();
}

#[test]
fn an_edited_entry_is_caught_by_the_client_and_the_audit() {
    let d = Daemon::start();
    let mut alice = d.user("alice");
    alice.register();
    let files = tempfile::tempdir().unwrap();
    let id = alice.add(&random_file(files.path(), "a.pdf", 100), &[]);
    alice.bytes(&["get", &id, "-o", "-"]);
    journal(&alice);
    let mut d = d;
    d.crash();
    // Turn her first download into an upload, say: the time field changes.
    tamper(&d.data, 2, |leaf| leaf[23] ^= 0x01);
    let d = d.restart();
    alice.follow(&d);
    let err = alice.fails(&["journal"], 1);
    assert!(err.contains("ALERTE"), "{err}");
    assert!(err.trim_end().ends_with("[journal_tampered]"), "{err}");
    // Sensitive actions are refused while the journal does not verify.
    let err = alice.fails(&["get", &id, "-o", "-"], 1);
    assert!(err.contains("[journal_tampered]"), "{err}");
    // The evidence is kept.
    let evidence: Vec<_> = std::fs::read_dir(alice.home.path())
        .unwrap()
        .filter_map(|e| e.ok())
        .filter(|e| {
            e.file_name()
                .to_string_lossy()
                .starts_with("journal-evidence-")
        })
        .collect();
    assert!(!evidence.is_empty());
    let text = std::fs::read_to_string(evidence[0].path()).unwrap();
    assert!(text.contains("\"checkpoint\""), "{text}");
    // The operator's audit sees it too, and exits non-zero.
    let op = d.user("op");
    let out = op
        .command(&["admin", "journal", "verify"])
        .env("COFFRE_ADMIN_TOKEN", d.admin_token())
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(1));
    assert!(String::from_utf8_lossy(&out.stdout).contains("NON conforme"));
}

#[test]
fn restoring_an_older_journal_is_a_rollback_the_client_catches() {
    let d = Daemon::start();
    let mut alice = d.user("alice");
    alice.register();
    let files = tempfile::tempdir().unwrap();
    alice.add(&random_file(files.path(), "a.pdf", 100), &[]);
    journal(&alice);
    let mut d = d;
    d.crash();
    let backup = tempfile::tempdir().unwrap();
    copy_dir(&d.data, backup.path());
    let mut d = d.restart();
    alice.follow(&d);
    // More happens, and her client verifies it (pinning the larger tree).
    alice.add(
        &random_file(files.path(), "b.pdf", 100),
        &["--title", "Deuxième"],
    );
    let seen = journal(&alice).len();
    assert!(seen >= 4);
    // The server is restored from the older backup (or truncates its log).
    d.crash();
    std::fs::remove_dir_all(&d.data).unwrap();
    copy_dir(backup.path(), &d.data);
    let d = d.restart();
    alice.follow(&d);
    // Caught by the quick check every command makes...
    let err = alice.fails(&["list"], 1);
    assert!(err.contains("plus ancien"), "{err}");
    assert!(err.trim_end().ends_with("[journal_rollback]"), "{err}");
    // ...and remembered: the alarm stays up.
    let err = alice.fails(&["journal"], 1);
    assert!(err.trim_end().ends_with("[journal_rollback]"), "{err}");
}

#[test]
fn a_new_log_key_is_refused() {
    let d = Daemon::start();
    let mut alice = d.user("alice");
    alice.register();
    journal(&alice);
    let mut d = d;
    d.crash();
    std::fs::remove_file(d.data.join("keys/journal-ed25519")).unwrap();
    let d = d.restart();
    alice.follow(&d);
    let err = alice.fails(&["journal"], 1);
    assert!(err.trim_end().ends_with("[journal_key_changed]"), "{err}");
    // Nothing but the citizen's own decision lifts the alarm: without a terminal
    // and without --yes, accept-change refuses...
    let err = alice.fails(&["journal", "accept-change"], 1);
    assert!(err.contains("[confirmation_required]"), "{err}");
    alice.fails(&["list"], 1);
    // ...with it, the change is shown, journaled in her chain, and the new key pinned.
    let out = alice.ok(&["journal", "accept-change", "--yes"]);
    assert!(out.contains("Aucune entrée déjà vue"), "{out}");
    let entries = journal(&alice);
    assert_eq!(entries.last().unwrap()["action"], "journal_change");
    let text = alice.ok(&["journal"]);
    assert!(text.contains("accepté un changement du journal"), "{text}");
    alice.ok(&["list"]);
    // Once accepted, there is nothing more to accept.
    let err = alice.fails(&["journal", "accept-change", "--yes"], 1);
    assert!(err.contains("[nothing_to_accept]"), "{err}");
}

#[test]
fn accepting_a_restored_journal_lists_the_entries_that_are_gone() {
    let d = Daemon::start();
    let mut alice = d.user("alice");
    alice.register();
    let backup = tempfile::tempdir().unwrap();
    let mut d = d;
    d.crash();
    copy_dir(&d.data, backup.path());
    let mut d = d.restart();
    alice.follow(&d);
    let files = tempfile::tempdir().unwrap();
    alice.add(
        &random_file(files.path(), "a.pdf", 100),
        &["--title", "Avis"],
    );
    let before = journal(&alice).len();
    d.crash();
    std::fs::remove_dir_all(&d.data).unwrap();
    copy_dir(backup.path(), &d.data);
    let d = d.restart();
    alice.follow(&d);
    let err = alice.fails(&["list"], 1);
    assert!(err.trim_end().ends_with("[journal_rollback]"), "{err}");
    let out = alice.ok(&["--json", "journal", "accept-change", "--yes"]);
    let v: serde_json::Value = serde_json::from_str(&out).unwrap();
    // The upload and what came with it are gone from the restored journal.
    let missing = v["missing"].as_u64().unwrap();
    assert!(missing >= 1 && missing < before as u64, "{v}");
    let kept = v["previous_state"].as_str().unwrap();
    let change: serde_json::Value =
        serde_json::from_str(&std::fs::read_to_string(kept).unwrap()).unwrap();
    assert!(change["missing"]
        .as_array()
        .unwrap()
        .iter()
        .any(|m| m["action"] == "upload"));
    assert_eq!(journal(&alice).last().unwrap()["action"], "journal_change");
}

#[test]
fn a_changed_public_host_is_refused_at_start_with_a_clear_message() {
    let mut d = Daemon::start_with(Some("public_host = \"coffre.albi.fr\"\n"));
    let alice = d.user("alice");
    alice.register();
    journal(&alice);
    d.stop();
    let config = d.data.parent().unwrap().join("other.toml");
    std::fs::write(&config, "public_host = \"coffre.example\"\n").unwrap();
    let out = std::process::Command::new(env!("CARGO_BIN_EXE_coffred"))
        .arg("--data")
        .arg(&d.data)
        .arg("--config")
        .arg(&config)
        .arg("--listen")
        .arg("127.0.0.1:0")
        .env("COFFRE_LOG", "warn")
        .output()
        .unwrap();
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(!out.status.success());
    assert!(stderr.contains("public_host changed"), "{stderr}");
    assert!(stderr.contains("coffre.albi.fr/journal/v1"), "{stderr}");
}

/// A citizen's own listings are journaled at most once a minute, like a mediator's.
#[test]
fn own_listings_are_journaled_at_most_once_a_minute() {
    let d = Daemon::start();
    let alice = d.user("alice");
    alice.register();
    let count = |u: &User| journal(u).iter().filter(|e| e["action"] == "list").count();
    let before = count(&alice);
    for _ in 0..5 {
        alice.list();
    }
    assert!(
        count(&alice) <= before + 1,
        "{} list entries",
        count(&alice)
    );
}

/// The entries endpoint answers in pages (at most 256 entries, `next` to go on), and
/// the client reads them all.
#[test]
fn journal_entries_come_in_pages() {
    let d = Daemon::start();
    let alice = d.user("alice");
    alice.register();
    let files = tempfile::tempdir().unwrap();
    for i in 0..4 {
        alice.add(&random_file(files.path(), &format!("{i}.pdf"), 10), &[]);
    }
    let all = journal(&alice).len();
    assert!(all >= 5);
    let r = crate::harness::agent(&d)
        .get(format!("{}/v1/journal/entries?from=1&limit=2", d.url))
        .header("Authorization", format!("Bearer {}", alice.token()))
        .call()
        .unwrap();
    let (_, page) = crate::harness::status_json(r);
    assert_eq!(page["entries"].as_array().unwrap().len(), 2);
    assert_eq!(page["next"], 3);
    let r = crate::harness::agent(&d)
        .get(format!("{}/v1/journal/entries?limit=100000", d.url))
        .header("Authorization", format!("Bearer {}", alice.token()))
        .call()
        .unwrap();
    let (_, page) = crate::harness::status_json(r);
    assert!(page["entries"].as_array().unwrap().len() <= 256);
}

/// What the journal says is what happened: enrolment codes issued are in the
/// operator's chain, an expiry is in the citizen's, a download reads "downloaded"
/// only once every byte has left, and anyone can fetch an inclusion proof.
#[test]
fn the_journal_says_what_happened() {
    let d = Daemon::start();
    let (social, code) = d.mediator("f.benali", "Fatima Benali", "CCAS d'Albi");
    let mme = d.user("mme.b");
    mme.register();
    let files = tempfile::tempdir().unwrap();
    // Larger than what the connection's buffers can hold (a few MiB on loopback):
    // a client that stops reading must leave bytes the server could not hand over.
    let tax = mme.add(
        &random_file(files.path(), "a.pdf", 32 * 1024 * 1024),
        &["--title", "Avis"],
    );
    mme.share_for_an_hour(&tax, &code);
    social.bytes(&["get", &tax, "-o", "-"]);
    std::thread::sleep(std::time::Duration::from_millis(300));
    let entries = journal(&mme);
    let fetches: Vec<&serde_json::Value> = entries
        .iter()
        .filter(|e| e["action"] == "mediator_fetch" && e["outcome"] == "done")
        .collect();
    assert_eq!(
        fetches.len(),
        2,
        "the record, then the content: {entries:?}"
    );
    let text = mme.ok(&["journal"]);
    assert_eq!(text.matches("a téléchargé « Avis »").count(), 1, "{text}");
    assert_eq!(
        text.matches("a reçu la fiche de « Avis »").count(),
        1,
        "{text}"
    );
    // A download cut short is not "downloaded".
    let http = crate::harness::agent(&d);
    let r = http
        .get(format!("{}/v1/documents/{tax}/content", d.url))
        .header("Authorization", format!("Bearer {}", social.token()))
        .call()
        .unwrap();
    let mut body = r.into_body();
    let mut reader = body.as_reader();
    let mut first = [0u8; 10];
    std::io::Read::read_exact(&mut reader, &mut first).unwrap();
    drop(reader);
    drop(body);
    std::thread::sleep(std::time::Duration::from_millis(500));
    let entries = journal(&mme);
    let last_fetch = entries
        .iter()
        .rev()
        .find(|e| e["action"] == "mediator_fetch")
        .unwrap();
    assert_eq!(last_fetch["outcome"], "failed", "{entries:?}");
    // The operator's chain holds the code issued (audited, never the code itself).
    let audit = d.admin(&["--json", "journal", "verify"]);
    assert!(audit.contains("\"ok\":true"), "{audit}");
    // A public inclusion proof, checked against the public checkpoint.
    let note: serde_json::Value = http
        .get(format!("{}/v1/journal/checkpoint", d.url))
        .call()
        .unwrap()
        .into_body()
        .read_json()
        .unwrap();
    let key: serde_json::Value = http
        .get(format!("{}/v1/journal/key", d.url))
        .call()
        .unwrap()
        .into_body()
        .read_json()
        .unwrap();
    let cp = coffre::journal::checkpoint::verify(
        note["checkpoint"].as_str().unwrap(),
        key["vkey"].as_str().unwrap(),
    )
    .unwrap();
    let p: coffre::api::InclusionResponse = http
        .get(format!(
            "{}/v1/journal/proof?index=0&size={}",
            d.url, cp.size
        ))
        .call()
        .unwrap()
        .into_body()
        .read_json()
        .unwrap();
    let proof: Vec<Vec<u8>> = p.proof.iter().map(|h| h.0.clone()).collect();
    let hash: [u8; 32] = p.leaf_hash.as_slice().try_into().unwrap();
    coffre::journal::merkle::verify_inclusion(0, cp.size, &hash, &proof, &cp.root).unwrap();
}

/// Every enrolment code the operator issues is in the operator's own chain.
#[test]
fn enrolment_codes_issued_are_journaled() {
    let d = Daemon::start();
    let subjects = || -> u64 {
        let audit: serde_json::Value =
            serde_json::from_str(&d.admin(&["--json", "journal", "verify"])).unwrap();
        assert_eq!(audit["ok"], true, "{audit}");
        audit["subjects"].as_u64().unwrap()
    };
    let size = || -> u64 {
        let audit: serde_json::Value =
            serde_json::from_str(&d.admin(&["--json", "journal", "verify"])).unwrap();
        audit["size"].as_u64().unwrap()
    };
    // The operator's chain starts with the service's start.
    assert_eq!((subjects(), size()), (1, 1));
    d.admin(&[
        "mediator",
        "add",
        "--name",
        "A",
        "--structure",
        "S",
        "--user",
        "a.med",
    ]);
    assert_eq!((subjects(), size()), (1, 2));
    d.admin(&[
        "mediator",
        "add",
        "--name",
        "B",
        "--structure",
        "S",
        "--user",
        "b.med",
    ]);
    assert_eq!((subjects(), size()), (1, 3));
}

/// Every start of the service is journaled (in the operator's chain, with its
/// version): restarts and upgrades leave a trace.
#[test]
fn every_start_of_the_service_is_journaled() {
    let d = Daemon::start();
    let first = d.journal_size();
    assert!(first >= 1);
    let d = d.restart();
    assert_eq!(d.journal_size(), first + 1);
    let audit = d.admin(&["journal", "verify"]);
    assert!(audit.contains("aucune anomalie"), "{audit}");
}
