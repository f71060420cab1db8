//! `kind = "mutation-retry"`: a route that carries a non-idempotent method (POST,
//! PATCH) must not be retried on conditions that occur after the request was sent
//! (`5xx`, `gateway-error`, `reset`, status codes), unless it only matches requests
//! carrying an idempotency key header.

use serde::Deserialize;

use super::{key_value_span, Problem};
use crate::istio;
use crate::rules::path::Path;
use crate::tree::Node;

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields, rename_all = "kebab-case")]
pub struct MutationRetry {
    /// Match blocks of the route, e.g. `match[*]`.
    pub matches: Path,
    /// Method match inside a block: an Istio `StringMatch` (`exact`, `prefix`,
    /// `regex`) or a plain string. A route whose blocks have none is not a subject.
    pub method: Path,
    /// Methods that are not idempotent, e.g. `["POST", "PATCH"]`.
    pub mutating: Vec<String>,
    /// Retry conditions: a comma-separated string or a list.
    pub retry_on: Path,
    /// Retry count; `0` disables retries.
    pub attempts: Path,
    /// Retry count assumed when `attempts` is absent but `retry-on` is set (Istio: 0,
    /// a `retries` block without `attempts` installs no retry policy); unset: retries happen.
    pub default_attempts: Option<i64>,
    /// Conditions that can replay a request the upstream already received.
    pub unsafe_on: Vec<String>,
    /// Whether a bare status code (`503`) or range (`500-504`) in the conditions is unsafe too.
    #[serde(default)]
    pub numeric_codes_unsafe: bool,
    /// Header matches inside a block; a block matching an idempotency key header is guarded.
    pub guard_headers: Option<Path>,
    /// Header names that carry an idempotency key (compared case-insensitively).
    #[serde(default)]
    pub guard_names: Vec<String>,
    /// Finding message; `{methods}` and `{conditions}` are replaced.
    pub message: Option<String>,
}

impl MutationRetry {
    pub fn judge(&self, node: &Node) -> Option<Vec<Problem>> {
        let blocks: Vec<_> = self.matches.select(node);
        let mutating_blocks: Vec<_> = blocks
            .iter()
            .filter(|b| !self.mutating_methods(b.node).is_empty())
            .collect();
        let mut methods: Vec<&str> = Vec::new();
        for m in mutating_blocks
            .iter()
            .flat_map(|b| self.mutating_methods(b.node))
        {
            if !methods.contains(&m) {
                methods.push(m);
            }
        }
        if methods.is_empty() {
            return None;
        }
        let covered = Some(Vec::new());
        let attempts = match self.attempts.first(node) {
            Some(hit) => hit.node.as_i64(),
            None => self.default_attempts,
        };
        if attempts.is_some_and(|a| a <= 0) {
            return covered;
        }
        let Some(retry_on) = self.retry_on.first(node) else {
            return covered;
        };
        let written: Vec<&str> = match retry_on.node.as_seq() {
            Some(items) => items.iter().filter_map(Node::as_str).collect(),
            None => retry_on.node.as_str().unwrap_or("").split(',').collect(),
        };
        let conditions: Vec<&str> = written
            .into_iter()
            .map(str::trim)
            .filter(|c| {
                self.unsafe_on.iter().any(|u| u == c)
                    || (self.numeric_codes_unsafe && is_status_code(c))
            })
            .collect();
        if conditions.is_empty() || mutating_blocks.iter().all(|b| self.guarded(b.node)) {
            return covered;
        }
        let message = self
            .message
            .clone()
            .unwrap_or_else(|| "{methods} route is retried on {conditions}".into())
            .replace("{methods}", &methods.join("/"))
            .replace("{conditions}", &format!("`{}`", conditions.join(",")));
        Some(vec![Problem {
            span: Some(key_value_span(retry_on.key, retry_on.node)),
            message,
            target: None,
        }])
    }

    /// The mutating methods a match block can carry, in rule order.
    fn mutating_methods(&self, block: &Node) -> Vec<&str> {
        let hits = self.method.select(block);
        self.mutating
            .iter()
            .filter(|m| hits.iter().any(|h| istio::string_match(h.node, m)))
            .map(String::as_str)
            .collect()
    }

    /// Whether a match block only matches requests carrying an idempotency key header.
    fn guarded(&self, block: &Node) -> bool {
        let Some(headers) = &self.guard_headers else {
            return false;
        };
        headers.select(block).iter().any(|h| {
            h.node.as_map().is_some_and(|entries| {
                entries.iter().any(|(k, _)| {
                    k.as_str().is_some_and(|name| {
                        self.guard_names
                            .iter()
                            .any(|g| g.eq_ignore_ascii_case(name))
                    })
                })
            })
        })
    }
}

/// A status code (`503`) or a range of them (`500-504`).
fn is_status_code(c: &str) -> bool {
    let digits = |s: &str| !s.is_empty() && s.chars().all(|ch| ch.is_ascii_digit());
    match c.split_once('-') {
        Some((from, to)) => digits(from) && digits(to),
        None => digits(c),
    }
}
