//! Java `.properties` text to positioned trees, the way Spring Boot reads
//! `application.properties`.
//!
//! Each document becomes a flat mapping from the key as written (unescaped, dots
//! and `[0]` kept: `resilience4j.retry.instances.a.maxAttempts`) to its value, so
//! it is exactly the tree a YAML file of dotted keys gives; the Spring normaliser
//! ([`crate::normalise`]) splits keys for both formats in one place. Spans are byte
//! offsets into the original text: a key's span covers the key as written (escapes
//! and continuations included), a value's span the value as written.
//!
//! What is read (`java.util.Properties.load` plus Spring Boot's additions):
//! - `#` and `!` comment lines, blank lines;
//! - `=`, `:` or whitespace between key and value; a blank value is an empty string;
//! - escapes `\t \n \r \f \uXXXX`, and `\` before any other character (`\=`, `\:`,
//!   `\ `, `\\`) stands for that character;
//! - a line ending in an odd number of `\` continues on the next line, whose leading
//!   whitespace is dropped;
//! - Spring Boot's multi-document files: a comment line `#---` or `!---` starts a new
//!   document; trailing whitespace of a value is trimmed, as Spring Boot does.
//!
//! Encoding: the text is UTF-8 (the caller rejects invalid UTF-8 with an `errors`
//! entry). `Properties.load(InputStream)` reads ISO-8859-1, Spring Boot and
//! `PropertyResourceBundle` read UTF-8 first; ASCII with `\uXXXX` escapes, what both
//! agree on, is what real files hold.
//!
//! A malformed line (an invalid `\u` escape) is reported with its position and
//! skipped; the rest of the file still counts. A hand-written scanner, because no
//! crate for the format keeps positions.

use crate::tree::{Node, Span, Value};

/// One document of a `.properties` file (`#---` separates documents).
#[derive(Debug)]
pub struct PropertiesDoc {
    /// Position of the document in the file, from 0.
    pub index: usize,
    /// A mapping from each key, as written and unescaped, to its value.
    pub root: Node,
}

/// A line that could not be read; the line is skipped.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PropertiesError {
    /// Byte offset of the problem in the text.
    pub offset: usize,
    pub message: String,
}

/// Everything read from a file: its non-empty documents and the lines skipped.
#[derive(Debug, Default)]
pub struct Parsed {
    pub docs: Vec<PropertiesDoc>,
    pub errors: Vec<PropertiesError>,
}

/// Parses `.properties` text. Never fails as a whole: bad lines are in `errors`.
pub fn parse(text: &str) -> Parsed {
    let mut parsed = Parsed::default();
    let mut entries: Vec<(Node, Node)> = Vec::new();
    let mut index = 0;
    let mut pos = 0;
    while pos < text.len() {
        let (line_end, next) = natural_line(text, pos);
        let line = &text[pos..line_end];
        let trimmed = line.trim_start_matches([' ', '\t', '\x0c']);
        let indent = line.len() - trimmed.len();
        if trimmed.is_empty() {
            pos = next;
            continue;
        }
        if trimmed.starts_with('#') || trimmed.starts_with('!') {
            if matches!(trimmed.trim_end(), "#---" | "!---") {
                finish_doc(&mut parsed, &mut entries, &mut index);
            }
            pos = next;
            continue;
        }
        let start = pos + indent;
        let (logical, after) = logical_line(text, start);
        match entry(text, &logical) {
            Ok(Some(pair)) => entries.push(pair),
            Ok(None) => {}
            Err(e) => parsed.errors.push(e),
        }
        pos = after;
    }
    finish_doc(&mut parsed, &mut entries, &mut index);
    parsed
}

fn finish_doc(parsed: &mut Parsed, entries: &mut Vec<(Node, Node)>, index: &mut usize) {
    if !entries.is_empty() {
        let start = entries[0].0.span.start;
        let end = entries
            .iter()
            .map(|(_, v)| v.span.end)
            .max()
            .unwrap_or(start);
        parsed.docs.push(PropertiesDoc {
            index: *index,
            root: Node {
                value: Value::Map(std::mem::take(entries)),
                span: Span::new(start, end),
            },
        });
    }
    *index += 1;
}

