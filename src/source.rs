//! Source files and position arithmetic: byte offsets to 1-based lines and
//! character columns, computed in one place.
//!
//! Every lookup is cheap whatever the shape of the file: a minified JSON file is one
//! line of megabytes, and a position must not cost a scan of that line per finding.

use std::path::PathBuf;

use xxhash_rust::xxh3::xxh3_64;

/// Bytes between two checkpoints of the character count (see [`SourceFile::line_col`]).
const CHAR_BLOCK: usize = 1024;

/// One file read from disk, with the path as it is shown to users.
#[derive(Debug)]
pub struct SourceFile {
    /// Path shown in output: `/`-separated, relative to the working directory when below it.
    pub display: String,
    /// Path used to read the file.
    pub path: PathBuf,
    /// The text: read with the file, or on first use for a file the cache vouched
    /// for by its `stat` alone (see [`Text`]).
    pub text: Text,
    /// The position tables, made on the first position asked for: most files of a
    /// warm run come from the cache and are never asked (`--changed-only` judges only
    /// the changed files), so indexing every byte of the tree up front was waste.
    index: std::sync::OnceLock<Index>,
}

/// A file's position tables.
#[derive(Debug)]
struct Index {
    /// The text's length in bytes.
    len: usize,
    /// Offsets where lines start, `\n` breaks only (what Rust tools count). `u32`
    /// and exact: every file's table is kept to the end of the run (a 1M-line tree's
    /// were 14 MB as growable `usize` vectors, 4 MB so), and no file read is over
    /// 4 GiB ([`crate::config::Config::max_file_size`]).
    line_starts: Vec<u32>,
    /// Offsets where lines start when lone `\r` breaks lines too (YAML, editors); `None`
    /// when the text has no lone `\r`, which is almost always.
    cr_line_starts: Option<Vec<u32>>,
    /// Characters before every `CHAR_BLOCK`-th byte; `None` for ASCII text, where a
    /// character is a byte.
    char_marks: Option<Vec<usize>>,
}

impl Index {
    fn of(text: &str) -> Index {
        let line_starts = line_starts(text.as_bytes());
        let cr_line_starts = cr_line_starts(text.as_bytes(), &line_starts);
        Index {
            len: text.len(),
            cr_line_starts,
            char_marks: char_marks(text),
            line_starts,
        }
    }
}

/// The position tables of an ASCII text without lone `\r`s, in the form the cache
/// keeps (see [`SourceFile::lines_to_keep`]): the text's length and the length of
/// every line but the last, `\n` included. With them a file's positions are known
/// without its text.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
pub struct KeptLines {
    len: u64,
    lines: Vec<u32>,
}

impl KeptLines {
    /// The tables back, when they are consistent (a cache is never trusted).
    fn index(&self) -> Option<Index> {
        let len = usize::try_from(self.len).ok()?;
        let mut line_starts = Vec::with_capacity(self.lines.len() + 1);
        let mut at = 0usize;
        line_starts.push(0);
        for &l in &self.lines {
            at = at.checked_add(l as usize).filter(|&a| a <= len && l > 0)?;
            line_starts.push(u32::try_from(at).ok()?);
        }
        Some(Index {
            len,
            line_starts,
            cr_line_starts: None,
            char_marks: None,
        })
    }
}

/// Offsets where lines start: 0, and one past every `\n`.
///
/// Every file read is indexed, so this runs over every byte of a tree: `memchr`
/// finds each newline a vector at a time, about 80 instructions a line with the
/// push (neon: 11 MB, 295k lines, 23.5M). A fold of 32 bytes into a bit mask
/// (28.2M) and a word at a time with an xor (33.7M) both cost more: neither
/// vectorised, and lines are short.
///
/// Offsets past `u32::MAX`, which no file read has, are clamped to it.
pub(crate) fn line_starts(bytes: &[u8]) -> Vec<u32> {
    let mut starts = Vec::with_capacity(bytes.len() / 32 + 1);
    starts.push(0);
    starts.extend(memchr::memchr_iter(b'\n', bytes).map(|i| offset32(i + 1)));
    starts.shrink_to_fit();
    starts
}

/// A byte offset as a line table keeps it.
fn offset32(offset: usize) -> u32 {
    u32::try_from(offset).unwrap_or(u32::MAX)
}

/// Line starts when a lone `\r` (old Mac line ends, which YAML allows) breaks lines
/// too, or `None` when the text has no lone `\r`.
fn cr_line_starts(bytes: &[u8], lf_starts: &[u32]) -> Option<Vec<u32>> {
    // `memchr` searches a vector at a time; the slice's `contains` a word (neon:
    // 11.6M for its 11 MB of Rust).
    memchr::memchr(b'\r', bytes)?;
    let lone: Vec<u32> = bytes
        .iter()
        .enumerate()
        .filter(|&(i, &b)| b == b'\r' && bytes.get(i + 1) != Some(&b'\n'))
        .map(|(i, _)| offset32(i + 1))
        .collect();
    if lone.is_empty() {
        return None;
    }
    let mut starts = Vec::with_capacity(lf_starts.len() + lone.len());
    starts.extend_from_slice(lf_starts);
    starts.extend(lone);
    starts.sort_unstable();
    Some(starts)
}

