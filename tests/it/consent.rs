//! Consent end to end: scenarios 2 (consent for today) and 3 (revocation) of
//! `design/product.md`, and the refusals around them.

use std::time::Duration;

use coffre::client::consent::ShareDraft;

use crate::harness::{agent, random_file, status_json, Daemon, User};

fn now_ms() -> i64 {
    std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .unwrap()
        .as_millis() as i64
}

struct Counter {
    d: Daemon,
    mme: User,
    social: User,
    code: String,
    tax: String,
    caf: String,
    id_card: String,
    files: tempfile::TempDir,
}

/// Mme B. with three papers; a CCAS social worker enrolled by the operator.
fn counter() -> Counter {
    let d = Daemon::start();
    let (social, code) = d.mediator("f.benali", "Fatima Benali", "CCAS d'Albi");
    let mme = d.user("mme.b");
    mme.register();
    let files = tempfile::tempdir().unwrap();
    let add = |name: &str, title: &str, category: &str| {
        let f = random_file(files.path(), name, 20_000);
        mme.add(&f, &["--title", title, "--category", category])
    };
    let tax = add("avis.pdf", "Avis d'imposition 2025", "tax");
    let caf = add("caf.pdf", "Attestation CAF", "income");
    let id_card = add("cni.jpg", "Carte d'identité", "identity");
    Counter {
        d,
        mme,
        social,
        code,
        tax,
        caf,
        id_card,
        files,
    }
}

#[test]
fn scenario_2_consent_for_today() {
    let c = counter();
    // The safety code on the mediator's screen is what the citizen types.
    let who: serde_json::Value = serde_json::from_str(&c.social.ok(&["--json", "whoami"])).unwrap();
    assert_eq!(who["role"], "mediator");
    assert_eq!(who["safety_code"], c.code.as_str());
    let out = c.mme.ok(&[
        "--json",
        "share",
        &c.tax,
        &c.caf[..8],
        "--to",
        "f.benali",
        "--for",
        "today",
        "--safety-code",
        &c.code,
        "--purpose",
        "social",
    ]);
    let created: serde_json::Value = serde_json::from_str(&out).unwrap();
    let grant = created["grant"].as_str().unwrap().to_owned();
    assert!(created["expires"].as_str().unwrap().contains('T'));
    // The mediator sees exactly the two papers, with their titles.
    let shared: Vec<serde_json::Value> =
        serde_json::from_str(&c.social.ok(&["--json", "shared"])).unwrap();
    let mut titles: Vec<&str> = shared
        .iter()
        .map(|d| d["title"].as_str().unwrap())
        .collect();
    titles.sort();
    assert_eq!(titles, ["Attestation CAF", "Avis d'imposition 2025"]);
    assert!(shared
        .iter()
        .all(|d| d["citizen"] == "mme.b" && d["grant"] == grant.as_str()));
    // ...downloads both, identical to the originals...
    for (id, name) in [(&c.tax, "avis.pdf"), (&c.caf, "caf.pdf")] {
        let out = c.social.run(&["get", id, "-o", "-"]);
        assert!(
            out.status.success(),
            "{}",
            String::from_utf8_lossy(&out.stderr)
        );
        assert_eq!(
            out.stdout,
            std::fs::read(c.files.path().join(name)).unwrap()
        );
    }
    // ...and nothing else of hers.
    let err = c.social.fails(&["get", &c.id_card, "-o", "-"], 1);
    assert!(err.contains("[document_not_found]"), "{err}");
    // Her view of the grant, and her receipt.
    let grants: Vec<serde_json::Value> =
        serde_json::from_str(&c.mme.ok(&["--json", "grants"])).unwrap();
    assert_eq!(grants.len(), 1);
    assert_eq!(grants[0]["state"], "active");
    assert_eq!(grants[0]["mediator"], "f.benali");
    assert_eq!(grants[0]["purpose"], "social");
    assert_eq!(grants[0]["documents"].as_array().unwrap().len(), 2);
    let receipt = c.mme.ok(&["receipt", &grant[..8]]);
    for needle in [
        "REÇU DE CONSENTEMENT",
        "Fatima Benali (CCAS d'Albi",
        "Avis d'imposition 2025",
        "Attestation CAF",
        "Motif : social",
        "23:59.",
        "La signature a été vérifiée avec votre clé.",
        "les copies qu'il aurait déjà téléchargées ne peuvent pas être reprises",
    ] {
        assert!(receipt.contains(needle), "{needle}\n{receipt}");
    }
    let json: serde_json::Value =
        serde_json::from_str(&c.mme.ok(&["--json", "receipt", &grant])).unwrap();
    assert_eq!(json["signature_valid"], true);
    assert_eq!(json["hash"].as_str().unwrap().len(), 64);
}