/// End of the natural line starting at `pos` (before its terminator) and the start of the next.
fn natural_line(text: &str, pos: usize) -> (usize, usize) {
    let bytes = text.as_bytes();
    let mut i = pos;
    while i < bytes.len() && bytes[i] != b'\n' && bytes[i] != b'\r' {
        i += 1;
    }
    let next = match (bytes.get(i), bytes.get(i + 1)) {
        (Some(b'\r'), Some(b'\n')) => i + 2,
        (Some(_), _) => i + 1,
        (None, _) => i,
    };
    (i, next)
}

/// The characters of one logical line with the byte offset each came from, and where
/// the next line starts. Continuations (`\` at the end of a line) are joined here;
/// escapes are left for [`entry`], which needs to know where the key ends first.
fn logical_line(text: &str, start: usize) -> (Vec<(usize, char)>, usize) {
    let mut chars = Vec::new();
    let mut pos = start;
    loop {
        let (end, next) = natural_line(text, pos);
        let line = &text[pos..end];
        let trailing = line.len() - line.trim_end_matches('\\').len();
        let continues = trailing % 2 == 1 && next > end;
        let keep = if continues {
            line.len() - 1
        } else {
            line.len()
        };
        chars.extend(line[..keep].char_indices().map(|(i, c)| (pos + i, c)));
        if !continues {
            return (chars, next);
        }
        let rest = &text[next..];
        let skipped = rest.len() - rest.trim_start_matches([' ', '\t', '\x0c']).len();
        pos = next + skipped;
    }
}

/// Splits a logical line into a key node and a value node; `None` for a line that
/// holds nothing once continuations are joined (a lone `\` at the end of the file).
fn entry(text: &str, chars: &[(usize, char)]) -> Result<Option<(Node, Node)>, PropertiesError> {
    if chars.is_empty() {
        return Ok(None);
    }
    let is_space = |c: char| matches!(c, ' ' | '\t' | '\x0c');
    // The key ends at the first unescaped `=`, `:` or whitespace.
    let mut i = 0;
    while i < chars.len() {
        match chars[i].1 {
            '\\' => i += 2,
            c if c == '=' || c == ':' || is_space(c) => break,
            _ => i += 1,
        }
    }
    let key_end = i.min(chars.len());
    let mut j = key_end;
    while j < chars.len() && is_space(chars[j].1) {
        j += 1;
    }
    if j < chars.len() && matches!(chars[j].1, '=' | ':') {
        j += 1;
        while j < chars.len() && is_space(chars[j].1) {
            j += 1;
        }
    }
    let end_of = |k: usize| chars[k].0 + chars[k].1.len_utf8();
    let key_span = match key_end {
        0 => Span::new(chars[0].0, chars[0].0),
        n => Span::new(chars[0].0, end_of(n - 1)),
    };
    let key = unescape(&chars[..key_end])?;
    // Spring Boot trims trailing whitespace from values.
    let mut v_end = chars.len();
    while v_end > j && is_space(chars[v_end - 1].1) && !escaped_at(chars, j, v_end - 1) {
        v_end -= 1;
    }
    let value_span = if v_end > j {
        Span::new(chars[j].0, end_of(v_end - 1))
    } else {
        // A blank value sits just after the key (or its separator) on the key's line.
        let at = chars
            .get(j)
            .map_or_else(|| end_of(chars.len() - 1), |c| c.0);
        Span::new(at, at)
    };
    let value = unescape(&chars[j..v_end])?;
    debug_assert!(key_span.end <= text.len() && value_span.end <= text.len());
    let key_node = Node::scalar(key, false, key_span);
    // A blank value is an empty string, not YAML's null: mark it quoted.
    let quoted = value.is_empty();
    Ok(Some((key_node, Node::scalar(value, quoted, value_span))))
}

/// Whether the character at `k` is preceded by an odd run of backslashes starting at or after `from`.
fn escaped_at(chars: &[(usize, char)], from: usize, k: usize) -> bool {
    let run = chars[from..k]
        .iter()
        .rev()
        .take_while(|(_, c)| *c == '\\')
        .count();
    run % 2 == 1
}

