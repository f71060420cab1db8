//! `check --changed-only FILE...` (the pre-commit mode) end to end: the answer on a
//! changed file equals the full run's findings for that file, for a VirtualService
//! whose DestinationRule is in another file and for Rust routes whose handlers
//! (which read the idempotency key) are in another file; linting the file alone
//! would raise false alarms for both.

mod common;

use std::path::Path;

use common::run::{code, json, run_in, tree, ROUTES, RULES_WITH_OUTLIERS};
use serde_json::Value;

/// The Istio pair and a copy of an axum package whose handlers live in another file.
fn repo() -> tempfile::TempDir {
    let dir = tree(&[
        ("k8s/orders.yaml", ROUTES),
        ("k8s/orders-dr.yaml", RULES_WITH_OUTLIERS),
    ]);
    let fixture = Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("fixtures/rust/mutation-without-idempotency-key/pass/axum-typed-key");
    for rel in [
        "Cargo.toml",
        "src/main.rs",
        "src/handlers.rs",
        "src/extract.rs",
        "src/store.rs",
    ] {
        let text = std::fs::read_to_string(fixture.join(rel)).unwrap();
        common::run::write(dir.path(), &format!("svc/{rel}"), &text);
    }
    common::run::write(dir.path(), "billing/Cargo.toml", common::run::MANIFEST);
    common::run::write(dir.path(), "billing/src/main.rs", common::run::MAIN_RS);
    dir
}

fn findings(report: &Value) -> Vec<(String, String, u64)> {
    report["findings"]
        .as_array()
        .unwrap()
        .iter()
        .map(|f| {
            (
                f["path"].as_str().unwrap().to_string(),
                f["rule"].as_str().unwrap().to_string(),
                f["line"].as_u64().unwrap(),
            )
        })
        .collect()
}

#[test]
fn changed_only_equals_the_full_run_on_the_named_files() {
    let dir = repo();
    let full = findings(&json(&run_in(
        dir.path(),
        &["check", ".", "--format", "json"],
    )));
    assert!(!full.is_empty(), "the tree has real findings");
    for changed in [
        "k8s/orders.yaml",
        "svc/src/main.rs",
        "k8s/orders-dr.yaml",
        "billing/src/main.rs",
    ] {
        let out = run_in(
            dir.path(),
            &["check", "--changed-only", changed, "--format", "json"],
        );
        let expected: Vec<_> = full.iter().filter(|f| f.0 == changed).cloned().collect();
        assert_eq!(findings(&json(&out)), expected, "{changed}");
        assert_eq!(code(&out), i32::from(!expected.is_empty()), "{changed}");
    }
    let both = run_in(
        dir.path(),
        &[
            "check",
            "--changed-only",
            "k8s/orders.yaml",
            "svc/src/main.rs",
            "--format",
            "json",
        ],
    );
    let expected: Vec<_> = full
        .iter()
        .filter(|f| f.0 == "k8s/orders.yaml" || f.0 == "svc/src/main.rs")
        .cloned()
        .collect();
    assert_eq!(findings(&json(&both)), expected);
}

#[test]
fn the_file_alone_would_raise_false_alarms() {
    let dir = repo();
    let alone = findings(&json(&run_in(
        dir.path(),
        &["check", "k8s/orders.yaml", "--format", "json"],
    )));
    assert!(
        alone
            .iter()
            .any(|f| f.1 == "istio/destination-without-outlier-detection"),
        "{alone:?}"
    );
    // Its handlers out of sight, each route is a possible mutation (the opt-in rule).
    let possible = "rust/possible-mutation-without-idempotency-key";
    let alone = findings(&json(&run_in(
        dir.path(),
        &[
            "check",
            "svc/src/main.rs",
            "--select",
            possible,
            "--format",
            "json",
        ],
    )));
    assert!(alone.iter().any(|f| f.1 == possible), "{alone:?}");
    let changed = findings(&json(&run_in(
        dir.path(),
        &[
            "check",
            "--changed-only",
            "svc/src/main.rs",
            "--select",
            possible,
            "--format",
            "json",
        ],
    )));
    assert_eq!(changed, vec![]);
}

