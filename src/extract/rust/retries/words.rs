//! One scan of a file's text for the words the walks need, so that a function body
//! whose text cannot hold a retry is skipped without walking its syntax tree (a walk
//! costs far more per byte than this scan).
//!
//! - A retry loop needs the keyword `loop`, `for` or `while`.
//! - A retry-crate strategy needs a path that resolves below a catalogue strategy
//!   path. Such a path is written with a segment of a catalogue path compatible with
//!   a strategy path (the crate root, or the tail `Ctx::resolve` completes) or starts
//!   with a `use` alias whose target is compatible with one; see [`StrategyWords`].
//!
//! A word is a run of ASCII letters, digits and `_`; every other byte ends one. An
//! identifier token is always a whole run (a letter right before a keyword would make
//! a longer identifier or a literal suffix), and a non-ASCII byte only splits runs
//! further, so the scan sees every ASCII identifier of the tokens (and more words, from
//! comments and strings, which only means walking a body for nothing). Needles that are
//! not plain ASCII words turn the filter off.

use std::collections::HashSet;

/// Which bytes continue a word.
const WORD: [bool; 256] = {
    let mut t = [false; 256];
    let mut b = 0;
    while b < 256 {
        let c = b as u8;
        t[b] = c.is_ascii_alphanumeric() || c == b'_';
        b += 1;
    }
    t
};

/// Whether `s` is one whole word of the scan (a raw identifier's `r#` taken off).
fn scan_word(s: &str) -> Option<&str> {
    let s = s.strip_prefix("r#").unwrap_or(s);
    (!s.is_empty() && s.bytes().all(|b| WORD[usize::from(b)])).then_some(s)
}

/// The keywords a loop starts with.
const LOOP_WORDS: [&[u8]; 3] = [b"loop", b"for", b"while"];

/// A set of words with a cheap first test by first byte and length, so that most
/// words of a file are rejected without hashing.
#[derive(Debug, Clone)]
pub struct Needles {
    /// Bit `len` of entry `first` is set when some needle starts with `first` and has
    /// `len` bytes (lengths from 63 up share bit 63).
    shape: Box<[u64; 256]>,
    words: HashSet<Box<[u8]>>,
}

impl Default for Needles {
    fn default() -> Self {
        Needles {
            shape: Box::new([0; 256]),
            words: HashSet::new(),
        }
    }
}

impl Needles {
    fn insert(&mut self, word: &str) {
        let w = word.as_bytes();
        self.shape[usize::from(w[0])] |= 1 << w.len().min(63);
        self.words.insert(w.into());
    }

    fn contains(&self, w: &[u8]) -> bool {
        self.shape[usize::from(w[0])] >> w.len().min(63) & 1 == 1 && self.words.contains(w)
    }
}

/// The words a strategy path can be written with, for one catalogue: built once.
#[derive(Debug, Clone, Default)]
pub struct StrategyWords {
    /// Every strategy path, by segments.
    strategies: Vec<Vec<String>>,
    /// Segments of every catalogue path compatible with a strategy path.
    needles: Needles,
    /// Some needle is not a plain word: the filter cannot be used.
    unusable: bool,
    /// The needles' shapes with the loop keywords': the words the depth scan notes
    /// for this analysis ([`Words::from_hits`]).
    hit_shapes: Shapes,
}

/// Bit `len` of entry `first` set for each word wanted (see [`Needles`]).
#[derive(Debug, Clone)]
struct Shapes(Box<[u64; 256]>);

impl Default for Shapes {
    fn default() -> Self {
        Shapes(Box::new([0; 256]))
    }
}

/// Whether one path is a prefix of the other: only then can a path built from one
/// (an alias target, a glob, a catalogue path) be or lie below the other.
fn compatible<A: AsRef<str>, B: AsRef<str>>(a: &[A], b: &[B]) -> bool {
    a.iter().zip(b).all(|(x, y)| x.as_ref() == y.as_ref())
}

