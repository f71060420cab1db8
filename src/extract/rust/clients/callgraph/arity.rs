//! Narrowing callers by name by the argument counts of their calls: Rust has no
//! optional parameters, so a call passing another number of arguments than a function
//! takes runs another function of that name.

use rustc_hash::{FxHashMap as HashMap, FxHashSet as HashSet};

use super::ArityKey;
use crate::extract::rust::routes::{FnInfo, ARGS_UNKNOWN};

/// The bodies calling a name, each once, in body order, with the argument counts of
/// its calls in each (bit `n` for `n` arguments, bit 31 for 31 or more, every bit
/// when one is not known: a call in a macro's text).
#[derive(Default)]
pub(super) struct Callers {
    pub(super) bodies: Vec<usize>,
    masks: Vec<u32>,
}

impl Callers {
    /// Lists body `b` (the last listed or a later one) with the argument counts `mask`.
    pub(super) fn note(&mut self, b: usize, mask: u32) {
        match self.masks.last_mut() {
            Some(m) if self.bodies.last() == Some(&b) => *m |= mask,
            _ => {
                self.bodies.push(b);
                self.masks.push(mask);
            }
        }
    }

    /// The argument counts of body `b`'s calls, when it is the last listed.
    pub(super) fn mask_of_last(&self, b: usize) -> Option<u32> {
        (self.bodies.last() == Some(&b)).then(|| self.masks.last().copied())?
    }

    /// The argument counts of body `c`'s calls of the name, when it is a caller.
    pub(super) fn mask_of(&self, c: usize) -> Option<u32> {
        let k = self.bodies.binary_search(&c).ok()?;
        self.masks.get(k).copied()
    }
}

/// Lists body `b` as a caller of `n` in `map`, with the argument counts `mask`.
pub(super) fn note<'a>(map: &mut HashMap<&'a str, Callers>, n: &'a str, b: usize, mask: u32) {
    map.entry(n).or_default().note(b, mask);
}

/// Whether calls passing the argument counts `mask` ([`Callers`]) may run `callee`:
/// Rust has no optional parameters, so `response.request()` runs no
/// `Client::request(&self, req)`. A method also takes its `self` spelled out
/// (`Client::request(&c, req)`, [`FnInfo::takes`]).
pub(super) fn admits(mask: u32, callee: &FnInfo) -> bool {
    // Bit 31 stands for every count from 31 up.
    let wide = u64::from(mask & 0x7fff_ffff) | if mask >> 31 != 0 { !0u64 << 31 } else { 0 };
    if callee.method {
        callee.takes(wide)
    } else {
        callee.takes_exactly(wide)
    }
}

/// [`CallGraph::by_arity`]: per name, kind and parameter count of the run's functions
/// whose parameters are known, the callers by name that may run them, where that
/// leaves some out. Made once per key, not once per function (a workspace has
/// hundreds of `new`s with the same callers).
pub(super) fn by_arity<'a>(
    bodies: &[(usize, &'a FnInfo)],
    by_method_name: &HashMap<&'a str, Callers>,
    by_fn_name: &HashMap<&'a str, Callers>,
) -> HashMap<ArityKey<'a>, Vec<usize>> {
    let mut seen: HashSet<ArityKey> = HashSet::default();
    let mut out = HashMap::default();
    for (_, info) in bodies {
        let key = (info.name.as_str(), info.method, info.params);
        if info.params == ARGS_UNKNOWN || !seen.insert(key) {
            continue;
        }
        let map = if info.method {
            by_method_name
        } else {
            by_fn_name
        };
        let Some(callers) = map.get(key.0) else {
            continue;
        };
        if !callers.masks.iter().all(|&m| admits(m, info)) {
            let kept = (callers.bodies.iter().zip(&callers.masks))
                .filter(|(_, &m)| admits(m, info))
                .map(|(&c, _)| c);
            out.insert(key, kept.collect());
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::admits;
    use crate::extract::rust::routes::{Evidence, FnInfo};

    fn function(method: bool, params: u8) -> FnInfo {
        FnInfo::new(
            "request".into(),
            Evidence::default(),
            None,
            method,
            params,
            None,
        )
    }

    #[test]
    fn a_call_runs_functions_taking_as_many_arguments() {
        let (none, one, two) = (1u32, 1u32 << 1, 1u32 << 2);
        // `x.request(req)` or `Client::request(&c, req)` runs `request(&self, req)`;
        // `response.request()` does not.
        assert!(admits(one, &function(true, 1)) && admits(two, &function(true, 1)));
        assert!(!admits(none, &function(true, 1)));
        // A free function takes no `self`: exactly as many.
        assert!(admits(one, &function(false, 1)) && !admits(two, &function(false, 1)));
        // A call in a macro's text may run any.
        assert!(admits(u32::MAX, &function(false, 3)));
        // Bit 31 stands for every count from 31 up.
        assert!(admits(1 << 31, &function(false, 40)) && !admits(1 << 31, &function(false, 30)));
    }
}
