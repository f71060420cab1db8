//! The excerpt of a file that a text diagnostic shows, made safe and small.
//!
//! codespan-reporting prints every source line a label touches, whole and as
//! written. A minified JSON file is one line of megabytes, and a YAML value may hold
//! terminal control sequences, so each finding gets its own small source instead:
//! the label's first lines (and its last), each cut to a window of columns around
//! the label with `…` where text was cut (as rustc and ruff do for long lines), and
//! control characters shown as visible symbols. Line and column numbers stay those
//! of the real file.

use std::ops::Range;

use codespan_reporting::files::{Error, Files};

use crate::source::SourceFile;

/// Widest excerpt line, in characters, before the ellipses.
const MAX_WIDTH: usize = 120;
/// Characters kept before the label when a long line is cut.
const LEAD: usize = 40;
/// Lines shown from the start of a multi-line label, and from its end.
const HEAD_LINES: usize = 4;
const TAIL_LINES: usize = 2;

const ELLIPSIS: char = '…';

/// One shown line: where it sits in the excerpt and in the file.
struct Line {
    range: Range<usize>,
    number: usize,
    /// File column (0-based, in characters) of the line's first shown character.
    first_column: usize,
    /// Whether the line starts with an ellipsis standing for cut text.
    cut_before: bool,
}

/// A finding's excerpt: a codespan [`Files`] of one file whose line and column
/// numbers are the real file's.
pub struct Snippet {
    name: String,
    text: String,
    lines: Vec<Line>,
    /// The label's range in `text`.
    pub label: Range<usize>,
}

impl Snippet {
    /// The excerpt showing bytes `start..end` of `file`.
    pub fn new(file: &SourceFile, start: usize, end: usize) -> Snippet {
        let boundary = |mut at: usize| {
            at = at.min(file.text.len());
            while !file.text.is_char_boundary(at) {
                at -= 1;
            }
            at
        };
        let start = boundary(start);
        let end = boundary(end.max(start));
        let first = file.line_col(start).line - 1;
        let last = file.line_col(end).line - 1;
        let mut shown: Vec<usize> = (first..=last.min(first + HEAD_LINES - 1)).collect();
        shown.extend(
            (last.saturating_sub(TAIL_LINES - 1)..=last).filter(|l| *l >= first + HEAD_LINES),
        );
        let mut snippet = Snippet {
            name: escape(&file.display, false),
            text: String::new(),
            lines: Vec::new(),
            label: 0..0,
        };
        let (mut label_start, mut label_end) = (None, None);
        for line0 in shown {
            let (ls, le) = file.line_range(line0);
            // The column the window is centred on: the label's edge on this line.
            let focus = if (ls..=le).contains(&start) {
                start
            } else if (ls..=le).contains(&end) {
                end
            } else {
                ls
            };
            let line_start = snippet.text.len();
            let (first_column, cut_before) = snippet.push_line(file, ls, le, focus, |real, at| {
                if real == start && label_start.is_none() {
                    label_start = Some(at);
                }
                if real == end {
                    label_end = Some(at);
                }
            });
            snippet.lines.push(Line {
                range: line_start..snippet.text.len(),
                number: line0 + 1,
                first_column,
                cut_before,
            });
            snippet.text.push('\n');
        }
        let label_start = label_start.unwrap_or(0);
        // An end cut off by the window (or by elided lines) ends at the last shown text.
        let label_end = label_end.unwrap_or_else(|| {
            snippet
                .lines
                .last()
                .map_or(label_start, |l| l.range.end)
                .max(label_start)
        });
        snippet.label = label_start..label_end;
        snippet
    }

