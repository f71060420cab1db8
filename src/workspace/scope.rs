//! Deployment scopes: which files are deployed together, so that a join never
//! resolves across them (a DestinationRule in `envs/dev` does not cover a
//! VirtualService in `envs/prod`).
//!
//! A file's scope is its nearest ancestor directory (below the linted path) that is a
//! scope root: a kustomization (a directory holding `kustomization.yaml`,
//! `kustomization.yml` or `Kustomization`) or a directory matched by a `scopes` glob
//! of `resilint.toml` (default [`DEFAULT_SCOPES`]; a glob matches at any depth).
//! Files under no scope root are shared by everything: they resolve from every
//! scope, as they did before scopes existed. A kustomization's `resources`, `bases`
//! and `components` that are directories are included in its scope, transitively, so a
//! base shared by overlays is visible from each overlay; the base itself sees only its
//! own files, those it includes, and the shared ones.

use std::collections::HashMap;
use std::path::{Component, Path, PathBuf};

use globset::{GlobBuilder, GlobSet, GlobSetBuilder};

use crate::source::SourceFile;
use crate::tree::Node;

/// Environment directories that are scopes unless `resilint.toml` sets `scopes`.
pub const DEFAULT_SCOPES: [&str; 4] = ["envs/*", "environments/*", "overlays/*", "clusters/*"];

const KUSTOMIZATION_FILES: [&str; 3] = ["kustomization.yaml", "kustomization.yml", "Kustomization"];

/// Every file's scope and which scopes each one sees.
#[derive(Debug, Default)]
pub struct Scopes {
    /// Scope root directories, by scope id.
    roots: Vec<String>,
    /// Per file: its scope id, `None` when shared.
    of_file: Vec<Option<usize>>,
    /// Per scope: the scopes it includes (itself excepted), sorted.
    includes: Vec<Vec<usize>>,
}

/// Compiles `scopes` globs; the error names the bad glob.
pub fn compile(patterns: &[String]) -> Result<GlobSet, String> {
    let mut set = GlobSetBuilder::new();
    for p in patterns {
        let anywhere = if p.starts_with('/') || p.starts_with("**") {
            p.trim_start_matches('/').to_string()
        } else {
            format!("**/{}", p.trim_end_matches('/'))
        };
        let glob = GlobBuilder::new(&anywhere)
            .literal_separator(true)
            .build()
            .map_err(|e| format!("bad glob `{p}` in `scopes`: {e}"))?;
        set.add(glob);
    }
    set.build().map_err(|e| e.to_string())
}

/// Lexical normalisation: `a/b/../c` is `a/c` (kustomize paths are relative and lexical).
fn normalise(path: &Path) -> PathBuf {
    let mut out = PathBuf::new();
    for c in path.components() {
        match c {
            Component::CurDir => {}
            Component::ParentDir => {
                if !out.pop() {
                    out.push("..");
                }
            }
            other => out.push(other),
        }
    }
    out
}

fn kustomization(dir: &Path) -> Option<PathBuf> {
    KUSTOMIZATION_FILES
        .iter()
        .map(|f| dir.join(f))
        .find(|p| p.is_file())
}

/// The directories a kustomization includes (`resources`, `bases`, `components`).
fn included_dirs(dir: &Path, file: &Path) -> Vec<PathBuf> {
    let Ok(text) = std::fs::read_to_string(file) else {
        return Vec::new();
    };
    let parsed = crate::load::yaml::parse(&text);
    let mut out = Vec::new();
    for doc in &parsed.docs {
        for key in ["resources", "bases", "components"] {
            let entries = doc.root.get(key).and_then(Node::as_seq).unwrap_or(&[]);
            for entry in entries.iter().filter_map(Node::as_str) {
                let path = normalise(&dir.join(entry));
                if !entry.contains("://") && path.is_dir() {
                    out.push(path);
                }
            }
        }
    }
    out
}

struct Builder<'g> {
    globs: &'g GlobSet,
    /// Directory → its nearest scope root (`None`: no root at or above it).
    dir_root: HashMap<PathBuf, Option<usize>>,
    roots: Vec<PathBuf>,
}

