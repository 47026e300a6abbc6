//! The vault service in-process, with a manual clock: expiry without sleeping, and
//! orphan collection after a simulated crash between blob and record.

use std::sync::Arc;
use std::time::Duration;

use coffre::api::{LoginRequest, RegisterRequest};
use coffre::crypto::passphrase::RootKey;
use coffre::crypto::server::{LogKey, ServerSecret};
use coffre::crypto::SecretString;
use coffre::storage::fs::FsBlobStore;
use coffre::storage::sled_store::SledStore;
use coffre::storage::{BlobPart, BlobStore, MetadataStore};
use coffre::vault::clock::ManualClock;
use coffre::vault::journal::JournalKeys;
use coffre::vault::{Limits, Vault, VaultError};

struct World {
    vault: Vault,
    clock: Arc<ManualClock>,
    blobs: Arc<FsBlobStore>,
    _dir: tempfile::TempDir,
}

fn world() -> World {
    world_with(|sled| Arc::new(sled))
}

/// A world whose metadata store is `wrap` around the real one.
fn world_with(wrap: impl FnOnce(SledStore) -> Arc<dyn MetadataStore>) -> World {
    let dir = tempfile::tempdir().unwrap();
    let clock = Arc::new(ManualClock::new(1_800_000_000_000));
    let blobs = Arc::new(FsBlobStore::open(&dir.path().join("blobs")).unwrap());
    let meta = wrap(SledStore::open(&dir.path().join("meta")).unwrap());
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

/// A registration as a device makes it, and the login that goes with it.
fn registration(user: &str) -> (RegisterRequest, LoginRequest) {
    let pass = SecretString::from("passphrase!".to_owned());
    let (req, _, _) = coffre::client::account::registration(user, &pass).unwrap();
    let root = RootKey::derive(&pass, req.passphrase.salt.as_slice(), req.passphrase.kdf).unwrap();
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
    let session = w
        .vault
        .register(req, "127.0.0.1".parse().unwrap())
        .await
        .unwrap();
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
    let again = w
        .vault
        .login(login, "127.0.0.1".parse().unwrap())
        .await
        .unwrap();
    assert!(w.vault.authenticate(&again.token).await.is_ok());
}

#[tokio::test]
async fn attempt_limits_release_after_the_window() {
    let w = world();
    let (req, login) = registration("alice");
    w.vault
        .register(req, "127.0.0.1".parse().unwrap())
        .await
        .unwrap();
    let wrong = LoginRequest {
        user: "alice".parse().unwrap(),
        auth_key: vec![0u8; 32].into(),
    };
    for _ in 0..5 {
        assert!(matches!(
            w.vault
                .login(wrong.clone(), "10.0.0.1".parse().unwrap())
                .await,
            Err(VaultError::BadCredentials)
        ));
    }
    assert!(matches!(
        w.vault
            .login(login.clone(), "10.0.0.1".parse().unwrap())
            .await,
        Err(VaultError::TooManyAttempts { .. })
    ));
    w.clock
        .advance_ms(Limits::default().login_window.as_millis() as i64 + 1);
    assert!(w
        .vault
        .login(login, "10.0.0.1".parse().unwrap())
        .await
        .is_ok());
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

#[tokio::test]
async fn a_journal_that_cannot_be_written_serves_nothing() {
    use coffre::crypto::identity::Identity;
    let w = world();
    let (alice, identity) = citizen(&w).await;
    // Signed by another key: refused, and the upload is gone.
    assert!(matches!(
        add_signed(&w, &alice, &Identity::generate()).await,
        Err(VaultError::InvalidSignature)
    ));
    assert!(w.blobs.staged().await.unwrap().is_empty());
    let doc = add_signed(&w, &alice, &identity).await.unwrap();
    assert!(w.vault.content(&alice, &doc.id).await.is_ok());
    let before = w.vault.audit().await.unwrap().size;
    w.vault.inject_journal_fault(true);
    // No durable attempt, no bytes: the caller gets "unavailable" (503).
    assert!(matches!(
        w.vault.content(&alice, &doc.id).await,
        Err(VaultError::Unavailable(_))
    ));
    assert!(matches!(
        w.vault.delete(&alice, &doc.id).await,
        Err(VaultError::Unavailable(_))
    ));
    w.vault.inject_journal_fault(false);
    assert_eq!(w.vault.audit().await.unwrap().size, before);
    // The document is still there, untouched.
    assert!(w.vault.content(&alice, &doc.id).await.is_ok());
    let report = w.vault.audit().await.unwrap();
    assert!(report.ok, "{report:?}");
}

#[tokio::test]
async fn checkpoints_only_ever_extend() {
    let w = world();
    let (req, _) = registration("alice");
    w.vault
        .register(req, "127.0.0.1".parse().unwrap())
        .await
        .unwrap();
    let keys = w.vault.journal_keys();
    let first = w.vault.checkpoint().await.unwrap();
    let cp1 = coffre::journal::checkpoint::verify(&first, &keys.verifier_key()).unwrap();
    assert_eq!(cp1.origin, "test.example/journal/v1");
    assert_eq!(cp1.size, 1);
    // Unchanged tree: the same note.
    assert_eq!(w.vault.checkpoint().await.unwrap(), first);
    let (req, _) = registration("bob");
    w.vault
        .register(req, "127.0.0.1".parse().unwrap())
        .await
        .unwrap();
    let second = w.vault.checkpoint().await.unwrap();
    let cp2 = coffre::journal::checkpoint::verify(&second, &keys.verifier_key()).unwrap();
    assert_eq!(cp2.size, 2);
    let proof: Vec<Vec<u8>> = w
        .vault
        .consistency(1, 2)
        .await
        .unwrap()
        .iter()
        .map(|h| h.to_vec())
        .collect();
    coffre::journal::merkle::verify_consistency(1, 2, &cp1.root, &cp2.root, &proof).unwrap();
    // A note signed by another key does not verify.
    let other = JournalKeys::new(LogKey::generate(), "test.example");
    assert!(coffre::journal::checkpoint::verify(&second, &other.verifier_key()).is_err());
}

/// The real store, except that a document insert can fail after it was written (a
/// flush that failed) or before.
struct Flaky {
    inner: SledStore,
    insert: Arc<std::sync::Mutex<InsertFault>>,
}

#[derive(Clone, Copy, PartialEq)]
enum InsertFault {
    None,
    AfterWrite,
    BeforeWrite,
}

macro_rules! delegate {
    ($($name:ident($($arg:ident: $ty:ty),*) -> $ret:ty;)*) => {
        $(fn $name(&self, $($arg: $ty),*) -> $ret { self.inner.$name($($arg),*) })*
    };
}

use coffre::storage::{
    AccountRecord, EnrolmentRecord, GrantRecord, InvitationRecord, JournalAppend, JournalRecord,
    RequestRecord, SessionRecord, StoreError, SubjectHead,
};
type R<T> = Result<T, StoreError>;

impl MetadataStore for Flaky {
    fn insert_document(
        &self,
        doc: &coffre::storage::DocumentRow,
        quota: &coffre::api::Quota,
    ) -> R<()> {
        let fault = *self.insert.lock().unwrap();
        match fault {
            InsertFault::None => self.inner.insert_document(doc, quota),
            InsertFault::BeforeWrite => Err(StoreError::Backend("write refused".into())),
            InsertFault::AfterWrite => {
                self.inner.insert_document(doc, quota)?;
                Err(StoreError::Backend("flush failed".into()))
            }
        }
    }
    fn update_account(&self, user: &str, change: &(dyn Fn(&mut AccountRecord) + Sync)) -> R<()> {
        self.inner.update_account(user, change)
    }
    fn journal_log_bytes(&self) -> u64 {
        self.inner.journal_log_bytes()
    }
    fn export(&self, out: &mut dyn std::io::Write) -> R<u64> {
        self.inner.export(out)
    }
    fn update_grant(&self, id: &str, change: &(dyn Fn(&mut GrantRecord) + Sync)) -> R<()> {
        self.inner.update_grant(id, change)
    }
    fn update_request(&self, id: &str, change: &(dyn Fn(&mut RequestRecord) + Sync)) -> R<()> {
        self.inner.update_request(id, change)
    }
    delegate! {
        insert_account(a: &AccountRecord) -> R<()>;
        account(user: &str) -> R<Option<AccountRecord>>;
        put_session(d: &[u8; 32], s: &SessionRecord) -> R<()>;
        session(d: &[u8; 32]) -> R<Option<SessionRecord>>;
        delete_session(d: &[u8; 32]) -> R<()>;
        delete_sessions_of(user: &str) -> R<usize>;
        purge_sessions(now_ms: i64) -> R<usize>;
        document(id: &str) -> R<Option<coffre::storage::DocumentRow>>;
        documents_of(owner: &str) -> R<Vec<coffre::storage::DocumentRow>>;
        document_ids_of(owner: &str) -> R<Vec<String>>;
        delete_document(id: &str) -> R<Option<coffre::storage::DocumentRow>>;
        has_document(id: &str) -> R<bool>;
        accounts() -> R<Vec<AccountRecord>>;
        put_enrolment(d: &[u8; 32], e: &EnrolmentRecord) -> R<()>;
        take_enrolment(d: &[u8; 32]) -> R<Option<EnrolmentRecord>>;
        enrolments() -> R<Vec<EnrolmentRecord>>;
        put_invitation(d: &[u8; 32], i: &InvitationRecord) -> R<()>;
        take_invitation(d: &[u8; 32]) -> R<Option<InvitationRecord>>;
        invitations() -> R<Vec<([u8; 32], InvitationRecord)>>;
        purge_expired_codes(now_ms: i64) -> R<usize>;
        insert_grant(g: &GrantRecord) -> R<()>;
        grant(id: &str) -> R<Option<GrantRecord>>;
        grants_of(user: &str) -> R<Vec<GrantRecord>>;
        grants_with_envelopes() -> R<Vec<GrantRecord>>;
        insert_request(r: &RequestRecord) -> R<()>;
        request(id: &str) -> R<Option<RequestRecord>>;
        requests_of(user: &str) -> R<Vec<RequestRecord>>;
        journal_size() -> R<u64>;
        journal_node(level: u32, index: u64) -> R<Option<[u8; 32]>>;
        journal_head(subject: &[u8; 32]) -> R<Option<SubjectHead>>;
        journal_append(a: &[JournalAppend]) -> R<()>;
        journal_sync() -> R<()>;
        journal_settle() -> R<()>;
        restore_notices() -> R<Vec<String>>;
        add_restore_notice(note: &str) -> R<()>;
        journal_entry(index: u64) -> R<Option<JournalRecord>>;
        journal_entries_of(subject: &[u8; 32]) -> R<Vec<u64>>;
        journal_checkpoint() -> R<Option<String>>;
        put_journal_checkpoint(note: &str) -> R<()>;
        journal_forget_details(subject: &[u8; 32]) -> R<usize>;
        delete_account(user: &str) -> R<()>;
        flush() -> R<()>;
        probe() -> R<()>;
    }
}

/// Registers alice as a device does; her principal and identity.
async fn citizen(w: &World) -> (coffre::vault::Principal, coffre::crypto::identity::Identity) {
    let pass = SecretString::from("passphrase!".to_owned());
    let (req, identity, _) = coffre::client::account::registration("alice", &pass).unwrap();
    w.vault
        .register(req, "127.0.0.1".parse().unwrap())
        .await
        .unwrap();
    let alice = coffre::vault::Principal {
        user: "alice".parse().unwrap(),
        role: coffre::api::Role::Citizen,
        enabled: true,
    };
    (alice, identity)
}

/// Uploads a small age-looking payload as alice and commits it, signed by `identity`.
async fn add_signed(
    w: &World,
    alice: &coffre::vault::Principal,
    identity: &coffre::crypto::identity::Identity,
) -> Result<coffre::api::CommitResponse, VaultError> {
    use coffre::api::{CommitRequest, DocumentSeal};
    use coffre::crypto::{hex, sha256};
    let body = futures_util::stream::iter(vec![Ok::<_, std::io::Error>(
        bytes::Bytes::from_static(b"age-encryption.org/v1\n-> X25519 payload"),
    )]);
    let up = w.vault.upload(alice, body).await.unwrap();
    let sealed = b"age-encryption.org/v1\nsealed".to_vec();
    let sealed_sha256 = hex(&sha256(&sealed));
    let seal = DocumentSeal {
        origin: "test.example/journal/v1",
        id: &up.document,
        owner: "alice",
        size: up.size,
        payload_sha256: &up.payload_sha256,
        meta_sha256: &sealed_sha256,
        envelope_sha256: &sealed_sha256,
    };
    let request = CommitRequest {
        upload: up.upload.clone(),
        meta: sealed.clone().into(),
        owner_envelope: sealed.into(),
        signature: identity.sign(&seal.canonical()).to_vec().into(),
    };
    w.vault.commit(alice, request).await
}

#[tokio::test]
async fn a_commit_that_failed_keeps_its_payload_unless_its_record_is_certainly_absent() {
    let fault = Arc::new(std::sync::Mutex::new(InsertFault::None));
    let control = Arc::clone(&fault);
    let w = world_with(move |sled| {
        Arc::new(Flaky {
            inner: sled,
            insert: control,
        })
    });
    let (alice, identity) = citizen(&w).await;

    // The record landed, its flush failed: the citizen hears "in doubt", and the
    // document is whole (before, its payload was deleted under a listed record).
    *fault.lock().unwrap() = InsertFault::AfterWrite;
    assert!(matches!(
        add_signed(&w, &alice, &identity).await,
        Err(VaultError::WriteInDoubt(_))
    ));
    let listed = w.vault.list(&alice).await.unwrap();
    assert_eq!(listed.len(), 1);
    assert!(w.vault.content(&alice, &listed[0].id).await.is_ok());

    // Refused before anything was written: nothing listed, nothing left behind.
    *fault.lock().unwrap() = InsertFault::BeforeWrite;
    assert!(matches!(
        add_signed(&w, &alice, &identity).await,
        Err(VaultError::Unavailable(_))
    ));
    assert_eq!(w.vault.list(&alice).await.unwrap().len(), 1);
    assert_eq!(w.blobs.documents().await.unwrap().len(), 1);
    assert!(w.blobs.staged().await.unwrap().is_empty());

    *fault.lock().unwrap() = InsertFault::None;
    add_signed(&w, &alice, &identity).await.unwrap();
    assert_eq!(w.vault.list(&alice).await.unwrap().len(), 2);
}

/// An enrolment code nobody used expires and is removed: it holds the mediator's
/// user name (and name and structure) no longer, so the operator can enrol her again.
#[tokio::test]
async fn an_expired_enrolment_code_frees_the_name_and_is_forgotten() {
    let w = world();
    let draft = || coffre::api::MediatorDraft {
        user: "f.benali".into(),
        name: "Fatima Benali".into(),
        structure: "CCAS d'Albi".into(),
    };
    w.vault.add_mediator(draft()).await.unwrap();
    assert!(matches!(
        w.vault.add_mediator(draft()).await,
        Err(VaultError::UserExists)
    ));
    w.clock.advance_ms(72 * 3600 * 1000 + 1);
    w.vault.add_mediator(draft()).await.unwrap();
    assert_eq!(w.vault.mediators().await.unwrap().len(), 1);
    // The sweep forgets codes that expired unused.
    w.clock.advance_ms(72 * 3600 * 1000 + 1);
    assert_eq!(w.vault.purge_expired_codes().await.unwrap(), 1);
    assert!(w.vault.mediators().await.unwrap().is_empty());
}
