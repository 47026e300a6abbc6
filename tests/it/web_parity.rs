//! The browser client's crypto module (`web/src/crypto`) and the Rust client must
//! read and write the same bytes. Vectors made here are checked by the TypeScript
//! module under Node (`web/test/parity.ts`, run with the project's own `tsx`), which
//! answers with vectors of its own that are checked here: an identity sealed under
//! the same KEK, its public keys and binding, its safety code, a document seal it
//! signed, and an age file it encrypted to the Rust identity.

use std::process::Command;

use base64::engine::general_purpose::STANDARD as B64;
use base64::Engine;
use coffre::api::{DocumentSeal, KdfParams, PublicKeys, WrappedIdentity};
use coffre::crypto::identity::Identity;
use coffre::crypto::passphrase::RootKey;
use coffre::crypto::recovery::{KitInfo, RecoveryKey};
use coffre::crypto::safety::{binding_valid, safety_code};
use coffre::crypto::server::{seal_to, verify_signature};
use coffre::crypto::SecretString;
use serde_json::{json, Value};

use crate::harness::{agent, random_file, status_json, Daemon};

const USER: &str = "mme.b";
/// Small Argon2id parameters: the vectors test the construction, not the cost.
const KDF: KdfParams = KdfParams {
    m_kib: 1024,
    t: 2,
    p: 1,
};

fn b64(bytes: &[u8]) -> String {
    B64.encode(bytes)
}

fn unb64(v: &Value) -> Vec<u8> {
    B64.decode(v.as_str().unwrap()).unwrap()
}

/// Runs a script of `web/test` under Node (the project's own `tsx`) on `input`; its answer.
fn run_web(script: &str, input: &Value) -> Value {
    let dir = tempfile::tempdir().unwrap();
    let (input_path, output) = (dir.path().join("rust.json"), dir.path().join("web.json"));
    std::fs::write(&input_path, serde_json::to_vec(input).unwrap()).unwrap();
    let web = concat!(env!("CARGO_MANIFEST_DIR"), "/web");
    let run = Command::new(format!("{web}/node_modules/.bin/tsx"))
        .arg(script)
        .arg(&input_path)
        .arg(&output)
        .current_dir(web)
        .output()
        .expect("tsx (tests/run installs the web client's packages)");
    assert!(
        run.status.success(),
        "{script}: the browser module disagrees with the Rust side:\n{}{}",
        String::from_utf8_lossy(&run.stdout),
        String::from_utf8_lossy(&run.stderr)
    );
    serde_json::from_slice(&std::fs::read(&output).unwrap()).unwrap()
}

