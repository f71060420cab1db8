//! Associated functions only dead code reaches: a client built in `Client::connect`
//! never runs when the only code naming `Client::connect` is `ShardedClient::connect`,
//! which nothing names at all (lorax's TCP connect path beside the Unix-socket one the
//! router uses). [`super::dead`] asks by name, and `connect` or `new` is every type's
//! (and every channel's method); an inherent function without `self` is reached only
//! through its type's path, so that path is what is asked here, along the chain of its
//! callers.
//!
//! `T::f` (an inherent function of `T` taking no `self`, not a trait's) is dead when
//! every function whose body calls `T::f` (`Self::f` read as the `impl`'s type) is
//! itself such a function and dead, and the text of the run names `T::f` (or `Self::f`
//! in a file with an `impl` of `T`) exactly once per such caller, outside test code and
//! line comments: no call is hidden in a macro, no path is passed as a value
//! (`.map(Client::connect_uds)`), no `static` calls it. Asked where [`super::dead`]
//! asks: packages whose every caller the run sees, for the candidate and each caller.
//! A type renamed by a `use .. as` or named by a type alias anywhere in the run is not
//! asked (its path can be spelt otherwise).

use std::path::Path;

use rayon::prelude::*;
use rustc_hash::{FxHashMap as HashMap, FxHashSet as HashSet};

use super::dead::{asked, whole_words, TestCode};
use super::link_key::typed_key;
use super::roles::own_name;
use super::test_only::client_fns;
use crate::extract::rust::{Deps, FileFacts};

/// One file of a package: (candidate index, facts).
type PackageFile = (usize, FileFacts);

/// How far back a chain of callers is followed.
const MAX_DEPTH: usize = 4;

/// Per package: the `Type::name` keys of functions clients are built in that only
/// dead code reaches (see the module's doc). Arguments as
/// [`super::dead::dead_functions`]'s.
pub(crate) fn dead_paths(
    packages: &[(Option<&Deps>, &[PackageFile])],
    whole: &[bool],
    tests: &[(usize, FileFacts)],
    rust_files: &[(usize, &Path)],
) -> Vec<HashSet<String>> {
    let mut out = vec![HashSet::default(); packages.len()];
    let asked: Vec<bool> = (packages.iter().enumerate())
        .map(|(j, (deps, files))| asked(*deps, files, whole[j]).is_some())
        .collect();
    let mut wanted: Vec<(usize, String)> = Vec::new();
    for (j, (_, files)) in packages.iter().enumerate().filter(|(j, _)| asked[*j]) {
        for (_, c, key) in client_fns(files) {
            if c.host_called {
                continue;
            }
            if let Some(typed) = typed_key(key).filter(|k| !k.contains("::{")) {
                wanted.push((j, typed.to_string()));
            }
        }
    }
    if wanted.is_empty() {
        return out;
    }
    let graph = Graph::of(packages, &asked);
    // The keys whose callers (by the facts) may all be dead: the candidates and the
    // callers followed from them.
    let mut chain: HashSet<&str> = HashSet::default();
    for (_, key) in &wanted {
        graph.follow(key, &mut chain);
    }
    if chain.is_empty() {
        return out;
    }
    let test_code = TestCode::of(packages, tests);
    let named = graph.named(&chain, rust_files, &test_code);
    // The largest set of chain keys whose callers are all in it and whose text names
    // them once per caller (a cycle of functions nothing else calls is dead too).
    let mut dead: HashSet<&str> = (chain.iter().copied())
        .filter(|k| named.get(k).copied() == Some(graph.callers(k).count()))
        .collect();
    loop {
        let before = dead.len();
        let keep: Vec<&str> = (dead.iter().copied())
            .filter(|k| graph.callers(k).all(|c| dead.contains(c)))
            .collect();
        dead = keep.into_iter().collect();
        if dead.len() == before {
            break;
        }
    }
    for (j, key) in wanted {
        if dead.contains(key.as_str()) {
            out[j].insert(key);
        }
    }
    out
}

