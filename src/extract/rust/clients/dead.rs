//! Functions nothing calls: a client built in one is never built, so it is neither
//! judged nor counted (lighthouse's `ValidatorClientHttpClient::new_unauthenticated`,
//! screenpipe's `unstructured_chunking`: a search of the repository finds their names
//! only where they are defined). Nor is one only tests call (lodestone's
//! `get_paper_versions`, run by a `#[cfg(test)]` test alone): the program never runs it.
//!
//! A function a client is built in is dead when its name appears, as a whole word, in
//! no Rust file of the run but once (its definition), test code aside (files left out
//! as tests, inline test modules): not called, not passed as a value, not named in a
//! macro or a string (a line comment's mention is none), or named only in the bodies
//! of functions that are dead in turn ([`super::dead_callers`]: coreyja.com's
//! `create_linear_client`, whose one caller `get_standup_data` nothing calls). Asked only where the run sees
//! every possible caller: a package of a workspace that cannot be published
//! ([`Deps::unpublished_member`], not a plugin a host loads) or that a program of the
//! workspace is built from ([`Deps::app_component`]: boundless's `boundless-market`,
//! an SDK its order generator uses, whose `PinataStorageUploader::new` nothing
//! calls), in a run that holds the workspace's root manifest, a program of its own
//! that cannot be published ([`Deps::standalone_program`]: Guardian's `hostd`, a
//! library beside its daemon), or a whole program with no library ([`binaries_only`]).
//! A function its callers need not name is never asked: a trait's method, or one an
//! attribute or a foreign ABI hands to a framework or host
//! ([`ClientOrigin::host_called`]), and `main`.
//!
//! A free function's name another file binds elsewhere is not its use there: a file
//! whose `use` brings the name in from another module (`use ..::checkpoint::
//! set_file_checkpoint`, beside a dead `quadratic_api::set_file_checkpoint`) or from
//! another party's crate, or that defines a free function of that name of its own and
//! imports none, calls its own; its bodies' calls and its text do not count. Nor
//! does what cannot reach a free function at all: a method call (`store.name()`), an
//! item of a type (`Self::name(..)`, `Relay::name(..)`) or another function's
//! definition (`fn name(&self)`): moly-sync's `test_connection`, which nothing calls
//! though two types have functions of that name ([`free_fn_mentions`]).
//!
//! The text is read only for the functions no running body of the run reaches by
//! name through the call graph, and their callers. Known
//! limits: a function whose name a macro builds (`paste!`) has no caller by name and is
//! taken; a name shared with any other word of the run (a method `connect` beside
//! another type's) keeps the function judged, as does a caller only a file left out
//! of the run names, or a test file skipped before it was parsed (an integration
//! test whose facts the run never made).
//!
//! [`ClientOrigin::host_called`]: crate::extract::rust::facts::ClientOrigin::host_called

use std::path::Path;

use rayon::prelude::*;
use rustc_hash::{FxHashMap as HashMap, FxHashSet as HashSet};

use super::dead_callers;
use super::link_key::fn_name;
use super::mentions::{free_fn_mentions, word_starts, TestCode};
use super::test_only::{client_fns, free_calls};
use crate::extract::rust::extractor::module_name;
use crate::extract::rust::routes::FnInfo;
use crate::extract::rust::{Deps, FileFacts};

/// One file of a package: (candidate index, facts).
type PackageFile = (usize, FileFacts);

