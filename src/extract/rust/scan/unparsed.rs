//! What `syn` need not see of a file, found in its text and blanked before the
//! file is parsed: the bodies of inline test modules and the marks that make a
//! comment a doc comment.
//!
//! - **Test modules** (`#[cfg(test)] mod tests { .. }`). No analysis reads test code
//!   ([`crate::extract::rust::front::test_code`]), yet `syn` parses it like any other,
//!   and it is much of a service's source: on sixteen public Rust services, inline
//!   test modules hold a median of about a fifth of the bytes of the files a run
//!   parses (up to 42%). Only a `mod` item whose outer attributes include one that
//!   [`is_test_attr`](crate::extract::rust::front::test_code::is_test_attr) calls test
//!   code is blanked, with the same predicate the analyses use, and so is the body of
//!   a test function outside such a module (`#[tokio::test] async fn t() { .. }` among
//!   helpers): what it calls is the tests' call, not the program's. Anything else (a
//!   module marked by an attribute this scan cannot read, a generic test function) is
//!   parsed and skipped as before. The module itself stays, empty, for
//!   whatever asks whether it exists; one whose closing brace is missing is left
//!   alone, so `syn` reports the error where it is.
//! - **Doc comments** (`/// ..`, `//! ..`). `syn` makes each line a `#[doc = ".."]`
//!   attribute with its string literal, about 6% of the parse of crates.io, and no
//!   analysis reads them. Blanking the third character (`// ..`) makes the line an
//!   ordinary comment, which the lexer skips. (Block doc comments, rare, stay.)
//!
//! Bytes are replaced by spaces, newlines kept, so every byte offset, line and column
//! outside a blanked body stays that of the file.

use std::ops::Range;

use syn::parse::Parser as _;

use super::lex::{
    is_raw_or_byte_string, skip_block_comment, skip_char_or_lifetime, skip_prefixed_string,
    skip_string,
};
use crate::extract::rust::front::test_code::is_test_attr;

/// What [`find`] found in a file: the bytes [`blank`] replaces.
#[derive(Debug, Default, PartialEq, Eq)]
pub struct Unparsed {
    /// The bodies (the bytes between the braces) of the inline test modules, outermost
    /// only, in order.
    pub test_bodies: Vec<Range<usize>>,
    /// The third byte of each doc comment outside them (`/` of `///`, `!` of `//!`).
    pub doc_marks: Vec<usize>,
}

impl Unparsed {
    pub fn is_empty(&self) -> bool {
        self.test_bodies.is_empty() && self.doc_marks.is_empty()
    }
}

/// What of `text` the parse need not see.
///
/// The scan jumps from one byte that matters to the next (a comment's `/`, a quote,
/// an attribute's `#`): it runs on every file, so it must cost little next to the
/// parse it saves.
pub fn find(text: &str) -> Unparsed {
    let b = text.as_bytes();
    let mut found = Unparsed::default();
    let tests = may_mark_tests(b);
    if !tests && memchr::memmem::find(b, b"//").is_none() {
        return found;
    }
    let mut stops = Stops {
        hash: if tests { memchr::memchr(b'#', b) } else { None },
    };
    let mut i = 0;
    while let Some(at) = stops.next(b, i) {
        i = match b[at] {
            b'#' if tests => match attribute(b, at) {
                Some((end, false)) if is_test_attribute(&text[at..end]) => {
                    match test_module_after(b, end) {
                        Some(body) => {
                            let next = body.end + 1;
                            found.test_bodies.push(body);
                            next
                        }
                        None => end,
                    }
                }
                Some((end, _)) => end,
                None => at + 1,
            },
            b'#' => at + 1,
            b'/' if b.get(at + 1) == Some(&b'/') => {
                if is_doc_comment(b, at) {
                    found.doc_marks.push(at + 2);
                }
                skip_from(b, at)
            }
            _ => skip_from(b, at),
        };
    }
    found
}

