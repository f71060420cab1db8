//! Which package each `.rs` file of a run is in, and what its workspace's root
//! manifest says of the package: the steps of [`super::Extractor::new`].

use std::collections::{HashMap, HashSet};
use std::path::{Path, PathBuf};

use crate::discover::{Candidate, FileKind};
use crate::extract::rust::front::deps::WorkspaceRoot;
use crate::extract::rust::{read_deps, test_files, Deps};
use crate::report::FileError;

/// A run's packages: (manifest path, dependencies when it parses).
type PackageList = Vec<(PathBuf, Option<Deps>)>;

/// Assigns each `.rs` candidate its package, the nearest `Cargo.toml` upward (looked
/// for once per directory), reading each package's dependencies once: the packages,
/// and per candidate the index of its own among them.
pub(super) fn assign_packages(
    candidates: &[Candidate],
    manifest_at: &HashMap<&Path, usize>,
    manifests: &HashMap<usize, Result<String, FileError>>,
) -> (PackageList, Vec<Option<usize>>) {
    let deps_of = |m: &Path| match manifest_at.get(m).map(|i| &manifests[i]) {
        Some(Ok(text)) => read_deps(text).ok(),
        _ => std::fs::read_to_string(m)
            .ok()
            .and_then(|t| read_deps(&t).ok()),
    };
    let mut by_dir: HashMap<PathBuf, Option<usize>> = HashMap::new();
    let mut packages: PackageList = Vec::new();
    let mut package_of = Vec::with_capacity(candidates.len());
    for c in candidates {
        if c.kind != FileKind::Rust {
            package_of.push(None);
            continue;
        }
        let dir = c.path.parent().map(Path::to_path_buf).unwrap_or_default();
        let found = *by_dir.entry(dir).or_insert_with_key(|dir| {
            let manifest = dir
                .ancestors()
                .map(|d| d.join("Cargo.toml"))
                .find(|p| manifest_at.contains_key(p.as_path()) || p.is_file());
            manifest.map(|m| {
                packages
                    .iter()
                    .position(|(p, _)| *p == m)
                    .unwrap_or_else(|| {
                        let deps = deps_of(&m);
                        packages.push((m, deps));
                        packages.len() - 1
                    })
            })
        });
        package_of.push(found);
    }
    (packages, package_of)
}

/// The workspace root of the package whose manifest is `m`: the nearest manifest
/// upward among the run's with a `[workspace]` (maybe its own), with its text.
pub(super) fn workspace_root<'m>(
    m: &Path,
    manifest_at: &HashMap<&Path, usize>,
    manifests: &'m HashMap<usize, Result<String, FileError>>,
) -> Option<(PathBuf, &'m String)> {
    let dir = m.parent().unwrap_or(Path::new(""));
    (dir.ancestors().map(|d| d.join("Cargo.toml"))).find_map(|r| {
        let text = manifest_at.get(r.as_path()).map(|i| &manifests[i])?;
        let text = text.as_ref().ok().filter(|t| t.contains("[workspace]"))?;
        Some((r, text))
    })
}

/// Gives each package what it inherits from its workspace's root, and marks the
/// root's listed members that are the workspace's own shared code: a member's
/// `publish` and renamed dependencies are written in the root, not in its manifest.
pub(super) fn inherit_from_roots(
    packages: &mut [(PathBuf, Option<Deps>)],
    package_roots: &[Option<(PathBuf, &String)>],
    roots: &HashMap<&Path, Option<WorkspaceRoot>>,
) {
    // The packages some package of the run depends on by path or from its workspace.
    let used: HashSet<String> = (packages.iter().filter_map(|(_, d)| d.as_ref()))
        .flat_map(|d| d.path_deps.iter().chain(&d.workspace_deps).cloned())
        .collect();
    for ((manifest, deps), root) in packages.iter_mut().zip(package_roots) {
        let (Some(deps), Some((path, _))) = (deps.as_mut(), root) else {
            continue;
        };
        let Some(Some(root)) = roots.get(path.as_path()) else {
            continue;
        };
        if deps.publish_inherited || !deps.workspace_deps.is_empty() {
            deps.inherit(root);
        }
        // A member the root lists that cannot go to crates.io, though it inherits
        // nothing from it (quadratic-rust-shared: no description), and that other
        // packages of the run use: the workspace's own shared code. One nothing
        // here uses may be another repository's git dependency (blockscout-rs's
        // `libs/blockscout-auth`, which other Blockscout services import), unless
        // it ships a binary: a program, whose library serves its binary and tests
        // (archgw's `brightstaff`).
        let used_here =
            deps.own_name().is_some_and(|n| used.contains(n)) || has_binary(manifest, Some(deps));
        let dir = manifest.parent().unwrap_or(Path::new(""));
        let rel = dir.strip_prefix(path.parent().unwrap_or(Path::new("")));
        let listed = |rel: &Path| {
            !rel.as_os_str().is_empty() && (root.membership.as_ref()).is_some_and(|m| m.lists(rel))
        };
        if deps.unpublishable && used_here && rel.is_ok_and(listed) {
            deps.unpublished_member = true;
        }
    }
}

