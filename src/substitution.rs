//! Values known only at deploy time: decK's `${{ env "DECK_X" }}` substitutions (also
//! inside a longer value, `http://${{ env "DECK_HOST" }}:8080`, and in integer fields,
//! `read_timeout: ${{ env "DECK_T" | toInt }}`).
//!
//! Such a file loads as it is (the value is a string), but nothing can be said of the
//! value: a rule that reads one is *undecided* for that subject. The judge then
//! neither covers the subject nor reports a finding, unless the rule finds a problem
//! that does not depend on the value (a key that is absent stays absent whatever the
//! environment holds); it records an [`crate::report::Unresolved`] entry instead, so
//! the output says which integration points were left unjudged and why.

use crate::rules::checks::judge_assertion;
use crate::rules::path::Hit;
use crate::rules::Rule;
use crate::tree::{Node, Span};

/// Whether a scalar holds a deploy-time substitution.
pub fn is_substitution(text: &str) -> bool {
    text.find("${{")
        .is_some_and(|start| text[start + 3..].contains("}}"))
}

/// The substituted values among those `rule` reads on a subject (its check's paths,
/// then its `when` paths).
pub fn read_by<'a>(rule: &Rule, subject: &'a Node) -> Vec<Hit<'a>> {
    // The check's paths first: the value a finding would have been about.
    rule.spec
        .check
        .assertion_paths()
        .into_iter()
        .chain(rule.spec.select.when.iter().map(|w| &w.path))
        .flat_map(|p| p.select(subject))
        .filter(|h| h.node.as_str().is_some_and(is_substitution))
        .collect()
}

/// Whether `rule`'s `when` conditions select a subject: `None` when one fails,
/// `Some(true)` when the only ones that fail read a substituted value (the subject
/// may be one once the value is known), `Some(false)` when all hold.
pub fn selects(rule: &Rule, subject: &Node) -> Option<bool> {
    let mut undecided = false;
    for w in &rule.spec.select.when {
        if judge_assertion(w, subject).is_empty() {
            continue;
        }
        let on_value = w
            .path
            .select(subject)
            .iter()
            .any(|h| h.node.as_str().is_some_and(is_substitution));
        if !on_value {
            return None;
        }
        undecided = true;
    }
    Some(undecided)
}

/// Whether a problem's position lies on one of the substituted values: a problem
/// *about* the value, which the value's real content may not have.
pub fn caused_by(span: Option<Span>, substituted: &[Hit]) -> bool {
    span.is_some_and(|s| {
        substituted
            .iter()
            .any(|h| h.node.span.start < s.end.max(s.start + 1) && s.start < h.node.span.end)
    })
}

#[cfg(test)]
mod tests {
    use super::is_substitution;

    #[test]
    fn deck_substitutions_anywhere_in_a_value() {
        assert!(is_substitution("${{ env \"DECK_T\" }}"));
        assert!(is_substitution("${{ env \"DECK_T\" | toInt }}"));
        assert!(is_substitution("http://${{ env \"DECK_HOST\" }}:8080"));
        assert!(!is_substitution("60000"));
        assert!(!is_substitution("${DECK_T}"), "shell style is not decK's");
        assert!(!is_substitution("${{ unclosed"));
    }
}
