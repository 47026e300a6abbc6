//! Starts a real coffred on 127.0.0.1:0 with a temporary data directory, and runs the
//! real `coffre` binary against it over TLS.

use std::io::{BufRead, BufReader};
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Output, Stdio};
use std::sync::mpsc;
use std::time::Duration;

use tempfile::TempDir;

pub const PASS: &str = "correct horse battery staple";

/// A running daemon; killed on drop.
pub struct Daemon {
    child: Option<Child>,
    pub url: String,
    pub data: PathBuf,
    config: Option<PathBuf>,
    _dir: std::sync::Arc<TempDir>,
}

impl Daemon {
    pub fn start() -> Daemon {
        Daemon::start_with(None)
    }

    /// Starts with an extra TOML configuration.
    pub fn start_with(config: Option<&str>) -> Daemon {
        let dir = std::sync::Arc::new(tempfile::tempdir().unwrap());
        let data = dir.path().join("data");
        let config_path = config.map(|text| {
            let p = dir.path().join("coffred.toml");
            std::fs::write(&p, text).unwrap();
            p
        });
        Daemon::launch(dir, data, config_path, None)
    }

    /// Starts with an extra configuration and the log filter `filter`, its log
    /// (stderr) written to `log`.
    pub fn start_logging(config: Option<&str>, filter: &str, log: &Path) -> Daemon {
        let dir = std::sync::Arc::new(tempfile::tempdir().unwrap());
        let data = dir.path().join("data");
        let config_path = config.map(|text| {
            let p = dir.path().join("coffred.toml");
            std::fs::write(&p, text).unwrap();
            p
        });
        Daemon::launch_with(dir, data, config_path, None, Some((filter, log)))
    }

    /// Starts on an existing data directory (a restored one) with an extra
    /// configuration.
    pub fn start_in_with(data: PathBuf, config: &str) -> Daemon {
        let dir = std::sync::Arc::new(tempfile::tempdir().unwrap());
        let p = dir.path().join("coffred.toml");
        std::fs::write(&p, config).unwrap();
        Daemon::launch(dir, data, Some(p), None)
    }

    /// The journal's size, as its signed checkpoint says.
    pub fn journal_size(&self) -> u64 {
        let answer = agent(self)
            .get(format!("{}/v1/journal/checkpoint", self.url))
            .call()
            .unwrap();
        let (_, v) = status_json(answer);
        v["checkpoint"]
            .as_str()
            .unwrap()
            .lines()
            .nth(1)
            .unwrap()
            .parse()
            .unwrap()
    }

    /// The Prometheus text `/metrics` serves the operator.
    pub fn metrics(&self) -> String {
        agent(self)
            .get(format!("{}/metrics", self.url))
            .header("Authorization", format!("Bearer {}", self.admin_token()))
            .call()
            .unwrap()
            .into_body()
            .read_to_string()
            .unwrap()
    }

    /// Starts with its data directory at `data` (on a file system of the test's
    /// choosing).
    pub fn start_in(data: PathBuf) -> Daemon {
        let dir = std::sync::Arc::new(tempfile::tempdir().unwrap());
        Daemon::launch(dir, data, None, None)
    }

    /// Waits up to `limit` for the daemon to exit on its own; its status if it did.
    pub fn wait_exit(&mut self, limit: Duration) -> Option<std::process::ExitStatus> {
        let deadline = std::time::Instant::now() + limit;
        while std::time::Instant::now() < deadline {
            let child = self.child.as_mut().expect("daemon running");
            if let Some(status) = child.try_wait().unwrap() {
                self.child = None;
                return Some(status);
            }
            std::thread::sleep(Duration::from_millis(100));
        }
        None
    }

    /// Starts under `strace`, tracing every write, fsync, rename and unlink of the
    /// daemon and its threads (file descriptors shown with their paths) into `trace`.
    pub fn start_traced(trace: &Path) -> Daemon {
        let dir = std::sync::Arc::new(tempfile::tempdir().unwrap());
        let data = dir.path().join("data");
        Daemon::launch(dir, data, None, Some(trace.to_path_buf()))
    }

