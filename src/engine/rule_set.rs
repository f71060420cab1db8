//! The run's rule set: built-in and user rules, their configured levels, and what
//! listings show of each.

use crate::config::Config;
use crate::report::Severity;
use crate::rules::{self, Rule};
use crate::source::SourceFile;
use crate::usage_error::RuleError;

/// The active rules: built-in plus the config's rule directories, with levels applied.
pub fn load_rules(config: &Config) -> Result<Vec<Rule>, RuleError> {
    let all = all_rules(config)?;
    let levels = levels(config, &all)?;
    let mut active: Vec<Rule> = all
        .into_iter()
        .zip(levels)
        .filter_map(|(mut rule, level)| {
            rule.severity = level?;
            Some(rule)
        })
        .collect();
    active.sort_by(|a, b| a.id.cmp(&b.id));
    Ok(active)
}

/// Every rule at its default level: built-in plus the config's rule directories.
pub fn all_rules(config: &Config) -> Result<Vec<Rule>, RuleError> {
    let mut all = rules::builtin()?;
    for dir in &config.rule_dirs {
        let dir = config.base.join(dir);
        for rule in rules::load_dir(&dir)? {
            if let Some(existing) = all.iter().find(|r| r.id == rule.id) {
                // The `id` line of the second file (read again: this is the rare error path).
                let pos = std::fs::read_to_string(&rule.origin).ok().map(|text| {
                    SourceFile::new(rule.origin.clone(), rule.origin.clone().into(), text)
                        .line_col(rule.spec.id.span().start)
                });
                return Err(RuleError {
                    path: rule.origin.clone(),
                    line: pos.map(|p| p.line),
                    column: pos.map(|p| p.column),
                    message: format!(
                        "rule id `{}` is already defined by {}: rename the file",
                        rule.id, existing.origin
                    ),
                });
            }
            all.push(rule);
        }
    }
    all.sort_by(|a, b| a.id.cmp(&b.id));
    Ok(all)
}

/// Each rule's level under `config` (`None`: off; an opt-in rule the config gives no
/// level is off), in the order of `rules`; an id
/// of `[rules]` that names no rule is a usage error at its position.
pub fn levels(config: &Config, all: &[Rule]) -> Result<Vec<Option<Severity>>, RuleError> {
    for id in config.rules.keys() {
        if !all.iter().any(|r| &r.id == id) {
            let pos = config.rule_positions.get(id);
            return Err(RuleError {
                path: config.source.clone(),
                line: pos.map(|p| p.0),
                column: pos.map(|p| p.1),
                message: format!(
                    "unknown rule `{id}` in [rules]{}: `resilint rules` lists the ids",
                    crate::select::hint(id, all.iter().map(|r| r.id.as_str()))
                ),
            });
        }
    }
    Ok(all
        .iter()
        .map(|rule| match config.rules.get(&rule.id) {
            Some(level) => level.severity(),
            None if rule.opt_in => None,
            None => Some(rule.severity),
        })
        .collect())
}

/// What renderers need to know of a rule: id, category, level, platform and docs.
pub fn rule_info(rule: &Rule) -> crate::report::RuleInfo {
    let select = &rule.spec.select;
    let platform = match select.platform {
        Some(p) => p.0.name(),
        None if select.api_version.is_some() || !select.kind.0.is_empty() => "kubernetes",
        None => "any",
    };
    let docs = rule.spec.docs.get_ref();
    crate::report::RuleInfo {
        id: rule.id.clone(),
        category: rule.category,
        severity: rule.severity,
        platform: platform.to_string(),
        summary: rule.spec.summary.clone(),
        what: docs.what.trim().to_string(),
        why: docs.why.trim().to_string(),
        example: docs.example.trim_end().to_string(),
        fix: docs.fix.trim().to_string(),
    }
}
