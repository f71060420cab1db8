//! Which files of a package only one-shot commands run: the per-entry reach of the
//! circuit-breaker rule.
//!
//! A package is one unit for [`super::workspace`], but a service's package often holds
//! one-shot commands beside the server: a binary of its own (`src/bin/migrate.rs`) or
//! a subcommand of the service's binary (`crates-io monitor`, `crates-io admin ..`
//! beside `crates-io server`). Each binary root (`src/main.rs`, `src/bin/*.rs`,
//! `src/bin/*/main.rs`) is an entry; when its `main` dispatches a parsed command line
//! to modules (`Command::Monitor => monitor::run()`, two or more arms, [`FileFacts::dispatch`]),
//! each module so dispatched is an entry of its own, and so on down (`admin::run`
//! dispatching to `render_readmes::run`). An entry's files are its module's files
//! (`monitor.rs`, `admin/**`).
//!
//! An entry is long-running when any of its files shows it
//! ([`FileFacts::long_running`]: a `loop`, a `while` that awaits, a server, consumer or
//! scheduler framework named, a route registered) or names a long-running package of
//! the run; otherwise, in a package that parses a command line (a CLI parser among
//! its dependencies), it is a one-shot command: its calls, and a library only such
//! commands name, need no breaker. Without a parser crate, a binary of its own that
//! reads its arguments by hand (`std::env::args()`: chroma's `chroma-seal-log HOST
//! ID`) is one too; one that reads none (settings from the environment) may be a
//! sidecar and stays judged. Files no entry owns (the library's, or a binary's
//! that dispatches nothing) are judged as before.
//!
//! A binary of its own that names the package's library is long-running when the
//! library shows a process and the binary names its root or a module of it that
//! does (`my_app::server::serve()`), not when it only takes a helper from a quiet
//! module (`my_app::crypto::init()`). A binary's functions are its crate's alone:
//! the client link follows no name from another crate of the package into them.
//!
//! Known limits: a command whose long-running loop lives only in a library it calls
//! (no loop, framework or route in its own files) is taken for one-shot; a function of
//! a one-shot command's module that another entry calls (`crate::admin::confirm()`) is
//! taken for the command's.

use std::path::PathBuf;

use syn::Expr;

use super::Visitor;
pub(crate) use complete::needs_no_service;
use complete::{repeats, runs_to_completion};
pub(crate) use inline::one_shot_arms;
pub(super) use methods::passed_through;
pub(crate) use methods::{body_key, one_shot_methods, shows_long};
pub(super) use pipeline::local_receivers;
pub(crate) use roots::bin_crate;
use roots::{binary_root, module_dir};
pub(crate) use shape::ignores_signal;
use shape::{
    awaits, collects, is_loopback, is_zero, leaves, loop_awaits, reads_finite, reads_to_end,
    returns_what_it_read, takes_connections,
};
pub(crate) use signals::spawns_signal_watcher;
use signals::{terminal_signal, watches_terminal};
use units::Units;

mod arms;
mod complete;
mod consumers;
mod finite;
mod inline;
mod made;
mod methods;
mod pipeline;
mod quiet;
mod roots;
mod shape;
mod signals;
mod units;
pub(super) mod values;
use crate::extract::rust::catalog::Catalog;
use crate::extract::rust::facts::FileFacts;
use crate::extract::rust::front::ident::with_ident_str;
use crate::extract::rust::Deps;
pub(crate) use quiet::{quiet_by, runs_package, serves, shows, LongRunning};

/// Per file of a package (in the order given; `paths` relative to the package's
/// directory): why only one-shot commands run it, when so. `cli`: the package
/// depends on a command-line parser; `long_running`: the run's long-running
/// packages (a command naming one is long-running too); `standalone`: the package
/// depends on no server crate nor other package of the run, so that with no command
/// line at all it may be a program that runs to completion ([`runs_to_completion`]).
pub(crate) fn one_shot_files(
    files: &[(usize, FileFacts)],
    paths: &[PathBuf],
    bins: &[String],
    cli: bool,
    long_running: &LongRunning,
    standalone: bool,
) -> Vec<Option<String>> {
    let mut out = vec![None; files.len()];
    let by_hand = || files.iter().any(|(_, f)| f.reads_args);
    if paths.len() != files.len() {
        return out;
    }
    if !(cli || by_hand()) {
        if let Some(why) = runs_to_completion(files, paths, bins).filter(|_| standalone) {
            out.fill(Some(why));
        }
        return out;
    }
    entries(files, paths, bins, cli, long_running, &mut out);
    out
}