#[test]
fn a_grant_ends_by_itself_at_its_expiry() {
    let c = counter();
    // Through the typed client, a grant of a few seconds (the CLI's shortest is 1h).
    let client = c.mme.client();
    let session = client.session().unwrap();
    let (created, _) = client
        .share(
            &session,
            ShareDraft {
                documents: vec![c.tax.parse().unwrap()],
                mediator: "f.benali".into(),
                safety_code: c.code.clone(),
                purpose: "papiers".into(),
                not_before_ms: now_ms(),
                expires_ms: now_ms() + 6_000,
                request: None,
            },
        )
        .unwrap();
    c.social.bytes(&["get", &c.tax, "-o", "-"]);
    std::thread::sleep(Duration::from_millis(6_100));
    let err = c.social.fails(&["get", &c.tax, "-o", "-"], 1);
    assert!(err.contains("Ce partage a expiré le "), "{err}");
    assert!(err.trim_end().ends_with("[grant_expired]"), "{err}");
    assert!(c.social.ok(&["--json", "shared"]).trim() == "[]");
    let grants: Vec<serde_json::Value> =
        serde_json::from_str(&c.mme.ok(&["--json", "grants"])).unwrap();
    assert_eq!(grants[0]["grant"], created.grant.as_str());
    assert_eq!(grants[0]["state"], "expired");
    // The expiry is in her journal, once, in plain words.
    let entries: Vec<serde_json::Value> =
        serde_json::from_str(&c.mme.ok(&["--json", "journal"])).unwrap();
    let expiries = entries.iter().filter(|e| e["action"] == "expire").count();
    assert_eq!(expiries, 1, "{entries:?}");
    let text = c.mme.ok(&["journal"]);
    assert!(
        text.contains("Un partage avec Fatima Benali (CCAS d'Albi) a expiré comme prévu"),
        "{text}"
    );
}

#[test]
fn scenario_3_revocation() {
    let c = counter();
    let out = c.mme.ok(&[
        "--json",
        "share",
        &c.tax,
        "--to",
        "f.benali",
        "--for",
        "30d",
        "--safety-code",
        &c.code,
    ]);
    let grant: serde_json::Value = serde_json::from_str(&out).unwrap();
    let grant = grant["grant"].as_str().unwrap().to_owned();
    c.social.bytes(&["get", &c.tax, "-o", "-"]);
    let said = c.mme.ok(&["revoke", &grant[..8]]);
    assert!(said.contains("Partage retiré"), "{said}");
    let err = c.social.fails(&["get", &c.tax, "-o", "-"], 1);
    assert!(err.contains("La personne a retiré ce partage le "), "{err}");
    assert!(err.trim_end().ends_with("[grant_revoked]"), "{err}");
    // Raw API too: a 403 with the stable code, not a 500 or an empty list.
    let r = agent(&c.d)
        .get(format!("{}/v1/documents/{}/content", c.d.url, c.tax))
        .header("Authorization", format!("Bearer {}", c.social.token()))
        .call()
        .unwrap();
    let (status, body) = status_json(r);
    assert_eq!(
        (status, body["error"]["code"].as_str()),
        (403, Some("grant_revoked"))
    );
    let grants: Vec<serde_json::Value> =
        serde_json::from_str(&c.mme.ok(&["--json", "grants"])).unwrap();
    assert_eq!(grants[0]["state"], "revoked");
    assert!(c.mme.ok(&["grants"]).contains("retiré"));
    // The envelopes are destroyed: nothing left on the server opens the document
    // for the mediator, even with a new grant id.
    assert_eq!(c.social.ok(&["--json", "shared"]).trim(), "[]");
}

