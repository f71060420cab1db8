//! A package's dependencies as its `Cargo.toml` declares them: the name each has in
//! code and the package it is (`http = { package = "reqwest" }`: `http` names
//! `reqwest`). The file's [`super::imports::Imports`] maps every path's first
//! segment through them, for every crate, so no analysis undoes a rename itself.

// Looked up for every path's first segment: Fx hashing, not SipHash.
use rustc_hash::{FxHashMap as HashMap, FxHashSet as HashSet};
use std::path::Path;

use versions::requested_versions;
pub use versions::version_below;

mod features;
mod publishing;
mod versions;
mod wasm;

/// What a package depends on: the name used in code → the package name (`-` → `_`).
#[derive(Debug, Clone, Default)]
pub struct Deps {
    pub names: HashMap<String, String>,
    /// Packages depended on by `path` (members of the same workspace, `-` → `_`): the
    /// same code base, not another party's library.
    pub path_deps: HashSet<String>,
    /// Packages declared `{ workspace = true }`: maybe members of the same workspace
    /// (or third-party crates whose version the workspace pins).
    pub workspace_deps: HashSet<String>,
    /// Targets declared at paths of their own (`[lib] path = "lib.rs"`, `[[bin]] path =
    /// "main.rs"`), relative to the manifest's directory: roots beside the
    /// conventional `src/lib.rs`, `src/main.rs` and `src/bin/*`.
    pub lib_path: Option<String>,
    pub bin_paths: Vec<String>,
    /// `[[test]]`, `[[bench]]` and `[[example]]` targets declared at paths of their own
    /// (pg_vectorize's `path = "benchmarks/bench_trigger.rs"`), relative to the
    /// manifest's directory: a developer runs them, the program never does, wherever
    /// they sit (the conventional `tests/`, `benches/`, `examples/` are skipped earlier).
    pub dev_target_paths: Vec<String>,
    /// The library's own name when `[lib] name` differs from the package's
    /// (`ballista-chaos`'s `chaos_testing`): its binaries' `use chaos_testing::..`
    /// names the package itself (`names` maps it to `crate` too).
    pub lib_name: Option<String>,
    /// Packages named in `[dev-dependencies]` (`-` → `_`): what its tests use.
    pub dev_deps: HashSet<String>,
    /// Packages named in `[build-dependencies]` (`-` → `_`).
    pub build_deps: HashSet<String>,
    /// Optional dependencies only features named for tests enable (`-` → `_`;
    /// [`features::test_feature_deps`]): what its tests and its users' tests build.
    pub test_feature_deps: HashSet<String>,
    /// A member of a workspace (it inherits a key or a dependency from it) that cannot
    /// leave it: `publish = false` (its own, or its workspace's: [`Deps::inherit`]), no
    /// version, or no description or no license, which crates.io requires of every
    /// upload. Only the workspace's own packages can use it.
    pub unpublished_member: bool,
    /// A member of a workspace the run holds (its root manifest is among the run's)
    /// that a program of the workspace is built from: it ships a binary, or a package
    /// of the workspace that ships one depends on it (by path or from the workspace),
    /// directly or through other packages of the workspace. Set by the extractor
    /// (`app_components`). Its functions nothing in the workspace calls are run by no
    /// program of the repository, whether or not it can be published.
    pub app_component: bool,
    /// A program of its own that cannot be published: no workspace above it among
    /// the run's manifests, it ships a binary, and its manifest says it cannot be
    /// published ([`Deps::unpublishable`]), not a plugin a host loads. Its library,
    /// if any, serves its binaries and tests (Guardian's `hostd`, a library of forty
    /// modules beside the daemon's `main`). Set by the extractor.
    pub standalone_program: bool,
    /// Its own manifest says it cannot be published (as above, without the
    /// workspace): a member the workspace's root lists is then an unpublished member
    /// although it inherits nothing (the extractor reads the root's `members`).
    pub unpublishable: bool,
    /// `publish.workspace = true`: whether the package can be published is its
    /// workspace's `[workspace.package] publish` ([`Deps::inherit`]), which the
    /// extractor reads from the workspace's root manifest.
    pub publish_inherited: bool,
    /// `[lib] crate-type` names a library a host program loads (`cdylib`, `dylib`,
    /// `staticlib`: a plugin, a Python or Node extension): its callers are not Rust.
    pub host_loaded: bool,
    /// A WebAssembly module ([`wasm::wasm_module`]): a `cdylib` whose plain
    /// `[dependencies]` (not a target's) name `wasm-bindgen` or `worker` (Cloudflare's
    /// Workers runtime), or a browser app (`wasm-bindgen` and `web-sys`). It is built
    /// for a browser or a Workers host only ([`super::target`]).
    pub wasm_module: bool,
    /// `[package]` says it is a testing tool ([`testing_tool`]): its clients reach the
    /// program under test.
    pub testing_tool: bool,
    /// Of `workspace_deps`, the packages the workspace's root gives by `path`: members
    /// of the same workspace, not third-party crates it pins ([`Deps::inherit`]).
    pub workspace_members: HashSet<String>,
    /// The version each dependency asks for (package, `-` → `_` → its requirement as
    /// written, `"0.9"`, `"^0.11.2"`), its workspace's when it inherits one: which
    /// API a catalogued crate's paths name ([`version_below`]).
    pub versions: HashMap<String, String>,
}

