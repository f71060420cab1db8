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
