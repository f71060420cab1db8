//! How client handles flow through one package, for the link step
//! ([`super::link`]): factories across files (`a()` returns `b()` returns a client),
//! and the chains a handle meets once handed over through a field, a `static` or a
//! parameter. Names are matched across the package's files, but never from another
//! crate of it into a binary's own files ([`visible`]).

use rustc_hash::{FxHashMap as HashMap, FxHashSet as HashSet};

use super::fields;
use crate::extract::rust::facts::{Chain, FileFacts, Origin};

/// How deep factories are followed (`a()` returns `b()` returns a client).
const MAX_FACTORY_DEPTH: usize = 3;

/// How many hand-overs a client is followed through (a field, then parameters).
const MAX_PASS_DEPTH: usize = 5;

pub(super) type HandleId = (usize, usize);

/// How client handles flow through a package: the handles each function returns,
/// the function returning each handle, the functions called somewhere, and the
/// chains a handle meets after being handed over.
pub(super) struct Flow<'p> {
    returns: HashMap<&'p str, Vec<HandleId>>,
    returned_by: HashMap<HandleId, &'p str>,
    called: HashSet<&'p str>,
    passed: HashMap<HandleId, Vec<(usize, &'p Chain)>>,
}

impl<'p> Flow<'p> {
    pub(super) fn new(package: &'p [(usize, FileFacts)]) -> Self {
        // Function name → handles it returns; handle → the function returning it.
        let mut returns: HashMap<&str, Vec<HandleId>> = HashMap::default();
        let mut returned_by: HashMap<HandleId, &str> = HashMap::default();
        for (fi, (_, facts)) in package.iter().enumerate() {
            for f in &facts.fns {
                for &h in &f.returns {
                    returns.entry(f.name.as_str()).or_default().push((fi, h));
                    returned_by.insert((fi, h), f.name.as_str());
                }
            }
        }
        let called: HashSet<&str> = package
            .iter()
            .flat_map(|(_, f)| f.handles.iter())
            .filter_map(|h| match &h.origin {
                Origin::Call { callee } => Some(callee.as_str()),
                _ => None,
            })
            .collect();
        let passed = follow_passes(package, &hand_overs(package));
        Flow {
            returns,
            returned_by,
            called,
            passed,
        }
    }

    /// The chains applied to handle `(fi, hi)`: its own, then those it meets when handed over.
    pub(super) fn chains_of(
        &self,
        package: &'p [(usize, FileFacts)],
        fi: usize,
        hi: usize,
    ) -> Vec<(usize, &'p Chain)> {
        let h = &package[fi].1.handles[hi];
        let mut own: Vec<(usize, &Chain)> = h.chains.get().iter().map(|c| (fi, c)).collect();
        own.extend(self.passed.get(&(fi, hi)).into_iter().flatten().copied());
        own
    }
}

