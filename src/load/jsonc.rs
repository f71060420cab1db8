//! JSON with comments (JSONC: VS Code settings, `devcontainer.json`, some tools'
//! configs). A `//` or `/* */` comment is blanked out with spaces, newlines kept,
//! so the text keeps its length and every position holds; the result then loads
//! as JSON does. Only comments outside strings are touched.

/// The text with its comments blanked, or `None` when it has none.
pub fn strip_comments(text: &str) -> Option<String> {
    let bytes = text.as_bytes();
    let mut out: Option<Vec<u8>> = None;
    let mut i = 0;
    // Jumps from one byte that can change the state to the next (`memchr2`): a string's
    // end or escape inside one, a string's start or a possible comment outside. Large
    // JSON data files are read as configuration, and a byte-by-byte walk cost them
    // about 13 instructions a byte.
    while let Some(at) = memchr::memchr2(b'"', b'/', &bytes[i..]) {
        i += at;
        if bytes[i] == b'"' {
            i = string_end(bytes, i + 1);
            continue;
        }
        let end = match bytes.get(i + 1) {
            Some(b'/') => bytes[i..]
                .iter()
                .position(|&c| c == b'\n' || c == b'\r')
                .map_or(bytes.len(), |p| i + p),
            Some(b'*') => bytes[i + 2..]
                .windows(2)
                .position(|w| w == b"*/")
                .map_or(bytes.len(), |p| i + 2 + p + 2),
            _ => {
                i += 1;
                continue;
            }
        };
        let buf = out.get_or_insert_with(|| bytes.to_vec());
        // Blank every byte but line breaks: a multi-byte character becomes several
        // spaces, so every byte offset outside comments points where it did in the
        // original text (positions are computed on the original).
        for c in &mut buf[i..end] {
            if *c != b'\n' && *c != b'\r' {
                *c = b' ';
            }
        }
        i = end;
    }
    // Only ASCII bytes were written over whole comments: still UTF-8.
    out.map(|b| String::from_utf8(b).unwrap_or_default())
}

/// Where the scan goes on after a string whose contents start at `i`: past its closing
/// quote (a backslash escapes the byte after it), or the end of the text.
fn string_end(bytes: &[u8], mut i: usize) -> usize {
    while let Some(at) = memchr::memchr2(b'"', b'\\', bytes.get(i..).unwrap_or_default()) {
        i += at;
        if bytes[i] == b'"' {
            return i + 1;
        }
        i += 2;
    }
    bytes.len()
}

/// Whether a path is a JSON file, where comments may be JSONC's.
pub fn is_json(path: &std::path::Path) -> bool {
    path.extension()
        .is_some_and(|e| e.eq_ignore_ascii_case("json") || e.eq_ignore_ascii_case("jsonc"))
}

#[cfg(test)]
mod tests {
    use super::strip_comments;

    #[test]
    fn comments_are_blanked_and_positions_kept() {
        let text = "{\n  // a comment\n  \"a\": 1, /* b */ \"c\": \"x//y\"\n}\n";
        let out = strip_comments(text).unwrap();
        assert_eq!(out.len(), text.len());
        assert_eq!(out.lines().count(), text.lines().count());
        assert!(!out.contains("comment") && !out.contains("/*"));
        assert!(out.contains("\"x//y\""), "strings are kept: {out}");
    }

    /// The byte-by-byte walk the `memchr` jumps replaced, kept to check them against.
    fn walked(text: &str) -> Option<String> {
        let bytes = text.as_bytes();
        let mut out: Option<Vec<u8>> = None;
        let (mut i, mut in_string) = (0, false);
        while i < bytes.len() {
            let b = bytes[i];
            if in_string {
                match b {
                    b'\\' => i += 1,
                    b'"' => in_string = false,
                    _ => {}
                }
                i += 1;
                continue;
            }
            let end = match (b, bytes.get(i + 1)) {
                (b'"', _) => {
                    in_string = true;
                    i += 1;
                    continue;
                }
                (b'/', Some(b'/')) => bytes[i..]
                    .iter()
                    .position(|&c| c == b'\n' || c == b'\r')
                    .map_or(bytes.len(), |p| i + p),
                (b'/', Some(b'*')) => bytes[i + 2..]
                    .windows(2)
                    .position(|w| w == b"*/")
                    .map_or(bytes.len(), |p| i + 2 + p + 2),
                _ => {
                    i += 1;
                    continue;
                }
            };
            let buf = out.get_or_insert_with(|| bytes.to_vec());
            for c in &mut buf[i..end] {
                if *c != b'\n' && *c != b'\r' {
                    *c = b' ';
                }
            }
            i = end;
        }
        out.map(|b| String::from_utf8(b).unwrap_or_default())
    }

    #[test]
    fn jumps_blank_what_the_byte_walk_blanked() {
        let fixed = [
            "{\"a\": \"say \\\"hi\\\" // not\", /* c */ \"b\": \"\\\\\"} // end",
            "\"open string // never closed",
            "\"ends in a backslash \\",
            "/* unclosed",
            "/",
            "a/b/*c*/d//e\r\nf\"/*\"g",
        ];
        for t in fixed {
            assert_eq!(strip_comments(t), walked(t), "{t:?}");
        }
        // Every string of up to 7 bytes over the bytes that matter.
        let alphabet = [b'"', b'\\', b'/', b'*', b'\n', b'x'];
        for t in crate::load::every_text(&alphabet, 7) {
            assert_eq!(strip_comments(&t), walked(&t), "{t:?}");
        }
    }

    #[test]
    fn text_without_comments_is_left_alone() {
        assert_eq!(strip_comments("{\"url\": \"http://x\"}"), None);
    }
}
