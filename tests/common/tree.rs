//! Building throwaway repositories for end-to-end tests, and running the engine on
//! them, so each test file states only its inputs and expectations.

use std::path::Path;

use resilint::engine::{self, Options};
use resilint::report::Report;

/// Writes `bytes` to `root/rel`, creating the directories on the way.
pub fn write(root: &Path, rel: &str, bytes: impl AsRef<[u8]>) {
    let path = root.join(rel);
    std::fs::create_dir_all(path.parent().expect("a file below the root"))
        .expect("create directories");
    std::fs::write(path, bytes).expect("write test file");
}

/// A temporary directory holding `files` (path relative to it, contents).
pub fn tree<B: AsRef<[u8]>>(files: &[(&str, B)]) -> tempfile::TempDir {
    let dir = tempfile::tempdir().expect("temp dir");
    for (rel, bytes) in files {
        write(dir.path(), rel, bytes);
    }
    dir
}

/// The engine's report on `dir` with 2 threads, read with `dir/resilint.toml` (an
/// empty one is written if there is none, so no configuration above the temporary
/// directory applies).
pub fn report(dir: &Path) -> Report {
    let config = dir.join("resilint.toml");
    if !config.exists() {
        std::fs::write(&config, "").expect("write resilint.toml");
    }
    engine::run(&Options {
        paths: vec![dir.to_path_buf()],
        config: Some(config),
        threads: Some(2),
    })
    .expect("not a usage error")
    .report
}

/// The manifest of the Rust package `web` that [`web_package`] writes.
const WEB_MANIFEST: &str = "[package]\nname = \"web\"\nversion = \"0.1.0\"\nedition = \"2021\"\n\n[dependencies]\nreqwest = \"0.12\"\n";

/// A repository with the Rust package `web` (using reqwest) whose `src/main.rs` is
/// `main_rs`, beside `files`: a code call and the configuration on its path.
pub fn web_package(main_rs: &str, files: &[(&str, &str)]) -> tempfile::TempDir {
    let dir = tree(files);
    write(dir.path(), "web/Cargo.toml", WEB_MANIFEST);
    write(dir.path(), "web/src/main.rs", main_rs);
    dir
}

/// `resilint ARGS` run in `dir`: its standard output read as JSON.
pub fn cli_json(dir: &Path, args: &[&str]) -> serde_json::Value {
    super::run::json(&super::run::run_in(dir, args))
}

/// The rule of every finding of `resilint check . --no-cache --format json` in `dir`.
pub fn rules_found(dir: &Path) -> Vec<String> {
    let report = cli_json(dir, &["check", ".", "--no-cache", "--format", "json"]);
    report["findings"]
        .as_array()
        .expect("findings")
        .iter()
        .map(|f| f["rule"].as_str().expect("a rule id").to_string())
        .collect()
}
