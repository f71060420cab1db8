//! Depth pre-scan: `syn` recurses once per nesting level and overflows the stack
//! (an abort, not a panic) on pathological input, so files nested deeper than a
//! limit are refused before they are parsed.
//!
//! The scan is a small lexer: brackets inside comments, strings, raw strings and
//! character literals do not count, so neither `"(((("` nor `")))"` can fool it.

/// Deepest nesting a file may have: open brackets, plus prefix operators in a row,
/// plus closures whose body is another closure, plus open generic angles.
pub const MAX_DEPTH: usize = 256;

/// Most tokens that may be chained, summed over the open bracket levels, without a
/// `;`, `,` or item boundary (a path's `::` and the segments after it not counted: a
/// path is read in a loop and nests nothing): method, `?`, cast, operator, assignment, closure and
/// `return` chains build trees as deep as they are long, and the parser, visitors
/// and `Drop` recurse through them (10,000 chained `= x` overflow a 64 MiB stack
/// in a debug build).
pub const MAX_CHAIN: usize = 4_000;

/// Default of `[rust] max-tokens`: most tokens a file may have to be parsed.
///
/// `syn`'s tree, with the token stream it is parsed from, takes 280-420 bytes per
/// token on real files and up to about 850 on hostile ones (`a;` repeated), so a
/// file's parse memory follows its tokens, not its bytes (comments, blanks and
/// string bodies cost nothing). The largest hand-written files we measured have
/// under 100,000 tokens (js-sys's `lib.rs`, 700 KB: 72,000), generated bindings up
/// to 300,000 (a 1 MB Unicode table); 200,000 tokens keep any one file's parse
/// under about 170 MB.
pub const MAX_TOKENS: usize = 200_000;

/// Which of the scan's limits a file went past: each recursion of the parser the
/// scan follows, so the error can say what was too deep.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Limit {
    /// `(`, `[`, `{` nested.
    Brackets,
    /// `!`, `-`, `&`, `*` in a row.
    Prefix,
    /// `|a| |b| ...`: a closure whose body is a closure.
    Closures,
    /// `A<B<C<...`: generic arguments (or `<` comparisons) still open.
    Generics,
    /// [`MAX_CHAIN`] tokens without a `;`, `,` or item boundary.
    Chain,
    /// More tokens in the file than `[rust] max-tokens` (the parse's memory).
    Tokens,
}

/// Where and why a file is too deep.
#[derive(Debug, PartialEq, Eq)]
pub struct TooDeep {
    pub offset: usize,
    pub depth: usize,
    pub limit: Limit,
}

impl TooDeep {
    /// The `limit` error's message: names the limit that was hit and its value.
    pub fn message(&self) -> String {
        let what = match self.limit {
            Limit::Brackets => format!("brackets nested deeper than {MAX_DEPTH} levels"),
            Limit::Prefix => format!("more than {MAX_DEPTH} prefix operators in a row"),
            Limit::Closures => format!("closures nested deeper than {MAX_DEPTH} levels"),
            Limit::Generics => format!("generic arguments nested deeper than {MAX_DEPTH} levels"),
            Limit::Chain => {
                format!("an expression chain longer than {MAX_CHAIN} tokens without a `;` or `,`")
            }
            Limit::Tokens => return self.tokens_message(),
        };
        format!("{what}: not parsed (a parser would overflow its stack)")
    }

    /// The message of [`Limit::Tokens`] (`depth` is the `max-tokens` in force).
    fn tokens_message(&self) -> String {
        format!(
            "more than {} tokens, over `[rust] max-tokens`: not parsed (a parse takes up to \
             about 1 KB of memory per token); raise `max-tokens` under `[rust]` in \
             resilint.toml (e.g. `max-tokens = {}`) or exclude the file",
            self.depth,
            self.depth.saturating_mul(2)
        )
    }
}

/// Scans `text`; `Err` at the first byte past the limit.
pub fn check_depth(text: &str, limit: usize) -> Result<(), TooDeep> {
    check(text, limit, MAX_CHAIN, usize::MAX, &mut Hits::none())
}

/// [`check_depth`], and `Err` ([`Limit::Tokens`], `depth` = `max_tokens`) at the
/// first token past `max_tokens`. The words of the code whose first byte and length
/// `hits.shapes` holds are noted in `hits` on the way.
pub fn check_size(
    text: &str,
    limit: usize,
    max_tokens: usize,
    hits: &mut Hits<'_>,
) -> Result<(), TooDeep> {
    check(text, limit, MAX_CHAIN, max_tokens, hits)
}

