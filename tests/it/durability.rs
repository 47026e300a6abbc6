//! Crashes and stops: what was acknowledged survives a SIGKILL; what was not
//! leaves nothing visible and nothing behind.

use std::io::Read;
use std::sync::mpsc;
use std::time::Duration;

use crate::harness::{agent, random_file, Daemon};

#[test]
fn acknowledged_documents_survive_a_crash() {
    let d = Daemon::start();
    let alice = d.user("alice");
    alice.register();
    let dir = tempfile::tempdir().unwrap();
    let file = random_file(dir.path(), "acte.pdf", 200_000);
    let id = alice.add(&file, &["--title", "Acte de naissance"]);
    let mut d = d.restart();
    // The restarted daemon has a new port; the session is still valid there.
    let mut alice = alice;
    alice.url = d.url.clone();
    let session = alice.home.path().join("session.json");
    let text = std::fs::read_to_string(&session).unwrap();
    let old_url = serde_json::from_str::<serde_json::Value>(&text).unwrap()["server"]
        .as_str()
        .unwrap()
        .to_owned();
    std::fs::write(&session, text.replace(&old_url, &d.url)).unwrap();
    let listed = alice.list();
    assert_eq!(listed.len(), 1);
    assert_eq!(listed[0]["title"], "Acte de naissance");
    let out = dir.path().join("back");
    alice.ok(&["get", &id, "-o", out.to_str().unwrap()]);
    assert_eq!(std::fs::read(out).unwrap(), std::fs::read(&file).unwrap());
    assert!(d.stop().success());
}

/// A body that sends `before` bytes of an age-looking stream, then tells the test
/// and waits to be released (or fails).
pub struct Stalling {
    sent: usize,
    before: usize,
    reached: Option<mpsc::Sender<()>>,
    release: mpsc::Receiver<()>,
}

impl Stalling {
    /// Sends `before` bytes, then waits on `release` (up to 30 s) and fails.
    pub fn new(before: usize, release: mpsc::Receiver<()>) -> Stalling {
        Stalling {
            sent: 0,
            before,
            reached: None,
            release,
        }
    }
}

impl Read for Stalling {
    fn read(&mut self, buf: &mut [u8]) -> std::io::Result<usize> {
        if self.sent == 0 {
            let magic = b"age-encryption.org/v1\n";
            buf[..magic.len()].copy_from_slice(magic);
            self.sent = magic.len();
            return Ok(magic.len());
        }
        if self.sent >= self.before {
            if let Some(tx) = self.reached.take() {
                let _ = tx.send(());
            }
            let _ = self.release.recv_timeout(Duration::from_secs(30));
            return Err(std::io::Error::other("stopped by the test"));
        }
        let n = buf.len().min(self.before - self.sent);
        buf[..n].fill(0x5a);
        self.sent += n;
        Ok(n)
    }
}

#[test]
fn an_upload_killed_half_way_leaves_nothing_after_restart() {
    let d = Daemon::start();
    let alice = d.user("alice");
    alice.register();
    let token = alice.token();
    let url = format!("{}/v1/uploads", d.url);
    let http = agent(&d);
    let (reached_tx, reached_rx) = mpsc::channel();
    let (release_tx, release_rx) = mpsc::channel();
    let uploader = std::thread::spawn(move || {
        let body = Stalling {
            sent: 0,
            before: 3 * 1024 * 1024,
            reached: Some(reached_tx),
            release: release_rx,
        };
        http.post(&url)
            .header("Authorization", format!("Bearer {token}"))
            .content_type("application/octet-stream")
            .send(ureq::SendBody::from_owned_reader(body))
    });
    reached_rx.recv_timeout(Duration::from_secs(30)).unwrap();
    // Let the server write what it got, then crash it mid-upload.
    std::thread::sleep(Duration::from_millis(300));
    let staging = d.data.join("blobs/staging");
    let staged: Vec<_> = std::fs::read_dir(&staging).unwrap().collect();
    assert_eq!(staged.len(), 1, "the upload is being staged");
    let d = d.restart();
    let _ = release_tx.send(());
    let _ = uploader.join();
    // Nothing visible, nothing left behind.
    assert_eq!(std::fs::read_dir(&staging).unwrap().count(), 0);
    let docs = d.data.join("blobs/docs");
    let shards = std::fs::read_dir(&docs).unwrap().count();
    assert_eq!(shards, 0);
    let mut alice = alice;
    alice.url = d.url.clone();
    alice.ok(&["login", "alice"]);
    assert!(alice.list().is_empty());
}

#[test]
fn a_truncated_upload_is_refused_and_the_server_stays_up() {
    let d = Daemon::start();
    let alice = d.user("alice");
    alice.register();
    let (never_tx, release_rx) = mpsc::channel();
    let body = Stalling::new(100_000, release_rx);
    // The reader fails after 100 kB: the client aborts the chunked body.
    drop(never_tx);
    let r = agent(&d)
        .post(format!("{}/v1/uploads", d.url))
        .header("Authorization", format!("Bearer {}", alice.token()))
        .content_type("application/octet-stream")
        .send(ureq::SendBody::from_owned_reader(body));
    assert!(r.is_err());
    std::thread::sleep(Duration::from_millis(200));
    assert!(alice.list().is_empty());
    assert_eq!(
        std::fs::read_dir(d.data.join("blobs/staging"))
            .unwrap()
            .count(),
        0,
        "a failed upload is discarded at once"
    );
    let dir = tempfile::tempdir().unwrap();
    alice.add(&random_file(dir.path(), "ok.pdf", 10), &[]);
}

