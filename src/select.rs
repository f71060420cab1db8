//! Rule selection from the command line (`--select`, `--ignore`) and the
//! "did you mean" hints every unknown rule id gets.
//!
//! A selector is a rule id (`istio/route-without-timeout`), a group, the part of
//! ids before the `/` (`istio`), a category (`timeout`), or `all` (every rule, the
//! opt-in ones included: ruff's `ALL`, kube-linter's `--add-all-built-in`, for an audit). With `--select`, only
//! rules matching one of its selectors stay active; `--ignore` then removes the
//! rules matching one of its own. Both apply to the rules `resilint.toml` leaves
//! on: a rule turned `off` there stays off. An opt-in rule (off by default) is turned
//! on by `--select` naming its id or `all`, not by its group or category. A rule that is not
//! active reports nothing and counts nothing toward coverage.

use crate::report::Category;
use crate::rules::{Rule, RuleError};

/// How alike `word` and a known name are (Jaro-Winkler), or 0 when `word` is more
/// than twice as long: a typo does not double a name. Jaro-Winkler's cost grows with
/// the square of the longer string, and a hostile file's `ignore[..]` may hold a
/// 50 kB word.
pub fn similarity(word: &str, known: &str) -> f64 {
    if word.len() > 2 * known.len() + 8 {
        return 0.0;
    }
    strsim::jaro_winkler(word, known)
}

/// The nearest of `candidates` to `word`, when one is close enough to be a typo.
pub fn did_you_mean<'a>(
    word: &str,
    candidates: impl IntoIterator<Item = &'a str>,
) -> Option<&'a str> {
    candidates
        .into_iter()
        .map(|c| (similarity(word, c), c))
        .filter(|(score, _)| *score >= 0.85)
        .max_by(|a, b| a.0.total_cmp(&b.0).then_with(|| b.1.cmp(a.1)))
        .map(|(_, c)| c)
}

/// ` (did you mean `x`?)`, or nothing.
pub fn hint<'a>(word: &str, candidates: impl IntoIterator<Item = &'a str>) -> String {
    did_you_mean(word, candidates)
        .map(|c| format!(" (did you mean `{c}`?)"))
        .unwrap_or_default()
}

/// `--select` and `--ignore` as given.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Selection {
    pub select: Vec<String>,
    pub ignore: Vec<String>,
}

fn group(id: &str) -> &str {
    id.split_once('/').map_or(id, |(g, _)| g)
}

/// The selector that picks every rule, opt-in ones included.
pub const ALL: &str = "all";

fn matches(selector: &str, rule: &Rule) -> bool {
    selector == ALL
        || selector == rule.id
        || selector == group(&rule.id)
        || selector == rule.category.name()
}

impl Selection {
    /// The rules left active, or a usage error naming a selector that matches nothing.
    pub fn apply(&self, rules: Vec<Rule>) -> Result<Vec<Rule>, RuleError> {
        for (flag, selectors) in [("--select", &self.select), ("--ignore", &self.ignore)] {
            for s in selectors {
                if !rules.iter().any(|r| matches(s, r)) {
                    let mut names: Vec<&str> = rules.iter().map(|r| r.id.as_str()).collect();
                    names.extend(rules.iter().map(|r| group(&r.id)));
                    names.extend(Category::ALL.iter().map(|c| c.name()));
                    names.push(ALL);
                    return Err(RuleError {
                        path: flag.into(),
                        line: None,
                        column: None,
                        message: format!(
                            "`{s}` is no active rule id, group or category{}: `resilint rules` lists them",
                            hint(s, names)
                        ),
                    });
                }
            }
        }
        Ok(rules
            .into_iter()
            .filter(|r| self.select.is_empty() || self.select.iter().any(|s| matches(s, r)))
            .filter(|r| !self.ignore.iter().any(|s| matches(s, r)))
            .map(|mut r| {
                // An opt-in rule named by its id, or by `all`, is asked for; a group
                // or a category selects among the rules on by default.
                r.opt_in &= !self.select.iter().any(|s| *s == r.id || s == ALL);
                r
            })
            .collect())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_typo_gets_the_nearest_name_and_nonsense_gets_none() {
        let ids = [
            "istio/route-without-timeout",
            "istio/retries-exceed-timeout",
        ];
        assert_eq!(
            did_you_mean("istio/route-without-timout", ids),
            Some("istio/route-without-timeout")
        );
        assert_eq!(did_you_mean("kafka", ids), None);
        // A fuzzer's 50 kB `ignore[..]` word is no typo, and is not compared at all.
        let long = "istio/route-we[".repeat(3_600);
        assert_eq!(similarity(&long, ids[0]), 0.0);
        assert_eq!(did_you_mean(&long, ids), None);
        assert!(similarity("istio/route-without-timeout-x", ids[0]) > 0.9);
        assert_eq!(
            hint("timeuot", ["timeout", "idempotency"]),
            " (did you mean `timeout`?)"
        );
    }
}
