//! `--format text`: rustc/ruff-style diagnostics with snippets, then a summary
//! with counts per severity and the coverage table per category.

use std::io::{self, Write};

use codespan_reporting::diagnostic::{Diagnostic, Label};
use codespan_reporting::term::{self, termcolor::Buffer};

use super::snippet::{escape, Snippet};
use crate::report::{Category, Report, Severity};
use crate::source::SourceFile;

/// Related locations listed under a finding before the rest are only counted.
const MAX_RELATED: usize = 10;

/// Renders findings with snippets from `files` (matched by display path).
pub fn render(report: &Report, files: &[SourceFile], color: bool) -> String {
    super::to_string(|out| write(report, files, color, out))
}

/// Writes findings with snippets from `files` (matched by display path), one
/// diagnostic at a time, then the sections and the summary.
///
/// Each snippet is cut from the file around its finding (see [`Snippet`]), so the
/// output grows with the number of findings, never with the length of a line, and
/// what comes from the files (paths, values in messages, source lines) is escaped.
pub fn write(
    report: &Report,
    files: &[SourceFile],
    color: bool,
    out: &mut dyn Write,
) -> io::Result<()> {
    let by_path: std::collections::HashMap<&str, &SourceFile> =
        files.iter().map(|f| (f.display.as_str(), f)).collect();
    let config = term::Config::default();
    for finding in &report.findings {
        out.write_all(&diagnostic(finding, &by_path, &config, color))?;
    }
    write_sections(report, out)?;
    // Per service before the summary, so it still ends with the category table
    // (at most a few lines: a long list is one line pointing elsewhere).
    out.write_all(service_table(report).as_bytes())?;
    out.write_all(summary(report).as_bytes())
}

/// One finding drawn by codespan (header, snippet, notes), or as one line when it
/// cannot be drawn.
fn diagnostic(
    finding: &crate::report::Finding,
    by_path: &std::collections::HashMap<&str, &SourceFile>,
    config: &term::Config,
    color: bool,
) -> Vec<u8> {
    let diagnostic = match finding.severity {
        Severity::Error => Diagnostic::error(),
        Severity::Warning => Diagnostic::warning(),
        Severity::Info => Diagnostic::note(),
    }
    .with_code(escape(&finding.rule, false))
    .with_message(escape(&finding.message, false));
    let mut notes = notes(finding);
    let l = &finding.location;
    let at = format!("{}:{}:{}", escape(&l.path, false), l.line, l.column);
    // codespan-reporting names no `info` severity: an info finding is drawn as
    // a note into its own buffer, and the header's word is put right below.
    let mut one = if color {
        Buffer::ansi()
    } else {
        Buffer::no_color()
    };
    let emitted = match by_path.get(l.path.as_str()) {
        Some(file) => {
            let (start, end) = finding.byte_range;
            let snippet = Snippet::new(file, start, end);
            let diagnostic = diagnostic
                .with_labels(vec![Label::primary((), snippet.label.clone())])
                .with_notes(notes);
            term::emit_to_write_style(&mut one, config, &snippet, &diagnostic)
        }
        None => {
            notes.insert(0, format!("at {at}"));
            let diagnostic = diagnostic.with_notes(notes);
            let none = codespan_reporting::files::SimpleFile::new("", "");
            term::emit_to_write_style(&mut one, config, &none, &diagnostic)
        }
    };
    if emitted.is_ok() {
        let mut drawn = one.into_inner();
        if finding.severity == Severity::Info {
            info_header(&mut drawn);
        }
        drawn
    } else {
        format!(
            "{at}: {} [{}]\n",
            escape(&finding.message, false),
            escape(&finding.rule, false)
        )
        .into_bytes()
    }
}

