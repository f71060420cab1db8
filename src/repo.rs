//! The repository a path belongs to: the boundary that the environment must not
//! cross. Config discovery stops at its root, `rule-dirs` stay inside it, and
//! ignore files above it are not applied ([`crate::discover`]).

use std::path::{Path, PathBuf};

/// The nearest directory at or above `dir` that holds `.git` (a directory, or the
/// file a worktree or submodule has instead), as an absolute, canonical path.
/// `None` when `dir` is in no repository.
pub fn root_of(dir: &Path) -> Option<PathBuf> {
    let dir = std::fs::canonicalize(dir).ok()?;
    let dir = if dir.is_file() {
        dir.parent()?.to_path_buf()
    } else {
        dir
    };
    dir.ancestors()
        .find(|d| d.join(".git").symlink_metadata().is_ok())
        .map(Path::to_path_buf)
}

/// The directory a path names, or the directory of the file it names, canonical
/// when it exists.
pub fn dir_of(path: &Path) -> PathBuf {
    let abs = std::fs::canonicalize(path).unwrap_or_else(|_| path.to_path_buf());
    if abs.is_dir() {
        abs
    } else {
        abs.parent().map(Path::to_path_buf).unwrap_or(abs)
    }
}

/// The boundary for a path: its repository root, or its own directory when it is
/// in no repository.
pub fn boundary_of(path: &Path) -> PathBuf {
    let dir = dir_of(path);
    root_of(&dir).unwrap_or(dir)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_root_is_the_nearest_directory_holding_git() {
        let tmp = tempfile::tempdir().unwrap();
        let repo = tmp.path().join("repo");
        std::fs::create_dir_all(repo.join(".git")).unwrap();
        std::fs::create_dir_all(repo.join("a/b")).unwrap();
        let root = root_of(&repo.join("a/b")).unwrap();
        assert_eq!(root, std::fs::canonicalize(&repo).unwrap());
        // A worktree has a `.git` file, not a directory.
        let wt = tmp.path().join("wt");
        std::fs::create_dir_all(&wt).unwrap();
        std::fs::write(wt.join(".git"), "gitdir: elsewhere\n").unwrap();
        assert_eq!(boundary_of(&wt), std::fs::canonicalize(&wt).unwrap());
    }
}
