//! A fast path for plain JSON: the events saphyr gives for a JSON document, made
//! by a JSON reader, and fed to the same [`Builder`].
//!
//! Realistic trees carry megabytes of JSON data (locales, SBOMs, GeoJSON, test
//! data, lock files) that the loader reads as YAML: saphyr scans flow JSON at about
//! 2,400 instructions a token. A text that is one JSON object or array, written as
//! strict JSON, gets here the events and byte spans saphyr and
//! [`super::offsets::Offsets`] would give (the tests compare them), so the trees,
//! duplicate keys and limits are the same. Anything this reader does not take
//! (comments, YAML syntax, a trailing comma, an escape saphyr refuses such as a
//! lone surrogate, a tab after `:`, deep nesting, a document the builder drops)
//! returns `None`, and the text is parsed as YAML, errors and all.

use std::borrow::Cow;

use saphyr_parser::{Event, ScalarStyle};

use super::build::{Builder, Step};
use super::yaml::{Parsed, YamlDoc};
use crate::tree::Span;

/// Deepest nesting taken here, below saphyr's flow limit (255) and the builder's
/// ([`super::build::MAX_DEPTH`]): deeper text goes the YAML way and its limit error.
const MAX_NESTING: usize = 200;

/// The one document of `text` when it is plain JSON whose tree builds; `None` for
/// anything else, to be parsed as YAML.
pub(super) fn parse(text: &str) -> Option<Parsed> {
    let mut builder = Builder::default();
    builder.start_document();
    let mut built = None;
    events(
        text,
        &mut |event, span| match builder.on_event(event, span, text) {
            Step::Continue => true,
            Step::Done(b) => {
                built = Some(b);
                true
            }
            Step::Empty | Step::Failed(_) => false,
        },
    )?;
    let built = built?;
    Some(Parsed {
        docs: vec![YamlDoc {
            index: 0,
            root: built.root,
            duplicates: built.duplicates,
        }],
        errors: Vec::new(),
    })
}

/// Feeds `sink` the events of `text`'s one JSON object or array (without the stream
/// and document events), each with its byte span; `None` when `text` is not strict
/// JSON of that shape, or when `sink` says stop (`false`).
pub(super) fn events<'a>(
    text: &'a str,
    sink: &mut dyn FnMut(Event<'a>, Span) -> bool,
) -> Option<()> {
    // saphyr refuses a tab between `:` and a plain value; the YAML path makes such
    // tabs spaces first (`yaml::tabs_as_spaces`), which this reader leaves to it.
    if text.contains(":\t") {
        return None;
    }
    let mut r = Reader { text, at: 0 };
    r.skip_blanks();
    if !matches!(r.peek()?, b'{' | b'[') {
        return None;
    }
    // `true` for a mapping, `false` for a sequence.
    let mut open: Vec<bool> = Vec::new();
    loop {
        if !r.value(&mut open, sink)? {
            // A collection opened and is not empty: its first key or item is next.
            continue;
        }
        // After a value: close collections, or go on after a comma.
        loop {
            let Some(&map) = open.last() else {
                r.skip_blanks();
                return (r.at == text.len()).then_some(());
            };
            r.skip_blanks();
            let at = r.at;
            match r.next()? {
                b',' if map => {
                    r.key(sink)?;
                    break;
                }
                b',' => break,
                b'}' if map => emit(sink, Event::MappingEnd, at, at + 1)?,
                b']' if !map => emit(sink, Event::SequenceEnd, at, at + 1)?,
                _ => return None,
            }
            open.pop();
        }
    }
}

fn emit<'a>(
    sink: &mut dyn FnMut(Event<'a>, Span) -> bool,
    event: Event<'a>,
    start: usize,
    end: usize,
) -> Option<()> {
    sink(event, Span::new(start, end)).then_some(())
}

struct Reader<'a> {
    text: &'a str,
    at: usize,
}

impl<'a> Reader<'a> {
    fn peek(&self) -> Option<u8> {
        self.text.as_bytes().get(self.at).copied()
    }

    fn next(&mut self) -> Option<u8> {
        let b = self.peek()?;
        self.at += 1;
        Some(b)
    }

    /// Skips JSON's blanks: space, tab, line feed, carriage return.
    fn skip_blanks(&mut self) {
        let bytes = self.text.as_bytes();
        while matches!(bytes.get(self.at), Some(b' ' | b'\t' | b'\n' | b'\r')) {
            self.at += 1;
        }
    }