impl StrategyWords {
    pub fn new(catalog: &super::RetryCatalog) -> Self {
        let mut out = StrategyWords {
            strategies: catalog
                .crates
                .iter()
                .flat_map(|c| &c.strategy)
                .map(|s| s.path.split("::").map(str::to_string).collect())
                .collect(),
            ..StrategyWords::default()
        };
        for path in catalog.all_paths() {
            let segs: Vec<&str> = path.split("::").collect();
            if !out.compatible_with_a_strategy(&segs) {
                continue;
            }
            for seg in segs {
                match scan_word(seg) {
                    Some(w) => out.needles.insert(w),
                    None => out.unusable = true,
                }
            }
        }
        out.hit_shapes = Shapes(out.needles.shape.clone());
        for w in LOOP_WORDS {
            out.hit_shapes.0[usize::from(w[0])] |= 1 << w.len();
        }
        out
    }

    /// Whether a `use` name is one of the needles (as a word of the scan).
    pub fn is_needle(&self, name: &str) -> bool {
        scan_word(name).is_some_and(|w| self.needles.contains(w.as_bytes()))
    }

    /// The shapes of the words [`Words::from_hits`] needs noted.
    pub fn hit_shapes(&self) -> &[u64; 256] {
        &self.hit_shapes.0
    }

    /// Whether a path can be a prefix of a strategy path or lie below one.
    pub fn compatible_with_a_strategy<S: AsRef<str>>(&self, path: &[S]) -> bool {
        self.strategies.iter().any(|s| compatible(path, s))
    }
}

/// A byte offset in the file's text. Words are kept as offsets, and a body's braces
/// turned into offsets when asked (a few per function): turning every word into a
/// line and column instead counted the lines and characters of the whole file.
pub(crate) type At = usize;

/// Where the words that matter start in one file, in text order.
pub(crate) struct Words {
    /// `loop`, `for` and `while`.
    loops: Vec<At>,
    /// Words a strategy path can be written with; `None` when any body may hold one (a
    /// glob import compatible with a strategy, an unusual needle).
    strategies: Option<Vec<At>>,
}

impl Words {
    /// Nothing found yet (while the file's `use`s are collected).
    pub fn empty() -> Words {
        Words {
            loops: Vec::new(),
            strategies: Some(Vec::new()),
        }
    }

    /// Scans `text`. `aliases` are the file's `use` names whose target is compatible
    /// with a strategy path; `open` says some glob import is.
    pub fn scan<'k>(
        text: &str,
        catalog: &StrategyWords,
        aliases: impl Iterator<Item = &'k str>,
        open: bool,
    ) -> Words {
        let mut extra = Vec::new();
        let mut usable = !open && !catalog.unusable;
        for alias in aliases {
            match scan_word(alias) {
                Some(w) => extra.push(w.as_bytes()),
                None => usable = false,
            }
        }
        let mut words = Words {
            loops: Vec::new(),
            strategies: usable.then(Vec::new),
        };
        // The shapes of every word worth a closer look in this file.
        let mut shapes = catalog.needles.shape.clone();
        for w in [&b"loop"[..], b"for", b"while"]
            .into_iter()
            .chain(extra.iter().copied())
        {
            shapes[usize::from(w[0])] |= 1 << w.len().min(63);
        }
        for_each_word(text.as_bytes(), &shapes, |w, start| {
            if matches!(w, b"loop" | b"for" | b"while") {
                words.loops.push(start);
            }
            if let Some(found) = &mut words.strategies {
                if catalog.needles.contains(w) || extra.contains(&w) {
                    found.push(start);
                }
            }
        });
        words
    }

    /// The words of [`Words::scan`] (with no `use` name other than a needle, no glob:
    /// the caller checks) taken from the words of the code the depth scan noted
    /// (`hits`, in text order, of the shapes [`StrategyWords::hit_shapes`] gives), so
    /// the text is not read again. It finds no word in a comment or a string, nor one
    /// a non-ASCII byte joins to an identifier (`éloop`), where the byte scan does:
    /// neither is a keyword or a path segment of the code, so the walks it lets skip
    /// a body could not have found anything there. `strategies`: whether bodies are
    /// to be told apart by strategy words at all (a file naming a retry crate).
    pub fn from_hits(
        text: &str,
        hits: &[(At, At)],
        catalog: &StrategyWords,
        strategies: bool,
    ) -> Words {
        let bytes = text.as_bytes();
        let mut words = Words {
            loops: Vec::new(),
            strategies: (strategies && !catalog.unusable).then(Vec::new),
        };
        for &(start, end) in hits {
            let Some(w) = bytes.get(start..end) else {
                continue;
            };
            if LOOP_WORDS.contains(&w) {
                words.loops.push(start);
            }
            if let Some(found) = &mut words.strategies {
                if catalog.needles.contains(w) {
                    found.push(start);
                }
            }
        }
        words
    }

    /// Only the loop keywords of `text`, for a file that names no retry crate (so no
    /// body is asked for a strategy, and any may name one): each keyword found by a
    /// substring search and kept when it is a whole word, which is what [`Words::scan`]
    /// finds, without looking at every word of the file.
    pub fn scan_loops(text: &str) -> Words {
        let bytes = text.as_bytes();
        let word_at = |i: usize| bytes.get(i).is_some_and(|&b| WORD[usize::from(b)]);
        let mut found = Vec::new();
        for keyword in [&b"loop"[..], b"for", b"while"] {
            found.extend(memchr::memmem::find_iter(bytes, keyword).filter(|&i| {
                i.checked_sub(1).is_none_or(|j| !word_at(j)) && !word_at(i + keyword.len())
            }));
        }
        found.sort_unstable();
        Words {
            loops: found,
            strategies: None,
        }
    }

    /// Whether the file's text holds a loop keyword anywhere.
    pub fn any_loop(&self) -> bool {
        !self.loops.is_empty()
    }

    /// Whether the text from `start` to `end` may hold a loop.
    pub fn may_loop(&self, start: At, end: At) -> bool {
        any_in(&self.loops, start, end)
    }

    /// Whether the text from `start` to `end` may name a catalogue strategy.
    pub fn may_name_strategy(&self, start: At, end: At) -> bool {
        (self.strategies.as_ref()).is_none_or(|s| any_in(s, start, end))
    }
}

