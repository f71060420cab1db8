//! The closed set of check kinds a rule file can pick (`[check] kind = "..."`).
//!
//! Each kind is one file. A check judges one subject and returns `None` when the
//! node is not a subject after all (e.g. a route that does not carry POST), an
//! empty list when it is covered, or the problems found.

mod destination_policy;
mod mutation_retry;
mod require;
mod retry_budget;

use serde::Deserialize;

pub use destination_policy::DestinationPolicy;
pub use mutation_retry::MutationRetry;
pub use require::{judge_assertion, Require};
pub use retry_budget::RetryBudget;

use crate::load::Document;
use crate::tree::{Node, Span};
use crate::workspace::Workspace;

#[derive(Debug, Deserialize)]
#[serde(tag = "kind", rename_all = "kebab-case")]
pub enum Check {
    /// Assertions on the subject's own fields.
    Require(Require),
    /// Retry attempts × per-try timeout must fit in the total timeout.
    RetryBudget(RetryBudget),
    /// A route carrying a non-idempotent method must not be retried after the request was sent.
    MutationRetry(MutationRetry),
    /// The subject's destination host must have a policy in a DestinationRule (a cross-document join).
    DestinationPolicy(DestinationPolicy),
}

/// A node a rule judges.
pub struct Subject<'a> {
    pub doc: &'a Document,
    pub node: &'a Node,
}

/// What is wrong with a subject.
#[derive(Debug, Clone, PartialEq)]
pub struct Problem {
    /// The offending key and value; `None` points at the subject's first line.
    pub span: Option<Span>,
    pub message: String,
    /// The host the subject calls, when known.
    pub target: Option<String>,
}

impl Problem {
    pub fn at_subject(message: String) -> Self {
        Problem {
            span: None,
            message,
            target: None,
        }
    }
}

impl Check {
    pub fn judge(&self, subject: &Subject, ws: &Workspace) -> Option<Vec<Problem>> {
        match self {
            Check::Require(c) => Some(c.judge(subject.node)),
            Check::RetryBudget(c) => c.judge(subject.node),
            Check::MutationRetry(c) => c.judge(subject.node),
            Check::DestinationPolicy(c) => Some(c.judge(subject, ws)),
        }
    }

    /// Checks what serde cannot; the error says how to fix the rule file.
    pub fn validate(&self) -> Result<(), String> {
        match self {
            Check::Require(c) => c.validate(),
            _ => Ok(()),
        }
    }
}

/// Span from a key to the end of its value, or the value alone.
pub fn key_value_span(key: Option<&Node>, value: &Node) -> Span {
    match key {
        Some(k) => Span::new(k.span.start, value.span.end.max(k.span.end)),
        None => value.span,
    }
}