/// Resolves escapes; an invalid `\u` escape is an error at its position.
fn unescape(chars: &[(usize, char)]) -> Result<String, PropertiesError> {
    let mut out = String::with_capacity(chars.len());
    let mut i = 0;
    while i < chars.len() {
        let (offset, c) = chars[i];
        if c != '\\' {
            out.push(c);
            i += 1;
            continue;
        }
        let Some(&(_, next)) = chars.get(i + 1) else {
            // A lone trailing backslash (at the end of the file) stands for nothing.
            i += 1;
            continue;
        };
        i += 2;
        match next {
            't' => out.push('\t'),
            'n' => out.push('\n'),
            'r' => out.push('\r'),
            'f' => out.push('\x0c'),
            'u' => {
                let hex: String = chars[i..].iter().take(4).map(|(_, c)| *c).collect();
                let code = (hex.len() == 4 && hex.chars().all(|c| c.is_ascii_hexdigit()))
                    .then(|| u32::from_str_radix(&hex, 16).ok())
                    .flatten();
                let Some(code) = code else {
                    return Err(PropertiesError {
                        offset,
                        message: format!(
                            "malformed `\\u` escape `\\u{hex}`: write four hex digits, e.g. `\\u00e9`; the line is skipped"
                        ),
                    });
                };
                i += 4;
                // A surrogate pair is two escapes; a lone surrogate becomes U+FFFD.
                if (0xD800..0xDC00).contains(&code) {
                    if let Some(low) = low_surrogate(&chars[i..]) {
                        let joined = 0x10000 + ((code - 0xD800) << 10) + (low - 0xDC00);
                        out.push(char::from_u32(joined).unwrap_or('\u{FFFD}'));
                        i += 6;
                        continue;
                    }
                }
                out.push(char::from_u32(code).unwrap_or('\u{FFFD}'));
            }
            other => out.push(other),
        }
    }
    Ok(out)
}

/// The code of a `\uDC00`..`\uDFFF` escape at the start of `chars`.
fn low_surrogate(chars: &[(usize, char)]) -> Option<u32> {
    let text: String = chars.iter().take(6).map(|(_, c)| *c).collect();
    let hex = text.strip_prefix("\\u")?;
    let code = u32::from_str_radix(hex, 16).ok()?;
    (hex.len() == 4 && (0xDC00..0xE000).contains(&code)).then_some(code)
}

#[cfg(test)]
mod tests {
    use super::parse;
    use crate::source::SourceFile;
    use crate::tree::Node;

    fn pairs(text: &str) -> Vec<(String, String)> {
        let parsed = parse(text);
        assert!(parsed.errors.is_empty(), "{:?}", parsed.errors);
        parsed
            .docs
            .iter()
            .flat_map(|d| d.root.as_map().unwrap().iter())
            .map(|(k, v)| (k.as_str().unwrap().to_string(), text_of(v)))
            .collect()
    }

    fn text_of(v: &Node) -> String {
        match &v.value {
            crate::tree::Value::Scalar(s) => s.text.to_string(),
            _ => panic!("not a scalar"),
        }
    }

    fn pair(k: &str, v: &str) -> (String, String) {
        (k.to_string(), v.to_string())
    }

    #[test]
    fn separators_comments_and_blank_values() {
        let text = "# comment\n! also\n\na=1\nb : 2\nc 3\n  d\t=\t4  \ne=\nf\ng:\n";
        assert_eq!(
            pairs(text),
            [
                pair("a", "1"),
                pair("b", "2"),
                pair("c", "3"),
                pair("d", "4"),
                pair("e", ""),
                pair("f", ""),
                pair("g", "")
            ]
        );
        let parsed = parse("e=\n");
        let (_, v) = &parsed.docs[0].root.as_map().unwrap()[0];
        assert!(!v.is_null(), "a blank value is an empty string, not null");
        assert_eq!(v.as_str(), Some(""));
    }

