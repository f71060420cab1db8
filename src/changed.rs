//! `check --changed-only FILE...`, the pre-commit mode: the whole repository is
//! read, so joins see everything (a VirtualService's DestinationRule in an
//! unchanged file, a route's handler in another file of its package), and only
//! what is located in the named files is reported.
//!
//! The repository root is the directory of the nearest `resilint.toml` above the
//! first named file, else the root of its git work tree, else the working
//! directory. Coverage and gates stay those of the whole repository.

use std::collections::HashSet;
use std::path::{Path, PathBuf};

use crate::report::Report;
use crate::source::SourceFile;

/// The directory to lint for changes to `files`.
pub fn root(files: &[PathBuf]) -> PathBuf {
    let cwd = std::env::current_dir().unwrap_or_default();
    let start = files
        .first()
        .map(|f| cwd.join(f))
        .and_then(|f| f.parent().map(Path::to_path_buf))
        .unwrap_or_else(|| cwd.clone());
    let start = std::fs::canonicalize(&start).unwrap_or(start);
    let found = start
        .ancestors()
        .find(|d| d.join(crate::config::FILE_NAME).is_file())
        .or_else(|| start.ancestors().find(|d| d.join(".git").exists()))
        .map(Path::to_path_buf);
    let root = found.unwrap_or_else(|| cwd.clone());
    // Below or at the working directory, a relative path keeps the usual display paths.
    let cwd = std::fs::canonicalize(&cwd).unwrap_or(cwd);
    match root.strip_prefix(&cwd) {
        Ok(rel) if rel.as_os_str().is_empty() => PathBuf::from("."),
        Ok(rel) => rel.to_path_buf(),
        Err(_) => root,
    }
}

/// Keeps in the report only what is located in one of `changed` (files that do not
/// exist, e.g. deleted ones, match nothing).
pub fn keep_only(report: &mut Report, files: &[SourceFile], changed: &[PathBuf]) {
    let canonical = |p: &Path| std::fs::canonicalize(p).ok();
    let wanted: HashSet<PathBuf> = changed.iter().filter_map(|p| canonical(p)).collect();
    let shown: HashSet<&str> = files
        .iter()
        .filter(|f| canonical(&f.path).is_some_and(|p| wanted.contains(&p)))
        .map(|f| f.display.as_str())
        .collect();
    report
        .findings
        .retain(|f| shown.contains(f.location.path.as_str()));
    report.errors.retain(|e| shown.contains(e.path.as_str()));
    report
        .ignore_problems
        .retain(|p| shown.contains(p.path.as_str()));
    report
        .ignored
        .retain(|i| shown.contains(i.finding.location.path.as_str()));
    report.subjects.retain(|s| shown.contains(s.path.as_str()));
}
