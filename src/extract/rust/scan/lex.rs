//! The lexing the scans share: where a comment, string, raw string or character
//! literal ends, so that brackets and words inside them are not taken for code.

/// Index just past a (nested) block comment starting at `i`.
pub(super) fn skip_block_comment(b: &[u8], mut i: usize) -> usize {
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
    i
}

/// Index just past the closing quote of a string whose body starts at `i`.
pub(super) fn skip_string(b: &[u8], mut i: usize) -> usize {
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
pub(super) fn is_raw_or_byte_string(b: &[u8], i: usize) -> bool {
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

pub(super) fn skip_prefixed_string(b: &[u8], i: usize) -> usize {
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
pub(super) fn skip_char_or_lifetime(b: &[u8], i: usize) -> usize {
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
