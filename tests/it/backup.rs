//! Backup and restore as an operator runs them (`coffred backup`, `check-backup`,
//! `restore`): a consistent backup of a service under load, a restore that rolls
//! the journal back with a signed notice, citizens' clients that say what was lost
//! and let her go on once she has read it, and damaged backups or occupied
//! targets refused with nothing overwritten.

use std::os::unix::fs::PermissionsExt;
use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::Arc;
use std::time::Instant;

use crate::harness::{coffred, copy_dir, random_file, Daemon, User};

fn stderr(out: &std::process::Output) -> String {
    String::from_utf8_lossy(&out.stderr).into_owned()
}

fn assert_ok(out: &std::process::Output) -> String {
    assert!(out.status.success(), "{}", stderr(out));
    String::from_utf8_lossy(&out.stdout).into_owned()
}

/// Every file and directory under `dir` with its mode.
fn modes(dir: &Path, out: &mut Vec<(PathBuf, u32, bool)>) {
    for e in std::fs::read_dir(dir).unwrap() {
        let e = e.unwrap();
        let meta = e.metadata().unwrap();
        out.push((e.path(), meta.permissions().mode() & 0o777, meta.is_dir()));
        if meta.is_dir() {
            modes(&e.path(), out);
        }
    }
}

fn get(u: &User, id: &str) -> Vec<u8> {
    u.bytes(&["get", id, "-o", "-"])
}