/// The bytes [`find`] stops at, found with `memchr` (the next `/`, `"` or `'`, and
/// the next `#` when the file may mark tests, kept until passed): they are a few in
/// a hundred, and a byte-by-byte search for them was most of the scan's cost.
struct Stops {
    /// The next `#` at or after the last search, when one is wanted and left.
    hash: Option<usize>,
}

impl Stops {
    /// The first index from `i` whose byte is a stop.
    fn next(&mut self, b: &[u8], i: usize) -> Option<usize> {
        let rest = b.get(i..)?;
        let other = memchr::memchr3(b'/', b'"', b'\'', rest).map(|n| i + n);
        if self.hash.is_some_and(|h| h < i) {
            self.hash = memchr::memchr(b'#', rest).map(|n| i + n);
        }
        match (other, self.hash) {
            (Some(o), Some(h)) => Some(o.min(h)),
            (o, h) => o.or(h),
        }
    }
}

/// Whether the line comment at `at` is a doc comment: `///` but not `////`, or `//!`.
fn is_doc_comment(b: &[u8], at: usize) -> bool {
    match b.get(at + 2) {
        Some(b'/') => b.get(at + 3) != Some(&b'/'),
        Some(b'!') => true,
        _ => false,
    }
}

/// The bytes [`matching`] stops at for each bracket: what opens a comment or
/// literal, and the brackets counted.
const fn stops(extra: [u8; 2]) -> [bool; 256] {
    let mut t = [false; 256];
    t[b'/' as usize] = true;
    t[b'"' as usize] = true;
    t[b'\'' as usize] = true;
    t[extra[0] as usize] = true;
    t[extra[1] as usize] = true;
    t
}
const BRACES: [bool; 256] = stops([b'{', b'}']);
const SQUARE: [bool; 256] = stops([b'[', b']']);
const PARENS: [bool; 256] = stops([b'(', b')']);

/// The first index from `i` whose byte is in `table`.
fn next_of(b: &[u8], i: usize, table: &[bool; 256]) -> Option<usize> {
    b.get(i..)?
        .iter()
        .position(|&c| table[usize::from(c)])
        .map(|n| i + n)
}

/// Where what starts at `at` (a `/`, `"` or `'`) ends: a comment, a string (raw when
/// a prefix `r#`, `br`, `cr` stands right before the quote), a character literal; a
/// lone `/` or a lifetime's quote is one byte.
fn skip_from(b: &[u8], at: usize) -> usize {
    match b[at] {
        b'/' if b.get(at + 1) == Some(&b'/') => {
            memchr::memchr(b'\n', &b[at..]).map_or(b.len(), |n| at + n)
        }
        b'/' if b.get(at + 1) == Some(&b'*') => skip_block_comment(b, at),
        b'"' => match raw_prefix(b, at) {
            Some(start) => skip_prefixed_string(b, start),
            None => skip_string(b, at + 1),
        },
        b'\'' => skip_char_or_lifetime(b, at),
        _ => at + 1,
    }
}

/// The start of a raw string's prefix (`r`, `br`, `cr`, with its `#`s) ending at the
/// quote at `quote`.
fn raw_prefix(b: &[u8], quote: usize) -> Option<usize> {
    let mut j = quote;
    while j > 0 && b[j - 1] == b'#' {
        j -= 1;
    }
    if j == 0 || b[j - 1] != b'r' {
        return None;
    }
    j -= 1;
    if j > 0 && matches!(b[j - 1], b'b' | b'c') {
        j -= 1;
    }
    is_raw_or_byte_string(b, j).then_some(j)
}

/// The body of the module item that follows a test attribute ending at `i`: more
/// attributes, a visibility, `mod name {` .. `}`.
fn test_module_after(b: &[u8], mut i: usize) -> Option<Range<usize>> {
    loop {
        i = skip_blanks(b, i);
        if b.get(i) != Some(&b'#') {
            break;
        }
        i = attribute(b, i)?.0;
    }
    if word_at(b, i) == b"pub" {
        i = skip_blanks(b, i + 3);
        if b.get(i) == Some(&b'(') {
            i = skip_blanks(b, matching(b, i)? + 1);
        }
    }
    if word_at(b, i) != b"mod" {
        return test_fn_body(b, i);
    }
    module_body(b, i + 3)
}

