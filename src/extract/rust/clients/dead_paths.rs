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
//! itself such a function and dead (four callers back at most), and the text of the
//! packages that may call it (its own and those depending on it) names `T::f` (or
//! `Self::f` in a file with an `impl` of `T`) exactly once per such caller, outside test
//! code and line comments: no call is hidden in a macro, no path is passed as a value
//! (`.map(Client::connect_uds)`), no `static` calls it. The callers decide first; the
//! text is read only for the keys they leave dead. Asked where [`super::dead`] asks:
//! packages whose every caller the run sees, for the candidate and each caller. A type
//! a type alias of the run names is not asked, nor one a `use .. as` renames in those
//! packages' text (its path can be spelt otherwise), nor a function whose name a
//! macro calls through a metavariable (`<$type>::new(id)`: any type may be given).

use std::path::Path;

use rayon::prelude::*;
use rustc_hash::{FxHashMap as HashMap, FxHashSet as HashSet};

use super::dead::asked;
use super::link_key::typed_key;
use super::mentions::{whole_words, TestCode};
use super::roles::own_name;
use super::test_only::client_fns;
use super::tools::package_reach;
use super::workspace::users_of;
use crate::extract::rust::routes::FnInfo;
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
    let mut wanted: Vec<(usize, &str)> = Vec::new();
    for (j, (_, files)) in packages.iter().enumerate().filter(|(j, _)| asked[*j]) {
        for (_, c, key) in client_fns(files) {
            if c.host_called {
                continue;
            }
            if let Some(typed) = typed_key(key).filter(|k| !k.contains("::{")) {
                wanted.push((j, typed));
            }
        }
    }
    if wanted.is_empty() {
        return out;
    }
    let graph = Graph::of(packages, &asked);
    // The keys whose callers (by the facts) may all be dead: the candidates and the
    // callers followed from them.
    let mut chain: HashSet<Key> = HashSet::default();
    for (_, key) in &wanted {
        if let Some(key) = key.split_once("::") {
            graph.follow(key, &mut chain);
        }
    }
    // The callers alone first: the text is read only for keys they leave dead.
    let mut dead = graph.fixpoint(chain);
    if dead.is_empty() {
        return out;
    }
    let test_code = TestCode::of(packages, tests);
    let named = graph.named(&dead, rust_files, &test_code);
    // Then the keys whose text names them once per caller.
    dead.retain(|k| named.get(k).copied() == Some(graph.callers(*k).count()));
    let dead = graph.fixpoint(dead);
    for (j, key) in wanted {
        if key.split_once("::").is_some_and(|k| dead.contains(&k)) {
            out[j].insert(key.to_string());
        }
    }
    out
}

/// A function by its type's path: (`Type`, `name`).
type Key<'f> = (&'f str, &'f str);

/// A function calling a key: its type (`None` for a free function), its name and its
/// package.
type Caller<'f> = (Option<&'f str>, &'f str, usize);

/// The inherent functions without `self` of the asked packages, and who calls them by
/// their type's path.
struct Graph<'f> {
    /// Each function a candidate's chain may pass through (inherent, no `self`, in an
    /// asked package, no other function of its type and name that is otherwise), with
    /// its package (`None` when several packages define it).
    askable: HashMap<Key<'f>, Option<usize>>,
    /// The callers of each askable key by its type's path, each with its package (a
    /// free function's type is `None`); test code aside.
    callers: HashMap<Key<'f>, Vec<Caller<'f>>>,
    /// `reach[k * n + j]`: package `k` may call into package `j` (of `n`,
    /// [`package_reach`]).
    reach: Vec<bool>,
    package_count: usize,
    /// The package of each file of the run (by candidate index).
    package_of: HashMap<usize, usize>,
    /// The files of the run with their facts, for the types their `impl`s are of.
    files: Vec<&'f PackageFile>,
    /// Types a type alias of the run names, with the packages whose files hold such
    /// an alias: their paths can be spelt otherwise there.
    aliased: HashMap<&'f str, Vec<usize>>,
}