#[test]
fn sigterm_stops_cleanly_with_status_zero() {
    let mut d = Daemon::start();
    d.user("alice").register();
    let status = d.stop();
    assert!(status.success(), "{status:?}");
}

/// A document record too large for sled's log (sled 0.34 then writes it to
/// `meta/blobs/<lsn>`), committed through the API with a valid seal.
fn commit_large_record(d: &Daemon, u: &crate::harness::User) -> String {
    use coffre::api::DocumentSeal;
    use coffre::crypto::{hex, sha256};
    let bearer = format!("Bearer {}", u.token());
    let r = agent(d)
        .post(format!("{}/v1/uploads", d.url))
        .header("Authorization", &bearer)
        .content_type("application/octet-stream")
        .send(&b"age-encryption.org/v1\n-> X25519 large"[..])
        .unwrap();
    let up: coffre::api::UploadResponse = r.into_body().read_json().unwrap();
    let mut sealed = b"age-encryption.org/v1\n".to_vec();
    sealed.resize(60 * 1024, b'x');
    let sealed_sha256 = hex(&sha256(&sealed));
    let seal = DocumentSeal {
        origin: "localhost/journal/v1",
        id: &up.document,
        owner: &u.name,
        size: up.size,
        payload_sha256: &up.payload_sha256,
        meta_sha256: &sealed_sha256,
        envelope_sha256: &sealed_sha256,
    };
    let session = u.client().session().unwrap();
    let req = coffre::api::CommitRequest {
        upload: up.upload,
        meta: sealed.clone().into(),
        owner_envelope: sealed.into(),
        signature: session.identity().sign(&seal.canonical()).to_vec().into(),
    };
    let r = agent(d)
        .post(format!("{}/v1/documents", d.url))
        .header("Authorization", &bearer)
        .send_json(&req)
        .unwrap();
    assert_eq!(r.status(), 201);
    up.document.to_string()
}

/// Every file the daemon writes under its data directory is fsynced after its last
/// write: traced with strace while citizens and a mediator work, including a record
/// large enough for sled to write it as a separate file (which sled never fsyncs).
#[test]
fn every_file_written_under_the_data_directory_is_fsynced() {
    let dir = tempfile::tempdir().unwrap();
    let trace = dir.path().join("trace.txt");
    let mut d = Daemon::start_traced(&trace);
    let (social, code) = d.mediator("f.benali", "Fatima Benali", "CCAS");
    let _ = social;
    let alice = d.user("alice");
    alice.register();
    let files = tempfile::tempdir().unwrap();
    let id = alice.add(
        &random_file(files.path(), "a.pdf", 300_000),
        &["--title", "Avis"],
    );
    commit_large_record(&d, &alice);
    alice.share_for_an_hour(&id, &code);
    let grant = serde_json::from_str::<Vec<serde_json::Value>>(&alice.ok(&["--json", "grants"]))
        .unwrap()[0]["grant"]
        .as_str()
        .unwrap()
        .to_owned();
    alice.ok(&["revoke", &grant]);
    alice.ok(&["rm", &id]);
    // sled's own flusher runs every 500 ms; let it finish what it started.
    std::thread::sleep(Duration::from_millis(1500));
    d.crash();
    let data = d.data.canonicalize().unwrap();
    let text = std::fs::read_to_string(&trace).unwrap();
    let unsynced = unsynced_files(&text, &data.display().to_string());
    assert!(
        text.contains("/meta/blobs/"),
        "no sled blob was written: the test lost its point"
    );
    assert!(
        unsynced.is_empty(),
        "written but never fsynced after: {unsynced:#?}"
    );
}

/// Paths under `data` written (write, pwrite…) and not fsynced after their last
/// write, nor removed, according to an `strace -f -y` trace.
fn unsynced_files(trace: &str, data: &str) -> Vec<String> {
    let mut dirty: std::collections::BTreeSet<String> = Default::default();
    for line in trace.lines() {
        let call = line
            .trim_start_matches(|c: char| c.is_ascii_digit() || c == ' ')
            .trim_start();
        let Some((name, rest)) = call.split_once('(') else {
            continue;
        };
        let path = |s: &str| -> Option<String> {
            let start = s.find('<')? + 1;
            let end = start + s[start..].find('>')?;
            Some(s[start..end].to_owned())
        };
        match name {
            "write" | "pwrite64" | "writev" | "pwritev" | "pwritev2" => {
                if let Some(p) = path(rest).filter(|p| p.starts_with(data)) {
                    dirty.insert(p);
                }
            }
            "fsync" | "fdatasync" => {
                if let Some(p) = path(rest) {
                    dirty.remove(&p);
                }
            }
            "unlink" | "unlinkat" | "rename" | "renameat" | "renameat2" => {
                // The quoted paths are relative to the directory shown; a removed
                // or renamed-away file needs no fsync of its own.
                for quoted in rest.split('"').skip(1).step_by(2) {
                    let name = quoted.rsplit('/').next().unwrap_or(quoted);
                    dirty.retain(|p| !p.ends_with(&format!("/{name}")));
                }
            }
            _ => {}
        }
    }
    dirty.into_iter().collect()
}