/// The body of a function item starting at `i` (after its attributes and
/// visibility): `async`, `const`, `unsafe` or `extern ".."` first, then `fn name(..)`,
/// a return type, `{` .. `}`. A test function outside a test module (`#[tokio::test]
/// async fn t() { .. }` in a file of helpers) is test code as a module is; one with
/// generics, or a return type holding a `;` (`[u8; 4]`), is left to the parse.
fn test_fn_body(b: &[u8], mut i: usize) -> Option<Range<usize>> {
    loop {
        match word_at(b, i) {
            w @ (b"async" | b"const" | b"unsafe") => i = skip_blanks(b, i + w.len()),
            b"extern" => {
                i = skip_blanks(b, i + 6);
                if b.get(i) == Some(&b'"') {
                    i = skip_blanks(b, skip_string(b, i + 1));
                }
            }
            _ => break,
        }
    }
    if word_at(b, i) != b"fn" {
        return None;
    }
    let name = skip_blanks(b, i + 2);
    let open = skip_blanks(b, word_end(b, name));
    if open == name || b.get(open) != Some(&b'(') {
        return None;
    }
    let after = matching(b, open)? + 1;
    let brace = after + memchr::memchr2(b'{', b';', b.get(after..)?)?;
    if b[brace] != b'{' {
        return None;
    }
    Some(brace + 1..matching(b, brace)?)
}

/// The word starting at `i` (empty when none does).
fn word_at(b: &[u8], i: usize) -> &[u8] {
    b.get(i..word_end(b, i)).unwrap_or_default()
}

/// `text` with what [`find`] found blanked: test bodies replaced by spaces (line
/// breaks kept), doc marks by a space.
pub fn blank(text: &str, unparsed: &Unparsed) -> String {
    let mut bytes = text.as_bytes().to_vec();
    for r in &unparsed.test_bodies {
        for byte in &mut bytes[r.clone()] {
            if !matches!(*byte, b'\n' | b'\r') {
                *byte = b' ';
            }
        }
    }
    for &at in &unparsed.doc_marks {
        bytes[at] = b' ';
    }
    // Each body lies between two ASCII braces, so it holds whole characters, and a
    // doc mark is an ASCII byte: the result is UTF-8; the fallback only guards
    // against a wrong range.
    String::from_utf8(bytes).unwrap_or_else(|_| text.to_owned())
}

fn is_word_byte(c: u8) -> bool {
    c.is_ascii_alphanumeric() || c == b'_' || c >= 0x80
}

fn word_end(b: &[u8], i: usize) -> usize {
    b.get(i..)
        .and_then(|rest| rest.iter().position(|&c| !is_word_byte(c)))
        .map_or(b.len().max(i), |n| i + n)
}

/// Index past blanks and comments from `i`.
fn skip_blanks(b: &[u8], mut i: usize) -> usize {
    while i < b.len() {
        if b[i].is_ascii_whitespace() {
            i += 1;
        } else if b[i] == b'/' && matches!(b.get(i + 1), Some(b'/' | b'*')) {
            i = skip_from(b, i);
        } else {
            break;
        }
    }
    i
}

/// The attribute starting with the `#` at `i`: the index past its `]`, and whether it
/// is an inner one (`#![..]`).
fn attribute(b: &[u8], i: usize) -> Option<(usize, bool)> {
    let mut j = skip_blanks(b, i + 1);
    let inner = b.get(j) == Some(&b'!');
    if inner {
        j = skip_blanks(b, j + 1);
    }
    if b.get(j) != Some(&b'[') {
        return None;
    }
    Some((matching(b, j)? + 1, inner))
}

/// Whether `b` may hold a test attribute: every one names `test` (`cfg(test)`,
/// `tokio::test`, `rstest`) or `debug_assertions`.
fn may_mark_tests(b: &[u8]) -> bool {
    memchr::memmem::find(b, b"test").is_some()
        || memchr::memmem::find(b, b"debug_assertions").is_some()
}

