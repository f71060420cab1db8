//! Inputs the fuzzer (`scripts/fuzz.sh`) crashed on, as ordinary tests through the
//! binary: each must end as an `errors` entry or findings, never a crash, and the
//! other files of the run must still be judged.

use std::path::Path;
use std::process::Command;

mod common;

use common::tree::write;

/// `resilint check --format json` on `root`: the parsed output and the exit code.
fn check_json(root: &Path) -> (serde_json::Value, i32) {
    let out = Command::new(env!("CARGO_BIN_EXE_resilint"))
        .current_dir(root)
        .args(["check", "--format", "json", "."])
        .output()
        .unwrap();
    let code = out.status.code().unwrap_or(-1);
    assert!(
        code == 0 || code == 1,
        "exit {code}: {}",
        String::from_utf8_lossy(&out.stderr)
    );
    (serde_json::from_slice(&out.stdout).unwrap(), code)
}

/// A client without a timeout, judged in every run: proof the run went on.
const OK_FILE: &str = "fn f() -> reqwest::Client { reqwest::Client::new() }\n";

fn timeout_findings_in(json: &serde_json::Value, path: &str) -> usize {
    json["findings"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|f| f["path"] == path && f["category"] == "timeout")
        .count()
}

/// Found by the `rust` target in seconds, from the `retry.rs` seed: the slice
/// `result<String, ` of a return type repeated into unclosed generics. syn recurses
/// once per angle bracket; at 10,000 the release binary overflowed its 64 MiB worker
/// stack and aborted (exit 134), losing every other file's findings.
#[test]
fn unclosed_generics_in_a_return_type_are_refused() {
    let dir = tempfile::tempdir().unwrap();
    let root = dir.path();
    let text = format!(
        "use backoff::ExponentialBackoff;\n\nasync fn fetch(client: &reqwest::Client) -> Result<String, {}",
        "result<String, ".repeat(10_000)
    );
    write(root, "src/deep.rs", &text);
    write(root, "src/ok.rs", OK_FILE);
    let (json, _) = check_json(root);
    let errors = json["errors"].as_array().unwrap();
    assert!(
        errors
            .iter()
            .any(|e| e["path"] == "src/deep.rs" && (e["kind"] == "limit" || e["kind"] == "parse")),
        "{json:#}"
    );
    assert_eq!(timeout_findings_in(&json, "src/ok.rs"), 1, "{json:#}");
}
