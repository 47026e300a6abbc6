//! Journal benchmark: durable appends per second (one writer, many writers sharing
//! flushes, and under concurrent downloads), and proof generation time over a sled
//! store holding a million entries. Prints figures; asserts nothing but correctness.
//!
//! Run: `cargo bench --bench journal` (entries: `COFFRE_BENCH_JOURNAL_ENTRIES`,
//! default 1 000 000; `COFFRE_BENCH_JOURNAL_ALONE=1` stops after the lone writer,
//! for profiling it).
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

use std::sync::Arc;
use std::time::Instant;

use coffre::api::{CommitRequest, DocumentSeal, Role};
use coffre::crypto::identity::Identity;
use coffre::crypto::server::{LogKey, ServerSecret};
use coffre::crypto::SecretString;
use coffre::crypto::{hex, sha256};
use coffre::journal::leaf::{Action, Phase};
use coffre::journal::merkle::{self, verify_consistency, verify_inclusion};
use coffre::storage::fs::FsBlobStore;
use coffre::storage::sled_store::SledStore;
use coffre::storage::{JournalAppend, JournalRecord, MetadataStore, SubjectHead};
use coffre::vault::clock::SystemClock;
use coffre::vault::journal::{Entry, JournalKeys, StoreNodes};
use coffre::vault::{Limits, Principal, Vault};
use futures_util::StreamExt;

fn vault(dir: &std::path::Path) -> Arc<Vault> {
    Arc::new(Vault::new(
        Arc::new(SledStore::open(&dir.join("meta")).unwrap()),
        Arc::new(FsBlobStore::open(&dir.join("blobs")).unwrap()),
        Arc::new(ServerSecret::generate()),
        Arc::new(SystemClock),
        Limits::default(),
        JournalKeys::new(LogKey::generate(), "bench.example"),
    ))
}

async fn register(v: &Vault, user: &str) -> (Principal, Identity) {
    let pass = SecretString::from("benchmark!".to_owned());
    let (request, identity, _) = coffre::client::account::registration(user, &pass).unwrap();
    v.register(request, "127.0.0.1".parse().unwrap())
        .await
        .unwrap();
    let who = Principal {
        user: user.parse().unwrap(),
        role: Role::Citizen,
        enabled: true,
    };
    (who, identity)
}

async fn appends(v: &Arc<Vault>, writers: usize, per_writer: usize) -> f64 {
    let start = Instant::now();
    let tasks: Vec<_> = (0..writers)
        .map(|w| {
            let v = Arc::clone(v);
            tokio::spawn(async move {
                let user = format!("citizen{}", w % 4);
                for _ in 0..per_writer {
                    v.record(Entry::new(&user, Action::List, Phase::Done))
                        .await
                        .unwrap();
                }
            })
        })
        .collect();
    for t in tasks {
        t.await.unwrap();
    }
    (writers * per_writer) as f64 / start.elapsed().as_secs_f64()
}

async fn add_document(
    v: &Vault,
    (who, identity): &(Principal, Identity),
    bytes: usize,
) -> coffre::api::DocumentId {
    let mut payload = b"age-encryption.org/v1\n".to_vec();
    payload.resize(bytes, 0x42);
    let body = futures_util::stream::iter(
        payload
            .chunks(64 * 1024)
            .map(|c| Ok::<_, std::io::Error>(bytes::Bytes::copy_from_slice(c)))
            .collect::<Vec<_>>(),
    );
    let up = v.upload(who, body).await.unwrap();
    let sealed = b"age-encryption.org/v1\nsealed".to_vec();
    let sealed_sha256 = hex(&sha256(&sealed));
    let seal = DocumentSeal {
        origin: "bench.example/journal/v1",
        id: &up.document,
        owner: &who.user,
        size: up.size,
        payload_sha256: &up.payload_sha256,
        meta_sha256: &sealed_sha256,
        envelope_sha256: &sealed_sha256,
    };
    v.commit(
        who,
        CommitRequest {
            upload: up.upload.clone(),
            signature: identity.sign(&seal.canonical()).to_vec().into(),
            meta: sealed.clone().into(),
            owner_envelope: sealed.into(),
        },
    )
    .await
    .unwrap()
    .id
}

/// The reference: a plain loop appending a 200-byte record to a file and fsyncing
/// it, on the same disk; appends per second.
fn plain_appends(dir: &std::path::Path, count: usize) -> f64 {
    use std::io::Write;
    let mut f = std::fs::OpenOptions::new()
        .create(true)
        .append(true)
        .open(dir.join("plain.log"))
        .unwrap();
    let record = [0x5au8; 200];
    let start = Instant::now();
    for _ in 0..count {
        f.write_all(&record).unwrap();
        f.sync_data().unwrap();
    }
    count as f64 / start.elapsed().as_secs_f64()
}