    /// Appends the shown part of the line `ls..le` around byte `focus`; `seen` is told
    /// each file offset passed and its offset in the excerpt.
    fn push_line(
        &mut self,
        file: &SourceFile,
        ls: usize,
        le: usize,
        focus: usize,
        mut seen: impl FnMut(usize, usize),
    ) -> (usize, bool) {
        // Walk back from the focus (or from the line's end, near it) a few characters:
        // never a scan from the start of a line that may be megabytes long.
        let back = |from: usize, n: usize| {
            file.text[ls..from]
                .char_indices()
                .rev()
                .nth(n.saturating_sub(1))
                .map_or(ls, |(i, _)| ls + i)
        };
        let line_columns = file.line_col(le).column - 1;
        let mut skip = if line_columns <= MAX_WIDTH {
            ls
        } else {
            back(focus, LEAD)
        };
        if line_columns > MAX_WIDTH {
            let to_end = file.line_col(le).column - file.line_col(skip).column;
            if to_end < MAX_WIDTH {
                skip = back(le, MAX_WIDTH);
            }
        }
        let from = file.line_col(skip).column - 1;
        let line = &file.text[skip..le];
        let cut_before = from > 0;
        if cut_before {
            self.text.push(ELLIPSIS);
        }
        for (shown, (i, c)) in line.char_indices().enumerate() {
            let real = skip + i;
            if shown == MAX_WIDTH {
                seen(real, self.text.len());
                self.text.push(ELLIPSIS);
                return (from, cut_before);
            }
            seen(real, self.text.len());
            self.text.push(visible(c));
        }
        seen(le, self.text.len());
        (from, cut_before)
    }

    /// The excerpt's text; control characters already made visible.
    pub fn text(&self) -> &str {
        &self.text
    }

    /// The shown lines, for renderers that draw the excerpt themselves (HTML): the
    /// real file's line number and the line's byte range in [`Snippet::text`].
    pub fn lines(&self) -> impl Iterator<Item = (usize, Range<usize>)> + '_ {
        self.lines.iter().map(|l| (l.number, l.range.clone()))
    }

    fn line(&self, index: usize) -> Result<&Line, Error> {
        self.lines.get(index).ok_or(Error::LineTooLarge {
            given: index,
            max: self.lines.len().saturating_sub(1),
        })
    }
}

impl<'a> Files<'a> for Snippet {
    type FileId = ();
    type Name = &'a str;
    type Source = &'a str;

