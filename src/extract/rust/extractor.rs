//! The Rust extractor as the engine sees it ([`crate::extract::Source::Rust`]): it
//! finds each `.rs` file's package among the manifests discovery found (each read
//! once), summarises one file inside its worker, tells which files are out-of-line
//! test modules before they are parsed, and links facts per package into documents.

use std::collections::{BTreeMap, HashMap, HashSet};
use std::path::{Path, PathBuf};

use rayon::prelude::*;

use super::clients::workspace::LibraryReach;
use super::clients::{dead, dead_paths, dead_types, test_only};
use super::front::deps::WorkspaceRoot;
use super::front::target::{WASM_CODE, WASM_MODULE};
use super::{link, read_deps, summarize, test_files, Catalog, Ctx, Deps, FileFacts};
use crate::discover::{Candidate, FileKind};
use crate::load::Document;
use crate::report::{ErrorKind, FileError};
use crate::source::SourceFile;

mod packages;

use packages::{
    app_components, assign_packages, inherit_from_roots, own_workspace_programs,
    package_test_support, workspace_root,
};

/// What Rust files need besides their text: the catalogue, and the package (nearest
/// `Cargo.toml` upward) of each candidate with its dependencies.
pub struct Extractor {
    pub catalog: Catalog,
    /// (manifest path, dependencies when it parses).
    packages: Vec<(PathBuf, Option<Deps>)>,
    /// Per package: [`Deps::fingerprint`] (0 when its manifest does not parse).
    fingerprints: Vec<u64>,
    /// Per candidate: index into `packages`.
    package_of: Vec<Option<usize>>,
    /// The text of each discovered manifest (by candidate index), read once here and
    /// handed to its own load step.
    manifests: HashMap<usize, Result<String, FileError>>,
    /// Per package: test support ([`test_files::test_support`]) or developer tooling
    /// ([`test_files::dev_tooling`]), left out like tests.
    test_support: Vec<bool>,
    /// Per package: the run holds its workspace's root manifest (or its own, when it
    /// is one), so every caller its workspace can have is in the run.
    whole_workspace: Vec<bool>,
    /// Link the routes (`routes[*]` of the documents): only the idempotency rules read
    /// them, and a run none of whose rules does skips the routes link (6% of the
    /// instructions of a run on vaultwarden, a service full of handlers). Set by
    /// [`Extractor::link_routes`].
    routes: bool,
}

/// A package's files with their facts (package file index → candidate index).
pub type Package = Vec<(usize, FileFacts)>;

/// A package as the link steps read it: its dependencies, and its files' facts.
type PackageRef<'p> = (Option<&'p Deps>, &'p [(usize, FileFacts)]);

impl Extractor {
    /// Reads the manifests among `candidates` with `read` and assigns each `.rs` file
    /// its package. Manifests come from the files discovery found; one outside the walk
    /// (a single `.rs` file named on the command line) is still looked for upward.
    pub fn new(
        candidates: &[Candidate],
        catalog: Catalog,
        read: impl Fn(&Candidate) -> Result<String, FileError>,
    ) -> Self {
        let manifest_at: HashMap<&Path, usize> = candidates
            .iter()
            .enumerate()
            .filter(|(_, c)| c.kind == FileKind::Manifest)
            .map(|(i, c)| (c.path.as_path(), i))
            .collect();
        let manifests: HashMap<usize, Result<String, FileError>> = manifest_at
            .values()
            .map(|&i| (i, read(&candidates[i])))
            .collect();
        let (mut packages, package_of) = assign_packages(candidates, &manifest_at, &manifests);
        // Each package's workspace root among the run's manifests (the nearest one
        // upward with a `[workspace]`, maybe its own), and what members inherit from
        // it: `publish` (si's members say `publish.workspace = true` under `publish =
        // false`) and the packages behind renamed workspace dependencies.
        let package_roots: Vec<_> = (packages.iter())
            .map(|(m, _)| workspace_root(m, &manifest_at, &manifests))
            .collect();
        // Each root read once, for what members inherit and for who is a member.
        let mut roots: HashMap<&Path, Option<WorkspaceRoot>> = HashMap::new();
        for (path, text) in package_roots.iter().flatten() {
            roots
                .entry(path.as_path())
                .or_insert_with(|| WorkspaceRoot::read(text));
        }
        inherit_from_roots(&mut packages, &package_roots, &roots);
        let own = own_workspace_programs(&mut packages, &package_roots);
        let whole_workspace = (package_roots.iter().zip(own))
            .map(|(root, own)| root.is_some() || own)
            .collect();
        let fingerprints = packages
            .iter()
            .map(|(_, deps)| deps.as_ref().map_or(0, Deps::fingerprint))
            .collect();
        let test_support = package_test_support(&packages, &package_roots, &roots);
        app_components(&mut packages, &package_roots, &test_support);
        Extractor {
            catalog,
            test_support,
            whole_workspace,
            packages,
            fingerprints,
            package_of,
            manifests,
            routes: true,
        }
    }

