//! Functions only tests call: a client built in one (`BallistaClient::new_for_test`,
//! called from `#[cfg(test)] mod tests` only) is test code like the tests themselves,
//! neither judged nor counted.
//!
//! A function a client is built in is taken when no body the run judges calls its
//! name (as function or method) and tests do: the body of an inline test module
//! (blanked before the parse, so searched in the file's text: the name followed by
//! `(`), or a function of a file left out as test code (a test module's file, a
//! test-support package). Only a type's functions and functions named for tests (a
//! word starting with `test`, or `mock`, `fake`, `dummy`) are asked: a free function may be a route
//! handler or passed as a value, with no caller by name. A published library's
//! function only the repository's tests call may be its users' API (an SDK's
//! constructor): taken there only when its name says it is for tests.
//!
//! The text is read only for the few functions no judged body calls. Known limits: a
//! method used as a value (`.map(Client::new_for_test)`) or only by code a macro
//! generates has no caller by name, and is taken when tests call it; test files
//! skipped before they are parsed (`#[cfg(test)] mod tests;` whose declaring file was
//! read first) add no callers, so a function only they call stays judged.

use std::path::Path;

use rustc_hash::FxHashSet as HashSet;

use super::link_key::fn_name;
use crate::extract::rust::facts::{ClientOrigin, Origin};
use crate::extract::rust::routes::{called_name, FnInfo};
use crate::extract::rust::{Deps, FileFacts};

/// One file of a package: (candidate index, facts).
type PackageFile = (usize, FileFacts);

/// Per package: the names of the functions clients are built in that only tests call
/// (see the module's doc). `tests`: the facts of the files left out as test code;
/// `path`: a file's path by candidate index.
pub(crate) fn test_only_functions<'p>(
    packages: &[(Option<&Deps>, &[PackageFile])],
    tests: &[(usize, FileFacts)],
    path: &dyn Fn(usize) -> &'p Path,
) -> Vec<HashSet<String>> {
    let mut out = vec![HashSet::default(); packages.len()];
    let mut wanted: HashSet<&str> = HashSet::default();
    for (j, (deps, files)) in packages.iter().enumerate() {
        let published = deps.is_some_and(|d| !d.unpublished_member);
        for (_, _, key) in client_fns(files) {
            // `Pool::new_for_test`, `connect::{closure ..}` → `connect`.
            let Some(name) = fn_name(key) else {
                continue;
            };
            let named = test_word(name);
            let associated = key.split("::").filter(|s| !s.starts_with('{')).count() > 1;
            // A type's function in a package nobody downloads, or one named so.
            if named || (associated && !published) {
                out[j].insert(name.to_string());
                wanted.insert(name);
            }
        }
    }
    if wanted.is_empty() {
        return out;
    }
    // Names some judged body calls are not the tests' alone.
    let judged = packages.iter().flat_map(|(_, files)| files.iter());
    drop_called(&mut wanted, judged);
    let tested = tested_names(&wanted, packages, tests, path);
    for set in &mut out {
        set.retain(|n| tested.contains(n.as_str()));
    }
    out
}

/// Of `wanted`, the names test code calls: the files left out as test code (their
/// functions' calls, and their inline test modules' text) and the inline test modules
/// of the judged files.
fn tested_names<'w, 'p>(
    wanted: &HashSet<&'w str>,
    packages: &[(Option<&Deps>, &[PackageFile])],
    tests: &[(usize, FileFacts)],
    path: &dyn Fn(usize) -> &'p Path,
) -> HashSet<&'w str> {
    let mut found: HashSet<&str> = HashSet::default();
    if wanted.is_empty() {
        return found;
    }
    for (_, f) in tests {
        for info in &f.routes.fns {
            for n in info
                .calls()
                .iter()
                .chain(info.fn_calls().iter().map(called_name))
            {
                if let Some(w) = wanted.get(n) {
                    found.insert(w);
                }
            }
        }
    }
    let files = packages.iter().flat_map(|(_, files)| files.iter());
    for (i, f) in files.chain(tests) {
        if f.test_bodies.is_empty() || found.len() == wanted.len() {
            continue;
        }
        let Ok(text) = std::fs::read_to_string(path(*i)) else {
            continue;
        };
        // The offsets are the loaded text's, which starts after a byte order mark.
        let text = text.strip_prefix('\u{FEFF}').unwrap_or(&text);
        for &(start, end) in &f.test_bodies {
            let Some(body) = text.get(start..end) else {
                continue;
            };
            found.extend(wanted.iter().filter(|w| calls_name(body, w)));
        }
    }
    found
}

