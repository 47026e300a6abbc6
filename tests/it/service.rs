//! coffred under a service manager: `Type=notify` readiness (READY=1 once it
//! listens, RELOADING=1 then READY=1 around a reload, STOPPING=1 at a stop), the
//! TLS certificate read again on SIGHUP for new connections without dropping open
//! ones (a renewal), a bad renewal leaving the certificate in use, and files
//! passed by systemd's `LoadCredential=` named `credential:NAME`.

use std::io::{BufRead, BufReader};
use std::os::unix::net::UnixDatagram;
use std::path::Path;
use std::process::{Child, Command, Stdio};
use std::time::Duration;

use crate::harness::agent_trusting;

/// A self-signed pair for localhost; returns the certificate's PEM.
fn write_pair(cert: &Path, key: &Path) -> Vec<u8> {
    write_pair_for(cert, key, &["localhost", "127.0.0.1"])
}

/// A self-signed pair for `names`; returns the certificate's PEM.
fn write_pair_for(cert: &Path, key: &Path, names: &[&str]) -> Vec<u8> {
    let names: Vec<String> = names.iter().map(|n| n.to_string()).collect();
    let made = rcgen::generate_simple_self_signed(names).unwrap();
    // Replaced as a renewal tool does: whole files, renamed into place.
    let tmp = cert.with_extension("tmp");
    std::fs::write(&tmp, made.signing_key.serialize_pem()).unwrap();
    std::fs::rename(&tmp, key).unwrap();
    std::fs::write(&tmp, made.cert.pem()).unwrap();
    std::fs::rename(&tmp, cert).unwrap();
    made.cert.pem().into_bytes()
}

struct Service {
    child: Child,
    url: String,
}