    /// Whether the documents get their `routes` (see [`Extractor::routes`]).
    pub fn link_routes(&mut self, routes: bool) {
        self.routes = routes;
    }

    /// The [`Deps::fingerprint`] of the package of candidate `index` (0 outside any
    /// package or when its manifest does not parse): a Rust file's facts depend on it.
    pub fn deps_fingerprint(&self, index: usize) -> u64 {
        self.package_of
            .get(index)
            .copied()
            .flatten()
            .map_or(0, |p| self.fingerprints[p])
    }

    /// The text of candidate `index` when it is a manifest (read once, in [`Self::new`]).
    pub fn manifest_text(&self, index: usize) -> Option<Result<String, FileError>> {
        self.manifests.get(&index).cloned()
    }

    /// Loads candidate `index` (a `.rs` file or a manifest): the facts of a `.rs`
    /// file, nothing for a manifest whose dependencies parse.
    pub fn load(
        &self,
        index: usize,
        kind: FileKind,
        source: &SourceFile,
        max_tokens: usize,
    ) -> Result<Option<FileFacts>, FileError> {
        if kind == FileKind::Manifest {
            return match read_deps(&source.text) {
                Ok(_) => Ok(None),
                Err(e) => {
                    let pos = e.span().map(|s| source.line_col(s.start));
                    Err(FileError {
                        path: source.display.clone(),
                        line: pos.map(|p| p.line),
                        column: pos.map(|p| p.column),
                        kind: ErrorKind::Parse,
                        message: format!("Cargo.toml: {}", e.message()),
                    })
                }
            };
        }
        let deps = self.package_of[index].and_then(|p| self.packages[p].1.as_ref());
        let ctx = Ctx {
            catalog: &self.catalog,
            deps,
            max_tokens,
        };
        summarize(source, &ctx).map(Some)
    }

    /// The candidates (by index) that may be out-of-line test modules, from the texts
    /// of the `.rs` files (`texts[i]` is candidate `i`'s). They are loaded last, once
    /// the facts of the files that declare them say whether they are test code.
    /// A file the cache took without reading it has `None`: it was cached with
    /// [`Self::may_declare_test_modules`] false.
    pub fn suspects(candidates: &[Candidate], texts: &[Option<&str>]) -> HashSet<usize> {
        let paths = test_files::suspects(
            candidates
                .iter()
                .zip(texts)
                .filter(|(c, _)| c.kind == FileKind::Rust)
                .filter_map(|(c, t)| Some((c.path.as_path(), (*t)?))),
        );
        candidates
            .iter()
            .enumerate()
            .filter(|(_, c)| c.kind == FileKind::Rust && Self::in_test_module(&c.path, &paths))
            .map(|(i, _)| i)
            .collect()
    }

    /// Whether a `.rs` file's text may declare out-of-line test modules, which
    /// [`Self::suspects`] must then see (the per-file cache reads such a file even
    /// when its `stat` vouches for its cached facts).
    pub fn may_declare_test_modules(text: &str) -> bool {
        !test_files::declared_test_mods(text).is_empty()
    }

    /// Whether file `i` (at `path`) is its package's build script, `build.rs` beside
    /// the manifest: it runs when the package compiles, not in the service (SQLPage's
    /// retried download of front-end assets), so it is left out as a test is, and its
    /// calls count as a test's.
    fn build_script(&self, i: usize, path: &Path) -> bool {
        path.file_name().is_some_and(|n| n == "build.rs")
            && self.package_of[i].is_some_and(|p| self.packages[p].0.parent() == path.parent())
    }

