//! The hook in `.pre-commit-hooks.yaml`, run by the real `pre-commit` tool (from
//! PyPI; `.ci/run` installs it when missing) in a temporary git repository: a
//! commit adding a route without a timeout is blocked, a good one passes, and a
//! route whose DestinationRule sits in an unchanged file is judged with it.
//!
//! pre-commit would build the hook with `cargo install` (`language: rust`), a
//! release build of minutes; the test runs the same hook definition (entry, file
//! pattern, serial) as a local `unsupported` hook pointing at the binary under test.

mod common;

use std::path::Path;
use std::process::{Command, Output};

use common::run::{ROUTES, RULES_WITH_OUTLIERS};

const GOOD_ROUTE: &str = "apiVersion: networking.istio.io/v1
kind: VirtualService
metadata: {name: orders, namespace: shop}
spec:
  hosts: [orders]
  http:
  - name: read
    timeout: 2s
    route:
    - destination: {host: orders}
";

/// The hook's fields from `.pre-commit-hooks.yaml` (a flat list of `key: value`).
fn hook_field(hooks: &str, key: &str) -> String {
    hooks
        .lines()
        .find_map(|l| {
            l.trim_start_matches(['-', ' '])
                .strip_prefix(&format!("{key}: "))
        })
        .unwrap_or_else(|| panic!("`{key}` in .pre-commit-hooks.yaml"))
        .trim()
        .trim_matches('\'')
        .to_string()
}

fn local_config() -> String {
    let hooks = std::fs::read_to_string(concat!(
        env!("CARGO_MANIFEST_DIR"),
        "/.pre-commit-hooks.yaml"
    ))
    .unwrap();
    assert_eq!(hook_field(&hooks, "id"), "resilint");
    assert_eq!(hook_field(&hooks, "language"), "rust");
    let entry = hook_field(&hooks, "entry");
    let args = entry
        .strip_prefix("resilint ")
        .expect("the entry runs resilint");
    format!(
        "repos:\n- repo: local\n  hooks:\n  - id: resilint\n    name: resilint\n    entry: {} {args}\n    language: unsupported\n    files: '{}'\n    require_serial: {}\n",
        env!("CARGO_BIN_EXE_resilint"),
        hook_field(&hooks, "files"),
        hook_field(&hooks, "require_serial"),
    )
}

/// Runs `git`, or `pre-commit` as `python3 -m pre_commit` (no PATH lookup of a
/// console script that a fresh `pip install` may not have linked yet).
fn run(dir: &Path, program: &str, args: &[&str]) -> Output {
    let (program, lead): (&str, &[&str]) = match program {
        "pre-commit" => ("python3", &["-m", "pre_commit"]),
        other => (other, &[]),
    };
    Command::new(program)
        .args(lead)
        .args(args)
        .current_dir(dir)
        .env("PRE_COMMIT_HOME", dir.join(".pre-commit-home"))
        .env("GIT_AUTHOR_NAME", "t")
        .env("GIT_AUTHOR_EMAIL", "t@example.com")
        .env("GIT_COMMITTER_NAME", "t")
        .env("GIT_COMMITTER_EMAIL", "t@example.com")
        .env_remove("CI")
        .output()
        .unwrap_or_else(|e| {
            panic!("run {program}: {e} (pre-commit comes from PyPI: pip install pre-commit)")
        })
}

fn ok(out: &Output) -> bool {
    out.status.success()
}

fn text(out: &Output) -> String {
    format!(
        "{}{}",
        String::from_utf8_lossy(&out.stdout),
        String::from_utf8_lossy(&out.stderr)
    )
}

/// pre-commit and git are not part of the Rust toolchain: see `common::run::tool_available`.
fn tools_available() -> bool {
    common::run::tool_available("git", &["--version"], "install git")
        && common::run::tool_available(
            "python3",
            &["-m", "pre_commit", "--version"],
            "python3 -m pip install pre-commit",
        )
}

fn commit(dir: &Path, file: &str, body: &str) -> Output {
    common::run::write(dir, file, body);
    assert!(ok(&run(dir, "git", &["add", file])));
    run(dir, "git", &["commit", "-q", "-m", file])
}

#[test]
fn pre_commit_accepts_the_hook_manifest() {
    if !tools_available() {
        return;
    }
    let dir = tempfile::tempdir().unwrap();
    let manifest = concat!(env!("CARGO_MANIFEST_DIR"), "/.pre-commit-hooks.yaml");
    let out = run(dir.path(), "pre-commit", &["validate-manifest", manifest]);
    assert!(ok(&out), "{}", text(&out));
}

#[test]
fn the_hook_blocks_a_route_without_a_timeout_and_passes_a_good_one() {
    if !tools_available() {
        return;
    }
    let dir = tempfile::tempdir().unwrap();
    let p = dir.path();
    assert!(ok(&run(p, "git", &["init", "-q", "-b", "main"])));
    common::run::write(p, ".pre-commit-config.yaml", local_config());
    common::run::write(p, ".gitignore", ".pre-commit-home/\n");
    assert!(ok(&run(p, "git", &["add", "."])));
    let install = run(p, "pre-commit", &["install"]);
    assert!(ok(&install), "{}", text(&install));

    // The DestinationRule is committed first, in a file of its own.
    let first = commit(p, "k8s/orders-dr.yaml", RULES_WITH_OUTLIERS);
    assert!(ok(&first), "{}", text(&first));
    // A good route: its DestinationRule is in the unchanged file, and is found.
    let good = commit(p, "k8s/orders.yaml", GOOD_ROUTE);
    assert!(ok(&good), "a good commit passes:\n{}", text(&good));
    // A route without a timeout is blocked, and the hook says why.
    let bad = commit(p, "k8s/orders.yaml", ROUTES);
    assert!(!ok(&bad), "blocked:\n{}", text(&bad));
    assert!(
        text(&bad).contains("k8s/orders.yaml:14:5: warning[istio/route-without-timeout]"),
        "{}",
        text(&bad)
    );
    assert!(
        !text(&bad).contains("destination-without-outlier-detection"),
        "{}",
        text(&bad)
    );
    // Nothing was committed by the blocked attempt.
    let log = run(p, "git", &["log", "--oneline"]);
    assert_eq!(String::from_utf8_lossy(&log.stdout).lines().count(), 2);
}