/// Per package: the names of the functions clients are built in that nothing calls
/// (see the module's doc). `whole[j]`: the run holds package `j`'s workspace root;
/// `tests`: the facts of the files left out as test code; `rust_files`: every Rust
/// file of the run.
pub(crate) fn dead_functions(
    packages: &[(Option<&Deps>, &[PackageFile])],
    whole: &[bool],
    tests: &[(usize, FileFacts)],
    rust_files: &[(usize, &Path)],
) -> Vec<HashSet<String>> {
    let mut out = vec![HashSet::default(); packages.len()];
    let closed: Vec<Option<bool>> = (packages.iter().enumerate())
        .map(|(j, (deps, files))| asked(*deps, files, whole[j]))
        .collect();
    let mut q = Questions::default();
    for (j, (_, files)) in packages.iter().enumerate() {
        let Some(closed) = closed[j] else { continue };
        for (file, c, key) in client_fns(files) {
            if c.host_called || key.starts_with("static ") {
                continue;
            }
            if let Some(name) = fn_name(key).filter(|n| *n != "main") {
                out[j].insert(name.to_string());
                q.add(name, !key.contains("::"), file, (closed, files));
            }
        }
    }
    if q.names.is_empty() {
        return out;
    }
    let all: Vec<&(usize, FileFacts)> = packages
        .iter()
        .flat_map(|(_, files)| files.iter())
        .chain(tests)
        .collect();
    let path_of: HashMap<usize, &Path> = rust_files.iter().copied().collect();
    let mut elsewhere = bound_elsewhere(&q.homes, &all, &path_of);
    // A name some running body calls is not dead: no text to read. Test code's calls
    // do not count: a function only tests run is never run by the program.
    let asked: Vec<bool> = closed.iter().map(Option::is_some).collect();
    let (unreached, callers) = {
        let other = |n: &str, i: usize| elsewhere.get(n).is_some_and(|s| s.contains(&i));
        let free = |n: &str| q.homes.get(n).is_some_and(Option::is_some);
        let edge =
            |info: &FnInfo, n: &str, i: usize| !other(n, i) && (!free(n) || free_calls(info, n));
        dead_callers::unreached(packages, &asked, &q.names, &edge)
    };
    q.names = unreached;
    let before = q.homes.clone();
    for &(j, i, info) in &callers {
        let closed = closed[j] == Some(true);
        q.add(&info.name, info.owner.is_none(), i, (closed, packages[j].1));
    }
    // A caller may share a wanted function's name (`api::quote` calling a client's
    // maker beside `report::quote` building one): the name then has no one home,
    // and where it was bound elsewhere no longer holds.
    let new_homes: HashMap<&str, Option<usize>> = (q.homes.iter())
        .filter(|(n, h)| before.get(*n) != Some(*h))
        .map(|(n, h)| (*n, *h))
        .collect();
    elsewhere.retain(|n, _| !new_homes.contains_key(n));
    elsewhere.extend(bound_elsewhere(&new_homes, &all, &path_of));
    let test_code = TestCode::of(packages, tests);
    // What each file's `use`s bind: a re-export (`pub use pipeline::{inlet, outlet}`
    // in `services/mod.rs`) names a function without calling it.
    let uses: HashMap<usize, &str> = all.iter().map(|(i, f)| (*i, &*f.routes.uses)).collect();
    let free = |n: &str| q.homes.get(n).is_some_and(Option::is_some);
    let mentions = mentions(&q, rust_files, (&elsewhere, &uses), &test_code, &free);
    let dead = only_in_dead_bodies(&q, &mentions, packages, &free);
    for set in &mut out {
        set.retain(|n| dead.contains(n.as_str()));
    }
    out
}

/// The functions a dead-code question is asked about, by name.
#[derive(Default)]
struct Questions<'p> {
    names: HashSet<&'p str>,
    /// Each free function's file (candidate index), when one file defines it.
    homes: HashMap<&'p str, Option<usize>>,
    /// Where each name's callers can be: `None`, any file of the run; else the files
    /// of the binaries-only packages that define it (no other crate can call in).
    scopes: HashMap<&'p str, Option<HashSet<usize>>>,
    /// The files defining each.
    defined_in: HashMap<&'p str, HashSet<usize>>,
}

impl<'p> Questions<'p> {
    /// Asks about `name`, defined in `file` as a free function or not (`free`), of a
    /// package closed or not (binaries only) whose files are `files`.
    fn add(&mut self, name: &'p str, free: bool, file: usize, package: (bool, &[PackageFile])) {
        let (closed, files) = package;
        self.names.insert(name);
        let scope = (self.scopes.entry(name)).or_insert_with(|| closed.then(HashSet::default));
        if let Some(scope) = scope.as_mut().filter(|_| closed) {
            scope.extend(files.iter().map(|(i, _)| *i));
        } else {
            *scope = None;
        }
        let home = free.then_some(file);
        let entry = self.homes.entry(name).or_insert(home);
        if *entry != home {
            *entry = None;
        }
        self.defined_in.entry(name).or_default().insert(file);
    }
}

