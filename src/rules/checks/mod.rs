//! The closed set of check kinds a rule file can pick (`[check] kind = "..."`).
//!
//! Each kind is one file. A check judges one subject and returns `None` when the
//! node is not a subject after all (e.g. a route that does not carry POST), an
//! empty list when it is covered, or the problems found.

mod destination_policy;
mod join;
mod mutation_retry;
mod require;
mod retry_budget;

use serde::Deserialize;

pub use destination_policy::DestinationPolicy;
pub use join::Join;
pub use mutation_retry::MutationRetry;
pub use require::{judge_assertion, Require};
pub use retry_budget::RetryBudget;

use crate::join::ServiceIndex;
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
    /// The subject names another document, found through a named resolver (a cross-document join).
    Join(Join),
    /// A `join` through the `istio-host` resolver, in the shape of the first Istio rule.
    DestinationPolicy(DestinationPolicy),
}

/// What a check may read besides its subject: the workspace, and the index of the
/// rule's join targets when it joins.
pub struct Context<'a> {
    pub ws: &'a Workspace,
    pub index: Option<&'a ServiceIndex<'a>>,
}

/// A node a rule judges.
pub struct Subject<'a> {
    pub doc: &'a Document,
    pub node: &'a Node,
    /// The map key naming the node, when it is a map value (`instances: {backendA: ..}`).
    pub key: Option<&'a Node>,
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
    pub fn judge(&self, subject: &Subject, ctx: &Context) -> Option<Vec<Problem>> {
        match self {
            Check::Require(c) => Some(c.judge(subject.node)),
            Check::RetryBudget(c) => c.judge(subject.node),
            Check::MutationRetry(c) => c.judge(subject.node),
            Check::Join(c) => c.judge(subject, ctx),
            Check::DestinationPolicy(c) => c.0.judge(subject, ctx),
        }
    }

    /// The reference a subject names when it resolves to nothing and the check leaves
    /// such subjects unresolved (`no-target = "unresolved"` in a `join`).
    pub fn unresolved<'s>(
        &self,
        subject: &Subject<'s>,
        ctx: &Context,
    ) -> Option<crate::rules::path::Hit<'s>> {
        self.join()?.unresolved(subject, ctx)
    }

    /// The join this check makes, if any (its targets are indexed before judging).
    pub fn join(&self) -> Option<&Join> {
        match self {
            Check::Join(c) => Some(c),
            Check::DestinationPolicy(c) => Some(&c.0),
            _ => None,
        }
    }

    /// Paths the check reads relative to the subject, for checking against a declared
    /// schema ([`crate::schema`]).
    pub fn assertion_paths(&self) -> Vec<&crate::rules::path::Path> {
        match self {
            Check::Require(c) => c.require.iter().map(|a| &a.path).collect(),
            Check::RetryBudget(c) => vec![&c.attempts, &c.per_try_timeout, &c.timeout],
            Check::MutationRetry(c) => vec![&c.matches, &c.retry_on, &c.attempts],
            Check::Join(c) => c.key.iter().chain(&c.subset).chain(&c.port).collect(),
            Check::DestinationPolicy(c) => {
                let j = &c.0;
                j.key.iter().chain(&j.subset).chain(&j.port).collect()
            }
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