impl<'f> Graph<'f> {
    fn of(packages: &'f [(Option<&Deps>, &[PackageFile])], asked: &[bool]) -> Self {
        let mut askable: HashMap<Key, Option<usize>> = HashMap::default();
        let mut package_of: HashMap<usize, usize> = HashMap::default();
        let mut aliased: HashMap<&str, Vec<usize>> = HashMap::default();
        let inherent = |info: &FnInfo| !info.method && !info.of_trait;
        for (j, (_, files)) in packages.iter().enumerate() {
            for (i, f) in files.iter() {
                package_of.insert(*i, j);
                for (_, target) in &f.aliases {
                    let holders = aliased.entry(target.as_str()).or_default();
                    if holders.last() != Some(&j) {
                        holders.push(j);
                    }
                }
                if !asked[j] {
                    continue;
                }
                for info in f.routes.fns.iter().filter(|i| inherent(i)) {
                    let Some(owner) = info.owner.as_deref() else {
                        continue;
                    };
                    let home = askable
                        .entry((owner, info.name.as_str()))
                        .or_insert(Some(j));
                    if *home != Some(j) {
                        *home = None;
                    }
                }
            }
        }
        // A function of the same type and name that is a method, a trait's, or in a
        // package not asked: that path is not asked either.
        for (j, (_, files)) in packages.iter().enumerate() {
            for info in files.iter().flat_map(|(_, f)| f.routes.fns.iter()) {
                let Some(owner) = info.owner.as_deref() else {
                    continue;
                };
                if !(inherent(info) && asked[j]) {
                    askable.remove(&(owner, info.name.as_str()));
                }
            }
        }
        let mut callers: HashMap<Key, Vec<Caller>> = HashMap::default();
        for (j, (_, files)) in packages.iter().enumerate() {
            for info in files.iter().flat_map(|(_, f)| f.routes.fns.iter()) {
                for called in info.type_calls().iter() {
                    let Some(key) = path_key(called).filter(|k| askable.contains_key(k)) else {
                        continue;
                    };
                    let caller = (info.owner.as_deref(), info.name.as_str(), j);
                    let list = callers.entry(key).or_default();
                    if list.last() != Some(&caller) {
                        list.push(caller);
                    }
                }
            }
        }
        Graph {
            askable,
            callers,
            reach: {
                let names: Vec<Option<&str>> = packages.iter().map(|(d, _)| own_name(*d)).collect();
                package_reach(packages, &users_of(packages, &names))
            },
            package_count: packages.len(),
            package_of,
            files: packages
                .iter()
                .flat_map(|(_, files)| files.iter())
                .collect(),
            aliased,
        }
    }

    /// Whether a type alias of a package that may call into `key`'s names its type
    /// (another package's `type HttpClient = Client<..>` spells no path of this one).
    fn aliased_for(&self, key: Key<'f>) -> bool {
        let home = self.askable.get(&key).copied().flatten();
        (self.aliased.get(key.0).into_iter().flatten()).any(|&p| self.may_call(Some(p), home))
    }

    /// Whether code of package `from` (`None`: no package's) may call a function of
    /// package `to` (`None`: of several packages).
    fn may_call(&self, from: Option<usize>, to: Option<usize>) -> bool {
        match (from, to) {
            (Some(k), Some(j)) => self.reach[k * self.package_count + j],
            _ => true,
        }
    }

    /// The callers of `key` that may call into its package, by their type's path
    /// (`None` for a free function's, which is never askable).
    fn callers(&self, key: Key<'f>) -> impl Iterator<Item = Option<Key<'f>>> + '_ {
        let home = self.askable.get(&key).copied().flatten();
        let mut seen: Vec<(Option<&str>, &str)> = Vec::new();
        (self.callers.get(&key).into_iter().flatten())
            .filter(move |(_, _, p)| self.may_call(Some(*p), home))
            .filter(move |(o, n, _)| {
                let new = !seen.contains(&(*o, *n));
                seen.push((*o, *n));
                new
            })
            .map(|(o, n, _)| o.map(|o| (o, *n)))
    }

    /// Adds `key` and, back to [`MAX_DEPTH`] callers, the callers of each key added
    /// to `chain`, when askable: a caller that is not stays out, and keeps the keys it
    /// calls alive in [`Graph::fixpoint`].
    fn follow(&self, key: Key<'f>, chain: &mut HashSet<Key<'f>>) {
        let mut next: Vec<Key<'f>> = Vec::new();
        if let Some((key, _)) = self.askable.get_key_value(&key) {
            next.push(*key);
        }
        for _ in 0..=MAX_DEPTH {
            let mut callers = Vec::new();
            for key in next.drain(..) {
                if self.aliased_for(key) || !chain.insert(key) {
                    continue;
                }
                let askable = self
                    .callers(key)
                    .flatten()
                    .filter(|c| self.askable.contains_key(c));
                callers.extend(askable);
            }
            next = callers;
        }
    }