/// The inherent functions without `self` of the asked packages, and who calls them by
/// their type's path.
struct Graph<'f> {
    /// `Type::name` of each function a candidate's chain may pass through (inherent,
    /// no `self`, in an asked package, no other function of its type and name that is
    /// otherwise), with its package (`None` when several packages define it).
    askable: HashMap<String, Option<usize>>,
    /// By `Type::name`: the link keys of the functions whose bodies call it (a free
    /// function's key is its name), each with its package (test code aside).
    callers: HashMap<&'f str, Vec<(String, usize)>>,
    /// `reach[k][j]`: package `k` may call into package `j`: the same package, one
    /// depending on it through packages of the run, or either unnamed.
    reach: Vec<Vec<bool>>,
    /// The package of each file of the run (by candidate index).
    package_of: HashMap<usize, usize>,
    /// Files with an `impl` of each type (by name): where `Self::name` may be its.
    impl_files: HashMap<&'f str, HashSet<usize>>,
    /// Types a type alias of the run names: their paths can be spelt otherwise.
    aliased: HashSet<&'f str>,
}

impl<'f> Graph<'f> {
    fn of(packages: &'f [(Option<&Deps>, &[PackageFile])], asked: &[bool]) -> Self {
        let mut askable: HashMap<String, Option<usize>> = HashMap::default();
        let mut refused: HashSet<String> = HashSet::default();
        let mut callers: HashMap<&str, Vec<(String, usize)>> = HashMap::default();
        let mut package_of: HashMap<usize, usize> = HashMap::default();
        let mut impl_files: HashMap<&str, HashSet<usize>> = HashMap::default();
        let mut aliased: HashSet<&str> = HashSet::default();
        for (j, (_, files)) in packages.iter().enumerate() {
            for (i, f) in files.iter() {
                package_of.insert(*i, j);
                aliased.extend(f.aliases.iter().map(|(_, target)| target.as_str()));
                for info in f.routes.fns.iter() {
                    let key = match &info.owner {
                        Some(owner) => {
                            impl_files.entry(owner.as_str()).or_default().insert(*i);
                            let key = format!("{owner}::{}", info.name);
                            if !info.method && !info.of_trait && asked[j] {
                                let home = askable.entry(key.clone()).or_insert(Some(j));
                                if *home != Some(j) {
                                    *home = None;
                                }
                            } else {
                                refused.insert(key.clone());
                            }
                            key
                        }
                        None => info.name.to_string(),
                    };
                    for called in info.type_calls().iter() {
                        let list = callers.entry(called).or_default();
                        if !list.iter().any(|(k, p)| *k == key && *p == j) {
                            list.push((key.clone(), j));
                        }
                    }
                }
            }
        }
        askable.retain(|k, _| !refused.contains(k));
        Graph {
            askable,
            callers,
            reach: reach(packages),
            package_of,
            impl_files,
            aliased,
        }
    }

    /// Whether code of package `from` (`None`: no package's) may call a function of
    /// package `to` (`None`: of several packages).
    fn may_call(&self, from: Option<usize>, to: Option<usize>) -> bool {
        match (from, to) {
            (Some(k), Some(j)) => self.reach[k][j],
            _ => true,
        }
    }