    fn launch(
        dir: std::sync::Arc<TempDir>,
        data: PathBuf,
        config: Option<PathBuf>,
        trace: Option<PathBuf>,
    ) -> Daemon {
        Daemon::launch_with(dir, data, config, trace, None)
    }

    fn launch_with(
        dir: std::sync::Arc<TempDir>,
        data: PathBuf,
        config: Option<PathBuf>,
        trace: Option<PathBuf>,
        log: Option<(&str, &Path)>,
    ) -> Daemon {
        let mut cmd = match &trace {
            None => Command::new(env!("CARGO_BIN_EXE_coffred")),
            Some(t) => {
                let mut c = Command::new("strace");
                c.args(["-f", "-qq", "-y", "-s", "0", "-o"])
                    .arg(t)
                    .args([
                        "-e",
                        "trace=write,pwrite64,writev,pwritev,pwritev2,fsync,fdatasync,\
                         unlink,unlinkat,rename,renameat,renameat2",
                    ])
                    .arg(env!("CARGO_BIN_EXE_coffred"));
                c
            }
        };
        cmd.arg("--data")
            .arg(&data)
            .arg("--listen")
            .arg("127.0.0.1:0");
        if let Some(c) = &config {
            cmd.arg("--config").arg(c);
        }
        match log {
            Some((filter, path)) => cmd
                .env("COFFRE_LOG", filter)
                .stderr(std::fs::File::create(path).unwrap()),
            None => cmd.env("COFFRE_LOG", "warn").stderr(Stdio::inherit()),
        };
        let mut child = cmd.stdout(Stdio::piped()).spawn().unwrap();
        let stdout = child.stdout.take().unwrap();
        let (tx, rx) = mpsc::channel();
        std::thread::spawn(move || {
            for line in BufReader::new(stdout).lines() {
                let Ok(line) = line else { break };
                if let Some(i) = line.find("listening on ") {
                    let _ = tx.send(line[i + "listening on ".len()..].trim().to_owned());
                }
            }
        });
        let url = rx
            .recv_timeout(Duration::from_secs(30))
            .expect("coffred did not report its address");
        Daemon {
            child: Some(child),
            url,
            data,
            config,
            _dir: dir,
        }
    }

    pub fn ca(&self) -> PathBuf {
        self.data.join("tls").join("cert.pem")
    }

    /// The daemon's process id.
    pub fn pid(&self) -> u32 {
        self.child.as_ref().expect("daemon running").id()
    }

    /// The daemon's peak resident memory so far (VmHWM), in MiB.
    pub fn peak_rss_mib(&self) -> f64 {
        let status = std::fs::read_to_string(format!("/proc/{}/status", self.pid())).unwrap();
        let kib: f64 = status
            .lines()
            .find_map(|l| l.strip_prefix("VmHWM:"))
            .and_then(|v| v.trim().trim_end_matches("kB").trim().parse().ok())
            .unwrap();
        kib / 1024.0
    }

    /// SIGKILL: a crash. Under strace, the traced daemon is killed first (strace
    /// killed alone would let it run on, detached).
    pub fn crash(&mut self) {
        if let Some(mut c) = self.child.take() {
            let children = format!("/proc/{0}/task/{0}/children", c.id());
            for pid in std::fs::read_to_string(children)
                .unwrap_or_default()
                .split_whitespace()
            {
                let _ = Command::new("kill").args(["-KILL", pid]).status();
            }
            c.kill().unwrap();
            c.wait().unwrap();
        }
    }

    /// SIGTERM; returns the exit status.
    pub fn stop(&mut self) -> std::process::ExitStatus {
        let mut c = self.child.take().expect("daemon running");
        let status = Command::new("kill")
            .arg("-TERM")
            .arg(c.id().to_string())
            .status()
            .unwrap();
        assert!(status.success());
        c.wait().unwrap()
    }

    /// Starts again on the same data directory (new port), after a crash if it
    /// is still running.
    pub fn restart(mut self) -> Daemon {
        self.crash();
        let dir = std::sync::Arc::clone(&self._dir);
        Daemon::launch(dir, self.data.clone(), self.config.clone(), None)
    }

