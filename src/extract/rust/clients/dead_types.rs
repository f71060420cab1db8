//! Types nothing makes: a client built in a type's own function (`HttpSink::new`) is
//! never built when no code of the run names the type (drogue-cloud's `HttpSink`,
//! re-exported by its module and constructed nowhere: every endpoint builds the
//! Kafka sink). [`super::dead`] asks of functions by name, and a constructor's name
//! (`new`) is every type's; the type's own name is asked here instead.
//!
//! A type is unmade when a file of its own defines it (every function of the file is
//! one of the file's types', and the file holds no `static` or `const` that could make
//! one), and no other Rust file of the run names it or another type of that file as a
//! whole word, outside test code, a line
//! comment and the `use` that imports or re-exports it. Asked where
//! [`super::dead`] asks: packages whose every caller the run sees. Known limit: a
//! type a macro names by pasting words together is taken for unmade.

use std::path::Path;

use rayon::prelude::*;
use rustc_hash::{FxHashMap as HashMap, FxHashSet as HashSet};

use super::dead::asked;
use super::link_key::key_type;
use super::mentions::{whole_words, TestCode};
use super::test_only::client_fns;
use crate::extract::rust::{Deps, FileFacts};

/// One file of a package: (candidate index, facts).
type PackageFile = (usize, FileFacts);

/// Per package: the types a client is built in whose values nothing of the run makes
/// (see the module's doc). Arguments as [`super::dead::dead_functions`]'s.
pub(crate) fn unmade_types(
    packages: &[(Option<&Deps>, &[PackageFile])],
    whole: &[bool],
    tests: &[(usize, FileFacts)],
    rust_files: &[(usize, &Path)],
) -> Vec<HashSet<String>> {
    let mut out = vec![HashSet::default(); packages.len()];
    // Each candidate type: its home file, and the files its mentions may be in
    // (`None`: any file of the run).
    let mut wanted: HashMap<&str, (usize, Option<HashSet<usize>>)> = HashMap::default();
    // Each client's type, with its package and the types of its home file: it is
    // unmade when none of them is named.
    let mut groups: Vec<(usize, &str, Vec<&str>)> = Vec::new();
    for (j, (deps, files)) in packages.iter().enumerate() {
        let Some(closed) = asked(*deps, files, whole[j]) else {
            continue;
        };
        for (file, c, key) in client_fns(files) {
            let Some(ty) = key_type(key).filter(|_| !c.host_called) else {
                continue;
            };
            let Some((_, facts)) = files.iter().find(|(i, _)| *i == file) else {
                continue;
            };
            let Some(group) = own_types(facts, ty) else {
                continue;
            };
            // A type of the same name defined in another file: not asked.
            if (group.iter()).any(|t| wanted.get(t).is_some_and(|(home, _)| *home != file)) {
                continue;
            }
            let scope: Option<HashSet<usize>> =
                closed.then(|| files.iter().map(|(i, _)| *i).collect());
            for t in &group {
                wanted.insert(t, (file, scope.clone()));
            }
            groups.push((j, ty, group));
        }
    }
    if wanted.is_empty() {
        return out;
    }
    let tests = TestCode::of(packages, tests);
    let named = named_elsewhere(&wanted, rust_files, &tests);
    for (j, ty, group) in groups {
        if !group.iter().any(|t| named.contains(t)) {
            out[j].insert(ty.to_string());
        }
    }
    out
}

/// Standard wrappers a trait impl of the file may convert into (`impl
/// From<ConfigArguments> for Option<Config>`): such a function is about the file's
/// types, and runs only on a value of one of them.
const WRAPPERS: [&str; 6] = ["Option", "Result", "Box", "Arc", "Rc", "Vec"];

/// The types of `facts` whose functions it holds, sorted, when it is a file of its
/// types' own holding `ty`'s: every function in it is one of its types' (or a trait
/// impl's into a standard wrapper, [`WRAPPERS`]), so nothing of the file runs unless
/// one of them is made (trustify's `openid.rs`: a provider, its configuration and its
/// arguments). A type with no function of the file (a request the file's service
/// takes) runs nothing here; a conversion into a wrapper may make any of them, and
/// then every type of the file counts.
fn own_types<'f>(facts: &'f FileFacts, ty: &str) -> Option<Vec<&'f str>> {
    let mut converts = false;
    let mut types: Vec<&str> = Vec::new();
    for info in &facts.routes.fns {
        match info.owner.as_deref() {
            Some(o) if facts.types.contains(o) => types.push(o),
            Some(o) if info.of_trait && WRAPPERS.contains(&o) => converts = true,
            _ => return None,
        }
    }
    if !facts.types.contains(ty) {
        return None;
    }
    if converts {
        types = facts.types.iter().map(String::as_str).collect();
    }
    types.sort_unstable();
    types.dedup();
    Some(types)
}