/// Words of the code the scan notes while it lexes, so that an analysis needing
/// where some words are (the retry analysis's loop keywords and strategy names) pays
/// no pass of its own over the bytes. A word is a token the scan reads as one: an
/// identifier, keyword or number (non-ASCII bytes continue it); words in comments and
/// string literals are not code and are not noted.
pub struct Hits<'s> {
    /// Bit `len` of entry `first` is set when a word starting with byte `first` and
    /// `len` bytes long (63 for any longer) is wanted.
    pub shapes: &'s [u64; 256],
    /// Where each wanted word starts and ends, in text order.
    pub found: Vec<(usize, usize)>,
}

impl Hits<'_> {
    /// Notes nothing.
    pub fn none() -> Hits<'static> {
        static NONE: [u64; 256] = [0; 256];
        Hits {
            shapes: &NONE,
            found: Vec::new(),
        }
    }
}

/// Whether the text after a closing `}` starts a new item, statement or match arm
/// (an identifier other than `else`/`as`, a literal, an attribute, another `}`),
/// so the chain count of the enclosing level starts over.
fn ends_statement(b: &[u8], mut i: usize) -> bool {
    while i < b.len() && b[i].is_ascii_whitespace() {
        i += 1;
    }
    let Some(&c) = b.get(i) else { return true };
    if matches!(c, b'#' | b'}' | b'"' | b'\'') || c.is_ascii_digit() {
        return true;
    }
    if !(c.is_ascii_alphabetic() || c == b'_') {
        return false;
    }
    let end = b[i..]
        .iter()
        .position(|c| !(c.is_ascii_alphanumeric() || *c == b'_'))
        .map_or(b.len(), |p| i + p);
    !matches!(&b[i..end], b"else" | b"as")
}

/// Bytes that continue a word: ASCII letters, digits, `_`, and any non-ASCII byte.
const WORD_BYTE: [bool; 256] = {
    let mut t = [false; 256];
    let mut c = 0;
    while c < 256 {
        let b = c as u8;
        t[c] = b.is_ascii_alphanumeric() || b == b'_' || b >= 0x80;
        c += 1;
    }
    t
};

/// Classes of a token's first byte: [`Scanner::step`] dispatches on one table
/// lookup, not a chain of byte compares (it runs once per token of every file; the
/// chain was a third of the scan's instructions).
const BLANK: u8 = 0;
const SLASH: u8 = 1;
const WORD: u8 = 2;
/// `r`, `b`, `c`: a word, or the prefix of a raw, byte or C string.
const PREFIXED: u8 = 3;
const QUOTE: u8 = 4;
const APOSTROPHE: u8 = 5;
/// `!`, `-`, `&`, `*`: a prefix operator keeps a prefix run going.
const PREFIX: u8 = 6;
const PUNCT: u8 = 7;

/// The class of each byte as a token's first byte.
const CLASS: [u8; 256] = {
    let mut t = [PUNCT; 256];
    let mut c = 0;
    while c < 256 {
        let b = c as u8;
        t[c] = match b {
            b' ' | b'\t' | b'\n' | b'\r' => BLANK,
            b'/' => SLASH,
            b'r' | b'b' | b'c' => PREFIXED,
            b'"' => QUOTE,
            b'\'' => APOSTROPHE,
            b'!' | b'-' | b'&' | b'*' => PREFIX,
            _ if WORD_BYTE[c] => WORD,
            _ => PUNCT,
        };
        c += 1;
    }
    t
};

/// What one open bracket level holds.
#[derive(Debug, Default, Clone, Copy)]
struct Level {
    /// Tokens chained since the last `;`, `,` or statement end.
    chain: usize,
    /// Closures chained (`|a| |b| ..`) since then.
    closures: usize,
    /// `<` not yet closed by a `>` (generic arguments, or comparisons until `{`/`;`).
    angles: usize,
    /// Between the bars of a closure's parameters: a `,` separates parameters there.
    in_bars: bool,
}

/// What the last token was, to tell a closure's `|` from a binary `|`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Prev {
    /// An identifier, literal or closing bracket: a `|` after it is binary.
    Operand,
    /// Anything else: a `|` after it opens a closure's parameters.
    Opener,
}

struct Scanner<'a, 'h> {
    text: &'a str,
    b: &'a [u8],
    limit: usize,
    chain_limit: usize,
    depth: usize,
    /// The innermost open level (the file's own at the start).
    top: Level,
    /// The levels around it, outermost first.
    outer: Vec<Level>,
    /// Sum of `chain` over the levels.
    chain_total: usize,
    /// Sum of `closures + angles` over the levels.
    nest_total: usize,
    /// Consecutive prefix operators (`!!!!x`, `----x`, `&&&&x`) recurse in the parser too.
    prefix_run: usize,
    prev: Prev,
    /// Tokens seen so far (punctuation counts one per character, as `proc_macro2` does).
    tokens: usize,
    max_tokens: usize,
    hits: &'a mut Hits<'h>,
}