    /// Whether file `i` (at `path`) is a developer's target its manifest declares at a
    /// path of its own ([`Deps::dev_target_paths`]: a `[[bench]]`, `[[test]]` or
    /// `[[example]]` outside the conventional folders), or a module file below one, or
    /// a binary named a load test or a benchmark ([`test_files::dev_binary`]): code a
    /// developer runs by hand, never the program, left out as a test is.
    fn dev_target(&self, i: usize, path: &Path) -> bool {
        let Some(p) = self.package_of[i] else {
            return false;
        };
        if test_files::dev_binary(path) {
            return true;
        }
        let (manifest, Some(deps)) = &self.packages[p] else {
            return false;
        };
        if deps.dev_target_paths.is_empty() {
            return false;
        }
        let dir = manifest.parent().unwrap_or(Path::new(""));
        let roots: HashSet<PathBuf> = deps.dev_target_paths.iter().map(|t| dir.join(t)).collect();
        test_files::within(path, &roots)
    }

    /// The files of the run no module declaration of their package reaches
    /// ([`super::modules`]): not compiled, so left out.
    fn undeclared(
        &self,
        facts: &[(usize, FileFacts)],
        candidates: &[Candidate],
    ) -> HashSet<PathBuf> {
        let mut by_package: BTreeMap<usize, Vec<(&Path, &super::modules::Declared)>> =
            BTreeMap::new();
        for (i, f) in facts {
            if let Some(p) = self.package_of[*i] {
                by_package
                    .entry(p)
                    .or_default()
                    .push((candidates[*i].path.as_path(), &f.declared));
            }
        }
        let mut out = HashSet::new();
        for (p, files) in by_package {
            let (manifest, deps) = &self.packages[p];
            let dir = manifest.parent().unwrap_or(Path::new(""));
            let found = super::modules::undeclared(dir, deps.as_ref(), &files);
            out.extend(found.into_iter().map(Path::to_path_buf));
        }
        out
    }