#[test]
fn restore_drill_under_load_every_acknowledged_paper_comes_back_and_clients_say_what_was_lost() {
    let d = Daemon::start();
    let files = tempfile::tempdir().unwrap();
    let alice = d.user("alice");
    alice.register();
    let avis_file = random_file(files.path(), "avis.pdf", 200_000);
    let avis = alice.add(&avis_file, &["--title", "Avis d'imposition 2025"]);
    let bob = d.user("bob");
    bob.register();
    let caf_file = random_file(files.path(), "caf.pdf", 50_000);
    let caf = bob.add(&caf_file, &["--title", "Attestation CAF"]);
    let carol = d.user("carol");
    carol.register();

    // Carol keeps adding papers while the backup runs; each acknowledgement is
    // timed.
    let stop = Arc::new(AtomicBool::new(false));
    let loader = {
        let stop = Arc::clone(&stop);
        let dir = files.path().to_path_buf();
        std::thread::spawn(move || {
            let mut acked = Vec::new();
            let mut i = 0;
            while !stop.load(Ordering::SeqCst) || i < 3 {
                let path = random_file(&dir, &format!("c{i}.pdf"), 20_000 + i * 1000);
                let id = carol.add(&path, &["--title", &format!("Papier {i}")]);
                acked.push((id, path, Instant::now()));
                i += 1;
            }
            (carol, acked)
        })
    };
    std::thread::sleep(std::time::Duration::from_millis(700));
    let base = tempfile::tempdir().unwrap();
    let dest = base.path().join("sauvegarde-1");
    let began = Instant::now();
    let said = assert_ok(&d.backup(&dest));
    let ended = Instant::now();
    assert!(said.contains("documents"), "{said}");
    std::thread::sleep(std::time::Duration::from_millis(500));
    stop.store(true, Ordering::SeqCst);
    let (carol, acked) = loader.join().unwrap();
    assert!(
        acked.iter().any(|(_, _, t)| *t < began),
        "no upload before the backup"
    );
    assert!(
        acked.iter().any(|(_, _, t)| *t > ended),
        "no upload after the backup"
    );

    // The backup is private and whole.
    let mut seen = Vec::new();
    modes(&dest, &mut seen);
    assert!(seen.iter().any(|(p, _, _)| p.ends_with("manifest.json")));
    for (path, mode, is_dir) in &seen {
        let want = if *is_dir { 0o700 } else { 0o600 };
        assert_eq!(*mode, want, "{} is {mode:o}", path.display());
    }
    assert_eq!(
        std::fs::metadata(&dest).unwrap().permissions().mode() & 0o777,
        0o700
    );
    let checked = assert_ok(&coffred(&["check-backup", dest.to_str().unwrap()]));
    assert!(checked.contains("every hash checks"), "{checked}");
    // Nothing readable in it: no title, no piece of a paper's plaintext.
    let plain = std::fs::read(&avis_file).unwrap();
    let needle = &plain[1000..1064];
    for (path, _, is_dir) in &seen {
        if *is_dir {
            continue;
        }
        let bytes = std::fs::read(path).unwrap();
        assert!(
            !bytes.windows(needle.len()).any(|w| w == needle),
            "plaintext in {}",
            path.display()
        );
        let text = String::from_utf8_lossy(&bytes);
        assert!(
            !text.contains("Avis d'imposition"),
            "title in {}",
            path.display()
        );
    }

    // After the backup: Alice adds a paper, lists and deletes her tax notice.
    let apres = alice.add(
        &random_file(files.path(), "apres.pdf", 3000),
        &["--title", "Après la sauvegarde"],
    );
    alice.list();
    alice.ok(&["rm", &avis]);
    alice.list();

    // Disaster: the service is restored from the backup into a new directory.
    let mut d = d;
    d.stop();
    let restored = base.path().join("restauré");
    let said = assert_ok(&coffred(&[
        "restore",
        dest.to_str().unwrap(),
        "--data",
        restored.to_str().unwrap(),
    ]));
    assert!(said.contains("restore notice"), "{said}");
    let d = Daemon::start_in(restored);
    let (mut alice, mut bob, mut carol) = (alice, bob, carol);
    // Sessions never travel in a backup: everyone logs in again.
    for u in [&mut alice, &mut bob, &mut carol] {
        u.follow(&d);
        let err = u.fails(&["list"], 1);
        assert!(err.contains("[session_expired]"), "{err}");
        u.ok(&["login", &u.name.clone()]);
    }

    // Bob did nothing since: his paper is there.
    assert_eq!(get(&bob, &caf), std::fs::read(&caf_file).unwrap());

    // Alice's client says it was a restore, with the backup's date, and keeps
    // saying it until she has read what changed and accepted it.
    for _ in 0..2 {
        let err = alice.fails(&["list"], 1);
        assert!(
            err.contains("restauré à partir d'une sauvegarde du"),
            "{err}"
        );
        assert!(err.contains("coffre journal accept-change"), "{err}");
        assert!(err.trim_end().ends_with("[journal_restored]"), "{err}");
    }
    let shown = alice.ok(&["journal", "accept-change", "--yes"]);
    assert!(shown.contains("restauré le"), "{shown}");
    let lost_at = shown.find("ne sont plus dans votre coffre").expect(&shown);
    let back_at = shown
        .find("sont de nouveau dans votre coffre")
        .expect(&shown);
    let lost_part = &shown[lost_at..back_at.max(lost_at)];
    // Named by its id: the title was in the listing kept with her session, which
    // a new login does not keep (sessions never travel in a backup).
    assert!(lost_part.contains(&apres[..8]), "{shown}");
    assert!(
        shown[back_at..].contains("« Avis d'imposition 2025 »"),
        "{shown}"
    );
    // What she accepted is in her journal; her vault works again, as restored.
    let entries: Vec<serde_json::Value> =
        serde_json::from_str(&alice.ok(&["--json", "journal"])).unwrap();
    assert_eq!(entries.last().unwrap()["action"], "journal_change");
    let ids: Vec<String> = alice
        .list()
        .iter()
        .map(|d| d["id"].as_str().unwrap().to_owned())
        .collect();
    assert!(ids.contains(&avis) && !ids.contains(&apres), "{ids:?}");
    assert_eq!(get(&alice, &avis), std::fs::read(&avis_file).unwrap());
    // The evidence kept on her device names documents by id, never by title.
    let kept: Vec<PathBuf> = std::fs::read_dir(alice.home.path())
        .unwrap()
        .map(|e| e.unwrap().path())
        .filter(|p| p.to_string_lossy().contains("journal-change-"))
        .collect();
    assert_eq!(kept.len(), 1);
    let evidence = std::fs::read_to_string(&kept[0]).unwrap();
    assert!(evidence.contains(&apres[..16]) && !evidence.contains("Après la sauvegarde"));

    // Carol: everything acknowledged before the backup began decrypts; what she
    // added after it ended is named as lost.
    let err = carol.fails(&["list"], 1);
    assert!(err.trim_end().ends_with("[journal_restored]"), "{err}");
    let v: serde_json::Value =
        serde_json::from_str(&carol.ok(&["--json", "journal", "accept-change", "--yes"])).unwrap();
    assert!(v["restore"]["backup_ms"].as_i64().unwrap() > 0, "{v}");
    let lost: Vec<String> = v["lost_documents"]
        .as_array()
        .unwrap()
        .iter()
        .map(|d| d["id"].as_str().unwrap().to_owned())
        .collect();
    for (id, path, at) in &acked {
        if *at < began {
            assert_eq!(&get(&carol, id), &std::fs::read(path).unwrap(), "{id}");
            assert!(!lost.contains(id));
        } else if *at > ended {
            assert!(lost.contains(id), "{id} not reported lost: {v}");
        }
    }
    for id in &lost {
        let at = acked.iter().find(|(i, _, _)| i == id).map(|(_, _, t)| *t);
        assert!(at.is_some_and(|t| t > began), "{id} reported lost: {v}");
    }
    carol.ok(&["list"]);
}

