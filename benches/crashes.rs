//! The long crash campaign: a citizen and a mediator work against a real coffred
//! (uploads, deletions, shares, withdrawals, each through the real `coffre` binary)
//! while the daemon is killed with SIGKILL at a random moment, again and again.
//! After every restart, every write that was acknowledged must be there (a document
//! with its exact bytes, a deletion, a share, a withdrawal) and the whole journal
//! must verify. Operations cut short by the kill may have happened or not.
//!
//! `cargo bench --bench crashes` (200 kills; `COFFRE_CRASH_ROUNDS=N` for another
//! count). Prints the counts and exits non-zero on the first lost write.
#![allow(
    dead_code,
    unused_imports,
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::panic
)]

mod common;

#[path = "../tests/it/harness.rs"]
mod harness;

use std::collections::BTreeMap;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use harness::{random_file, Daemon, User};

/// What the campaign knows was acknowledged.
#[derive(Default)]
struct Model {
    /// Title → (id, SHA-256 of the bytes) of every acknowledged, not deleted document.
    docs: BTreeMap<String, (String, String)>,
    /// Ids whose deletion was acknowledged.
    deleted: Vec<String>,
    /// Grant id → withdrawn (acknowledged).
    grants: BTreeMap<String, bool>,
}

#[derive(Default)]
struct Counts {
    acknowledged: usize,
    cut_short: usize,
    adds: usize,
    deletions: usize,
    shares: usize,
    revocations: usize,
}

fn sha(bytes: &[u8]) -> String {
    coffre::crypto::hex(&coffre::crypto::sha256(bytes))
}

/// One operation by the citizen; returns whether it was acknowledged.
fn operate(
    alice: &User,
    code: &str,
    rng: &mut common::Xorshift,
    model: &Mutex<Model>,
    counts: &Mutex<Counts>,
    dir: &std::path::Path,
    n: usize,
) -> bool {
    let pick = rng.below(100);
    let (docs, active): (Vec<(String, String)>, Vec<String>) = {
        let m = model.lock().unwrap();
        (
            m.docs
                .iter()
                .map(|(t, (id, _))| (t.clone(), id.clone()))
                .collect(),
            m.grants
                .iter()
                .filter(|(_, r)| !**r)
                .map(|(g, _)| g.clone())
                .collect(),
        )
    };
    if pick < 60 || docs.is_empty() {
        let title = format!("doc-{n}");
        let size = 1000 + rng.below(300_000) as usize;
        let file = random_file(dir, &title, size);
        let bytes = std::fs::read(&file).unwrap();
        let out = alice.run(&["--json", "add", file.to_str().unwrap(), "--title", &title]);
        let _ = std::fs::remove_file(&file);
        if !out.status.success() {
            return false;
        }
        let id = serde_json::from_slice::<serde_json::Value>(&out.stdout).unwrap()["id"]
            .as_str()
            .unwrap()
            .to_owned();
        model.lock().unwrap().docs.insert(title, (id, sha(&bytes)));
        counts.lock().unwrap().adds += 1;
        return true;
    }
    let (title, id) = docs[rng.below(docs.len() as u64) as usize].clone();
    if pick < 75 {
        if !alice.run(&["rm", &id]).status.success() {
            // Cut short: it may have happened or not; no longer checked either way.
            model.lock().unwrap().docs.remove(&title);
            return false;
        }
        let mut m = model.lock().unwrap();
        m.docs.remove(&title);
        m.deleted.push(id);
        counts.lock().unwrap().deletions += 1;
        return true;
    }
    if pick < 92 || active.is_empty() {
        let out = alice.run(&[
            "--json",
            "share",
            &id,
            "--to",
            "f.benali",
            "--for",
            "7d",
            "--safety-code",
            code,
        ]);
        if !out.status.success() {
            return false;
        }
        let grant = serde_json::from_slice::<serde_json::Value>(&out.stdout).unwrap()["grant"]
            .as_str()
            .unwrap()
            .to_owned();
        model.lock().unwrap().grants.insert(grant, false);
        counts.lock().unwrap().shares += 1;
        return true;
    }
    let grant = active[rng.below(active.len() as u64) as usize].clone();
    if !alice.run(&["revoke", &grant]).status.success() {
        return false;
    }
    model.lock().unwrap().grants.insert(grant, true);
    counts.lock().unwrap().revocations += 1;
    true
}

