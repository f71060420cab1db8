//! Discover stage: walk the given paths (gitignore-aware), apply include/exclude
//! globs, and keep the files resilint knows how to read.

use std::path::{Path, PathBuf};

use globset::{Glob, GlobSet, GlobSetBuilder};

use crate::rules::RuleError;

/// The kind of file, by extension; documents are classified by content later.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
pub enum FileKind {
    /// YAML or JSON configuration.
    Config,
    /// A Rust source file (`*.rs`).
    Rust,
    /// A Cargo manifest (`Cargo.toml`): read for the package's dependencies.
    Manifest,
    /// A Spring Boot `.properties` file (`application*.properties`, `bootstrap*.properties`).
    Properties,
}

#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord)]
pub struct Candidate {
    /// Path shown to users.
    pub display: String,
    pub path: PathBuf,
    pub kind: FileKind,
}

/// Directories never worth walking.
const SKIP_DIRS: &[&str] = &[".git", "target", "node_modules"];

/// Directories whose Rust files are tests, benchmarks or examples, skipped by default.
const RUST_TEST_DIRS: &[&str] = &["tests", "benches", "examples"];

pub fn file_kind(path: &Path) -> Option<FileKind> {
    if path.file_name().is_some_and(|n| n == "Cargo.toml") {
        return Some(FileKind::Manifest);
    }
    match path.extension()?.to_str()? {
        "yaml" | "yml" | "json" => Some(FileKind::Config),
        // Only Spring Boot's own files: other `.properties` files are not configuration
        // resilint knows (message bundles, Gradle settings).
        "properties" => path
            .file_name()?
            .to_str()
            .is_some_and(|n| n.starts_with("application") || n.starts_with("bootstrap"))
            .then_some(FileKind::Properties),
        "rs" => Some(FileKind::Rust),
        _ => None,
    }
}

/// Whether a Rust file sits below a `tests/`, `benches/` or `examples/` directory.
fn in_rust_test_dir(rel: &Path) -> bool {
    rel.parent().is_some_and(|dir| {
        dir.components()
            .any(|c| RUST_TEST_DIRS.iter().any(|d| c.as_os_str() == *d))
    })
}

fn globset(patterns: &[String], what: &str) -> Result<Option<GlobSet>, RuleError> {
    if patterns.is_empty() {
        return Ok(None);
    }
    let mut builder = GlobSetBuilder::new();
    for p in patterns {
        let glob = Glob::new(p).map_err(|e| RuleError {
            path: crate::config::FILE_NAME.into(),
            line: None,
            column: None,
            message: format!("bad {what} glob `{p}`: {e}"),
        })?;
        builder.add(glob);
    }
    builder.build().map(Some).map_err(|e| RuleError {
        path: crate::config::FILE_NAME.into(),
        line: None,
        column: None,
        message: format!("bad {what} globs: {e}"),
    })
}

/// How a path is shown: `/`-separated, relative to the working directory when below it.
pub fn display_path(path: &Path, cwd: &Path) -> String {
    let shown = if path.is_absolute() {
        path.strip_prefix(cwd).unwrap_or(path)
    } else {
        path
    };
    let text = shown.to_string_lossy().replace('\\', "/");
    text.strip_prefix("./").map(str::to_string).unwrap_or(text)
}

/// Every lintable file under `roots`, sorted by display path. Rust files below
/// `tests/`, `benches/` and `examples/` are kept only with `rust_test_dirs`.
pub fn discover(
    roots: &[PathBuf],
    include: &[String],
    exclude: &[String],
    rust_test_dirs: bool,
) -> Result<(Vec<Candidate>, Vec<crate::report::FileError>), RuleError> {
    let include = globset(include, "include")?;
    let exclude = globset(exclude, "exclude")?;
    let cwd = std::env::current_dir().unwrap_or_default();
    let mut found = Vec::new();
    let mut errors = Vec::new();
    for root in roots {
        let walker = ignore::WalkBuilder::new(root)
            .hidden(false)
            .git_ignore(true)
            .require_git(false)
            .filter_entry(|e| {
                !(e.file_type().is_some_and(|t| t.is_dir())
                    && e.depth() > 0
                    && SKIP_DIRS.iter().any(|d| e.file_name() == *d))
            })
            .build();
        for entry in walker {
            let entry = match entry {
                Ok(e) => e,
                Err(e) => {
                    errors.push(crate::report::FileError {
                        path: display_path(root, &cwd),
                        line: None,
                        column: None,
                        kind: crate::report::ErrorKind::Io,
                        message: e.to_string(),
                    });
                    continue;
                }
            };
            if !entry.file_type().is_some_and(|t| t.is_file()) {
                continue;
            }
            let path = entry.path();
            let Some(kind) = file_kind(path) else {
                continue;
            };
            let rel = path.strip_prefix(root).unwrap_or(path);
            if kind == FileKind::Rust && !rust_test_dirs && in_rust_test_dir(rel) {
                continue;
            }
            // A file named on the command line (depth 0) is linted whatever the globs say.
            let named = entry.depth() == 0;
            if !named
                && (include.as_ref().is_some_and(|g| !g.is_match(rel))
                    || exclude.as_ref().is_some_and(|g| g.is_match(rel)))
            {
                continue;
            }
            found.push(Candidate {
                display: display_path(path, &cwd),
                path: path.to_path_buf(),
                kind,
            });
        }
    }
    found.sort();
    found.dedup_by(|a, b| a.display == b.display);
    Ok((found, errors))
}