impl Deps {
    /// A hash of the whole list, the same whatever its order: a file's facts depend on
    /// it (the per-file cache keys them on it).
    pub fn fingerprint(&self) -> u64 {
        let mut names: Vec<(&String, &String)> = self.names.iter().collect();
        names.sort();
        let mut text: String = names.iter().map(|(k, v)| format!("{k}={v}\n")).collect();
        // Which are local (by path or from the workspace): the client facts list them.
        let mut local: Vec<&String> = self.path_deps.iter().chain(&self.workspace_deps).collect();
        local.sort();
        text.extend(local.iter().map(|l| format!("{l}\n")));
        // The workspace's own packages: a call into one is followed there.
        let mut members: Vec<&String> = self.workspace_members.iter().collect();
        members.sort();
        text.extend(members.iter().map(|m| format!("member {m}\n")));
        xxhash_rust::xxh3::xxh3_64(text.as_bytes())
    }

    /// The package a name written in code names, when it is a dependency depended on
    /// by path or from the workspace (`shared = { path = "../shared" }`): code of the
    /// same code base, perhaps another package of the run.
    pub fn local_package(&self, name: &str) -> Option<&str> {
        let package = self.names.get(name)?;
        (self.path_deps.contains(package) || self.workspace_deps.contains(package))
            .then_some(package.as_str())
    }

    /// Whether any dependency is local ([`Self::local_package`]).
    pub fn has_local(&self) -> bool {
        !self.path_deps.is_empty() || !self.workspace_deps.is_empty()
    }

    /// The package's own name (`-` → `_`), when its manifest has one.
    pub fn own_name(&self) -> Option<&str> {
        self.names
            .iter()
            .find(|(n, p)| *p == "crate" && self.lib_name.as_ref() != Some(*n))
            .map(|(n, _)| n.as_str())
    }

    pub fn depends_on(&self, package: &str) -> bool {
        self.names.values().any(|p| p == package)
    }

    /// Whether `package` is another party's library: a dependency, not this package
    /// (`crate`) and not one depended on by `path`.
    pub fn is_foreign(&self, package: &str) -> bool {
        package != "crate" && self.depends_on(package) && !self.path_deps.contains(package)
    }

    /// The package a dependency renamed in `Cargo.toml` names in code
    /// (`web = { package = "axum" }`: `web` → `axum`); `None` for any other name.
    pub fn renamed(&self, name: &str) -> Option<&str> {
        self.names
            .get(name)
            .filter(|package| *package != name && *package != "crate")
            .map(String::as_str)
    }

    /// `path` with its first segment mapped through [`Self::renamed`].
    pub fn unrename(&self, mut path: Vec<String>) -> Vec<String> {
        if let Some(package) = path.first().and_then(|f| self.renamed(f)) {
            path[0] = package.to_string();
        }
        path
    }