#[test]
fn the_browser_module_reads_and_writes_the_rust_formats() {
    let passphrase = "cheval correct pile agrafe é";
    let salt = coffre::crypto::random_bytes::<16>();
    let root = RootKey::derive(&SecretString::from(passphrase.to_owned()), &salt, KDF).unwrap();
    let identity = Identity::generate();
    let keys = identity.public_keys();
    let wrapped = root.kek().wrap(&identity, USER, KDF);
    let seal = DocumentSeal {
        origin: "coffre.mairie.example/journal/v1",
        id: "0123456789abcdef0123456789abcdef",
        owner: USER,
        size: 123_456,
        payload_sha256: &"a".repeat(64),
        meta_sha256: &"b".repeat(64),
        envelope_sha256: &"c".repeat(64),
    };
    let plain = "Avis d'imposition 2025 — « Mme B. »";
    let grant = coffre::api::Grant {
        origin: "coffre.mairie.example/journal/v1".into(),
        id: coffre::api::GrantId::parse(&"0123456789abcdef".repeat(2)).unwrap(),
        citizen: USER.into(),
        mediator: "f.benali".into(),
        recipient: keys.age_recipient.clone(),
        documents: vec![
            coffre::api::DocumentId::parse(&"a".repeat(32)).unwrap(),
            coffre::api::DocumentId::parse(&"b".repeat(32)).unwrap(),
        ],
        digests: vec![format!("{}.{}", "1".repeat(64), "2".repeat(64)); 2],
        purpose: "Dossier RSA : « avis » et attestation — مرحبا".into(),
        not_before_ms: 1_795_000_000_000,
        expires_ms: 1_795_003_600_000,
        created_ms: 1_795_000_000_000,
        nonce: "f".repeat(32),
    };
    let recovery = RecoveryKey::generate();
    let info = KitInfo {
        user: USER.into(),
        server: "https://coffre.mairie.example".into(),
        journal: "coffre.mairie.example/journal/v1+01020304+AQID".into(),
    };
    let kit_date = "25/11/2026";
    let vectors = json!({
        "user": USER,
        "passphrase": passphrase,
        "salt": b64(&salt),
        "kdf": KDF,
        "auth_key": root.auth_key().to_wire(),
        "wrapped": wrapped,
        "public_keys": keys,
        "safety_code": safety_code(USER, &keys),
        "seal": {
            "origin": seal.origin, "id": seal.id, "owner": seal.owner, "size": seal.size,
            "payload_sha256": seal.payload_sha256, "meta_sha256": seal.meta_sha256,
            "envelope_sha256": seal.envelope_sha256,
        },
        "seal_signature": b64(&identity.sign(&seal.canonical())),
        "age_file": b64(&seal_to(&keys.age_recipient, plain.as_bytes()).unwrap()),
        "age_plain": plain,
        "kit": recovery.to_kit(&info, kit_date).as_str(),
        "kit_info": { "user": info.user, "server": info.server, "journal": info.journal },
        "kit_date": kit_date,
        "recovery_auth_key": recovery.auth_key(),
        "recovery_envelope": b64(&recovery.seal_identity(&identity)),
        // A consent grant: its canonical bytes (a purpose in UTF-8 with « », an Arabic
        // word) and the citizen's signature of them.
        "grant": grant,
        "grant_canonical": b64(&grant.canonical()),
        "grant_signature": b64(&identity.sign(&grant.canonical())),
    });
    let theirs = run_web("test/parity.ts", &vectors);

    // The reverse: what the browser module made, opened and verified here.
    let wrapped: WrappedIdentity = serde_json::from_value(theirs["wrapped"].clone()).unwrap();
    let opened = root.kek().unwrap(&wrapped, USER, KDF).unwrap();
    let their_keys: PublicKeys = serde_json::from_value(theirs["public_keys"].clone()).unwrap();
    assert_eq!(
        opened.public_keys(),
        their_keys,
        "keys from the browser's bundle"
    );
    assert!(binding_valid(&their_keys));
    assert_eq!(theirs["safety_code"], safety_code(USER, &their_keys));
    assert!(verify_signature(
        their_keys.signing_key.as_slice(),
        &seal.canonical(),
        &unb64(&theirs["seal_signature"]),
    ));
    let age_file = unb64(&theirs["age_file"]);
    let decrypted = identity.open(&age_file).unwrap();
    assert_eq!(decrypted.as_slice(), plain.as_bytes());
    // The browser's kit reads here, word for word the CLI's, and its key opens the
    // browser's recovery envelope.
    let kit = theirs["kit"].as_str().unwrap();
    let (their_recovery, their_info) = RecoveryKey::from_kit(kit).unwrap();
    assert_eq!(their_info, info);
    assert_eq!(their_recovery.to_kit(&info, kit_date).as_str(), kit);
    assert_eq!(theirs["recovery_recipient"], their_recovery.recipient());
    assert_eq!(
        their_recovery.auth_key().as_slice(),
        unb64(&theirs["recovery_auth_key"]).as_slice()
    );
    let reopened = their_recovery
        .open_identity(&unb64(&theirs["recovery_envelope"]))
        .unwrap();
    assert_eq!(reopened.public_keys(), their_keys);
    // Under another user name, the browser's envelope does not open (the AAD binds it).
    assert!(root.kek().unwrap(&wrapped, "m.dupont", KDF).is_err());
}

