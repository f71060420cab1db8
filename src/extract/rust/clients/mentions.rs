//! Where a name is mentioned in a file's text as a whole word, for the dead-code
//! questions ([`super::dead`], [`super::dead_types`], [`super::dead_paths`]), which
//! read the text only for the few names the facts leave open: not part of a longer
//! identifier, not in a line comment, not in test code ([`TestCode`]), and for a free
//! function not where the name cannot reach it ([`free_fn_mentions`]).

use rustc_hash::{FxHashMap as HashMap, FxHashSet as HashSet};

use crate::extract::rust::{Deps, FileFacts};

/// One file of a package: (candidate index, facts).
type PackageFile = (usize, FileFacts);

/// Where the run's test code is, by candidate index: files left out as test code, and
/// the inline test modules' bodies (byte ranges of the text after a byte order mark)
/// of the judged files.
pub(super) struct TestCode<'f> {
    pub(super) files: HashSet<usize>,
    bodies: HashMap<usize, &'f [(usize, usize)]>,
}

impl<'f> TestCode<'f> {
    pub(super) fn of(
        packages: &[(Option<&Deps>, &'f [PackageFile])],
        tests: &[(usize, FileFacts)],
    ) -> Self {
        TestCode {
            files: tests.iter().map(|(i, _)| *i).collect(),
            bodies: (packages.iter().flat_map(|(_, files)| files.iter()))
                .filter(|(_, f)| !f.test_bodies.is_empty())
                .map(|(i, f)| (*i, f.test_bodies.as_slice()))
                .collect(),
        }
    }

    /// Whether byte `at` of file `i`'s `text` is in an inline test module.
    pub(super) fn in_test<'t>(&'t self, i: usize, text: &[u8]) -> impl Fn(usize) -> bool + 't {
        let bom = if text.starts_with(b"\xEF\xBB\xBF") {
            3
        } else {
            0
        };
        let bodies = self.bodies.get(&i).copied().unwrap_or_default();
        move |at| {
            bodies
                .iter()
                .any(|&(s, e)| (s + bom..e + bom).contains(&at))
        }
    }
}

/// How many times the finder's word appears in `text` as a whole word (not part of
/// a longer identifier) outside a line comment and the places `skip` says are test
/// code, counting up to `limit`.
pub(super) fn whole_words(
    text: &[u8],
    finder: &memchr::memmem::Finder,
    skip: &dyn Fn(usize) -> bool,
    limit: usize,
) -> usize {
    word_starts(text, finder, skip).take(limit).count()
}

/// Where [`whole_words`] finds the finder's word.
pub(super) fn word_starts<'t>(
    text: &'t [u8],
    finder: &'t memchr::memmem::Finder,
    skip: &'t dyn Fn(usize) -> bool,
) -> impl Iterator<Item = usize> + 't {
    let word = |c: u8| c.is_ascii_alphanumeric() || c == b'_';
    let len = finder.needle().len();
    finder.find_iter(text).filter(move |&at| {
        (at == 0 || !word(text[at - 1]))
            && text.get(at + len).is_none_or(|&c| !word(c))
            && !in_line_comment(text, at)
            && !skip(at)
    })
}

/// Where [`whole_words`]' mentions of a free function's name may name it: not its
/// definition or another's (`fn name`), not a method call or a field (`x.name`,
/// `x\n    .name(..)`), not another type's item (`Self::name`, `Client::name`: a
/// path whose last segment before the name is a type's, capitalised as Rust names
/// types). A free function is reached by its name or a module's path only.
pub(super) fn free_fn_mentions<'t>(
    text: &'t [u8],
    finder: &'t memchr::memmem::Finder,
    skip: &'t dyn Fn(usize) -> bool,
) -> impl Iterator<Item = usize> + 't {
    let other = move |at: usize| {
        let before = text[..at].trim_ascii_end();
        let word = |c: &u8| c.is_ascii_alphanumeric() || *c == b'_';
        let keyword = (before.strip_suffix(b"fn"))
            .is_some_and(|rest| at > before.len() && !rest.last().is_some_and(word));
        // `x.name`, not a range's end (`0..name()`).
        let method = before.ends_with(b".") && !before.ends_with(b"..");
        if method || keyword {
            return true;
        }
        let Some(path) = before.strip_suffix(b"::") else {
            return false;
        };
        let segment = path.iter().rev().take_while(|c| word(c));
        segment.last().is_some_and(|c| c.is_ascii_uppercase())
    };
    word_starts(text, finder, skip).filter(move |&at| !other(at))
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
    fn a_free_function_is_named_by_a_path_or_its_name_only() {
        let f = memchr::memmem::Finder::new("probe");
        let none = |_| false;
        // Definitions, method calls and other types' items are not mentions of it.
        let others = b"pub async fn probe(u: &str) {}\nstore.probe();\nx\n    .probe()\nSelf::probe(a); Relay::probe(b); fn probe2() {}";
        assert_eq!(free_fn_mentions(others, &f, &none).count(), 0);
        // A call by name or through a module's path, or the function as a value, is.
        assert_eq!(
            free_fn_mentions(b"sync::probe(u); probe(u)", &f, &none).count(),
            2
        );
        assert_eq!(free_fn_mentions(b".map(probe)", &f, &none).count(), 1);
        assert_eq!(free_fn_mentions(b"let myfn probe", &f, &none).count(), 1);
        assert_eq!(
            free_fn_mentions(b"for i in 0..probe(u) {}", &f, &none).count(),
            1
        );
    }

    #[test]
    fn counts_whole_words_only() {
        let f = memchr::memmem::Finder::new("load");
        assert_eq!(whole_words(b"fn load() {}", &f, &|_| false, 2), 1);
        assert_eq!(
            whole_words(b"fn load_all() { reload(); loader }", &f, &|_| false, 2),
            0
        );
        assert_eq!(whole_words(b"load(); x.load; load", &f, &|_| false, 2), 2);
        assert_eq!(whole_words(b"load", &f, &|_| false, 2), 1);
    }

    #[test]
    fn a_name_in_a_line_comment_is_no_use() {
        let f = memchr::memmem::Finder::new("load");
        let commented = b"// calls load like Python's\n    fn load() {}\n/// see [load]\n";
        assert_eq!(whole_words(commented, &f, &|_| false, 2), 1);
        let in_string = b"let u = \"http://x\"; load();\nfn load() {}";
        assert_eq!(whole_words(in_string, &f, &|_| false, 2), 2);
        assert_eq!(
            whole_words(b"x(); // \"load\"\nload()", &f, &|_| false, 2),
            1
        );
    }

    #[test]
    fn a_name_in_test_code_is_no_use() {
        let f = memchr::memmem::Finder::new("load");
        let text = b"fn load() {}\nmod tests { fn t() { load(); } }";
        let tests_at = memchr::memmem::find(text, b"mod tests").unwrap();
        assert_eq!(whole_words(text, &f, &|at| at >= tests_at, 2), 1);
        assert_eq!(whole_words(text, &f, &|_| false, 2), 2);
    }
}
