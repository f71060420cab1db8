//! `kind = "require"`: assertions on the subject's own fields.

use serde::Deserialize;

use super::{key_value_span, Problem};
use crate::rules::duration::parse_seconds;
use crate::rules::spec::Assertion;
use crate::tree::Node;

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Require {
    /// Every assertion must hold for the subject to be covered.
    pub require: Vec<Assertion>,
}

impl Require {
    pub fn judge(&self, node: &Node) -> Vec<Problem> {
        self.require
            .iter()
            .flat_map(|a| judge_assertion(a, node))
            .collect()
    }

    pub fn validate(&self) -> Result<(), String> {
        if self.require.is_empty() {
            return Err("`require` is empty: add at least one `[[check.require]]` entry".into());
        }
        Ok(())
    }
}

/// Fills a message template: `{path}`, `{value}`, and `{field:PATH}` for the
/// subject's scalar at path expression `PATH`, e.g. `{field:name}` or
/// `{field:origin.wait-duration}` (empty when absent).
fn fill(
    template: &Option<String>,
    default: String,
    path: &str,
    value: &str,
    subject: &Node,
) -> String {
    let Some(t) = template.as_deref() else {
        return default;
    };
    let mut rest = t;
    let mut out = String::new();
    while let Some(start) = rest.find("{field:") {
        let Some(len) = rest[start..].find('}') else {
            break;
        };
        out.push_str(&rest[..start]);
        let name = &rest[start + 7..start + len];
        let field = crate::rules::path::Path::parse(name)
            .ok()
            .and_then(|p| p.first(subject))
            .and_then(|hit| hit.node.as_str());
        out.push_str(field.unwrap_or(""));
        rest = &rest[start + len + 1..];
    }
    out.push_str(rest);
    out.replace("{path}", path).replace("{value}", value)
}

/// The problems an assertion finds on `node`; empty when it holds.
pub fn judge_assertion(a: &Assertion, node: &Node) -> Vec<Problem> {
    let path = a.path.as_str();
    let hits = a.path.select(node);
    if let Some(expected) = a.present {
        return match (expected, hits.first()) {
            (true, None) => vec![Problem::at_subject(fill(
                &a.message,
                format!("`{path}` is missing"),
                path,
                "",
                node,
            ))],
            (false, Some(hit)) => vec![Problem {
                span: Some(key_value_span(hit.key, hit.node)),
                message: fill(
                    &a.message,
                    format!("`{path}` is set"),
                    path,
                    hit.node.as_str().unwrap_or(""),
                    node,
                ),
                target: None,
            }],
            _ => Vec::new(),
        };
    }
    hits.iter()
        .filter_map(|hit| {
            let value = hit.node.as_str()?;
            let default = if a.non_zero_duration == Some(true) {
                (parse_seconds(value, 1.0) == Some(0.0))
                    .then(|| format!("`{path}: {value}` disables the timeout"))
            } else if let Some(limit) = a.below {
                hit.node
                    .as_f64()
                    .or_else(|| duration_with_unit(value))
                    .filter(|v| *v >= limit)
                    .map(|_| format!("`{path}` is {value}; keep it below {limit}"))
            } else if let Some(allowed) = &a.one_of {
                (!allowed.iter().any(|x| x == value)).then(|| {
                    format!(
                        "`{path}` is `{value}`; expected one of {}",
                        allowed.join(", ")
                    )
                })
            } else if let Some(denied) = &a.not_one_of {
                denied
                    .iter()
                    .any(|x| x == value)
                    .then(|| format!("`{path}` is `{value}`"))
            } else {
                None
            }?;
            Some(Problem {
                span: Some(key_value_span(hit.key, hit.node)),
                message: fill(&a.message, default, path, value, node),
                target: None,
            })
        })
        .collect()
}

/// Seconds of a duration written with a unit (`90s`, `1h30m`); a bare number is not
/// one (its unit depends on the platform).
fn duration_with_unit(value: &str) -> Option<f64> {
    let unit = value.trim_end().ends_with(|c: char| c.is_alphabetic());
    unit.then(|| parse_seconds(value, 1.0)).flatten()
}
