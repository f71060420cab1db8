//! What role each package of a run plays, from its manifest and files (the breaker
//! rule's reach, [`super::workspace`]):
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

use std::path::PathBuf;

use rustc_hash::FxHashSet as HashSet;

use super::entries::{local_server_tool, one_shot_methods, runs_long};
use super::gates::gates_of;
use super::package::one_shot;
use crate::extract::rust::catalog::Catalog;
use crate::extract::rust::{Deps, FileFacts};

/// One file of a package: (candidate index, facts).
type PackageFile = (usize, FileFacts);

#[derive(Clone, Copy, PartialEq, Eq)]
pub(super) enum Role {
    OneShot,
    /// A command-line tool with a library part (`src/lib.rs` and `src/main.rs`,
    /// a CLI parser, no framework, no route): its binary makes no package
    /// long-running, and its library is judged like any library.
    CliLibrary,
    Library,
    LongRunning,
}

/// The binaries the manifest declares at paths of their own.
pub(super) fn bins(deps: Option<&Deps>) -> &[String] {
    deps.map(|d| d.bin_paths.as_slice()).unwrap_or(&[])
}

/// Whether the package depends on a command-line parser (`[one-shot] cli`).
pub(super) fn parses_command_line(deps: Option<&Deps>, catalog: &Catalog) -> bool {
    let shape = &catalog.one_shot;
    deps.is_some_and(|d| shape.cli.iter().any(|c| d.depends_on(&c.replace('-', "_"))))
}

/// Whether the package depends on a full-screen terminal interface
/// (`[one-shot] terminal-ui`): its `main` loop waits on a person.
fn draws_terminal_ui(deps: Option<&Deps>, catalog: &Catalog) -> bool {
    let tui = &catalog.one_shot.terminal_ui;
    deps.is_some_and(|d| tui.iter().any(|c| d.depends_on(&c.replace('-', "_"))))
}

/// The role of a package (module doc).
pub(super) fn role(
    deps: Option<&Deps>,
    files: &[PackageFile],
    paths: Option<&Vec<PathBuf>>,
    catalog: &Catalog,
) -> Role {
    let main_loop = !draws_terminal_ui(deps, catalog);
    let runs_long = || paths.is_some_and(|p| runs_long(files, p, bins(deps), main_loop));
    if (one_shot(files).is_some() && !runs_long())
        || local_server_tool(files, parses_command_line(deps, catalog)).is_some()
    {
        return Role::OneShot;
    }
    // Roots where the manifest puts them (`[lib] path = "lib.rs"`) or by convention.
    let at = |i: usize| paths.and_then(|p| p.get(i)).and_then(|p| p.to_str());
    let library = files.iter().enumerate().any(|(i, (_, f))| {
        f.library_root || at(i).is_some_and(|p| deps.and_then(|d| d.lib_path.as_deref()) == Some(p))
    });
    let binary = files.iter().enumerate().any(|(i, (_, f))| {
        f.binary_root || at(i).is_some_and(|p| bins(deps).iter().any(|b| b == p))
    });
    let routes = files.iter().any(|(_, f)| {
        !f.routes.routes.is_empty()
            || !f.routes.handlers.is_empty()
            || !f.routes.macro_registered.is_empty()
    });
    // A crate that builds clients as well as servers (`tonic`) makes a service only
    // where a file names its server side (`f.framework`): an admin tool driving a
    // gRPC server through `tonic` is no service (oracles' mobile-config-cli).
    let framework = files.iter().any(|(_, f)| f.framework)
        || deps.is_some_and(|d| {
            catalog
                .one_shot
                .servers_only()
                .any(|s| d.depends_on(&s.replace('-', "_")))
        });
    let cli = parses_command_line(deps, catalog);
    match (library, binary, routes || framework) {
        (_, _, true) => Role::LongRunning,
        (true, false, false) => Role::Library,
        (true, true, false) if cli => Role::CliLibrary,
        _ => Role::LongRunning,
    }
}

/// Whether a long-running package runs a process of its own that a command naming it
/// starts: it has a binary, registers a route, or shows a loop or a signal wait in a
/// file that names no framework. A library whose only sign is a framework named (atuin's
/// domain types, with an optional `axum` integration) is no process: a command using
/// its types is not long-running for that.
pub(super) fn runs_a_process(files: &[PackageFile]) -> bool {
    files.iter().any(|(_, f)| {
        f.binary_root
            || (f.long_running && !f.framework)
            || !f.routes.routes.is_empty()
            || !f.routes.handlers.is_empty()
            || !f.routes.macro_registered.is_empty()
    })
}

/// The package's own name, as its dependents' manifests spell it (`-` → `_`).
pub(super) fn own_name(deps: Option<&Deps>) -> Option<&str> {
    deps?
        .names
        .iter()
        .filter(|(_, p)| *p == "crate")
        .map(|(n, _)| n.as_str())
        .min()
}

/// Per package: the command gates of its binaries' `main`s ([`super::gates`]), asked
/// of the long-running packages that parse a command line only.
pub(super) fn command_gates(
    packages: &[(Option<&Deps>, &[PackageFile])],
    roles: &[Role],
    catalog: &Catalog,
) -> Vec<Vec<String>> {
    (0..packages.len())
        .map(|j| {
            let (deps, files) = packages[j];
            if roles[j] == Role::LongRunning && parses_command_line(deps, catalog) {
                gates_of(files)
            } else {
                Vec::new()
            }
        })
        .collect()
}

/// Per package, the subcommands that are one-shot methods of the dispatching type
/// (cargo-shuttle's `deploy`), in a package that serves and parses a command line.
pub(super) fn command_methods(
    packages: &[(Option<&Deps>, &[PackageFile])],
    roles: &[Role],
    catalog: &Catalog,
) -> Vec<HashSet<String>> {
    (0..packages.len())
        .map(|j| {
            let (deps, files) = packages[j];
            match serves_command_line(deps, roles[j], catalog) {
                true => one_shot_methods(files),
                false => HashSet::default(),
            }
        })
        .collect()
}

/// Whether a package serves (or is a command-line tool's library) and parses a
/// command line: its subcommands may be one-shot commands beside what serves.
pub(super) fn serves_command_line(deps: Option<&Deps>, role: Role, catalog: &Catalog) -> bool {
    matches!(role, Role::LongRunning | Role::CliLibrary) && parses_command_line(deps, catalog)
}