/// The browser's journal verifier (`web/src/crypto/journal.ts`) on a real coffred's
/// journal: it accepts her chain and reads the same entries as the CLI, and refuses
/// each tampered copy for the right reason (a copy it accepted would fail here).
#[test]
fn the_browser_module_verifies_a_real_journal_as_the_cli_does() {
    use coffre::journal::checkpoint;
    let d = Daemon::start();
    let mme = d.user("mme.b");
    mme.register();
    let files = tempfile::tempdir().unwrap();
    let scan = random_file(files.path(), "avis.pdf", 3_000);
    mme.add(
        &scan,
        &["--title", "Avis d'imposition", "--category", "tax"],
    );
    mme.list();
    // A checkpoint seen now, which the later one must extend.
    let early = {
        let http = agent(&d);
        let token = mme.token();
        let body = status_json(
            http.get(format!("{}/v1/journal/checkpoint", d.url))
                .header("Authorization", &format!("Bearer {token}"))
                .call()
                .unwrap(),
        )
        .1;
        body["checkpoint"].as_str().unwrap().to_owned()
    };
    mme.ok(&["logout"]);
    mme.ok(&["login", "mme.b"]);
    let cli: Vec<Value> = serde_json::from_str(&mme.ok(&["--json", "journal"])).unwrap();
    let identity_file = files.path().join("identity.txt");
    mme.ok(&["key", "export", "-o", identity_file.to_str().unwrap()]);
    let identity = std::fs::read_to_string(&identity_file).unwrap();
    let age_line = identity
        .lines()
        .find(|l| l.starts_with("AGE-SECRET-KEY-"))
        .unwrap()
        .to_owned();

    let http = agent(&d);
    let token = mme.token();
    let get = |path: &str| -> Value {
        let r = http
            .get(format!("{}{path}", d.url))
            .header("Authorization", &format!("Bearer {token}"))
            .call()
            .unwrap();
        status_json(r).1
    };
    let vkey = get("/v1/journal/key")["vkey"].as_str().unwrap().to_owned();
    let note = get("/v1/journal/checkpoint")["checkpoint"]
        .as_str()
        .unwrap()
        .to_owned();
    let size = checkpoint::verify(&note, &vkey).unwrap().size;
    let page = get(&format!("/v1/journal/entries?size={size}&from=0"));
    assert!(page.get("next").is_none(), "one page holds her chain");
    let entries = page["entries"].as_array().unwrap().clone();
    assert!(entries.len() >= 5, "{page}");

    let case = |name: &str, vkey: &str, note: &str, entries: Vec<Value>, size: u64| {
        json!({"name": name, "vkey": vkey, "checkpoint": note,
               "page": {"size": size, "entries": entries}})
    };
    let flip_b64 = |v: &Value, at: usize| -> Value {
        let mut bytes = unb64(v);
        bytes[at] ^= 1;
        json!(b64(&bytes))
    };
    let mut tampered = Vec::new();
    // The note's signature changed.
    let (body, sig) = note.rsplit_once(' ').unwrap();
    let mut raw = B64.decode(sig.trim()).unwrap();
    raw[10] ^= 1;
    let forged = format!("{body} {}\n", b64(&raw));
    tampered.push((
        case("signature", &vkey, &forged, entries.clone(), size),
        "signature",
    ));
    // Another journal's key (same name, another key).
    let other = checkpoint::verifier_key("localhost/journal/v1", &[7; 32]);
    tampered.push((
        case("other key", &other, &note, entries.clone(), size),
        "signature",
    ));
    // A page for another tree than the checkpoint's.
    tampered.push((
        case("size", &vkey, &note, entries.clone(), size - 1),
        "size",
    ));
    // An entry taken out of her chain.
    let mut gap = entries.clone();
    gap.remove(2);
    tampered.push((case("gap", &vkey, &note, gap, size), "chain"));
    // Two entries swapped.
    let mut swapped = entries.clone();
    swapped.swap(1, 2);
    tampered.push((case("swapped", &vkey, &note, swapped, size), "chain"));
    // A leaf rewritten (its time): no longer in the tree.
    let mut rewritten = entries.clone();
    rewritten[1]["leaf"] = flip_b64(&rewritten[1]["leaf"], 30);
    tampered.push((case("leaf", &vkey, &note, rewritten, size), "inclusion"));
    // A proof changed.
    let mut proof = entries.clone();
    proof[0]["proof"][0] = flip_b64(&proof[0]["proof"][0], 0);
    tampered.push((case("proof", &vkey, &note, proof, size), "inclusion"));
    // Details of another entry (sealed to her, but not the committed ones).
    let mut details = entries.clone();
    details[1]["details"] = entries[2]["details"].clone();
    tampered.push((case("details", &vkey, &note, details, size), "details"));
    // Details sealed to someone else.
    let mut foreign = entries.clone();
    let stranger = Identity::generate();
    foreign[1]["details"] = json!(b64(&seal_to(
        &stranger.public_keys().age_recipient,
        b"0123456789abcdef{}"
    )
    .unwrap()));
    tampered.push((case("foreign", &vkey, &note, foreign, size), "details"));

    // Consistency: the early checkpoint's tree is a prefix of the later one.
    let first = checkpoint::verify(&early, &vkey).unwrap();
    let later = checkpoint::verify(&note, &vkey).unwrap();
    assert!(first.size < later.size);
    let proof = get(&format!(
        "/v1/journal/consistency?from={}&to={}",
        first.size, later.size
    ))["proof"]
        .clone();
    let mut bent = proof.clone();
    bent[0] = flip_b64(&bent[0], 3);
    let consistency = json!({
        "size1": first.size, "size2": later.size,
        "root1": b64(&first.root), "root2": b64(&later.root),
        "proof": proof, "bent": bent,
    });
    // A restore notice signed by this journal's key, as `coffred restore` makes
    // one: the page reads the same fields, and neither note passes for the other.
    let seed = std::fs::read(d.data.join("keys/journal-ed25519")).unwrap();
    let key = coffre::crypto::server::LogKey::from_seed(&seed).unwrap();
    let restore = coffre::journal::notice::RestoreNotice {
        origin: "localhost/journal/v1".into(),
        backup_ms: 1_796_600_000_000,
        size: 3,
        root: [9; 32],
        restored_ms: 1_796_630_000_000,
    };
    let notice = json!({"note": restore.sign(&key), "vkey": vkey, "checkpoint": note,
                        "other_vkey": checkpoint::verifier_key("localhost/journal/v1", &[7; 32])});
    let input = json!({
        "identity": age_line,
        "valid": case("valid", &vkey, &note, entries.clone(), size),
        "tampered": tampered.iter().map(|(c, _)| c.clone()).collect::<Vec<_>>(),
        "consistency": consistency,
        "notice": notice,
    });
    let theirs = run_web("test/journal.ts", &input);
    for (c, reason) in &tampered {
        assert_eq!(
            theirs["refused"][c["name"].as_str().unwrap()],
            *reason,
            "{}",
            c["name"]
        );
    }
    // The same entries as the CLI verified, in the same order.
    let verified = theirs["entries"].as_array().unwrap();
    assert_eq!(verified.len(), entries.len());
    for (web, cli) in verified.iter().zip(&cli) {
        assert_eq!(web["seq"], cli["seq"]);
        assert_eq!(web["action"], cli["action"]);
        assert_eq!(web["phase"], cli["outcome"]);
        assert_eq!(web["actor_kind"], cli["actor_kind"]);
    }
    assert!(verified.iter().any(|e| e["action"] == "upload"
        && e["phase"] == "done"
        && e["details"]["document"].is_string()));
    // The same consistency proof verifies there; a bent one, swapped roots or a
    // shrunk tree do not.
    assert_eq!(
        theirs["consistency"],
        json!({"valid": true, "bent": false, "swapped": false, "shrunk": false})
    );
    assert_eq!(
        theirs["notice"],
        json!({
            "read": {"origin": "localhost/journal/v1", "backup_ms": 1_796_600_000_000u64,
                     "size": 3, "root": b64(&[9; 32]), "restored_ms": 1_796_630_000_000u64},
            "checkpoint_as_notice": "format",
            "notice_as_checkpoint": "format",
            "other_key": "signature",
        })
    );
}
