//! The entries of one package being judged ([`super::entries`]): which files each
//! binary or dispatched command owns, and whether what it runs is long-running.

use std::path::{Path, PathBuf};

use rustc_hash::FxHashMap as HashMap;

use super::{quiet_by, runs_package, shows, LongRunning};
use crate::extract::rust::facts::FileFacts;

pub(super) struct Units<'a> {
    files: &'a [(usize, FileFacts)],
    paths: &'a [PathBuf],
    by_path: HashMap<&'a Path, usize>,
    long_running: &'a LongRunning<'a>,
    /// Some entry was judged long-running.
    saw_long_running: std::cell::Cell<bool>,
    /// The package library's quiet modules, under the name `crate`, once asked.
    library_quiet: std::cell::OnceCell<LongRunning<'static>>,
}

impl<'a> Units<'a> {
    pub(super) fn new(
        files: &'a [(usize, FileFacts)],
        paths: &'a [PathBuf],
        long_running: &'a LongRunning<'a>,
    ) -> Self {
        let by_path = (paths.iter().enumerate())
            .map(|(i, p)| (p.as_path(), i))
            .collect();
        Units {
            files,
            paths,
            by_path,
            long_running,
            saw_long_running: std::cell::Cell::new(false),
            library_quiet: std::cell::OnceCell::new(),
        }
    }

    /// Whether some entry was judged long-running.
    pub(super) fn saw_long_running(&self) -> bool {
        self.saw_long_running.get()
    }

    /// Whether the package's `main` binary (root file `root`) runs long by its own
    /// code: a loop in `src/main.rs` that awaits and never ends with its work
    /// (rebuilderd's worker polls its daemon in `run_worker_loop` beside `main`; not
    /// Replibyte's progress spinner on a thread of its own), or, when `main` runs one
    /// program rather than dispatching subcommands, such a loop in a module of it
    /// under `src/` (newsfrwdr's feed watchers, `Input::watch` in `src/input.rs`,
    /// which `main` spawns once per feed). A subcommand's loop is its own: the
    /// dispatch judges each subcommand by its files.
    pub(super) fn main_runs_long(&self, root: usize) -> bool {
        let main = &self.files[root].1;
        let module_loops = || {
            (self.paths.iter().zip(self.files))
                .any(|(p, (_, f))| f.awaiting_loop && p.starts_with("src") && in_library(p))
        };
        main.awaiting_loop || (main.dispatch.is_empty() && module_loops())
    }

    /// Whether a file of the package's library (outside `src/bin`, not `src/main.rs`)
    /// shows a long-running process.
    fn library_long_running(&self) -> bool {
        (self.paths.iter().zip(self.files)).any(|(p, (_, f))| in_library(p) && shows(f))
    }

    /// Whether a file of `unit` (a binary's) names the package's own library where it
    /// may start its process: the library shows one, and the file names its root, a
    /// module with a long-running file, or it through a glob ([`runs_package`]).
    pub(super) fn runs_library(&self, unit: &[usize]) -> bool {
        let names = |u: &usize| self.files[*u].1.local_crates.iter().any(|c| c == "crate");
        if !unit.iter().any(names) || !self.library_long_running() {
            return false;
        }
        let library = self.library_quiet.get_or_init(|| {
            let quiet = quiet_by(self.files, self.paths, shows, &in_library);
            LongRunning::from_iter([("crate", quiet)])
        });
        unit.iter()
            .filter(|u| names(u))
            .any(|&u| runs_package(library, &self.files[u].1, "crate"))
    }

    /// Every file under `dir`.
    pub(super) fn under(&self, dir: &Path) -> Vec<usize> {
        (0..self.paths.len())
            .filter(|&i| self.paths[i].starts_with(dir))
            .collect()
    }

    /// The file a binary root's subcommands are dispatched from, with its module
    /// directory: the root itself when it dispatches to two or more modules, or the
    /// one module it delegates its parsed subcommand to when that module dispatches
    /// ([`values`]: `main` → `command::AtuinCmd::run`).
    pub(super) fn dispatcher(&self, root: usize, base: &Path) -> Option<(usize, PathBuf)> {
        match self.files[root].1.dispatch.as_slice() {
            [] => None,
            [m] => {
                let (file, dir) = self.module_place(base, m)?;
                (self.files[file].1.dispatch.len() >= 2).then_some((file, dir))
            }
            _ => Some((root, base.to_path_buf())),
        }
    }

    /// The file of module `m` declared in module directory `base` (`m.rs` or
    /// `m/mod.rs`), with its own module directory; for a binary under `src/bin`, a
    /// module of the package's library (`src/m.rs`) when the binary has none so named.
    fn module_place(&self, base: &Path, m: &str) -> Option<(usize, PathBuf)> {
        let file = |base: &Path| {
            [base.join(format!("{m}.rs")), base.join(m).join("mod.rs")]
                .into_iter()
                .find_map(|p| self.by_path.get(p.as_path()).copied())
                .map(|f| (f, base.join(m)))
        };
        file(base).or_else(|| {
            base.starts_with("src/bin")
                .then(|| file(Path::new("src")))?
        })
    }

    /// The modules file `root` (module directory `base`) dispatches to, each an
    /// entry: judged, or split further when it dispatches too.
    pub(super) fn split(&self, root: usize, base: &Path, name: &str, out: &mut [Option<String>]) {
        for m in &self.files[root].1.dispatch {
            let Some((file, dir)) = self.module_place(base, m) else {
                continue;
            };
            let last = m.rsplit('/').next().unwrap_or(m);
            let command = format!("{name} {}", last.replace('_', "-"));
            if self.files[file].1.dispatch.len() < 2 {
                let mut unit = self.under(&dir);
                unit.push(file);
                self.judge(&unit, &format!("the `{command}` command"), out);
            } else {
                self.split(file, &dir, &command, out);
            }
        }
    }

    /// Whether file `f`'s naming of local package `c` may start its process, `c` a
    /// long-running package of the run ([`runs_package`]: atuin's search names
    /// `atuin_daemon::client` and `atuin_daemon::search`, quiet modules of the
    /// daemon's package, to query it; its `daemon` command names `atuin_daemon::boot`).
    fn runs(&self, f: &FileFacts, c: &str) -> bool {
        runs_package(self.long_running, f, c)
    }

    /// Marks the files of `unit` one-shot unless one of them shows a long-running
    /// process or names a long-running package of the run.
    pub(super) fn judge(&self, unit: &[usize], command: &str, out: &mut [Option<String>]) {
        let long_running = unit.iter().any(|&i| {
            let f = &self.files[i].1;
            shows(f) || f.local_crates.iter().any(|c| self.runs(f, c))
        });
        if long_running {
            self.saw_long_running.set(true);
            return;
        }
        for &i in unit {
            out[i] = Some(format!(
                "run only by {command}, a one-shot command (no loop, server, consumer or scheduler in its files)"
            ));
        }
    }
}

/// Whether a file (by its path in the package) is the package library's, not a
/// binary's.
fn in_library(path: &Path) -> bool {
    !path.starts_with("src/bin") && path != Path::new("src/main.rs")
}