    /// `coffred backup DEST` against this daemon, as its operator would run it.
    pub fn backup(&self, dest: &Path) -> Output {
        coffred(&[
            "backup",
            dest.to_str().unwrap(),
            "--data",
            self.data.to_str().unwrap(),
            "--url",
            &self.url,
        ])
    }

    /// A new person with an empty `COFFRE_HOME`.
    pub fn user(&self, name: &str) -> User {
        User {
            name: name.to_owned(),
            home: std::sync::Arc::new(tempfile::tempdir().unwrap()),
            url: self.url.clone(),
            ca: self.ca(),
            passphrase: PASS.to_owned(),
        }
    }

    /// The operator token.
    pub fn admin_token(&self) -> String {
        std::fs::read_to_string(self.data.join("admin-token"))
            .unwrap()
            .trim()
            .to_owned()
    }

    /// Runs `coffre admin …` with the operator token; returns stdout.
    pub fn admin(&self, args: &[&str]) -> String {
        let mut all = vec!["admin"];
        all.extend_from_slice(args);
        let operator = self.user("operator");
        let out = operator
            .command(&all)
            .env("COFFRE_ADMIN_TOKEN", self.admin_token())
            .output()
            .unwrap();
        assert!(
            out.status.success(),
            "coffre admin {args:?}: {}",
            String::from_utf8_lossy(&out.stderr)
        );
        String::from_utf8(out.stdout).unwrap()
    }

    /// Enrols a mediator end to end (operator code, then `coffre enrol`); returns the
    /// mediator and the safety code their screen shows.
    pub fn mediator(&self, user: &str, name: &str, structure: &str) -> (User, String) {
        let out = self.admin(&[
            "--json",
            "mediator",
            "add",
            "--name",
            name,
            "--structure",
            structure,
            "--user",
            user,
        ]);
        let v: serde_json::Value = serde_json::from_str(&out).unwrap();
        let code = v["code"].as_str().unwrap().to_owned();
        let m = self.user(user);
        let out = m.ok(&["--json", "enrol", &code, "--user", user]);
        let v: serde_json::Value = serde_json::from_str(&out).unwrap();
        let safety = v["safety_code"].as_str().unwrap().to_owned();
        (m, safety)
    }

    /// Every file under the data directory.
    pub fn data_files(&self) -> Vec<PathBuf> {
        let mut out = Vec::new();
        walk(&self.data, &mut out);
        out
    }
}

fn walk(dir: &Path, out: &mut Vec<PathBuf>) {
    for e in std::fs::read_dir(dir).unwrap() {
        let p = e.unwrap().path();
        if p.is_dir() {
            walk(&p, out);
        } else {
            out.push(p);
        }
    }
}

impl Drop for Daemon {
    fn drop(&mut self) {
        self.crash();
    }
}

/// A person with a client state directory (clones share it).
#[derive(Clone)]
pub struct User {
    pub name: String,
    pub home: std::sync::Arc<TempDir>,
    pub url: String,
    pub ca: PathBuf,
    pub passphrase: String,
}

impl User {
    pub fn command(&self, args: &[&str]) -> Command {
        let mut cmd = Command::new(env!("CARGO_BIN_EXE_coffre"));
        cmd.args(args)
            .env("COFFRE_URL", &self.url)
            .env("COFFRE_CA", &self.ca)
            .env("COFFRE_HOME", self.home.path())
            .env("COFFRE_PASSPHRASE", &self.passphrase)
            .env("LANG", "fr_FR.UTF-8")
            .env_remove("COFFRE_NEW_PASSPHRASE")
            .env_remove("COFFRE_LANG")
            .stdin(Stdio::null());
        cmd
    }

    pub fn run(&self, args: &[&str]) -> Output {
        self.command(args).output().unwrap()
    }

    /// Runs and asserts success; returns stdout.
    pub fn ok(&self, args: &[&str]) -> String {
        let out = self.run(args);
        assert!(
            out.status.success(),
            "coffre {args:?} failed: {}",
            String::from_utf8_lossy(&out.stderr)
        );
        String::from_utf8(out.stdout).unwrap()
    }