/// Of the wanted types, those some file other than their home names, or whose home
/// has an item that could hold one (the word `static` or `const`).
fn named_elsewhere<'w>(
    wanted: &HashMap<&'w str, (usize, Option<HashSet<usize>>)>,
    files: &[(usize, &Path)],
    tests: &TestCode,
) -> HashSet<&'w str> {
    let types: Vec<&str> = wanted.keys().copied().collect();
    let finders: Vec<memchr::memmem::Finder> =
        types.iter().map(memchr::memmem::Finder::new).collect();
    let items = [
        memchr::memmem::Finder::new("static"),
        memchr::memmem::Finder::new("const"),
    ];
    let home = |t: &str, i: usize| wanted[t].0 == i;
    let asks = |t: &str, i: usize| {
        let (home, scope) = &wanted[t];
        *home == i || scope.as_ref().is_none_or(|s| s.contains(&i))
    };
    let named = files
        .par_iter()
        .map(|&(i, path)| {
            if tests.files.contains(&i) || !types.iter().any(|t| asks(t, i)) {
                return vec![false; types.len()];
            }
            let text = std::fs::read(path).unwrap_or_default();
            let in_test = tests.in_test(i, &text);
            let holds = || items.iter().any(|f| whole_words(&text, f, &in_test, 1) > 0);
            (finders.iter().zip(&types))
                .map(|(f, t)| {
                    if home(t, i) {
                        return holds();
                    }
                    let skip = |at: usize| in_test(at) || in_use(&text, at);
                    asks(t, i) && whole_words(&text, f, &skip, 1) > 0
                })
                .collect::<Vec<bool>>()
        })
        .reduce(
            || vec![false; types.len()],
            |a, b| a.iter().zip(&b).map(|(x, y)| *x || *y).collect(),
        );
    (types.iter().zip(named))
        .filter(|(_, n)| *n)
        .map(|(t, _)| *t)
        .collect()
}

/// Whether byte `at` of `text` is in a `use` item (`use a::T;`, `pub use self::m::{T,
/// U};`): the text since the last `;` or `}` before it starts with `use` once a
/// visibility is passed over. A name after a nested group (`use a::{b::{C}, T}`)
/// is taken for a use of the type.
fn in_use(text: &[u8], at: usize) -> bool {
    let start = memchr::memrchr2(b';', b'}', &text[..at]).map_or(0, |n| n + 1);
    let mut rest = text[start..at].trim_ascii_start();
    if let Some(r) = rest.strip_prefix(b"pub") {
        rest = r.trim_ascii_start();
        if let Some(r) = rest.strip_prefix(b"(") {
            let close = memchr::memchr(b')', r).map_or(r.len(), |n| n + 1);
            rest = r[close..].trim_ascii_start();
        }
    }
    rest.strip_prefix(b"use")
        .is_some_and(|r| r.first().is_some_and(u8::is_ascii_whitespace))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_mention_in_a_use_item_is_an_import() {
        let text = b"mod http;\npub use self::http::HttpSink;\nuse kafka::{\n    KafkaSink,\n};\nfn f() { let s = HttpSink::new(); }\n";
        let at = |word: &str, nth: usize| {
            memchr::memmem::find_iter(text, word.as_bytes())
                .nth(nth)
                .unwrap()
        };
        assert!(in_use(text, at("HttpSink", 0)));
        assert!(in_use(text, at("KafkaSink", 0)));
        assert!(!in_use(text, at("HttpSink", 1)), "a call");
        let scoped = b"fn f() {}\npub(crate) use a::T;";
        assert!(in_use(scoped, memchr::memmem::find(scoped, b"T;").unwrap()));
        let user = b"let user = T::new();";
        assert!(!in_use(user, memchr::memmem::find(user, b"T::").unwrap()));
    }
}
