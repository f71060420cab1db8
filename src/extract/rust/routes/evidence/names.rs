//! The name lists of [`super::Evidence`] and the buffer they are collected in.

use std::fmt::Write as _;

/// Marks a function call [`super::Evidence::fn_calls`] lists for the call graph only:
/// a helper sending a read request (`api_request(Method::GET, ..)`), which the routes
/// link does not follow for writes, but which runs for the body all the same.
pub(crate) const READ_HELPER: char = '~';

/// The function a [`super::Evidence::fn_calls`] entry calls, its [`READ_HELPER`]
/// mark dropped.
pub(crate) fn called_name(entry: &str) -> &str {
    entry.strip_prefix(READ_HELPER).unwrap_or(entry)
}

/// Identifiers as one text, each followed by `\n` (identifiers hold no newline), in
/// the order they were met and repeated as often: one allocation per list instead of
/// one per name, none when empty, and no sorting for the many functions nobody asks.
/// Readers are order-free: `any`, or [`Names::least`] where one name is picked.
#[derive(Debug, Clone, Default, PartialEq, serde::Serialize, serde::Deserialize)]
pub(crate) struct Names(Box<str>);

impl Names {
    /// The names in the order met, repeats included.
    pub fn iter(&self) -> impl Iterator<Item = &str> + Clone {
        Lines(&self.0)
    }

    /// The least name (in `str` order) that satisfies `pred`: the first match of the
    /// sorted, deduplicated list.
    pub fn least(&self, mut pred: impl FnMut(&str) -> bool) -> Option<&str> {
        self.iter().filter(|n| pred(n)).min()
    }

    /// The names sorted and deduplicated, for a list whose order is kept.
    pub fn sorted(&self) -> Vec<&str> {
        let mut names: Vec<&str> = self.iter().collect();
        names.sort_unstable();
        names.dedup();
        names
    }

    /// Both lists in one.
    pub(crate) fn union(&self, other: &Names) -> Names {
        Names([&*self.0, &*other.0].concat().into_boxed_str())
    }
}

/// The names of a [`Names`] text, as `split_terminator('\n')` gives them. A byte
/// loop: names are a few bytes long, and the link step reads a body's names once per
/// call it resolves, where the character searcher's set-up per name cost more than
/// the search.
#[derive(Clone)]
struct Lines<'a>(&'a str);

impl<'a> Iterator for Lines<'a> {
    type Item = &'a str;

    fn next(&mut self) -> Option<&'a str> {
        if self.0.is_empty() {
            return None;
        }
        let end = self
            .0
            .bytes()
            .position(|b| b == b'\n')
            .unwrap_or(self.0.len());
        let name = &self.0[..end];
        self.0 = self.0.get(end + 1..).unwrap_or_default();
        Some(name)
    }
}

/// Identifiers written into one reusable text while a body is walked, so collecting
/// a name allocates nothing; [`NameBuf::take`] copies them into [`Names`].
#[derive(Debug, Default)]
pub(crate) struct NameBuf {
    /// The names, each followed by `\n`.
    pub(super) text: String,
    /// Where the name pushed last starts.
    last: usize,
    /// The argument count of each name's call, in step with `text` ([`ARGS_UNKNOWN`]
    /// where none is known: a macro's text, a type's name). Read for the calls only.
    args: Vec<u8>,
}

/// An argument count not known (a call in a macro's text): it may run any function
/// of its name. Counts from 254 up are kept as 254.
pub(crate) const ARGS_UNKNOWN: u8 = u8::MAX;

impl NameBuf {
    /// Appends an identifier (as `Display` prints it, like `to_string`) and returns its text.
    pub(super) fn push_ident(&mut self, id: &proc_macro2::Ident) -> &str {
        self.push_ident_args(id, ARGS_UNKNOWN)
    }

    /// [`NameBuf::push_ident`] of a call given `args` arguments.
    pub(super) fn push_ident_args(&mut self, id: &proc_macro2::Ident, args: u8) -> &str {
        self.args.push(args);
        self.last = self.text.len();
        let _ = write!(self.text, "{id}");
        let end = self.text.len();
        self.text.push('\n');
        &self.text[self.last..end]
    }

    /// Appends a name.
    pub(super) fn push_str(&mut self, name: &str) {
        self.args.push(ARGS_UNKNOWN);
        self.last = self.text.len();
        self.text.push_str(name);
        self.text.push('\n');
    }

    /// Forgets the name pushed last.
    pub(super) fn pop(&mut self) {
        if self.text.len() > self.last {
            self.args.pop();
        }
        self.text.truncate(self.last);
    }

    /// Forgets every name pushed after the buffer was `mark` bytes long.
    pub(super) fn truncate(&mut self, mark: usize) {
        let gone = self.text.get(mark..).map_or(0, |t| t.matches('\n').count());
        self.args.truncate(self.args.len().saturating_sub(gone));
        self.text.truncate(mark);
        self.last = self.last.min(mark);
    }

    /// The names collected so far that satisfy `keep`; the buffer is left empty.
    pub(super) fn take_where(&mut self, keep: impl Fn(&str) -> bool) -> Names {
        let mut kept = String::new();
        for n in self.text.split_terminator('\n').filter(|n| keep(n)) {
            kept.push_str(n);
            kept.push('\n');
        }
        self.text.clear();
        self.args.clear();
        self.last = 0;
        Names(kept.into_boxed_str())
    }

    /// The names collected so far; the buffer is left empty (its capacity is kept for
    /// the next body).
    pub(super) fn take(&mut self) -> Names {
        let out = Names(Box::from(self.text.as_str()));
        self.text.clear();
        self.args.clear();
        self.last = 0;
        out
    }

    /// The names collected so far with their calls' argument counts (empty when none
    /// is known, as for most bodies' few calls in macros only); the buffer is left empty.
    pub(super) fn take_with_args(&mut self) -> (Names, Box<[u8]>) {
        let args = if self.args.iter().all(|&a| a == ARGS_UNKNOWN) {
            Box::default()
        } else {
            Box::from(self.args.as_slice())
        };
        (self.take(), args)
    }
}

/// A SCREAMING_CASE identifier (a constant's name): more than one char, an uppercase
/// letter, and only uppercase letters, digits and `_`.
pub(super) fn is_screaming(s: &str) -> bool {
    s.len() > 1
        && s.bytes().any(|b| b.is_ascii_uppercase())
        && s.bytes()
            .all(|b| b.is_ascii_uppercase() || b.is_ascii_digit() || b == b'_')
}

/// Every path segment of a type, generics included.
pub(super) fn collect_type_names(ty: &syn::Type, out: &mut NameBuf) {
    struct Types<'a>(&'a mut NameBuf);
    impl<'ast> syn::visit::Visit<'ast> for Types<'_> {
        fn visit_path_segment(&mut self, seg: &'ast syn::PathSegment) {
            self.0.push_ident(&seg.ident);
            syn::visit::visit_path_segment(self, seg);
        }
    }
    syn::visit::Visit::visit_type(&mut Types(out), ty);
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn lines_split_as_split_terminator_does() {
        for text in [
            "",
            "\n",
            "a",
            "a\n",
            "a\nb",
            "a\n\nbc\n",
            "\n\nx\n",
            "é\nß\n",
        ] {
            let got: Vec<&str> = Lines(text).collect();
            let want: Vec<&str> = text.split_terminator('\n').collect();
            assert_eq!(got, want, "{text:?}");
        }
    }
}