/// Whether the attribute written as `text` (`#[cfg(test)]`) marks test code. This
/// scan runs before the depth check (which then sees the blanked text), so an
/// attribute nested too deep for `syn` is not parsed: it is taken for no test mark.
fn is_test_attribute(text: &str) -> bool {
    may_mark_tests(text.as_bytes())
        && super::check_depth(text, super::MAX_DEPTH).is_ok()
        && syn::Attribute::parse_outer
            .parse_str(text)
            .is_ok_and(|attrs| attrs.iter().any(is_test_attr))
}

/// The body of the `mod` whose keyword ends at `i`: `name {` .. `}`, not `name;`.
fn module_body(b: &[u8], i: usize) -> Option<Range<usize>> {
    let start = skip_blanks(b, i);
    if !b.get(start).copied().is_some_and(is_word_byte) {
        return None;
    }
    let open = skip_blanks(b, word_end(b, start));
    if b.get(open) != Some(&b'{') {
        return None;
    }
    Some(open + 1..matching(b, open)?)
}

/// The index of the bracket closing the one at `open` (`(`, `[` or `{`), brackets in
/// comments and literals not counted; `None` when the text ends first.
fn matching(b: &[u8], open: usize) -> Option<usize> {
    let (up, down, table) = match b[open] {
        b'(' => (b'(', b')', &PARENS),
        b'[' => (b'[', b']', &SQUARE),
        _ => (b'{', b'}', &BRACES),
    };
    let mut depth = 0usize;
    let mut i = open;
    while let Some(at) = next_of(b, i, table) {
        let c = b[at];
        if c == up {
            depth += 1;
        } else if c == down {
            depth -= 1;
            if depth == 0 {
                return Some(at);
            }
        } else {
            i = skip_from(b, at);
            continue;
        }
        i = at + 1;
    }
    None
}

#[cfg(test)]
mod tests {
    use super::*;

    fn blanked(text: &str) -> String {
        blank(text, &find(text))
    }

    #[test]
    fn a_test_module_body_is_blanked_with_its_lines_kept() {
        let text = "fn a() {}\n#[cfg(test)]\nmod tests {\n    use super::*;\n    #[test] fn t() { a(); }\n}\nfn b() {}\n";
        let out = blanked(text);
        assert_eq!(out.len(), text.len());
        assert_eq!(out.lines().count(), text.lines().count());
        assert!(out.contains("mod tests {\n"));
        assert!(!out.contains("use super"));
        assert!(out.starts_with("fn a() {}\n") && out.ends_with("}\nfn b() {}\n"));
        syn::parse_file(&out).expect("still parses");
    }

    #[test]
    fn the_same_predicate_as_the_analyses() {
        for attr in [
            "#[cfg(test)]",
            "#[cfg(all(test, feature = \"x\"))]",
            "#[cfg(debug_assertions)]",
            "#[cfg(any(test, feature = \"testing\"))]",
            "# [ cfg ( test ) ]",
        ] {
            let text = format!("{attr}\npub(crate) mod t {{ fn f() {{}} }}");
            assert_eq!(find(&text).test_bodies.len(), 1, "{attr}");
        }
        for attr in [
            "#[cfg(not(test))]",
            "#[cfg(any(test, feature = \"x\"))]",
            "#[cfg(feature = \"test\")]",
            "#![cfg(test)]",
        ] {
            let text = format!("{attr}\nmod t {{ fn f() {{}} }}");
            assert!(find(&text).test_bodies.is_empty(), "{attr}");
        }
    }

    #[test]
    fn other_items_and_out_of_line_modules_stay() {
        for text in [
            "#[cfg(test)]\nmod tests;\nmod real { fn f() {} }",
            "#[cfg(test)]\nuse x::y;\nmod real { fn f() {} }",
            "#[cfg(test)]\nfn declared();\nmod real { fn f() {} }",
            "#[test]\nfn generic<T: Fn() -> u8>() {}\nmod real { fn f() {} }",
            "#[test]\nfn array() -> [u8; 4] { [0; 4] }\nmod real { fn f() {} }",
        ] {
            assert!(find(text).test_bodies.is_empty(), "{text}");
        }
    }