/// Of the names asked about, those whose every mention (`mentions`: file, byte) but
/// a method's definition lies in the body of a function of such a name: the
/// greatest set that holds, found by starting from all and dropping the names with
/// a mention outside until none is dropped (a function only dead functions call is
/// dead, whichever order they are met in; two that call each other and nothing else
/// are both dead).
fn only_in_dead_bodies<'p>(
    q: &Questions<'p>,
    mentions: &HashMap<&'p str, Mentions>,
    packages: &[(Option<&Deps>, &[PackageFile])],
    free: &dyn Fn(&str) -> bool,
) -> HashSet<&'p str> {
    let facts: HashMap<usize, &FileFacts> = (packages.iter())
        .flat_map(|(_, files)| files.iter().map(|(i, f)| (*i, f)))
        .collect();
    // Per file, the bodies of the functions asked about: (start, end, name).
    let mut bodies: HashMap<usize, Vec<(usize, usize, &str)>> = HashMap::default();
    for (&n, files) in &q.defined_in {
        for (i, f) in files.iter().filter_map(|i| Some((*i, facts.get(i)?))) {
            let named =
                (f.routes.fns.iter()).filter(|x| x.name == n && !(free(n) && x.owner.is_some()));
            let spans = named.map(|x| (x.body.0 as usize, x.body.1 as usize, n));
            bodies.entry(i).or_default().extend(spans);
        }
    }
    let mut dead: HashSet<&str> = (mentions.iter())
        .filter(|(_, m)| m.is_some())
        .map(|(n, _)| *n)
        .collect();
    loop {
        let in_dead = |i: usize, at: usize| {
            (bodies.get(&i).into_iter().flatten())
                .any(|&(s, e, m)| (s..e).contains(&at) && dead.contains(m))
        };
        let live = |n: &str| {
            let at = mentions
                .get(n)
                .and_then(Option::as_ref)
                .into_iter()
                .flatten();
            at.filter(|&&(i, at)| !in_dead(i, at)).count()
        };
        let alive: Vec<&str> = (dead.iter().copied())
            .filter(|n| live(n) != usize::from(!free(n)))
            .collect();
        if alive.is_empty() {
            return dead;
        }
        for n in alive {
            dead.remove(n);
        }
    }
}

/// Whether the run sees every caller of package `files`' functions, and then whether
/// the package is closed (binaries only, [`binaries_only`]): a workspace member that
/// cannot be published or that a program of the workspace is built from
/// ([`Deps::app_component`]), in a run that holds its workspace's root (`whole`), an
/// unpublishable program of its own ([`Deps::standalone_program`]) whose binaries run
/// a `main` ([`runs_main`]), or a whole program with no library.
pub(super) fn asked(deps: Option<&Deps>, files: &[PackageFile], whole: bool) -> Option<bool> {
    let member = deps.is_some_and(|d| (d.unpublished_member || d.app_component) && !d.host_loaded);
    let program = deps.is_some_and(|d| d.standalone_program) && runs_main(files);
    let closed = binaries_only(deps, files);
    (member && whole || program || closed).then_some(closed)
}

/// A whole program with no library: no other crate can call into a package whose
/// only targets are binaries (a binary is nobody's dependency), so its files name
/// every caller its functions have, whether or not the run holds its workspace's root
/// (PinePods' `rust-api`, whose `get_video_date` nothing calls). Whole: each binary
/// root defines a `main` that calls something; without one (or with `fn main() {}`)
/// the files are a fragment of a program (a snippet, a sketch, a stub), whose callers
/// are not written or not in the run.
fn binaries_only(deps: Option<&Deps>, files: &[PackageFile]) -> bool {
    if deps.is_none_or(|d| d.lib_path.is_some() || d.host_loaded) {
        return false;
    }
    !files.iter().any(|(_, f)| f.library_root) && runs_main(files)
}

/// Whether the package's files hold a binary root and each defines a `main` that
/// calls something: a whole program, not a fragment of one (a snippet, a sketch, a
/// stub: `fn main() {}`), whose callers are not written or not in the run.
fn runs_main(files: &[PackageFile]) -> bool {
    let defines_main = |f: &FileFacts| {
        (f.routes.fns.iter()).any(|i| {
            let calls = i.calls().iter().next().is_some() || i.fn_calls().iter().next().is_some();
            i.name == "main" && i.owner.is_none() && !i.method && calls
        })
    };
    let mut roots = files.iter().filter(|(_, f)| f.binary_root).peekable();
    roots.peek().is_some() && roots.all(|(_, f)| defines_main(f))
}