    /// The files the given facts declare as out-of-line `#[cfg(test)]` modules.
    pub fn test_files<'f>(facts: impl Iterator<Item = &'f FileFacts>) -> HashSet<PathBuf> {
        facts.flat_map(|f| f.test_files.iter().cloned()).collect()
    }

    /// Whether `path` is test code by its place in the module tree: one of the test
    /// module files `test_files` or a file below one ([`test_files::within`]).
    pub fn in_test_module(path: &Path, test_files: &HashSet<PathBuf>) -> bool {
        test_files::within(path, test_files)
    }

    /// Links the facts of every `.rs` file (candidate index, facts) per package
    /// (files without a manifest form one group), test modules left out, into one
    /// document per file that has something to judge.
    pub fn link(&self, facts: Vec<(usize, FileFacts)>, candidates: &[Candidate]) -> Vec<Document> {
        let (by_package, tests, test_files) = self.group(facts, candidates);
        // Routes link across packages (an app in one workspace member, its routes and
        // middleware in others); everything else per package.
        let route_facts = if self.routes {
            self.link_routes_across(&by_package, candidates)
        } else {
            vec![Vec::new(); by_package.len()]
        };
        // Retry helpers are called from their package and the packages depending on it.
        let helper_input: Vec<_> = by_package
            .iter()
            .map(|(p, files)| {
                let deps = p.and_then(|p| self.packages[p].1.as_ref());
                (deps, files.as_slice())
            })
            .collect();
        let helper_calls = super::retries::reach::helper_call_sites(&helper_input);
        // A library's calls need a breaker only when a long-running package reaches it.
        let paths = self.package_paths(&by_package, candidates);
        let mut reach =
            super::clients::workspace::library_reach(&helper_input, &paths, &self.catalog);
        let files: Vec<&[(usize, FileFacts)]> = helper_input.iter().map(|(_, f)| *f).collect();
        let own_types = super::clients::wildcards::own_wildcard_types(&files);
        for (r, own) in reach.iter_mut().zip(own_types) {
            r.own_types = own;
        }
        let tests = (tests, &test_files);
        self.mark_unrun(&mut reach, &by_package, &helper_input, tests, candidates);
        drop(helper_input);
        let packages: Vec<Package> = by_package.into_values().collect();
        // Each package's facts are freed once its documents are built: nothing reads
        // them after, and at 1M lines they are the largest part of the run's memory.
        let docs: Vec<Vec<Document>> = packages
            .into_par_iter()
            .zip(route_facts.par_iter())
            .zip(helper_calls.par_iter())
            .zip(reach.par_iter())
            .map(|(((package, routes), helpers), library)| {
                link::link_with_routes(&package, &self.catalog, routes, helpers, library)
            })
            .collect();
        docs.into_iter().flatten().collect()
    }

    /// Sorts the facts of every `.rs` file into packages (files without a manifest
    /// form one group) and tests, with their WebAssembly marks: the files left out as
    /// undeclared or build scripts are dropped here, before any link step.
    fn group(
        &self,
        facts: Vec<(usize, FileFacts)>,
        candidates: &[Candidate],
    ) -> (BTreeMap<Option<usize>, Package>, Package, HashSet<PathBuf>) {
        // Test modules, and files whose inner attributes make them test code
        // (`#![cfg(test)]`): with what they declare, below them.
        let mut test_files = Self::test_files(facts.iter().map(|(_, f)| f));
        let test_code = facts.iter().filter(|(_, f)| f.test_code);
        test_files.extend(test_code.map(|(i, _)| candidates[*i].path.clone()));
        let wasm_files = wasm_files(&facts, candidates);
        let undeclared = self.undeclared(&facts, candidates);
        let mut by_package: BTreeMap<Option<usize>, Package> = BTreeMap::new();
        let mut tests = Vec::new();
        for (i, mut f) in facts {
            let support = self.package_of[i].is_some_and(|p| self.test_support[p]);
            let path = &candidates[i].path;
            let package = self.package_of[i].and_then(|p| self.packages[p].1.as_ref());
            f.wasm_only = if package.is_some_and(|d| d.wasm_module) {
                Some(WASM_MODULE)
            } else {
                test_files::within(path, &wasm_files).then_some(WASM_CODE)
            };
            // A build script's (or a benchmark's) calls are never the program's: what
            // only it (or tests) calls is never run by the service (freyja's
            // `compile_remote_proto`, downloading `.proto` files at build time).
            if support
                || Self::in_test_module(path, &test_files)
                || self.build_script(i, path)
                || self.dev_target(i, path)
            {
                tests.push((i, f));
            } else if !undeclared.contains(path) {
                by_package
                    .entry(self.package_of[i])
                    .or_default()
                    .push((i, f));
            }
        }
        (by_package, tests, test_files)
    }

    /// Per package: its files' paths relative to its directory (none outside any
    /// package), which tell a library's entry points and commands apart.
    fn package_paths(
        &self,
        by_package: &BTreeMap<Option<usize>, Package>,
        candidates: &[Candidate],
    ) -> Vec<Vec<PathBuf>> {
        by_package
            .iter()
            .map(|(p, files)| {
                let Some(dir) = p.and_then(|p| self.packages[p].0.parent()) else {
                    return Vec::new();
                };
                files
                    .iter()
                    .map(|(i, _)| {
                        let path = &candidates[*i].path;
                        path.strip_prefix(dir).unwrap_or(path).to_path_buf()
                    })
                    .collect()
            })
            .collect()
    }

    /// Notes in each package's reach the functions that never run in the shipped
    /// program (only `tests` call them, or nothing does), whose clients are not judged.
    /// `test_files`: the test module files, whose files below them are test code too,
    /// parsed or not (a test module's file is not parsed once its declaring file
    /// says it is one): their text names no caller.
    fn mark_unrun(
        &self,
        reach: &mut [LibraryReach],
        by_package: &BTreeMap<Option<usize>, Package>,
        helper_input: &[PackageRef<'_>],
        (tests, test_files): (Package, &HashSet<PathBuf>),
        candidates: &[Candidate],
    ) {
        let path = |i: usize| candidates[i].path.as_path();
        let test_only = test_only::test_only_functions(helper_input, &tests, &path);
        let whole: Vec<bool> = (by_package.keys())
            .map(|p| p.is_some_and(|p| self.whole_workspace[p]))
            .collect();
        // A file with facts is sorted already (judged, or among `tests`); only one
        // without (a test module's, never parsed) is asked where it sits.
        let with_facts: HashSet<usize> = (by_package.values().flatten())
            .chain(&tests)
            .map(|(i, _)| *i)
            .collect();
        let test_module = |i: usize, c: &Candidate| {
            !with_facts.contains(&i) && Self::in_test_module(&c.path, test_files)
        };
        let rust_files: Vec<(usize, &Path)> = (candidates.iter().enumerate())
            .filter(|(i, c)| c.kind == FileKind::Rust && !test_module(*i, c))
            .map(|(i, c)| (i, c.path.as_path()))
            .collect();
        let dead = dead::dead_functions(helper_input, &whole, &tests, &rust_files);
        let unmade = dead_types::unmade_types(helper_input, &whole, &tests, &rust_files);
        let paths = dead_paths::dead_paths(helper_input, &whole, &tests, &rust_files);
        drop(tests);
        let marks = test_only.into_iter().zip(dead).zip(unmade).zip(paths);
        for (r, (((t, d), u), p)) in reach.iter_mut().zip(marks) {
            r.unrun_fns = t;
            r.unrun_fns.extend(d);
            r.unmade_types = u;
            r.unrun_paths = p;
        }
    }

    /// The routes of every package, linked across the packages of the run.
    fn link_routes_across(
        &self,
        by_package: &BTreeMap<Option<usize>, Package>,
        candidates: &[Candidate],
    ) -> Vec<Vec<super::routes::RouteFact>> {
        let route_input: Vec<_> = by_package
            .iter()
            .map(|(p, files)| {
                let deps = p.and_then(|p| self.packages[p].1.as_ref());
                let root = p.and_then(|p| self.packages[p].0.parent());
                let files = files.iter().map(|(i, f)| {
                    let path = &candidates[*i].path;
                    (
                        &f.routes,
                        module_name(path),
                        root.and_then(|r| module_path(path, r)),
                    )
                });
                (root, deps, files.collect())
            })
            .collect();
        super::routes::link_workspace(&route_input, &self.catalog.routes)
    }
}