impl Drop for Service {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

fn start(config: &Path, data: &Path, env: &[(&str, &Path)]) -> Result<Service, String> {
    let data = data.to_str().unwrap();
    start_with(config, &["--data", data, "--listen", "127.0.0.1:0"], env)
}

/// Starts coffred on `config` with extra arguments; its URL, or its stderr.
fn start_with(config: &Path, args: &[&str], env: &[(&str, &Path)]) -> Result<Service, String> {
    let mut cmd = Command::new(env!("CARGO_BIN_EXE_coffred"));
    cmd.arg("--config")
        .arg(config)
        .args(args)
        .env("COFFRE_LOG", "warn")
        .env_remove("CREDENTIALS_DIRECTORY")
        .env_remove("NOTIFY_SOCKET")
        .stdout(Stdio::piped())
        .stderr(Stdio::piped());
    for (k, v) in env {
        cmd.env(k, v);
    }
    let mut child = cmd.spawn().unwrap();
    let mut line = String::new();
    BufReader::new(child.stdout.take().unwrap())
        .read_line(&mut line)
        .unwrap();
    match line.split("listening on ").nth(1) {
        Some(url) => Ok(Service {
            url: url.trim().to_owned(),
            child,
        }),
        None => {
            let out = child.wait_with_output().unwrap();
            Err(String::from_utf8_lossy(&out.stderr).into_owned())
        }
    }
}

fn next_notice(socket: &UnixDatagram) -> String {
    let mut buf = [0u8; 4096];
    let n = socket.recv(&mut buf).expect("a notification");
    String::from_utf8_lossy(&buf[..n]).into_owned()
}

/// GET /v1/health, read to the end (so that the connection goes back to the
/// agent's pool and the next request reuses it).
fn health(agent: &ureq::Agent, url: &str) -> Result<u16, ureq::Error> {
    let answer = agent.get(format!("{url}/v1/health")).call()?;
    let status = answer.status().as_u16();
    answer.into_body().read_to_string()?;
    Ok(status)
}

#[test]
fn readiness_and_a_certificate_renewed_on_sighup_without_dropping_connections() {
    let dir = tempfile::tempdir().unwrap();
    let (cert, key) = (dir.path().join("cert.pem"), dir.path().join("key.pem"));
    let first = write_pair(&cert, &key);
    let config = dir.path().join("coffred.toml");
    std::fs::write(
        &config,
        format!(
            "[tls]\ncert = \"{}\"\nkey = \"{}\"\n",
            cert.display(),
            key.display()
        ),
    )
    .unwrap();
    let socket_path = dir.path().join("notify.sock");
    let socket = UnixDatagram::bind(&socket_path).unwrap();
    socket
        .set_read_timeout(Some(Duration::from_secs(20)))
        .unwrap();
    let s = start(
        &config,
        &dir.path().join("data"),
        &[("NOTIFY_SOCKET", &socket_path)],
    )
    .unwrap();
    let ready = next_notice(&socket);
    assert!(ready.contains("READY=1"), "{ready}");
    assert!(
        ready.contains("STATUS=listening on https://127.0.0.1:"),
        "{ready}"
    );

    let open = agent_trusting(&first);
    assert_eq!(health(&open, &s.url).unwrap(), 200);
    // Renewal: new files, then SIGHUP.
    let second = write_pair(&cert, &key);
    let pid = s.child.id().to_string();
    assert!(Command::new("kill")
        .args(["-HUP", &pid])
        .status()
        .unwrap()
        .success());
    assert!(next_notice(&socket).contains("RELOADING=1"));
    assert!(next_notice(&socket).contains("READY=1"));
    // The connection opened before goes on; new ones get the new certificate.
    assert_eq!(health(&open, &s.url).unwrap(), 200);
    assert!(health(&agent_trusting(&first), &s.url).is_err());
    assert_eq!(health(&agent_trusting(&second), &s.url).unwrap(), 200);
    // A broken renewal (a key that is not one) leaves the certificate in use.
    std::fs::write(&key, "-----BEGIN PRIVATE KEY-----\nbroken\n").unwrap();
    assert!(Command::new("kill")
        .args(["-HUP", &pid])
        .status()
        .unwrap()
        .success());
    assert!(next_notice(&socket).contains("RELOADING=1"));
    assert!(next_notice(&socket).contains("READY=1"));
    assert_eq!(health(&agent_trusting(&second), &s.url).unwrap(), 200);
    // A stop says so.
    assert!(Command::new("kill")
        .args(["-TERM", &pid])
        .status()
        .unwrap()
        .success());
    assert!(next_notice(&socket).contains("STOPPING=1"));
}

#[test]
fn certificates_passed_as_systemd_credentials() {
    let dir = tempfile::tempdir().unwrap();
    let creds = dir.path().join("credentials");
    std::fs::create_dir(&creds).unwrap();
    let pem = write_pair(&creds.join("tls-cert"), &creds.join("tls-key"));
    let config = dir.path().join("coffred.toml");
    std::fs::write(
        &config,
        "[tls]\ncert = \"credential:tls-cert\"\nkey = \"credential:tls-key\"\n",
    )
    .unwrap();
    let s = start(
        &config,
        &dir.path().join("data"),
        &[("CREDENTIALS_DIRECTORY", &creds)],
    )
    .unwrap();
    assert_eq!(health(&agent_trusting(&pem), &s.url).unwrap(), 200);
    drop(s);
    // Without systemd's credentials, a clear refusal.
    let err = start(&config, &dir.path().join("data"), &[]).err().unwrap();
    assert!(err.contains("LoadCredential=tls-cert"), "{err}");
}

/// Where to report a vulnerability: `/.well-known/security.txt` (RFC 9116) from the
/// operator's `[security] contact`, nothing without one, and a contact that is not
/// an address refused at start.
#[test]
fn security_txt_names_the_operators_contact() {
    let get = |d: &crate::harness::Daemon| {
        let answer = crate::harness::agent(d)
            .get(format!("{}/.well-known/security.txt", d.url))
            .call()
            .unwrap();
        let status = answer.status().as_u16();
        (status, answer.into_body().read_to_string().unwrap())
    };
    let d = crate::harness::Daemon::start_with(Some(
        "public_host = \"coffre.albi.fr\"\n[security]\ncontact = [\"mailto:securite@mairie.albi.fr\"]\n",
    ));
    let (status, text) = get(&d);
    assert_eq!(status, 200, "{text}");
    assert!(
        text.contains("Contact: mailto:securite@mairie.albi.fr\n"),
        "{text}"
    );
    assert!(text.contains("Canonical: https://coffre.albi.fr/.well-known/security.txt\n"));
    let expires = text
        .lines()
        .find_map(|l| l.strip_prefix("Expires: "))
        .expect("an Expires line");
    let expires =
        time::OffsetDateTime::parse(expires, &time::format_description::well_known::Rfc3339)
            .unwrap();
    let now = time::OffsetDateTime::now_utc();
    assert!(expires > now && expires < now + time::Duration::days(366));
    assert_eq!(get(&crate::harness::Daemon::start()).0, 404);
    let dir = tempfile::tempdir().unwrap();
    let config = dir.path().join("coffred.toml");
    std::fs::write(&config, "[security]\ncontact = [\"javascript:alert(1)\"]\n").unwrap();
    let err = start(&config, &dir.path().join("data"), &[]).err().unwrap();
    assert!(err.contains("security.contact"), "{err}");
}

/// With a real certificate (for the public name, not for 127.0.0.1), `coffred
/// backup` reaches the service on this machine under its public name, as the
/// backup stream is served to a local peer only.
#[test]
fn a_backup_with_a_certificate_for_the_public_name() {
    let dir = tempfile::tempdir().unwrap();
    let (cert, key) = (dir.path().join("cert.pem"), dir.path().join("key.pem"));
    write_pair_for(&cert, &key, &["coffre.test"]);
    let port = std::net::TcpListener::bind("127.0.0.1:0")
        .unwrap()
        .local_addr()
        .unwrap()
        .port();
    let data = dir.path().join("data");
    let config = dir.path().join("coffred.toml");
    std::fs::write(
        &config,
        format!(
            "listen = \"0.0.0.0:{port}\"\ndata = \"{}\"\npublic_host = \"coffre.test\"\n[tls]\ncert = \"{}\"\nkey = \"{}\"\n",
            data.display(),
            cert.display(),
            key.display()
        ),
    )
    .unwrap();
    let _s = start_with(&config, &[], &[]).unwrap();
    let dest = dir.path().join("sauvegarde");
    let out = crate::harness::coffred(&[
        "backup",
        dest.to_str().unwrap(),
        "--config",
        config.to_str().unwrap(),
        "--ca",
        cert.to_str().unwrap(),
    ]);
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    assert!(dest.join("manifest.json").exists());
}