/// Whether a binary of the package, or a subcommand one dispatches to, shows a
/// long-running process (`garage server` beside `garage status`): then a package its
/// dependencies make look like a one-shot tool (a CLI parser, no framework of its
/// own) is a long-running one, whose other commands stay one-shot. `main_loop`: a
/// loop of the `main` binary's own code counts (not in a terminal interface's
/// package, whose loop waits on a person).
pub(crate) fn runs_long(
    files: &[(usize, FileFacts)],
    paths: &[PathBuf],
    bins: &[String],
    main_loop: bool,
) -> bool {
    if paths.len() != files.len() {
        return false;
    }
    let mut out = vec![None; files.len()];
    let none = LongRunning::default();
    let units = Units::new(files, paths, &none);
    let is_main = |p: &PathBuf| binary_root(p, bins).is_some_and(|(_, n)| n == "main");
    let main_runs_long =
        main_loop && (paths.iter().enumerate()).any(|(i, p)| is_main(p) && units.main_runs_long(i));
    main_runs_long || entries(files, paths, bins, true, &none, &mut out)
}

/// Judges every entry of the package into `out`; whether one is long-running. Without
/// a parser crate (`cli` false), only binaries of their own that read their arguments
/// by hand (`std::env::args()`: `src/bin/migrate-log.rs HOST ID`) are entries.
fn entries(
    files: &[(usize, FileFacts)],
    paths: &[PathBuf],
    bins: &[String],
    cli: bool,
    long_running: &LongRunning,
    out: &mut [Option<String>],
) -> bool {
    let units = Units::new(files, paths, long_running);
    let mut dispatched = false;
    for (i, path) in paths.iter().enumerate() {
        let Some((base, name)) = binary_root(path, bins) else {
            continue;
        };
        let dispatcher = units.dispatcher(i, &base).filter(|_| cli);
        if let Some((root, base)) = dispatcher {
            dispatched = true;
            units.split(root, &base, &name, out);
        } else if name != "main" {
            // `src/bin/migrate.rs` (and `src/bin/migrate/**`): a binary of its own.
            // Its process may live in the package's library (`my_app::serve()`): a
            // binary naming what of the library shows a long-running process is one
            // too (not one that only takes a helper from a quiet module of it,
            // `my_app::crypto::init()`).
            let mut unit = units.under(&base);
            if !unit.contains(&i) {
                unit.push(i);
            }
            let parses = cli || unit.iter().any(|&u| files[u].1.reads_args);
            if parses && !units.runs_library(&unit) {
                units.judge(&unit, &format!("the `{name}` binary"), out);
            }
        }
    }
    // No binary of the package dispatches: a module that defines the command line
    // and dispatches it (surrealdb-server's `cli`, whose binary is another package's
    // `main`) is an entry of its own, named after the module.
    for (i, path) in paths.iter().enumerate().filter(|_| cli && !dispatched) {
        if files[i].1.parser_dispatch && binary_root(path, bins).is_none() {
            let (base, name) = module_dir(path);
            units.split(i, &base, &name, out);
        }
    }
    units.saw_long_running()
}

/// Why a package that parses a command line (`cli`) is a one-shot tool although it
/// serves: every file of it that names a server framework or registers a route binds
/// its listener to an ephemeral port of this host (`127.0.0.1:0`), a server only the
/// program itself can reach (symbolicli serves local files to itself; a CLI's OAuth
/// login listens for its callback). A library part keeps it judged as before.
pub(crate) fn local_server_tool(files: &[(usize, FileFacts)], cli: bool) -> Option<String> {
    if !cli || files.iter().any(|(_, f)| f.library_root) {
        return None;
    }
    let serving = |f: &FileFacts| {
        f.framework
            || !f.routes.routes.is_empty()
            || !f.routes.handlers.is_empty()
            || !f.routes.macro_registered.is_empty()
    };
    let mut servers = files.iter().filter(|(_, f)| serving(f)).peekable();
    servers.peek()?;
    servers.all(|(_, f)| f.ephemeral_server).then(|| {
        "a one-shot command-line tool whose only server listens on an ephemeral port of this host (`127.0.0.1:0`), for its own run".to_string()
    })
}

