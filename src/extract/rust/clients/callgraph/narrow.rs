//! Narrowing callers by name to those that can run a function: a method of another
//! type dispatching to its own method of the name, a call through another type's path.

use rustc_hash::{FxHashMap as HashMap, FxHashSet as HashSet};

use super::arity::Callers;
use crate::extract::rust::routes::FnInfo;

/// Callers by name that run another method of that name: a method of type `U` calling
/// `self.m(..)`, where `U` has its own `m`, runs `U::m` (cargo-shuttle's dispatcher
/// `Shuttle::run` calls `self.delete_certificate(..)`, not the API client's
/// `delete_certificate`). For each method `T::m` some such caller of another type
/// reaches by name, its callers without them. Known limit: a body that calls both
/// `self.m(..)` and another value's `m` is dropped as a caller of the other's.
pub(super) fn self_dispatch(
    bodies: &[(usize, &FnInfo)],
    by_name: &HashMap<&str, Callers>,
) -> HashMap<usize, Vec<usize>> {
    let mut methods: HashSet<(&str, &str)> = HashSet::default();
    // How many types have a method of each name: with one, no caller runs another's.
    let mut owners: HashMap<&str, usize> = HashMap::default();
    for (_, i) in bodies.iter().filter(|(_, i)| i.method) {
        if let Some(o) = i.owner.as_deref() {
            if methods.insert((o, i.name.as_str())) {
                *owners.entry(i.name.as_str()).or_default() += 1;
            }
        }
    }
    // Per name, per caller: the type whose own method of that name it runs on `self`.
    // Made once per name, not once per method of the name (a workspace has hundreds
    // of `fmt`s and `call`s, each with the same callers).
    let mut own_of: HashMap<&str, Vec<Option<&str>>> = HashMap::default();
    let mut out = HashMap::default();
    for (b, (_, info)) in bodies.iter().enumerate() {
        let (true, Some(owner)) = (info.method, info.owner.as_deref()) else {
            continue;
        };
        let name = info.name.as_str();
        if owners.get(name).is_none_or(|&n| n < 2) {
            continue;
        }
        let Some(callers) = by_name.get(name).map(|c| &c.bodies) else {
            continue;
        };
        let own = own_of.entry(name).or_insert_with(|| {
            callers
                .iter()
                .map(|&c| runs_own(bodies[c].1, name, &methods))
                .collect()
        });
        let runs_other = |k: usize| own[k].is_some_and(|u| u != owner);
        if (0..callers.len()).any(runs_other) {
            let kept = (0..callers.len()).filter(|&k| !runs_other(k));
            out.insert(b, kept.map(|k| callers[k]).collect());
        }
    }
    out
}

/// The type `U` of a caller, when it has its own method `name` and calls it
/// (`U::name` among its typed calls): it runs that one on `self`.
fn runs_own<'a>(
    caller: &'a FnInfo,
    name: &str,
    methods: &HashSet<(&str, &str)>,
) -> Option<&'a str> {
    let u = caller.owner.as_deref()?;
    let typed = |t: &str| {
        t.len() == u.len() + 2 + name.len()
            && t.starts_with(u)
            && t.ends_with(name)
            && &t[u.len()..u.len() + 2] == "::"
    };
    (methods.contains(&(u, name)) && caller.evidence().type_calls.iter().any(typed)).then_some(u)
}

/// A caller's calls of an associated function's name, by the types it names: any
/// type's (a call no type path shows: one in a macro's text, `Self::new()` where the
/// type is not known), or those of the types it names (`U` of `U::new(..)`, an alias
/// read as the type it names).
pub(in crate::extract::rust::clients) enum Through<'a> {
    Any,
    Types(Vec<&'a str>),
}

/// The callers of each inherent associated function (`T::n` of an `impl T`, no
/// `self`) through its type's path: a body whose calls of `n` all name other types
/// (`Vec::new()`, `MetaHttpClient::new(..)` beside cnosdb's admin `HttpClient::new`)
/// does not run `T::n`, as no generic can reach an inherent function. A trait impl's
/// function keeps every caller by name (`T::default()`, `Default::default()`).
/// `aliases`: the run's type aliases (`type Leader = HttpClient`). Known limit: a type
/// renamed by `use` (`use a::HttpClient as Peer; Peer::new()`) is taken for another.
pub(super) fn by_type_path(
    bodies: &[(usize, &FnInfo)],
    by_fn_name: &HashMap<&str, Callers>,
    aliases: &HashMap<&str, &str>,
) -> HashMap<usize, Vec<usize>> {
    // Per name: each caller's types, made once per name.
    let mut through_of: HashMap<&str, Vec<Through>> = HashMap::default();
    let mut out = HashMap::default();
    for (b, (_, info)) in bodies.iter().enumerate() {
        let (false, false, Some(owner)) = (info.method, info.of_trait, info.owner.as_deref())
        else {
            continue;
        };
        let name = info.name.as_str();
        let Some(callers) = by_fn_name.get(name).map(|c| &c.bodies) else {
            continue;
        };
        let through = through_of.entry(name).or_insert_with(|| {
            callers
                .iter()
                .map(|&c| types_called(bodies[c].1, name, aliases))
                .collect()
        });
        let runs = |k: usize| match &through[k] {
            Through::Any => true,
            Through::Types(types) => types.contains(&owner),
        };
        if !(0..callers.len()).all(runs) {
            out.insert(
                b,
                (0..callers.len())
                    .filter(|&k| runs(k))
                    .map(|k| callers[k])
                    .collect(),
            );
        }
    }
    out
}

/// [`Through`] of `caller`'s calls of `name`: the types (`U` of `U::name`) among its
/// type calls when they account for every call of `name` it writes as a function
/// call.
pub(in crate::extract::rust::clients) fn types_called<'a>(
    caller: &'a FnInfo,
    name: &str,
    aliases: &HashMap<&str, &'a str>,
) -> Through<'a> {
    let mut types = Vec::new();
    for t in caller.type_calls().iter() {
        if let Some(ty) = t.strip_suffix(name).and_then(|t| t.strip_suffix("::")) {
            types.push(aliases.get(ty).copied().unwrap_or(ty));
        }
    }
    let calls = caller.fn_calls().iter().filter(|n| *n == name).count();
    if calls > types.len() {
        Through::Any
    } else {
        Through::Types(types)
    }
}