    #[test]
    fn a_test_function_outside_a_test_module_is_blanked_too() {
        for text in [
            "#[cfg(test)]\nfn helper() { call(); }\nfn real() { kept(); }",
            "#[test]\nfn t() { call(); }\nfn real() { kept(); }",
            "#[ignore]\n#[tokio::test]\npub async fn t() -> Result<(), E> { call(); Ok(()) }\nfn real() { kept(); }",
            "#[test]\nunsafe extern \"C\" fn t(x: (u8, u8)) { call(); }\nfn real() { kept(); }",
        ] {
            assert_eq!(find(text).test_bodies.len(), 1, "{text}");
            let out = blanked(text);
            assert!(!out.contains("call") && out.contains("kept"), "{out}");
            syn::parse_file(&out).expect("still parses");
        }
    }

    #[test]
    fn brackets_in_literals_and_comments_do_not_count() {
        let text = "#[cfg(test)]\nmod tests {\n  const A: &str = \"}\";\n  const B: &str = r#\"}}\"#;\n  const C: char = '}';\n  // }\n  /* } */\n  fn f<'a>(x: &'a str) {}\n}\nfn kept() {}\n";
        let out = blanked(text);
        assert!(out.ends_with("}\nfn kept() {}\n"), "{out}");
        assert!(!out.contains("const"), "{out}");
    }

    #[test]
    fn text_in_literals_or_comments_is_no_attribute() {
        for text in [
            "const S: &str = \"#[cfg(test)] mod t { }\"; fn f() {}",
            "// #[cfg(test)] mod t { fn f() {} }\nfn f() {}",
            "/// #[cfg(test)]\n/// mod t { fn f() {} }\nfn f() {}",
        ] {
            assert!(find(text).test_bodies.is_empty(), "{text}");
        }
    }

    #[test]
    fn attributes_comments_and_visibility_may_stand_between() {
        for text in [
            "#[allow(unused)]\n#[cfg(test)]\n/// Tests.\n#[path = \"t.rs\"]\npub(in crate::a) mod t { fn f() {} }",
            "mod outer {\n    #[cfg(test)] // the tests\n    mod t { const R: &str = br##\"{\"##; }\n}",
            "fn r#type() {}\nconst Q: &str = r#\"#[cfg(test)] mod x {\"#;\n#[cfg(test)] mod t { fn f() {} }",
        ] {
            let found = find(text).test_bodies;
            assert_eq!(found.len(), 1, "{text}");
            assert!(blanked(text).contains("mod t {"), "{text}");
            syn::parse_file(&blanked(text)).expect("still parses");
        }
    }

    #[test]
    fn doc_comments_become_plain_comments() {
        let text = "//! The crate.\n/// A type.\n//// Not a doc comment.\nstruct S; // /// inside a comment\nconst U: &str = \"file:///x //! y\";\n";
        let out = blanked(text);
        assert_eq!(
            out,
            "//  The crate.\n//  A type.\n//// Not a doc comment.\nstruct S; // /// inside a comment\nconst U: &str = \"file:///x //! y\";\n"
        );
        let file = syn::parse_file(&out).expect("parses");
        assert!(file.attrs.is_empty());
        assert!(file.items.iter().all(|i| match i {
            syn::Item::Struct(s) => s.attrs.is_empty(),
            _ => true,
        }));
    }

    #[test]
    fn an_unclosed_module_is_left_to_the_parser() {
        let text = "#[cfg(test)]\nmod tests {\n fn f() {}\n";
        assert!(find(text).test_bodies.is_empty());
        assert_eq!(blanked(text), text);
    }

    #[test]
    fn multibyte_text_stays_utf8_and_offsets_hold() {
        let text = "#[cfg(test)]\nmod tests { const S: &str = \"héllo → ✓\"; }\nfn ünïcode() {}";
        let out = blanked(text);
        assert_eq!(out.len(), text.len());
        assert!(out.ends_with("}\nfn ünïcode() {}"));
    }
}
