//! Source files and position arithmetic: byte offsets to 1-based lines and
//! character columns, computed in one place.

use std::path::PathBuf;

/// One file read from disk, with the path as it is shown to users.
#[derive(Debug)]
pub struct SourceFile {
    /// Path shown in output: `/`-separated, relative to the working directory when below it.
    pub display: String,
    /// Path used to read the file.
    pub path: PathBuf,
    pub text: String,
    line_starts: Vec<usize>,
}

/// Offsets where lines start: 0, and one past every `\n`.
///
/// Every file read is indexed, so this runs over every byte of a tree: it tests 32
/// bytes at a time into a bit mask (the comparison vectorises) instead of searching
/// for each newline of lines that are mostly short.
pub(crate) fn line_starts(bytes: &[u8]) -> Vec<usize> {
    let mut starts = Vec::with_capacity(bytes.len() / 32 + 1);
    starts.push(0);
    let chunks = bytes.chunks_exact(32);
    let tail = chunks.remainder();
    for (c, chunk) in chunks.enumerate() {
        let mut mask = chunk
            .iter()
            .enumerate()
            .fold(0u32, |m, (j, &b)| m | (u32::from(b == b'\n') << j));
        while mask != 0 {
            starts.push(c * 32 + mask.trailing_zeros() as usize + 1);
            mask &= mask - 1;
        }
    }
    let base = bytes.len() - tail.len();
    starts.extend(
        tail.iter()
            .enumerate()
            .filter(|(_, &b)| b == b'\n')
            .map(|(j, _)| base + j + 1),
    );
    starts
}

/// A 1-based line and a 1-based column counted in Unicode scalar values.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
pub struct LineCol {
    pub line: usize,
    pub column: usize,
}

impl SourceFile {
    pub fn new(display: String, path: PathBuf, text: String) -> Self {
        let line_starts = line_starts(text.as_bytes());
        SourceFile {
            display,
            path,
            text,
            line_starts,
        }
    }

    /// Offsets where lines start (0 first).
    pub fn line_starts(&self) -> &[usize] {
        &self.line_starts
    }

    /// Line and column of a byte offset (clamped to the text, snapped to a char boundary).
    pub fn line_col(&self, offset: usize) -> LineCol {
        let mut offset = offset.min(self.text.len());
        while !self.text.is_char_boundary(offset) {
            offset -= 1;
        }
        let line = self.line_starts.partition_point(|&s| s <= offset) - 1;
        let start = self.line_starts[line];
        let column = self.text[start..offset].chars().count() + 1;
        LineCol {
            line: line + 1,
            column,
        }
    }

    /// An `errors` entry for this file, positioned at `offset` when there is one.
    pub fn error(
        &self,
        offset: Option<usize>,
        kind: crate::report::ErrorKind,
        message: String,
    ) -> crate::report::FileError {
        let pos = offset.map(|o| self.line_col(o));
        crate::report::FileError {
            path: self.display.clone(),
            line: pos.map(|p| p.line),
            column: pos.map(|p| p.column),
            kind,
            message,
        }
    }

    /// Byte range of the given 0-based line, without its line terminator.
    pub fn line_range(&self, line0: usize) -> (usize, usize) {
        let start = self.line_starts[line0.min(self.line_starts.len() - 1)];
        let end = self.text[start..]
            .find('\n')
            .map_or(self.text.len(), |i| start + i);
        let end = if self.text[start..end].ends_with('\r') {
            end - 1
        } else {
            end
        };
        (start, end)
    }

    /// Byte offset of the end of the line holding `offset`, trailing spaces trimmed.
    pub fn end_of_line(&self, offset: usize) -> usize {
        let line0 = self.line_col(offset).line - 1;
        let (_, end) = self.line_range(line0);
        let trimmed = self.text[offset.min(end)..end].trim_end().len();
        offset.min(end) + trimmed
    }
}

#[cfg(test)]
mod tests {
    use super::{LineCol, SourceFile};

    fn file(text: &str) -> SourceFile {
        SourceFile::new("t.yaml".into(), "t.yaml".into(), text.to_string())
    }