    /// The largest subset of `keys` whose every caller is in it (a cycle of functions
    /// nothing else calls is dead too).
    fn fixpoint(&self, mut keys: HashSet<Key<'f>>) -> HashSet<Key<'f>> {
        loop {
            let before = keys.len();
            let keep: Vec<Key> = (keys.iter().copied())
                .filter(|k| {
                    self.callers(*k)
                        .all(|c| c.is_some_and(|c| keys.contains(&c)))
                })
                .collect();
            keys = keep.into_iter().collect();
            if keys.len() == before {
                return keys;
            }
        }
    }

    /// How many times the text of the packages that may call each key of `keys`
    /// names it as a path (`T::f`, or `Self::f` in a file with an `impl` of `T`),
    /// outside test code and line comments; a key whose type a `use .. as` renames
    /// there counts as named without end.
    fn named(
        &self,
        keys: &HashSet<Key<'f>>,
        files: &[(usize, &Path)],
        tests: &TestCode,
    ) -> HashMap<Key<'f>, usize> {
        let keys: Vec<Key> = keys.iter().copied().collect();
        let finder = |s: String| memchr::memmem::Finder::new(s.as_bytes()).into_owned();
        let paths: Vec<_> = keys
            .iter()
            .map(|(t, f)| finder(format!("{t}::{f}")))
            .collect();
        let selves: Vec<_> = keys
            .iter()
            .map(|(_, f)| finder(format!("Self::{f}")))
            .collect();
        let renames: Vec<_> = keys
            .iter()
            .map(|(t, _)| finder(format!("{t} as")))
            .collect();
        let names: Vec<_> = keys.iter().map(|(_, f)| finder(format!("::{f}"))).collect();
        // Every pattern names the type (an `impl` of it too, for `Self::f`): a file
        // without the word is passed over with one search.
        let type_words: Vec<_> = keys.iter().map(|(t, _)| finder(t.to_string())).collect();
        let homes: Vec<Option<usize>> = (keys.iter())
            .map(|k| self.askable.get(k).copied().flatten())
            .collect();
        // Files with an `impl` of each key's type: where `Self::name` may be its.
        let types: HashSet<&str> = keys.iter().map(|(t, _)| *t).collect();
        let mut impl_files: HashMap<&str, HashSet<usize>> = HashMap::default();
        for (i, f) in &self.files {
            for owner in f.routes.fns.iter().filter_map(|info| info.owner.as_deref()) {
                if let Some(t) = types.get(owner) {
                    impl_files.entry(t).or_default().insert(*i);
                }
            }
        }
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
                    let macros = || memchr::memmem::find(&text, b"macro_rules!").is_some();
                    if !self.may_call(from, homes[n])
                        || (type_words[n].find(&text).is_none() && !macros())
                    {
                        continue;
                    }
                    if whole_words(&text, &renames[n], &in_test, 1) > 0
                        || through_metavariable(&text, &names[n], &in_test)
                    {
                        *count = usize::MAX / 4;
                        continue;
                    }
                    let own = (impl_files.get(keys[n].0)).is_some_and(|s| s.contains(&i));
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

/// Whether `text` calls a function of the finder's name (`::name`) through a macro's
/// metavariable (`<$type>::name(..)`, `$type::name(..)`), outside test code and line
/// comments: every type a macro is given has its function of that name called
/// (auth2wd's `supported_property!` runs `<$type>::new(id)` for each of eighteen
/// importers, none of whose `new` a path names).
fn through_metavariable(
    text: &[u8],
    finder: &memchr::memmem::Finder,
    skip: &dyn Fn(usize) -> bool,
) -> bool {
    let word = |c: &u8| c.is_ascii_alphanumeric() || *c == b'_';
    let len = finder.needle().len();
    finder.find_iter(text).any(|at| {
        if text.get(at + len).is_some_and(word) || skip(at) {
            return false;
        }
        let mut before = &text[..at];
        if let Some(inner) = before.strip_suffix(b">") {
            let Some(open) = memchr::memrchr(b'<', inner) else {
                return false;
            };
            before = inner[open + 1..].trim_ascii();
        }
        let ident = before.iter().rev().take_while(|c| word(c)).count();
        ident > 0 && before[..before.len() - ident].ends_with(b"$")
    })
}

/// `Type` and `name` of a type call `Type::name` (a byte search: a pattern search
/// per call of every body cost more than the rest of the question).
fn path_key(called: &str) -> Option<Key<'_>> {
    let at = memchr::memrchr(b':', called.as_bytes())?;
    (at > 0 && called.as_bytes()[at - 1] == b':').then(|| (&called[..at - 1], &called[at + 1..]))
}
#[cfg(test)]
mod tests {
    use super::through_metavariable;

    #[test]
    fn a_macro_calls_a_function_of_any_type_through_a_metavariable() {
        let f = memchr::memmem::Finder::new("::new");
        let none = |_| false;
        assert!(through_metavariable(
            b"Box::pin(<$type>::new(id))",
            &f,
            &none
        ));
        assert!(through_metavariable(b"$client::new(u)", &f, &none));
        assert!(through_metavariable(b"< $t >::new()", &f, &none));
        // A type's path, a turbofish, another name: no metavariable.
        assert!(!through_metavariable(
            b"Client::new(); Vec::<u8>::new()",
            &f,
            &none
        ));
        assert!(!through_metavariable(b"<$type>::new_uds(p)", &f, &none));
        assert!(!through_metavariable(b"<$type>::new(id)", &f, &|_| true));
    }
}
