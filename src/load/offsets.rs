//! saphyr positions to byte offsets of the file, and the text saphyr is given.
//!
//! saphyr counts positions in characters from the start of the text it parses;
//! that text is a slice of the file (parsing resumes after a broken document), and
//! for a JSON-like document it is the slice behind a `--- ` prefix (see
//! [`parse_text`]). Both are undone here, so every span leaves the loader as a
//! byte range of the file.

use std::borrow::Cow;
use std::cell::Cell;

use saphyr_parser::Span as YSpan;

use crate::tree::Span;

/// What saphyr parses for the slice `slice`: the text, how many bytes of the slice
/// it skips, and the length of a prefix it adds.
///
/// saphyr buffers every token of a flow collection that could still be a
/// mapping key (`[a, b]: c`), and at the top of a document it cannot know that
/// before the collection closes: a minified JSON file was held as one token
/// queue of hundreds of bytes per value. After `---` on the same line no key
/// can start, so a document whose first token is `{` or `[` is parsed as
/// `--- {...}`: the same document, its tokens streamed. Only blank and comment
/// lines (and one `---` line) before the bracket are skipped.
pub(super) fn parse_text(slice: &str) -> (Cow<'_, str>, usize, usize) {
    const PREFIX: &str = "--- ";
    let mut at = 0;
    let mut marker_seen = false;
    let bytes = slice.as_bytes();
    loop {
        while at < bytes.len() && bytes[at].is_ascii_whitespace() {
            at += 1;
        }
        let rest = &bytes[at..];
        let line_end = rest
            .iter()
            .position(|&b| b == b'\n' || b == b'\r')
            .map_or(bytes.len(), |i| at + i);
        if rest.first() == Some(&b'#') {
            at = line_end;
        } else if !marker_seen
            && rest.starts_with(b"---")
            && (at == 0 || matches!(bytes[at - 1], b'\n' | b'\r'))
            && slice[at + 3..line_end]
                .trim_start()
                .chars()
                .next()
                .is_none_or(|c| c == '#')
        {
            marker_seen = true;
            at = line_end;
        } else {
            break;
        }
    }
    match bytes.get(at) {
        Some(b'{' | b'[') => (
            Cow::Owned(format!("{PREFIX}{}", &slice[at..])),
            at,
            PREFIX.len(),
        ),
        _ => (Cow::Borrowed(slice), 0, 0),
    }
}

/// Converts saphyr's character indices in the parsed text to byte offsets in the file.
///
/// Events come in text order, so a cursor walks from the last position to the next:
/// linear over a file, and no table of a `usize` per character.
pub(super) struct Offsets<'a> {
    text: &'a str,
    /// File offset of `text[prefix]`.
    base: usize,
    /// Bytes at the start of `text` that are not in the file.
    prefix: usize,
    ascii: bool,
    /// (character index, byte offset within `text`) of the last conversion.
    cursor: Cell<(usize, usize)>,
}

impl<'a> Offsets<'a> {
    /// `ascii` is the whole file's: asking each slice again would rescan the rest
    /// of the file once per broken document.
    pub(super) fn new(text: &'a str, base: usize, prefix: usize, ascii: bool) -> Self {
        Offsets {
            text,
            base,
            prefix,
            ascii,
            cursor: Cell::new((0, 0)),
        }
    }

    /// Byte offset within the parsed text.
    fn local(&self, char_index: usize) -> usize {
        if self.ascii {
            return char_index.min(self.text.len());
        }
        let (c, b) = self.cursor.get();
        let byte = if char_index >= c {
            self.text[b..]
                .char_indices()
                .nth(char_index - c)
                .map_or(self.text.len(), |(i, _)| b + i)
        } else if c - char_index <= char_index {
            self.text[..b]
                .char_indices()
                .rev()
                .nth(c - char_index - 1)
                .map_or(0, |(i, _)| i)
        } else {
            self.text
                .char_indices()
                .nth(char_index)
                .map_or(self.text.len(), |(i, _)| i)
        };
        if byte < self.text.len() {
            self.cursor.set((char_index, byte));
        }
        byte
    }

    /// File offset of a byte offset in the parsed text (the prefix maps to its end).
    fn file(&self, local: usize) -> usize {
        self.base + local.saturating_sub(self.prefix)
    }

    /// File offset of a character index in the parsed text.
    pub(super) fn byte(&self, char_index: usize) -> usize {
        self.file(self.local(char_index))
    }

    /// The file span of an event, trimmed of trailing blanks (block scalars and
    /// collections end at the next token).
    pub(super) fn span(&self, s: &YSpan) -> Span {
        let start = self.local(s.start.index());
        let end = self.local(s.end.index()).max(start);
        let trimmed = self.text[start..end].trim_end().len();
        Span::new(self.file(start), self.file(start + trimmed))
    }
}

#[cfg(test)]
mod tests {
    use super::parse_text;

    #[test]
    fn json_like_documents_are_prefixed() {
        assert_eq!(parse_text("{\"a\": 1}"), ("--- {\"a\": 1}".into(), 0, 4));
        assert_eq!(parse_text("\n  [1]\n").1, 3);
        assert_eq!(parse_text("# c\n---\n{}").1, 8);
        assert_eq!(parse_text("--- # c\n[]").1, 8);
    }

    #[test]
    fn other_documents_are_not() {
        for text in [
            "a: [1]",
            "--- [1]",
            "- {a: 1}",
            "%YAML 1.2\n---\n{}",
            "---\n---\n{}",
        ] {
            assert_eq!(parse_text(text).2, 0, "{text:?}");
        }
    }
}
