//! Writes a repeat does not apply twice.
//!
//! A handler whose only writes, in its body and two calls down, are inserts the
//! database dedups on a key (`on conflict do nothing`, an ORM `.on_conflict(..)`) or
//! updates setting columns to given values (`update users set password = $1`) is
//! safe to retry without a key: the second run leaves the rows as the first left
//! them. One write a repeat may apply twice (another insert, a delete, a relative
//! update, an outbound POST, a publish) or one write call whose body is not in the
//! scanned code, and the handler is judged as before.

use super::*;
use crate::extract::rust::routes::evidence::repeat::{
    ORM_SET, ORM_UPSERT, SQL_PLAIN, SQL_SET, SQL_UPSERT,
};

/// What the writes of a body and of what it calls do on a repeat.
#[derive(Debug, Clone, Default)]
pub(super) struct Repeat {
    /// A write a repeat may apply twice, or one that cannot be seen.
    plain: bool,
    /// How the first write that repeats safely does so (`upsert on conflict (in add_records)`).
    safe: Option<String>,
}

impl Repeat {
    /// Adds what a callee named `c` does.
    fn add(&mut self, sub: Repeat, c: &str) {
        self.plain |= sub.plain;
        if self.safe.is_none() {
            self.safe = sub.safe.map(|how| match how.find(" (in ") {
                Some(_) => how,
                None => format!("{how} (in {c})"),
            });
        }
    }
}

impl Package<'_> {
    /// How the writes of a handler make a repeat safe, when all of them do (the
    /// handler writes, see [`Package::handler_writes`]); `None` otherwise.
    pub(super) fn repeat_safe(&self, handler: Option<&Handler>, file: usize) -> Option<String> {
        let pkg = self.pkg_of[file];
        let r = match handler? {
            Handler::Inline(ev) => self.body_repeat(ev, pkg, WRITE_DEPTH),
            Handler::Named(h) => {
                let mut r = Repeat::default();
                for ev in self.candidates(h, file) {
                    let sub = self.body_repeat(ev, pkg, WRITE_DEPTH);
                    r.plain |= sub.plain;
                    r.safe = r.safe.or(sub.safe);
                }
                r
            }
        };
        if r.plain {
            return None;
        }
        // An upsert keyed on an id the server just made dedups nothing: a repeat makes
        // a new record (`Cipher::new(..)` then `save()`).
        let creates = match handler? {
            Handler::Inline(ev) => self.creates(ev, pkg, WRITE_DEPTH),
            Handler::Named(h) => self
                .candidates(h, file)
                .into_iter()
                .find_map(|ev| self.creates(ev, pkg, WRITE_DEPTH)),
        };
        if creates.is_some() {
            return None;
        }
        r.safe
    }

    /// How `ev` (a body in package `pkg`), or a function it calls `depth` levels down,
    /// makes a new identity: it calls an identity generator (`Uuid::new_v4()`) or a
    /// constructor whose body does (`Cipher::new(..)`).
    pub(super) fn creates(&self, ev: &Evidence, pkg: usize, depth: u8) -> Option<String> {
        if let Some(id) = &ev.new_id {
            return Some(format!("new id {id}"));
        }
        if let Some(f) = ev.type_calls.least(|t| self.new_id_fns.contains_key(t)) {
            return Some(format!("new id {} (in {f})", self.new_id_fns[f]));
        }
        if depth == 0 {
            return None;
        }
        let key = (std::ptr::from_ref(ev) as usize, depth);
        if let Some(c) = self.creates_memo.borrow().get(&key) {
            return c.clone();
        }
        self.creates_memo.borrow_mut().insert(key, None);
        let c = ev.calls.sorted().into_iter().find_map(|c| {
            if self.not_followed.iter().any(|n| n == c) {
                return None;
            }
            self.visible(&self.fns, c, pkg)
                .into_iter()
                .filter(|(_, cev)| !std::ptr::eq(*cev, ev))
                .find_map(|(f, cev)| self.creates(cev, self.pkg_of[f], depth - 1))
                .map(|how| match how.find(" (in ") {
                    Some(_) => how,
                    None => format!("{how} (in {c})"),
                })
        });
        self.creates_memo.borrow_mut().insert(key, c.clone());
        c
    }

    /// What the writes of `ev` (a body in package `pkg`) and of the functions it
    /// calls, `depth` levels down, do on a repeat. A write call that reaches no body
    /// (out of depth, or not in the scanned code) may apply twice; same-named
    /// functions all count, the body itself aside.
    fn body_repeat(&self, ev: &Evidence, pkg: usize, depth: u8) -> Repeat {
        let key = (std::ptr::from_ref(ev) as usize, depth);
        if let Some(r) = self.repeat_memo.borrow().get(&key) {
            return r.clone();
        }
        // Cycles end at the memo: a body being judged counts as not writing meanwhile.
        self.repeat_memo.borrow_mut().insert(key, Repeat::default());
        let mut r = Repeat {
            plain: ev.repeat & SQL_PLAIN != 0,
            safe: if ev.repeat & (SQL_UPSERT | ORM_UPSERT) != 0 {
                Some("upsert on conflict".to_string())
            } else if ev.repeat & (SQL_SET | ORM_SET) != 0 {
                Some("sets a value".to_string())
            } else {
                None
            },
        };
        let callees = |c: &str| -> Vec<(usize, &Evidence)> {
            if depth == 0 {
                return Vec::new();
            }
            self.visible(&self.fns, c, pkg)
                .into_iter()
                .filter(|(_, cev)| !std::ptr::eq(*cev, ev))
                .collect()
        };
        let writes = ev.write_calls.sorted();
        for c in &writes {
            if r.plain {
                break;
            }
            let mut sub = Repeat::default();
            for (f, cev) in callees(c) {
                sub.add(self.body_repeat(cev, self.pkg_of[f], depth - 1), c);
            }
            // A write call whose bodies show no write at all: the name says it writes.
            sub.plain |= sub.safe.is_none();
            r.add(sub, c);
        }
        for c in ev.calls.sorted() {
            if r.plain {
                break;
            }
            if writes.contains(&c) || self.not_followed.iter().any(|n| n == c) {
                continue;
            }
            for (f, cev) in callees(c) {
                r.add(self.body_repeat(cev, self.pkg_of[f], depth - 1), c);
            }
        }
        self.repeat_memo.borrow_mut().insert(key, r.clone());
        r
    }
}