#[test]
fn a_backup_goes_only_into_a_new_directory_and_only_for_the_operator() {
    let d = Daemon::start();
    let alice = d.user("alice");
    alice.register();
    let base = tempfile::tempdir().unwrap();
    // An existing directory (even empty) is refused and left as it was.
    let existing = base.path().join("existe");
    std::fs::create_dir(&existing).unwrap();
    std::fs::write(existing.join("autre.txt"), "à garder").unwrap();
    let out = d.backup(&existing);
    refused(&out, "backup_destination_exists");
    assert_eq!(
        std::fs::read_to_string(existing.join("autre.txt")).unwrap(),
        "à garder"
    );
    assert_eq!(std::fs::read_dir(&existing).unwrap().count(), 1);
    // A wrong token: refused by the service, nothing left behind.
    let dest = base.path().join("neuf");
    let out = std::process::Command::new(env!("CARGO_BIN_EXE_coffred"))
        .args(["backup", dest.to_str().unwrap(), "--url", &d.url, "--ca"])
        .arg(d.ca())
        .env("COFFRE_ADMIN_TOKEN", "pas-le-bon-jeton")
        .output()
        .unwrap();
    refused(&out, "backup_unavailable");
    assert!(!dest.exists());
    // The stream holds every secret of the service: never through a proxy (a
    // request that names a client it forwards for), even with the token.
    for (name, value) in [
        ("X-Forwarded-For", "198.51.100.7"),
        ("Forwarded", "for=198.51.100.7"),
    ] {
        let answer = crate::harness::agent(&d)
            .get(format!("{}/v1/admin/backup", d.url))
            .header("Authorization", format!("Bearer {}", d.admin_token()))
            .header(name, value)
            .call()
            .unwrap();
        let (status, v) = crate::harness::status_json(answer);
        assert_eq!(
            (status, v["error"]["code"].as_str()),
            (403, Some("local_only")),
            "{v}"
        );
    }
    // A service that does not answer: nothing left behind either.
    let mut d = d;
    let data = d.data.clone();
    let url = d.url.clone();
    d.stop();
    let out = coffred(&[
        "backup",
        dest.to_str().unwrap(),
        "--data",
        data.to_str().unwrap(),
        "--url",
        &url,
    ]);
    refused(&out, "backup_unavailable");
    assert!(!dest.exists());
}

fn restore_into(src: &Path, data: &Path) -> std::process::Output {
    coffred(&[
        "restore",
        src.to_str().unwrap(),
        "--data",
        data.to_str().unwrap(),
    ])
}

fn refused(out: &std::process::Output, code: &str) {
    assert_eq!(out.status.code(), Some(1), "{}", stderr(out));
    assert!(
        stderr(out).contains(&format!("[{code}]")),
        "{}",
        stderr(out)
    );
}