    /// Runs and asserts success; returns stdout as bytes (documents).
    pub fn bytes(&self, args: &[&str]) -> Vec<u8> {
        let out = self.run(args);
        assert!(
            out.status.success(),
            "coffre {args:?} failed: {}",
            String::from_utf8_lossy(&out.stderr)
        );
        out.stdout
    }

    /// Runs and asserts failure with `exit`; returns stderr.
    pub fn fails(&self, args: &[&str], exit: i32) -> String {
        let out = self.run(args);
        let stderr = String::from_utf8_lossy(&out.stderr).into_owned();
        assert_eq!(out.status.code(), Some(exit), "coffre {args:?}: {stderr}");
        stderr
    }

    pub fn register(&self) -> PathBuf {
        self.ok(&["register", &self.name]);
        self.kit_path()
    }

    pub fn kit_path(&self) -> PathBuf {
        self.home
            .path()
            .join(format!("kit-de-recuperation-{}.txt", self.name))
    }

    /// Adds a file; returns the new id.
    pub fn add(&self, path: &Path, extra: &[&str]) -> String {
        let mut args = vec!["--json", "add", path.to_str().unwrap()];
        args.extend_from_slice(extra);
        let out = self.ok(&args);
        let v: serde_json::Value = serde_json::from_str(&out).unwrap();
        v["id"].as_str().unwrap().to_owned()
    }

    /// Shares a document with the mediator f.benali for an hour, her safety code
    /// checked.
    pub fn share_for_an_hour(&self, doc: &str, code: &str) {
        let out = self.share_with(doc, code, &[]);
        assert!(
            out.status.success(),
            "coffre share failed: {}",
            String::from_utf8_lossy(&out.stderr)
        );
    }

    /// Runs `coffre share DOC --to f.benali --for 1h --safety-code CODE EXTRA…`.
    pub fn share_with(&self, doc: &str, code: &str, extra: &[&str]) -> Output {
        let mut args = vec![
            "share",
            doc,
            "--to",
            "f.benali",
            "--for",
            "1h",
            "--safety-code",
            code,
        ];
        args.extend_from_slice(extra);
        self.run(&args)
    }

    pub fn list(&self) -> Vec<serde_json::Value> {
        serde_json::from_str(&self.ok(&["--json", "list"])).unwrap()
    }

    /// The typed client on this person's state directory (the library the CLI uses).
    pub fn client(&self) -> coffre::client::account::Client {
        coffre::client::account::Client {
            http: coffre::client::Http::new(
                &self.url,
                coffre::client::Trust::PemFile(&self.ca),
                coffre::messages::Lang::Fr,
            )
            .unwrap(),
            home: self.home.path().to_path_buf(),
        }
    }

    /// Points this person at a restarted daemon (new port), keeping the session.
    pub fn follow(&mut self, d: &Daemon) {
        self.point_to(&d.url);
    }

    /// Points this person at another address (a proxy), keeping the session.
    pub fn point_to(&mut self, url: &str) {
        let path = self.home.path().join("session.json");
        if let Ok(text) = std::fs::read_to_string(&path) {
            std::fs::write(&path, text.replace(&self.url, url)).unwrap();
        }
        self.url = url.to_owned();
    }

    /// The bearer token of the open session (for raw HTTP tests).
    pub fn token(&self) -> String {
        let text = std::fs::read_to_string(self.home.path().join("session.json")).unwrap();
        let v: serde_json::Value = serde_json::from_str(&text).unwrap();
        v["token"].as_str().unwrap().to_owned()
    }
}

/// Copies a directory tree as a backup tool or a file-level snapshot would,
/// keeping the copy private (coffred refuses a data directory open to others).
pub fn copy_dir(from: &Path, to: &Path) {
    use std::os::unix::fs::PermissionsExt;
    std::fs::create_dir_all(to).unwrap();
    std::fs::set_permissions(to, std::fs::Permissions::from_mode(0o700)).unwrap();
    for e in std::fs::read_dir(from).unwrap() {
        let e = e.unwrap();
        let target = to.join(e.file_name());
        if e.file_type().unwrap().is_dir() {
            copy_dir(&e.path(), &target);
        } else {
            std::fs::copy(e.path(), target).unwrap();
        }
    }
}

