//! Depth pre-scan: `syn` recurses once per nesting level and overflows the stack
//! (an abort, not a panic) on pathological input, so files nested deeper than a
//! limit are refused before they are parsed.
//!
//! The scan is a small lexer: brackets inside comments, strings, raw strings and
//! character literals do not count, so neither `"(((("` nor `")))"` can fool it.

/// Deepest bracket nesting (or run of prefix operators) a file may have.
pub const MAX_DEPTH: usize = 256;

/// Most tokens that may be chained, summed over the open bracket levels, without a
/// `;`, `,` or item boundary: method, `?`, cast, operator, assignment, closure and
/// `return` chains build trees as deep as they are long, and the parser, visitors
/// and `Drop` recurse through them (10,000 chained `= x` overflow a 64 MiB stack
/// in a debug build).
pub const MAX_CHAIN: usize = 4_000;

/// Where and why a file is too deep.
#[derive(Debug, PartialEq, Eq)]
pub struct TooDeep {
    pub offset: usize,
    pub depth: usize,
}

/// Scans `text`; `Err` at the first byte past the limit.
pub fn check_depth(text: &str, limit: usize) -> Result<(), TooDeep> {
    check(text, limit, MAX_CHAIN)
}

/// Whether the text after a closing `}` starts a new item, statement or match arm
/// (an identifier other than `else`/`as`, a literal, an attribute, another `}`),
/// so the chain count of the enclosing level starts over.
fn ends_statement(b: &[u8], mut i: usize) -> bool {
    while i < b.len() && b[i].is_ascii_whitespace() {
        i += 1;
    }
    let Some(&c) = b.get(i) else { return true };
    if matches!(c, b'#' | b'}' | b'"' | b'\'') || c.is_ascii_digit() {
        return true;
    }
    if !(c.is_ascii_alphabetic() || c == b'_') {
        return false;
    }
    let end = b[i..]
        .iter()
        .position(|c| !(c.is_ascii_alphanumeric() || *c == b'_'))
        .map_or(b.len(), |p| i + p);
    !matches!(&b[i..end], b"else" | b"as")
}

fn check(text: &str, limit: usize, chain_limit: usize) -> Result<(), TooDeep> {
    let b = text.as_bytes();
    let mut i = 0;
    let mut depth = 0usize;
    // Tokens chained at each open bracket level, and their sum.
    let mut chain: Vec<usize> = vec![0];
    let mut total = 0usize;
    macro_rules! count {
        ($at:expr) => {{
            let top = chain.len() - 1;
            chain[top] += 1;
            total += 1;
            if total > chain_limit {
                return Err(TooDeep {
                    offset: $at,
                    depth: total,
                });
            }
        }};
    }
    macro_rules! reset {
        () => {{
            let top = chain.len() - 1;
            total -= chain[top];
            chain[top] = 0;
        }};
    }
    // Consecutive prefix operators (`!!!!x`, `----x`, `&&&&x`) recurse in the parser too.
    let mut prefix_run = 0usize;
    while i < b.len() {
        let c = b[i];
        match c {
            b'/' if b.get(i + 1) == Some(&b'/') => {
                // `str::find` with a char runs memchr: comments are skipped, not scanned.
                i = text[i..].find('\n').map_or(b.len(), |n| i + n);
                continue;
            }
            b'/' if b.get(i + 1) == Some(&b'*') => {
                let mut nest = 0usize;
                while i < b.len() {
                    if b[i] == b'/' && b.get(i + 1) == Some(&b'*') {
                        nest += 1;
                        i += 2;
                    } else if b[i] == b'*' && b.get(i + 1) == Some(&b'/') {
                        nest -= 1;
                        i += 2;
                        if nest == 0 {
                            break;
                        }
                    } else {
                        i += 1;
                    }
                }
                continue;
            }
            b'"' => {
                count!(i);
                i = skip_string(b, i + 1);
                prefix_run = 0;
                continue;
            }
            b'r' | b'b' | b'c' if is_raw_or_byte_string(b, i) => {
                count!(i);
                i = skip_prefixed_string(b, i);
                prefix_run = 0;
                continue;
            }
            b'\'' => {
                count!(i);
                i = skip_char_or_lifetime(b, i);
                prefix_run = 0;
                continue;
            }
            c if c.is_ascii_alphanumeric() || c == b'_' || c >= 0x80 => {
                count!(i);
                while i < b.len() && (b[i].is_ascii_alphanumeric() || b[i] == b'_' || b[i] >= 0x80)
                {
                    i += 1;
                }
                prefix_run = 0;
                continue;
            }
            b';' | b',' => reset!(),
            b'(' | b'[' | b'{' => {
                count!(i);
                chain.push(0);
                depth += 1;
                if depth + prefix_run > limit {
                    return Err(TooDeep {
                        offset: i,
                        depth: depth + prefix_run,
                    });
                }
            }
            b')' | b']' | b'}' => {
                depth = depth.saturating_sub(1);
                if chain.len() > 1 {
                    total -= chain.pop().unwrap_or(0);
                }
                if c == b'}' && ends_statement(b, i + 1) {
                    reset!();
                }
            }
            b'!' | b'-' | b'&' | b'*' => {
                count!(i);
                prefix_run += 1;
                if prefix_run > limit {
                    return Err(TooDeep {
                        offset: i,
                        depth: prefix_run,
                    });
                }
            }
            b' ' | b'\t' | b'\n' | b'\r' => {
                // A run of blanks (indentation) at once; blanks keep a prefix run going.
                while i < b.len() && matches!(b[i], b' ' | b'\t' | b'\n' | b'\r') {
                    i += 1;
                }
                continue;
            }
            _ => {
                count!(i);
                prefix_run = 0;
            }
        }
        if !matches!(c, b'!' | b'-' | b'&' | b'*' | b' ' | b'\t' | b'\n' | b'\r') {
            prefix_run = 0;
        }
        i += 1;
    }
    Ok(())
}