/// Marks the programs that are their own workspace: a package with no `[workspace]`
/// above it among the run's manifests, that cannot be published, ships a binary and
/// that another package of the run depends on by path (ztunnel, whose library only
/// its binary, tests and `fuzz` package use). Its callers are all in the run, as an
/// unpublished member's are when the run holds its workspace's root. Per package:
/// whether it was so marked. Every unpublishable program of its own is a
/// [`Deps::standalone_program`], used here or not.
pub(super) fn own_workspace_programs(
    packages: &mut [(PathBuf, Option<Deps>)],
    package_roots: &[Option<(PathBuf, &String)>],
) -> Vec<bool> {
    let used: HashSet<String> = (packages.iter().filter_map(|(_, d)| d.as_ref()))
        .flat_map(|d| d.path_deps.iter().cloned())
        .collect();
    let mut out = vec![false; packages.len()];
    for (((manifest, deps), root), marked) in packages.iter_mut().zip(package_roots).zip(&mut out) {
        let Some(deps) = deps.as_mut().filter(|_| root.is_none()) else {
            continue;
        };
        let used_here = deps.own_name().is_some_and(|n| used.contains(n));
        if deps.unpublishable && !deps.host_loaded && has_binary(manifest, Some(deps)) {
            deps.unpublished_member = used_here;
            deps.standalone_program = true;
            *marked = used_here;
        }
    }
    out
}

/// Marks the members of a workspace the run holds that a program of the workspace is
/// built from ([`Deps::app_component`]): the packages that ship a binary, and every
/// package of the same workspace they depend on by path or from the workspace,
/// directly or through others (deep-algo's `algo-trade-data`, which its `cli` uses: a library
/// with a description and a license, publishable, whose constructors nothing calls).
/// A workspace of libraries alone (an SDK and its helpers) has no program: its public
/// functions are its users' to call, and stay judged. Nor is a package left out like
/// tests (`test_support`) a program: hyperswitch's SDK, which only its smoke test
/// drives, is its users'.
pub(super) fn app_components(
    packages: &mut [(PathBuf, Option<Deps>)],
    package_roots: &[Option<(PathBuf, &String)>],
    test_support: &[bool],
) {
    // By workspace root and name: two workspaces of a run may each have a `common`.
    let root_of = |i: usize| package_roots[i].as_ref().map(|(r, _)| r.as_path());
    let index: HashMap<(Option<&Path>, &str), usize> = (packages.iter().enumerate())
        .filter_map(|(i, (_, d))| Some(((root_of(i), d.as_ref()?.own_name()?), i)))
        .collect();
    let mut marked = vec![false; packages.len()];
    let mut stack: Vec<usize> = (packages.iter().enumerate())
        .filter(|(i, (m, d))| !test_support[*i] && has_binary(m, d.as_ref()))
        .map(|(i, _)| i)
        .collect();
    while let Some(i) = stack.pop() {
        if std::mem::replace(&mut marked[i], true) {
            continue;
        }
        let Some(deps) = &packages[i].1 else { continue };
        let local = deps.path_deps.iter().chain(&deps.workspace_deps);
        let next = local.filter_map(|p| index.get(&(root_of(i), p.as_str())));
        stack.extend(next.filter(|&&j| !marked[j] && !test_support[j]));
    }
    for (((_, deps), root), marked) in packages.iter_mut().zip(package_roots).zip(marked) {
        if let Some(deps) = deps.as_mut().filter(|_| marked && root.is_some()) {
            deps.app_component = true;
        }
    }
}

