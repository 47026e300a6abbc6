//! What coffred writes in its log, from a full run: one access line per request
//! (method, route template, status, time, request id, the client's address cut to
//! the configured precision), `x-request-id` on every answer, and never a secret,
//! a name, a title, an id from a path, or a whole address, whatever the run did.

use crate::harness::{agent, random_file, Daemon, PASS};

#[test]
fn a_full_run_logs_every_request_and_no_secret_name_title_or_address() {
    let dir = tempfile::tempdir().unwrap();
    let log = dir.path().join("coffred.log");
    let mut d = Daemon::start_logging(
        Some("trusted_proxies = [\"127.0.0.1\"]\n"),
        "info,coffre=debug",
        &log,
    );
    let (social, code) = d.mediator("f.benali", "Fatima Benali", "CCAS d'Albi");
    let mme = d.user("mme.lefebvre");
    let kit = std::fs::read_to_string(mme.register()).unwrap();
    let recovery_key = kit
        .lines()
        .find(|l| l.starts_with("AGE-SECRET-KEY-"))
        .unwrap()
        .to_owned();
    let marker = "Contenu-en-clair-3f9a1c77e2";
    let paper = dir.path().join("dossier-medical-lefebvre.pdf");
    std::fs::write(&paper, format!("{marker}\n").repeat(400)).unwrap();
    let title = "Certificat médical Lefebvre";
    let doc = mme.add(&paper, &["--title", title]);
    let other = mme.add(&random_file(dir.path(), "b.pdf", 5000), &[]);
    mme.list();
    mme.bytes(&["get", &doc, "-o", "-"]);
    mme.share_for_an_hour(&doc, &code);
    social.ok(&["shared"]);
    social.bytes(&["get", &doc, "-o", "-"]);
    mme.ok(&["journal"]);
    mme.ok(&["rm", &other]);
    let token = mme.token();
    let invitation = d.admin(&["--json", "invitation"]);
    let invitation: serde_json::Value = serde_json::from_str(&invitation).unwrap();
    let invitation = invitation["code"].as_str().unwrap().to_owned();
    d.admin(&["status"]);
    // A wrong passphrase (counted in the metrics), from a citizen behind the
    // town's proxy: her address comes from X-Forwarded-For.
    let mut wrong = d.user("mme.lefebvre");
    wrong.passphrase = "une phrase de passe fausse".into();
    wrong.fails(&["login", "mme.lefebvre"], 1);
    let a = agent(&d);
    let answer = a
        .get(format!("{}/v1/health", d.url))
        .header("X-Forwarded-For", "198.51.100.77")
        .call()
        .unwrap();
    let id = answer.headers()["x-request-id"]
        .to_str()
        .unwrap()
        .to_owned();
    assert!(
        id.len() == 24 && id.bytes().all(|b| b.is_ascii_hexdigit()),
        "{id}"
    );
    // A proxy's id is kept, a malformed one replaced.
    let echoed = a
        .get(format!("{}/v1/ready", d.url))
        .header("X-Request-Id", "nginx-4f2a9c")
        .call()
        .unwrap();
    assert_eq!(echoed.headers()["x-request-id"], "nginx-4f2a9c");
    let replaced = a
        .get(format!("{}/v1/health", d.url))
        .header("X-Request-Id", "bad id\twith spaces")
        .call()
        .unwrap();
    assert_ne!(replaced.headers()["x-request-id"], "bad id\twith spaces");
    let metrics = d.metrics();
    assert!(
        metrics.contains("coffre_login_failures_total{reason=\"bad_credentials\"} 1"),
        "{metrics}"
    );
    for secret in [
        "mme.lefebvre",
        "f.benali",
        "Fatima Benali",
        title,
        "dossier-medical-lefebvre",
        marker,
        &doc,
    ] {
        assert!(!metrics.contains(secret), "{secret} in /metrics");
    }
    let backup = dir.path().join("sauvegarde");
    assert!(d.backup(&backup).status.success());
    d.stop();

    let text = std::fs::read_to_string(&log).unwrap();
    let admin_token = std::fs::read_to_string(d.data.join("admin-token")).unwrap();
    let planted: Vec<(&str, &str)> = vec![
        ("passphrase", PASS),
        ("wrong passphrase", "une phrase de passe fausse"),
        ("citizen's name", "mme.lefebvre"),
        ("mediator's user name", "f.benali"),
        ("mediator's name", "Fatima Benali"),
        ("structure", "CCAS d'Albi"),
        ("title", title),
        ("file name", "dossier-medical-lefebvre"),
        ("plaintext", marker),
        ("document id", &doc),
        ("other document id", &other),
        ("session token", &token),
        ("admin token", admin_token.trim()),
        ("recovery key", &recovery_key),
        ("invitation code", &invitation),
        ("safety code", &code),
        ("whole address", "198.51.100.77"),
    ];
    for (what, secret) in &planted {
        assert!(!text.contains(secret), "the log holds the {what}: {text}");
    }
    // One access line per request, with its template, status and request id.
    let access: Vec<&str> = text
        .lines()
        .filter(|l| l.contains("coffre::access"))
        .collect();
    assert!(access.len() >= 30, "{} access lines: {text}", access.len());
    for expected in [
        "route=/v1/documents/{id}/content",
        "route=/v1/uploads",
        "route=/v1/sessions",
        "route=/v1/admin/backup",
        "status=401",
        "client=198.51.100.0/24",
        &format!("request_id={id}"),
    ] {
        assert!(
            access.iter().any(|l| l.contains(expected)),
            "no access line with {expected}: {access:#?}"
        );
    }
}
