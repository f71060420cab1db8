//! Which packages of a run a breaker is for: a library's calls are judged only when a
//! long-running package of the run reaches the library.
//!
//! A circuit breaker protects a long-running process under concurrent load (a server,
//! a consumer, a daemon) from piling up on a failing dependency. Who should put one
//! around a library's calls is its callers' decision: a library (an SDK) cannot tell
//! whether it runs in a service that needs a breaker, in a batch job, or in a command
//! a person runs once. So a library's calls are subjects only when a long-running
//! package of the same run depends on it, directly or through other libraries of the
//! run (`checkout` → `sync-client` → `wire`). A library no package of the run depends
//! on is an SDK whose callers live elsewhere; one depended on only by one-shot
//! command-line tools has no long-running caller.
//!
//! Roles, from each package's manifest and files:
//! - one-shot tool: [`super::package::one_shot`];
//! - library: it has a `src/lib.rs`, no binary (`src/main.rs`, `src/bin/`), no route,
//!   and no server, consumer or scheduler framework among its dependencies (the
//!   `[one-shot] service` list of the catalogue, less `client-too`: `hyper` and `tower`
//!   build clients as well);
//! - command-line tool with a library: a library (as above) that also has a binary
//!   and depends on a command-line parser: its binary is a one-shot tool, its
//!   library is judged as a library;
//! - long-running: every other package (a server, a daemon built on `tonic`, a binary
//!   that parses no command line, files outside any manifest).

use rustc_hash::FxHashSet as HashSet;

use super::package::one_shot;
use crate::extract::rust::catalog::Catalog;
use crate::extract::rust::{Deps, FileFacts};

/// One file of a package: (candidate index, facts).
type PackageFile = (usize, FileFacts);

#[derive(Clone, Copy, PartialEq, Eq)]
enum Role {
    OneShot,
    /// A command-line tool with a library part (`src/lib.rs` and `src/main.rs`,
    /// a CLI parser, no framework, no route): its binary makes no package
    /// long-running, and its library is judged like any library.
    CliLibrary,
    Library,
    LongRunning,
}

/// Who reaches a package's calls, for the breaker rule.
#[derive(Debug, Default)]
pub struct LibraryReach {
    /// Why no long-running package of the run reaches the package, when none does.
    pub unreached: Option<String>,
    /// For a library some long-running package reaches: the names of its functions
    /// only one-shot tools call ([`tool_only_functions`]).
    pub functions: Option<HashSet<String>>,
}

impl LibraryReach {
    /// Why a call made in function `in_fn` (a link key) of this package needs no
    /// breaker of its own, if it needs none.
    pub fn why_not_judged(&self, in_fn: Option<&str>) -> Option<String> {
        if let Some(why) = &self.unreached {
            return Some(why.clone());
        }
        let name = fn_name(in_fn?)?;
        let tool_only = self.functions.as_ref()?;
        tool_only.contains(name).then(|| {
            format!(
                "a library function (`{name}`) that only one-shot command-line tools of this run call"
            )
        })
    }
}

/// The function of a link key (`Client::login` → `login`; a closure's key
/// `sync::{closure ..}` → `sync`).
fn fn_name(key: &str) -> Option<&str> {
    key.split("::").filter(|s| !s.starts_with('{')).last()
}

/// Per package (in the order given): who reaches its calls. One-shot tools are
/// reached by nobody here: their calls carry `one-shot` already.
pub fn library_reach(
    packages: &[(Option<&Deps>, &[PackageFile])],
    catalog: &Catalog,
) -> Vec<LibraryReach> {
    let roles: Vec<Role> = packages
        .iter()
        .map(|(deps, files)| role(*deps, files, catalog))
        .collect();
    let names: Vec<Option<&str>> = packages.iter().map(|(d, _)| own_name(*d)).collect();
    // `users[j]`: the packages of the run that depend on package `j`.
    let users: Vec<Vec<usize>> = (0..packages.len())
        .map(|j| {
            let Some(name) = names[j] else {
                return Vec::new();
            };
            (0..packages.len())
                .filter(|&i| i != j)
                .filter(|&i| packages[i].0.is_some_and(|d| d.depends_on(name)))
                .collect()
        })
        .collect();
    let unreached: Vec<Option<String>> = (0..packages.len())
        .map(|j| {
            matches!(roles[j], Role::Library | Role::CliLibrary)
                .then(|| why_unreached(j, &roles, &users, &names))?
        })
        .collect();
    let reached: Vec<bool> = (0..packages.len())
        .map(|j| matches!(roles[j], Role::Library | Role::CliLibrary) && unreached[j].is_none())
        .collect();
    let mut functions = tool_only_functions(packages, &roles, &reached);
    unreached
        .into_iter()
        .zip(functions.iter_mut())
        .map(|(unreached, f)| LibraryReach {
            unreached,
            functions: f.take(),
        })
        .collect()
}

