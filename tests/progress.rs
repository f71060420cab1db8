//! The progress bar: drawn on a terminal's stderr for a long run, never in CI,
//! with `--quiet`, or when stderr is not a terminal. The terminal is a real
//! pseudo-terminal made by util-linux's `script`.

mod common;

use std::process::Command;

use common::run::{run_in, stderr, tree};

/// A tree with enough files for a bar.
fn many_files() -> tempfile::TempDir {
    let files: Vec<(String, String)> = (0..600)
        .map(|i| {
            (
                format!("k8s/cm-{i}.yaml"),
                format!("apiVersion: v1\nkind: ConfigMap\nmetadata: {{name: cm-{i}}}\n"),
            )
        })
        .collect();
    let refs: Vec<(&str, &str)> = files
        .iter()
        .map(|(p, t)| (p.as_str(), t.as_str()))
        .collect();
    tree(&refs)
}

/// Runs `resilint check . ARGS` on a pseudo-terminal; returns everything it drew.
fn on_terminal(dir: &std::path::Path, args: &str, ci: bool) -> String {
    let line = format!(
        "{} check . --fail-on never {args}",
        env!("CARGO_BIN_EXE_resilint")
    );
    let mut cmd = Command::new("script");
    cmd.args(["-qec", &line, "/dev/null"]).current_dir(dir);
    if ci {
        cmd.env("CI", "true");
    } else {
        cmd.env_remove("CI");
    }
    let out = cmd.output().expect("util-linux `script` runs");
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    String::from_utf8_lossy(&out.stdout).into_owned()
}

#[test]
fn a_long_run_on_a_terminal_shows_progress_and_ci_or_quiet_do_not() {
    // util-linux's `script` makes the pseudo-terminal; it is not part of the Rust toolchain.
    if !common::run::tool_available("script", &["--version"], "install util-linux") {
        return;
    }
    let dir = many_files();
    assert!(
        on_terminal(dir.path(), "", false).contains("reading"),
        "a bar on a terminal"
    );
    assert!(
        !on_terminal(dir.path(), "", true).contains("reading"),
        "none in CI"
    );
    assert!(
        !on_terminal(dir.path(), "--quiet", false).contains("reading"),
        "none with --quiet"
    );
    let piped = run_in(dir.path(), &["check", ".", "--fail-on", "never"]);
    assert!(
        !stderr(&piped).contains("reading"),
        "none when stderr is not a terminal"
    );
}