/// Characters before every `CHAR_BLOCK`-th byte, `None` for ASCII text.
fn char_marks(text: &str) -> Option<Vec<usize>> {
    if text.is_ascii() {
        return None;
    }
    let mut marks = Vec::with_capacity(text.len() / CHAR_BLOCK + 1);
    let mut chars = 0;
    for block in text.as_bytes().chunks(CHAR_BLOCK) {
        marks.push(chars);
        chars += count_chars(block);
    }
    marks.push(chars);
    Some(marks)
}

/// Characters that start in `bytes` (every byte that is not a UTF-8 continuation byte).
fn count_chars(bytes: &[u8]) -> usize {
    bytes.iter().filter(|&&b| (b & 0xC0) != 0x80).count()
}

/// A 1-based line and a 1-based column counted in Unicode scalar values.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
pub struct LineCol {
    pub line: usize,
    pub column: usize,
}

/// A file's text, as a `str`. A warm run takes most files' documents or facts
/// from the cache on the strength of an unchanged `stat` (`crate::cache`), without
/// reading them; their text is read on first use (a snippet, a suppression comment,
/// a look around a retry loop), which most of them never see.
pub struct Text {
    text: std::sync::OnceLock<String>,
    /// Where to read the text from on first use, and the size limit to read it with.
    later: Option<(PathBuf, u64)>,
    /// The text was released after its facts were taken ([`SourceFile::release_text`])
    /// and holds no ignore comment: looking for them need not read it again.
    no_ignores: bool,
    /// A released text's length and hash: read again, it must be the same text.
    released: Option<(usize, u64)>,
}

impl Text {
    /// A text already read.
    pub fn read(text: String) -> Text {
        Text {
            text: std::sync::OnceLock::from(text),
            later: None,
            no_ignores: false,
            released: None,
        }
    }

    /// The text of the file at `path`, read on first use (empty if it then cannot be
    /// read as text: the file went away or changed under the run).
    pub fn later(path: PathBuf, max_size: u64) -> Text {
        Text {
            text: std::sync::OnceLock::new(),
            later: Some((path, max_size)),
            no_ignores: false,
            released: None,
        }
    }

    pub fn as_str(&self) -> &str {
        self.text.get_or_init(|| {
            let text = match &self.later {
                Some((path, max)) => {
                    crate::load::read_text_max(path, &path.to_string_lossy(), *max)
                        .unwrap_or_default()
                }
                None => String::new(),
            };
            match self.released {
                // Changed (or gone) since its facts were taken: blanks of the old
                // length, so that positions made from the old text stay inside it.
                Some((len, hash)) if text.len() != len || xxh3_64(text.as_bytes()) != hash => {
                    " ".repeat(len)
                }
                _ => text,
            }
        })
    }

    /// The text as a `String` (read now if it was not yet).
    pub fn into_string(self) -> String {
        self.as_str();
        self.text.into_inner().unwrap_or_default()
    }

    /// Whether the text is in memory (read with the file, or used since).
    pub fn is_read(&self) -> bool {
        self.text.get().is_some()
    }

    /// The text is known to hold no `resilint: ignore[` comment (see
    /// [`SourceFile::release_text`]).
    pub fn has_no_ignores(&self) -> bool {
        self.no_ignores
    }
}

impl std::ops::Deref for Text {
    type Target = str;
    fn deref(&self) -> &str {
        self.as_str()
    }
}

impl std::fmt::Debug for Text {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self.text.get() {
            Some(text) => std::fmt::Debug::fmt(text, f),
            None => f.write_str("<not read yet>"),
        }
    }
}

impl SourceFile {
    pub fn new(display: String, path: PathBuf, text: String) -> Self {
        Self::with_text(display, path, Text::read(text))
    }

    /// A file whose text is read on first use (see [`Text`]), with its position
    /// tables when the cache kept them: then positions do not need the text.
    pub fn unread(
        display: String,
        path: PathBuf,
        max_size: u64,
        lines: Option<&KeptLines>,
    ) -> Self {
        let later = Text::later(path.clone(), max_size);
        let file = Self::with_text(display, path, later);
        if let Some(index) = lines.and_then(KeptLines::index) {
            let _ = file.index.set(index);
        }
        file
    }

    /// Takes the position tables the cache kept for this very text (they are
    /// dropped if they do not fit it), so they need not be computed.
    pub fn keep_lines(&self, lines: Option<&KeptLines>) {
        let index = lines
            .filter(|_| self.text.is_read())
            .and_then(KeptLines::index)
            .filter(|i| i.len == self.text.len() && self.text.is_ascii());
        if let Some(index) = index {
            let _ = self.index.set(index);
        }
    }

