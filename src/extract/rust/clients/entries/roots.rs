//! Where a package's entries start: its binary roots, and a module that defines and
//! dispatches the command line outside them ([`super::entries`]).

use std::path::{Path, PathBuf};

/// A binary root's module directory and name: `src/main.rs` → (`src`, `main`),
/// `src/bin/x.rs` → (`src/bin/x`, `x`), `src/bin/x/main.rs` → (`src/bin/x`, `x`); a
/// path `[[bin]]` declares (`bins`) likewise (`main.rs` → (``, `main`),
/// `tools/gen/main.rs` → (`tools/gen`, `gen`)).
pub(super) fn binary_root(path: &Path, bins: &[String]) -> Option<(PathBuf, String)> {
    let parent = path.parent()?;
    let stem = path.file_stem()?.to_str()?;
    let declared = path.to_str().is_some_and(|p| bins.iter().any(|b| b == p));
    // A declared `main.rs` in a directory of its own (`src/bin/generate-otlp/main.rs`)
    // is that binary's, as it is undeclared; only the package's top one is `main`.
    let top = |p: &Path| p == Path::new("src") || p == Path::new("");
    if path == Path::new("src/main.rs") || (declared && stem == "main" && top(parent)) {
        return Some((parent.to_path_buf(), "main".into()));
    }
    if declared && stem == "main" {
        let name = parent.file_name()?.to_str()?;
        return Some((parent.to_path_buf(), name.to_string()));
    }
    if declared {
        return Some((parent.join(stem), stem.to_string()));
    }
    if parent == Path::new("src/bin") {
        return Some((parent.join(stem), stem.to_string()));
    }
    let name = parent.file_name()?.to_str()?;
    (stem == "main" && parent.parent()? == Path::new("src/bin"))
        .then(|| (parent.to_path_buf(), name.to_string()))
}

/// A module file's directory for the modules it declares, and the module's name:
/// `src/cli/mod.rs` and `src/cli.rs` → (`src/cli`, `cli`); `src/lib.rs` → (`src`,
/// `lib`).
pub(super) fn module_dir(path: &Path) -> (PathBuf, String) {
    let parent = path.parent().unwrap_or(Path::new(""));
    let stem = path.file_stem().and_then(|s| s.to_str()).unwrap_or("");
    match stem {
        "mod" => {
            let name = parent.file_name().and_then(|n| n.to_str()).unwrap_or("");
            (parent.to_path_buf(), name.to_string())
        }
        "lib" | "main" => (parent.to_path_buf(), stem.to_string()),
        _ => (parent.join(stem), stem.to_string()),
    }
}

/// `x` for a file of `src/bin/x.rs` or `src/bin/x/**` ([`crate::extract::rust::facts::FileFacts::bin_crate`]).
pub(crate) fn bin_crate(path: &Path) -> Option<Box<str>> {
    let parts: Vec<&str> = path.iter().filter_map(|c| c.to_str()).collect();
    let at = parts.windows(2).rposition(|w| w == ["src", "bin"])?;
    let name = parts.get(at + 2)?;
    Some(name.strip_suffix(".rs").unwrap_or(name).into())
}
