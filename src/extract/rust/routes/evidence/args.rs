//! The argument counts of a body's calls: Rust has no optional parameters, so a call
//! the link step matches by its name only runs the functions taking as many.

use super::{Evidence, ARGS_UNKNOWN};

impl Evidence {
    /// [`Evidence::call_args`] of `self`'s calls followed by `other`'s: each side
    /// filled with [`ARGS_UNKNOWN`] when it knows none.
    pub(super) fn merged_args(&self, other: &Evidence) -> Box<[u8]> {
        if self.call_args.is_empty() && other.call_args.is_empty() {
            return Box::default();
        }
        fn side(e: &Evidence, out: &mut Vec<u8>) {
            let n = e.calls.iter().count();
            if e.call_args.len() == n {
                out.extend_from_slice(&e.call_args);
            } else {
                out.resize(out.len() + n, ARGS_UNKNOWN);
            }
        }
        let mut out = Vec::new();
        side(self, &mut out);
        side(other, &mut out);
        out.into_boxed_slice()
    }

    /// The argument counts the calls named `c` are made with, as bits (bit `n` for
    /// `n` arguments, bit 63 for 63 and more); `None` when one of them is not known
    /// (a call in a macro's text) or none is recorded.
    pub(crate) fn arg_counts(&self, c: &str) -> Option<u64> {
        if self.call_args.is_empty() {
            return None;
        }
        let mut bits = 0u64;
        let mut n = 0;
        for name in self.calls.iter() {
            // Out of step (not made by the collector): nothing known.
            let a = *self.call_args.get(n)?;
            n += 1;
            if name == c {
                if a == ARGS_UNKNOWN {
                    return None;
                }
                bits |= 1 << a.min(63);
            }
        }
        (n == self.call_args.len() && bits != 0).then_some(bits)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn body(calls: &str, args: &[u8]) -> Evidence {
        Evidence {
            calls: serde_json::from_value(serde_json::json!(calls)).unwrap(),
            call_args: args.into(),
            ..Evidence::default()
        }
    }

    #[test]
    fn every_count_a_name_is_called_with_is_kept() {
        let ev = body("write\nsend\nwrite\n", &[0, 1, 3]);
        assert_eq!(ev.arg_counts("write"), Some(0b1001));
        assert_eq!(ev.arg_counts("send"), Some(0b10));
        assert_eq!(ev.arg_counts("other"), None, "not called: nothing known");
    }

    #[test]
    fn a_call_in_a_macro_text_leaves_its_name_unknown() {
        let ev = body("write\nwrite\n", &[0, ARGS_UNKNOWN]);
        assert_eq!(ev.arg_counts("write"), None);
        assert_eq!(body("write\n", &[]).arg_counts("write"), None);
        assert_eq!(
            body("write\nsend\n", &[1]).arg_counts("send"),
            None,
            "out of step"
        );
    }

    #[test]
    fn merged_bodies_keep_their_counts_in_step() {
        let mut ev = body("write\n", &[2]);
        ev.merge(body("send\nwrite\n", &[]));
        assert_eq!(&*ev.call_args, &[2, ARGS_UNKNOWN, ARGS_UNKNOWN]);
        assert_eq!(ev.arg_counts("write"), None);
        let mut ev = body("write\n", &[2]);
        ev.merge(body("send\n", &[1]));
        assert_eq!(ev.arg_counts("send"), Some(0b10));
    }
}