    /// The dependencies renamed in `Cargo.toml`: (name in code, package), in name
    /// order (the package itself, named `crate`, is no rename).
    pub fn renames(&self) -> Vec<(&str, &str)> {
        let mut r: Vec<(&str, &str)> = self
            .names
            .iter()
            .filter(|(name, package)| name != package && *package != "crate")
            .map(|(n, p)| (n.as_str(), p.as_str()))
            .collect();
        r.sort_unstable();
        r
    }
}

/// Reads the dependencies of a `Cargo.toml`: `[dependencies]` and
/// `[target.'cfg(..)'.dependencies]`; dev-dependencies are left aside (tests are not
/// linted).
pub fn read_deps(text: &str) -> Result<Deps, toml::de::Error> {
    let value: toml::Table = toml::from_str(text)?;
    let (mut names, path_deps, workspace_deps) = dependency_names(&value);
    let dev_deps = named(&value, "dev-dependencies");
    let build_deps = named(&value, "build-dependencies");
    let test_feature_deps = features::test_feature_deps(&value);
    // The package itself: `use my_crate::x` in a binary of the same package.
    if let Some(name) = value
        .get("package")
        .and_then(|p| p.get("name"))
        .and_then(toml::Value::as_str)
    {
        names
            .entry(name.replace('-', "_"))
            .or_insert_with(|| "crate".into());
    }
    let lib_path = value.get("lib").and_then(target_path);
    let lib_name = value
        .get("lib")
        .and_then(|l| l.get("name"))
        .and_then(toml::Value::as_str)
        .map(|n| n.replace('-', "_"))
        .filter(|n| names.get(n).is_none_or(|p| p != "crate"));
    if let Some(n) = &lib_name {
        names.entry(n.clone()).or_insert_with(|| "crate".into());
    }
    let bin_paths = value
        .get("bin")
        .and_then(toml::Value::as_array)
        .into_iter()
        .flatten()
        .filter_map(target_path)
        .collect();
    let dev_target_paths = ["test", "bench", "example"]
        .iter()
        .filter_map(|kind| value.get(*kind).and_then(toml::Value::as_array))
        .flatten()
        .filter_map(target_path)
        .collect();
    let host_loaded = wasm::host_loaded(&value);
    let wasm_module = wasm::wasm_module(&value, host_loaded);
    let (unpublishable, unpublished_member, publish_inherited) =
        publishing::publishing(&value, &workspace_deps);
    let testing_tool = value
        .get("package")
        .and_then(toml::Value::as_table)
        .is_some_and(testing_tool);
    let versions = requested_versions(&value);
    Ok(Deps {
        versions,
        testing_tool,
        workspace_members: HashSet::default(),
        publish_inherited,
        standalone_program: false,
        names,
        path_deps,
        workspace_deps,
        lib_path,
        bin_paths,
        dev_target_paths,
        lib_name,
        dev_deps,
        build_deps,
        test_feature_deps,
        unpublished_member,
        app_component: false,
        unpublishable,
        host_loaded,
        wasm_module,
    })
}

/// The dependencies of `[dependencies]` and `[target.'cfg(..)'.dependencies]` (`-` →
/// `_`): name in code → package, and the packages depended on by `path` and from the
/// workspace, which [`Deps`] keeps apart as the same code base's.
fn dependency_names(value: &toml::Table) -> DependencyNames {
    let mut names = HashMap::default();
    let mut path_deps = HashSet::default();
    let mut workspace_deps = HashSet::default();
    let mut add = |table: Option<&toml::Value>| {
        for (key, spec) in table.and_then(toml::Value::as_table).into_iter().flatten() {
            let package = spec
                .get("package")
                .and_then(toml::Value::as_str)
                .unwrap_or(key);
            if spec.get("path").is_some() {
                path_deps.insert(package.replace('-', "_"));
            }
            if spec.get("workspace").and_then(toml::Value::as_bool) == Some(true) {
                workspace_deps.insert(package.replace('-', "_"));
            }
            names.insert(key.replace('-', "_"), package.replace('-', "_"));
        }
    };
    add(value.get("dependencies"));
    let targets = value.get("target").and_then(toml::Value::as_table);
    for t in targets.into_iter().flat_map(|t| t.values()) {
        add(t.get("dependencies"));
    }
    (names, path_deps, workspace_deps)
}

