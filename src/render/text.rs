//! `--format text`: rustc/ruff-style diagnostics with snippets, then a summary
//! with counts per severity and the coverage line per category.

use codespan_reporting::diagnostic::{Diagnostic, Label};
use codespan_reporting::term::{self, termcolor::Buffer};

use super::snippet::{escape, Snippet};
use crate::report::{Category, Report, Severity};
use crate::source::SourceFile;

/// Renders findings with snippets from `files` (matched by display path).
///
/// Each snippet is cut from the file around its finding (see [`Snippet`]), so the
/// output grows with the number of findings, never with the length of a line, and
/// what comes from the files (paths, values in messages, source lines) is escaped.
pub fn render(report: &Report, files: &[SourceFile], color: bool) -> String {
    let by_path: std::collections::HashMap<&str, &SourceFile> =
        files.iter().map(|f| (f.display.as_str(), f)).collect();
    let mut buffer = if color {
        Buffer::ansi()
    } else {
        Buffer::no_color()
    };
    let config = term::Config::default();
    for finding in &report.findings {
        let diagnostic = match finding.severity {
            Severity::Error => Diagnostic::error(),
            Severity::Warning => Diagnostic::warning(),
            Severity::Info => Diagnostic::note(),
        }
        .with_code(escape(&finding.rule, false))
        .with_message(escape(&finding.message, false));
        let mut notes = Vec::new();
        if let Some(target) = &finding.target {
            notes.push(format!("target: {}", escape(target, false)));
        }
        if !finding.help.is_empty() {
            notes.push(format!("help: {}", escape(&finding.help, true)));
        }
        let l = &finding.location;
        let at = format!("{}:{}:{}", escape(&l.path, false), l.line, l.column);
        let emitted = match by_path.get(l.path.as_str()) {
            Some(file) => {
                let (start, end) = finding.byte_range;
                let snippet = Snippet::new(file, start, end);
                let diagnostic = diagnostic
                    .with_labels(vec![Label::primary((), snippet.label.clone())])
                    .with_notes(notes);
                term::emit_to_write_style(&mut buffer, &config, &snippet, &diagnostic)
            }
            None => {
                notes.insert(0, format!("at {at}"));
                let diagnostic = diagnostic.with_notes(notes);
                let none = codespan_reporting::files::SimpleFile::new("", "");
                term::emit_to_write_style(&mut buffer, &config, &none, &diagnostic)
            }
        };
        if emitted.is_err() {
            let line = format!(
                "{at}: {} [{}]\n",
                escape(&finding.message, false),
                escape(&finding.rule, false)
            );
            let _ = std::io::Write::write_all(&mut buffer, line.as_bytes());
        }
    }
    let mut out = String::from_utf8_lossy(buffer.as_slice()).into_owned();
    out.push_str(&summary(report));
    out
}

/// The closing lines: counts per severity, files, coverage per category.
pub fn summary(report: &Report) -> String {
    let counts: Vec<String> = [Severity::Error, Severity::Warning, Severity::Info]
        .into_iter()
        .map(|s| {
            let n = report.count(s);
            let noun = match s {
                Severity::Error => "error",
                Severity::Warning => "warning",
                Severity::Info => "info",
            };
            format!(
                "{n} {noun}{}",
                if n == 1 || s == Severity::Info {
                    ""
                } else {
                    "s"
                }
            )
        })
        .collect();
    let mut out = format!(
        "{} in {} file{}",
        counts.join(", "),
        report.files_scanned,
        if report.files_scanned == 1 { "" } else { "s" }
    );
    if report.suppressed > 0 {
        out.push_str(&format!(" ({} suppressed)", report.suppressed));
    }
    if !report.errors.is_empty() {
        out.push_str(&format!(
            " ({} could not be read, see above)",
            report.errors.len()
        ));
    }
    out.push('\n');
    let coverage: Vec<String> = Category::ALL
        .iter()
        .map(|c| {
            let line = report
                .coverage
                .get(c)
                .copied()
                .unwrap_or(crate::report::CoverageLine::new(0, 0));
            match line.percent {
                Some(p) => format!("{} {}/{} ({p}%)", c.name(), line.covered, line.total),
                None => format!("{} -", c.name()),
            }
        })
        .collect();
    out.push_str(&format!("coverage: {}\n", coverage.join(", ")));
    out
}

/// Error entries as `path:line:col: kind: message` lines (printed on stderr in text mode).
pub fn errors(report: &Report) -> String {
    report
        .errors
        .iter()
        .map(|e| {
            let pos = match (e.line, e.column) {
                (Some(l), Some(c)) => format!(":{l}:{c}"),
                (Some(l), None) => format!(":{l}"),
                _ => String::new(),
            };
            let kind = serde_json::to_value(e.kind)
                .ok()
                .and_then(|v| v.as_str().map(str::to_string))
                .unwrap_or_default();
            format!(
                "error[{kind}]: {}{pos}: {}\n",
                escape(&e.path, false),
                escape(&e.message, false)
            )
        })
        .collect()
}
