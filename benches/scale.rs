//! Scale on one node: a synthetic store of 100,000 vaults, 10 million documents and
//! 10 million journal entries (records of realistic sizes, loaded directly through
//! the storage layer), then what a municipality would feel:
//!
//! - coffred's start-up on it (the real binary, until it listens; goal < 2 s);
//! - the store's size on disk;
//! - a vault's listing read from the store (records, and the tag alone), p50/p99;
//! - inclusion proofs generated from the store at that journal size (goal < 1 ms).
//!
//! Run: `cargo bench --bench scale`. The full size takes long and some 25 GB, so
//! the default is a tenth of it; `COFFRE_BENCH_SCALE=1` runs the full size (and
//! `COFFRE_BENCH_SCALE=0.01` a quick one).
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

mod common;

use std::path::Path;
use std::process::Command;
use std::time::{Duration, Instant};

use coffre::api::{DocumentId, KdfParams, Quota, Role, Usage, WrappedIdentity};
use coffre::crypto::identity::Identity;
use coffre::journal::merkle::{self, verify_inclusion};
use coffre::storage::sled_store::SledStore;
use coffre::storage::{
    AccountRecord, DocumentRow, JournalAppend, JournalRecord, MetadataStore, SubjectHead,
};
use coffre::vault::journal::StoreNodes;

fn percentile(sorted: &[f64], p: f64) -> f64 {
    sorted[((sorted.len() as f64 - 1.0) * p).round() as usize]
}

fn du(path: &Path) -> u64 {
    let mut total = 0;
    for e in std::fs::read_dir(path).unwrap() {
        let e = e.unwrap();
        let m = e.metadata().unwrap();
        total += if m.is_dir() { du(&e.path()) } else { m.len() };
    }
    total
}

/// Starts coffred on `<dir>/data` and returns how long it took to listen; stops it.
fn start_up(dir: &Path) -> Duration {
    let start = Instant::now();
    let (mut daemon, _, _) = common::start_daemon(dir, "");
    let took = start.elapsed();
    let _ = Command::new("kill")
        .arg("-TERM")
        .arg(daemon.id().to_string())
        .status();
    let _ = daemon.wait();
    took
}

/// Opens the store and says how long the opening took. sled 0.34 releases its
/// lock only when its background threads let go of a dropped database, moments
/// later after a long recovery: a refused lock is waited for, not timed.
fn open_when_free(meta: &Path) -> (SledStore, Duration) {
    for _ in 0..600 {
        let t = Instant::now();
        match SledStore::open(meta) {
            Ok(store) => return (store, t.elapsed()),
            Err(e) if e.to_string().contains("lock") => {
                std::thread::sleep(Duration::from_millis(50))
            }
            Err(e) => panic!("{e}"),
        }
    }
    panic!("the store stayed locked for 30 s");
}