/// Whether the package of manifest `m` ships a binary: a `[[bin]]`, `src/main.rs` or
/// `src/bin/`.
fn has_binary(m: &Path, deps: Option<&Deps>) -> bool {
    let dir = m.parent().unwrap_or(Path::new(""));
    deps.is_some_and(|d| !d.bin_paths.is_empty())
        || dir.join("src/main.rs").is_file()
        || dir.join("src/bin").is_dir()
}

/// Per package: whether it is left out like tests, as test support
/// ([`test_files::test_support`]), developer tooling ([`test_files::dev_tooling`]) or
/// a package its workspace does not build ([`outside_members`]).
pub(super) fn package_test_support(
    packages: &[(PathBuf, Option<Deps>)],
    package_roots: &[Option<(PathBuf, &String)>],
    roots: &HashMap<&Path, Option<WorkspaceRoot>>,
) -> Vec<bool> {
    let has_library = |m: &Path, d: Option<&Deps>| {
        let dir = m.parent().unwrap_or(Path::new(""));
        d.is_some_and(|d| d.lib_path.is_some()) || dir.join("src/lib.rs").is_file()
    };
    let (binary, library): (Vec<bool>, Vec<bool>) = packages
        .iter()
        .map(|(m, d)| (has_binary(m, d.as_ref()), has_library(m, d.as_ref())))
        .unzip();
    let in_test_dir = test_files::in_test_dirs(packages.iter().map(|(m, _)| m.as_path()));
    let mut test_support = test_files::test_support(
        packages.iter().map(|(_, d)| d.as_ref()),
        &binary,
        &library,
        &in_test_dir,
    );
    let left_out = outside_members(packages, package_roots, roots);
    for ((support, (_, deps)), out) in test_support.iter_mut().zip(packages).zip(left_out) {
        *support |= test_files::dev_tooling(deps.as_ref()) || out;
    }
    test_support
}

/// Per package: whether its workspace leaves it out. A package below a workspace's
/// root that the root's `members` do not list (or `exclude` lists), and that no member
/// depends on (a path dependency inside the workspace is a member, and so are its
/// own, transitively), is not built: cargo refuses it while it believes it is in the
/// workspace (zaino's `zaino-wallet`, commented out of `members` and of its one
/// user's dependencies). Its code, like a test-support package's, is neither judged
/// nor counted.
fn outside_members(
    packages: &[(PathBuf, Option<Deps>)],
    package_roots: &[Option<(PathBuf, &String)>],
    roots: &HashMap<&Path, Option<WorkspaceRoot>>,
) -> Vec<bool> {
    // `None`: no workspace lists members above it; `Some(listed)` otherwise.
    let mut kept: Vec<Option<bool>> = packages
        .iter()
        .zip(package_roots)
        .map(|((manifest, _), root)| {
            let (root, _) = root.as_ref()?;
            if root == manifest {
                return None;
            }
            let membership = roots.get(root.as_path())?.as_ref()?.membership.as_ref()?;
            let (dir, top) = (manifest.parent()?, root.parent()?);
            Some(membership.lists(dir.strip_prefix(top).unwrap_or(dir)))
        })
        .collect();
    // Members' dependencies are members: rounds until none is added.
    loop {
        let mut added = false;
        for i in 0..packages.len() {
            if kept[i] != Some(false) {
                continue;
            }
            let Some(name) = packages[i].1.as_ref().and_then(Deps::own_name) else {
                kept[i] = None;
                continue;
            };
            let used = packages.iter().zip(&kept).any(|((_, d), k)| {
                *k != Some(false) && d.as_ref().is_some_and(|d| d.depends_on(name))
            });
            if used {
                kept[i] = Some(true);
                added = true;
            }
        }
        if !added {
            break;
        }
    }
    kept.into_iter().map(|k| k == Some(false)).collect()
}