/// Calls `f` with each word of `bytes` (and its offset) whose first byte and length
/// `shapes` holds. Words are found 64 bytes at a time from a mask of word bytes, with
/// no branch per byte.
pub(super) fn for_each_word(bytes: &[u8], shapes: &[u64; 256], mut f: impl FnMut(&[u8], usize)) {
    let mut base = 0;
    // Whether the byte before the chunk continues a word.
    let mut carry = false;
    while base < bytes.len() {
        let chunk = &bytes[base..bytes.len().min(base + 64)];
        let word = word_mask(chunk);
        let mut starts = word & !(word << 1 | u64::from(carry));
        carry = word >> (chunk.len() - 1) & 1 == 1;
        while starts != 0 {
            let j = starts.trailing_zeros() as usize;
            starts &= starts - 1;
            // The first byte after the word: in the chunk, or found byte by byte.
            let rest = !word >> j;
            let len = rest.trailing_zeros() as usize;
            let end = if rest != 0 && j + len < chunk.len() {
                base + j + len
            } else {
                let from = base + chunk.len();
                from + bytes[from..]
                    .iter()
                    .take_while(|&&b| WORD[usize::from(b)])
                    .count()
            };
            let start = base + j;
            if shapes[usize::from(bytes[start])] >> (end - start).min(63) & 1 == 1 {
                f(&bytes[start..end], start);
            }
        }
        base += chunk.len();
    }
}

/// Bit `j` set when byte `j` of `chunk` (at most 64 bytes) continues a word: eight
/// bytes at a time ([`word_bytes`]), the rest through the table.
fn word_mask(chunk: &[u8]) -> u64 {
    let lanes = chunk.chunks_exact(8);
    let rest = lanes.remainder();
    let mut mask = 0u64;
    let mut shift = 0;
    for lane in lanes {
        // Always eight bytes: the conversion cannot fail.
        let lane = lane.try_into().map_or(0, u64::from_le_bytes);
        mask |= word_bytes(lane) << shift;
        shift += 8;
    }
    for (j, &b) in rest.iter().enumerate() {
        mask |= u64::from(WORD[usize::from(b)]) << (shift + j);
    }
    mask
}

