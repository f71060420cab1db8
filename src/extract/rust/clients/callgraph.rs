//! The run's function bodies and who calls each by name, for the breaker rule's
//! questions about whole call chains: which functions only one-shot tools run
//! ([`super::workspace`]), which run only under a hand-written breaker
//! ([`super::guards`]).
//!
//! Callers are matched by last name, across packages: a method by method calls and
//! calls through a type's path (`T::m(&x)`), a free function by calls written as
//! function calls (neither reaches the other: `reqwest::get(url)` runs no
//! `Client::get(&self)`). A name shared by two functions counts for both, so a set "reached only
//! from X" errs towards leaving a function out of it; a method of another type whose
//! body calls `self.m(..)`, its own type's `m`, is no caller of `T::m` ([`narrow::self_dispatch`]),
//! and a body calling `U::new(..)` alone is no caller of `T::new` ([`narrow::by_type_path`]).
//! Nor is a body whose calls of the name all pass another number of arguments than
//! the function takes ([`arity::admits`]: `response.request()` runs no `Client::request(&self,
//! req)`). A caller counts only where its package may call into the body's, or the
//! body is a trait impl's method that generic code of a dependency runs
//! ([`CallGraph::may_call`]).

mod arity;
pub(super) mod narrow;

use rustc_hash::{FxHashMap as HashMap, FxHashSet as HashSet};

use arity::{admits, by_arity, note, Callers};
use narrow::{by_type_path, self_dispatch};

use crate::extract::rust::routes::{called_name, FnInfo, ARGS_UNKNOWN};
use crate::extract::rust::FileFacts;

/// Functions [`admits`] answers alike for: name, method or not, parameters.
type ArityKey<'a> = (&'a str, bool, u8);

/// One file of a package: (candidate index, facts).
type PackageFile = (usize, FileFacts);

pub(super) struct CallGraph<'a> {
    /// Every body of the run: (package, info).
    pub(super) bodies: Vec<(usize, &'a FnInfo)>,
    /// Per name, the bodies calling it as a method (`x.get(..)`) or through a type's
    /// path (`Client::get(&x, ..)`): a plain or module-path function call
    /// (`reqwest::get(url)`) runs no method.
    by_method_name: HashMap<&'a str, Callers>,
    /// Per name, the bodies calling it as a function.
    by_fn_name: HashMap<&'a str, Callers>,
    /// The callers of the methods some caller by name reaches through `self` only
    /// when it runs its own type's method of that name (see [`self_dispatch`]).
    narrowed: HashMap<usize, Vec<usize>>,
    /// The callers by name of the functions of a name, kind (method or not) and
    /// parameter count that some of them cannot run, given too many or too few
    /// arguments ([`by_arity`]).
    by_arity: HashMap<ArityKey<'a>, Vec<usize>>,
}

