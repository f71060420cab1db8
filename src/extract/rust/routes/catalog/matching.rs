//! How catalogue names and phrases are matched against code. The lookups run for every
//! call and string literal of every body and allocate nothing; the shapes they use
//! (`Pattern`, `longest_word`) are worked out once per catalogue.

use std::collections::HashSet;

/// A small set of names looked up by the thousand (every call of every body), kept
/// by length: a lookup compares a few short strings instead of hashing the name.
#[derive(Debug, Clone, Default)]
pub(crate) struct NameSet {
    /// `by_len[n]`: the names of `n` bytes.
    by_len: Vec<Vec<String>>,
}

impl NameSet {
    pub fn contains(&self, name: &str) -> bool {
        self.by_len.get(name.len()).is_some_and(|names| {
            let first = name.as_bytes().first();
            names
                .iter()
                .any(|n| n.as_bytes().first() == first && n == name)
        })
    }
}

impl From<HashSet<String>> for NameSet {
    fn from(set: HashSet<String>) -> Self {
        let mut by_len: Vec<Vec<String>> = Vec::new();
        for name in set {
            if by_len.len() <= name.len() {
                by_len.resize(name.len() + 1, Vec::new());
            }
            by_len[name.len()].push(name);
        }
        NameSet { by_len }
    }
}

/// How a catalogue name entry matches a call.
#[derive(Debug, Clone, Copy)]
pub(super) enum Pattern {
    /// `Type::f`: that call only (the type ends at this byte).
    Typed(usize),
    /// A bare name without `*`.
    Exact,
    /// A bare name with `*`s.
    Glob,
}

impl Pattern {
    pub(super) fn of(entry: &str) -> Pattern {
        match entry.rfind("::") {
            Some(at) => Pattern::Typed(at),
            None if entry.contains('*') => Pattern::Glob,
            None => Pattern::Exact,
        }
    }
}

/// The longest word of a ` * ` phrase (`update * set`: `update`), lowercase.
pub(super) fn longest_word(phrase: &str) -> String {
    phrase
        .split([' ', '*'])
        .max_by_key(|w| w.len())
        .unwrap_or_default()
        .to_ascii_lowercase()
}

/// Words (lowercase) looked for in a text, ASCII case aside, in one pass: every
/// string literal with a space is asked whether it holds one of the SQL phrases'
/// words, and a pass per word over each literal was most of that check's cost.
#[derive(Debug, Clone)]
pub(super) struct AnyWord {
    words: Vec<String>,
    /// `first[b]`: some word starts with byte `b`.
    first: [bool; 256],
    /// One word is empty: every text holds it.
    empty: bool,
}

impl AnyWord {
    pub(super) fn new(words: Vec<String>) -> AnyWord {
        let mut first = [false; 256];
        for w in &words {
            if let Some(&b) = w.as_bytes().first() {
                first[usize::from(b)] = true;
            }
        }
        let empty = words.iter().any(String::is_empty);
        AnyWord {
            words,
            first,
            empty,
        }
    }

    /// `text` holds one of the words, ASCII case aside. Allocates nothing.
    pub(super) fn in_text(&self, text: &str) -> bool {
        let t = text.as_bytes();
        self.empty
            || (0..t.len()).any(|i| {
                let b = t[i].to_ascii_lowercase();
                self.first[usize::from(b)]
                    && self.words.iter().any(|w| {
                        let w = w.as_bytes();
                        w.first() == Some(&b)
                            && t[i..].len() >= w.len()
                            && t[i..i + w.len()].eq_ignore_ascii_case(w)
                    })
            })
    }
}

/// `text` holds the parts of `phrase` (split at ` * `) in order, each on word
/// boundaries.
pub(crate) fn phrase_in(text: &str, phrase: &str) -> bool {
    let mut from = 0;
    for part in phrase.split(" * ") {
        let Some(at) = find_word(&text[from..], part) else {
            return false;
        };
        from += at + part.len();
    }
    true
}

/// The first position of `word` in `text` with no identifier character on either side.
pub(crate) fn find_word(text: &str, word: &str) -> Option<usize> {
    let ident = |c: Option<char>| c.is_some_and(|c| c.is_ascii_alphanumeric() || c == '_');
    let mut start = 0;
    while let Some(i) = text[start..].find(word) {
        let at = start + i;
        let end = at + word.len();
        if !ident(text[..at].chars().next_back()) && !ident(text[end..].chars().next()) {
            return Some(at);
        }
        start = at + 1;
        while !text.is_char_boundary(start) {
            start += 1;
        }
    }
    None
}

/// `pat` matches `name`, each `*` standing for any text (`send_*_update`).
/// `name` matches `pat`, where a `*` matches any text.
pub(crate) fn glob_match(pat: &str, name: &str) -> bool {
    glob(pat, name)
}

/// Whether `name` matches `pat`, whose `*`s stand for any text. Allocates nothing:
/// it runs for every call of every function body (identity generators, deletes).
pub(super) fn glob(pat: &str, name: &str) -> bool {
    // A pattern not led by `*` matches only names led by its first byte: most names
    // of a body fail here, before any search for the `*`s (a character search per
    // call was the largest cost of the link step's catalogue checks).
    if let Some(&p) = pat.as_bytes().first() {
        if p != b'*' && name.as_bytes().first() != Some(&p) {
            return false;
        }
    }
    let Some((first, tail)) = pat.split_once('*') else {
        return pat == name;
    };
    let Some(mut rest) = name.strip_prefix(first) else {
        return false;
    };
    let (middle, last) = tail.rsplit_once('*').unwrap_or(("", tail));
    for m in middle.split('*') {
        match rest.find(m) {
            Some(at) => rest = &rest[at + m.len()..],
            None => return false,
        }
    }
    rest.len() >= last.len() && rest.ends_with(last)
}