/// Every acknowledged write is there after the restart; returns what was lost.
fn verify(d: &Daemon, alice: &User, model: &Model, full: bool) -> Vec<String> {
    let mut lost = Vec::new();
    let listed: Vec<serde_json::Value> =
        serde_json::from_slice(&alice.run(&["--json", "list"]).stdout).unwrap_or_default();
    let present: BTreeMap<String, String> = listed
        .iter()
        .filter_map(|d| {
            Some((
                d["id"].as_str()?.to_owned(),
                d["title"].as_str()?.to_owned(),
            ))
        })
        .collect();
    for (title, (id, digest)) in &model.docs {
        if present.get(id) != Some(title) {
            lost.push(format!("document {title} ({id}) is missing"));
        } else if full {
            let out = alice.run(&["get", id, "-o", "-"]);
            if !out.status.success() {
                let err = String::from_utf8_lossy(&out.stderr);
                lost.push(format!("document {title} ({id}) cannot be read: {err}"));
            } else if sha(&out.stdout) != *digest {
                lost.push(format!("document {title} ({id}) has other bytes"));
            }
        }
    }
    for id in &model.deleted {
        if present.contains_key(id) {
            lost.push(format!("deleted document {id} came back"));
        }
    }
    let grants: Vec<serde_json::Value> =
        serde_json::from_slice(&alice.run(&["--json", "grants"]).stdout).unwrap_or_default();
    for (grant, revoked) in &model.grants {
        match grants.iter().find(|g| g["grant"] == grant.as_str()) {
            None => lost.push(format!("grant {grant} is missing")),
            Some(g) if *revoked && g["state"] != "revoked" => {
                lost.push(format!("withdrawn grant {grant} came back to life"))
            }
            _ => {}
        }
    }
    let audit = d.admin(&["--json", "journal", "verify"]);
    if !audit.contains("\"ok\":true") {
        lost.push(format!("journal audit: {audit}"));
    }
    lost
}

fn main() {
    let rounds: usize = std::env::var("COFFRE_CRASH_ROUNDS")
        .ok()
        .and_then(|v| v.parse().ok())
        .unwrap_or(200);
    let start = Instant::now();
    let mut d = Daemon::start();
    let (mut social, code) = d.mediator("f.benali", "Fatima Benali", "CCAS");
    let mut alice = d.user("alice");
    alice.register();
    let dir = tempfile::tempdir().unwrap();
    let model = Arc::new(Mutex::new(Model::default()));
    let counts = Arc::new(Mutex::new(Counts::default()));
    let mut rng = common::Xorshift(0x9e37_79b9_7f4a_7c15 ^ std::process::id() as u64);
    let mut n = 0usize;
    for round in 0..rounds {
        let stop = Arc::new(AtomicBool::new(false));
        let worker = {
            let (stop, model, counts) =
                (Arc::clone(&stop), Arc::clone(&model), Arc::clone(&counts));
            let me = alice.clone();
            let code = code.clone();
            let dir = dir.path().to_path_buf();
            let seed = rng.next();
            let first = n;
            std::thread::spawn(move || {
                let mut rng = common::Xorshift(seed | 1);
                let mut i = first;
                while !stop.load(Ordering::SeqCst) {
                    i += 1;
                    let acked = operate(&me, &code, &mut rng, &model, &counts, &dir, i);
                    let mut c = counts.lock().unwrap();
                    if acked {
                        c.acknowledged += 1;
                    } else {
                        c.cut_short += 1;
                        break;
                    }
                }
                i
            })
        };
        std::thread::sleep(Duration::from_millis(50 + rng.below(1500)));
        d.crash();
        stop.store(true, Ordering::SeqCst);
        n = worker.join().unwrap() + 1;
        d = d.restart();
        alice.follow(&d);
        social.follow(&d);
        let full = round % 20 == 19 || round + 1 == rounds;
        let lost = verify(&d, &alice, &model.lock().unwrap(), full);
        if !lost.is_empty() {
            eprintln!(
                "crash {}: LOST acknowledged writes:\n  {}",
                round + 1,
                lost.join("\n  ")
            );
            d.crash();
            std::process::exit(1);
        }
        if (round + 1) % 20 == 0 {
            eprintln!("  … {} crashes, nothing acknowledged lost", round + 1);
        }
    }
    let c = counts.lock().unwrap();
    let m = model.lock().unwrap();
    println!("crash campaign: {rounds} SIGKILLs at random moments, every acknowledged write checked after each restart");
    println!(
        "  acknowledged operations {:6}  (uploads {}, deletions {}, shares {}, withdrawals {})",
        c.acknowledged, c.adds, c.deletions, c.shares, c.revocations
    );
    println!(
        "  operations cut short    {:6}  (may or may not have happened)",
        c.cut_short
    );
    println!(
        "  at the end: {} documents, {} deleted, {} grants ({} withdrawn); journal audit ok",
        m.docs.len(),
        m.deleted.len(),
        m.grants.len(),
        m.grants.values().filter(|r| **r).count()
    );
    println!("  lost acknowledged writes      0");
    println!(
        "  whole run               {:6.1} s",
        start.elapsed().as_secs_f64()
    );
}