/// `std::env::args`, `env::args_os`: the process's arguments read by hand.
fn reads_args(path: &syn::Path) -> bool {
    let n = path.segments.len();
    n >= 2
        && path.segments[n - 2].ident == "env"
        && matches!(
            path.segments[n - 1].ident.to_string().as_str(),
            "args" | "args_os"
        )
}

impl Visitor<'_, '_> {
    /// Visits a block's statements, telling [`Self::note_shape`] which `while` gathers
    /// a result the block reads after it ([`collects`]).
    pub(super) fn block_shape(&mut self, b: &syn::Block) {
        for (i, s) in b.stmts.iter().enumerate() {
            self.before_stmt(&b.stmts, i);
            syn::visit::Visit::visit_stmt(self, s);
        }
    }

    /// Notes, before `stmts[i]` is visited, whether it is a `while` that gathers a
    /// result ([`collects`]), reads a stream that ends ([`reads_finite`]) or waits on
    /// the terminal's resizes ([`watches_terminal`]).
    pub(super) fn before_stmt(&mut self, stmts: &[syn::Stmt], i: usize) {
        self.collecting_loop =
            collects(stmts, i) || reads_finite(stmts, i) || watches_terminal(stmts, i);
    }

    /// Notes what an expression shows of the file's shape: a loop, a dispatch, a
    /// local package named by path.
    pub(super) fn note_shape(&mut self, e: &Expr) {
        self.facts.repeats |= repeats(e);
        match e {
            // `let x = loop { .. }`: a loop whose value is its result ends with it.
            Expr::Loop(l) if !std::mem::take(&mut self.valued_loop) && !leaves(l) => {
                self.facts.awaiting_loop |= loop_awaits(&l.body);
                self.shows_long_running();
                self.note_loop_calls(&l.body);
            }
            // `for stream in listener.incoming() { .. }`: a blocking server.
            Expr::ForLoop(f) if takes_connections(&f.expr) => {
                self.facts.awaiting_loop = true;
                self.shows_long_running();
                self.note_loop_calls(&f.body);
            }
            Expr::While(w)
                if !std::mem::take(&mut self.collecting_loop)
                    && awaits(&w.cond)
                    && !reads_to_end(&w.cond)
                    && !returns_what_it_read(w)
                    && !finite::ends_with_its_work(w)
                    && !finite::drains(w, &self.local_receivers) =>
            {
                self.shows_long_running();
                self.note_loop_calls(&w.body);
            }
            Expr::Match(m) => {
                // A binary root may dispatch into its package's library as well.
                if !self.mods.is_empty() || self.facts.binary_root {
                    self.dispatch(m);
                }
                // Also in the module that defines the command line and dispatches it
                // (vorpal's `command::run`, which `main` calls): its inline arms.
                if self.facts.binary_root || !self.facts.cli_enums.is_empty() {
                    self.inline_arms(m);
                }
                self.method_dispatch(m);
            }
            Expr::Call(c) => {
                if let Expr::Path(p) = &*c.func {
                    if terminal_signal(c) {
                        self.terminal_signal = true;
                    } else {
                        self.note_path(&p.path);
                        self.signal_called |= p
                            .path
                            .segments
                            .last()
                            .is_some_and(|s| s.ident == "signal" || s.ident == "ctrl_c");
                    }
                    self.facts.reads_args |= c.args.is_empty() && reads_args(&p.path);
                    // `TcpListener::bind("127.0.0.1:0")`
                    let bind = p.path.segments.last().is_some_and(|s| s.ident == "bind");
                    if let (true, Some(Expr::Lit(l))) = (bind && c.args.len() == 1, c.args.first())
                    {
                        self.facts.ephemeral_server |= matches!(&l.lit, syn::Lit::Str(s)
                            if matches!(s.value().as_str(), "127.0.0.1:0" | "localhost:0" | "[::1]:0"));
                    }
                }
                if c.args.len() == 2 {
                    self.facts.ephemeral_server |= is_zero(&c.args[1]) && is_loopback(&c.args[0]);
                }
            }
            Expr::Tuple(t) if t.elems.len() == 2 => {
                self.facts.ephemeral_server |= is_zero(&t.elems[1]) && is_loopback(&t.elems[0]);
            }
            Expr::Struct(s) => self.note_path(&s.path),
            _ => {}
        }
    }