/// Index just past the closing quote of a string whose body starts at `i`.
fn skip_string(b: &[u8], mut i: usize) -> usize {
    while i < b.len() {
        match b[i] {
            b'\\' => i += 2,
            b'"' => return i + 1,
            _ => i += 1,
        }
    }
    b.len()
}

/// `r"..."`, `r#"..."#`, `b"..."`, `br#"..."#`, `c"..."`, `cr"..."`, not an identifier like `bar`.
fn is_raw_or_byte_string(b: &[u8], i: usize) -> bool {
    if i > 0 && (b[i - 1].is_ascii_alphanumeric() || b[i - 1] == b'_') {
        return false;
    }
    let mut j = i;
    if matches!(b[j], b'b' | b'c') {
        j += 1;
    }
    if b.get(j) == Some(&b'r') {
        j += 1;
        while b.get(j) == Some(&b'#') {
            j += 1;
        }
    }
    j > i && b.get(j) == Some(&b'"')
}

fn skip_prefixed_string(b: &[u8], i: usize) -> usize {
    let mut j = i;
    if matches!(b[j], b'b' | b'c') {
        j += 1;
    }
    if b.get(j) != Some(&b'r') {
        // b"..." / c"...": escapes apply.
        return skip_string(b, j + 1);
    }
    j += 1;
    let mut hashes = 0;
    while b.get(j) == Some(&b'#') {
        hashes += 1;
        j += 1;
    }
    j += 1; // opening quote
    while j < b.len() {
        if b[j] == b'"'
            && b[j + 1..]
                .iter()
                .take(hashes)
                .filter(|&&c| c == b'#')
                .count()
                == hashes
        {
            return j + 1 + hashes;
        }
        j += 1;
    }
    b.len()
}

/// `'x'`, `'\n'`, `'\u{1F600}'`, `'('` are characters; `'a` is a lifetime or label.
fn skip_char_or_lifetime(b: &[u8], i: usize) -> usize {
    match b.get(i + 1) {
        Some(b'\\') => {
            let mut j = i + 2;
            while j < b.len() && j < i + 16 {
                if b[j] == b'\'' && j > i + 2 {
                    return j + 1;
                }
                j += 1;
            }
            i + 2
        }
        Some(_) => {
            // One (possibly multi-byte) character, then a quote.
            let rest = &b[i + 1..];
            let width = utf8_width(rest[0]);
            if rest.get(width) == Some(&b'\'') {
                i + 1 + width + 1
            } else {
                i + 1
            }
        }
        None => i + 1,
    }
}

fn utf8_width(first: u8) -> usize {
    match first {
        0x00..=0x7F => 1,
        0xC0..=0xDF => 2,
        0xE0..=0xEF => 3,
        _ => 4,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn brackets_in_strings_comments_and_chars_do_not_count() {
        let deep_in_strings = format!(
            "fn f() {{ let s = \"{}\"; let r = r#\"{}\"#; let c = '('; // {}\n /* {} */ }}",
            "(".repeat(1000),
            "[".repeat(1000),
            "{".repeat(1000),
            "(".repeat(1000)
        );
        assert_eq!(check_depth(&deep_in_strings, 256), Ok(()));
    }

    #[test]
    fn closers_in_strings_cannot_hide_real_nesting() {
        let sneaky = "(\")\"".repeat(1000);
        assert!(check_depth(&sneaky, 256).is_err());
    }

    #[test]
    fn long_chains_are_refused_but_many_statements_and_items_are_not() {
        let chain = format!("fn f() {{ x{}; }}", "?".repeat(MAX_CHAIN + 1));
        assert!(check_depth(&chain, 256).is_err());
        let casts = format!("fn f() {{ x{}; }}", " as u8".repeat(MAX_CHAIN));
        assert!(check_depth(&casts, 256).is_err());
        let else_ifs = format!("fn f() {{ {}{{}} }}", "if a {} else ".repeat(MAX_CHAIN));
        assert!(check_depth(&else_ifs, 256).is_err());
        let statements = "let x = a.b().c()?;\n".repeat(MAX_CHAIN);
        assert!(check_depth(&format!("fn f() {{ {statements} }}"), 256).is_ok());
        let items =
            "#[derive(Debug)]\npub struct A { x: u8 }\nimpl A { fn f(&self) -> u8 { self.x } }\n"
                .repeat(MAX_CHAIN);
        assert!(check_depth(&items, 256).is_ok());
    }

    #[test]
    fn deep_parens_and_prefix_runs_are_refused() {
        assert!(check_depth(&"(".repeat(300), 256).is_err());
        assert!(check_depth(&format!("fn f() {{ {}x }}", "!".repeat(300)), 256).is_err());
        assert!(check_depth(
            "fn f<'a>(x: &'a str) -> bool { !x.is_empty() && true }",
            256
        )
        .is_ok());
    }
}