/// The path of the module a file is in its crate (`api::two_factor` of
/// `src/api/two_factor/mod.rs` under the package directory `root`), empty for a crate
/// root (`src/lib.rs`, `src/main.rs`, `src/bin/*`); `None` outside `src/` (tests,
/// examples, a `[lib] path` elsewhere), where the link step resolves calls by name.
fn module_path(path: &std::path::Path, root: &std::path::Path) -> Option<String> {
    let rel = path.strip_prefix(root).ok()?.strip_prefix("src").ok()?;
    let mut parts: Vec<&str> = rel
        .iter()
        .map(|c| c.to_str())
        .collect::<Option<Vec<&str>>>()?;
    let last = parts.pop()?.strip_suffix(".rs")?;
    if parts.first() == Some(&"bin") {
        return Some(String::new());
    }
    if parts.is_empty() && matches!(last, "lib" | "main") {
        return Some(String::new());
    }
    if last != "mod" {
        parts.push(last);
    }
    Some(parts.join("::"))
}

/// The module a file is (`mail` of `src/mail.rs`, `two_factor` of
/// `src/api/two_factor/mod.rs`); empty for a crate root (`lib.rs`, `main.rs`).
pub(crate) fn module_name(path: &std::path::Path) -> &str {
    let stem = path.file_stem().and_then(|s| s.to_str()).unwrap_or("");
    match stem {
        "lib" | "main" => "",
        "mod" => path
            .parent()
            .and_then(|p| p.file_name())
            .and_then(|s| s.to_str())
            .unwrap_or(""),
        s => s,
    }
}

/// The files compiled only for WebAssembly by their place in the module tree: those of
/// modules declared under a WebAssembly-only `cfg`, and files whose inner attributes
/// say so, with the modules they declare ([`test_files::within`] finds those below).
fn wasm_files(facts: &[(usize, FileFacts)], candidates: &[Candidate]) -> HashSet<PathBuf> {
    let mut files: HashSet<PathBuf> = facts
        .iter()
        .flat_map(|(_, f)| f.wasm_files.iter().cloned())
        .collect();
    let whole = facts.iter().filter(|(_, f)| f.wasm_code);
    files.extend(whole.map(|(i, _)| candidates[*i].path.clone()));
    files
}