    /// A path's first segment: a local package named, or a framework.
    fn note_path(&mut self, path: &syn::Path) {
        let Some(first) = path.segments.first() else {
            return;
        };
        if path.segments.len() < 2 {
            return;
        }
        let heads = &self.ctx.catalog.consumer_heads;
        if with_ident_str(&first.ident, |f| {
            heads.iter().any(|h| f.starts_with(h.as_str()))
        }) {
            let segments: Vec<String> = path.segments.iter().map(|s| s.ident.to_string()).collect();
            self.note_consumer(&segments);
        }
        if first.ident == "tokio" && path.segments[1].ident == "signal" {
            self.facts.waits_for_signal = true;
            self.shows_long_running();
        }
        let server = path
            .segments
            .iter()
            .skip(1)
            .any(|s| s.ident == "Server" || s.ident == "server");
        // `use tonic::transport; transport::Server::builder()`: the crate is the one
        // the `use` binds the first segment to; so for `use tonic::transport::Server;
        // Server::builder()`, which marks the function that starts the server rather
        // than, through the `use` alone, every function of the file.
        if server || first.ident == "Server" {
            let head = first.ident.to_string();
            if let Some(full) = self.imports.lookup(&head, false) {
                if let Some(package) = full.first().filter(|p| **p != head) {
                    let package = package.clone();
                    self.note_server_side(&package);
                }
            }
        }
        // Only a path from a crate a `not-serving` path starts with is built.
        let shape = &self.ctx.catalog.one_shot;
        let head = |f: &str| {
            shape
                .not_serving
                .iter()
                .any(|n| n.split("::").next() == Some(f))
        };
        let names_no_server = with_ident_str(&first.ident, head) && {
            let segments: Vec<String> = path.segments.iter().map(|s| s.ident.to_string()).collect();
            shape.names_no_server(&segments)
        };
        with_ident_str(&first.ident, |name| {
            if server {
                self.note_server_side(name);
            }
            if !names_no_server {
                self.note_crate(name);
            }
            let own = |d| own_library(d, name).filter(|_| name != "crate");
            let package = self.ctx.deps.and_then(|d| d.local_package(name).or(own(d)));
            if let Some(package) = package {
                let module = path.segments[1].ident.to_string();
                note_module(&mut self.facts.local_modules, package, module);
            }
        });
    }

    /// A path into the server side (`Server`, `server`) of a crate that builds
    /// clients just as well (`tonic::transport::Server`, `hyper::server::conn`): a
    /// framework there, though naming the crate alone is not (a gRPC client's
    /// `tonic::transport::Channel`).
    fn note_server_side(&mut self, name: &str) {
        let Some(deps) = self.ctx.deps else {
            return;
        };
        let package = deps.names.get(name).map_or(name, String::as_str);
        let shape = &self.ctx.catalog.one_shot;
        let both = shape.client_too.iter().chain(&shape.server_side);
        if both.into_iter().any(|c| same_crate(c, package)) {
            self.shows_long_running();
            self.facts.framework = true;
        }
    }

    /// A name written as a path's first segment (renames undone here).
    fn note_crate(&mut self, name: &str) {
        let Some(deps) = self.ctx.deps else {
            return;
        };
        if let Some(package) = deps.names.get(name) {
            self.note_package(deps, package);
        }
    }

    /// A dependency the file names: a framework makes it long-running; a local
    /// package is listed.
    fn note_package(&mut self, deps: &Deps, package: &str) {
        if is_framework(self.ctx.catalog, package) {
            self.shows_long_running();
            self.facts.framework = true;
        }
        // `crate`: the package's own library, named from one of its binaries.
        let local = package == "crate"
            || deps.path_deps.contains(package)
            || deps.workspace_deps.contains(package);
        if local && package != "crate" {
            count(&mut self.namings, package.to_string());
        }
        if local && !self.facts.local_crates.iter().any(|c| c == package) {
            self.facts.local_crates.push(package.to_string());
        }
    }

    /// A module of a module the file declares, imported by name (`mod cmd;` and `use
    /// crate::cmd::{apply, logs};`: `apply` is `cmd/apply`): tembo's `main` dispatches
    /// to `apply::execute(..)`.
    fn nested_module(&self, name: &str) -> Option<String> {
        let full = self.imports.lookup(name, false)?;
        let path = full
            .strip_prefix(["crate".to_string()].as_slice())
            .unwrap_or(&full);
        let valid = path.len() >= 2 && path.last().is_some_and(|l| l == name);
        (valid && self.mods.contains(&path[0])).then(|| path.join("/"))
    }