/// The notes under a finding: its target, the other places with the same
/// problem (the first [`MAX_RELATED`]), and the fix.
fn notes(finding: &crate::report::Finding) -> Vec<String> {
    let mut notes = Vec::new();
    if let Some(target) = &finding.target {
        notes.push(format!("target: {}", escape(target, false)));
    }
    if !finding.related.is_empty() {
        let shown: Vec<String> = finding
            .related
            .iter()
            .take(MAX_RELATED)
            .map(|l| format!("{}:{}:{}", escape(&l.path, false), l.line, l.column))
            .collect();
        let more = finding.related.len().saturating_sub(MAX_RELATED);
        notes.push(format!(
            "{} with the same problem: {}{}",
            super::others(finding),
            shown.join(", "),
            if more > 0 {
                format!(", … ({more} more)")
            } else {
                String::new()
            }
        ));
    }
    if !finding.help.is_empty() {
        notes.push(format!("help: {}", escape(&finding.help, true)));
    }
    notes
}

/// Renames the severity at the head of a diagnostic drawn as a note (`note[rule]`,
/// possibly behind a colour code) to `info`, the word every other output uses for
/// the severity. The header is the first text codespan writes, so the first `note`
/// is the severity, never text from a file; the words have the same width.
fn info_header(drawn: &mut [u8]) {
    if let Some(at) = drawn.windows(4).position(|w| w == b"note") {
        drawn[at..at + 4].copy_from_slice(b"info");
    }
}