/// Hand-overs: a handle stored in a field meets the placeholders for other uses of
/// that field; a handle passed as an argument meets the callee's parameter handles.
fn hand_overs(package: &[(usize, FileFacts)]) -> HashMap<HandleId, Vec<HandleId>> {
    // What functions do with the values passed to them: parameter handles by
    // (function, index); a handle's extra chains are its parameters' chains, a few
    // calls deep (`fetch(&client)` → `client.get(..)` inside `fetch`).
    let mut params: HashMap<(&str, usize), Vec<HandleId>> = HashMap::default();
    for (fi, (_, facts)) in package.iter().enumerate() {
        for (hi, h) in facts.handles.iter().enumerate() {
            if let Origin::Param { function, index } = &h.origin {
                params
                    .entry((function.as_str(), *index))
                    .or_default()
                    .push((fi, hi));
            }
        }
    }
    // The same by method name (`Request::into_future` under `into_future`), for a
    // method called on a value of unknown type (`*::into_future`).
    let mut methods: HashMap<(&str, usize), Vec<HandleId>> = HashMap::default();
    for (&(function, index), handles) in &params {
        if let Some((_, method)) = function.rsplit_once("::") {
            methods.entry((method, index)).or_default().extend(handles);
        }
    }
    for handles in methods.values_mut() {
        handles.sort_unstable();
    }
    let mut passes: HashMap<HandleId, Vec<HandleId>> = HashMap::default();
    fields::field_passes(package, &mut passes);
    // A value kept in a `static` meets every use of that name in the package.
    let mut statics: HashMap<&str, Vec<HandleId>> = HashMap::default();
    for (fi, (_, facts)) in package.iter().enumerate() {
        for (hi, h) in facts.handles.iter().enumerate() {
            if let Origin::Static { name } = &h.origin {
                statics.entry(name.as_str()).or_default().push((fi, hi));
            }
        }
    }
    // A file that keeps a static of that name itself uses its own (a `static CLIENT`
    // inside each file's `fn client()`).
    let own: Vec<HashSet<&str>> = (package.iter())
        .map(|(_, f)| f.static_binds.iter().map(|(n, _)| n.as_str()).collect())
        .collect();
    for (fi, (_, facts)) in package.iter().enumerate() {
        for (name, h) in &facts.static_binds {
            let uses = statics.get(name.as_str()).into_iter().flatten();
            let uses = uses.filter(|(uf, _)| {
                visible(package, *uf, fi) && (*uf == fi || !own[*uf].contains(name.as_str()))
            });
            passes.entry((fi, *h)).or_default().extend(uses);
        }
    }
    hand_backs(package, &mut passes);
    for (fi, (_, facts)) in package.iter().enumerate() {
        for (callee, index, h) in &facts.arg_passes {
            let params = match callee.strip_prefix("*::") {
                Some(method) => methods.get(&(method, *index)),
                None => params.get(&(callee.as_str(), *index)),
            };
            let params = params.into_iter().flatten();
            for p in params.filter(|p| visible(package, fi, p.0)) {
                passes.entry((fi, *h)).or_default().push(*p);
            }
        }
    }
    passes
}

/// Values handed back: a function that returns its parameter `i` (`fn with_agent(b:
/// ClientBuilder) -> ClientBuilder { b.user_agent("x") }`) gives each call the value
/// passed there, so what is done with the call's value (`with_agent(builder)
/// .timeout(d)`) is done to the argument. A factory returning such a call (`fn make()
/// -> ClientBuilder { with_agent(Client::builder()) }`) hands its callers' chains on
/// in [`factory_sites`].
fn hand_backs(package: &[(usize, FileFacts)], passes: &mut HashMap<HandleId, Vec<HandleId>>) {
    let mut handed_back: HashSet<(&str, usize)> = HashSet::default();
    for (_, facts) in package {
        for f in &facts.fns {
            for &h in &f.returns {
                if let Origin::Param { function, index } = &facts.handles[h].origin {
                    if function.as_str() == f.name {
                        handed_back.insert((f.name.as_str(), *index));
                    }
                }
            }
        }
    }
    if handed_back.is_empty() {
        return;
    }
    for (fi, (_, facts)) in package.iter().enumerate() {
        for &(call, index, h) in &facts.call_args {
            let Origin::Call { callee } = &facts.handles[call].origin else {
                continue;
            };
            if handed_back.contains(&(callee.as_str(), index)) {
                passes.entry((fi, h)).or_default().push((fi, call));
            }
        }
    }
}

/// The values call `(cf, ch)` passed as argument `index`, each branch of an `if`
/// passed there (`let l = if c { A } else { B }; creds(l)`) on its own.
fn handed_back(package: &[(usize, FileFacts)], (cf, ch): HandleId, index: usize) -> Vec<HandleId> {
    let facts = &package[cf].1;
    let passed = (facts.call_args.iter()).filter(|(call, i, _)| *call == ch && *i == index);
    let mut out = Vec::new();
    for &(_, _, h) in passed {
        match &facts.handles[h].origin {
            Origin::Field { name } if super::bindings::is_branches(name) => {
                let bound = facts.field_binds.iter().filter(|(k, _)| k == name);
                out.extend(bound.map(|(_, b)| (cf, *b)));
            }
            _ => out.push((cf, h)),
        }
    }
    out
}

/// Whether code of package file `from` can name a function or static of file `to`:
/// a binary of its own (`src/bin/x/**`) is a crate no other one sees into.
fn visible(package: &[(usize, FileFacts)], from: usize, to: usize) -> bool {
    match &package[to].1.bin_crate {
        None => true,
        Some(b) => package[from].1.bin_crate.as_ref() == Some(b),
    }
}

