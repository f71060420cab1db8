//! `kind = "retry-budget"`: every try must fit inside the total timeout.
//!
//! Istio: `attempts` counts retries, so a request makes `attempts + 1` tries of up
//! to `perTryTimeout` each; when that exceeds the route `timeout`, the later tries
//! never happen. A `perTryTimeout` without a route timeout is istio/istio#55748.
//!
//! With `single-try`, a subject that makes one try (no retries) is judged too: its
//! per-try timeout must not exceed the total (Gateway API's `backendRequest` longer
//! than `request`, which the API server rejects).

use serde::Deserialize;

use super::{key_value_span, Problem};
use crate::rules::duration::{format_seconds, parse_seconds};
use crate::rules::path::Path;
use crate::tree::Node;

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields, rename_all = "kebab-case")]
pub struct RetryBudget {
    /// Number of retries (not counting the first try).
    pub attempts: Path,
    /// Timeout of each try; subjects without it are not judged.
    pub per_try_timeout: Path,
    /// Total timeout of the request, all tries included.
    pub timeout: Path,
    /// Retries when `attempts` is absent.
    pub default_attempts: i64,
    /// Message when the tries cannot fit; `{tries}`, `{per_try}`, `{needed}`, `{timeout}` are replaced.
    pub message: Option<String>,
    /// Message when a per-try timeout is set without a total timeout.
    pub message_no_timeout: Option<String>,
    /// Optional: also judge subjects with no retries (one try), whose per-try timeout
    /// must then not exceed the total timeout (default `false`: covered).
    #[serde(default)]
    pub single_try: bool,
}

impl RetryBudget {
    pub fn judge(&self, node: &Node) -> Option<Vec<Problem>> {
        let per_try_hit = self.per_try_timeout.first(node)?;
        let per_try = parse_seconds(per_try_hit.node.as_str()?, 1.0)?;
        let attempts = match self.attempts.first(node) {
            Some(hit) => hit.node.as_i64()?,
            None => self.default_attempts,
        };
        if (attempts <= 0 && !self.single_try) || per_try == 0.0 {
            return Some(Vec::new());
        }
        let attempts = attempts.max(0);
        let span = Some(key_value_span(per_try_hit.key, per_try_hit.node));
        let total = self
            .timeout
            .first(node)
            .and_then(|h| parse_seconds(h.node.as_str()?, 1.0))
            .filter(|t| *t > 0.0);
        // Numbers come from files: `attempts: 9223372036854775807` must not wrap.
        let tries = attempts.saturating_add(1);
        let needed = per_try * tries as f64;
        let message = match total {
            None => self.message_no_timeout.clone().unwrap_or_else(|| {
                format!(
                    "`{}` is set but `{}` is not",
                    self.per_try_timeout, self.timeout
                )
            }),
            Some(total) if needed > total + 1e-9 => self.message.clone().unwrap_or_else(|| {
                "{tries} tries × {per_try} = {needed} exceed the timeout of {timeout}".into()
            }),
            Some(_) => return Some(Vec::new()),
        };
        let message = message
            .replace("{tries}", &tries.to_string())
            .replace("{per_try}", &format_seconds(per_try))
            .replace("{needed}", &format_seconds(needed))
            .replace("{timeout}", &total.map(format_seconds).unwrap_or_default());
        Some(vec![Problem {
            span,
            message,
            target: None,
        }])
    }
}
