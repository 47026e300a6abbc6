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
    });
    let dir = tempfile::tempdir().unwrap();
    let (input, output) = (dir.path().join("rust.json"), dir.path().join("web.json"));
    std::fs::write(&input, serde_json::to_vec(&vectors).unwrap()).unwrap();
    let web = concat!(env!("CARGO_MANIFEST_DIR"), "/web");
    let run = Command::new(format!("{web}/node_modules/.bin/tsx"))
        .arg("test/parity.ts")
        .arg(&input)
        .arg(&output)
        .current_dir(web)
        .output()
        .expect("tsx (tests/run installs the web client's packages)");
    assert!(
        run.status.success(),
        "the browser module disagrees with the Rust formats:\n{}{}",
        String::from_utf8_lossy(&run.stdout),
        String::from_utf8_lossy(&run.stderr)
    );

    // The reverse: what the browser module made, opened and verified here.
    let theirs: Value = serde_json::from_slice(&std::fs::read(&output).unwrap()).unwrap();
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
