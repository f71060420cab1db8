//! `--format gitlab`: GitLab Code Quality JSON (an array of issues with
//! `description`, `check_name`, `fingerprint`, `severity` and `location.path` /
//! `location.lines.begin`), for a job's `artifacts:reports:codequality`.
//! Paths are relative to the repository root; the fingerprint is the one SARIF
//! uses, so it survives unrelated lines moving.

use serde::Serialize;

use super::Repo;
use crate::identity;
use crate::report::{Report, Severity};

#[derive(Serialize)]
struct Issue<'a> {
    description: &'a str,
    check_name: &'a str,
    fingerprint: String,
    severity: &'static str,
    location: IssueLocation,
}

#[derive(Serialize)]
struct IssueLocation {
    path: String,
    lines: Lines,
}

#[derive(Serialize)]
struct Lines {
    begin: usize,
}

fn severity(s: Severity) -> &'static str {
    match s {
        Severity::Info => "info",
        Severity::Warning => "minor",
        Severity::Error => "major",
    }
}

pub fn render(report: &Report, repo: &Repo) -> String {
    let issues: Vec<Issue<'_>> = report
        .findings
        .iter()
        .map(|f| Issue {
            description: &f.message,
            check_name: &f.rule,
            fingerprint: identity::fingerprint(f),
            severity: severity(f.severity),
            location: IssueLocation {
                path: repo
                    .path(&f.location.path)
                    .unwrap_or_else(|| f.location.path.clone()),
                lines: Lines {
                    begin: f.location.line,
                },
            },
        })
        .collect();
    let mut out = serde_json::to_string_pretty(&issues).unwrap_or_else(|_| "[]".into());
    out.push('\n');
    out
}