fn check(
    text: &str,
    limit: usize,
    chain_limit: usize,
    max_tokens: usize,
    hits: &mut Hits<'_>,
) -> Result<(), TooDeep> {
    let mut s = Scanner {
        text,
        b: text.as_bytes(),
        limit,
        chain_limit,
        depth: 0,
        top: Level::default(),
        outer: Vec::new(),
        chain_total: 0,
        nest_total: 0,
        prefix_run: 0,
        prev: Prev::Opener,
        tokens: 0,
        max_tokens,
        hits,
    };
    let mut i = 0;
    while i < s.b.len() {
        i = s.step(i)?;
    }
    Ok(())
}

impl Scanner<'_, '_> {
    fn top(&mut self) -> &mut Level {
        &mut self.top
    }

    fn too_deep(&self, offset: usize, depth: usize, limit: Limit) -> Result<(), TooDeep> {
        Err(TooDeep {
            offset,
            depth,
            limit,
        })
    }

    /// One more token in the current chain.
    fn count(&mut self, at: usize) -> Result<(), TooDeep> {
        self.top().chain += 1;
        self.chain_total += 1;
        if self.chain_total > self.chain_limit {
            return self.too_deep(at, self.chain_total, Limit::Chain);
        }
        Ok(())
    }

    /// Whether the nesting (brackets, prefix run, closures, angles) is past the limit.
    fn check_nesting(&self, at: usize, limit: Limit) -> Result<(), TooDeep> {
        let depth = self.depth + self.prefix_run + self.nest_total;
        if depth > self.limit {
            return self.too_deep(at, depth, limit);
        }
        Ok(())
    }

    /// Forgets the current level's open angles (a `{`, `;`, `&&` or `||` ends any
    /// generic argument list: those were comparisons).
    fn drop_angles(&mut self) {
        let angles = std::mem::take(&mut self.top().angles);
        self.nest_total -= angles;
    }

    /// A `;`, a `,` outside closure bars and angles, or a statement end: the current
    /// level's chain and closure run start over.
    fn reset(&mut self, all: bool) {
        let level = *self.top();
        if !all && (level.in_bars || level.angles > 0) {
            return;
        }
        self.chain_total -= level.chain;
        self.nest_total -= level.closures;
        let top = self.top();
        top.chain = 0;
        top.closures = 0;
        if all {
            top.in_bars = false;
            self.drop_angles();
        }
    }

    /// Scans the token at `i` (after the blanks there, if any); returns the index past
    /// it. Skipping blanks and the token in one call saves a round of the loop per
    /// blank run (one token in three follows one).
    fn step(&mut self, i: usize) -> Result<usize, TooDeep> {
        let b = self.b;
        let mut i = i;
        let mut class = CLASS[usize::from(b[i])];
        if class == BLANK {
            // A run of blanks (indentation) at once, then the token after it; blanks
            // keep a prefix run going.
            i += 1;
            while i < b.len() && b[i].is_ascii_whitespace() {
                i += 1;
            }
            let Some(&c) = b.get(i) else { return Ok(i) };
            class = CLASS[usize::from(c)];
        }
        if class == SLASH {
            match b.get(i + 1) {
                // `str::find` with a char runs memchr: comments are skipped, not scanned.
                Some(b'/') => return Ok(self.text[i..].find('\n').map_or(b.len(), |n| i + n)),
                Some(b'*') => return Ok(skip_block_comment(b, i)),
                _ => {}
            }
        }
        self.tokens += 1;
        if self.tokens > self.max_tokens {
            return self.too_deep(i, self.max_tokens, Limit::Tokens).map(|_| i);
        }
        if class != PREFIX {
            self.prefix_run = 0;
        }
        match class {
            WORD => self.word(i),
            PREFIXED if is_raw_or_byte_string(b, i) => self.operand(i, skip_prefixed_string(b, i)),
            PREFIXED => self.word(i),
            QUOTE => self.operand(i, skip_string(b, i + 1)),
            APOSTROPHE => self.operand(i, skip_char_or_lifetime(b, i)),
            _ => self.punct(i),
        }
    }

    fn operand(&mut self, i: usize, end: usize) -> Result<usize, TooDeep> {
        self.count(i)?;
        self.prev = Prev::Operand;
        Ok(end)
    }

