//! `--format github`: GitHub Actions workflow commands, one annotation per finding
//! (`::warning file=..,line=..,col=..,endLine=..,endColumn=..,title=..::message`),
//! shown on the pull request's diff. Paths are relative to the repository root.
//!
//! Escaping follows the runner's rules: in the message `%`, CR and LF become
//! `%25`, `%0D`, `%0A`; in property values `:` and `,` are escaped too.

use std::io::{self, Write};

use super::Repo;
use crate::report::{Report, Severity};

fn escape_data(s: &str) -> String {
    s.replace('%', "%25")
        .replace('\r', "%0D")
        .replace('\n', "%0A")
}

fn escape_property(s: &str) -> String {
    escape_data(s).replace(':', "%3A").replace(',', "%2C")
}

fn command(severity: Severity) -> &'static str {
    match severity {
        Severity::Error => "error",
        Severity::Warning => "warning",
        Severity::Info => "notice",
    }
}

pub fn render(report: &Report, repo: &Repo) -> String {
    super::to_string(|out| write(report, repo, out))
}

/// Writes one workflow command per finding, ignore problem, file error and failed
/// gate, as it goes.
pub fn write(report: &Report, repo: &Repo, out: &mut dyn Write) -> io::Result<()> {
    for f in &report.findings {
        let l = &f.location;
        let file = repo.path(&l.path).unwrap_or_else(|| l.path.clone());
        writeln!(
            out,
            "::{} file={},line={},col={},endLine={},endColumn={},title={}::{}",
            command(f.severity),
            escape_property(&file),
            l.line,
            l.column,
            l.end_line,
            l.end_column,
            escape_property(&f.rule),
            escape_data(&super::with_others(f))
        )?;
    }
    for p in &report.ignore_problems {
        let file = repo.path(&p.path).unwrap_or_else(|| p.path.clone());
        writeln!(
            out,
            "::warning file={},line={},col={},title={}::{}",
            escape_property(&file),
            p.line,
            p.column,
            escape_property("resilint ignore comment"),
            escape_data(&p.message)
        )?;
    }
    for e in &report.errors {
        let file = repo.path(&e.path).unwrap_or_else(|| e.path.clone());
        let line = e.line.map(|l| format!(",line={l}")).unwrap_or_default();
        writeln!(
            out,
            "::error file={}{line},title={}::{}",
            escape_property(&file),
            escape_property("resilint could not read this file"),
            escape_data(&e.message)
        )?;
    }
    for g in report.gates.iter().filter(|g| !g.passed) {
        writeln!(
            out,
            "::error title={}::{}",
            escape_property("resilint coverage gate"),
            escape_data(&format!(
                "{} coverage {}/{} ({:.1}%) is below the minimum {}%",
                g.category.name(),
                g.covered,
                g.total,
                g.percent.unwrap_or(0.0),
                g.minimum
            ))
        )?;
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn escapes_as_the_runner_expects() {
        assert_eq!(escape_data("50%\r\nnext"), "50%25%0D%0Anext");
        assert_eq!(escape_property("a:b,c%"), "a%3Ab%2Cc%25");
    }
}