#[test]
fn damaged_backups_and_occupied_targets_are_refused_with_nothing_written() {
    let d = Daemon::start();
    let alice = d.user("alice");
    alice.register();
    let files = tempfile::tempdir().unwrap();
    let doc = alice.add(&random_file(files.path(), "a.pdf", 30_000), &[]);
    let base = tempfile::tempdir().unwrap();
    let good = base.path().join("bonne");
    assert_ok(&d.backup(&good));
    let target = base.path().join("cible");

    let damaged = |name: &str, harm: &dyn Fn(&Path)| {
        let copy = base.path().join(name);
        copy_dir(&good, &copy);
        harm(&copy);
        copy
    };
    // One flipped byte in a payload, in the metadata, in a key.
    for rel in [
        format!("blobs/{doc}/payload.age"),
        "meta.export".to_owned(),
        "keys/journal-ed25519".to_owned(),
    ] {
        let copy = damaged(&format!("flip-{}", rel.replace('/', "_")), &|p: &Path| {
            let path = p.join(&rel);
            let mut bytes = std::fs::read(&path).unwrap();
            let mid = bytes.len() / 2;
            bytes[mid] ^= 0x01;
            std::fs::write(&path, bytes).unwrap();
        });
        refused(
            &coffred(&["check-backup", copy.to_str().unwrap()]),
            "backup_corrupt",
        );
        refused(&restore_into(&copy, &target), "backup_corrupt");
        assert!(!target.exists());
    }
    // A missing file, an extra one, no manifest (an interrupted backup).
    let copy = damaged("manque", &|p: &Path| {
        std::fs::remove_file(p.join(format!("blobs/{doc}/owner.age"))).unwrap()
    });
    refused(&restore_into(&copy, &target), "backup_missing_file");
    let copy = damaged("en-trop", &|p: &Path| {
        std::fs::write(p.join("keys/intrus"), "x").unwrap()
    });
    refused(&restore_into(&copy, &target), "backup_unexpected_file");
    // Listed in the manifest with its right hash, but not a file a backup holds
    // (a restore would write it where the store lives): refused all the same.
    let copy = damaged("liste-en-trop", &|p: &Path| {
        std::fs::create_dir_all(p.join("meta")).unwrap();
        std::fs::write(p.join("meta/conf"), "segment_size: 1").unwrap();
        let path = p.join("manifest.json");
        let mut m: serde_json::Value =
            serde_json::from_str(&std::fs::read_to_string(&path).unwrap()).unwrap();
        m["files"].as_array_mut().unwrap().push(serde_json::json!({
            "path": "meta/conf",
            "size": 15,
            "sha256": coffre::crypto::hex(&coffre::crypto::sha256(b"segment_size: 1")),
        }));
        std::fs::write(&path, serde_json::to_vec(&m).unwrap()).unwrap();
    });
    refused(&restore_into(&copy, &target), "backup_corrupt");
    assert!(!target.exists());
    let copy = damaged("sans-manifeste", &|p: &Path| {
        std::fs::remove_file(p.join("manifest.json")).unwrap()
    });
    refused(&restore_into(&copy, &target), "backup_no_manifest");
    assert!(!target.exists());
    // A data directory that holds anything is never written over.
    std::fs::create_dir(&target).unwrap();
    std::fs::write(target.join("ancien"), "reste").unwrap();
    refused(&restore_into(&good, &target), "restore_target_not_empty");
    assert_eq!(
        std::fs::read_to_string(target.join("ancien")).unwrap(),
        "reste"
    );
    assert_eq!(std::fs::read_dir(&target).unwrap().count(), 1);
    // A configuration for another deployment (its journal's name differs).
    let other = base.path().join("autre.toml");
    std::fs::write(&other, "public_host = \"coffre.ailleurs.fr\"\n").unwrap();
    let empty = base.path().join("vide");
    let out = coffred(&[
        "restore",
        good.to_str().unwrap(),
        "--data",
        empty.to_str().unwrap(),
        "--config",
        other.to_str().unwrap(),
    ]);
    refused(&out, "backup_origin_mismatch");
    assert!(!empty.exists());
    // A restore cut short (its work directory left inside the target) is never
    // started as a data directory.
    let cut = base.path().join("interrompu");
    std::fs::create_dir_all(cut.join(".restoring/meta")).unwrap();
    std::fs::set_permissions(&cut, std::fs::Permissions::from_mode(0o700)).unwrap();
    let out = coffred(&["--data", cut.to_str().unwrap(), "--listen", "127.0.0.1:0"]);
    assert!(!out.status.success());
    assert!(
        stderr(&out).contains("restore that did not finish"),
        "{}",
        stderr(&out)
    );
    assert!(!cut.join("meta").exists());
    // The good backup restores into an empty directory (built inside it, as on a
    // packaged install), and serves.
    std::fs::create_dir(&empty).unwrap();
    let said = assert_ok(&restore_into(&good, &empty));
    let back_to: u64 = said
        .split("the journal is back to ")
        .nth(1)
        .and_then(|rest| rest.split(' ').next())
        .and_then(|n| n.parse().ok())
        .expect(&said);
    let mut d = d;
    d.stop();
    let r = Daemon::start_in(empty);
    // Its first start journals the restore, then the start itself: the log says
    // it was rolled back.
    let size = r.journal_size();
    assert_eq!(size, back_to + 2, "{said}");
    let mut alice = alice;
    alice.follow(&r);
    alice.ok(&["login", "alice"]);
    alice.ok(&["list"]);
    // The operator's audit finds the restored journal sound (the backup's own
    // attempt entry included).
    let audit = r.admin(&["journal", "verify"]);
    assert!(audit.contains("aucune anomalie"), "{audit}");
    // No entry of hers was lost, so her client has nothing to accept.
    let bytes = alice.bytes(&["get", &doc, "-o", "-"]);
    assert_eq!(bytes.len(), 30_000);
}

