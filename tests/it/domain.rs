//! The vault service in-process, with a manual clock: expiry without sleeping, and
//! orphan collection after a simulated crash between blob and record.

use std::sync::Arc;
use std::time::Duration;

use coffre::api::{
    KdfParams, LoginRequest, PassphraseCredentials, RecoveryCredentials, RegisterRequest,
};
use coffre::crypto::identity::Identity;
use coffre::crypto::passphrase::RootKey;
use coffre::crypto::recovery::RecoveryKey;
use coffre::crypto::server::{LogKey, ServerSecret};
use coffre::vault::journal::JournalKeys;
use coffre::crypto::SecretString;
use coffre::storage::fs::FsBlobStore;
use coffre::storage::sled_store::SledStore;
use coffre::storage::{BlobPart, BlobStore};
use coffre::vault::clock::ManualClock;
use coffre::vault::{Limits, Vault, VaultError};

struct World {
    vault: Vault,
    clock: Arc<ManualClock>,
    blobs: Arc<FsBlobStore>,
    _dir: tempfile::TempDir,
}

fn world() -> World {
    let dir = tempfile::tempdir().unwrap();
    let clock = Arc::new(ManualClock::new(1_800_000_000_000));
    let blobs = Arc::new(FsBlobStore::open(&dir.path().join("blobs")).unwrap());
    let meta = Arc::new(SledStore::open(&dir.path().join("meta")).unwrap());
    let vault = Vault::new(
        meta,
        blobs.clone(),
        Arc::new(ServerSecret::generate()),
        clock.clone(),
        Limits::default(),
        JournalKeys::new(LogKey::generate(), "test.example"),
    );
    World {
        vault,
        clock,
        blobs,
        _dir: dir,
    }
}

fn registration(user: &str) -> (RegisterRequest, LoginRequest) {
    let id = Identity::generate();
    let rk = RecoveryKey::generate();
    let kdf = KdfParams::DEFAULT;
    let salt = [7u8; 16];
    let root = RootKey::derive(&SecretString::from("passphrase!".to_owned()), &salt, kdf).unwrap();
    let req = RegisterRequest {
        user: user.into(),
        keys: id.public_keys(),
        passphrase: PassphraseCredentials {
            salt: salt.to_vec().into(),
            kdf,
            auth_key: root.auth_key().to_wire(),
            wrapped_identity: root.kek().wrap(&id, user, kdf),
        },
        recovery: RecoveryCredentials {
            recipient: rk.recipient(),
            envelope: rk.seal_identity(&id).into(),
            auth_key: rk.auth_key(),
        },
    };
    let login = LoginRequest {
        user: user.into(),
        auth_key: root.auth_key().to_wire(),
    };
    (req, login)
}

#[tokio::test]
async fn sessions_expire_by_the_clock() {
    let w = world();
    let (req, login) = registration("alice");
    let session = w.vault.register(req).await.unwrap();
    let who = w.vault.authenticate(&session.token).await.unwrap();
    assert_eq!(who.user, "alice");
    w.clock
        .advance_ms(Limits::default().session_lifetime.as_millis() as i64 - 1);
    assert!(w.vault.authenticate(&session.token).await.is_ok());
    w.clock.advance_ms(1);
    assert!(matches!(
        w.vault.authenticate(&session.token).await,
        Err(VaultError::SessionExpired)
    ));
    // Gone for good after that, and a fresh login works.
    assert!(matches!(
        w.vault.authenticate(&session.token).await,
        Err(VaultError::Unauthenticated)
    ));
    let again = w.vault.login(login, "127.0.0.1").await.unwrap();
    assert!(w.vault.authenticate(&again.token).await.is_ok());
}

#[tokio::test]
async fn attempt_limits_release_after_the_window() {
    let w = world();
    let (req, login) = registration("alice");
    w.vault.register(req).await.unwrap();
    let wrong = LoginRequest {
        user: "alice".into(),
        auth_key: vec![0u8; 32].into(),
    };
    for _ in 0..5 {
        assert!(matches!(
            w.vault.login(wrong.clone(), "10.0.0.1").await,
            Err(VaultError::BadCredentials)
        ));
    }
    assert!(matches!(
        w.vault.login(login.clone(), "10.0.0.1").await,
        Err(VaultError::TooManyAttempts { .. })
    ));
    w.clock
        .advance_ms(Limits::default().login_window.as_millis() as i64 + 1);
    assert!(w.vault.login(login, "10.0.0.1").await.is_ok());
}

#[tokio::test]
async fn orphans_left_by_a_crash_are_collected() {
    let w = world();
    // A crash after the blob was published but before its record was committed.
    let upload = "0123456789abcdef0123456789abcdef";
    let doc = "fedcba9876543210fedcba9876543210";
    let mut staged = w.blobs.stage(upload).await.unwrap();
    staged.write(b"age-encryption.org/v1\n...").await.unwrap();
    staged.finish().await.unwrap();
    w.blobs
        .publish(
            upload,
            doc,
            &[(BlobPart::Meta, b"m"), (BlobPart::OwnerEnvelope, b"e")],
        )
        .await
        .unwrap();
    // And an upload never committed.
    let mut pending = w
        .blobs
        .stage("aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa")
        .await
        .unwrap();
    pending.write(b"age").await.unwrap();
    drop(pending);
    // Young orphans are left alone while running (they may be in flight)...
    assert_eq!(
        w.vault
            .collect_orphans(Duration::from_secs(3600))
            .await
            .unwrap(),
        0
    );
    // ...and collected at start-up.
    assert_eq!(w.vault.collect_orphans(Duration::ZERO).await.unwrap(), 2);
    assert!(w.blobs.documents().await.unwrap().is_empty());
    assert!(w.blobs.staged().await.unwrap().is_empty());
}
