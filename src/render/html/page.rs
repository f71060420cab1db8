//! The page as it is written: the renderer appends to a small buffer that is
//! handed to the writer whenever it passes [`SPILL_AT`], so the page (which grows
//! with the findings and their snippets) is never held whole. The first I/O error
//! is kept and returned by [`Page::finish`]; later text is dropped.

use std::fmt;
use std::io;

/// Buffered bytes that are handed on at once.
const SPILL_AT: usize = 8 << 10;

pub struct Page<'a> {
    buf: String,
    out: &'a mut dyn io::Write,
    error: Option<io::Error>,
}

impl<'a> Page<'a> {
    pub fn new(out: &'a mut dyn io::Write) -> Self {
        Page {
            buf: String::with_capacity(2 * SPILL_AT),
            out,
            error: None,
        }
    }

    pub fn push_str(&mut self, s: &str) {
        self.buf.push_str(s);
        if self.buf.len() >= SPILL_AT {
            self.spill();
        }
    }

    pub fn push(&mut self, c: char) {
        self.buf.push(c);
    }

    fn spill(&mut self) {
        if self.error.is_none() {
            if let Err(e) = self.out.write_all(self.buf.as_bytes()) {
                self.error = Some(e);
            }
        }
        self.buf.clear();
    }

    /// Hands on what is left; the first error met on the way, if any.
    pub fn finish(mut self) -> io::Result<()> {
        self.spill();
        match self.error.take() {
            Some(e) => Err(e),
            None => Ok(()),
        }
    }
}

impl fmt::Write for Page<'_> {
    fn write_str(&mut self, s: &str) -> fmt::Result {
        self.push_str(s);
        Ok(())
    }
}