#[test]
fn a_wrong_safety_code_shares_nothing() {
    let c = counter();
    let err = c.mme.fails(
        &[
            "share",
            &c.tax,
            "--to",
            "f.benali",
            "--for",
            "1h",
            "--safety-code",
            "123 456 789 000",
        ],
        1,
    );
    assert!(
        err.contains("n'est pas celui de Fatima Benali (CCAS d'Albi)"),
        "{err}"
    );
    assert!(err.contains("[safety_code_mismatch]"), "{err}");
    assert_eq!(c.mme.ok(&["--json", "grants"]).trim(), "[]");
    assert_eq!(c.social.ok(&["--json", "shared"]).trim(), "[]");
    let err = c.social.fails(&["get", &c.tax, "-o", "-"], 1);
    assert!(err.contains("[document_not_found]"), "{err}");
    // Durations beyond a year, or nonsense, are usage errors.
    let err = c.mme.fails(
        &[
            "share",
            &c.tax,
            "--to",
            "f.benali",
            "--for",
            "400d",
            "--safety-code",
            &c.code,
        ],
        2,
    );
    assert!(err.contains("[invalid_duration]"), "{err}");
    let err = c.mme.fails(
        &[
            "share",
            &c.tax,
            "--to",
            "nobody",
            "--for",
            "1h",
            "--safety-code",
            &c.code,
        ],
        1,
    );
    assert!(err.contains("[mediator_not_found]"), "{err}");
}

#[test]
fn a_disabled_mediator_loses_access_at_once() {
    let c = counter();
    c.mme.ok(&[
        "share",
        &c.tax,
        &c.caf,
        "--to",
        "f.benali",
        "--for",
        "7d",
        "--safety-code",
        &c.code,
    ]);
    c.social.bytes(&["get", &c.caf, "-o", "-"]);
    let list = c.d.admin(&["--json", "mediator", "list"]);
    assert!(list.contains("\"state\":\"active\""), "{list}");
    c.d.admin(&["mediator", "disable", "f.benali"]);
    // Her session ended with her account: her device's session file opens nothing.
    let err = c.social.fails(&["get", &c.caf, "-o", "-"], 1);
    assert!(err.contains("[session_expired]"), "{err}");
    let err = c.social.fails(&["login", "f.benali"], 1);
    assert!(err.contains("Ce compte a été désactivé"), "{err}");
    assert!(err.contains("[account_disabled]"), "{err}");
    let grants: Vec<serde_json::Value> =
        serde_json::from_str(&c.mme.ok(&["--json", "grants"])).unwrap();
    assert_eq!(grants[0]["state"], "revoked");
    let list = c.d.admin(&["--json", "mediator", "list"]);
    assert!(list.contains("\"state\":\"disabled\""), "{list}");
    // No new grant to a disabled mediator.
    let err = c.mme.fails(
        &[
            "share",
            &c.tax,
            "--to",
            "f.benali",
            "--for",
            "1h",
            "--safety-code",
            &c.code,
        ],
        1,
    );
    assert!(err.contains("[mediator_not_found]"), "{err}");
}