    #[test]
    fn escapes_and_escaped_separators() {
        let text = "a\\=b\\:c\\ d=x\\ty\\\\z\\u00e9\\q\nurl=http\\://h:80/p\n";
        assert_eq!(
            pairs(text),
            [pair("a=b:c d", "x\ty\\zéq"), pair("url", "http://h:80/p")]
        );
        assert_eq!(pairs("k=\\uD83E\\uDD80\n"), [pair("k", "🦀")]);
    }

    #[test]
    fn continuations_join_lines_and_drop_leading_whitespace() {
        let text = "list=a,\\\n    b,\\\r\n\tc\nnext=1\nodd=x\\\\\nafter=2\n";
        assert_eq!(
            pairs(text),
            [
                pair("list", "a,b,c"),
                pair("next", "1"),
                pair("odd", "x\\"),
                pair("after", "2")
            ]
        );
    }

    #[test]
    fn positions_point_at_the_key_and_value_as_written() {
        let text = "# café\nspring.cloud.gateway.routes[0].id = Zürich\n  x.y:\\\n   z\n";
        let file = SourceFile::new("a.properties".into(), "a.properties".into(), text.into());
        let parsed = parse(text);
        let entries = parsed.docs[0].root.as_map().unwrap();
        let (k, v) = &entries[0];
        assert_eq!(k.as_str(), Some("spring.cloud.gateway.routes[0].id"));
        let (kp, vp) = (file.line_col(k.span.start), file.line_col(v.span.start));
        assert_eq!((kp.line, kp.column, vp.column), (2, 1, 37));
        assert_eq!(&text[v.span.start..v.span.end], "Zürich");
        let (k, v) = &entries[1];
        assert_eq!((k.as_str(), v.as_str()), (Some("x.y"), Some("z")));
        let kp = file.line_col(k.span.start);
        assert_eq!((kp.line, kp.column), (3, 3));
        assert_eq!(file.line_col(v.span.start).line, 4);
    }

    #[test]
    fn a_bad_unicode_escape_skips_its_line_only() {
        let text = "a=1\nb=\\u12G4\nc\\uzz=2\nd=\\u00\ne=5\n";
        let parsed = parse(text);
        let keys: Vec<_> = parsed.docs[0]
            .root
            .as_map()
            .unwrap()
            .iter()
            .map(|(k, _)| k.as_str().unwrap().to_string())
            .collect();
        assert_eq!(keys, ["a", "e"]);
        assert_eq!(parsed.errors.len(), 3);
        let file = SourceFile::new("a.properties".into(), "a.properties".into(), text.into());
        let lines: Vec<_> = parsed
            .errors
            .iter()
            .map(|e| file.line_col(e.offset).line)
            .collect();
        assert_eq!(lines, [2, 3, 4]);
        assert!(parsed.errors[0].message.contains("\\u12G4"));
    }

    #[test]
    fn spring_multi_document_files_split_on_hash_dashes() {
        let text = "a=1\n#---\nspring.config.activate.on-profile=prod\na=2\n!---\n#---\nb=3\n";
        let parsed = parse(text);
        let docs: Vec<(usize, usize)> = parsed
            .docs
            .iter()
            .map(|d| (d.index, d.root.as_map().unwrap().len()))
            .collect();
        assert_eq!(docs, [(0, 1), (1, 2), (3, 1)]);
    }

    #[test]
    fn odd_inputs_never_panic() {
        for text in [
            "",
            "\\",
            "=",
            ":",
            "\\u",
            "a\\",
            "a=\\",
            "\r\r\n\n",
            "  \\\n",
            "k=v\\\n",
            "é=\\uD800",
            "\u{feff}x",
            "a=b\\\n\\",
        ] {
            let parsed = parse(text);
            for d in &parsed.docs {
                for (k, v) in d.root.as_map().unwrap() {
                    assert!(
                        k.span.start <= k.span.end && k.span.end <= text.len(),
                        "{text:?}"
                    );
                    assert!(
                        v.span.start <= v.span.end && v.span.end <= text.len(),
                        "{text:?}"
                    );
                    assert!(
                        text.is_char_boundary(k.span.start) && text.is_char_boundary(v.span.end)
                    );
                }
            }
        }
    }
}