impl<'a> CallGraph<'a> {
    /// The bodies of the packages' files, in package order.
    pub(super) fn of(packages: &[&'a [PackageFile]]) -> Self {
        let bodies: Vec<(usize, &FnInfo)> = packages
            .iter()
            .enumerate()
            .flat_map(|(j, files)| {
                files
                    .iter()
                    .flat_map(move |(_, f)| &f.routes.fns)
                    .map(move |i| (j, i))
            })
            .collect();
        let mut by_method_name: HashMap<&str, Callers> = HashMap::default();
        let mut by_fn_name: HashMap<&str, Callers> = HashMap::default();
        // A body is listed once per name however often it calls it: every reader
        // asks whether some caller qualifies, never how many calls it makes, and a
        // body calling `map` forty times made forty entries for each walk to test.
        let mut as_fn: HashMap<&str, usize> = HashMap::default();
        let mut both: Vec<&str> = Vec::new();
        for (b, (_, info)) in bodies.iter().enumerate() {
            as_fn.clear();
            both.clear();
            for entry in info.fn_calls().iter() {
                let n = called_name(entry);
                if n.len() == entry.len() {
                    *as_fn.entry(n).or_default() += 1;
                } else {
                    // A read helper's call (`~name`) is in no other list.
                    note(&mut by_fn_name, n, b, u32::MAX);
                }
            }
            // Every call is among `calls`, with its argument count in step; those of a
            // name beyond its function calls are method calls.
            let args = info.call_args();
            for (k, n) in info.calls().iter().enumerate() {
                let mask = match args.get(k) {
                    Some(&a) if a != ARGS_UNKNOWN => 1u32 << a.min(31),
                    _ => u32::MAX,
                };
                match as_fn.get_mut(n) {
                    Some(left) if *left > 0 => {
                        *left -= 1;
                        note(&mut by_fn_name, n, b, mask);
                    }
                    Some(_) => {
                        both.push(n);
                        note(&mut by_method_name, n, b, mask);
                    }
                    None => note(&mut by_method_name, n, b, mask),
                }
            }
            for (&n, _) in as_fn.iter().filter(|(_, left)| **left > 0) {
                note(&mut by_fn_name, n, b, u32::MAX);
            }
            // A name called both ways: which count is whose is not known.
            for n in &both {
                for map in [&mut by_fn_name, &mut by_method_name] {
                    if let Some(list) = map.get_mut(n) {
                        list.note(b, u32::MAX);
                    }
                }
            }
            // `Client::get(&c, url)`, `T::get(x)`, `Self::get(self)`: a method called
            // through a type's path, with the counts of the function call it is (one
            // more than the method's parameters); or the type of a variable a method
            // is called on (`cmd.spawn()`: `Command::spawn`), that method call.
            for t in info.type_calls().iter() {
                if let Some((_, n)) = t.rsplit_once("::") {
                    match by_fn_name.get(n).and_then(|l| l.mask_of_last(b)) {
                        Some(mask) => note(&mut by_method_name, n, b, mask),
                        None if by_method_name
                            .get(n)
                            .and_then(|l| l.mask_of_last(b))
                            .is_some() => {}
                        None => note(&mut by_method_name, n, b, u32::MAX),
                    }
                }
            }
        }
        let mut narrowed = self_dispatch(&bodies, &by_method_name);
        let aliases: HashMap<&str, &str> = packages
            .iter()
            .flat_map(|files| files.iter())
            .flat_map(|(_, f)| &f.aliases)
            .map(|(alias, ty)| (alias.as_str(), ty.as_str()))
            .collect();
        narrowed.extend(by_type_path(&bodies, &by_fn_name, &aliases));
        for (b, callers) in narrowed.iter_mut() {
            let info = bodies[*b].1;
            let map = if info.method {
                &by_method_name
            } else {
                &by_fn_name
            };
            if let Some(all) = map.get(info.name.as_str()) {
                callers.retain(|&c| all.mask_of(c).is_none_or(|m| admits(m, info)));
            }
        }
        let by_arity = by_arity(&bodies, &by_method_name, &by_fn_name);
        CallGraph {
            bodies,
            by_method_name,
            by_fn_name,
            narrowed,
            by_arity,
        }
    }

    /// Whether caller body `c`'s call may run body `b`, given `reach[k * n + j]`
    /// (package `k` may call into package `j`, of `n`): `c`'s package may call into
    /// `b`'s, or `b` is a method of a trait impl and `c`'s package is one `b`'s calls
    /// into, whose generic code runs the trait's methods of every impl (`task.run(s)`
    /// in a task crate's `spawn_task<T: Task>` runs the gateway's `Task for
    /// SubscriberTask`). A pair `reach` does not hold counts.
    pub(super) fn may_call(&self, reach: &[bool], n: usize, c: usize, b: usize) -> bool {
        let (k, j) = (self.bodies[c].0, self.bodies[b].0);
        let calls_into = |k: usize, j: usize| reach.get(k * n + j).copied().unwrap_or(true);
        calls_into(k, j) || (self.bodies[b].1.of_trait && calls_into(j, k))
    }

    /// The bodies that call body `b` by name, each once, in body order.
    pub(super) fn callers(&self, b: usize) -> &[usize] {
        if let Some(callers) = self.narrowed.get(&b) {
            return callers;
        }
        let info = self.bodies[b].1;
        let key = (info.name.as_str(), info.method, info.params);
        if let Some(callers) = self.by_arity.get(&key) {
            return callers;
        }
        let map = if info.method {
            &self.by_method_name
        } else {
            &self.by_fn_name
        };
        map.get(info.name.as_str())
            .map(|c| c.bodies.as_slice())
            .unwrap_or(&[])
    }

    /// The bodies `root` bodies run, themselves included: a body with a reached
    /// caller ([`Self::callers`]) whose call `counts(caller, body)` (its package may
    /// call into the body's) is reached.
    pub(super) fn reached_from(
        &self,
        root: Vec<bool>,
        counts: &dyn Fn(usize, usize) -> bool,
    ) -> Vec<bool> {
        let n = self.bodies.len();
        let mut callees: Vec<Vec<usize>> = vec![Vec::new(); n];
        // A root is reached already: no edge into it is needed.
        for b in (0..n).filter(|&b| !root[b]) {
            for &c in self.callers(b) {
                if counts(c, b) && callees[c].last() != Some(&b) {
                    callees[c].push(b);
                }
            }
        }
        let mut reached = root;
        let mut stack: Vec<usize> = (0..n).filter(|&b| reached[b]).collect();
        while let Some(c) = stack.pop() {
            for &b in &callees[c] {
                if !reached[b] {
                    reached[b] = true;
                    stack.push(b);
                }
            }
        }
        reached
    }

    /// The bodies only `root` bodies run: the greatest set of `candidate` bodies whose
    /// callers are all roots or members, then those of it a root reaches through
    /// members (a cycle no root enters is not known to be the roots').
    pub(super) fn only_from(
        &self,
        root: &dyn Fn(usize, usize) -> bool,
        candidate: Vec<bool>,
    ) -> Vec<bool> {
        self.only_from_where(root, &|_, _| true, candidate)
    }

    /// [`Self::only_from`], counting only the callers `c` of a body `b` for which
    /// `counts(c, b)` holds (a caller whose package cannot call into `b`'s is none).
    pub(super) fn only_from_where(
        &self,
        root: &dyn Fn(usize, usize) -> bool,
        counts: &dyn Fn(usize, usize) -> bool,
        candidate: Vec<bool>,
    ) -> Vec<bool> {
        let n = self.bodies.len();
        let mut in_set = candidate;
        let mut changed = true;
        while changed {
            changed = false;
            for b in 0..n {
                let outside = |&c: &usize| counts(c, b) && !root(c, b) && !in_set[c];
                if in_set[b] && self.callers(b).iter().any(outside) {
                    in_set[b] = false;
                    changed = true;
                }
            }
        }
        let mut kept = vec![false; n];
        let mut changed = true;
        while changed {
            changed = false;
            for b in 0..n {
                if !in_set[b] || kept[b] {
                    continue;
                }
                if self
                    .callers(b)
                    .iter()
                    .any(|&c| counts(c, b) && (root(c, b) || kept[c]))
                {
                    kept[b] = true;
                    changed = true;
                }
            }
        }
        kept
    }

    /// Per package (of `packages` many) for which `wanted` holds: the names of its
    /// bodies marked in `marked`. A name marked in one body and not in another of the
    /// same package (two `new`s) is left out: only names every same-named function of
    /// the package agrees on stay. Such a name is kept as its link key instead
    /// (`HttpClient::new`, [`super::link_key::by_key`]) for a type all of whose
    /// functions of that name are marked.
    pub(super) fn names_by_package(
        &self,
        packages: usize,
        wanted: &dyn Fn(usize) -> bool,
        marked: &[bool],
    ) -> Vec<Option<HashSet<String>>> {
        let mut out: Vec<Option<HashSet<String>>> = vec![None; packages];
        // Per package, (owner, name) → every body so named is marked.
        let mut typed: Vec<HashMap<(&str, &str), bool>> = vec![HashMap::default(); packages];
        for (b, (j, info)) in self.bodies.iter().enumerate() {
            if wanted(*j) {
                let set = out[*j].get_or_insert_with(HashSet::default);
                if marked[b] {
                    set.insert(info.name.to_string());
                }
                if let Some(owner) = info.owner.as_deref() {
                    *typed[*j].entry((owner, info.name.as_str())).or_insert(true) &= marked[b];
                }
            }
        }
        for (b, (j, info)) in self.bodies.iter().enumerate() {
            if wanted(*j) && !marked[b] {
                if let Some(set) = out[*j].as_mut() {
                    set.remove(info.name.as_str());
                }
            }
        }
        for (j, set) in out.iter_mut().enumerate() {
            let Some(set) = set else { continue };
            for (&(owner, name), _) in typed[j].iter().filter(|(_, all)| **all) {
                if !set.contains(name) {
                    set.insert(format!("{owner}::{name}"));
                }
            }
        }
        out
    }

    /// The first caller (by body order) whose calls of what it reaches are the roots'
    /// (`root`), met walking up from body `b` through `marked` callers.
    pub(super) fn reaching_root(
        &self,
        b: usize,
        marked: &[bool],
        root: &dyn Fn(usize, usize) -> bool,
    ) -> Option<usize> {
        let mut seen: HashSet<usize> = HashSet::default();
        let mut queue = std::collections::VecDeque::from([b]);
        while let Some(x) = queue.pop_front() {
            let mut callers: Vec<usize> = self.callers(x).to_vec();
            callers.sort_unstable();
            callers.dedup();
            for c in callers {
                if root(c, x) {
                    return Some(c);
                }
                if marked[c] && seen.insert(c) {
                    queue.push_back(c);
                }
            }
        }
        None
    }

    /// Per package (of `files.len()` many): the names of its functions only the
    /// positions some facts name run, each with why (`why` of the root body's name).
    /// `facts` gives a file's (function key, names it calls only from such positions):
    /// periodic loops ([`super::periodic`]), detached tasks ([`super::detached`]). A
    /// name is kept only when every function of that name in the package agrees, and
    /// a key several bodies of one package share (four `run`s in four modules) is
    /// trusted only when each of them has such a fact, for the names all of them call
    /// only from there.
    pub(super) fn run_only_from(
        &self,
        files: &[&[PackageFile]],
        facts: impl Fn(&FileFacts) -> &[(String, Vec<String>)],
        why: impl Fn(&str) -> String,
    ) -> Vec<HashMap<String, String>> {
        let entries: Vec<Vec<(&str, Vec<&str>)>> = files
            .iter()
            .map(|package| {
                (package.iter().flat_map(|(_, f)| facts(f)))
                    .map(|(key, names)| (key.as_str(), names.iter().map(String::as_str).collect()))
                    .collect()
            })
            .collect();
        self.run_only_from_entries(&entries, &|_| false, why)
    }

    /// [`Self::run_only_from`] over per-package (function key, names) entries, one
    /// per body. A caller body for which `ignored` holds is no caller (a one-shot
    /// tool's: it neither keeps a function out nor brings it in).
    pub(super) fn run_only_from_entries(
        &self,
        entries: &[Vec<(&str, Vec<&str>)>],
        ignored: &dyn Fn(usize) -> bool,
        why: impl Fn(&str) -> String,
    ) -> Vec<HashMap<String, String>> {
        self.run_only_from_where(entries, &|c, _| !ignored(c), why)
    }

    /// [`Self::run_only_from_entries`], counting only the callers `c` of a body `b`
    /// for which `counts(c, b)` holds (its package may call into `b`'s, and it is no
    /// one-shot tool's).
    pub(super) fn run_only_from_where(
        &self,
        entries: &[Vec<(&str, Vec<&str>)>],
        counts: &dyn Fn(usize, usize) -> bool,
        why: impl Fn(&str) -> String,
    ) -> Vec<HashMap<String, String>> {
        // Per package: key → (the names every fact of that key calls only from such
        // positions, how many facts have that key).
        let mut roots: Vec<HashMap<&str, (Vec<&str>, usize)>> =
            vec![HashMap::default(); entries.len()];
        for (j, package) in entries.iter().enumerate() {
            for (key, names) in package {
                roots[j]
                    .entry(*key)
                    .and_modify(|(n, count)| {
                        n.retain(|x| names.contains(x));
                        *count += 1;
                    })
                    .or_insert((names.clone(), 1));
            }
        }
        if roots.iter().all(HashMap::is_empty) {
            return vec![HashMap::default(); entries.len()];
        }
        let keys: Vec<String> = self
            .bodies
            .iter()
            .map(|(_, info)| match &info.owner {
                Some(o) => format!("{o}::{}", info.name),
                None => info.name.to_string(),
            })
            .collect();
        let mut bodies_of: HashMap<(usize, &str), usize> = HashMap::default();
        for (b, (j, _)) in self.bodies.iter().enumerate() {
            *bodies_of.entry((*j, keys[b].as_str())).or_default() += 1;
        }
        let marked: Vec<Option<&Vec<&str>>> = (0..self.bodies.len())
            .map(|b| {
                let j = self.bodies[b].0;
                let (names, facts) = roots[j].get(keys[b].as_str())?;
                (bodies_of.get(&(j, keys[b].as_str())) == Some(facts)).then_some(names)
            })
            .collect();
        let root = |c: usize, b: usize| {
            marked[c].is_some_and(|names| names.contains(&self.bodies[b].1.name.as_str()))
        };
        let candidate: Vec<bool> = (0..self.bodies.len())
            .map(|b| !self.callers(b).is_empty())
            .collect();
        let kept = self.only_from_where(&root, counts, candidate);
        let names = self.names_by_package(entries.len(), &|_| true, &kept);
        let mut out: Vec<HashMap<String, String>> = vec![HashMap::default(); entries.len()];
        for (b, (j, info)) in self.bodies.iter().enumerate() {
            let Some(set) = &names[*j] else { continue };
            // By its name, or by its type's path when the package's functions of that
            // name disagree (`Quotes::fetch` beside a module's `fetch`).
            let key = match set.contains(info.name.as_str()) {
                true => Some(info.name.as_str()),
                false => (info.owner.as_deref())
                    .map(|_| keys[b].as_str())
                    .filter(|k| set.contains(*k)),
            };
            let Some(key) = key.filter(|k| !out[*j].contains_key(*k)) else {
                continue;
            };
            let Some(r) = self.reaching_root(b, &kept, &root) else {
                continue;
            };
            out[*j].insert(key.to_string(), why(&self.bodies[r].1.name));
        }
        out
    }
}