#[test]
fn the_server_refuses_a_grant_whose_signature_does_not_verify() {
    use coffre::api::{Grant, GrantEnvelope, GrantRequest};
    use coffre::crypto::identity::Identity;
    let c = counter();
    let client = c.mme.client();
    let session = client.session().unwrap();
    let card = client.mediator(&session, "f.benali").unwrap();
    let (key, _) = client.describe(&session, &c.tax).unwrap();
    let record: serde_json::Value = serde_json::from_str(
        &agent(&c.d)
            .get(format!("{}/v1/documents/{}", c.d.url, c.tax))
            .header("Authorization", format!("Bearer {}", c.mme.token()))
            .call()
            .unwrap()
            .into_body()
            .read_to_string()
            .unwrap(),
    )
    .unwrap();
    let meta = base64::Engine::decode(
        &base64::engine::general_purpose::STANDARD,
        record["meta"].as_str().unwrap(),
    )
    .unwrap();
    let digest = format!(
        "{}.{}",
        record["payload_sha256"].as_str().unwrap(),
        coffre::crypto::hex(&coffre::crypto::sha256(&meta))
    );
    let grant = Grant {
        origin: "localhost/journal/v1".into(),
        digests: vec![digest],
        id: "1".repeat(32).parse().unwrap(),
        citizen: "mme.b".into(),
        mediator: "f.benali".into(),
        recipient: card.keys.age_recipient.clone(),
        documents: vec![c.tax.parse().unwrap()],
        purpose: String::new(),
        not_before_ms: now_ms(),
        expires_ms: now_ms() + 3_600_000,
        created_ms: now_ms(),
        nonce: "2".repeat(32),
    };
    let envelopes = vec![GrantEnvelope {
        document: c.tax.parse().unwrap(),
        envelope: key.envelope_to(&card.keys.age_recipient).unwrap().into(),
    }];
    let post = |signature: Vec<u8>, grant: &Grant| {
        let req = GrantRequest {
            grant: grant.clone(),
            signature: signature.into(),
            envelopes: envelopes.clone(),
            request: None,
        };
        let r = agent(&c.d)
            .post(format!("{}/v1/grants", c.d.url))
            .header("Authorization", format!("Bearer {}", c.mme.token()))
            .send_json(&req)
            .unwrap();
        status_json(r)
    };
    // Signed by another key (say, the server's own).
    let forged = Identity::generate().sign(&grant.canonical());
    let (status, body) = post(forged.to_vec(), &grant);
    assert_eq!(
        (status, body["error"]["code"].as_str()),
        (400, Some("invalid_grant"))
    );
    // Signed by her, then altered (a longer expiry).
    let signed = session.identity().sign(&grant.canonical());
    let mut longer = grant.clone();
    longer.expires_ms += 86_400_000;
    let (status, _) = post(signed.to_vec(), &longer);
    assert_eq!(status, 400);
    // Covering a document of someone else.
    let bob = c.d.user("bob");
    bob.register();
    let bobs = bob.add(&random_file(c.files.path(), "b.pdf", 10), &[]);
    let mut other = grant.clone();
    other.documents = vec![bobs.parse().unwrap()];
    let sig = session.identity().sign(&other.canonical());
    let req_envelopes = vec![GrantEnvelope {
        document: bobs.parse().unwrap(),
        envelope: envelopes[0].envelope.clone(),
    }];
    let r = agent(&c.d)
        .post(format!("{}/v1/grants", c.d.url))
        .header("Authorization", format!("Bearer {}", c.mme.token()))
        .send_json(&GrantRequest {
            grant: other,
            signature: sig.to_vec().into(),
            envelopes: req_envelopes,
            request: None,
        })
        .unwrap();
    assert_eq!(status_json(r).0, 404);
    // Signed by her, but for another deployment, or for other bytes than the
    // document's: refused.
    for change in [
        |g: &mut Grant| g.origin = "coffre.example/journal/v1".into(),
        |g: &mut Grant| g.digests[0] = format!("{}.{}", "0".repeat(64), "0".repeat(64)),
    ] {
        let mut other = grant.clone();
        change(&mut other);
        let sig = session.identity().sign(&other.canonical());
        let (status, body) = post(sig.to_vec(), &other);
        assert_eq!(
            (status, body["error"]["code"].as_str()),
            (400, Some("invalid_grant"))
        );
    }
    // Nothing was stored; the genuine one is accepted.
    assert_eq!(c.mme.ok(&["--json", "grants"]).trim(), "[]");
    let (status, _) = post(signed.to_vec(), &grant);
    assert_eq!(status, 201);
    c.social.bytes(&["get", &c.tax, "-o", "-"]);
}

