//! proc-macro2 positions (1-based line, 0-based column counted in characters) as
//! byte offsets of a file's text: the one conversion every Rust extractor uses.

use std::cell::OnceCell;

use proc_macro2::LineColumn;

use crate::source::SourceFile;
use crate::tree::Span;

/// Byte offsets of positions in one text. The line starts are found on the first
/// conversion (most files register no route and hold no retry, and never convert a
/// position), or borrowed from the [`SourceFile`] that already has them.
pub(crate) struct Positions<'a> {
    text: &'a str,
    /// The source file's line starts, when made from one.
    borrowed: Option<&'a [u32]>,
    starts: OnceCell<Vec<u32>>,
    /// `syn::parse_file` drops a leading byte-order mark, so line 1 columns start
    /// after it (the files resilint reads have it removed already; tests may not).
    bom: bool,
}

impl<'a> Positions<'a> {
    pub fn new(text: &'a str) -> Self {
        Positions {
            text,
            borrowed: None,
            starts: OnceCell::new(),
            bom: text.starts_with('\u{feff}'),
        }
    }

    /// Positions in a file read from disk, with the line starts it already has.
    pub fn of_source(source: &'a SourceFile) -> Self {
        Positions::with_line_starts(&source.text, source.line_starts())
    }

    /// Positions in `text` whose line starts are known (those of a text with the
    /// same lines, such as the file with its shebang blanked).
    pub fn with_line_starts(text: &'a str, starts: &'a [u32]) -> Self {
        Positions {
            borrowed: Some(starts),
            ..Positions::new(text)
        }
    }

    pub fn text(&self) -> &'a str {
        self.text
    }

    /// Byte offset of a position; a line past the text gives the text's end, a
    /// column past its line the line's end.
    pub fn offset(&self, lc: LineColumn) -> usize {
        let starts = match self.borrowed {
            Some(starts) => starts,
            None => self
                .starts
                .get_or_init(|| crate::source::line_starts(self.text.as_bytes())),
        };
        let Some(start) = lc.line.checked_sub(1).and_then(|l| starts.get(l)) else {
            return self.text.len();
        };
        let start = (*start as usize).min(self.text.len());
        let end = starts
            .get(lc.line)
            .map_or(self.text.len(), |&next| next as usize - 1)
            .max(start);
        let line = &self.text[start..end];
        let column = lc.column + usize::from(self.bom && lc.line == 1);
        if line.is_ascii() {
            return start + column.min(line.len());
        }
        start
            + line
                .char_indices()
                .nth(column)
                .map_or(line.len(), |(i, _)| i)
    }

    pub fn span(&self, s: proc_macro2::Span) -> Span {
        let start = self.offset(s.start());
        Span::new(start, self.offset(s.end()).max(start))
    }

    /// The span of a syntax node, first token to last.
    pub fn of(&self, node: &impl syn::spanned::Spanned) -> Span {
        self.span(node.span())
    }

    /// From the start of `a` to the end of `b`.
    pub fn between(&self, a: proc_macro2::Span, b: proc_macro2::Span) -> Span {
        let a = self.span(a);
        let b = self.span(b);
        Span::new(a.start, b.end.max(a.start))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn at(line: usize, column: usize) -> LineColumn {
        LineColumn { line, column }
    }

    #[test]
    fn columns_count_characters_and_out_of_range_clamps() {
        let p = Positions::new("ab\r\nçd\ncd");
        assert_eq!(p.offset(at(1, 1)), 1);
        assert_eq!(p.offset(at(2, 1)), 6, "ç is two bytes");
        assert_eq!(p.offset(at(2, 9)), 7, "past the line: its end");
        assert_eq!(p.offset(at(3, 1)), 9);
        assert_eq!(p.offset(at(3, 9)), 10);
        assert_eq!(p.offset(at(9, 0)), 10, "past the text: its end");
        assert_eq!(p.offset(at(0, 0)), 10);
    }

    #[test]
    fn a_bom_shifts_line_one_only_and_borrowed_starts_agree() {
        let p = Positions::new("\u{feff}ab\ncd");
        assert_eq!(p.offset(at(1, 0)), 3);
        assert_eq!(p.offset(at(2, 1)), 7);
        let source = SourceFile::new("a.rs".into(), "a.rs".into(), "x\n  yç z\n".into());
        let (own, borrowed) = (Positions::new(&source.text), Positions::of_source(&source));
        for (line, column) in [(1, 0), (1, 1), (2, 2), (2, 4), (2, 5), (3, 0), (4, 0)] {
            assert_eq!(
                own.offset(at(line, column)),
                borrowed.offset(at(line, column))
            );
        }
    }
}