#[test]
fn changed_only_from_a_subdirectory_reads_the_whole_repository() {
    let dir = repo();
    let out = run_in(
        &dir.path().join("k8s"),
        &["check", "--changed-only", "orders.yaml", "--format", "json"],
    );
    let rules: Vec<String> = findings(&json(&out))
        .into_iter()
        .map(|f| format!("{}:{}", f.0, f.1))
        .collect();
    assert_eq!(
        rules,
        vec![
            "orders.yaml:istio/non-idempotent-route-retried",
            "orders.yaml:istio/route-without-timeout"
        ]
    );
}

#[test]
fn only_the_changed_rust_packages_are_read_and_gates_wait_for_full_runs() {
    let dir = repo();
    common::run::write(dir.path(), "resilint.toml", "[coverage]\ntimeout = 100\n");
    let full = run_in(
        dir.path(),
        &["check", ".", "--format", "json", "--fail-on", "never"],
    );
    assert_eq!(code(&full), 1, "the gate fails a full run");
    let all = json(&full)["files_scanned"].as_u64().unwrap();
    let out = run_in(
        dir.path(),
        &[
            "check",
            "--changed-only",
            "svc/src/main.rs",
            "--format",
            "json",
        ],
    );
    assert_eq!(
        code(&out),
        0,
        "no findings in the file, and no gate in this mode"
    );
    let report = json(&out);
    assert_eq!(
        report["files_scanned"].as_u64().unwrap(),
        all - 2,
        "billing's two files are not read"
    );
    assert!(report.get("gates").is_none());
}

#[test]
fn changed_only_wants_files() {
    let dir = repo();
    for args in [
        &["check", "--changed-only"][..],
        &["check", "--changed-only", "k8s"][..],
    ] {
        let out = run_in(dir.path(), args);
        assert_eq!(code(&out), 2, "{args:?}");
        assert!(
            common::run::stderr(&out).contains("--changed-only takes the changed files"),
            "{}",
            common::run::stderr(&out)
        );
    }
}

#[test]
fn a_baseline_applies_to_the_changed_files_only() {
    let dir = repo();
    assert_eq!(
        code(&run_in(
            dir.path(),
            &["check", ".", "--write-baseline", "b.json"]
        )),
        0
    );
    let out = run_in(
        dir.path(),
        &[
            "check",
            "--changed-only",
            "k8s/orders.yaml",
            "--baseline",
            "b.json",
            "--format",
            "json",
        ],
    );
    assert_eq!(code(&out), 0);
    let report = json(&out);
    assert_eq!(report["findings"], serde_json::json!([]));
    assert_eq!(
        report["baseline"],
        serde_json::json!({"matched": 2, "fixed": 0}),
        "other files' entries are not 'fixed'"
    );
    let out = run_in(
        dir.path(),
        &[
            "check",
            "--changed-only",
            "k8s/orders.yaml",
            "--write-baseline",
            "c.json",
        ],
    );
    assert_eq!(code(&out), 2);
}

/// Routes link across a workspace's members: a member's routes, changed alone, are
/// judged with the app (another member) that wraps them in the key middleware.
#[test]
fn a_changed_workspace_member_is_judged_with_the_other_members() {
    let dir = tempfile::tempdir().unwrap();
    let fixture = Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("fixtures/rust/mutation-without-idempotency-key/pass/actix-workspace");
    for rel in [
        "Cargo.toml",
        "app/Cargo.toml",
        "app/src/main.rs",
        "api/Cargo.toml",
        "api/src/lib.rs",
        "api/src/orders.rs",
        "guard/Cargo.toml",
        "guard/src/lib.rs",
    ] {
        let text = std::fs::read_to_string(fixture.join(rel)).unwrap();
        common::run::write(dir.path(), &format!("ws/{rel}"), &text);
    }
    common::run::write(
        dir.path(),
        "resilint.toml",
        "[rules]\n\"rust/mutation-without-idempotency-key\" = \"warning\"\n",
    );
    let full = run_in(
        dir.path(),
        &["check", ".", "--format", "json", "--fail-on", "never"],
    );
    assert_eq!(json(&full)["coverage"]["idempotency"]["covered"], 2);
    let out = run_in(
        dir.path(),
        &[
            "check",
            "--changed-only",
            "ws/api/src/lib.rs",
            "--format",
            "json",
            "--fail-on",
            "never",
        ],
    );
    let report = json(&out);
    assert_eq!(findings(&report), findings(&json(&full)));
    assert!(
        findings(&report).is_empty(),
        "the app's middleware covers them"
    );
}