#[test]
fn access_requests_are_answered_or_declined() {
    let c = counter();
    let out = c.social.ok(&[
        "--json",
        "request",
        "mme.b",
        "--category",
        "tax",
        "--message",
        "Pour le dossier RSA, merci de partager votre avis d'imposition",
    ]);
    let req: serde_json::Value = serde_json::from_str(&out).unwrap();
    let req = req["request"].as_str().unwrap().to_owned();
    // A request to a name that does not exist looks the same (no probing).
    c.social
        .ok(&["request", "personne.inconnue", "--category", "tax"]);
    let pending: Vec<serde_json::Value> =
        serde_json::from_str(&c.mme.ok(&["--json", "requests"])).unwrap();
    assert_eq!(pending.len(), 1);
    assert_eq!(pending[0]["state"], "pending");
    assert_eq!(pending[0]["mediator_name"], "Fatima Benali");
    assert_eq!(pending[0]["category"], "tax");
    assert!(c.mme.ok(&["requests"]).contains("Impôts"));
    c.mme.ok(&[
        "share",
        &c.tax,
        "--to",
        "f.benali",
        "--for",
        "2h",
        "--safety-code",
        &c.code,
        "--request",
        &req,
    ]);
    let after: Vec<serde_json::Value> =
        serde_json::from_str(&c.mme.ok(&["--json", "requests"])).unwrap();
    assert_eq!(after[0]["state"], "fulfilled");
    assert!(after[0]["grant"].is_string());
    // The mediator sees the answer too.
    let sent: Vec<serde_json::Value> =
        serde_json::from_str(&c.social.ok(&["--json", "requests"])).unwrap();
    assert_eq!(sent.len(), 1);
    assert_eq!(sent[0]["state"], "fulfilled");
    // A second request, declined.
    c.social.ok(&["request", "mme.b", "--category", "family"]);
    let list: Vec<serde_json::Value> =
        serde_json::from_str(&c.mme.ok(&["--json", "requests"])).unwrap();
    let second = list.iter().find(|r| r["state"] == "pending").unwrap();
    c.mme
        .ok(&["decline", &second["request"].as_str().unwrap()[..8]]);
    let list: Vec<serde_json::Value> =
        serde_json::from_str(&c.mme.ok(&["--json", "requests"])).unwrap();
    assert!(list.iter().any(|r| r["state"] == "declined"));
    // Roles: a mediator cannot share, a citizen cannot ask.
    let err = c.social.fails(
        &[
            "share",
            &c.tax,
            "--to",
            "f.benali",
            "--for",
            "1h",
            "--safety-code",
            &c.code,
        ],
        1,
    );
    assert!(err.contains("[not_a_citizen]"), "{err}");
    let err = c.mme.fails(&["request", "mme.b", "--category", "tax"], 1);
    assert!(err.contains("[not_a_mediator]"), "{err}");
}

#[test]
fn enrolment_codes_are_single_use_and_operator_only() {
    let d = Daemon::start();
    let out = d.admin(&[
        "--json",
        "mediator",
        "add",
        "--name",
        "Jean Conseil",
        "--structure",
        "France Services de Lavoncourt",
        "--user",
        "j.conseil",
    ]);
    let code: serde_json::Value = serde_json::from_str(&out).unwrap();
    let code = code["code"].as_str().unwrap().to_owned();
    let list = d.admin(&["mediator", "list"]);
    assert!(list.contains("en attente"), "{list}");
    let m = d.user("j.conseil");
    let err = m.fails(&["enrol", &code, "--user", "someone.else"], 1);
    assert!(err.contains("[enrolment_code_invalid]"), "{err}");
    // The failed try consumed the code: one code, one attempt.
    let err = m.fails(&["enrol", &code, "--user", "j.conseil"], 1);
    assert!(err.contains("[enrolment_code_invalid]"), "{err}");
    let out = d.admin(&[
        "--json",
        "mediator",
        "add",
        "--name",
        "Jean Conseil",
        "--structure",
        "France Services de Lavoncourt",
        "--user",
        "j.conseil2",
    ]);
    let code: serde_json::Value = serde_json::from_str(&out).unwrap();
    let code = code["code"].as_str().unwrap().to_lowercase();
    m.ok(&["enrol", &code, "--user", "j.conseil2"]);
    let err = d
        .user("x")
        .fails(&["enrol", &code, "--user", "j.conseil2"], 1);
    assert!(err.contains("[enrolment_code_invalid]"), "{err}");
    // Operator endpoints need the token; a citizen's session is not enough.
    let citizen = d.user("alice");
    citizen.register();
    let out = citizen
        .command(&["admin", "status"])
        .env("COFFRE_ADMIN_TOKEN", "not-the-token")
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(1));
    assert!(String::from_utf8_lossy(&out.stderr).contains("[admin_unauthorized]"));
    let err = citizen.fails(&["admin", "status"], 1);
    assert!(err.contains("[admin_token_required]"), "{err}");
    let r = agent(&d)
        .get(format!("{}/v1/admin/mediators", d.url))
        .header("Authorization", format!("Bearer {}", citizen.token()))
        .call()
        .unwrap();
    assert_eq!(status_json(r).0, 401);
    let status: serde_json::Value = serde_json::from_str(&d.admin(&["--json", "status"])).unwrap();
    assert_eq!(status["citizens"], 1);
    assert_eq!(status["mediators"], 1);
    // The operator never reaches a document.
    let id = citizen.add(
        &random_file(tempfile::tempdir().unwrap().path(), "a", 5),
        &[],
    );
    let r = agent(&d)
        .get(format!("{}/v1/documents/{id}/content", d.url))
        .header("Authorization", format!("Bearer {}", d.admin_token()))
        .call()
        .unwrap();
    assert_eq!(status_json(r).0, 401);
}