/// Per wanted free function (`homes`: its one defining file), the files whose
/// mentions of its name are another function's: a `use` binds the name to another
/// module's function (the module before the name differs from the home file's) or to
/// another party's code, or, with no `use` of it, the file defines a free function of
/// that name itself.
fn bound_elsewhere<'w>(
    homes: &HashMap<&'w str, Option<usize>>,
    files: &[&(usize, FileFacts)],
    path_of: &HashMap<usize, &Path>,
) -> HashMap<&'w str, HashSet<usize>> {
    let mut out: HashMap<&str, HashSet<usize>> = HashMap::default();
    for (&name, &home) in homes {
        let Some(home) = home else { continue };
        let Some(module) = path_of.get(&home).map(|p| module_name(p)) else {
            continue;
        };
        let bound = |f| use_path(f, name);
        // The modules re-exporting the candidate (`d3/mod.rs`: `pub use
        // metadata::get_metadata`, or all of its module: valheim-docker's `mods/mod.rs`,
        // `pub use valheim_plus::*`): an import from one (`use super::get_metadata`)
        // names the same function.
        let at = |i: usize| path_of.get(&i).copied();
        let glob_of_home = |f: &FileFacts, at: Option<&Path>| {
            (f.routes.uses.lines().filter_map(|l| l.strip_prefix("* ")))
                .any(|g| g.rsplit("::").next().and_then(|m| named_module(m, at)) == Some(module))
        };
        let reexports: HashSet<&str> = (files.iter().filter(|x| x.0 != home))
            .filter(|x| {
                bound(&x.1).and_then(|p| module_of(p, at(x.0))) == Some(module)
                    || glob_of_home(&x.1, at(x.0))
            })
            .filter_map(|x| path_of.get(&x.0).map(|p| module_name(p)))
            .collect();
        for (i, f) in files.iter().map(|x| (x.0, &x.1)) {
            if i == home {
                continue;
            }
            let other = match bound(f) {
                Some(path) => {
                    // Defined or re-exported at a library's root (`pub use
                    // simple::report` in `lib.rs`): another crate imports it as
                    // `its_crate::report` (drogue-cloud's ttn-operator `main.rs`:
                    // `use drogue_cloud_ttn_operator::run`).
                    let at_root = module.is_empty() || reexports.contains("");
                    let from_root = at_root && path.matches("::").count() == 1;
                    let theirs = |m: &str| m != module && !reexports.contains(m) && !from_root;
                    path.is_empty() || module_of(path, at(i)).is_some_and(theirs)
                }
                None => (f.routes.fns.iter())
                    .any(|info| info.name == name && !info.method && info.owner.is_none()),
            };
            if other {
                out.entry(name).or_default().insert(i);
            }
        }
    }
    out
}

/// The path a file's `use`s bind `name` to (empty for another party's code).
fn use_path<'f>(f: &'f FileFacts, name: &str) -> Option<&'f str> {
    f.routes.uses.lines().find_map(|l| {
        let (n, path) = l.split_once(' ')?;
        (n == name).then_some(path)
    })
}

/// The module a use path's item is in (`metadata` of `crate::d3::metadata::get`), as
/// named from the file `at` that writes it: `self::` is the file's module, `super::`
/// its parent (`d3` for `use super::get` in `d3/offchain.rs`).
fn module_of<'p>(path: &'p str, at: Option<&'p Path>) -> Option<&'p str> {
    named_module(path.rsplit("::").nth(1)?, at)
}

/// The module a path segment names from the file `at` ([`module_of`]): `self`,
/// `super` and `crate` resolved, any other segment as it is.
fn named_module<'p>(segment: &'p str, at: Option<&'p Path>) -> Option<&'p str> {
    match segment {
        "self" => at.map(module_name),
        "super" => {
            let at = at?;
            let dir = at.parent()?;
            let parent = if at.file_stem().is_some_and(|s| s == "mod") {
                dir.parent()?
            } else {
                dir
            };
            parent.file_name()?.to_str()
        }
        "crate" => Some(""),
        m => Some(m),
    }
}

