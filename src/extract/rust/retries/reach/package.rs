//! The package's side of what a retry loop retries: the requests the client analysis
//! linked and the functions that reach one ([`Reach`]), and how often each retry
//! helper is called across the packages of a run ([`helper_call_sites`]).

use rustc_hash::FxHashMap;
use std::collections::HashMap;

use super::super::{RetryFact, RetrySource};
use crate::extract::rust::{Deps, FileFacts};
use crate::tree::Span;

/// How many calls down a function may make the request (the loop calls `a`, `a`
/// calls `b`, `b` makes it).
const DEPTH: usize = 2;

/// What one retry site retries, as the link step decides it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Reached {
    /// A retry crate's policy: always a subject, no evidence shown.
    Policy,
    /// An integration point, and how the loop reaches it.
    Integration(String),
    /// Nothing remote: why, in words.
    Local(String),
}

/// A package's requests and the functions that reach one.
pub struct Reach {
    /// Request spans by package file index.
    requests: HashMap<usize, Vec<Span>>,
    /// Function name (last segment) → how it reaches a request.
    fns: FxHashMap<String, String>,
    /// Name → how many calls of it the package's functions make.
    call_sites: HashMap<String, usize>,
}

impl Reach {
    /// From the requests the client analysis linked (file, span, function link key)
    /// and the package's functions with the names they call.
    ///
    /// Each function's calls come as a cloneable iterator (a split of its names, read
    /// once per pass): collecting them into a vector per function of a 1M-line
    /// package was half of its link step's time in the pre-commit hook.
    pub fn new<'a, C: Iterator<Item = &'a str> + Clone>(
        requests: &[(usize, Span, Option<String>)],
        fn_calls: impl Iterator<Item = (&'a str, C)>,
        call_sites: HashMap<String, usize>,
    ) -> Self {
        let mut by_file: HashMap<usize, Vec<Span>> = HashMap::new();
        let mut fns: FxHashMap<String, String> = FxHashMap::default();
        for (file, span, in_fn) in requests {
            by_file.entry(*file).or_default().push(*span);
            let name = in_fn
                .as_deref()
                .filter(|k| !k.starts_with("static "))
                .and_then(|k| k.rsplit("::").next());
            if let Some(n) = name {
                fns.entry(n.to_string())
                    .or_insert_with(|| "makes a client request".to_string());
            }
        }
        if fns.is_empty() {
            // Nothing makes a request: nothing reaches one.
            return Reach {
                requests: by_file,
                fns,
                call_sites,
            };
        }
        let fn_calls: Vec<(&str, C)> = fn_calls.collect();
        for _ in 0..DEPTH {
            let mut more: Vec<(String, String)> = Vec::new();
            for (name, calls) in &fn_calls {
                if fns.contains_key(*name) {
                    continue;
                }
                // The least name, so the reason is the same whatever the order.
                if let Some(c) = calls.clone().filter(|c| fns.contains_key(*c)).min() {
                    more.push((name.to_string(), format!("calls `{c}`")));
                }
            }
            if more.is_empty() {
                break;
            }
            for (n, how) in more {
                fns.entry(n).or_insert(how);
            }
        }
        Reach {
            requests: by_file,
            fns,
            call_sites,
        }
    }

    /// How many calls of the retry helper `fact` sits in are made ([`helper_call_sites`]);
    /// `None` for other sites.
    pub fn call_sites(&self, fact: &RetryFact) -> Option<usize> {
        let helper = fact.helper.as_deref()?;
        Some(self.call_sites.get(helper).copied().unwrap_or(0))
    }

    /// What the retry `fact` of package file `file` retries.
    pub fn of(&self, file: usize, fact: &RetryFact) -> Reached {
        if let RetrySource::Crate { .. } = fact.source {
            return Reached::Policy;
        }
        if let Some(how) = &fact.reaches {
            return Reached::Integration(how.clone());
        }
        let inside = self.requests.get(&file).is_some_and(|spans| {
            spans
                .iter()
                .any(|s| fact.body.start <= s.start && s.end <= fact.body.end)
        });
        if inside {
            return Reached::Integration("makes a client request".to_string());
        }
        if let Some(c) = fact.calls.iter().find(|c| self.fns.contains_key(*c)) {
            return Reached::Integration(format!("calls `{c}`, which {}", self.fns[c]));
        }
        Reached::Local(
            "no catalogued client, broker or database call in the loop or in a package function it calls"
                .to_string(),
        )
    }
}

/// A package's dependencies (when its manifest is known) and its files' facts.
pub type PackageFacts<'p> = (Option<&'p Deps>, &'p [(usize, FileFacts)]);

/// The call sites of each package's retry helpers (loops calling a parameter of their
/// function): calls of the helper's name, as the routes analysis records each function's
/// calls, in the helper's package and in the packages of the run that depend on it.
/// One map per package, in the order given; empty for a package without a helper.
pub fn helper_call_sites(packages: &[PackageFacts<'_>]) -> Vec<HashMap<String, usize>> {
    let own_name = |deps: Option<&Deps>| {
        deps.and_then(|d| {
            d.names
                .iter()
                .find(|(_, p)| *p == "crate")
                .map(|(n, _)| n.clone())
        })
    };
    packages
        .iter()
        .enumerate()
        .map(|(i, (deps, files))| {
            let helpers: Vec<&str> = files
                .iter()
                .flat_map(|(_, f)| f.retries.iter().filter_map(|r| r.helper.as_deref()))
                .collect();
            let mut counts: HashMap<String, usize> = HashMap::new();
            if helpers.is_empty() {
                return counts;
            }
            let name = own_name(*deps);
            for (j, (other, other_files)) in packages.iter().enumerate() {
                let depends = name
                    .as_deref()
                    .is_some_and(|n| other.is_some_and(|d| d.depends_on(n)));
                if j != i && !depends {
                    continue;
                }
                let calls = other_files
                    .iter()
                    .flat_map(|(_, f)| f.routes.fns.iter())
                    .flat_map(|info| info.calls().iter());
                for c in calls {
                    if helpers.contains(&c) {
                        *counts.entry(c.to_string()).or_default() += 1;
                    }
                }
            }
            counts
        })
        .collect()
}
