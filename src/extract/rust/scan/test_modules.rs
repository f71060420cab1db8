//! Inline test modules (`#[cfg(test)] mod tests { .. }`), found in the text so that
//! their bodies are blanked before the file is parsed.
//!
//! No analysis reads test code ([`crate::extract::rust::front::test_code`]), yet `syn`
//! parses it like any other, and it is much of a service's source: on sixteen public
//! Rust services, inline test modules hold a median of about a fifth of the bytes of
//! the files a run parses (up to 42%). Their bodies are replaced by spaces, newlines
//! kept, so every byte offset, line and column outside them stays that of the file,
//! and the module itself stays, empty, for whatever asks whether it exists.
//!
//! Only a `mod` item whose outer attributes include one that
//! [`is_test_attr`](crate::extract::rust::front::test_code::is_test_attr) calls test
//! code is blanked, with the same predicate the analyses use; anything else (a test
//! function outside such a module, a module marked by an attribute this scan cannot
//! read) is parsed and skipped as before. A module whose closing brace is missing is
//! left alone, so `syn` reports the error where it is.

use std::ops::Range;

use syn::parse::Parser as _;

use super::lex::{
    is_raw_or_byte_string, skip_block_comment, skip_char_or_lifetime, skip_prefixed_string,
    skip_string,
};
use crate::extract::rust::front::test_code::is_test_attr;

/// The bodies (the bytes between the braces) of the inline test modules of `text`,
/// outermost only, in order.
pub fn bodies(text: &str) -> Vec<Range<usize>> {
    let b = text.as_bytes();
    let mut found = Vec::new();
    if !may_mark_tests(b) {
        return found;
    }
    // A test attribute was read and the item it belongs to has not started yet.
    let mut pending = false;
    let mut i = 0;
    while i < b.len() {
        let c = b[i];
        if c.is_ascii_whitespace() {
            i += 1;
            continue;
        }
        if let Some(end) = skip_literal_or_comment(b, i) {
            pending &= b[i] == b'/';
            i = end;
            continue;
        }
        if c == b'#' {
            match attribute(b, i) {
                Some((end, inner)) => {
                    pending |= !inner && is_test_attribute(&text[i..end]);
                    i = end;
                }
                None => i += 1,
            }
            continue;
        }
        if is_word_byte(c) {
            let end = word_end(b, i);
            if pending && &b[i..end] == b"mod" {
                if let Some(body) = module_body(b, end) {
                    i = body.end + 1;
                    found.push(body);
                    pending = false;
                    continue;
                }
            }
            // A visibility may stand between the attributes and `mod`.
            pending &= matches!(&b[i..end], b"pub" | b"crate" | b"super" | b"self" | b"in");
            i = end;
            continue;
        }
        // `pub(crate)`: its parentheses keep the item's head going.
        pending &= matches!(c, b'(' | b')');
        i += 1;
    }
    found
}

/// `text` with the `ranges` replaced by spaces, line breaks kept.
pub fn blank(text: &str, ranges: &[Range<usize>]) -> String {
    let mut bytes = text.as_bytes().to_vec();
    for r in ranges {
        for byte in &mut bytes[r.clone()] {
            if !matches!(*byte, b'\n' | b'\r') {
                *byte = b' ';
            }
        }
    }
    // Each range lies between two ASCII braces, so it holds whole characters and the
    // result is UTF-8; the fallback only guards against a wrong range.
    String::from_utf8(bytes).unwrap_or_else(|_| text.to_owned())
}

/// Where a comment, string, raw or byte string, or character literal starting at `i`
/// ends; `None` when none starts there (a lifetime is skipped as its quote alone).
fn skip_literal_or_comment(b: &[u8], i: usize) -> Option<usize> {
    match b[i] {
        b'/' if b.get(i + 1) == Some(&b'/') => {
            Some(memchr::memchr(b'\n', &b[i..]).map_or(b.len(), |n| i + n))
        }
        b'/' if b.get(i + 1) == Some(&b'*') => Some(skip_block_comment(b, i)),
        b'"' => Some(skip_string(b, i + 1)),
        b'r' | b'b' | b'c' if is_raw_or_byte_string(b, i) => Some(skip_prefixed_string(b, i)),
        b'\'' => Some(skip_char_or_lifetime(b, i)),
        _ => None,
    }
}

fn is_word_byte(c: u8) -> bool {
    c.is_ascii_alphanumeric() || c == b'_' || c >= 0x80
}

fn word_end(b: &[u8], i: usize) -> usize {
    b[i..]
        .iter()
        .position(|&c| !is_word_byte(c))
        .map_or(b.len(), |n| i + n)
}

/// Index past blanks and comments from `i`.
fn skip_blanks(b: &[u8], mut i: usize) -> usize {
    while i < b.len() {
        if b[i].is_ascii_whitespace() {
            i += 1;
        } else if b[i] == b'/' && matches!(b.get(i + 1), Some(b'/' | b'*')) {
            i = skip_literal_or_comment(b, i).unwrap_or(i + 1);
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

/// Whether the attribute written as `text` (`#[cfg(test)]`) marks test code.
fn is_test_attribute(text: &str) -> bool {
    may_mark_tests(text.as_bytes())
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

/// The index of the bracket closing the one at `open` (`[` or `{`), brackets in
/// comments and literals not counted; `None` when the text ends first.
fn matching(b: &[u8], open: usize) -> Option<usize> {
    let (up, down) = (b[open], if b[open] == b'[' { b']' } else { b'}' });
    let mut depth = 0usize;
    let mut i = open;
    while i < b.len() {
        let c = b[i];
        if c == up {
            depth += 1;
        } else if c == down {
            depth -= 1;
            if depth == 0 {
                return Some(i);
            }
        } else if let Some(end) = skip_literal_or_comment(b, i) {
            i = end.max(i + 1);
            continue;
        } else if is_word_byte(c) {
            // A word is skipped whole: `bar"` ends a word, it starts no byte string.
            i = word_end(b, i);
            continue;
        }
        i += 1;
    }
    None
}

#[cfg(test)]
mod tests {
    use super::*;

    fn blanked(text: &str) -> String {
        blank(text, &bodies(text))
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
            "# [ cfg ( test ) ]",
        ] {
            let text = format!("{attr}\npub(crate) mod t {{ fn f() {{}} }}");
            assert_eq!(bodies(&text).len(), 1, "{attr}");
        }
        for attr in [
            "#[cfg(not(test))]",
            "#[cfg(any(test, feature = \"testing\"))]",
            "#[cfg(feature = \"test\")]",
            "#![cfg(test)]",
        ] {
            let text = format!("{attr}\nmod t {{ fn f() {{}} }}");
            assert!(bodies(&text).is_empty(), "{attr}");
        }
    }

    #[test]
    fn other_items_and_out_of_line_modules_stay() {
        for text in [
            "#[cfg(test)]\nmod tests;\nmod real { fn f() {} }",
            "#[cfg(test)]\nfn helper() {}\nmod real { fn f() {} }",
            "#[cfg(test)]\nuse x::y;\nmod real { fn f() {} }",
            "#[test]\nfn t() {}\nmod real { fn f() {} }",
        ] {
            assert!(bodies(text).is_empty(), "{text}");
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
            assert!(bodies(text).is_empty(), "{text}");
        }
    }

    #[test]
    fn an_unclosed_module_is_left_to_the_parser() {
        let text = "#[cfg(test)]\nmod tests {\n fn f() {}\n";
        assert!(bodies(text).is_empty());
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