    fn word(&mut self, i: usize) -> Result<usize, TooDeep> {
        let b = self.b;
        let n = b[i..]
            .iter()
            .position(|&c| !WORD_BYTE[usize::from(c)])
            .unwrap_or(b.len() - i);
        if self.hits.shapes[usize::from(b[i])] >> n.min(63) & 1 == 1 {
            self.hits.found.push((i, i + n));
        }
        // `InstanceType::A12xlarge`: one link of a chain, not two (komodo matches one
        // value against 863 such paths joined by `|`, 4,315 tokens but 1,726 links).
        if !(i >= 2 && &b[i - 2..i] == b"::") {
            self.count(i)?;
        }
        // After these keywords a `|` opens a closure (`move |x|`, `return |x|`).
        self.prev = match &b[i..i + n] {
            b"move" | b"return" | b"async" | b"break" | b"yield" | b"static" => Prev::Opener,
            _ => Prev::Operand,
        };
        Ok(i + n)
    }

    fn punct(&mut self, i: usize) -> Result<usize, TooDeep> {
        let b = self.b;
        let c = b[i];
        let next = b.get(i + 1).copied();
        let prev = self.prev;
        self.prev = Prev::Opener;
        match c {
            b';' => self.reset(true),
            b',' => self.reset(false),
            b'(' | b'[' | b'{' => {
                self.count(i)?;
                if c == b'{' {
                    self.drop_angles();
                }
                self.outer.push(std::mem::take(&mut self.top));
                self.depth += 1;
                self.check_nesting(i, Limit::Brackets)?;
            }
            b')' | b']' | b'}' => self.close(i),
            b'|' => return self.bar(i, prev),
            b'&' if next == Some(b'&') && prev == Prev::Operand => {
                self.count(i)?;
                self.drop_angles();
                return Ok(i + 2);
            }
            b'!' | b'-' | b'&' | b'*' => {
                self.count(i)?;
                self.prefix_run += 1;
                if self.prefix_run > self.limit {
                    return self.too_deep(i, self.prefix_run, Limit::Prefix).map(|_| i);
                }
            }
            b'<' => return self.open_angle(i),
            b'>' => {
                self.count(i)?;
                let arrow = i > 0 && matches!(b[i - 1], b'-' | b'=');
                if !arrow && next != Some(b'=') && self.top().angles > 0 {
                    self.top().angles -= 1;
                    self.nest_total -= 1;
                }
            }
            b'?' => {
                self.count(i)?;
                self.prev = Prev::Operand;
            }
            // A path's `::` and the segment after it (see `word`) nest nothing: the
            // parser reads a path's segments in a loop.
            b':' => {}
            _ => self.count(i)?,
        }
        Ok(i + 1)
    }

    fn close(&mut self, i: usize) {
        let b = self.b;
        self.depth = self.depth.saturating_sub(1);
        if let Some(around) = self.outer.pop() {
            let level = std::mem::replace(&mut self.top, around);
            self.chain_total -= level.chain;
            self.nest_total -= level.closures + level.angles;
        }
        if b[i] == b'}' && ends_statement(b, i + 1) {
            self.reset(true);
        }
        self.prev = Prev::Operand;
    }

    /// `<`, `<<` (two angles: `A<<B as T>::C>` nests twice), not `<=`/`<<=`.
    fn open_angle(&mut self, i: usize) -> Result<usize, TooDeep> {
        let b = self.b;
        self.count(i)?;
        let mut n = 1;
        if b.get(i + 1) == Some(&b'<') {
            n = 2;
        }
        if b.get(i + n) == Some(&b'=') {
            return Ok(i + n + 1);
        }
        self.top().angles += n;
        self.nest_total += n;
        self.check_nesting(i, Limit::Generics)?;
        Ok(i + n)
    }

    /// A `|`: opens or closes a closure's parameters, or is a binary operator.
    fn bar(&mut self, i: usize, prev: Prev) -> Result<usize, TooDeep> {
        let b = self.b;
        self.count(i)?;
        if self.top().in_bars {
            // The closing bar: one more closure in the run.
            self.top().in_bars = false;
            return self.closure(i).map(|_| i + 1);
        }
        if prev == Prev::Operand {
            if b.get(i + 1) == Some(&b'|') {
                // `a || b`: a comparison before it was no generic argument.
                self.drop_angles();
                return Ok(i + 2);
            }
            return Ok(i + 1);
        }
        if b.get(i + 1) == Some(&b'|') {
            // `|| body`: a closure without parameters.
            return self.closure(i).map(|_| i + 2);
        }
        self.top().in_bars = true;
        Ok(i + 1)
    }

    fn closure(&mut self, i: usize) -> Result<(), TooDeep> {
        self.top().closures += 1;
        self.nest_total += 1;
        self.prev = Prev::Opener;
        self.check_nesting(i, Limit::Closures)
    }
}

mod lex;
pub mod unparsed;

use lex::{
    is_raw_or_byte_string, skip_block_comment, skip_char_or_lifetime, skip_prefixed_string,
    skip_string,
};

#[cfg(test)]
mod tests;
