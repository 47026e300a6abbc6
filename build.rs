//! Builds the browser client (`web/`) with its own pinned toolchain (Vite, from
//! `web/package-lock.json`) into `OUT_DIR/web`, and lists the files for `coffred` to
//! embed (`src/server/web.rs`). Runs npm only when `web/` changed. Without npm (or
//! with `COFFRE_WEB_SKIP=1`), the binary embeds a one-page notice instead and the
//! build says so; everything else works.

// A build script reports failure by panicking: that is how the build stops.
#![allow(clippy::expect_used, clippy::unwrap_used, clippy::panic)]

use std::path::{Path, PathBuf};
use std::process::Command;

fn main() {
    for watched in [
        "web/src",
        "web/index.html",
        "web/public",
        "web/package.json",
        "web/package-lock.json",
        "web/vite.config.ts",
        // The catalogues the page shares with the server and the CLI.
        "locales",
    ] {
        println!("cargo:rerun-if-changed={watched}");
    }
    println!("cargo:rerun-if-env-changed=COFFRE_WEB_SKIP");
    let out_dir = PathBuf::from(std::env::var("OUT_DIR").expect("OUT_DIR"));
    let site = out_dir.join("web");
    let _ = std::fs::remove_dir_all(&site);
    std::fs::create_dir_all(&site).expect("create OUT_DIR/web");
    let web = Path::new(env!("CARGO_MANIFEST_DIR")).join("web");
    let skip = std::env::var_os("COFFRE_WEB_SKIP").is_some_and(|v| v == "1");
    if !skip && !has_npm() {
        // Looked for again at every build until npm is there (a path that does not
        // exist always counts as changed).
        println!("cargo:rerun-if-changed=web/node_modules/.package-lock.json");
    }
    if skip || !has_npm() {
        println!(
            "cargo:warning=the web client is not built ({}); coffred serves a notice at /",
            if skip {
                "COFFRE_WEB_SKIP=1"
            } else {
                "npm not found"
            }
        );
        std::fs::write(site.join("index.html"), NOTICE).expect("write notice");
    } else {
        build(&web, &site);
    }
    let mut files = Vec::new();
    walk(&site, &mut files);
    files.sort();
    let mut list = String::from("/// Every file of the built web client: (path, bytes).\n");
    list.push_str("pub static ASSETS: &[(&str, &[u8])] = &[\n");
    for file in &files {
        let rel = file.strip_prefix(&site).expect("under site");
        let url = format!("/{}", rel.to_string_lossy().replace('\\', "/"));
        list.push_str(&format!(
            "    ({url:?}, include_bytes!({:?})),\n",
            file.display().to_string()
        ));
    }
    list.push_str("];\n");
    std::fs::write(out_dir.join("web_assets.rs"), list).expect("write asset list");
}

fn has_npm() -> bool {
    Command::new("npm")
        .arg("--version")
        .output()
        .is_ok_and(|o| o.status.success())
}

fn build(web: &Path, site: &Path) {
    let installed = web.join("node_modules/.package-lock.json");
    let stale = match (
        std::fs::metadata(web.join("package-lock.json")).and_then(|m| m.modified()),
        std::fs::metadata(&installed).and_then(|m| m.modified()),
    ) {
        (Ok(lock), Ok(done)) => lock > done,
        _ => true,
    };
    if stale {
        run(
            Command::new("npm")
                .args([
                    "ci",
                    "--ignore-scripts",
                    "--no-audit",
                    "--no-fund",
                    "--loglevel=error",
                ])
                .current_dir(web),
            "npm ci",
        );
    }
    run(
        Command::new(web.join("node_modules/.bin/vite"))
            .args(["build", "--logLevel", "warn", "--emptyOutDir", "--outDir"])
            .arg(site)
            .current_dir(web),
        "vite build",
    );
}

fn run(cmd: &mut Command, what: &str) {
    let status = cmd
        .status()
        .unwrap_or_else(|e| panic!("{what} could not start: {e}"));
    assert!(status.success(), "{what} failed ({status})");
}

fn walk(dir: &Path, out: &mut Vec<PathBuf>) {
    for entry in std::fs::read_dir(dir).expect("read site") {
        let path = entry.expect("entry").path();
        if path.is_dir() {
            walk(&path, out);
        } else {
            out.push(path);
        }
    }
}

const NOTICE: &str = "<!doctype html>\n<html lang=\"fr\"><head><meta charset=\"utf-8\">\
<meta name=\"viewport\" content=\"width=device-width, initial-scale=1\">\
<title>coffre</title></head><body><main><h1>coffre</h1>\
<p>Le client web n'est pas installé sur ce serveur. Le service fonctionne avec \
l'application « coffre » en ligne de commande.</p></main></body></html>\n";
