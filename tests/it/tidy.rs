//! Architecture boundaries, checked by reading the source (rust-analyzer's tidy).

use std::path::{Path, PathBuf};

fn rust_files(dir: &Path) -> Vec<PathBuf> {
    let mut out = Vec::new();
    for e in std::fs::read_dir(dir).unwrap() {
        let p = e.unwrap().path();
        if p.is_dir() {
            out.extend(rust_files(&p));
        } else if p.extension().is_some_and(|x| x == "rs") {
            out.push(p);
        }
    }
    out
}

fn src() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("src")
}

/// Code lines only: comments are allowed to name anything.
fn code(path: &Path) -> String {
    std::fs::read_to_string(path)
        .unwrap()
        .lines()
        .filter(|l| !l.trim_start().starts_with("//"))
        .collect::<Vec<_>>()
        .join("\n")
}

/// `needle` at a word start (so `age::` does not match `storage::`).
fn contains_word(text: &str, needle: &str) -> bool {
    text.match_indices(needle).any(|(i, _)| {
        !text[..i]
            .chars()
            .next_back()
            .is_some_and(|c| c.is_alphanumeric() || c == '_')
    })
}

fn offenders(files: &[PathBuf], needles: &[&str]) -> Vec<String> {
    let mut found = Vec::new();
    for f in files {
        let text = code(f);
        for n in needles {
            if contains_word(&text, n) {
                found.push(format!("{} uses `{n}`", f.display()));
            }
        }
    }
    found
}

#[test]
fn nothing_under_server_or_vault_decrypts() {
    let mut files = rust_files(&src().join("server"));
    files.extend(rust_files(&src().join("vault")));
    assert!(files.len() >= 8);
    let forbidden = [
        "age::",
        "chacha20poly1305",
        "argon2",
        "crypto::passphrase",
        "crypto::identity",
        "crypto::document",
        "crypto::recovery",
        "DocumentKey",
        "RecoveryKey",
        "decrypt",
        "unwrap_identity",
        "open_meta",
        "from_envelope",
        "client::",
    ];
    let found = offenders(&files, &forbidden);
    assert!(found.is_empty(), "{found:#?}");
}

#[test]
fn only_crypto_touches_age_and_argon2() {
    let files: Vec<PathBuf> = rust_files(&src())
        .into_iter()
        .filter(|p| !p.starts_with(src().join("crypto")))
        .collect();
    let found = offenders(
        &files,
        &["age::", "argon2::", "chacha20poly1305::", "ed25519_dalek"],
    );
    assert!(found.is_empty(), "{found:#?}");
}

#[test]
fn sled_is_named_in_one_file() {
    let files: Vec<PathBuf> = rust_files(&src())
        .into_iter()
        .filter(|p| !p.ends_with("storage/sled_store.rs"))
        .collect();
    let found = offenders(&files, &["sled::"]);
    assert!(found.is_empty(), "{found:#?}");
}

#[test]
fn only_output_prints_in_the_cli_and_library() {
    let files: Vec<PathBuf> = rust_files(&src())
        .into_iter()
        .filter(|p| !p.ends_with("cli/output.rs") && !p.ends_with("bin/coffred.rs"))
        .collect();
    let found = offenders(&files, &["println!", "eprintln!", "print!(", "dbg!("]);
    assert!(found.is_empty(), "{found:#?}");
}

#[test]
fn every_module_says_what_it_is_for() {
    for f in rust_files(&src()) {
        let text = std::fs::read_to_string(&f).unwrap();
        assert!(text.starts_with("//!"), "{} lacks a //! line", f.display());
    }
}

#[test]
fn the_example_configuration_parses() {
    let path = Path::new(env!("CARGO_MANIFEST_DIR")).join("deploy/coffred.toml");
    let config = coffre::config::Config::from_file(&path).unwrap();
    assert_eq!(config.limits.max_document_mib, 100);
    assert_eq!(config.listen.port(), 8443);
}

#[test]
fn payloads_are_opened_only_with_a_journal_receipt() {
    let mut places = Vec::new();
    for f in rust_files(&src().join("vault")) {
        let text = code(&f);
        for (i, _) in text.match_indices("blobs.open(") {
            let before = &text[..i];
            let func = before.rfind("fn ").map(|j| &before[j..]).unwrap_or("");
            let signature = func.split('{').next().unwrap_or("").to_owned();
            places.push((f.display().to_string(), signature));
        }
    }
    assert_eq!(places.len(), 1, "{places:#?}");
    let signature = &places[0].1;
    assert!(
        signature.contains("serve_payload(") && signature.contains("_: &Receipt"),
        "{places:#?}"
    );
}

/// The web client never writes markup from text, never touches browser storage or
/// script-readable cookies, never evaluates strings: the promises of
/// `SECURITY.md` for the page, held by construction, not only by the browser test.
#[test]
fn the_web_client_uses_no_markup_sink_storage_or_eval() {
    let dir = Path::new(env!("CARGO_MANIFEST_DIR")).join("web/src");
    let mut files = Vec::new();
    let mut stack = vec![dir];
    while let Some(d) = stack.pop() {
        for e in std::fs::read_dir(&d).unwrap() {
            let p = e.unwrap().path();
            if p.is_dir() {
                stack.push(p);
            } else if p.extension().is_some_and(|x| x == "ts") {
                files.push(p);
            }
        }
    }
    assert!(files.len() >= 8, "web/src not found: {files:?}");
    let forbidden = [
        "innerHTML",
        "outerHTML",
        "insertAdjacentHTML",
        "document.write",
        "localStorage",
        "sessionStorage",
        "indexedDB",
        "caches.",
        "document.cookie",
        "eval(",
        "new Function",
        "setTimeout(\"",
    ];
    for f in &files {
        let text = code(f);
        for word in forbidden {
            assert!(!text.contains(word), "{} uses {word}", f.display());
        }
    }
}
