//! Helpers for the end-to-end tests of gates, formats and baselines: small trees in
//! temporary directories (each pinned as a repository root by an empty `.git`),
//! and runs of the built binary in them.

use std::path::Path;
use std::process::Output;

use tempfile::TempDir;

/// An Istio tree: one route with a timeout and one without, a POST route retried
/// on 5xx, a DestinationRule without outlier detection, and a Rust client without
/// a timeout.
pub const ROUTES: &str = "apiVersion: networking.istio.io/v1
kind: VirtualService
metadata: {name: orders, namespace: shop}
spec:
  hosts: [orders]
  http:
  - name: create
    match:
    - method: {exact: POST}
    route:
    - destination: {host: orders}
    retries: {attempts: 3, retryOn: 5xx}
    timeout: 2s
  - name: read
    route:
    - destination: {host: orders}
";

pub const RULES: &str = "apiVersion: networking.istio.io/v1
kind: DestinationRule
metadata: {name: orders, namespace: shop}
spec:
  host: orders
";

/// `RULES` with outlier detection: the DestinationRule that covers `ROUTES`' breaker.
pub const RULES_WITH_OUTLIERS: &str = "apiVersion: networking.istio.io/v1
kind: DestinationRule
metadata: {name: orders, namespace: shop}
spec:
  host: orders
  trafficPolicy:
    outlierDetection: {consecutive5xxErrors: 5, interval: 10s, baseEjectionTime: 30s}
";

/// Runs the binary in `dir` and returns its stdout, failing unless it exited 0 or 1
/// (findings or none: a usage error or crash is a test failure).
pub fn findings_output(dir: &Path, args: &[&str]) -> String {
    let out = run_in(dir, args);
    assert!(matches!(code(&out), 0 | 1), "{}", stderr(&out));
    stdout(&out)
}

/// A service (it depends on a server framework): not a program that runs to
/// completion, whose clients would not be judged.
pub const MANIFEST: &str = "[package]
name = \"billing\"
version = \"0.1.0\"
edition = \"2021\"

[dependencies]
axum = \"0.7\"
reqwest = \"0.12\"
";

pub const MAIN_RS: &str = "pub fn client() -> reqwest::Client {
    reqwest::Client::new()
}
";

#[allow(unused_imports)] // not every test file that includes `common` writes files
pub use super::tree::write;

/// Writes `files` (relative path, text) into a fresh directory with an empty `.git`,
/// so the directory is the repository root of the run.
pub fn tree(files: &[(&str, &str)]) -> TempDir {
    let dir = super::tree::tree(files);
    std::fs::create_dir(dir.path().join(".git")).expect("create .git");
    dir
}

/// The standard small tree: routes, rules and a Rust package.
pub fn shop() -> TempDir {
    tree(&[
        ("k8s/orders.yaml", ROUTES),
        ("k8s/orders-dr.yaml", RULES),
        ("billing/Cargo.toml", MANIFEST),
        ("billing/src/main.rs", MAIN_RS),
    ])
}

/// Runs the binary in `cwd`; colour variables are cleared.
pub fn run_in(cwd: &Path, args: &[&str]) -> Output {
    std::process::Command::new(env!("CARGO_BIN_EXE_resilint"))
        .args(args)
        .current_dir(cwd)
        .env_remove("NO_COLOR")
        .env_remove("CLICOLOR_FORCE")
        .env_remove("FORCE_COLOR")
        .output()
        .expect("run resilint")
}

pub fn code(out: &Output) -> i32 {
    out.status.code().expect("exit code, not a signal")
}

pub fn stdout(out: &Output) -> String {
    String::from_utf8(out.stdout.clone()).expect("stdout is UTF-8")
}

pub fn stderr(out: &Output) -> String {
    String::from_utf8_lossy(&out.stderr).into_owned()
}

/// stdout parsed as JSON, with stdout and stderr in the panic message when it is not.
pub fn json(out: &Output) -> serde_json::Value {
    serde_json::from_slice(&out.stdout).unwrap_or_else(|e| {
        panic!(
            "stdout is not JSON ({e}):\n{}\nstderr:\n{}",
            stdout(out),
            stderr(out)
        )
    })
}

/// Whether a tool outside the Rust toolchain that a test drives is installed
/// (`program args` runs and succeeds). The README's test command needs only the
/// toolchain, so without the tool the test says SKIPPED on stderr and passes; in CI
/// (`CI` set, where `.ci/run` installs the tool) a missing tool fails the test.
pub fn tool_available(program: &str, args: &[&str], install_hint: &str) -> bool {
    let found = std::process::Command::new(program)
        .args(args)
        .output()
        .is_ok_and(|o| o.status.success());
    if !found {
        assert!(
            std::env::var_os("CI").is_none(),
            "`{program} {}` is not available in CI: {install_hint}",
            args.join(" ")
        );
        eprintln!(
            "SKIPPED: `{program} {}` is not available ({install_hint})",
            args.join(" ")
        );
    }
    found
}