    /// The callers of `key` that may call into its package.
    fn callers<'k>(&'k self, key: &str) -> impl Iterator<Item = &'k str> + 'k {
        let home = self.askable.get(key).copied().flatten();
        (self.callers.get(key).into_iter().flatten())
            .filter(move |(_, p)| self.may_call(Some(*p), home))
            .map(|(k, _)| k.as_str())
    }

    /// Adds `key` and, back to [`MAX_DEPTH`] callers, the callers of each key added
    /// to `chain`, when askable: a caller that is not stays out, and keeps the keys it
    /// calls alive in [`dead_paths`]'s fixpoint.
    fn follow<'k>(&'k self, key: &str, chain: &mut HashSet<&'k str>) {
        let mut next: Vec<&'k str> = Vec::new();
        if let Some((key, _)) = self.askable.get_key_value(key) {
            next.push(key);
        }
        for _ in 0..=MAX_DEPTH {
            let mut callers = Vec::new();
            for key in next.drain(..) {
                let ty = key.split_once("::").map_or("", |(t, _)| t);
                if self.aliased.contains(ty) || !chain.insert(key) {
                    continue;
                }
                let askable = self
                    .callers(key)
                    .filter_map(|c| self.askable.get_key_value(c));
                callers.extend(askable.map(|(k, _)| k.as_str()));
            }
            next = callers;
        }
    }

    /// How many times the text of the packages that may call each key of `chain`
    /// names it as a path (`T::f`, or `Self::f` in a file with an `impl` of `T`),
    /// outside test code and line comments; a key whose type a `use .. as` renames
    /// there counts as named without end.
    fn named<'k>(
        &self,
        chain: &HashSet<&'k str>,
        files: &[(usize, &Path)],
        tests: &TestCode,
    ) -> HashMap<&'k str, usize> {
        let keys: Vec<&str> = chain.iter().copied().collect();
        let split = |k: &'k str| k.split_once("::").unwrap_or((k, ""));
        let finder = |s: String| memchr::memmem::Finder::new(s.as_bytes()).into_owned();
        let paths: Vec<_> = keys.iter().map(|k| finder(k.to_string())).collect();
        let selves: Vec<_> = keys
            .iter()
            .map(|k| finder(format!("Self::{}", split(k).1)))
            .collect();
        let renames: Vec<_> = keys
            .iter()
            .map(|k| finder(format!("{} as", split(k).0)))
            .collect();
        let homes: Vec<Option<usize>> = (keys.iter())
            .map(|k| self.askable.get(*k).copied().flatten())
            .collect();
        let counts = files
            .par_iter()
            .filter(|(i, _)| !tests.files.contains(i))
            .map(|&(i, path)| {
                let from = self.package_of.get(&i).copied();
                let mut counts = vec![0usize; keys.len()];
                if !(0..keys.len()).any(|n| self.may_call(from, homes[n])) {
                    return counts;
                }
                let text = std::fs::read(path).unwrap_or_default();
                let in_test = tests.in_test(i, &text);
                for (n, count) in counts.iter_mut().enumerate() {
                    if !self.may_call(from, homes[n]) {
                        continue;
                    }
                    if whole_words(&text, &renames[n], &in_test, 1) > 0 {
                        *count = usize::MAX / 4;
                        continue;
                    }
                    let own =
                        (self.impl_files.get(split(keys[n]).0)).is_some_and(|s| s.contains(&i));
                    if own {
                        *count += whole_words(&text, &selves[n], &in_test, usize::MAX);
                    }
                    *count += whole_words(&text, &paths[n], &in_test, usize::MAX);
                }
                counts
            })
            .reduce(
                || vec![0; keys.len()],
                |a, b| {
                    a.iter()
                        .zip(&b)
                        .map(|(x, y)| x.saturating_add(*y))
                        .collect()
                },
            );
        keys.into_iter().zip(counts).collect()
    }
}

/// `reach[k][j]`: package `k` may call into package `j` (see [`Graph::reach`]).
fn reach(packages: &[(Option<&Deps>, &[PackageFile])]) -> Vec<Vec<bool>> {
    let n = packages.len();
    let names: Vec<Option<&str>> = packages.iter().map(|(d, _)| own_name(*d)).collect();
    // users[j]: the packages depending on package `j` directly.
    let users: Vec<Vec<usize>> = (0..n)
        .map(|j| {
            (0..n)
                .filter(|&k| k != j)
                .filter(|&k| {
                    names[j].is_some_and(|name| packages[k].0.is_some_and(|d| d.depends_on(name)))
                })
                .collect()
        })
        .collect();
    let mut reach = vec![vec![false; n]; n];
    for j in 0..n {
        let mut stack = vec![j];
        while let Some(k) = stack.pop() {
            if !std::mem::replace(&mut reach[k][j], true) {
                stack.extend(users[k].iter().copied());
            }
        }
        for k in 0..n {
            if names[j].is_none() || names[k].is_none() {
                reach[k][j] = true;
            }
        }
    }
    reach
}
