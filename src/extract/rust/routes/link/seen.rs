//! The bodies a route's repeat walk has seen, and the walks kept for later routes.
//!
//! Each route's walk ([`Package::body_repeat`]) judges a body once: the verdict is an
//! "or" over the bodies reached, so a body met again adds nothing. A walk's answer
//! therefore depends on what the route saw before it (a sibling branch that reached a
//! helper first leaves it out below), and a memo of the answer alone would not be
//! exact. What is kept is: a walk from a body, at a depth, that met no body seen
//! before it began gives the same answer, and sees the same bodies in the same order,
//! whatever was seen before it, as long as none of those bodies was (each check of
//! "seen already" comes out the same, step by step). A later walk reaching that body
//! at that depth, having seen none of them, takes the answer and marks them seen;
//! otherwise it walks. Below the depths where every call is followed, a walk
//! follows write calls only, the same way at any depth as long as it reaches no body
//! at depth 0 (whose calls are not followed): such a walk is kept for every depth
//! that keeps it above 0. Routes share helpers (vaultwarden's model methods), and the
//! walks below them were most of the link step.

use super::repeat::{Repeat, REPEAT_DEPTH};
use super::*;

/// The most bodies a kept walk may have seen: a bound on the memo's memory whatever
/// the workspace (longer walks are walked again).
const MAX_KEPT: usize = 256;

/// A kept walk: its answer, the bodies it saw (in order), and how many levels below
/// its start it walked.
pub(super) type Kept = (Repeat, Box<[usize]>, u8);

/// The depth in a memo key of every depth where a walk follows write calls only.
const SHALLOW: u8 = u8::MAX;

/// A walk at `depth` follows write calls only ([`REPEAT_DEPTH`], [`WRITE_DEPTH`]).
fn shallow(depth: u8) -> bool {
    REPEAT_DEPTH.saturating_sub(depth) >= WRITE_DEPTH
}

/// The memo key of a walk from body `at` of package `pkg` at `depth`.
fn key(at: usize, pkg: usize, depth: u8) -> (usize, usize, u8) {
    (at, pkg, if shallow(depth) { SHALLOW } else { depth })
}

/// What a walk met besides its answer.
#[derive(Debug, Clone, Copy)]
pub(super) struct Met {
    /// The earliest rank of a body seen before the walk began that it met again
    /// (`u32::MAX`: none).
    pub(super) seen_before: u32,
    /// The least depth of a body it walked (`u8::MAX`: none).
    pub(super) low: u8,
}

impl Met {
    /// A walk from a body at `depth`, before it goes further.
    pub(super) fn at(depth: u8) -> Met {
        Met {
            seen_before: u32::MAX,
            low: depth,
        }
    }

    /// A body met again, seen at `rank`.
    pub(super) fn seen(rank: u32) -> Met {
        Met {
            seen_before: rank,
            low: u8::MAX,
        }
    }

    /// Adds what a walk below met.
    pub(super) fn join(&mut self, below: Met) {
        self.seen_before = self.seen_before.min(below.seen_before);
        self.low = self.low.min(below.low);
    }
}

/// The bodies seen by one route's walk (by evidence address), each with its rank:
/// the order in which they were first seen.
#[derive(Default)]
pub(super) struct Seen {
    rank: HashMap<usize, u32>,
    order: Vec<usize>,
}

impl Seen {
    /// When body `b` was first seen, if it was.
    pub(super) fn rank(&self, b: usize) -> Option<u32> {
        self.rank.get(&b).copied()
    }

    /// Marks body `b` seen (it was not) and returns its rank.
    pub(super) fn insert(&mut self, b: usize) -> u32 {
        let r = u32::try_from(self.order.len()).unwrap_or(u32::MAX);
        self.rank.insert(b, r);
        self.order.push(b);
        r
    }

    /// The bodies seen from rank `from` on, in order.
    pub(super) fn since(&self, from: u32) -> &[usize] {
        self.order.get(from as usize..).unwrap_or_default()
    }
}

impl Package<'_> {
    /// The walk kept for body `at` of package `pkg` at `depth`, when it holds there
    /// and `seen` holds none of the bodies it saw, which are then marked seen.
    pub(super) fn repeat_kept(
        &self,
        at: usize,
        pkg: usize,
        depth: u8,
        seen: &mut Seen,
    ) -> Option<(Repeat, Met)> {
        let memo = self.repeat_memo.borrow();
        let (r, bodies, below) = memo.get(&key(at, pkg, depth))?;
        // Kept at another depth: it holds where it stays above depth 0 too.
        let low = depth
            .checked_sub(*below)
            .filter(|low| *low >= 1 || !shallow(depth))?;
        if bodies.iter().any(|b| seen.rank(*b).is_some()) {
            return None;
        }
        for b in bodies.iter() {
            seen.insert(*b);
        }
        Some((
            r.clone(),
            Met {
                seen_before: u32::MAX,
                low,
            },
        ))
    }

    /// Keeps the answer `r` of a walk from `(body, package, depth)` that met no body
    /// seen before it, walked down to depth `low` and saw `bodies`.
    pub(super) fn keep_repeat(
        &self,
        (at, pkg, depth): (usize, usize, u8),
        r: &Repeat,
        low: u8,
        bodies: &[usize],
    ) {
        if bodies.len() <= MAX_KEPT && (low >= 1 || !shallow(depth)) {
            let below = depth.saturating_sub(low);
            self.repeat_memo
                .borrow_mut()
                .insert(key(at, pkg, depth), (r.clone(), bodies.into(), below));
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn ranks_follow_the_order_bodies_are_seen_in() {
        let mut seen = Seen::default();
        assert_eq!(seen.insert(7), 0);
        assert_eq!(seen.insert(3), 1);
        assert_eq!(seen.rank(3), Some(1));
        assert_eq!(seen.rank(9), None);
        assert_eq!(seen.since(1), &[3]);
        assert!(seen.since(5).is_empty());
    }

    #[test]
    fn a_walk_met_the_earliest_body_seen_before_and_the_least_depth() {
        let mut met = Met::at(20);
        met.join(Met::seen(4));
        met.join(Met::at(17));
        met.join(Met::seen(9));
        assert_eq!((met.seen_before, met.low), (4, 17));
        assert!(shallow(22) && !shallow(23) && !shallow(REPEAT_DEPTH));
    }
}
