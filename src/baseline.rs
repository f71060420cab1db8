//! Baselines: today's findings recorded so that a repository with existing debt can
//! switch the linter on and fail only on new findings.
//!
//! An entry is keyed on rule, path and the subject's structural identity
//! ([`crate::identity`]), never on a line number, so lines inserted above a known
//! finding, or a reformatted file, do not bring it back. The file is JSON, sorted,
//! one entry per finding, with the message kept for the human reading a diff.
//! Paths are as the run shows them: write and read a baseline from the same
//! directory (the repository root, in CI).

use std::collections::HashMap;
use std::path::Path;

use serde::{Deserialize, Serialize};

use crate::report::{BaselineSummary, Finding, Report};

/// The format version written into the file; a file of another version is refused.
const VERSION: u32 = 1;

#[derive(Debug, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Baseline {
    pub version: u32,
    pub findings: Vec<Entry>,
}

#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Entry {
    pub rule: String,
    pub path: String,
    pub subject: String,
    /// Not part of the key: what the finding said when it was recorded.
    #[serde(default)]
    pub message: String,
}

/// The matching key: rule, path and subject, joined by a byte none of them holds.
fn key(rule: &str, path: &str, subject: &str) -> String {
    format!("{rule}\0{path}\0{subject}")
}

/// The baseline of a report's findings.
pub fn of(findings: &[Finding]) -> Baseline {
    let mut entries: Vec<Entry> = findings
        .iter()
        .map(|f| Entry {
            rule: f.rule.clone(),
            path: f.location.path.clone(),
            subject: f.subject.clone(),
            message: f.message.clone(),
        })
        .collect();
    entries.sort();
    Baseline {
        version: VERSION,
        findings: entries,
    }
}

/// The baseline as the bytes of its file.
pub fn to_json(baseline: &Baseline) -> String {
    let mut out = serde_json::to_string_pretty(baseline).unwrap_or_default();
    out.push('\n');
    out
}

/// Reads a baseline file; the error says which file and what is wrong with it.
pub fn read(path: &Path) -> Result<Baseline, String> {
    let shown = path.display();
    let text =
        std::fs::read_to_string(path).map_err(|e| format!("{shown}: cannot read baseline: {e}"))?;
    let baseline: Baseline = serde_json::from_str(&text).map_err(|e| {
        format!(
            "{shown}:{}:{}: not a resilint baseline ({e}): write one with `--write-baseline`",
            e.line(),
            e.column()
        )
    })?;
    if baseline.version != VERSION {
        return Err(format!(
            "{shown}: baseline version {} is not {VERSION}: write it again with `--write-baseline`",
            baseline.version
        ));
    }
    Ok(baseline)
}

/// Drops the findings the baseline holds and records how many matched and how many
/// entries of the rules that ran matched nothing (fixed debt). Each entry matches at
/// most one finding.
pub fn apply(report: &mut Report, baseline: &Baseline) {
    let mut left: HashMap<String, usize> = HashMap::new();
    // Entries of rules that did not run (`--select`, a rule turned off) are not fixed.
    let active: std::collections::HashSet<&str> =
        report.rules.iter().map(|r| r.id.as_str()).collect();
    for e in baseline
        .findings
        .iter()
        .filter(|e| active.contains(e.rule.as_str()))
    {
        *left.entry(key(&e.rule, &e.path, &e.subject)).or_default() += 1;
    }
    let mut matched = 0;
    report.findings.retain(
        |f| match left.get_mut(&key(&f.rule, &f.location.path, &f.subject)) {
            Some(n) if *n > 0 => {
                *n -= 1;
                matched += 1;
                false
            }
            _ => true,
        },
    );
    report.baseline = Some(BaselineSummary {
        matched,
        fixed: left.values().sum(),
    });
}
