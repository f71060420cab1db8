//! `resilint rules` and `resilint explain`: the rule listing (text, JSON, markdown)
//! and one rule's documentation.

use std::path::PathBuf;

use super::{print_out, rule_error, usage_error, RulesFormat};
use crate::engine::{self, Options};

/// The active rules, and the opt-in rules left off (listed apart, so an audit finds them).
type Listed = (Vec<crate::rules::Rule>, Vec<crate::rules::Rule>);

fn rules_for(config: Option<PathBuf>) -> Result<Listed, i32> {
    let options = Options {
        paths: vec![PathBuf::from(".")],
        config,
        threads: None,
    };
    let config = engine::resolve_config(&options).map_err(rule_error)?;
    // The rule files are read once: each rule's level says where it is listed.
    let all = engine::all_rules(&config).map_err(rule_error)?;
    let levels = engine::levels(&config, &all).map_err(rule_error)?;
    let (mut active, mut opt_in) = (Vec::new(), Vec::new());
    for (mut rule, level) in all.into_iter().zip(levels) {
        match level {
            Some(severity) => {
                rule.severity = severity;
                active.push(rule);
            }
            // Off by default, not turned off by the configuration.
            None if rule.opt_in && !config.rules.contains_key(&rule.id) => opt_in.push(rule),
            None => {}
        }
    }
    Ok((active, opt_in))
}

pub(super) fn list_rules(config: Option<PathBuf>, format: RulesFormat) -> i32 {
    let (rules, opt_in) = match rules_for(config) {
        Ok(r) => r,
        Err(code) => return code,
    };
    if format == RulesFormat::Markdown {
        let mut all = rules;
        all.extend(opt_in);
        all.sort_by(|a, b| a.id.cmp(&b.id));
        return print_out(&crate::reference::rules_table(&all));
    }
    if format == RulesFormat::Json {
        let off = opt_in.iter().map(|r| (r, "off"));
        let list: Vec<serde_json::Value> = rules
            .iter()
            .map(|r| (r, r.severity.name()))
            .chain(off)
            .map(|(r, severity)| {
                let info = engine::rule_info(r);
                serde_json::json!({
                    "id": info.id,
                    "group": crate::reference::group_of(&info.id),
                    "category": info.category.name(),
                    "severity": severity,
                    "default_severity": r.spec.severity.name(),
                    "opt_in": r.opt_in,
                    "platform": info.platform,
                    "summary": info.summary,
                    "origin": r.origin,
                })
            })
            .collect();
        let mut out = serde_json::to_string_pretty(&list).unwrap_or_default();
        out.push('\n');
        return print_out(&out);
    }
    // One column width for both lists, so the opt-in rules line up with the others.
    let width = (rules.iter().chain(&opt_in))
        .map(|r| r.id.len())
        .max()
        .unwrap_or(0);
    let mut out = String::new();
    for (group, platforms, members) in crate::reference::rule_groups(&rules) {
        if !out.is_empty() {
            out.push('\n');
        }
        out.push_str(&format!("{group} ({platforms})\n"));
        for r in members {
            out.push_str(&format!(
                "  {:width$}  {:15}  {:7}  {}\n",
                r.id,
                r.category.name(),
                r.severity.name(),
                r.spec.summary
            ));
        }
    }
    if !opt_in.is_empty() {
        out.push_str(
            "\nOff by default (opt-in: `--select ID` or `--select all`, or a level for it under [rules] in resilint.toml)\n",
        );
        for r in &opt_in {
            out.push_str(&format!(
                "- {:width$}  {:15}  {:7}  {}\n",
                r.id,
                r.category.name(),
                r.spec.severity.name(),
                r.spec.summary
            ));
        }
    }
    print_out(&out)
}

/// Writes to stdout; a closed pipe (`resilint rules | head`) ends quietly, not in a panic.
pub(super) fn explain(id: &str, config: Option<PathBuf>) -> i32 {
    let options = Options {
        paths: vec![PathBuf::from(".")],
        config,
        threads: None,
    };
    let mut config = match engine::resolve_config(&options) {
        Ok(c) => c,
        Err(e) => return rule_error(e),
    };
    let active = match engine::load_rules(&config) {
        Ok(r) => r,
        Err(e) => return rule_error(e),
    };
    let configured = active.iter().find(|r| r.id == id).map(|r| r.severity);
    // Every rule, so a rule turned off (or opt-in) is explained too.
    config.rules.clear();
    let all = match engine::all_rules(&config) {
        Ok(r) => r,
        Err(e) => return rule_error(e),
    };
    let Some(rule) = all.iter().find(|r| r.id == id) else {
        return usage_error(format!(
            "unknown rule `{id}`{}: `resilint rules` lists the ids",
            crate::select::hint(id, all.iter().map(|r| r.id.as_str()))
        ));
    };
    let docs = rule.spec.docs.get_ref();
    let default = rule.spec.severity.name();
    let level = match (configured, rule.opt_in) {
        (Some(s), false) if s == rule.spec.severity => format!("{default} by default"),
        (Some(s), false) => format!("{} as configured, {default} by default", s.name()),
        (None, false) => format!("off as configured, {default} by default"),
        (Some(s), true) => format!("{} as configured, off by default (opt-in)", s.name()),
        (None, true) => format!("off by default (opt-in, {default} when selected)"),
    };
    let text = format!(
        "{}  ({}, {level})\n\n{}\n\nWhat it does\n  {}\n\nWhy it matters\n  {}\n\nExample\n{}\n\nFix\n  {}\n",
        rule.id,
        rule.category.name(),
        rule.spec.summary,
        docs.what.trim(),
        docs.why.trim(),
        indent(docs.example.trim_end()),
        docs.fix.trim()
    );
    print_out(&text)
}

fn indent(text: &str) -> String {
    text.lines()
        .map(|l| format!("    {l}"))
        .collect::<Vec<_>>()
        .join("\n")
}