/// Per package file: the names of the free functions it defines. A call of such a
/// name made in that file runs its own function (an item of the module shadows what
/// a glob brings in; another module's private function is not in scope): decision-
/// engine has a `fn client()` in each of five files, each with its own client. Known
/// limit: a qualified call (`other::client()`) from a file with a `client` of its own
/// is taken for a call of its own.
fn own_free_functions(package: &[(usize, FileFacts)]) -> Vec<HashSet<&str>> {
    (package.iter())
        .map(|(_, f)| {
            (f.routes.fns.iter())
                .filter(|i| i.owner.is_none())
                .map(|i| i.name.as_str())
                .collect()
        })
        .collect()
}

/// The chains each handed-over handle meets, a few hand-overs deep.
fn follow_passes<'p>(
    package: &'p [(usize, FileFacts)],
    passes: &HashMap<HandleId, Vec<HandleId>>,
) -> HashMap<HandleId, Vec<(usize, &'p Chain)>> {
    let mut passed: HashMap<HandleId, Vec<(usize, &Chain)>> = HashMap::default();
    for &start in passes.keys() {
        let mut seen: HashSet<HandleId> = HashSet::default();
        let mut frontier = vec![start];
        let mut chains = Vec::new();
        for _ in 0..MAX_PASS_DEPTH {
            let mut next = Vec::new();
            for h in frontier {
                for &p in passes.get(&h).into_iter().flatten() {
                    if seen.insert(p) {
                        chains.extend(
                            package[p.0].1.handles[p.1]
                                .chains
                                .get()
                                .iter()
                                .map(|c| (p.0, c)),
                        );
                        next.push(p);
                    }
                }
            }
            frontier = next;
        }
        passed.insert(start, chains);
    }
    passed
}

/// Client handle → call sites, each the chains applied along one path of factories.
pub(super) fn factory_sites<'p>(
    package: &'p [(usize, FileFacts)],
    flow: &Flow<'p>,
) -> HashMap<HandleId, Vec<Vec<(usize, &'p Chain)>>> {
    let mut sites: HashMap<HandleId, Vec<Vec<(usize, &Chain)>>> = HashMap::default();
    let own_fns = own_free_functions(package);
    for (fi, (_, facts)) in package.iter().enumerate() {
        for (hi, h) in facts.handles.iter().enumerate() {
            let Origin::Call { callee } = &h.origin else {
                continue;
            };
            // A factory that forwards another factory is not a site when it has callers:
            // its chains reach the client through those callers.
            if flow
                .returned_by
                .get(&(fi, hi))
                .is_some_and(|f| flow.called.contains(f))
            {
                continue;
            }
            let own = flow.chains_of(package, fi, hi);
            let mut stack = vec![(callee.as_str(), own, 0usize, fi, (fi, hi))];
            while let Some((callee, chains, depth, from, call)) = stack.pop() {
                let returns = flow.returns.get(callee).into_iter().flatten();
                let reaches = |tf: usize| {
                    visible(package, from, tf) && (tf == from || !own_fns[from].contains(callee))
                };
                for &(tf, th) in returns.filter(|(tf, _)| reaches(*tf)) {
                    // A function handing back its parameter (`fn creds(l: ConfigLoader)
                    // -> ConfigLoader`): the value is what this call passed there.
                    let values = match &package[tf].1.handles[th].origin {
                        Origin::Param { function, index } if function.as_str() == callee => {
                            handed_back(package, call, *index)
                        }
                        _ => vec![(tf, th)],
                    };
                    for (vf, vh) in values {
                        let value = &package[vf].1.handles[vh];
                        match &value.origin {
                            Origin::Client(_) => {
                                sites.entry((vf, vh)).or_default().push(chains.clone());
                            }
                            Origin::Call { callee: next } if depth + 1 < MAX_FACTORY_DEPTH => {
                                let mut more = chains.clone();
                                more.extend(value.chains.get().iter().map(|c| (vf, c)));
                                stack.push((next.as_str(), more, depth + 1, vf, (vf, vh)));
                            }
                            Origin::Call { .. }
                            | Origin::Workspace { .. }
                            | Origin::Breaker { .. }
                            | Origin::Param { .. }
                            | Origin::Field { .. }
                            | Origin::Static { .. } => {}
                        }
                    }
                }
            }
        }
    }
    sites
}