    /// The position tables for the cache to keep, when the text is ASCII without
    /// lone `\r`s (almost always): other texts are read again for positions.
    pub fn lines_to_keep(&self) -> Option<KeptLines> {
        let index = self.index();
        if index.char_marks.is_some() || index.cr_line_starts.is_some() {
            return None;
        }
        let lines = index.line_starts.windows(2).map(|w| w[1] - w[0]).collect();
        Some(KeptLines {
            len: index.len as u64,
            lines,
        })
    }

    /// Frees the text of a file whose facts are taken, keeping its position tables: a
    /// 1M-line Rust tree's texts are 35 MB, held to the end of the run although only
    /// the files with findings (identities, snippets) and outbound calls or retries
    /// (the integration graph) are read again, on first use, like a file the cache
    /// vouched for (read with `max_size`). A text holding an ignore comment is kept,
    /// for [`crate::suppress`] reads every file's comments. A file changed under the
    /// run reads as blanks of its old length: its findings keep their positions (and
    /// lose the text their identities and snippets would show), never a panic.
    pub fn release_text(&mut self, max_size: u64) {
        let marker = crate::suppress::MARKER.as_bytes();
        if !self.text.is_read() || memchr::memmem::find(self.text.as_bytes(), marker).is_some() {
            return;
        }
        self.index();
        let released = (self.text.len(), xxh3_64(self.text.as_bytes()));
        self.text = Text::later(self.path.clone(), max_size);
        self.text.no_ignores = true;
        self.text.released = Some(released);
    }

    fn with_text(display: String, path: PathBuf, text: Text) -> Self {
        SourceFile {
            display,
            path,
            text,
            index: std::sync::OnceLock::new(),
        }
    }

    fn index(&self) -> &Index {
        self.index.get_or_init(|| Index::of(&self.text))
    }

    /// Offsets where lines start (0 first), counting `\n` breaks only: the lines
    /// Rust tools (proc-macro2) number.
    pub fn line_starts(&self) -> &[u32] {
        &self.index().line_starts
    }

    /// Offsets where the lines shown to users start: a lone `\r` breaks a line too.
    fn lines(&self) -> &[u32] {
        let index = self.index();
        index
            .cr_line_starts
            .as_deref()
            .unwrap_or(&index.line_starts)
    }

    /// Number of lines (at least 1).
    pub fn line_count(&self) -> usize {
        self.lines().len()
    }

    /// Characters before byte `offset` (a char boundary): a table lookup and a count
    /// within one block, never a scan of the line, however long it is.
    fn chars_before(&self, offset: usize) -> usize {
        match &self.index().char_marks {
            None => offset,
            Some(marks) => {
                let block = offset / CHAR_BLOCK;
                marks[block] + count_chars(&self.text.as_bytes()[block * CHAR_BLOCK..offset])
            }
        }
    }

    /// Line and column of a byte offset (clamped to the text, snapped to a char boundary).
    pub fn line_col(&self, offset: usize) -> LineCol {
        let mut offset = offset.min(self.index().len);
        // ASCII text (no character marks): every offset is a character boundary, and
        // the text need not be read (see [`KeptLines`]).
        if self.index().char_marks.is_some() {
            while !self.text.is_char_boundary(offset) {
                offset -= 1;
            }
        }
        let lines = self.lines();
        let line = lines.partition_point(|&s| s as usize <= offset) - 1;
        let column = self.chars_before(offset) - self.chars_before(lines[line] as usize) + 1;
        LineCol {
            line: line + 1,
            column,
        }
    }

    /// Byte offset of the character `column0` characters (0-based) after `start`, on
    /// the same line, clamped to `end`.
    pub fn offset_of_column(&self, start: usize, end: usize, column0: usize) -> usize {
        let line = &self.text[start..end];
        if self.index().char_marks.is_none() {
            return start + column0.min(line.len());
        }
        line.char_indices()
            .nth(column0)
            .map_or(end, |(i, _)| start + i)
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

    /// Byte range of the given 0-based line (clamped to the last), without its line
    /// terminator (`\n`, `\r\n` or a lone `\r`).
    pub fn line_range(&self, line0: usize) -> (usize, usize) {
        let lines = self.lines();
        let line0 = line0.min(lines.len() - 1);
        let start = lines[line0] as usize;
        let mut end = lines
            .get(line0 + 1)
            .map_or(self.text.len(), |&next| next as usize);
        let bytes = self.text.as_bytes();
        if end > start && bytes[end - 1] == b'\n' {
            end -= 1;
        }
        if end > start && bytes[end - 1] == b'\r' {
            end -= 1;
        }
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
mod tests;
