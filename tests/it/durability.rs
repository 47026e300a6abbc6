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