/// Bit `k` set when byte `k` of `x` (little-endian) is an ASCII letter, digit or `_`,
/// as [`WORD`] says, with no branch and no table: the byte range tests of "Bit
/// Twiddling Hacks" (`hasbetween`, exact per byte: no carry crosses a byte), then the
/// eight high bits gathered into the top byte by one multiplication. A table look-up
/// per byte cost more than the rest of the scan together.
fn word_bytes(x: u64) -> u64 {
    const ONES: u64 = 0x0101_0101_0101_0101;
    const LOW7: u64 = ONES * 0x7f;
    const HIGH: u64 = ONES * 0x80;
    // The high bit of each byte of `x` that is below 128 and strictly between `m` and `n`.
    let between = |x: u64, m: u8, n: u8| {
        let low = x & LOW7;
        (ONES * (127 + u64::from(n)) - low) & !x & (low + ONES * (127 - u64::from(m))) & HIGH
    };
    let digit = between(x, b'0' - 1, b'9' + 1);
    // `| 0x20` maps `A`..`Z` onto `a`..`z`, and nothing else into that range.
    let letter = between(x | (ONES * 0x20), b'a' - 1, b'z' + 1);
    let t = x ^ (ONES * u64::from(b'_'));
    let underscore = !(((t & LOW7) + LOW7) | t) & HIGH;
    // Bit 8k+7 moves to bit 56+k (shifted by 7(7-k)); no two products overlap.
    (digit | letter | underscore).wrapping_mul(0x0002_0408_1020_4081) >> 56
}

/// Whether a sorted list of positions has one from `start` up to `end`.
fn any_in(found: &[At], start: At, end: At) -> bool {
    let i = found.partition_point(|&at| at < start);
    found.get(i).is_some_and(|&at| at < end)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn eight_bytes_at_a_time_agree_with_the_table() {
        for b in 0..=255u8 {
            for k in 0..8 {
                // The byte alone at lane k, and among bytes of every other class.
                for fill in [0u8, b'a', b'_', 0xff, b'9', b' '] {
                    let mut lane = [fill; 8];
                    lane[k] = b;
                    let mask = word_bytes(u64::from_le_bytes(lane));
                    for (j, &x) in lane.iter().enumerate() {
                        assert_eq!(mask >> j & 1 == 1, WORD[usize::from(x)], "{lane:?}");
                    }
                    assert_eq!(mask >> 8, 0);
                }
            }
        }
    }

    #[test]
    fn the_loop_scan_finds_the_loops_the_full_scan_finds() {
        let text = "for x in y { loop {} } fore before while_ r#loop\n\u{e9}while(1) _for for";
        let all = Words::scan(text, &StrategyWords::default(), std::iter::empty(), false);
        let loops = Words::scan_loops(text);
        assert_eq!(loops.loops, all.loops);
        assert_eq!(loops.loops.len(), 5);
        assert!(loops.strategies.is_none());
    }

    #[test]
    fn the_depth_scan_notes_the_code_words_of_the_full_scan() {
        let catalog = super::super::RetryCatalog::builtin();
        let strategy_words = &catalog.path_index().strategy_words;
        let text = "// loop in a comment\nfn f() { let s = \"while\"; for x in y { loop {} }\n\
                    let b = backoff::ExponentialBackoff::default(); }\n\
                    fn g() { r#loop; \u{e9}while(1); }";
        let mut hits = crate::extract::rust::scan::Hits {
            shapes: strategy_words.hit_shapes(),
            found: Vec::new(),
        };
        assert!(crate::extract::rust::scan::check_size(text, 256, usize::MAX, &mut hits).is_ok());
        let noted = Words::from_hits(text, &hits.found, strategy_words, true);
        let all = Words::scan(text, strategy_words, std::iter::empty(), false);
        // `for`, `loop` and `r#loop`'s: not the comment's, the string's, nor `\u{e9}while`.
        assert_eq!(noted.loops.len(), 3);
        assert_eq!(all.loops.len(), 6);
        assert!(noted.loops.iter().all(|at| all.loops.contains(at)));
        let (noted, all) = (noted.strategies.unwrap(), all.strategies.unwrap());
        assert!(noted.len() >= 2, "backoff and ExponentialBackoff");
        assert_eq!(noted, all);
        // Without a crate, only the loops.
        assert!(Words::from_hits(text, &hits.found, strategy_words, false)
            .strategies
            .is_none());
    }
}
