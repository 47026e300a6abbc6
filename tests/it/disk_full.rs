//! I/O errors are honest: a full disk is said plainly to the citizen, reported by
//! readiness, and survived; a save whose answer was lost is said to be in doubt.
//!
//! The daemon's data directory is a small tmpfs (the test runs as root, as CI
//! does); a filler file takes the rest of the space.

use std::io::Write;
use std::path::{Path, PathBuf};
use std::process::Command;
use std::time::{Duration, Instant};

use crate::harness::{agent, random_file, status_json, Daemon};
use crate::proxy::{Proxy, DROP};

/// A tmpfs mounted on a temporary directory; unmounted on drop.
struct Tmpfs {
    dir: tempfile::TempDir,
}

impl Tmpfs {
    fn mount(mib: u64) -> Tmpfs {
        let dir = tempfile::tempdir().unwrap();
        let status = Command::new("mount")
            .args([
                "-t",
                "tmpfs",
                "-o",
                &format!("size={mib}m,mode=0700"),
                "tmpfs",
            ])
            .arg(dir.path())
            .status()
            .expect("mount");
        assert!(
            status.success(),
            "mounting a tmpfs needs root (CI runs the suite as root)"
        );
        Tmpfs { dir }
    }

    fn path(&self) -> &Path {
        self.dir.path()
    }
}

impl Drop for Tmpfs {
    fn drop(&mut self) {
        let _ = Command::new("umount")
            .arg("-l")
            .arg(self.dir.path())
            .status();
    }
}

/// Writes zeros to `path` until the file system refuses (ENOSPC).
fn fill(path: &Path) {
    let mut f = std::fs::File::create(path).unwrap();
    let block = vec![0u8; 64 * 1024];
    loop {
        match f.write(&block) {
            Ok(0) => break,
            Ok(_) => {}
            Err(e) => {
                assert_eq!(e.raw_os_error(), Some(28), "{e}");
                break;
            }
        }
    }
    let _ = f.sync_all();
}

fn ready(d: &Daemon) -> (u16, serde_json::Value) {
    try_ready(d).expect("coffred answers")
}

/// `None` while the daemon is not accepting (it may be stopping on its own).
fn try_ready(d: &Daemon) -> Option<(u16, serde_json::Value)> {
    let r = agent(d).get(format!("{}/v1/ready", d.url)).call().ok()?;
    Some(status_json(r))
}

#[test]
fn a_full_disk_is_said_plainly_and_the_service_comes_back() {
    let disk = Tmpfs::mount(48);
    let data: PathBuf = disk.path().join("data");
    let mut d = Daemon::start_in(data);
    let mut alice = d.user("alice");
    alice.register();
    let files = tempfile::tempdir().unwrap();
    let first = random_file(files.path(), "avis.pdf", 300_000);
    let kept = alice.add(&first, &["--title", "Avis d'imposition"]);
    assert_eq!(ready(&d).0, 200);

    let filler = disk.path().join("filler");
    fill(&filler);

    // The citizen is told the server is full, not that it cannot be reached, and
    // nothing half-written is listed.
    let big = random_file(files.path(), "scan.pdf", 4 << 20);
    let stderr = alice.fails(&["add", big.to_str().unwrap()], 1);
    assert!(stderr.contains("[storage_full]"), "{stderr}");
    assert!(!stderr.contains("server_unreachable"), "{stderr}");
    // Readiness says so (a load balancer stops sending citizens here); liveness
    // stays up (nothing to restart for).
    // Metadata writes too (a login writes a session and a journal entry), until
    // the store has no room left for them either.
    let refused = (0..100).find_map(|_| {
        let out = alice.run(&["login", "alice"]);
        (!out.status.success()).then(|| String::from_utf8_lossy(&out.stderr).into_owned())
    });
    let refused = refused.expect("a full disk refused no login");
    assert!(refused.contains("[storage_full]"), "{refused}");
    let (status, body) = ready(&d);
    assert_eq!(status, 503, "{body}");
    assert_eq!(body["error"]["code"], "storage_full", "{body}");
    let health = agent(&d)
        .get(format!("{}/v1/health", d.url))
        .call()
        .unwrap();
    assert_eq!(health.status(), 200);

    // Space comes back: the service is ready again by itself, or it exits (for
    // systemd to restart it) with EX_TEMPFAIL when its metadata store cannot
    // recover (sled 0.34 keeps its first write error for good: the exit is what
    // happens today).
    std::fs::remove_file(&filler).unwrap();
    let deadline = Instant::now() + Duration::from_secs(30);
    loop {
        if let Some(status) = d.wait_exit(Duration::from_millis(500)) {
            assert_eq!(status.code(), Some(75), "exit status {status}");
            d = d.restart();
            alice.follow(&d);
            break;
        }
        if try_ready(&d).is_some_and(|(status, _)| status == 200) {
            break;
        }
        assert!(
            Instant::now() < deadline,
            "not ready 30 s after space came back"
        );
    }
    assert_eq!(ready(&d).0, 200);
    let added = alice.add(&big, &["--title", "Scan"]);
    let listed: Vec<String> = alice
        .list()
        .iter()
        .map(|v| v["id"].as_str().unwrap().to_owned())
        .collect();
    assert_eq!(listed.len(), 2, "{listed:?}");
    assert!(listed.contains(&kept) && listed.contains(&added));
    let out = files.path().join("back");
    alice.ok(&["get", &kept, "-o", out.to_str().unwrap()]);
    assert_eq!(std::fs::read(&out).unwrap(), std::fs::read(&first).unwrap());
    let report: serde_json::Value =
        serde_json::from_str(&d.admin(&["--json", "journal", "verify"])).unwrap();
    assert_eq!(report["ok"], true, "{report}");
}

#[test]
fn a_save_whose_answer_is_lost_is_said_to_be_in_doubt() {
    let d = Daemon::start();
    let proxy = Proxy::start(&d);
    let mut alice = d.user("alice");
    alice.register();
    alice.point_to(&proxy.url);
    // The commit reaches the server, which saves it; the answer never comes back.
    proxy.set(|method, path, status, body| {
        if method == "POST" && path == "/v1/documents" {
            (DROP, body)
        } else {
            (status, body)
        }
    });
    let files = tempfile::tempdir().unwrap();
    let file = random_file(files.path(), "attestation.pdf", 50_000);
    let stderr = alice.fails(&["add", file.to_str().unwrap()], 1);
    assert!(stderr.contains("[write_in_doubt]"), "{stderr}");
    assert!(stderr.contains("peut-être"), "{stderr}");
    proxy.honest();
    // It was saved: the list the message points to shows it.
    assert_eq!(alice.list().len(), 1);
}