    /// The local packages the file names only in its dispatch's arms (each naming
    /// there is an arm's call): a command line's subcommands that run another
    /// package's code, as [`FileFacts::dispatched_crates`].
    pub(in crate::extract::rust::clients) fn note_dispatched(&mut self) {
        for (p, n) in std::mem::take(&mut self.dispatched) {
            let named = self
                .namings
                .iter()
                .find(|(q, _)| *q == p)
                .map_or(0, |(_, m)| *m);
            if named == n {
                self.facts.dispatched_crates.push(p);
            }
        }
    }

    /// What the file's `use`s name: local packages, frameworks.
    pub(super) fn file_shape(&mut self) {
        if self.ctx.deps.is_none() {
            return;
        }
        let paths: Vec<Vec<String>> = self
            .imports
            .bindings()
            .map(|(_, path)| path)
            .chain(self.imports.globs())
            .collect();
        // `use tokio::signal::unix::*`: it waits for a shutdown signal, as a daemon does,
        // unless only tasks that watch signals for a command's cleanup use it.
        let signal = paths
            .iter()
            .any(|p| p.len() >= 2 && p[0] == "tokio" && p[1] == "signal")
            && ((!self.signal_watcher && !self.terminal_signal) || self.signal_called);
        self.facts.long_running |= signal;
        self.facts.waits_for_signal |= signal;
        for p in &paths {
            self.note_consumer(p);
        }
        let deps = self.ctx.deps.expect("checked above");
        for p in &paths {
            let local = |c: &str| deps.path_deps.contains(c) || deps.workspace_deps.contains(c);
            if let [package, module, ..] = p.as_slice() {
                // A binary's `use my_app::crypto::init`: module `crypto` of its own library.
                // (`use crate::x` is the binary's own module, no package.)
                let own = own_library(deps, package).filter(|_| package != "crate");
                let package = own.unwrap_or(package);
                if local(package) || own.is_some() {
                    // `use svc::gateway::info::DeviceType`: the type, through its module.
                    let named = match p.last().filter(|l| l.starts_with(char::is_uppercase)) {
                        Some(ty) if p.len() > 2 => format!("{module}::{ty}"),
                        _ => module.clone(),
                    };
                    note_module(&mut self.facts.local_modules, package, named);
                }
                if p[1..].iter().any(|s| s == "Server" || s == "server") {
                    self.note_server_side(package);
                }
            }
        }
        let shape = &self.ctx.catalog.one_shot;
        let firsts: Vec<String> = paths
            .into_iter()
            .filter(|p| !shape.names_no_server(p))
            .filter_map(|p| p.into_iter().next())
            .collect();
        for package in firsts {
            // `bindings` gives package names (renames undone); the package's own
            // name (`use my_app::serve` in its binary) names its library.
            if deps.names.get(&package).is_some_and(|p| p == "crate") {
                self.note_package(deps, "crate");
            } else if package != "crate" && deps.depends_on(&package) {
                self.note_package(deps, &package);
            }
        }
    }
}

/// Lists (`package`, `module`) once.
/// `crate` when `name` is the package's own library (named from one of its binaries).
fn own_library<'d>(deps: &'d Deps, name: &str) -> Option<&'d str> {
    deps.names
        .get(name)
        .filter(|p| *p == "crate")
        .map(String::as_str)
}

fn note_module(list: &mut Vec<(String, String)>, package: &str, module: String) {
    if !list.iter().any(|(p, m)| p == package && *m == module) {
        list.push((package.to_string(), module));
    }
}

/// Adds one to `name`'s count.
fn count(counts: &mut Vec<(String, u32)>, name: String) {
    match counts.iter_mut().find(|(n, _)| *n == name) {
        Some((_, c)) => *c += 1,
        None => counts.push((name, 1)),
    }
}

fn is_framework(catalog: &Catalog, package: &str) -> bool {
    catalog
        .one_shot
        .servers_only()
        .any(|s| same_crate(s, package))
}

/// Whether the catalogue's crate name `name` is `package` once `-` is read as `_`
/// (asked for every path naming a dependency: no new string each time).
fn same_crate(name: &str, package: &str) -> bool {
    name.len() == package.len()
        && name
            .bytes()
            .zip(package.bytes())
            .all(|(a, b)| a == b || (a == b'-' && b == b'_'))
}

#[cfg(test)]
mod tests;
