//! The end-to-end view of coverage: per category, the share of integration paths
//! (code calls and gateway routes, with the routes they take) covered on at least
//! one layer, beside the per-layer figures the rules count.
//!
//! - `timeout`: some layer bounds the call (its own, or every route it may take);
//! - `circuit-breaker`: likewise for a breaker or outlier detection;
//! - `retry-backoff`: paths where some layer retries; covered when every retrying
//!   layer waits a growing or exponential delay and none retries without bound;
//! - `idempotency`: POST and PATCH paths; covered when the call sends an idempotency
//!   key or no later layer replays it ([`super::path::mutation_retried`]), nor the
//!   gateway a gateway path starts at.

use std::collections::BTreeMap;

use super::path::{self, Cover};
use super::{Graph, LayerKind};
use crate::report::{Category, CoverageLine};

/// Covered and total paths per category; empty when the graph has no paths.
pub fn end_to_end(graph: &Graph) -> BTreeMap<Category, CoverageLine> {
    let paths: Vec<_> = graph
        .edges
        .iter()
        .filter(|e| matches!(e.origin, LayerKind::Code | LayerKind::Gateway))
        .collect();
    if paths.is_empty() {
        return BTreeMap::new();
    }
    let mut counts: BTreeMap<Category, (usize, usize)> =
        Category::ALL.iter().map(|c| (*c, (0, 0))).collect();
    let mut count = |c: Category, covered: bool| {
        let e = counts.entry(c).or_default();
        e.0 += usize::from(covered);
        e.1 += 1;
    };
    for e in paths {
        let timed = !matches!(path::cover(e, |l| l.timeout.as_ref()), Cover::None { .. });
        count(Category::Timeout, timed);
        let guarded = !matches!(path::cover(e, |l| l.breaker.as_ref()), Cover::None { .. });
        count(Category::CircuitBreaker, guarded);
        let retrying: Vec<_> = e
            .layers
            .iter()
            .filter_map(|l| l.retries.as_ref())
            .filter(|r| r.unbounded || r.tries.is_some_and(|t| t > 1))
            .collect();
        if !retrying.is_empty() {
            let backs_off = retrying.iter().all(|r| {
                !r.unbounded
                    && r.backoff.as_deref().is_some_and(|b| {
                        b == "growing" || b == "exponential" || b.starts_with("exponential")
                    })
            });
            count(Category::RetryBackoff, backs_off);
        }
        if matches!(e.method.as_deref(), Some("POST" | "PATCH")) {
            // A gateway's own retries replay the mutation too (a code call's own
            // retry loop is judged by the code rules).
            let gateway_replays =
                e.origin == LayerKind::Gateway && path::replays(&e.layers[0]).is_some();
            let keyed = e.layers.iter().any(|l| l.idempotency.is_some());
            let replayed = path::mutation_retried(e).is_some() || (gateway_replays && !keyed);
            count(Category::Idempotency, !replayed);
        }
    }
    counts
        .into_iter()
        .map(|(c, (ok, total))| (c, CoverageLine::new(ok, total)))
        .collect()
}
