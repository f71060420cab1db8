//! `--format gitlab`: GitLab Code Quality JSON (an array of issues with
//! `description`, `check_name`, `fingerprint`, `severity` and `location.path` /
//! `location.lines.begin`), for a job's `artifacts:reports:codequality`.
//! Paths are relative to the repository root; the fingerprint is the one SARIF
//! uses, so it survives unrelated lines moving.

use std::io::{self, Write};

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
    super::to_string(|out| write(report, repo, out))
}

/// The issues, each made from its finding only when it is written.
struct Issues<'a> {
    report: &'a Report,
    repo: &'a Repo,
}

impl Serialize for Issues<'_> {
    fn serialize<S: serde::Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        serializer.collect_seq(self.report.findings.iter().map(|f| {
            Issue {
                description: &f.message,
                check_name: &f.rule,
                fingerprint: identity::fingerprint(f),
                severity: severity(f.severity),
                location: IssueLocation {
                    path: self
                        .repo
                        .path(&f.location.path)
                        .unwrap_or_else(|| f.location.path.clone()),
                    lines: Lines {
                        begin: f.location.line,
                    },
                },
            }
        }))
    }
}

/// Writes the array of issues, pretty-printed, ending in a newline.
pub fn write(report: &Report, repo: &Repo, out: &mut dyn Write) -> io::Result<()> {
    serde_json::to_writer_pretty(&mut *out, &Issues { report, repo })?;
    out.write_all(b"\n")
}