/// Whether `text` holds `name` as a whole word followed by `(` (spaces between).
fn calls_name(text: &str, name: &str) -> bool {
    let b = text.as_bytes();
    let word = |c: u8| c.is_ascii_alphanumeric() || c == b'_';
    memchr::memmem::find_iter(b, name.as_bytes()).any(|at| {
        let end = at + name.len();
        let after = b[end..].iter().find(|c| !c.is_ascii_whitespace());
        (at == 0 || !word(b[at - 1])) && after == Some(&b'(')
    })
}

/// A `_`-separated word of the name says it is for tests (`new_for_test`,
/// `testkit_client`, `mock_server`; not `latest`).
fn test_word(name: &str) -> bool {
    name.split('_')
        .any(|w| w.starts_with("test") || matches!(w, "mock" | "fake" | "dummy"))
}

/// The clients of a package's files that are built in a function, with the file's
/// candidate index and that function's link key.
pub(super) fn client_fns(
    files: &[PackageFile],
) -> impl Iterator<Item = (usize, &ClientOrigin, &str)> {
    files.iter().flat_map(|(i, f)| {
        f.handles.iter().filter_map(move |h| match &h.origin {
            Origin::Client(c) => Some((*i, &**c, c.in_fn.as_deref()?)),
            _ => None,
        })
    })
}

/// Removes from `wanted` every name a body of `files` calls (as a function, a
/// method, or from a trait's default method).
pub(super) fn drop_called<'f>(
    wanted: &mut HashSet<&str>,
    files: impl Iterator<Item = &'f PackageFile>,
) {
    for (_, f) in files {
        for info in &f.routes.fns {
            let calls = info.calls().iter();
            for n in calls.chain(info.fn_calls().iter().map(called_name)) {
                wanted.remove(n);
            }
        }
        for n in &f.trait_default_calls {
            wanted.remove(n.as_str());
        }
    }
}

/// Whether `info`'s calls of `n` may run a free function: more calls written as
/// function calls (`n(..)`, `module::n(..)`, `T::n(..)`) than its calls through a
/// type's path can account for (`Self::n(..)`, `T::n(..)`: type calls beyond its
/// method calls, which a variable's known type also lists, `x.n()` as `T::n`).
pub(super) fn free_calls(info: &FnInfo, n: &str) -> bool {
    let as_fn = (info.fn_calls().iter())
        .filter(|c| called_name(c) == n)
        .count();
    let methods = (info.calls().iter().filter(|c| *c == n).count()).saturating_sub(as_fn);
    let through_type = (info.type_calls().iter())
        .filter(|t| t.rsplit_once("::").is_some_and(|(_, m)| m == n))
        .count();
    as_fn > through_type.saturating_sub(methods)
}

#[cfg(test)]
mod tests {
    use super::{calls_name, test_word};

    #[test]
    fn a_call_is_the_whole_name_then_a_parenthesis() {
        assert!(calls_name(
            "let c = Client::new_for_test(h, p);",
            "new_for_test"
        ));
        assert!(calls_name("x.connect_lazy ()", "connect_lazy"));
        assert!(!calls_name("renew_for_test(h)", "new_for_test"));
        assert!(!calls_name("let f = new_for_test;", "new_for_test"));
        assert!(!calls_name("new_for_test_two(h)", "new_for_test"));
    }

    #[test]
    fn test_words() {
        assert!(test_word("new_for_test") && test_word("mock_client"));
        assert!(test_word("setup_testing") && !test_word("latest") && !test_word("contest_id"));
    }
}