/// The closing lines: counts per severity, files, coverage per category.
pub fn summary(report: &Report) -> String {
    let counts: Vec<String> = [Severity::Error, Severity::Warning, Severity::Info]
        .into_iter()
        .map(|s| {
            // Files that could not be read are printed as `error[...]` lines too, so
            // they count as errors here: the summary never says "0 errors" below them.
            let n = report.count(s)
                + if s == Severity::Error {
                    report.errors.len()
                } else {
                    0
                };
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
        let n = report.errors.len();
        out.push_str(&format!(
            " ({n} of the errors {} file{} that could not be read or parsed, printed above)",
            if n == 1 { "is a" } else { "are" },
            if n == 1 { "" } else { "s" }
        ));
    }
    if let Some(b) = report.baseline {
        out.push_str(&format!(
            " ({} in the baseline, {} baseline entr{} fixed)",
            b.matched,
            b.fixed,
            if b.fixed == 1 { "y" } else { "ies" }
        ));
    }
    out.push('\n');
    for gate in report.gates.iter().filter(|g| !g.passed) {
        out.push_str(&format!(
            "coverage gate failed: {} is {} ({}/{} covered), below the minimum {}%\n",
            gate.category.name(),
            percent(gate.percent),
            gate.covered,
            gate.total,
            gate.minimum
        ));
    }
    out.push_str(&coverage_table(report));
    out
}

fn percent(p: Option<f64>) -> String {
    p.map_or_else(|| "-".to_string(), |p| format!("{p:.1}%"))
}

/// The closing table: covered/total/percent per category, with the gate when one is set.
pub fn coverage_table(report: &Report) -> String {
    let gated = !report.gates.is_empty();
    let mut out = format!(
        "{:<16} {:>7} {:>6} {:>8}",
        "coverage", "covered", "total", "percent"
    );
    if gated {
        out.push_str(&format!(" {:>8}", "minimum"));
    }
    out.push('\n');
    for c in Category::ALL {
        let line = report
            .coverage
            .get(&c)
            .copied()
            .unwrap_or(crate::report::CoverageLine::new(0, 0));
        let mut row = format!(
            "{:<16} {:>7} {:>6} {:>8}",
            c.name(),
            line.covered,
            line.total,
            percent(line.percent)
        );
        if let Some(gate) = report.gates.iter().find(|g| g.category == c) {
            row.push_str(&format!(" {:>8}", format!("{:.1}%", gate.minimum)));
            if !gate.passed {
                row.push_str("  FAILED");
            }
        } else if gated {
            row.push_str(&format!(" {:>8}", "-"));
        }
        out.push_str(row.trim_end());
        out.push('\n');
    }
    if !report.end_to_end.is_empty() {
        out.push_str(&format!(
            "{:<16} {:>7} {:>6} {:>8}  (integration paths covered on at least one layer)\n",
            "end to end", "covered", "total", "percent"
        ));
        for (c, line) in &report.end_to_end {
            out.push_str(&format!(
                "{:<16} {:>7} {:>6} {:>8}\n",
                c.name(),
                line.covered,
                line.total,
                percent(line.percent)
            ));
        }
    }
    out
}

/// Services listed in the text summary; with more, one line points to the HTML and
/// JSON outputs, which list them all.
const MAX_SERVICES: usize = 10;

/// Coverage per service as `covered/total` per category (`-`: nothing counted).
fn service_table(report: &Report) -> String {
    let services = &report.service_coverage;
    if services.is_empty() {
        return String::new();
    }
    if services.len() > MAX_SERVICES {
        return format!(
            "coverage per service: {} services, see `--format html` (or `service_coverage` in `--format json`)\n",
            services.len()
        );
    }
    let width = services
        .iter()
        .map(|s| s.service.chars().count())
        .max()
        .unwrap_or(0)
        .max("coverage by service".len());
    let mut out = format!("{:<width$} {:>8}", "coverage by service", "findings");
    for c in Category::ALL {
        out.push_str(&format!(" {:>w$}", c.name(), w = c.name().len().max(7)));
    }
    out.push('\n');
    for s in services {
        let mut row = format!("{:<width$} {:>8}", escape(&s.service, false), s.findings);
        for c in Category::ALL {
            let figure = match s.coverage.get(&c) {
                Some(l) if l.total > 0 => format!("{}/{}", l.covered, l.total),
                _ => "-".to_string(),
            };
            row.push_str(&format!(" {:>w$}", figure, w = c.name().len().max(7)));
        }
        out.push_str(&row);
        out.push('\n');
    }
    out
}

/// Sections printed between the findings and the summary: ignore comments that need
/// attention, integration points left unjudged (deploy-time substitutions), and (when asked for) the ignored findings and the counted integration points.
pub fn write_sections(report: &Report, out: &mut dyn Write) -> io::Result<()> {
    let mut out = Counted {
        inner: out,
        bytes: 0,
    };
    for p in &report.ignore_problems {
        let kind = match p.kind {
            crate::report::IgnoreProblemKind::MissingReason => "ignore-without-reason",
            crate::report::IgnoreProblemKind::Unused => "unused-ignore",
        };
        writeln!(
            out,
            "warning[{kind}]: {}:{}:{}: {}",
            escape(&p.path, false),
            p.line,
            p.column,
            escape(&p.message, false)
        )?;
    }
    if !report.ignored.is_empty() {
        writeln!(out, "ignored findings ({}):", report.ignored.len())?;
        for i in &report.ignored {
            let l = &i.finding.location;
            let reason = if i.reason.is_empty() {
                "no reason given".to_string()
            } else {
                escape(&i.reason, false)
            };
            writeln!(
                out,
                "  {}:{}:{}: [{}] {}\n    reason: {reason}",
                escape(&l.path, false),
                l.line,
                l.column,
                escape(&i.finding.rule, false),
                escape(&i.finding.message, false)
            )?;
        }
    }
    for u in &report.unresolved {
        writeln!(
            out,
            "info[unresolved]: {}:{}:{}: [{}] {}",
            escape(&u.location.path, false),
            u.location.line,
            u.location.column,
            escape(&u.rule, false),
            escape(&u.message, false)
        )?;
    }
    for c in Category::ALL {
        let subjects: Vec<_> = report.subjects.iter().filter(|s| s.category == c).collect();
        if subjects.is_empty() {
            continue;
        }
        let covered = subjects.iter().filter(|s| s.covered).count();
        writeln!(
            out,
            "{} integration points ({covered}/{} covered):",
            c.name(),
            subjects.len()
        )?;
        for s in subjects {
            writeln!(
                out,
                "  {:<8} {}:{}:{}  {}",
                if s.covered { "covered" } else { "missing" },
                escape(&s.path, false),
                s.line,
                s.column,
                escape(&s.subject, false)
            )?;
            if let Some(by) = &s.covered_by {
                writeln!(out, "           {}", escape(by, false))?;
            }
        }
    }
    if out.bytes > 0 {
        out.write_all(b"\n")?;
    }
    Ok(())
}

/// A writer that counts what went through it: [`write_sections`] ends with a
/// blank line only when it wrote something.
struct Counted<'a> {
    inner: &'a mut dyn Write,
    bytes: usize,
}

