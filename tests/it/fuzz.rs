//! The API fuzzed from its own OpenAPI description: schemathesis (installed by
//! `tests/run`) sends thousands of generated requests, valid and invalid, to a real
//! coffred, as a citizen and as the operator, and no answer may be a server error
//! or disagree with the description (status, content type, body schema).

use std::process::Command;

use crate::harness::{agent, Daemon};

/// Runs schemathesis against `d` with `token`; returns how many cases it ran.
fn fuzz(d: &Daemon, token: &str, filters: &[&str], examples: u32) -> u64 {
    let tool = std::env::var("COFFRE_SCHEMATHESIS").unwrap_or_else(|_| {
        format!(
            "{}/target/schemathesis/bin/schemathesis",
            env!("CARGO_MANIFEST_DIR")
        )
    });
    let reports = tempfile::tempdir().unwrap();
    let out = Command::new(&tool)
        .args(["run", &format!("{}/v1/openapi.json", d.url)])
        .args(["--tls-verify", d.ca().to_str().unwrap()])
        .args(["-H", &format!("Authorization: Bearer {token}")])
        .args([
            "--checks",
            "not_a_server_error,status_code_conformance,content_type_conformance,\
             response_schema_conformance",
        ])
        .args(["--max-examples", &examples.to_string()])
        .args(["--report-dir", reports.path().to_str().unwrap()])
        .args(filters)
        .env("NO_COLOR", "1")
        .current_dir(reports.path())
        .output()
        .unwrap_or_else(|e| panic!("{tool}: {e} (tests/run installs schemathesis)"));
    let text = format!(
        "{}{}",
        String::from_utf8_lossy(&out.stdout),
        String::from_utf8_lossy(&out.stderr)
    );
    assert!(out.status.success(), "schemathesis found failures:\n{text}");
    // "Test cases:\n  2800 generated, 2800 passed"
    let generated = text
        .lines()
        .skip_while(|l| !l.starts_with("Test cases:"))
        .nth(1)
        .and_then(|l| l.trim().split(' ').next())
        .and_then(|n| n.parse().ok())
        .unwrap_or_else(|| panic!("no case count in:\n{text}"));
    eprintln!("schemathesis {filters:?}: {generated} cases");
    generated
}

#[test]
fn generated_requests_meet_no_server_error_and_match_the_description() {
    let d = Daemon::start();
    let alice = d.user("alice");
    alice.register();
    // Logging out or deleting the account would leave the rest of the run without a
    // session: those two are covered by their own tests.
    let citizen = fuzz(
        &d,
        &alice.token(),
        &[
            "--exclude-path",
            "/v1/sessions/current",
            "--exclude-path",
            "/v1/account/delete",
        ],
        60,
    );
    let operator = fuzz(
        &d,
        &d.admin_token(),
        &["--include-path-regex", "^/(v1/admin/|metrics)"],
        60,
    );
    assert!(citizen + operator >= 2_000, "{citizen} + {operator} cases");
    // Still serving, and its journal still verifies.
    let health = agent(&d)
        .get(format!("{}/v1/health", d.url))
        .call()
        .unwrap();
    assert_eq!(health.status(), 200);
    let report: serde_json::Value =
        serde_json::from_str(&d.admin(&["--json", "journal", "verify"])).unwrap();
    assert_eq!(report["ok"], true, "{report}");
}

#[test]
fn the_description_is_served_and_names_every_route() {
    let d = Daemon::start();
    let r = agent(&d)
        .get(format!("{}/v1/openapi.json", d.url))
        .call()
        .unwrap();
    assert_eq!(r.status(), 200);
    let doc: serde_json::Value = r.into_body().read_json().unwrap();
    assert_eq!(doc["openapi"], "3.1.0");
    let paths = doc["paths"].as_object().unwrap();
    let routes = include_str!("../../src/server/routes.rs");
    for line in routes.lines() {
        let Some(rest) = line.trim().strip_prefix(".route(\"") else {
            continue;
        };
        let path = rest.split('"').next().unwrap();
        if path == "/v1/openapi.json" {
            continue;
        }
        assert!(paths.contains_key(path), "{path} is not described");
    }
}