/// Where each name asked about is mentioned as a whole word in all of `files`
/// (candidate index, path): (file, byte of the text after a byte order mark), or
/// `None` when too often to be dead. Not counted: test code, a free function's
/// definition and what cannot name it ([`free_fn_mentions`]), a file where the name
/// is another function's (`elsewhere`) or one outside the name's scope (`scopes`:
/// the files of its closed packages, where it has one), nor the first mention in a
/// file whose `use` binds the name (`uses`, [`FileRoutes::uses`]: an import or
/// re-export calls nothing; a caller names the function again where it calls it).
///
/// [`FileRoutes::uses`]: crate::extract::rust::routes::FileRoutes
fn mentions<'w>(
    q: &Questions<'w>,
    files: &[(usize, &Path)],
    (elsewhere, uses): (&HashMap<&str, HashSet<usize>>, &HashMap<usize, &str>),
    tests: &TestCode,
    free: &(dyn Fn(&str) -> bool + Sync),
) -> HashMap<&'w str, Mentions> {
    let mut names: Vec<&str> = q.names.iter().copied().collect();
    names.sort_unstable();
    let finders: Vec<memchr::memmem::Finder> =
        names.iter().map(memchr::memmem::Finder::new).collect();
    let in_scope = |n: &str, i: usize| {
        (q.scopes.get(n)).is_none_or(|s| s.as_ref().is_none_or(|s| s.contains(&i)))
    };
    let per_file: Vec<Vec<Mentions>> = files
        .par_iter()
        .map(|&(i, path)| {
            if tests.files.contains(&i) || !names.iter().any(|n| in_scope(n, i)) {
                return vec![Some(Vec::new()); names.len()];
            }
            let text = std::fs::read(path).unwrap_or_default();
            let bom = if text.starts_with(b"\xEF\xBB\xBF") {
                3
            } else {
                0
            };
            let in_test = tests.in_test(i, &text);
            let other = |n: &str| elsewhere.get(n).is_some_and(|s| s.contains(&i));
            (finders.iter().zip(&names))
                .map(|(f, n)| {
                    if other(n) || !in_scope(n, i) {
                        return Some(Vec::new());
                    }
                    let imported = uses.get(&i).is_some_and(|u| binds(u, n));
                    let found: Vec<usize> = match free(n) {
                        true => free_fn_mentions(&text, f, &in_test)
                            .take(MAX_MENTIONS + 1)
                            .collect(),
                        false => word_starts(&text, f, &in_test)
                            .take(MAX_MENTIONS + 1)
                            .collect(),
                    };
                    let found = &found[usize::from(imported).min(found.len())..];
                    (found.len() <= MAX_MENTIONS)
                        .then(|| found.iter().map(|at| (i, at.saturating_sub(bom))).collect())
                })
                .collect()
        })
        .collect();
    let mut out: HashMap<&str, Mentions> = (names.iter()).map(|n| (*n, Some(Vec::new()))).collect();
    for file in per_file {
        for (n, found) in names.iter().zip(file) {
            let entry = out.get_mut(n).expect("every name has an entry");
            match (entry.as_mut(), found) {
                (Some(all), Some(found)) => all.extend(found),
                _ => *entry = None,
            }
        }
    }
    out
}

/// Where a name is mentioned: (file, byte), or `None` for too often to be dead.
type Mentions = Option<Vec<(usize, usize)>>;

/// More mentions of a name in one file than this, and it is not asked about: a
/// dead function is rarely named so often.
const MAX_MENTIONS: usize = 16;

/// Whether a file's `uses` ([`FileRoutes::uses`] lines, `name path`) bind `name`.
///
/// [`FileRoutes::uses`]: crate::extract::rust::routes::FileRoutes
fn binds(uses: &str, name: &str) -> bool {
    uses.lines()
        .any(|l| l.split_once(' ').is_some_and(|(n, _)| n == name))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_use_paths_module_as_named_from_its_file() {
        let at = |p: &'static str| Some(Path::new(p));
        assert_eq!(
            module_of("crate::d3::metadata::get", None),
            Some("metadata")
        );
        assert_eq!(
            module_of("super::get", at("src/d3/offchain.rs")),
            Some("d3")
        );
        assert_eq!(
            module_of("super::get", at("src/d3/inner/mod.rs")),
            Some("d3")
        );
        assert_eq!(module_of("self::get", at("src/d3/mod.rs")), Some("d3"));
        assert_eq!(module_of("crate::get", None), Some(""));
        assert_eq!(module_of("get", None), None);
    }

    #[test]
    fn a_use_binds_the_names_of_its_lines() {
        let uses = "inlet_filter crate::services::pipeline::inlet_filter\ntake \n";
        assert!(binds(uses, "inlet_filter") && binds(uses, "take"));
        assert!(!binds(uses, "inlet") && !binds(uses, "pipeline") && !binds("", "take"));
    }
}