impl Write for Counted<'_> {
    fn write(&mut self, buf: &[u8]) -> io::Result<usize> {
        let n = self.inner.write(buf)?;
        self.bytes += n;
        Ok(n)
    }

    fn flush(&mut self) -> io::Result<()> {
        self.inner.flush()
    }
}

/// A diagnostic about a line and column of a file (a file that does not parse, a
/// config or rule-file error), drawn like a finding: the header, `┌─ path:line:col`
/// and a snippet with the position underlined (to the end of the word there).
/// `None` when the line is not in the file.
pub fn at_position(
    file: &SourceFile,
    line: usize,
    column: Option<usize>,
    code: Option<&str>,
    message: &str,
    color: bool,
) -> Option<String> {
    if line == 0 || line > file.line_count() {
        return None;
    }
    let (ls, le) = file.line_range(line - 1);
    let start = file.offset_of_column(ls, le, column.unwrap_or(1).saturating_sub(1));
    let end = match column {
        // The word at the position, at least one character when the line has one.
        Some(_) => {
            let rest = &file.text[start..le];
            let word = rest
                .find(|c: char| c.is_whitespace() || ",]}=".contains(c))
                .unwrap_or(rest.len());
            let first = rest.chars().next().map_or(0, char::len_utf8);
            start + word.max(first)
        }
        None => le,
    };
    let snippet = Snippet::new(file, start, end);
    let mut diagnostic = Diagnostic::error()
        .with_message(escape(message, false))
        .with_labels(vec![Label::primary((), snippet.label.clone())]);
    if let Some(code) = code {
        diagnostic = diagnostic.with_code(code);
    }
    let mut buffer = if color {
        Buffer::ansi()
    } else {
        Buffer::no_color()
    };
    term::emit_to_write_style(&mut buffer, &term::Config::default(), &snippet, &diagnostic).ok()?;
    Some(String::from_utf8_lossy(buffer.as_slice()).into_owned())
}

/// Error entries on stderr in text mode: with a snippet when the entry has a line
/// and its file's text is at hand (`files`, by display path), else as one
/// `error[kind]: path:line:col: message` line.
pub fn errors_with_snippets(report: &Report, files: &[SourceFile], color: bool) -> String {
    let by_path: std::collections::HashMap<&str, &SourceFile> =
        files.iter().map(|f| (f.display.as_str(), f)).collect();
    report
        .errors
        .iter()
        .map(|e| {
            let kind = kind_name(e.kind);
            let drawn = match (e.line, by_path.get(e.path.as_str())) {
                (Some(line), Some(file)) if !file.text.is_empty() => {
                    at_position(file, line, e.column, Some(&kind), &e.message, color)
                }
                _ => None,
            };
            drawn.unwrap_or_else(|| one_line(e, &kind))
        })
        .collect()
}

fn kind_name(kind: crate::report::ErrorKind) -> String {
    serde_json::to_value(kind)
        .ok()
        .and_then(|v| v.as_str().map(str::to_string))
        .unwrap_or_default()
}

fn one_line(e: &crate::report::FileError, kind: &str) -> String {
    let pos = match (e.line, e.column) {
        (Some(l), Some(c)) => format!(":{l}:{c}"),
        (Some(l), None) => format!(":{l}"),
        _ => String::new(),
    };
    format!(
        "error[{kind}]: {}{pos}: {}\n",
        escape(&e.path, false),
        escape(&e.message, false)
    )
}

/// Error entries as `error[kind]: path:line:col: message` lines, without snippets.
pub fn errors(report: &Report) -> String {
    report
        .errors
        .iter()
        .map(|e| one_line(e, &kind_name(e.kind)))
        .collect()
}
