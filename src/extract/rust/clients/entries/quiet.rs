//! What of a package runs no process, so that a command naming it does not run it:
//! its quiet modules and types ([`Quiet`]), and whether a file shows or serves a
//! lasting process.

use std::path::{Path, PathBuf};

use rustc_hash::{FxHashMap as HashMap, FxHashSet as HashSet};

use crate::extract::rust::facts::FileFacts;

/// The run's long-running packages (a command naming one may run it), each with its
/// quiet modules ([`quiet_by`]).
pub(crate) type LongRunning<'a> = HashMap<&'a str, Quiet>;

/// What of a package runs no process: its quiet top-level modules and types, and the
/// types a file that does defines (`loud`).
#[derive(Debug, Default)]
pub(crate) struct Quiet {
    names: HashSet<String>,
    loud: HashSet<String>,
    /// The library's root (`lib.rs`) shows no process: a type named at the root that no
    /// file defines (an alias, `pub type NodeId = u64`, or one a macro declares,
    /// `declare_raft_types!(pub TypeConfig: ..)`) is as quiet as the root's own.
    root: bool,
}

impl Quiet {
    /// Whether naming `item` of the package runs nothing: a quiet module, or a type
    /// (`gateway::DeviceType`) a quiet file defines; a type the package does not
    /// define (generated, re-exported) is as quiet as the module it is named through.
    fn holds(&self, item: &str) -> bool {
        match item.rsplit_once("::") {
            Some((module, ty)) => {
                self.names.contains(ty) || (!self.loud.contains(ty) && self.names.contains(module))
            }
            None => {
                let ty = item.starts_with(|c: char| c.is_ascii_uppercase());
                self.names.contains(item) || (ty && self.root && !self.loud.contains(item))
            }
        }
    }
}

/// A package's top-level modules (`src/client.rs`, `src/search/**`) none of whose
/// files `shows` a long-running process (or, asked with [`serves`], serves one): code a command may use (a client of the
/// package's daemon) without running the package's process. The root (`lib.rs`,
/// `main.rs`) is never quiet. Types (`KeyRole`, named by a `use` or a path) are
/// listed too, quiet when no file defining one shows a process: a command that
/// imports a service's enum does not run the service; one the root names but no file
/// defines is quiet when the root files show none ([`Quiet::root`]).
/// Only the files whose path `keep` takes are read (a package's library without its
/// binaries: [`super::units`]).
pub(crate) fn quiet_by(
    files: &[(usize, FileFacts)],
    paths: &[PathBuf],
    shows: fn(&FileFacts) -> bool,
    keep: &dyn Fn(&Path) -> bool,
) -> Quiet {
    let mut quiet: HashMap<&str, bool> = HashMap::default();
    let mut loud = HashSet::default();
    let mut root = true;
    let kept = || (paths.iter().zip(files)).filter(|(p, _)| keep(p));
    for (_, (_, f)) in kept() {
        for t in &f.types {
            *quiet.entry(t.as_str()).or_insert(true) &= !shows(f);
            if shows(f) {
                loud.insert(t.clone());
            }
        }
    }
    for (path, (_, f)) in kept() {
        let mut parts = path.components().map(|c| c.as_os_str().to_str());
        let (Some(Some("src")), Some(Some(first)), rest) =
            (parts.next(), parts.next(), parts.next())
        else {
            continue;
        };
        let module = match rest {
            Some(_) => first,
            None => match first.strip_suffix(".rs") {
                // A path into the package reaches its library, never a binary's root.
                Some("lib") => {
                    root &= !shows(f);
                    continue;
                }
                Some("main") => continue,
                None => continue,
                Some(m) => m,
            },
        };
        *quiet.entry(module).or_insert(true) &= !shows(f);
    }
    let names = quiet
        .into_iter()
        .filter(|(_, q)| *q)
        .map(|(m, _)| m.to_string())
        .collect();
    Quiet { names, loud, root }
}

/// Whether a file runs a process that lasts: it waits for a shutdown signal or
/// registers a route. A loop alone may be a helper's background task (a settings
/// reloader a command's tracing set-up spawns), and a library naming a framework may
/// only offer it a layer (a tracing middleware).
pub(crate) fn serves(f: &FileFacts) -> bool {
    f.waits_for_signal
        || !f.routes.routes.is_empty()
        || !f.routes.handlers.is_empty()
        || !f.routes.macro_registered.is_empty()
}

/// Whether a file shows a long-running process of its own: a loop, a framework, a
/// route.
pub(crate) fn shows(f: &FileFacts) -> bool {
    f.long_running
        || !f.routes.routes.is_empty()
        || !f.routes.handlers.is_empty()
        || !f.routes.macro_registered.is_empty()
}

/// Whether file `f`'s naming of local package `c` may start its process: `c` is one
/// of `running` and some path of `f` into it names its root, a module with a
/// long-running file or a type such a file defines. A file naming the package with
/// no module seen (a glob) may start it.
pub(crate) fn runs_package(running: &LongRunning, f: &FileFacts, c: &str) -> bool {
    let Some(quiet) = running.get(c) else {
        return false;
    };
    let mut modules = f.local_modules.iter().filter(|(p, _)| p == c).peekable();
    modules.peek().is_none() || modules.any(|(_, m)| !quiet.holds(m))
}
