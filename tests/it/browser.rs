//! The web client in a real headless Chromium against a real coffred: a citizen whose
//! papers were added with the CLI logs in from the browser and downloads them
//! byte-identical (`web/test/browser.ts` drives the pages; it also runs axe-core on
//! every page at 360 and 1280 px, checks Arabic is right to left, that no CSP
//! violation or third-party request happens, and that « Quitter » leaves nothing in
//! any browser storage). Screenshots land in `target/browser-artifacts/`.

use std::process::Command;

use crate::harness::{pdf_file, random_file, Daemon, PASS};
use crate::proxy::Proxy;

/// The passphrase the browser's new vault is made with.
const NEW_PASS: &str = "girafe ordinateur prairie mouchoir";
/** The browser-made vault's passphrase after it was changed in the browser. */
const CHANGED_PASS: &str = "castor lanterne biscuit volcan";
/** The first citizen's passphrase after she recovered her vault in the browser. */
const RECOVERED_PASS: &str = "tulipe bicyclette horizon cerise";

#[test]
fn a_citizen_opens_her_papers_in_the_browser() {
    // A small document limit, for the page's refusal of a file over it.
    let d = Daemon::start_with(Some("[limits]\nmax_document_mib = 3\n"));
    let mme = d.user("mme.b");
    mme.register();
    let files = tempfile::tempdir().unwrap();
    let pdf = random_file(files.path(), "avis.pdf", 180_000);
    let photo = random_file(files.path(), "carte.jpg", 90_000);
    mme.add(
        &pdf,
        &["--title", "Avis d'imposition 2025", "--category", "tax"],
    );
    let card = mme.add(
        &photo,
        &[
            "--title",
            "Carte d'identité",
            "--category",
            "identity",
            "--expires",
            "2027-03-01",
        ],
    );
    let upload = pdf_file(
        files.path(),
        "quittance.pdf",
        "Quittance de loyer",
        2_500_000,
    );
    // The social worker she shares with: the CLI plays her, from the browser test.
    let (social, social_code) = d.mediator("f.benali", "Fatima Benali", "CCAS d'Albi");
    // A share made with the CLI, listed in the browser's « Mes partages » (its
    // signature checked there).
    // A second mediator, who activates her account in the browser with this code.
    let enrolment: serde_json::Value = serde_json::from_str(&d.admin(&[
        "--json",
        "mediator",
        "add",
        "--name",
        "Amina Martin",
        "--structure",
        "France Services Albi",
        "--user",
        "a.martin",
    ]))
    .unwrap();
    let shared = mme.share_with(&card, &social_code, &["--purpose", "Carte pour la CAF"]);
    assert!(shared.status.success(), "{shared:?}");
    let leaving = d.user("l.martin");
    leaving.register();
    leaving.add(&pdf, &["--title", "Bail"]);
    leaving.add(&photo, &["--title", "Carte vitale", "--category", "health"]);
    let papers = serde_json::json!({
        "Avis d'imposition 2025": pdf,
        "Carte d'identité": photo,
    });
    // A compromised server for the journal page: the same coffred behind a proxy
    // that rewrites one entry of every journal page it passes.
    let hostile = Proxy::start(&d);
    // Behind it, the service also says it was restored from a backup (a notice
    // signed by the journal's key, as `coffred restore` makes one): « Mes papiers »
    // says so.
    let seed = std::fs::read(d.data.join("keys/journal-ed25519")).unwrap();
    let key = coffre::crypto::server::LogKey::from_seed(&seed).unwrap();
    let now_ms = (time::OffsetDateTime::now_utc().unix_timestamp_nanos() / 1_000_000) as i64;
    let notice = coffre::journal::notice::RestoreNotice {
        origin: "localhost/journal/v1".into(),
        backup_ms: now_ms - 2 * 86_400_000,
        size: 1,
        root: [3; 32],
        restored_ms: now_ms - 86_400_000,
    }
    .sign(&key);
    let notices = serde_json::to_vec(&serde_json::json!({ "notices": [notice] })).unwrap();
    hostile.set(move |_, path, status, body| {
        if path.starts_with("/v1/journal/restore-notices") && status == 200 {
            return (status, notices.clone());
        }
        if !path.starts_with("/v1/journal/entries") || status != 200 {
            return (status, body);
        }
        let mut page: serde_json::Value = serde_json::from_slice(&body).unwrap();
        if let Some(leaf) = page["entries"][1]["leaf"].as_str() {
            use base64::Engine;
            let b64 = base64::engine::general_purpose::STANDARD;
            let mut bytes = b64.decode(leaf).unwrap();
            bytes[30] ^= 1; // its time, one bit
            page["entries"][1]["leaf"] = b64.encode(bytes).into();
        }
        (status, serde_json::to_vec(&page).unwrap())
    });
    let web = concat!(env!("CARGO_MANIFEST_DIR"), "/web");
    let artifacts = concat!(env!("CARGO_MANIFEST_DIR"), "/target/browser-artifacts");
    let run = Command::new(format!("{web}/node_modules/.bin/tsx"))
        .arg("test/browser.ts")
        .current_dir(web)
        .env("COFFRE_URL", &d.url)
        .env("COFFRE_HOSTILE_URL", &hostile.url)
        .env("COFFRE_BIN", env!("CARGO_BIN_EXE_coffre"))
        .env("COFFRE_CA", d.ca())
        .env("COFFRE_MEDIATOR", "f.benali")
        .env("COFFRE_ADMIN_TOKEN", d.admin_token())
        .env("COFFRE_ENROL_CODE", enrolment["code"].as_str().unwrap())
        .env("COFFRE_MEDIATOR_CODE", &social_code)
        .env("COFFRE_MEDIATOR_HOME", social.home.path())
        .env("COFFRE_MEDIATOR_PASSPHRASE", &social.passphrase)
        .env("COFFRE_USER", "mme.b")
        .env("COFFRE_PASSPHRASE", PASS)
        .env("COFFRE_PAPERS", papers.to_string())
        .env("COFFRE_ARTIFACTS", artifacts)
        .env("COFFRE_NEW_USER", "m.dupont")
        .env("COFFRE_UPLOAD", &upload)
        .env("COFFRE_KIT", mme.kit_path())
        .env("COFFRE_RECOVERED_PASSPHRASE", RECOVERED_PASS)
        .env("COFFRE_CHANGED_PASSPHRASE", CHANGED_PASS)
        .env("COFFRE_LEAVING_USER", "l.martin")
        .env("COFFRE_NEW_PASSPHRASE", NEW_PASS)
        .output()
        .expect("tsx (tests/run installs the web client's packages and Chromium)");
    // Its report (the first load's size among others), for `--nocapture` readers.
    eprintln!("{}", String::from_utf8_lossy(&run.stdout));
    assert!(
        run.status.success(),
        "the browser test failed:\n{}{}",
        String::from_utf8_lossy(&run.stdout),
        String::from_utf8_lossy(&run.stderr)
    );

    // She recovered her vault in the browser with the CLI's kit: the CLI logs in with
    // the passphrase she chose there. The paper added in the browser is the CLI's as
    // well, byte for byte.
    let mut mme = mme;
    mme.passphrase = RECOVERED_PASS.into();
    mme.ok(&["login", "mme.b"]);
    let listed = mme.list();
    let added = listed
        .iter()
        .find(|v| v["title"] == "Quittance de loyer")
        .unwrap_or_else(|| panic!("not listed: {listed:?}"));
    assert_eq!(added["category"], "housing");
    // And the one deleted there is gone for the CLI too.
    assert!(listed
        .iter()
        .all(|v| v["title"] != "Avis d'imposition 2025"));
    assert_eq!(listed.len(), 4, "{listed:?}");
    // The photo taken in the browser: its category, date and type, and its bytes.
    let taken = listed
        .iter()
        .find(|v| v["title"] == "Attestation CAF")
        .unwrap_or_else(|| panic!("not listed: {listed:?}"));
    assert_eq!(taken["category"], "income");
    assert_eq!(taken["expires"], "2027-06-30");
    let taken_back = files.path().join("caf-back.jpg");
    mme.ok(&[
        "get",
        taken["id"].as_str().unwrap(),
        "-o",
        taken_back.to_str().unwrap(),
    ]);
    assert_eq!(
        std::fs::read(&taken_back).unwrap(),
        std::fs::read(&photo).unwrap()
    );
    let back = files.path().join("quittance-back.pdf");
    mme.ok(&[
        "get",
        added["id"].as_str().unwrap(),
        "-o",
        back.to_str().unwrap(),
    ]);
    assert_eq!(
        std::fs::read(&back).unwrap(),
        std::fs::read(&upload).unwrap()
    );

    // The vault made in the browser is the CLI's as well: it logs in with the same
    // passphrase, and the kit the browser made recovers it.
    let mut dupont = d.user("m.dupont");
    dupont.passphrase = CHANGED_PASS.into();
    dupont.ok(&["login", "m.dupont"]);
    // The safety code the browser showed her is the CLI's.
    let whoami: serde_json::Value =
        serde_json::from_str(&dupont.ok(&["--json", "whoami"])).unwrap();
    let shown = std::fs::read_to_string(format!("{artifacts}/code.txt")).unwrap();
    assert_eq!(shown.trim(), whoami["safety_code"].as_str().unwrap());
    let doc = dupont.add(&pdf, &["--title", "Attestation"]);
    dupont.ok(&[
        "get",
        &doc,
        "-o",
        files.path().join("back.pdf").to_str().unwrap(),
    ]);
    let kit = format!("{artifacts}/kit.txt");
    let out = dupont
        .command(&["recover", "m.dupont", "--kit", &kit])
        .env("COFFRE_NEW_PASSPHRASE", "une toute nouvelle phrase")
        .output()
        .unwrap();
    assert!(
        out.status.success(),
        "the browser's kit did not recover the vault: {}",
        String::from_utf8_lossy(&out.stderr)
    );
    // Before leaving she exported her vault from the browser: the ZIP unpacks to the
    // CLI's export, and opens without the service.
    let unpacked = files.path().join("export");
    let unzip = Command::new("python3")
        .args(["-m", "zipfile", "-e"])
        .arg(format!("{artifacts}/export.zip"))
        .arg(&unpacked)
        .output()
        .unwrap();
    assert!(unzip.status.success(), "{unzip:?}");
    let folder = std::fs::read_dir(&unpacked)
        .unwrap()
        .next()
        .unwrap()
        .unwrap()
        .path();
    assert!(folder
        .file_name()
        .unwrap()
        .to_string_lossy()
        .starts_with("coffre-l.martin-"));
    let journal = crate::leaving::check_export(
        &folder,
        PASS,
        &[("Bail", pdf.as_path()), ("Carte vitale", photo.as_path())],
    );
    assert!(journal["entries"]
        .as_array()
        .unwrap()
        .iter()
        .any(|e| e["action"] == "upload" && e["phase"] == "done"));
    assert!(std::fs::read_to_string(folder.join("LISEZMOI.txt"))
        .unwrap()
        .contains("age -d -o identity.txt identity.age"));
    // The account deleted in the browser is gone.
    let err = leaving.fails(&["login", "l.martin"], 1);
    assert!(err.contains("[bad_credentials]"), "{err}");
}