/// The operator's monitoring sees when the last backup was sent whole, and a
/// restart does not forget it (it comes from the journal).
#[test]
fn the_last_backups_time_is_in_the_metrics_across_restarts() {
    let last_backup = |d: &Daemon| -> i64 {
        let text = d.metrics();
        text.lines()
            .find_map(|l| l.strip_prefix("coffre_last_backup_timestamp_seconds "))
            .expect(&text)
            .trim()
            .parse()
            .unwrap()
    };
    let d = Daemon::start();
    assert_eq!(last_backup(&d), 0);
    let base = tempfile::tempdir().unwrap();
    let before = time::OffsetDateTime::now_utc().unix_timestamp();
    assert_ok(&d.backup(&base.path().join("b")));
    let at = last_backup(&d);
    assert!(at >= before - 1 && at <= time::OffsetDateTime::now_utc().unix_timestamp() + 1);
    let d = d.restart();
    assert_eq!(last_backup(&d), at);
}

/// Attack: once a real restore signed a notice, a later rollback that nobody
/// signed (a snapshot put back, a server hiding entries) must still raise the
/// alarm, not pass for that old restore.
#[test]
fn an_old_restore_notice_does_not_explain_a_later_rollback() {
    let mut d = Daemon::start();
    let mut alice = d.user("alice");
    alice.register();
    let files = tempfile::tempdir().unwrap();
    let base = tempfile::tempdir().unwrap();
    let backup = base.path().join("b");
    assert_ok(&d.backup(&backup));
    alice.add(&random_file(files.path(), "a.pdf", 100), &[]);
    alice.list();
    // A real restore: explained, accepted.
    d.stop();
    let restored = base.path().join("restored");
    assert_ok(&restore_into(&backup, &restored));
    let mut d = Daemon::start_in(restored.clone());
    alice.follow(&d);
    alice.ok(&["login", "alice"]);
    let err = alice.fails(&["list"], 1);
    assert!(err.trim_end().ends_with("[journal_restored]"), "{err}");
    alice.ok(&["journal", "accept-change", "--yes"]);
    alice.list();
    // Later: a snapshot of the files is taken, she goes on, the snapshot is put
    // back. No restore signed anything this time.
    d.crash();
    let snap = base.path().join("snap");
    copy_dir(&restored, &snap);
    let d = d.restart();
    alice.follow(&d);
    alice.add(&random_file(files.path(), "b.pdf", 100), &[]);
    alice.list();
    let mut d = d;
    d.crash();
    std::fs::remove_dir_all(&restored).unwrap();
    copy_dir(&snap, &restored);
    let d = d.restart();
    alice.follow(&d);
    let err = alice.fails(&["list"], 1);
    assert!(
        err.trim_end().ends_with("[journal_rollback]")
            || err.trim_end().ends_with("[journal_tampered]"),
        "an old notice explained a rollback it did not sign: {err}"
    );
}

/// Attack: a consent she withdrew after the backup must not come back alive with
/// the restore (nor any other share: the restore ends them all, and says so).
#[test]
fn a_restore_never_brings_a_withdrawn_share_back() {
    let mut d = Daemon::start();
    let (social, code) = d.mediator("f.benali", "Fatima Benali", "CCAS d'Albi");
    let mme = d.user("mme.b");
    mme.register();
    let files = tempfile::tempdir().unwrap();
    let doc = mme.add(
        &random_file(files.path(), "avis.pdf", 1000),
        &["--title", "Avis"],
    );
    let out = mme.ok(&[
        "--json",
        "share",
        &doc,
        "--to",
        "f.benali",
        "--for",
        "30d",
        "--safety-code",
        &code,
    ]);
    let grant: serde_json::Value = serde_json::from_str(&out).unwrap();
    let grant = grant["grant"].as_str().unwrap().to_owned();
    social.bytes(&["get", &doc, "-o", "-"]);
    let base = tempfile::tempdir().unwrap();
    let backup = base.path().join("b");
    assert_ok(&d.backup(&backup));
    // After the backup she withdraws it.
    mme.ok(&["revoke", &grant[..8]]);
    d.stop();
    let restored = base.path().join("r");
    let said = assert_ok(&restore_into(&backup, &restored));
    assert!(said.contains("1 share"), "{said}");
    let d = Daemon::start_in(restored);
    let (mut social, mut mme) = (social, mme);
    social.follow(&d);
    social.ok(&["login", "f.benali"]);
    let err = social.fails(&["get", &doc, "-o", "-"], 1);
    assert!(err.contains("[grant_revoked]"), "{err}");
    mme.follow(&d);
    mme.ok(&["login", "mme.b"]);
    let err = mme.fails(&["grants"], 1);
    assert!(err.trim_end().ends_with("[journal_restored]"), "{err}");
    let shown = mme.ok(&["journal", "accept-change", "--yes"]);
    assert!(shown.contains("partages en cours"), "{shown}");
    let grants = mme.ok(&["grants"]);
    assert!(grants.contains("retiré"), "{grants}");
}