fn proofs_at_scale(entries: u64) {
    let dir = tempfile::tempdir().unwrap();
    let store = SledStore::open(dir.path()).unwrap();
    let start = Instant::now();
    let mut heads = [None::<SubjectHead>; 64];
    for i in 0..entries {
        let leaf = i.to_be_bytes().repeat(24);
        let hash = merkle::leaf_hash(&leaf);
        let nodes = merkle::completed_by(&StoreNodes(&store), i, hash).unwrap();
        let s = (i % 64) as usize;
        let head = SubjectHead {
            seq: heads[s].map(|h| h.seq + 1).unwrap_or(0),
            leaf_hash: hash,
        };
        heads[s] = Some(head);
        store
            .journal_append(&[JournalAppend {
                index: i,
                record: JournalRecord {
                    leaf: leaf.into(),
                    details: Vec::new().into(),
                },
                nodes,
                subject: [s as u8; 32],
                head,
            }])
            .unwrap();
        if i % 100_000 == 99_999 {
            store.journal_settle().unwrap();
        }
    }
    store.flush().unwrap();
    let built = start.elapsed().as_secs_f64();
    let nodes = StoreNodes(&store);
    let root = merkle::root(&nodes, entries).unwrap();
    let samples = 1000u64;
    let start = Instant::now();
    for k in 0..samples {
        let index = (k * 7919 * 104_729) % entries;
        let proof = merkle::inclusion_proof(&nodes, index, entries).unwrap();
        let leaf = merkle::leaf_hash(&index.to_be_bytes().repeat(24));
        let proof: Vec<Vec<u8>> = proof.iter().map(|h| h.to_vec()).collect();
        verify_inclusion(index, entries, &leaf, &proof, &root).unwrap();
    }
    let inclusion_us = start.elapsed().as_secs_f64() * 1e6 / samples as f64;
    let start = Instant::now();
    for k in 1..=samples {
        let old = (k * 999_983) % (entries - 1) + 1;
        let old_root = merkle::root(&nodes, old).unwrap();
        let proof = merkle::consistency_proof(&nodes, old, entries).unwrap();
        let proof: Vec<Vec<u8>> = proof.iter().map(|h| h.to_vec()).collect();
        verify_consistency(old, entries, &old_root, &root, &proof).unwrap();
    }
    let consistency_us = start.elapsed().as_secs_f64() * 1e6 / samples as f64;
    println!("  tree of {entries} entries in sled built in {built:.1} s (appends without per-entry flush)");
    println!("  inclusion proof, generated from sled and verified: {inclusion_us:8.1} µs each");
    println!("  consistency proof + old root, from sled, verified:  {consistency_us:8.1} µs each");
}

fn main() {
    if std::env::args().any(|a| a == "--list") {
        return;
    }
    let entries: u64 = std::env::var("COFFRE_BENCH_JOURNAL_ENTRIES")
        .ok()
        .and_then(|v| v.parse().ok())
        .unwrap_or(1_000_000);
    let rt = tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()
        .unwrap();
    println!("coffre journal benchmark (every append sealed to the citizen and fsync'ed)");
    rt.block_on(async {
        let dir = tempfile::tempdir().unwrap();
        let v = vault(dir.path());
        let mut owners = Vec::new();
        for i in 0..4 {
            owners.push(register(&v, &format!("citizen{i}")).await);
        }
        let recipient = Identity::generate().public_keys().age_recipient;
        let start = Instant::now();
        for _ in 0..1000 {
            coffre::crypto::server::seal_to(&recipient, &[7u8; 200]).unwrap();
        }
        let seal_us = start.elapsed().as_secs_f64() * 1e6 / 1000.0;
        println!("  sealing one entry's details to the citizen (age, X25519): {seal_us:6.1} µs");
        let plain = plain_appends(dir.path(), 2000);
        println!("  reference: plain 200-byte append + fsync:   {plain:8.0} /s");
        let alone = appends(&v, 1, 3000).await;
        println!(
            "  durable appends, 1 writer:                  {alone:8.0} /s  ({:.2}x the plain loop; goal 0.5x)",
            alone / plain
        );
        if std::env::var_os("COFFRE_BENCH_JOURNAL_ALONE").is_some() {
            return;
        }
        let shared = appends(&v, 32, 100).await;
        println!(
            "  durable appends, 32 writers (group commit): {shared:8.0} /s  ({:.2}x the plain loop; goal 1.5x)",
            shared / plain
        );
        let doc = add_document(&v, &owners[0], 8 * 1024 * 1024).await;
        let stop = Arc::new(std::sync::atomic::AtomicBool::new(false));
        let mut readers = Vec::new();
        for _ in 0..4 {
            let (v, who, doc, stop) = (Arc::clone(&v), owners[0].0.clone(), doc.clone(), Arc::clone(&stop));
            readers.push(tokio::spawn(async move {
                let mut bytes = 0u64;
                while !stop.load(std::sync::atomic::Ordering::SeqCst) {
                    let blob = v.content(&who, &doc).await.unwrap();
                    let mut s = tokio_util::io::ReaderStream::new(blob.reader);
                    while let Some(chunk) = s.next().await {
                        bytes += chunk.unwrap().len() as u64;
                    }
                }
                bytes
            }));
        }
        let start = Instant::now();
        let busy = appends(&v, 32, 60).await;
        stop.store(true, std::sync::atomic::Ordering::SeqCst);
        let mut read = 0;
        for r in readers {
            read += r.await.unwrap();
        }
        let mibs = read as f64 / 1048576.0 / start.elapsed().as_secs_f64();
        println!("  durable appends, 32 writers, 4 downloads:  {busy:8.0} /s (downloads {mibs:.0} MiB/s, each journaled first)");
        let report = v.audit().await.unwrap();
        assert!(report.ok, "{report:?}");
        println!("  audit of the {} entries written here: ok", report.size);
    });
    proofs_at_scale(entries);
}