/// For each library a long-running package reaches (`reached[j]`): its functions that
/// only one-shot tools call (atuin-client's `login`, which only the `atuin` command
/// calls). A function is in the set when some body of a one-shot tool calls it by
/// name and no other body of the run does (no long-running package, no library, no
/// command-line tool with a library part, whose binary may be a daemon that parses
/// arguments, like docs.rs's watcher). Names are last segments, so a name shared by
/// two functions counts for both, and nothing is followed further down: the set errs
/// towards judging (a trait's default method or generated code may call a function
/// no body names; such a function is called by no one-shot tool either, so it stays).
fn tool_only_functions(
    packages: &[(Option<&Deps>, &[PackageFile])],
    roles: &[Role],
    reached: &[bool],
) -> Vec<Option<HashSet<String>>> {
    let mut out: Vec<Option<HashSet<String>>> = vec![None; packages.len()];
    if !reached.iter().any(|r| *r) {
        return out;
    }
    let bodies = |j: usize| packages[j].1.iter().flat_map(|(_, f)| &f.routes.fns);
    let calls_of = |tools: bool| -> HashSet<&str> {
        (0..packages.len())
            .filter(|&j| (roles[j] == Role::OneShot) == tools)
            .flat_map(bodies)
            .flat_map(|info| info.evidence.calls.iter())
            .collect()
    };
    let by_tools = calls_of(true);
    if by_tools.is_empty() {
        return out;
    }
    let by_others = calls_of(false);
    for j in (0..packages.len()).filter(|&j| reached[j]) {
        let only: HashSet<String> = bodies(j)
            .map(|info| info.name.as_str())
            .filter(|n| by_tools.contains(n) && !by_others.contains(n))
            .map(str::to_string)
            .collect();
        out[j] = Some(only);
    }
    out
}

/// Walks up from library `j` through the packages that depend on it: `None` as soon as
/// a long-running one is met, otherwise the reason in words.
fn why_unreached(
    j: usize,
    roles: &[Role],
    users: &[Vec<usize>],
    names: &[Option<&str>],
) -> Option<String> {
    let mut seen = vec![false; roles.len()];
    let mut stack = vec![j];
    let mut tools: Vec<&str> = Vec::new();
    seen[j] = true;
    while let Some(p) = stack.pop() {
        for &u in &users[p] {
            if std::mem::replace(&mut seen[u], true) {
                continue;
            }
            match roles[u] {
                Role::LongRunning => return None,
                Role::OneShot => tools.extend(names[u]),
                Role::CliLibrary => {
                    tools.extend(names[u]);
                    stack.push(u);
                }
                Role::Library => stack.push(u),
            }
        }
    }
    tools.sort_unstable();
    if roles[j] == Role::CliLibrary {
        return Some(format!(
            "a command-line tool{} whose library no long-running package of this run depends on",
            names[j].map(|n| format!(" (`{n}`)")).unwrap_or_default()
        ));
    }
    Some(if tools.is_empty() {
        "a library no long-running package of this run depends on (an SDK: its callers decide on a breaker)".to_string()
    } else {
        format!(
            "a library only one-shot command-line tools of this run depend on (`{}`)",
            tools.join("`, `")
        )
    })
}

fn role(deps: Option<&Deps>, files: &[PackageFile], catalog: &Catalog) -> Role {
    if one_shot(files).is_some() {
        return Role::OneShot;
    }
    let library = files.iter().any(|(_, f)| f.library_root);
    let binary = files.iter().any(|(_, f)| f.binary_root);
    let routes = files.iter().any(|(_, f)| {
        !f.routes.routes.is_empty()
            || !f.routes.handlers.is_empty()
            || !f.routes.macro_registered.is_empty()
    });
    let shape = &catalog.one_shot;
    let framework = deps.is_some_and(|d| {
        shape
            .service
            .iter()
            .filter(|s| !shape.client_too.contains(s))
            .any(|s| d.depends_on(&s.replace('-', "_")))
    });
    let cli = deps.is_some_and(|d| shape.cli.iter().any(|c| d.depends_on(&c.replace('-', "_"))));
    match (library, binary, routes || framework) {
        (_, _, true) => Role::LongRunning,
        (true, false, false) => Role::Library,
        (true, true, false) if cli => Role::CliLibrary,
        _ => Role::LongRunning,
    }
}

/// The package's own name, as its dependents' manifests spell it (`-` → `_`).
fn own_name(deps: Option<&Deps>) -> Option<&str> {
    deps?
        .names
        .iter()
        .filter(|(_, p)| *p == "crate")
        .map(|(n, _)| n.as_str())
        .min()
}