/// Access requests are throttled per mediator and per name, the same way whether the
/// name is a citizen's or not: a mediator can neither flood a citizen nor probe names.
#[test]
fn access_requests_are_throttled_and_probe_nothing() {
    let c = counter();
    let ask = |name: &str| c.social.run(&["request", name, "--category", "tax"]);
    for name in ["mme.b", "personne.inconnue"] {
        for _ in 0..3 {
            let out = ask(name);
            assert!(
                out.status.success(),
                "{}",
                String::from_utf8_lossy(&out.stderr)
            );
        }
        let out = ask(name);
        let err = String::from_utf8_lossy(&out.stderr);
        assert!(err.contains("[too_many_attempts]"), "{name}: {err}");
    }
    // Only the real citizen has requests, three of them.
    let reqs: Vec<serde_json::Value> =
        serde_json::from_str(&c.mme.ok(&["--json", "requests"])).unwrap();
    assert_eq!(reqs.len(), 3);
}

/// Many mediators together cannot bury a citizen under requests: past 20 waiting for
/// her answer, more are dropped with the answer an unknown name gets.
#[test]
fn a_citizens_waiting_requests_are_capped_whoever_asks() {
    let c = counter();
    let mut mediators = vec![c.social.clone()];
    for i in 0..6 {
        let user = format!("agent.{i}");
        mediators.push(
            c.d.mediator(&user, &format!("Agent {i}"), "France Services")
                .0,
        );
    }
    for m in &mediators {
        for _ in 0..3 {
            let out = m.ok(&["--json", "request", "mme.b", "--category", "income"]);
            let v: serde_json::Value = serde_json::from_str(&out).unwrap();
            assert!(v["request"].as_str().is_some_and(|id| id.len() == 32));
        }
    }
    let waiting: Vec<serde_json::Value> =
        serde_json::from_str(&c.mme.ok(&["--json", "requests"])).unwrap();
    assert_eq!(waiting.len(), 20);
}

/// A citizen who closed her vault and opened a new one under the same name has new
/// keys: the mediator's device raises the alert, and only after the two compare
/// her new safety code in person does it recognise them.
#[test]
fn new_keys_of_a_citizen_are_recognised_only_after_comparing_her_code() {
    let c = counter();
    c.mme.share_for_an_hour(&c.tax, &c.code);
    c.social.ok(&["shared"]);
    c.mme.ok(&["delete-account", "--yes"]);
    let again = c.d.user("mme.b");
    again.register();
    let f = random_file(c.files.path(), "nouvel-avis.pdf", 4000);
    let doc = again.add(&f, &["--title", "Nouvel avis"]);
    again.share_for_an_hour(&doc, &c.code);
    let err = c.social.fails(&["get", &doc, "-o", "-"], 1);
    assert!(err.contains("[citizen_keys_changed]"), "{err}");
    assert!(err.contains("coffre trust-citizen mme.b"), "{err}");
    // A misread code changes nothing.
    let whoami: serde_json::Value = serde_json::from_str(&again.ok(&["--json", "whoami"])).unwrap();
    let code = whoami["safety_code"].as_str().unwrap().to_owned();
    let wrong = format!("{}0", &code[..code.len() - 1]);
    let wrong = if wrong == code {
        format!("{}1", &code[..code.len() - 1])
    } else {
        wrong
    };
    let err = c
        .social
        .fails(&["trust-citizen", "mme.b", "--safety-code", &wrong], 1);
    assert!(err.contains("[citizen_code_mismatch]"), "{err}");
    c.social.fails(&["get", &doc, "-o", "-"], 1);
    // Her code, as she reads it out.
    c.social
        .ok(&["trust-citizen", "mme.b", "--safety-code", &code]);
    let bytes = c.social.bytes(&["get", &doc, "-o", "-"]);
    assert_eq!(bytes, std::fs::read(&f).unwrap());
}