fn main() {
    if std::env::args().any(|a| a == "--list") {
        return;
    }
    let scale: f64 = std::env::var("COFFRE_BENCH_SCALE")
        .ok()
        .and_then(|v| v.parse().ok())
        .unwrap_or(0.1);
    let vaults = ((100_000.0 * scale) as u64).max(1);
    let per_vault = 100u64;
    let documents = vaults * per_vault;
    let entries = ((10_000_000.0 * scale) as u64).max(1);
    let dir = tempfile::tempdir_in(env!("CARGO_TARGET_TMPDIR")).unwrap();
    let data = dir.path().join("data");
    // A real data directory first (keys, certificate), then its store filled.
    start_up(dir.path());
    let meta = data.join("meta");
    let generated = Instant::now();
    let store = SledStore::open_for_bulk_load(&meta).unwrap();
    let keys = Identity::generate().public_keys();
    let recovery = Identity::generate().public_keys().age_recipient;
    let mut noise = common::Xorshift(0x2545_f491_4f6c_dd1d);
    let phc = |n: &mut common::Xorshift| {
        format!(
            "$argon2id$v=19$m=19456,t=2,p=1${}${}",
            coffre::crypto::hex(&n.bytes(16)),
            coffre::crypto::hex(&n.bytes(32))
        )
    };
    let quota = Quota {
        bytes: u64::MAX / 2,
        documents: u64::MAX / 2,
        max_document_bytes: u64::MAX / 2,
    };
    let mut sample_owner = String::new();
    for v in 0..vaults {
        let user = format!("citoyen.{v:06}");
        store
            .insert_account(&AccountRecord {
                user: user.clone(),
                role: Role::Citizen,
                keys: keys.clone(),
                salt: noise.bytes(16).into(),
                kdf: KdfParams::DEFAULT,
                auth_hash: phc(&mut noise),
                wrapped_identity: WrappedIdentity {
                    nonce: noise.bytes(24).into(),
                    ciphertext: noise.bytes(230).into(),
                },
                recovery_recipient: recovery.clone(),
                recovery_envelope: noise.bytes(320).into(),
                recovery_hash: phc(&mut noise),
                created_ms: 1_700_000_000_000 + v as i64,
                usage: Usage::default(),
                mediator: None,
                disabled: false,
                quota: None,
            })
            .unwrap();
        for d in 0..per_vault {
            store
                .insert_document(
                    &DocumentRow {
                        id: DocumentId::generate(),
                        owner: user.clone(),
                        size: 200_000 + noise.next() % 4_000_000,
                        added_ms: 1_700_000_000_000 + (v * per_vault + d) as i64,
                        // An age file of the metadata and one of the key (X25519).
                        meta: noise.bytes(420).into(),
                        owner_envelope: noise.bytes(250).into(),
                        payload_sha256: coffre::crypto::hex(&noise.bytes(32)),
                        signature: noise.bytes(64).into(),
                    },
                    &quota,
                )
                .unwrap();
        }
        if v == vaults / 2 {
            sample_owner = user;
        }
    }
    let mut heads: Vec<Option<SubjectHead>> = vec![None; vaults.min(100_000) as usize];
    // The real start above journaled itself: the synthetic entries follow.
    let first = store.journal_size().unwrap();
    for i in first..first + entries {
        // A real leaf is 186 bytes; details sealed to the citizen about 300.
        let leaf = noise.bytes(186);
        let hash = merkle::leaf_hash(&leaf);
        let nodes = merkle::completed_by(&StoreNodes(&store), i, hash).unwrap();
        let s = (noise.next() % heads.len() as u64) as usize;
        let head = SubjectHead {
            seq: heads[s].map(|h| h.seq + 1).unwrap_or(0),
            leaf_hash: hash,
        };
        heads[s] = Some(head);
        let mut subject = [0u8; 32];
        subject[..8].copy_from_slice(&(s as u64).to_be_bytes());
        store
            .journal_append(&[JournalAppend {
                index: i,
                record: JournalRecord {
                    leaf: leaf.into(),
                    details: noise.bytes(300).into(),
                },
                nodes,
                subject,
                head,
            }])
            .unwrap();
    }
    store.finish_bulk_load().unwrap();
    let generated = generated.elapsed();
    drop(store);
    let size = du(&meta);

    let (store, opened) = open_when_free(&meta);
    drop(store);
    let (store, reopened) = open_when_free(&meta);
    drop(store);
    let started = start_up(dir.path());
    let restarted = start_up(dir.path());

    // Listing and proofs, read from the store as coffred reads them.
    let (store, _) = open_when_free(&meta);
    let samples = 1000;
    let mut listing_ms = Vec::new();
    let mut tag_ms = Vec::new();
    for k in 0..samples {
        let owner = if k == 0 {
            sample_owner.clone()
        } else {
            format!("citoyen.{:06}", noise.next() % vaults)
        };
        let t = Instant::now();
        let rows = store.documents_of(&owner).unwrap();
        listing_ms.push(t.elapsed().as_secs_f64() * 1000.0);
        assert_eq!(rows.len() as u64, per_vault);
        let t = Instant::now();
        let ids = store.document_ids_of(&owner).unwrap();
        tag_ms.push(t.elapsed().as_secs_f64() * 1000.0);
        assert_eq!(ids.len() as u64, per_vault);
    }
    listing_ms.sort_by(f64::total_cmp);
    tag_ms.sort_by(f64::total_cmp);
    let nodes = StoreNodes(&store);
    let size_now = store.journal_size().unwrap();
    // The synthetic entries, and the starts journaled around them.
    assert!(size_now >= entries);
    let root = merkle::root(&nodes, size_now).unwrap();
    let mut proof_ms = Vec::new();
    for _ in 0..samples {
        let index = noise.next() % size_now;
        let t = Instant::now();
        let proof = merkle::inclusion_proof(&nodes, index, size_now).unwrap();
        proof_ms.push(t.elapsed().as_secs_f64() * 1000.0);
        let leaf = store.journal_entry(index).unwrap().unwrap().leaf;
        let proof: Vec<Vec<u8>> = proof.iter().map(|h| h.to_vec()).collect();
        verify_inclusion(
            index,
            size_now,
            &merkle::leaf_hash(leaf.as_slice()),
            &proof,
            &root,
        )
        .unwrap();
    }
    proof_ms.sort_by(f64::total_cmp);

    println!(
        "coffre scale benchmark (scale {scale}): {vaults} vaults, {documents} documents, {entries} journal entries"
    );
    println!(
        "  generated through the storage layer in {:.0} s; store on disk {:.2} GB",
        generated.as_secs_f64(),
        size as f64 / 1e9
    );
    println!(
        "  the store opened after the load: {:.2} s, then {:.2} s",
        opened.as_secs_f64(),
        reopened.as_secs_f64()
    );
    println!(
        "  coffred start-up until it listens: {:.2} s, then {:.2} s (goal < 2 s)",
        started.as_secs_f64(),
        restarted.as_secs_f64()
    );
    println!(
        "  a vault's listing (100 records) from the store: p50 {:.3} ms, p99 {:.3} ms",
        percentile(&listing_ms, 0.5),
        percentile(&listing_ms, 0.99)
    );
    println!(
        "  its tag alone (the 304 path):                    p50 {:.3} ms, p99 {:.3} ms",
        percentile(&tag_ms, 0.5),
        percentile(&tag_ms, 0.99)
    );
    println!(
        "  inclusion proof at {entries} entries, from the store: p50 {:.3} ms, p99 {:.3} ms (goal < 1 ms), each verified",
        percentile(&proof_ms, 0.5),
        percentile(&proof_ms, 0.99)
    );
}
