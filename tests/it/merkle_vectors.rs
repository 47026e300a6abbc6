//! The RFC 6962 verifiers against the published known-answer vectors
//! (`../shared/testdata/merkle`, from transparency-dev/merkle).

use std::path::{Path, PathBuf};

use base64::engine::general_purpose::STANDARD;
use base64::Engine;
use coffre::journal::merkle::{verify_consistency, verify_inclusion};

fn vectors(kind: &str) -> Vec<PathBuf> {
    let root = Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("../shared/testdata/merkle")
        .join(kind);
    let mut out = Vec::new();
    let mut stack = vec![root.clone()];
    while let Some(dir) = stack.pop() {
        for e in std::fs::read_dir(&dir)
            .unwrap_or_else(|e| panic!("{}: {e} (the vectors live in shared/)", dir.display()))
        {
            let p = e.unwrap().path();
            if p.is_dir() {
                stack.push(p);
            } else if p.extension().is_some_and(|x| x == "json") {
                out.push(p);
            }
        }
    }
    out.sort();
    out
}

/// Bytes of a base64 field; undecodable text stands for a wrong-length value.
fn b64(v: &serde_json::Value) -> Vec<u8> {
    match v.as_str() {
        Some(s) => STANDARD.decode(s).unwrap_or_else(|_| s.as_bytes().to_vec()),
        None => Vec::new(),
    }
}

fn proof(v: &serde_json::Value) -> Vec<Vec<u8>> {
    v.as_array()
        .map(|a| a.iter().map(b64).collect())
        .unwrap_or_default()
}

#[test]
fn inclusion_vectors() {
    let files = vectors("inclusion");
    assert!(files.len() > 50, "{} inclusion vectors", files.len());
    for f in files {
        let v: serde_json::Value =
            serde_json::from_str(&std::fs::read_to_string(&f).unwrap()).unwrap();
        let got = verify_inclusion(
            v["leafIdx"].as_u64().unwrap(),
            v["treeSize"].as_u64().unwrap(),
            &b64(&v["leafHash"]),
            &proof(&v["proof"]),
            &b64(&v["root"]),
        );
        assert_eq!(
            got.is_err(),
            v["wantErr"].as_bool().unwrap(),
            "{}: {got:?}",
            f.display()
        );
    }
}

#[test]
fn consistency_vectors() {
    let files = vectors("consistency");
    assert!(files.len() > 50, "{} consistency vectors", files.len());
    for f in files {
        let v: serde_json::Value =
            serde_json::from_str(&std::fs::read_to_string(&f).unwrap()).unwrap();
        let got = verify_consistency(
            v["size1"].as_u64().unwrap(),
            v["size2"].as_u64().unwrap(),
            &b64(&v["root1"]),
            &b64(&v["root2"]),
            &proof(&v["proof"]),
        );
        assert_eq!(
            got.is_err(),
            v["wantErr"].as_bool().unwrap(),
            "{}: {got:?}",
            f.display()
        );
    }
}
