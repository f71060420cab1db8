//! The warm paths of the cache (issue 10's speed target) say what a cold run says:
//! the same bytes cold, warm and warm after an edit as `--no-cache`, in every
//! format; a file rewritten right after a run with the same size is read again
//! (its modification time is too close to the run that cached it to be trusted);
//! and a warm `--changed-only` run, which judges only the changed files, still sees
//! a DestinationRule edited in another, unchanged-for-it file.

mod common;

use std::path::Path;

use common::run::{findings_output as out, tree, write, ROUTES, RULES, RULES_WITH_OUTLIERS};

/// Every format's bytes for a whole run, and a `--changed-only` run's JSON.
fn answers(dir: &Path, extra: &[&str]) -> Vec<String> {
    let mut all = Vec::new();
    for format in ["json", "text", "sarif"] {
        let mut args = vec!["check", ".", "--format", format, "--color", "never"];
        args.extend(extra);
        all.push(out(dir, &args));
    }
    let mut args = vec![
        "check",
        "--changed-only",
        "k8s/orders.yaml",
        "--format",
        "json",
    ];
    args.extend(extra);
    all.push(out(dir, &args));
    all
}

fn repo() -> tempfile::TempDir {
    let dir = tree(&[
        ("k8s/orders.yaml", ROUTES),
        ("k8s/orders-dr.yaml", RULES_WITH_OUTLIERS),
        ("billing/Cargo.toml", common::run::MANIFEST),
        ("billing/src/main.rs", common::run::MAIN_RS),
    ]);
    for i in 0..6 {
        write(
            dir.path(),
            &format!("more/vs-{i}.yaml"),
            ROUTES.replace("orders", &format!("svc{i}")),
        );
    }
    dir
}

#[test]
fn cold_warm_and_warm_after_an_edit_are_the_bytes_of_no_cache() {
    let dir = repo();
    let fresh = answers(dir.path(), &["--no-cache"]);
    assert!(fresh[0].contains("\"findings\""), "{}", fresh[0]);
    assert_eq!(answers(dir.path(), &[]), fresh, "cold");
    assert_eq!(answers(dir.path(), &[]), fresh, "warm");
    // The same size, at once: only the content tells the edit apart.
    write(
        dir.path(),
        "k8s/orders.yaml",
        ROUTES.replace("timeout: 2s", "timeout: 0s"),
    );
    let edited = answers(dir.path(), &["--no-cache"]);
    assert_ne!(edited, fresh);
    assert_eq!(answers(dir.path(), &[]), edited, "warm after an edit");
    assert_eq!(answers(dir.path(), &[]), edited, "warm again");
}

#[test]
fn a_warm_changed_only_run_sees_a_destination_rule_edited_elsewhere() {
    let dir = repo();
    let hook = [
        "check",
        "--changed-only",
        "k8s/orders.yaml",
        "--format",
        "json",
    ];
    let rule = "istio/destination-without-outlier-detection";
    out(dir.path(), &["check", ".", "--format", "json"]);
    let before = out(dir.path(), &hook);
    assert!(!before.contains(rule), "{before}");
    // Only the DestinationRule's file changes: the VirtualService's verdict must.
    write(dir.path(), "k8s/orders-dr.yaml", RULES);
    let after = out(dir.path(), &hook);
    assert!(after.contains(rule), "{after}");
    let mut cold = hook.to_vec();
    cold.push("--no-cache");
    assert_eq!(after, out(dir.path(), &cold));
    // And back.
    write(dir.path(), "k8s/orders-dr.yaml", RULES_WITH_OUTLIERS);
    assert_eq!(out(dir.path(), &hook), before);
}