/// What [`dependency_names`] reads: (name in code → package, path dependencies,
/// workspace dependencies).
type DependencyNames = (HashMap<String, String>, HashSet<String>, HashSet<String>);

/// The dependency tables named `key` (`dependencies`, `dev-dependencies`, ..): the
/// package's own and each target's (`[target.'cfg(unix)'.dependencies]`).
fn dependency_tables<'a>(
    value: &'a toml::Table,
    key: &'a str,
) -> impl Iterator<Item = &'a toml::Table> + 'a {
    let targets = value.get("target").and_then(toml::Value::as_table);
    let in_targets = targets.into_iter().flat_map(|t| t.values());
    std::iter::once(value.get(key))
        .chain(in_targets.map(move |t| t.get(key)))
        .flatten()
        .filter_map(toml::Value::as_table)
}

/// The packages the dependency tables named `key` list (`-` → `_`), the targets'
/// tables of that name included: what tests or build scripts use, kept apart from
/// what the package's own code uses.
fn named(value: &toml::Table, key: &str) -> HashSet<String> {
    dependency_tables(value, key)
        .flatten()
        .map(|(k, spec)| {
            let package = spec.get("package").and_then(toml::Value::as_str);
            package.unwrap_or(k).replace('-', "_")
        })
        .collect()
}

/// A `[lib]`, `[[bin]]` (or a developer's) target's own `path`, without a leading `./`: a root beside
/// the conventional ones ([`Deps::lib_path`], [`Deps::bin_paths`]).
fn target_path(t: &toml::Value) -> Option<String> {
    let path = t.get("path").and_then(toml::Value::as_str)?;
    Some(path.trim_start_matches("./").to_string())
}

/// What a workspace's root manifest decides for the members that inherit from it.
#[derive(Debug, Default)]
pub struct WorkspaceRoot {
    /// `[workspace.package] publish = false` (or an empty list of registries).
    pub unpublished: bool,
    /// `[workspace.dependencies]` entries naming another package (`odf-metadata = {
    /// package = "opendatafabric-metadata", path = ".." }`), `-` → `_`: the name the
    /// members write → (the package, whether it is local: by path).
    pub renames: HashMap<String, (String, bool)>,
    /// Its `members` and `exclude` lists, when it has members: which packages below
    /// it cargo builds.
    pub membership: Option<Membership>,
    /// `[workspace.dependencies]` entries by `path`, `-` → `_`: the workspace's own
    /// packages.
    pub by_path: HashSet<String>,
    /// `[workspace.dependencies]` version requirements, by package (`-` → `_`): what
    /// a member's `{ workspace = true }` asks for.
    pub versions: HashMap<String, String>,
}

impl WorkspaceRoot {
    /// Reads a root manifest; `None` when it does not parse.
    pub fn read(text: &str) -> Option<WorkspaceRoot> {
        let value = text.parse::<toml::Table>().ok()?;
        let workspace = value.get("workspace");
        let publish = workspace
            .and_then(|w| w.get("package"))
            .and_then(|p| p.get("publish"));
        let unpublished = match publish {
            Some(toml::Value::Boolean(b)) => !b,
            Some(toml::Value::Array(registries)) => registries.is_empty(),
            _ => false,
        };
        let deps = workspace
            .and_then(|w| w.get("dependencies"))
            .and_then(toml::Value::as_table);
        let renames = (deps.into_iter().flatten())
            .filter_map(|(key, spec)| {
                let package = spec.get("package")?.as_str()?;
                let local = spec.get("path").is_some();
                Some((key.replace('-', "_"), (package.replace('-', "_"), local)))
            })
            .collect();
        let by_path = (deps.into_iter().flatten())
            .filter(|(_, spec)| spec.get("path").is_some())
            .map(|(key, _)| key.replace('-', "_"))
            .collect();
        let membership = workspace.and_then(Membership::of);
        let mut as_deps = toml::Table::new();
        if let Some(d) = deps {
            as_deps.insert("dependencies".into(), toml::Value::Table(d.clone()));
        }
        let versions = requested_versions(&as_deps);
        Some(WorkspaceRoot {
            versions,
            unpublished,
            renames,
            membership,
            by_path,
        })
    }
}

