//! The listing scales with what changed: tagged by the server (304 for a current
//! copy), kept sealed in the CLI's home, and never trusted for more than what the
//! server would have sent.

use std::os::unix::fs::PermissionsExt;
use std::sync::{Arc, Mutex};

use crate::harness::{agent, random_file, Daemon};
use crate::proxy::Proxy;

/// GET /v1/documents with `If-None-Match: known`: (status, ETag, entries).
fn get_list(d: &Daemon, token: &str, known: Option<&str>) -> (u16, String, usize) {
    let mut req = agent(d)
        .get(format!("{}/v1/documents", d.url))
        .header("Authorization", format!("Bearer {token}"));
    if let Some(tag) = known {
        req = req.header("If-None-Match", tag);
    }
    let r = req.call().unwrap();
    let status = r.status().as_u16();
    let tag = r
        .headers()
        .get("etag")
        .map(|v| v.to_str().unwrap().to_owned())
        .unwrap_or_default();
    let text = r.into_body().read_to_string().unwrap_or_default();
    let entries = match status {
        200 => serde_json::from_str::<Vec<serde_json::Value>>(&text)
            .unwrap()
            .len(),
        _ => {
            assert!(text.is_empty(), "a 304 carries no body: {text}");
            0
        }
    };
    (status, tag, entries)
}

#[test]
fn a_current_copy_gets_304_and_any_change_a_new_tag() {
    let d = Daemon::start();
    let ana = d.user("ana");
    ana.register();
    let dir = tempfile::tempdir().unwrap();
    ana.add(&random_file(dir.path(), "a.pdf", 100), &[]);
    ana.add(&random_file(dir.path(), "b.pdf", 200), &[]);
    let token = ana.token();

    let (status, first, n) = get_list(&d, &token, None);
    assert_eq!((status, n), (200, 2));
    assert!(first.starts_with('"') && first.ends_with('"') && first.len() > 10);
    let (status, tag, _) = get_list(&d, &token, Some(&first));
    assert_eq!((status, tag.as_str()), (304, first.as_str()));
    // A list of tags, a weak one among them: still current.
    let listed = format!("\"0000\", W/{first}");
    assert_eq!(get_list(&d, &token, Some(&listed)).0, 304);
    assert_eq!(get_list(&d, &token, Some("\"0000\"")).0, 200);

    let third = ana.add(&random_file(dir.path(), "c.pdf", 300), &[]);
    let (status, second, n) = get_list(&d, &token, Some(&first));
    assert_eq!((status, n), (200, 3));
    assert_ne!(second, first);
    ana.ok(&["rm", &third]);
    let (status, after_delete, n) = get_list(&d, &token, Some(&second));
    assert_eq!((status, n), (200, 2));
    assert_ne!(after_delete, second);

    // Another vault never matches hers, even empty or with her tag in hand.
    let bea = d.user("bea");
    bea.register();
    let (status, theirs, n) = get_list(&d, &bea.token(), Some(&after_delete));
    assert_eq!((status, n), (200, 0));
    assert_ne!(theirs, after_delete);
}

#[test]
fn the_cli_keeps_its_listing_sealed_and_asks_only_whether_it_changed() {
    let d = Daemon::start();
    let proxy = Proxy::start(&d);
    let mut ana = d.user("ana");
    ana.register();
    ana.point_to(&proxy.url);
    let seen: Arc<Mutex<Vec<(String, u16, usize)>>> = Arc::default();
    let log = Arc::clone(&seen);
    proxy.set(move |method, path, status, body| {
        if path == "/v1/documents" && method == "GET" {
            log.lock()
                .unwrap()
                .push((method.into(), status, body.len()));
        }
        (status, body)
    });
    let dir = tempfile::tempdir().unwrap();
    let id = ana.add(
        &random_file(dir.path(), "avis.pdf", 1000),
        &["--title", "Avis d'impôt"],
    );

    let first = ana.list();
    let again = ana.list();
    assert_eq!(first, again);
    assert_eq!(again[0]["title"], "Avis d'impôt");
    let statuses: Vec<u16> = seen.lock().unwrap().iter().map(|s| s.1).collect();
    assert_eq!(statuses.last(), Some(&304), "{statuses:?}");
    assert_eq!(seen.lock().unwrap().last().unwrap().2, 0);

    // The copy: 0600, an age file, naming neither the paper nor its id.
    let kept = ana.home.path().join("listing.age");
    let mode = std::fs::metadata(&kept).unwrap().permissions().mode() & 0o777;
    assert_eq!(mode, 0o600);
    let bytes = std::fs::read(&kept).unwrap();
    assert!(bytes.starts_with(b"age-encryption.org/v1\n"));
    let text = String::from_utf8_lossy(&bytes);
    assert!(!text.contains(&id) && !text.contains("Avis"));

    // A copy that does not open is dropped: the full listing comes back, right.
    let mut broken = bytes.clone();
    let last = broken.len() - 1;
    broken[last] ^= 1;
    std::fs::write(&kept, &broken).unwrap();
    assert_eq!(ana.list(), first);
    assert_eq!(seen.lock().unwrap().last().unwrap().1, 200);
    assert_eq!(ana.list(), first);
    assert_eq!(seen.lock().unwrap().last().unwrap().1, 304);

    // A change on the server (here by her, from another device) shows at once.
    let other = d.user("ana");
    other.ok(&["login", "ana"]);
    let second = other.add(&random_file(dir.path(), "b.pdf", 10), &["--title", "Bail"]);
    let now = ana.list();
    assert_eq!(now.len(), 2);
    assert!(now.iter().any(|p| p["id"] == second.as_str()));

    // A server that claims her copy is current when she sent none gets an error,
    // not an empty vault.
    std::fs::remove_file(&kept).unwrap();
    proxy.set(|method, path, status, body| {
        if path == "/v1/documents" && method == "GET" {
            (304, Vec::new())
        } else {
            (status, body)
        }
    });
    let out = ana.run(&["--json", "list"]);
    assert!(!out.status.success());
    proxy.honest();

    // Leaving takes the copy with the session.
    ana.list();
    assert!(kept.exists());
    ana.ok(&["logout"]);
    assert!(!kept.exists());
}