/// Runs `coffred` with these arguments (an operator's command beside the service).
pub fn coffred(args: &[&str]) -> Output {
    Command::new(env!("CARGO_BIN_EXE_coffred"))
        .args(args)
        .env("COFFRE_LOG", "warn")
        .env_remove("COFFRE_ADMIN_TOKEN")
        .output()
        .unwrap()
}

/// A raw HTTPS agent trusting the daemon's certificate.
pub fn agent(daemon: &Daemon) -> ureq::Agent {
    agent_trusting(&std::fs::read(daemon.ca()).unwrap())
}

/// A raw HTTPS agent trusting only the certificates in `pem`.
pub fn agent_trusting(pem: &[u8]) -> ureq::Agent {
    let certs: Vec<_> = ureq::tls::parse_pem(pem)
        .filter_map(|i| match i {
            Ok(ureq::tls::PemItem::Certificate(c)) => Some(c),
            _ => None,
        })
        .collect();
    let tls = ureq::tls::TlsConfig::builder()
        .root_certs(ureq::tls::RootCerts::Specific(std::sync::Arc::new(certs)))
        .build();
    ureq::Agent::config_builder()
        .tls_config(tls)
        .http_status_as_error(false)
        .build()
        .into()
}

/// Status and decoded JSON of a response.
pub fn status_json(r: ureq::http::Response<ureq::Body>) -> (u16, serde_json::Value) {
    let status = r.status().as_u16();
    let text = r.into_body().read_to_string().unwrap_or_default();
    (
        status,
        serde_json::from_str(&text).unwrap_or(serde_json::Value::Null),
    )
}

/// A file of `len` pseudo-random bytes.
/// A real one-page PDF saying `text`, about `len` bytes (its content stream is padded
/// with PDF comments, so a viewer renders it whatever its size).
pub fn pdf_file(dir: &Path, name: &str, text: &str, len: usize) -> PathBuf {
    let mut stream = format!("BT /F1 28 Tf 72 700 Td ({text}) Tj ET\n");
    while stream.len() < len {
        stream.push_str("% coffre test padding ................................................\n");
    }
    let objects = [
        "<< /Type /Catalog /Pages 2 0 R >>".to_owned(),
        "<< /Type /Pages /Kids [3 0 R] /Count 1 >>".to_owned(),
        "<< /Type /Page /Parent 2 0 R /MediaBox [0 0 595 842] /Contents 4 0 R \
         /Resources << /Font << /F1 5 0 R >> >> >>"
            .to_owned(),
        format!("<< /Length {} >>\nstream\n{stream}endstream", stream.len()),
        "<< /Type /Font /Subtype /Type1 /BaseFont /Helvetica >>".to_owned(),
    ];
    let mut out = b"%PDF-1.4\n".to_vec();
    let mut offsets = Vec::new();
    for (i, o) in objects.iter().enumerate() {
        offsets.push(out.len());
        out.extend_from_slice(format!("{} 0 obj\n{o}\nendobj\n", i + 1).as_bytes());
    }
    let xref = out.len();
    out.extend_from_slice(
        format!("xref\n0 {}\n0000000000 65535 f \n", objects.len() + 1).as_bytes(),
    );
    for o in offsets {
        out.extend_from_slice(format!("{o:010} 00000 n \n").as_bytes());
    }
    out.extend_from_slice(
        format!(
            "trailer\n<< /Size {} /Root 1 0 R >>\nstartxref\n{xref}\n%%EOF\n",
            objects.len() + 1
        )
        .as_bytes(),
    );
    let p = dir.join(name);
    std::fs::write(&p, out).unwrap();
    p
}

pub fn random_file(dir: &Path, name: &str, len: usize) -> PathBuf {
    let p = dir.join(name);
    let mut state = 0x2545_f491_4f6c_dd1d_u64 ^ len as u64;
    let mut bytes = Vec::with_capacity(len);
    while bytes.len() < len {
        state ^= state << 13;
        state ^= state >> 7;
        state ^= state << 17;
        bytes.extend_from_slice(&state.to_le_bytes());
    }
    bytes.truncate(len);
    std::fs::write(&p, bytes).unwrap();
    p
}