/// The folders a workspace's root lists as its members (`[workspace] members`, globs
/// relative to the root's folder) and leaves out (`exclude`).
#[derive(Debug)]
pub struct Membership {
    members: globset::GlobSet,
    exclude: globset::GlobSet,
}

impl Membership {
    /// The lists of a root manifest's `[workspace]` table; `None` when it lists no
    /// members (a workspace of its root package alone, or members by path only) or a
    /// glob does not parse.
    fn of(workspace: &toml::Value) -> Option<Membership> {
        let set = |key: &str| {
            let mut b = globset::GlobSetBuilder::new();
            let entries = workspace.get(key).and_then(toml::Value::as_array);
            for e in entries
                .into_iter()
                .flatten()
                .filter_map(toml::Value::as_str)
            {
                let e = e.trim_start_matches("./").trim_end_matches('/');
                let glob = globset::GlobBuilder::new(e).literal_separator(true).build();
                b.add(glob.ok()?);
            }
            b.build().ok()
        };
        workspace.get("members")?;
        Some(Membership {
            members: set("members")?,
            exclude: set("exclude")?,
        })
    }

    /// Whether the package in folder `rel` (relative to the root's folder) is a member.
    pub fn lists(&self, rel: &Path) -> bool {
        rel.as_os_str().is_empty() || (self.members.is_match(rel) && !self.exclude.is_match(rel))
    }
}

impl Deps {
    /// Takes what the member inherits from its workspace's root: `publish` (when
    /// `publish.workspace = true`) and the packages behind renamed workspace
    /// dependencies (`odf-metadata = { workspace = true }` is `opendatafabric-metadata`,
    /// a member of the same workspace: kamu-cli).
    pub fn inherit(&mut self, root: &WorkspaceRoot) {
        self.unpublished_member |= self.publish_inherited && root.unpublished;
        for key in self
            .workspace_deps
            .iter()
            .filter(|d| root.by_path.contains(*d))
        {
            let package = root.renames.get(key).map_or(key, |(target, _)| target);
            self.workspace_members.insert(package.clone());
        }
        for (key, package) in self.names.iter_mut() {
            let Some((target, local)) = root.renames.get(key) else {
                continue;
            };
            if package != key || !self.workspace_deps.remove(key.as_str()) {
                continue;
            }
            self.workspace_deps.insert(target.clone());
            if *local {
                self.path_deps.insert(target.clone());
            }
            *package = target.clone();
        }
        for package in &self.workspace_deps {
            if let Some(v) = root.versions.get(package) {
                self.versions
                    .entry(package.clone())
                    .or_insert_with(|| v.clone());
            }
        }
        // Tests' and build scripts' dependencies name packages too.
        for set in [&mut self.dev_deps, &mut self.build_deps] {
            for (alias, (target, _)) in &root.renames {
                if set.remove(alias.as_str()) {
                    set.insert(target.clone());
                }
            }
        }
    }
}

/// What a package's description says of a load or stress tester (lading: "A tool for
/// load testing daemons."), lower-cased.
const TESTING_TOOL_WORDS: [&str; 5] = [
    "load test",
    "load-test",
    "load generator",
    "stress test",
    "stress-test",
];

/// `[package]` says the package is a testing tool: its `categories` hold crates.io's
/// `development-tools::testing`, or its `description` calls it a load or stress
/// tester. Such a tool's requests go to the program under test, whose stalls it
/// measures: a timeout there is its owner's choice, not a resilience gap.
fn testing_tool(package: &toml::Table) -> bool {
    let categories = package.get("categories").and_then(toml::Value::as_array);
    let testing = (categories.into_iter().flatten())
        .any(|c| c.as_str() == Some("development-tools::testing"));
    let description = package.get("description").and_then(toml::Value::as_str);
    testing
        || description.is_some_and(|d| {
            let d = d.to_lowercase();
            TESTING_TOOL_WORDS.iter().any(|w| d.contains(w))
        })
}

#[cfg(test)]
mod tests;
