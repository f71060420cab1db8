//! Configuration as ruff users expect it, end to end: `include`/`exclude` are
//! relative to the `resilint.toml` that sets them, each file is governed by the
//! nearest `resilint.toml` above it (so the order of the paths changes nothing),
//! files named on the command line honour `exclude` unless `--force-include`; and
//! the text summary's words: `info`, and file errors counted as errors.

mod common;

use common::run::{code, json, run_in, stderr, stdout, tree, ROUTES};
use serde_json::Value;

fn rules_of(report: &Value) -> Vec<(String, String)> {
    let mut out: Vec<(String, String)> = report["findings"]
        .as_array()
        .unwrap()
        .iter()
        .map(|f| {
            (
                f["path"].as_str().unwrap().to_string(),
                f["rule"].as_str().unwrap().to_string(),
            )
        })
        .collect();
    out.sort();
    out
}

const TIMEOUT: &str = "istio/route-without-timeout";

#[test]
fn include_is_relative_to_the_config_directory_not_to_the_path_named() {
    let dir = tree(&[
        ("resilint.toml", "include = [\"k8s/**\"]\n"),
        ("k8s/orders.yaml", ROUTES),
        ("other/orders.yaml", ROUTES),
    ]);
    // `check k8s` used to match `k8s/**` against `orders.yaml` and lint nothing.
    let out = run_in(dir.path(), &["check", "k8s", "--format", "json"]);
    let report = json(&out);
    assert_eq!(report["files_scanned"], 1, "{}", stderr(&out));
    assert!(rules_of(&report).contains(&("k8s/orders.yaml".into(), TIMEOUT.into())));
    // From a subdirectory the globs still start at the config's directory.
    let out = run_in(&dir.path().join("k8s"), &["check", ".", "--format", "json"]);
    assert_eq!(json(&out)["files_scanned"], 1, "{}", stderr(&out));
    let out = run_in(dir.path(), &["check", "other", "--format", "json"]);
    assert_eq!(json(&out)["files_scanned"], 0);
    let out = run_in(dir.path(), &["check", "other"]);
    assert!(
        stderr(&out).contains("no file was linted"),
        "{}",
        stderr(&out)
    );
}

/// A monorepo: `a` turns the timeout rule off, `b` excludes `k8s/skip*`.
fn monorepo() -> tempfile::TempDir {
    tree(&[
        (
            "a/resilint.toml",
            "[rules]\n\"istio/route-without-timeout\" = \"off\"\n",
        ),
        ("a/k8s/orders.yaml", ROUTES),
        ("b/resilint.toml", "exclude = [\"k8s/skip*\"]\n"),
        ("b/k8s/orders.yaml", ROUTES),
        ("b/k8s/skip.yaml", ROUTES),
    ])
}

#[test]
fn each_file_is_governed_by_the_nearest_config_whatever_the_order_of_the_paths() {
    let dir = monorepo();
    let ab = run_in(dir.path(), &["check", "a", "b", "--format", "json"]);
    let ba = run_in(dir.path(), &["check", "b", "a", "--format", "json"]);
    assert_eq!(stdout(&ab), stdout(&ba), "the order of the paths matters");
    let found = rules_of(&json(&ab));
    assert!(!found.contains(&("a/k8s/orders.yaml".into(), TIMEOUT.into())));
    assert!(found.contains(&("b/k8s/orders.yaml".into(), TIMEOUT.into())));
    assert!(
        !found.iter().any(|(p, _)| p == "b/k8s/skip.yaml"),
        "{found:?}"
    );
    // The rule turned off in `a` counts nothing there: one route of `b` is counted.
    assert_eq!(
        json(&ab)["coverage"]["timeout"]["total"],
        2,
        "{}",
        stdout(&ab)
    );
    // The whole tree gives the same answer.
    let all = run_in(dir.path(), &["check", ".", "--format", "json"]);
    assert_eq!(rules_of(&json(&all)), found);
}

#[test]
fn a_named_file_honours_exclude_unless_forced_in() {
    let dir = monorepo();
    let out = run_in(
        dir.path(),
        &["check", "b/k8s/skip.yaml", "--format", "json"],
    );
    assert_eq!(json(&out)["files_scanned"], 0, "{}", stdout(&out));
    let out = run_in(
        dir.path(),
        &[
            "check",
            "b/k8s/skip.yaml",
            "--force-include",
            "--format",
            "json",
        ],
    );
    assert_eq!(json(&out)["files_scanned"], 1);
    assert!(rules_of(&json(&out)).contains(&("b/k8s/skip.yaml".into(), TIMEOUT.into())));
}

#[test]
fn a_nested_config_setting_a_run_wide_key_is_told_about() {
    let dir = monorepo();
    common::run::write(dir.path(), "resilint.toml", "");
    common::run::write(
        dir.path(),
        "b/resilint.toml",
        "exclude = [\"k8s/skip*\"]\n[coverage]\ntimeout = 90\n",
    );
    let out = run_in(dir.path(), &["check", ".", "--format", "json"]);
    assert!(
        stderr(&out).contains("b/resilint.toml: `[coverage]` is read from the run's root configuration only (resilint.toml)"),
        "{}",
        stderr(&out)
    );
    // No gate was set by the nested file: the run fails on findings only.
    assert!(json(&out).get("gates").is_none());
}

#[test]
fn text_says_info_and_counts_file_errors_as_errors() {
    let dir = tree(&[
        (
            "resilint.toml",
            "[rules]\n\"istio/route-without-timeout\" = \"info\"\n",
        ),
        ("k8s/orders.yaml", ROUTES),
        (
            "k8s/broken.yaml",
            "apiVersion: networking.istio.io/v1\nkind: VirtualService\nspec: [\n",
        ),
    ]);
    let out = run_in(dir.path(), &["check", "--color", "never"]);
    let text = stdout(&out);
    assert!(text.contains(&format!("info[{TIMEOUT}]")), "{text}");
    assert!(!text.contains("note["), "{text}");
    assert!(stderr(&out).contains("error[parse]"), "{}", stderr(&out));
    assert!(
        text.contains("1 error, ")
            && text.contains("(1 of the errors is a file that could not be read or parsed"),
        "{text}"
    );
    assert_eq!(code(&out), 1);
}