impl Builder<'_> {
    fn is_root(&self, dir: &Path) -> bool {
        let text = dir.to_string_lossy().replace('\\', "/");
        (!text.is_empty() && self.globs.is_match(&text)) || kustomization(dir).is_some()
    }

    fn root_of_dir(&mut self, dir: &Path) -> Option<usize> {
        if let Some(found) = self.dir_root.get(dir) {
            return *found;
        }
        let found = if self.is_root(dir) {
            self.roots.push(dir.to_path_buf());
            Some(self.roots.len() - 1)
        } else {
            match dir.parent() {
                Some(parent) if !dir.as_os_str().is_empty() => self.root_of_dir(parent),
                _ => None,
            }
        };
        self.dir_root.insert(dir.to_path_buf(), found);
        found
    }
}

impl Scopes {
    /// Scopes of `files` (by their paths) with the `scopes` globs.
    pub fn compute(files: &[SourceFile], globs: &GlobSet) -> Scopes {
        let mut b = Builder {
            globs,
            dir_root: HashMap::new(),
            roots: Vec::new(),
        };
        let of_file: Vec<Option<usize>> = files
            .iter()
            .map(|f| {
                let dir = normalise(f.path.parent().unwrap_or(Path::new("")));
                b.root_of_dir(&dir)
            })
            .collect();
        // Direct inclusions of each kustomization root, then their closure.
        let direct: Vec<Vec<usize>> = (0..b.roots.len())
            .map(|i| {
                let root = b.roots[i].clone();
                let Some(file) = kustomization(&root) else {
                    return Vec::new();
                };
                included_dirs(&root, &file)
                    .iter()
                    .filter_map(|d| b.root_of_dir(d))
                    .filter(|&s| s != i)
                    .collect()
            })
            .collect();
        let includes = (0..b.roots.len())
            .map(|i| {
                let mut seen = vec![false; b.roots.len()];
                let mut stack = vec![i];
                while let Some(s) = stack.pop() {
                    for &t in direct.get(s).into_iter().flatten() {
                        if !seen[t] {
                            seen[t] = true;
                            stack.push(t);
                        }
                    }
                }
                (0..seen.len()).filter(|&t| seen[t] && t != i).collect()
            })
            .collect();
        Scopes {
            roots: b
                .roots
                .iter()
                .map(|r| r.to_string_lossy().replace('\\', "/"))
                .collect(),
            of_file,
            includes,
        }
    }

    pub fn visible(&self, from: usize, to: usize) -> bool {
        let target = self.of_file.get(to).copied().flatten();
        let subject = self.of_file.get(from).copied().flatten();
        match (subject, target) {
            (_, None) => true,
            (Some(s), Some(t)) => s == t || self.includes[s].binary_search(&t).is_ok(),
            (None, Some(_)) => false,
        }
    }

    pub fn root_of(&self, file: usize) -> Option<&str> {
        let id = self.of_file.get(file).copied().flatten()?;
        Some(&self.roots[id])
    }
}

#[cfg(test)]
mod tests {
    use super::{compile, normalise, Scopes, DEFAULT_SCOPES};
    use crate::source::SourceFile;
    use std::path::Path;

    fn file(path: &str) -> SourceFile {
        SourceFile::new(path.into(), path.into(), String::new())
    }

    #[test]
    fn environment_directories_are_separate_scopes_and_shared_files_are_seen_by_all() {
        let globs = compile(&DEFAULT_SCOPES.map(String::from)).unwrap();
        let files = [
            file("repo/envs/dev/vs.yaml"),
            file("repo/envs/dev/sub/dr.yaml"),
            file("repo/envs/prod/vs.yaml"),
            file("repo/common/dr.yaml"),
        ];
        let s = Scopes::compute(&files, &globs);
        assert_eq!(s.root_of(1), Some("repo/envs/dev"));
        assert!(s.visible(0, 1));
        assert!(!s.visible(2, 1), "prod must not see dev");
        assert!(s.visible(2, 3) && s.visible(0, 3));
        assert!(
            !s.visible(3, 0),
            "a shared file does not see into an environment"
        );
    }

    #[test]
    fn kustomize_paths_normalise_lexically() {
        assert_eq!(
            normalise(Path::new("a/overlays/dev/../../base")),
            Path::new("a/base")
        );
    }

    #[test]
    fn a_bad_glob_is_an_error_naming_it() {
        let err = compile(&["envs/[".to_string()]).unwrap_err();
        assert!(err.contains("envs/["), "{err}");
    }
}