    fn at(f: &SourceFile, offset: usize) -> (usize, usize) {
        let LineCol { line, column } = f.line_col(offset);
        (line, column)
    }

    #[test]
    fn line_starts_agree_with_a_plain_search_across_chunk_edges() {
        for len in [0usize, 1, 31, 32, 33, 63, 64, 65, 100, 257] {
            for step in [1usize, 2, 7, 31, 32, 33] {
                let text: String = (0..len)
                    .map(|i| if i % step == step - 1 { '\n' } else { 'x' })
                    .collect();
                let expected: Vec<usize> = std::iter::once(0)
                    .chain(text.match_indices('\n').map(|(i, _)| i + 1))
                    .collect();
                assert_eq!(
                    super::line_starts(text.as_bytes()),
                    expected,
                    "len {len} step {step}"
                );
            }
        }
    }

    #[test]
    fn offsets_map_to_one_based_lines_and_columns() {
        let f = file("a: 1\nbb: 2\n\nc: 3");
        assert_eq!(at(&f, 0), (1, 1));
        assert_eq!(at(&f, 3), (1, 4));
        assert_eq!(at(&f, 4), (1, 5), "the newline ends line 1");
        assert_eq!(at(&f, 5), (2, 1));
        assert_eq!(at(&f, 11), (3, 1));
        assert_eq!(at(&f, 12), (4, 1));
        assert_eq!(at(&f, 16), (4, 5), "just past the end");
        assert_eq!(at(&f, 999), (4, 5), "clamped to the text");
    }

    #[test]
    fn columns_count_characters_not_bytes() {
        // `é` is 2 bytes, `✓` 3, `🦀` 4: each counts as one column.
        let text = "# café ✓ 🦀\nname: Zürich # ✓\n";
        let f = file(text);
        let z = text.find("Zürich").unwrap();
        assert_eq!(at(&f, z), (2, 7));
        let after = z + "Zürich".len();
        assert_eq!(at(&f, after), (2, 13));
        let crab = text.find('🦀').unwrap();
        assert_eq!(at(&f, crab), (1, 10));
        assert_eq!(at(&f, crab + 4), (1, 11));
    }

    #[test]
    fn an_offset_inside_a_character_snaps_to_its_start() {
        let f = file("x: ✓\n");
        let check = "x: ".len();
        assert_eq!(at(&f, check + 1), (1, 4));
        assert_eq!(at(&f, check + 2), (1, 4));
        assert_eq!(at(&f, check + 3), (1, 5));
    }

    #[test]
    fn crlf_line_endings_keep_lines_and_columns() {
        let text = "# Grüße\r\nspec:\r\n  timeout: 0s\r\n";
        let f = file(text);
        let t = text.find("timeout").unwrap();
        assert_eq!(at(&f, t), (3, 3));
        assert_eq!(at(&f, text.find("0s").unwrap()), (3, 12));
        let (start, end) = f.line_range(2);
        assert_eq!(&text[start..end], "  timeout: 0s", "no `\\r` in the line");
        let (start, end) = f.line_range(0);
        assert_eq!(&text[start..end], "# Grüße");
    }

    #[test]
    fn line_range_and_end_of_line() {
        let text = "a: 1   \nb: [x]\nlast";
        let f = file(text);
        assert_eq!(f.line_range(0), (0, 7));
        assert_eq!(f.line_range(2), (15, 19));
        assert_eq!(
            f.line_range(99),
            f.line_range(2),
            "clamped to the last line"
        );
        assert_eq!(&text[..f.end_of_line(0)], "a: 1", "trailing spaces trimmed");
        let b = text.find("b:").unwrap();
        assert_eq!(&text[b..f.end_of_line(b)], "b: [x]");
        assert_eq!(f.end_of_line(text.len()), text.len());
    }

    #[test]
    fn empty_text_has_one_line() {
        let f = file("");
        assert_eq!(at(&f, 0), (1, 1));
        assert_eq!(f.line_range(0), (0, 0));
    }
}