    fn name(&'a self, (): ()) -> Result<&'a str, Error> {
        Ok(&self.name)
    }

    fn source(&'a self, (): ()) -> Result<&'a str, Error> {
        Ok(&self.text)
    }

    fn line_index(&'a self, (): (), byte_index: usize) -> Result<usize, Error> {
        Ok(self
            .lines
            .partition_point(|l| l.range.start <= byte_index)
            .saturating_sub(1))
    }

    fn line_number(&'a self, (): (), line_index: usize) -> Result<usize, Error> {
        Ok(self.line(line_index)?.number)
    }

    fn column_number(
        &'a self,
        (): (),
        line_index: usize,
        byte_index: usize,
    ) -> Result<usize, Error> {
        let line = self.line(line_index)?;
        let upto = byte_index.clamp(line.range.start, line.range.end);
        let chars = self.text[line.range.start..upto].chars().count();
        Ok(line.first_column + chars - usize::from(line.cut_before && chars > 0) + 1)
    }

    fn line_range(&'a self, (): (), line_index: usize) -> Result<Range<usize>, Error> {
        let line = self.line(line_index)?;
        Ok(line.range.start..line.range.end + 1)
    }
}

/// A character as shown in an excerpt: control characters (which could move the
/// cursor, clear the screen or fake a line of output) and bidirectional overrides
/// become visible symbols, one character for one, so columns still line up.
fn visible(c: char) -> char {
    match c {
        '\t' => '\t',
        '\0'..='\x1f' => char::from_u32(0x2400 + c as u32).unwrap_or('\u{FFFD}'),
        '\x7f' => '\u{2421}',
        '\u{80}'..='\u{9f}' | '\u{202a}'..='\u{202e}' | '\u{2066}'..='\u{2069}' => '\u{FFFD}',
        '\u{2028}' | '\u{2029}' => '\u{FFFD}',
        c => c,
    }
}

/// `text` with control characters escaped (`\u{1b}`), for messages, notes and paths
/// in text output; `keep_newlines` leaves line breaks of multi-line help alone.
pub fn escape(text: &str, keep_newlines: bool) -> String {
    let unsafe_char = |c: char| {
        (c.is_control() && !(keep_newlines && c == '\n'))
            || matches!(c, '\u{202a}'..='\u{202e}' | '\u{2066}'..='\u{2069}' | '\u{2028}' | '\u{2029}')
    };
    if !text.chars().any(unsafe_char) {
        return text.to_string();
    }
    text.chars()
        .map(|c| {
            if unsafe_char(c) {
                format!("\\u{{{:x}}}", c as u32)
            } else {
                c.to_string()
            }
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::{escape, Snippet, MAX_WIDTH};
    use crate::source::SourceFile;
    use codespan_reporting::files::Files;

    fn file(text: &str) -> SourceFile {
        SourceFile::new("f.json".into(), "f.json".into(), text.to_string())
    }

    #[test]
    fn a_short_line_is_shown_whole_with_real_positions() {
        let text = "a: 1\nb: [x]\n";
        let f = file(text);
        let s = Snippet::new(&f, 8, 11);
        assert_eq!(s.text, "b: [x]\n");
        assert_eq!(&s.text[s.label.clone()], "[x]");
        assert_eq!(s.line_number((), 0).unwrap(), 2);
        assert_eq!(s.column_number((), 0, s.label.start).unwrap(), 4);
    }

    #[test]
    fn a_long_line_is_cut_around_the_label() {
        let text = format!(
            "{{{}\"timeout\": \"0s\"{}}}",
            "\"k\": 1, ".repeat(10_000),
            ", \"z\": 2".repeat(10_000)
        );
        let f = file(&text);
        let at = text.find("\"timeout\"").unwrap();
        let s = Snippet::new(&f, at, at + "\"timeout\": \"0s\"".len());
        assert!(s.text.chars().count() <= MAX_WIDTH + 3, "{}", s.text.len());
        assert!(s.text.starts_with('…') && s.text.trim_end().ends_with('…'));
        assert_eq!(&s.text[s.label.clone()], "\"timeout\": \"0s\"");
        let col = s.column_number((), 0, s.label.start).unwrap();
        assert_eq!(col, f.line_col(at).column);
    }

    #[test]
    fn a_long_multi_line_label_shows_its_head_and_tail() {
        let text: String = (0..1000).map(|i| format!("k{i}: v\n")).collect();
        let f = file(&text);
        let s = Snippet::new(&f, 0, text.len() - 1);
        assert_eq!(s.text.lines().count(), 6);
        let numbers: Vec<usize> = (0..6).map(|i| s.line_number((), i).unwrap()).collect();
        assert_eq!(numbers, [1, 2, 3, 4, 999, 1000]);
    }

    #[test]
    fn offsets_inside_a_character_or_past_the_end_do_not_panic() {
        let f = file("a: ✓✓\n");
        let s = Snippet::new(&f, 4, 99);
        assert!(s.text[s.label.clone()].starts_with("✓✓"), "{:?}", s.text);
    }

    #[test]
    fn any_range_of_awkward_text_makes_a_consistent_snippet() {
        let long = "é✓x".repeat(400);
        let texts = [
            format!("a: 1\r\nb: {long}\rc: \u{1b}[2J\n\n\t- {long}\n"),
            format!("{long}\n{long}"),
            String::from("\n\r\n\r"),
        ];
        let mut state = 0x2545_F491_4F6C_DD1Du64;
        for text in &texts {
            let f = file(text);
            for _ in 0..500 {
                state ^= state << 13;
                state ^= state >> 7;
                state ^= state << 17;
                let a = (state % (text.len() as u64 + 2)) as usize;
                let b = ((state >> 32) % (text.len() as u64 + 2)) as usize;
                let s = Snippet::new(&f, a.min(b), a.max(b));
                assert!(s.label.start <= s.label.end && s.label.end <= s.text.len());
                assert!(s.text.is_char_boundary(s.label.start));
                assert!(s.text.is_char_boundary(s.label.end));
                assert!(s.text.lines().all(|l| l.chars().count() <= MAX_WIDTH + 2));
                let line = s.line_index((), s.label.start).unwrap();
                let column = s.column_number((), line, s.label.start).unwrap();
                // An offset inside a line break shows at the end of its line.
                let start = a.min(b).min(text.len());
                let line_end = f.line_range(f.line_col(start).line - 1).1;
                let real = f.line_col(start.min(line_end));
                assert_eq!(s.line_number((), line).unwrap(), real.line);
                assert_eq!(column, real.column, "{a} {b}");
            }
        }
    }

    #[test]
    fn control_characters_are_made_visible() {
        let text = "a: \"\u{1b}[2J\u{7}x\"\n";
        let f = file(text);
        let s = Snippet::new(&f, 3, text.len() - 1);
        assert!(
            !s.text.chars().any(|c| c.is_control() && c != '\n'),
            "{:?}",
            s.text
        );
        assert_eq!(escape("a\u{1b}[31mb\nc", false), "a\\u{1b}[31mb\\u{a}c");
        assert_eq!(escape("a\nb", true), "a\nb");
    }
}
