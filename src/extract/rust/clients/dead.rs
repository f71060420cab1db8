//! Functions nothing calls: a client built in one is never built, so it is neither
//! judged nor counted (lighthouse's `ValidatorClientHttpClient::new_unauthenticated`,
//! screenpipe's `unstructured_chunking`: a search of the repository finds their names
//! only where they are defined).
//!
//! A function a client is built in is dead when its name appears, as a whole word, in
//! no Rust file of the run but once (its definition): not called, not passed as a
//! value, not named in a macro or a string (a line comment's mention is none). Asked
//! only where the run sees every possible caller: a package of a workspace that
//! cannot be published ([`Deps::unpublished_member`], not a plugin a host loads), in
//! a run that holds the workspace's root manifest. A function its callers need not
//! name is never asked: a trait's method, or one an attribute or a foreign ABI hands
//! to a framework or host ([`ClientOrigin::host_called`]), and `main`.
//!
//! The text is read only for the functions no body of the run calls by name. Known
//! limits: a function whose name a macro builds (`paste!`) has no caller by name and is
//! taken; a name shared with any other word of the run (a method `connect` beside
//! another type's) keeps the function judged, as does a caller only a file left out
//! of the run names.
//!
//! [`ClientOrigin::host_called`]: crate::extract::rust::facts::ClientOrigin::host_called

use std::path::Path;

use rayon::prelude::*;
use rustc_hash::FxHashSet as HashSet;

use super::test_only::{client_fns, drop_called};
use super::workspace::fn_name;
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
    rust_files: &[&Path],
) -> Vec<HashSet<String>> {
    let mut out = vec![HashSet::default(); packages.len()];
    let mut wanted: HashSet<&str> = HashSet::default();
    for (j, (deps, files)) in packages.iter().enumerate() {
        let closed = deps.is_some_and(|d| d.unpublished_member && !d.host_loaded);
        if !closed || !whole[j] {
            continue;
        }
        for (c, key) in client_fns(files) {
            if c.host_called || key.starts_with("static ") {
                continue;
            }
            if let Some(name) = fn_name(key).filter(|n| *n != "main") {
                out[j].insert(name.to_string());
                wanted.insert(name);
            }
        }
    }
    if wanted.is_empty() {
        return out;
    }
    // A name some body calls is not dead (whoever calls it): no text to read.
    let all = packages.iter().flat_map(|(_, files)| files.iter());
    drop_called(&mut wanted, all.chain(tests).map(|(_, f)| f));
    let named_once = named_once(&wanted, rust_files);
    for set in &mut out {
        set.retain(|n| named_once.contains(n.as_str()));
    }
    out
}

/// Of `names`, those that appear as a whole word exactly once in all of `files`.
fn named_once<'w>(names: &HashSet<&'w str>, files: &[&Path]) -> HashSet<&'w str> {
    let names: Vec<&str> = names.iter().copied().collect();
    if names.is_empty() {
        return HashSet::default();
    }
    let finders: Vec<memchr::memmem::Finder> =
        names.iter().map(memchr::memmem::Finder::new).collect();
    let counts = files
        .par_iter()
        .map(|path| {
            let text = std::fs::read(path).unwrap_or_default();
            finders
                .iter()
                .map(|f| whole_words(&text, f).min(2))
                .collect::<Vec<usize>>()
        })
        .reduce(
            || vec![0; names.len()],
            |a, b| a.iter().zip(&b).map(|(x, y)| (x + y).min(2)).collect(),
        );
    (names.iter().zip(counts))
        .filter(|(_, c)| *c == 1)
        .map(|(n, _)| *n)
        .collect()
}

/// How many times the finder's word appears in `text` as a whole word (not part of
/// a longer identifier) outside a line comment, counting up to 2.
fn whole_words(text: &[u8], finder: &memchr::memmem::Finder) -> usize {
    let word = |c: u8| c.is_ascii_alphanumeric() || c == b'_';
    let len = finder.needle().len();
    finder
        .find_iter(text)
        .filter(|&at| {
            (at == 0 || !word(text[at - 1]))
                && text.get(at + len).is_none_or(|&c| !word(c))
                && !in_line_comment(text, at)
        })
        .take(2)
        .count()
}

/// Whether `at` follows a `//` on its line that no open string literal holds (an
/// even number of `"` before it): a name in a comment or a doc comment calls nothing
/// (PinePods' `// ... matches Python get_video_date function exactly` above the one
/// definition of a function nothing calls).
fn in_line_comment(text: &[u8], at: usize) -> bool {
    let start = memchr::memrchr(b'\n', &text[..at]).map_or(0, |n| n + 1);
    let line = &text[start..at];
    let Some(slashes) = memchr::memmem::find(line, b"//") else {
        return false;
    };
    line[..slashes].iter().filter(|&&c| c == b'"').count() % 2 == 0
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn counts_whole_words_only() {
        let f = memchr::memmem::Finder::new("load");
        assert_eq!(whole_words(b"fn load() {}", &f), 1);
        assert_eq!(whole_words(b"fn load_all() { reload(); loader }", &f), 0);
        assert_eq!(whole_words(b"load(); x.load; load", &f), 2);
        assert_eq!(whole_words(b"load", &f), 1);
    }

    #[test]
    fn a_name_in_a_line_comment_is_no_use() {
        let f = memchr::memmem::Finder::new("load");
        let commented = b"// calls load like Python's\n    fn load() {}\n/// see [load]\n";
        assert_eq!(whole_words(commented, &f), 1);
        let in_string = b"let u = \"http://x\"; load();\nfn load() {}";
        assert_eq!(whole_words(in_string, &f), 2);
        assert_eq!(whole_words(b"x(); // \"load\"\nload()", &f), 1);
    }
}
