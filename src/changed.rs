//! `check --changed-only FILE...`, the pre-commit mode: the repository's whole
//! configuration and the Rust packages the named files belong to are read, so
//! joins see everything (a VirtualService's DestinationRule in an unchanged file, a
//! route's handler in another file of its package), and only what is located in the
//! named files is reported. Other Rust packages are not read: a Rust file is only
//! ever judged with its own package, or the members of its workspace.
//!
//! The repository root is the directory of the nearest `resilint.toml` above the
//! first named file, else the root of its git work tree, else the working
//! directory. Coverage then counts only what was read, so coverage gates are not
//! checked in this mode: they belong to full runs (CI).

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

/// The indices in `files` of the files in `changed` (files that do not exist, e.g.
/// deleted ones, match nothing).
pub fn indices(files: &[SourceFile], changed: &[PathBuf]) -> HashSet<usize> {
    let canonical = |p: &Path| std::fs::canonicalize(p).ok();
    let wanted: HashSet<PathBuf> = changed.iter().filter_map(|p| canonical(p)).collect();
    // Only a file whose name is one of the changed files' can be one: the others
    // are not canonicalised (a system call each, on every file of the tree).
    let names: HashSet<&std::ffi::OsStr> = wanted.iter().filter_map(|p| p.file_name()).collect();
    files
        .iter()
        .enumerate()
        .filter(|(_, f)| f.path.file_name().is_some_and(|n| names.contains(n)))
        .filter(|(_, f)| canonical(&f.path).is_some_and(|p| wanted.contains(&p)))
        .map(|(i, _)| i)
        .collect()
}

/// The display paths of the files in `changed` (see [`indices`]).
pub fn shown(files: &[SourceFile], changed: &[PathBuf]) -> HashSet<String> {
    indices(files, changed)
        .into_iter()
        .map(|i| files[i].display.clone())
        .collect()
}

/// Keeps in the report only what is located in the `shown` files.
pub fn keep_only(report: &mut Report, shown: &HashSet<String>) {
    report.findings.retain(|f| shown.contains(&f.location.path));
    report.errors.retain(|e| shown.contains(&e.path));
    report.ignore_problems.retain(|p| shown.contains(&p.path));
    report
        .ignored
        .retain(|i| shown.contains(&i.finding.location.path));
    report.subjects.retain(|s| shown.contains(&s.path));
    report
        .unresolved
        .retain(|u| shown.contains(&u.location.path));
}

/// The package (directory of the nearest `Cargo.toml`, canonical) a file belongs
/// to, or the workspace it is a member of (the nearest directory above whose
/// `Cargo.toml` has a `[workspace]` table): routes link across a workspace's members
/// (an app in one, its routes in another), so its packages are read together. `None`
/// outside any package. `cache` is keyed by the file's directory.
fn package_of(
    path: &Path,
    cache: &mut std::collections::HashMap<PathBuf, Option<PathBuf>>,
) -> Option<PathBuf> {
    let dir = path.parent().map(Path::to_path_buf).unwrap_or_default();
    if let Some(found) = cache.get(&dir) {
        return found.clone();
    }
    let canonical = std::fs::canonicalize(&dir).unwrap_or_else(|_| dir.clone());
    let package = canonical
        .ancestors()
        .find(|d| d.join("Cargo.toml").is_file());
    let workspace = package.and_then(|p| {
        p.ancestors().find(|d| {
            std::fs::read_to_string(d.join("Cargo.toml"))
                .is_ok_and(|t| t.lines().any(|l| l.trim() == "[workspace]"))
        })
    });
    let found = workspace.or(package).map(Path::to_path_buf);
    cache.insert(dir, found.clone());
    found
}

/// The candidates of a `--changed-only` run: every configuration file (any may be
/// joined with a changed one), and the Rust files and manifests of the packages the
/// changed files belong to (a Rust file is judged with its own package, or its
/// workspace, only).
pub fn restrict_rust(
    candidates: Vec<crate::discover::Candidate>,
    changed: &[PathBuf],
) -> Vec<crate::discover::Candidate> {
    use crate::discover::FileKind;
    let mut cache = std::collections::HashMap::new();
    let packages: HashSet<Option<PathBuf>> = changed
        .iter()
        .filter(|p| p.is_file())
        .map(|p| package_of(p, &mut cache))
        .collect();
    candidates
        .into_iter()
        .filter(|c| match c.kind {
            FileKind::Rust | FileKind::Manifest => {
                packages.contains(&package_of(&c.path, &mut cache))
            }
            _ => true,
        })
        .collect()
}
