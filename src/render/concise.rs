//! `--format concise` (also `--output-format concise`): one line per finding,
//! `path:line:column: severity[rule] message`, for editors, grep and quick looks;
//! then the summary and coverage table of the text format.

use std::io::{self, Write};

use super::snippet::escape;
use crate::report::Report;

pub fn render(report: &Report) -> String {
    super::to_string(|out| write(report, out))
}

/// Writes one line per finding as it goes, then the text format's closing parts.
pub fn write(report: &Report, out: &mut dyn Write) -> io::Result<()> {
    for f in &report.findings {
        let l = &f.location;
        let others = super::others(f);
        writeln!(
            out,
            "{}:{}:{}: {}[{}] {}{}",
            escape(&l.path, false),
            l.line,
            l.column,
            f.severity.name(),
            escape(&f.rule, false),
            escape(&f.message, false),
            if others.is_empty() {
                others
            } else {
                format!(" ({others})")
            }
        )?;
    }
    super::text::write_sections(report, out)?;
    out.write_all(super::text::summary(report).as_bytes())
}