    /// Reads one value at the next token. A scalar or an empty collection is whole
    /// (`true`); an opened collection is pushed on `open` (`false`), its first key
    /// read when it is a mapping.
    fn value(
        &mut self,
        open: &mut Vec<bool>,
        sink: &mut dyn FnMut(Event<'a>, Span) -> bool,
    ) -> Option<bool> {
        self.skip_blanks();
        let start = self.at;
        match self.peek()? {
            c @ (b'{' | b'[') => {
                if open.len() >= MAX_NESTING {
                    return None;
                }
                let map = c == b'{';
                self.at += 1;
                let event = if map {
                    Event::MappingStart(0, None)
                } else {
                    Event::SequenceStart(0, None)
                };
                emit(sink, event, start, start + 1)?;
                self.skip_blanks();
                let close = if map { b'}' } else { b']' };
                if self.peek()? == close {
                    let at = self.at;
                    self.at += 1;
                    let end = if map {
                        Event::MappingEnd
                    } else {
                        Event::SequenceEnd
                    };
                    emit(sink, end, at, at + 1)?;
                    return Some(true);
                }
                open.push(map);
                if map {
                    self.key(sink)?;
                }
                Some(false)
            }
            b'"' => {
                let value = self.string()?;
                emit(sink, quoted(value), start, self.at)?;
                Some(true)
            }
            _ => {
                self.plain()?;
                let value = Cow::Borrowed(&self.text[start..self.at]);
                let event = Event::Scalar(value, ScalarStyle::Plain, 0, None);
                emit(sink, event, start, self.at)?;
                Some(true)
            }
        }
    }

    /// Reads a mapping's key and its `:`, on the key's line.
    fn key(&mut self, sink: &mut dyn FnMut(Event<'a>, Span) -> bool) -> Option<()> {
        self.skip_blanks();
        let start = self.at;
        if self.peek()? != b'"' {
            return None;
        }
        let key = self.string()?;
        emit(sink, quoted(key), start, self.at)?;
        while matches!(self.peek()?, b' ' | b'\t') {
            self.at += 1;
        }
        (self.next()? == b':').then_some(())
    }

    /// Reads a number, `true`, `false` or `null` (JSON's grammar), which must end
    /// where a plain scalar ends: at a blank, `,`, `]` or `}`.
    fn plain(&mut self) -> Option<()> {
        let bytes = self.text.as_bytes();
        let rest = &bytes[self.at..];
        let len = if let Some(word) = [&b"true"[..], b"false", b"null"]
            .into_iter()
            .find(|w| rest.starts_with(w))
        {
            word.len()
        } else {
            number_len(rest)?
        };
        self.at += len;
        matches!(
            bytes.get(self.at),
            Some(b' ' | b'\t' | b'\n' | b'\r' | b',' | b']' | b'}')
        )
        .then_some(())
    }

    /// Reads a string at its opening quote; its value, escapes resolved.
    fn string(&mut self) -> Option<Cow<'a, str>> {
        let bytes = self.text.as_bytes();
        let start = self.at + 1;
        let mut i = start;
        let mut owned: Option<String> = None;
        loop {
            let at = i + plain_run(&bytes[i..]);
            match *bytes.get(at)? {
                b'"' => {
                    self.at = at + 1;
                    return Some(match owned {
                        None => Cow::Borrowed(&self.text[start..at]),
                        Some(mut s) => {
                            s.push_str(&self.text[i..at]);
                            Cow::Owned(s)
                        }
                    });
                }
                b'\\' => {
                    let s = owned.get_or_insert_with(String::new);
                    s.push_str(&self.text[i..at]);
                    i = at + 1 + escape(&bytes[at + 1..], s)?;
                }
                _ => return None,
            }
        }
    }
}

fn quoted(value: Cow<'_, str>) -> Event<'_> {
    Event::Scalar(value, ScalarStyle::DoubleQuoted, 0, None)
}

/// Length of the run of string bytes at the start of `bytes` taken as they are: up
/// to a quote, a backslash, a control character or a character YAML reads as a
/// line break or a byte order mark (U+0085, U+2028, U+2029, U+FEFF), where the
/// caller decides (the last ones and control characters send the text to YAML).
fn plain_run(bytes: &[u8]) -> usize {
    let mut i = 0;
    loop {
        i += ascii_words(&bytes[i..]);
        // The word that stopped the test (or the last bytes), a byte at a time: text
        // that is not ASCII goes on a word at a time only past such a window.
        let end = (i + 8).min(bytes.len());
        while i < end {
            if ends_run(bytes, i) {
                return i;
            }
            i += 1;
        }
        if i == bytes.len() {
            return i;
        }
    }
}

/// The byte at `i` ends a [`plain_run`]: a quote, a backslash, a control character, or
/// the first byte of U+0085, U+2028, U+2029 or U+FEFF.
fn ends_run(bytes: &[u8], i: usize) -> bool {
    match bytes[i] {
        b'"' | b'\\' | 0..=0x1F | 0x7F => true,
        0xC2 => bytes.get(i + 1) == Some(&0x85),
        0xE2 => bytes.get(i + 1) == Some(&0x80) && matches!(bytes.get(i + 2), Some(0xA8 | 0xA9)),
        0xEF => bytes.get(i + 1) == Some(&0xBB) && bytes.get(i + 2) == Some(&0xBF),
        _ => false,
    }
}

/// Length of the leading 8-byte words of `bytes` that hold only printable ASCII
/// other than `"` and `\`, tested a word at a time (a byte at a time, data files'
/// strings cost about 12 instructions a byte).
fn ascii_words(bytes: &[u8]) -> usize {
    const ONES: u64 = u64::from_ne_bytes([1; 8]);
    const HIGH: u64 = ONES * 0x80;
    // Whether any byte is below `n` (`n` <= 0x80), for bytes below 0x80.
    let below = |x: u64, n: u64| x.wrapping_sub(ONES * n) & !x & HIGH;
    let mut n = 0;
    while let Some(word) = bytes.get(n..n + 8) {
        let mut w = [0; 8];
        w.copy_from_slice(word);
        let x = u64::from_ne_bytes(w);
        let stop = (x & HIGH)
            | below(x, 0x20)
            | below(x ^ (ONES * u64::from(b'"')), 1)
            | below(x ^ (ONES * u64::from(b'\\')), 1)
            | below(x ^ (ONES * 0x7F), 1);
        if stop != 0 {
            break;
        }
        n += 8;
    }
    n
}

/// Resolves the escape after a backslash (`bytes` starts after it) into `out`; how
/// many bytes it takes. A surrogate code (saphyr refuses those) or an escape JSON
/// does not have is `None`.
fn escape(bytes: &[u8], out: &mut String) -> Option<usize> {
    let c = match *bytes.first()? {
        b'"' => '"',
        b'\\' => '\\',
        b'/' => '/',
        b'b' => '\u{8}',
        b'f' => '\u{c}',
        b'n' => '\n',
        b'r' => '\r',
        b't' => '\t',
        b'u' => {
            let hex = std::str::from_utf8(bytes.get(1..5)?).ok()?;
            if !hex.bytes().all(|b| b.is_ascii_hexdigit()) {
                return None;
            }
            out.push(char::from_u32(u32::from_str_radix(hex, 16).ok()?)?);
            return Some(5);
        }
        _ => return None,
    };
    out.push(c);
    Some(1)
}

/// Length of the JSON number at the start of `bytes`:
/// `-?(0|[1-9][0-9]*)(\.[0-9]+)?([eE][+-]?[0-9]+)?`.
fn number_len(bytes: &[u8]) -> Option<usize> {
    let digits = |from: usize| {
        bytes[from..]
            .iter()
            .take_while(|b| b.is_ascii_digit())
            .count()
    };
    let mut i = usize::from(bytes.first() == Some(&b'-'));
    match bytes.get(i)? {
        b'0' => i += 1,
        b'1'..=b'9' => i += digits(i),
        _ => return None,
    }
    if bytes.get(i) == Some(&b'.') {
        let n = digits(i + 1);
        if n == 0 {
            return None;
        }
        i += 1 + n;
    }
    if matches!(bytes.get(i), Some(b'e' | b'E')) {
        i += 1;
        if matches!(bytes.get(i), Some(b'+' | b'-')) {
            i += 1;
        }
        let n = digits(i);
        if n == 0 {
            return None;
        }
        i += n;
    }
    Some(i)
}

#[cfg(test)]
#[path = "json_tests.rs"]
mod tests;
