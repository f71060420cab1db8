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

/// A 1-based line and a 1-based column counted in Unicode scalar values.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
pub struct LineCol {
    pub line: usize,
    pub column: usize,
}

impl SourceFile {
    pub fn new(display: String, path: PathBuf, text: String) -> Self {
        let line_starts = std::iter::once(0)
            .chain(text.match_indices('\n').map(|(i, _)| i + 1))
            .collect();
        SourceFile {
            display,
            path,
            text,
            line_starts,
        }
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