/// Scheduled backups: `--into DIR` names each after its time, `prune-backups`
/// keeps the newest whole ones and never touches a backup named by hand.
#[test]
fn scheduled_backups_are_named_by_time_and_pruned() {
    let d = Daemon::start();
    let base = tempfile::tempdir().unwrap();
    let dir = base.path().join("sauvegardes");
    let by_hand = dir.join("avant-mise-a-jour");
    std::fs::create_dir_all(&dir).unwrap();
    assert_ok(&d.backup(&by_hand));
    let into = |d: &Daemon| {
        assert_ok(&coffred(&[
            "backup",
            "--into",
            dir.to_str().unwrap(),
            "--data",
            d.data.to_str().unwrap(),
            "--url",
            &d.url,
        ]))
    };
    into(&d);
    std::thread::sleep(std::time::Duration::from_millis(1100));
    into(&d);
    let scheduled = |dir: &Path| -> Vec<String> {
        let mut v: Vec<String> = std::fs::read_dir(dir)
            .unwrap()
            .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
            .filter(|n| n.starts_with("backup-"))
            .collect();
        v.sort();
        v
    };
    let before = scheduled(&dir);
    assert_eq!(before.len(), 2, "{before:?}");
    let said = assert_ok(&coffred(&[
        "prune-backups",
        dir.to_str().unwrap(),
        "--keep",
        "1",
    ]));
    assert!(said.contains("1 whole backup(s) kept, 1 removed"), "{said}");
    assert_eq!(scheduled(&dir), before[1..]);
    assert!(by_hand.join("manifest.json").exists());
    assert_ok(&coffred(&[
        "check-backup",
        dir.join(&before[1]).to_str().unwrap(),
    ]));
}

/// Attack (of time): an account erased after the backup must not come back with a
/// restore. The erasure is written in a ledger outside the data directory (and so
/// outside backups); the first start after the restore erases it again.
#[test]
fn an_account_erased_after_the_backup_stays_erased_after_a_restore() {
    let base = tempfile::tempdir().unwrap();
    let ledger = base.path().join("effacements").join("ledger");
    let config = format!("erasure_ledger = \"{}\"\n", ledger.display());
    let mut d = Daemon::start_with(Some(&config));
    let files = tempfile::tempdir().unwrap();
    let gone = d.user("m.depart");
    gone.register();
    let doc = gone.add(&random_file(files.path(), "a.pdf", 5000), &[]);
    let stays = d.user("mme.reste");
    stays.register();
    let kept = stays.add(&random_file(files.path(), "b.pdf", 5000), &[]);
    let backup = base.path().join("b");
    assert_ok(&d.backup(&backup));
    gone.ok(&["--json", "delete-account", "--yes"]);
    d.stop();
    let restored = base.path().join("r");
    assert_ok(&restore_into(&backup, &restored));
    // The same deployment, restored: same configuration, same ledger.
    let d = Daemon::start_in_with(restored.clone(), &config);
    let (mut gone, mut stays) = (gone, stays);
    gone.follow(&d);
    stays.follow(&d);
    let err = gone.fails(&["login", "m.depart"], 1);
    assert!(err.contains("[bad_credentials]"), "{err}");
    assert!(!restored
        .join("blobs/docs")
        .join(&doc[..2])
        .join(&doc)
        .exists());
    // The one who stays has seen nothing since the backup: all is as she left it.
    stays.ok(&["login", "mme.reste"]);
    stays.ok(&["list"]);
    assert_eq!(stays.bytes(&["get", &kept, "-o", "-"]).len(), 5000);
    // The ledger names nobody.
    let text = std::fs::read_to_string(&ledger).unwrap();
    assert!(
        !text.contains("depart") && text.trim().len() == 64,
        "{text}"
    );
}
