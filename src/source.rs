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
    /// Offsets where lines start, `\n` breaks only (what Rust tools count).
    line_starts: Vec<usize>,
    /// Offsets where lines start when lone `\r` breaks lines too (YAML, editors); `None`
    /// when the text has no lone `\r`, which is almost always.
    cr_line_starts: Option<Vec<usize>>,
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
            line_starts.push(at);
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

/// Line starts when a lone `\r` (old Mac line ends, which YAML allows) breaks lines
/// too, or `None` when the text has no lone `\r`.
fn cr_line_starts(bytes: &[u8], lf_starts: &[usize]) -> Option<Vec<usize>> {
    if !bytes.contains(&b'\r') {
        return None;
    }
    let lone: Vec<usize> = bytes
        .iter()
        .enumerate()
        .filter(|&(i, &b)| b == b'\r' && bytes.get(i + 1) != Some(&b'\n'))
        .map(|(i, _)| i + 1)
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
        let lines = index
            .line_starts
            .windows(2)
            .map(|w| u32::try_from(w[1] - w[0]).ok())
            .collect::<Option<Vec<u32>>>()?;
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
    pub fn line_starts(&self) -> &[usize] {
        &self.index().line_starts
    }

    /// Offsets where the lines shown to users start: a lone `\r` breaks a line too.
    fn lines(&self) -> &[usize] {
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
        let line = lines.partition_point(|&s| s <= offset) - 1;
        let column = self.chars_before(offset) - self.chars_before(lines[line]) + 1;
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
        let start = lines[line0];
        let mut end = lines.get(line0 + 1).map_or(self.text.len(), |&next| next);
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
    fn a_lone_cr_breaks_lines_for_users_but_not_for_rust_positions() {
        let text = "a: 1\rb: 2\r\nc: 3\n";
        let f = file(text);
        assert_eq!(at(&f, text.find('b').unwrap()), (2, 1));
        assert_eq!(at(&f, text.find('c').unwrap()), (3, 1));
        assert_eq!(f.line_range(0), (0, 4));
        assert_eq!(&text[f.line_range(1).0..f.line_range(1).1], "b: 2");
        assert_eq!(f.line_starts(), &[0, 11, 16], "`\\n` only");
        assert_eq!(f.line_count(), 4);
    }

    #[test]
    fn columns_on_a_long_non_ascii_line_match_a_plain_count() {
        let text: String = (0..5000)
            .map(|i| if i % 7 == 0 { 'é' } else { 'x' })
            .collect();
        let f = file(&text);
        for (offset, _) in text.char_indices().step_by(997) {
            let expected = text[..offset].chars().count() + 1;
            assert_eq!(at(&f, offset), (1, expected), "offset {offset}");
        }
    }

    #[test]
    fn kept_line_tables_give_the_positions_without_the_text() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("a.yaml");
        for text in ["a: 1\nbb: 2\n\nc: 3", "x\n", "", "one line"] {
            std::fs::write(&path, text).unwrap();
            let read = file(text);
            let kept = read.lines_to_keep().expect("ASCII without lone CR");
            let unread = SourceFile::unread("a.yaml".into(), path.clone(), 1 << 20, Some(&kept));
            for offset in 0..=text.len() + 2 {
                assert_eq!(
                    at(&unread, offset),
                    at(&read, offset),
                    "{text:?} at {offset}"
                );
            }
            assert!(
                !unread.text.is_read(),
                "positions alone never read the text"
            );
            assert_eq!(&*unread.text, text, "the text is read on first use");
        }
        // Not kept: non-ASCII text and lone `\r`s (their positions need the text).
        assert!(file("é\n").lines_to_keep().is_none());
        assert!(file("a\rb\n").lines_to_keep().is_none());
        // Tables that do not fit are not used: the text is read for positions.
        std::fs::write(&path, "ab\ncd\n").unwrap();
        let bad = super::KeptLines {
            len: 3,
            lines: vec![3, 3],
        };
        let unread = SourceFile::unread("a.yaml".into(), path.clone(), 1 << 20, Some(&bad));
        assert_eq!(at(&unread, 4), (2, 2));
        let read = file("ab\ncd\n");
        read.keep_lines(Some(&bad));
        assert_eq!(at(&read, 6), (3, 1), "tables of another text are dropped");
    }

    #[test]
    fn a_released_text_keeps_its_positions_and_is_read_again_on_first_use() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("a.rs");
        // ASCII: positions come from the kept tables; other text is read again for them.
        for (text, positions_read_it) in [
            ("fn a() {}\nfn b() {}\n", false),
            ("// é\nfn b() {}\n", true),
        ] {
            std::fs::write(&path, text).unwrap();
            let mut f = SourceFile::new("a.rs".into(), path.clone(), text.into());
            let before: Vec<_> = (0..=text.len()).map(|o| at(&f, o)).collect();
            f.release_text(1 << 20);
            assert!(!f.text.is_read(), "released");
            assert!(f.text.has_no_ignores(), "no ignore comment to look for");
            let after: Vec<_> = (0..=text.len()).map(|o| at(&f, o)).collect();
            assert_eq!(after, before, "{text:?}");
            assert_eq!(f.text.is_read(), positions_read_it, "{text:?}");
            assert_eq!(&*f.text, text, "read again on first use");
        }
        // Changed under the run: blanks of the old length, positions still answer.
        let text = "fn a() {}\nfn b() {}\n";
        std::fs::write(&path, text).unwrap();
        let mut f = SourceFile::new("a.rs".into(), path.clone(), text.into());
        f.release_text(1 << 20);
        std::fs::write(&path, "é").unwrap();
        assert_eq!(&*f.text, " ".repeat(text.len()));
        assert_eq!(at(&f, 12), (2, 3));
        assert_eq!(f.line_range(1), (10, 20));
        assert_eq!(f.end_of_line(12), 12);
        // A text with an ignore comment is kept: every file's comments are read.
        let ignored = "let c = Client::new(); // resilint: ignore[x] why\n";
        let mut g = SourceFile::new("b.rs".into(), path, ignored.into());
        g.release_text(1 << 20);
        assert!(g.text.is_read() && !g.text.has_no_ignores());
    }

    #[test]
    fn empty_text_has_one_line() {
        let f = file("");
        assert_eq!(at(&f, 0), (1, 1));
        assert_eq!(f.line_range(0), (0, 0));
    }
}
