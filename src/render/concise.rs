//! `--format concise` (also `--output-format concise`): one line per finding,
//! `path:line:column: severity[rule] message`, for editors, grep and quick looks;
//! then the summary and coverage table of the text format.

use super::snippet::escape;
use crate::report::Report;

pub fn render(report: &Report) -> String {
    let mut out = String::new();
    for f in &report.findings {
        let l = &f.location;
        let others = super::others(f);
        out.push_str(&format!(
            "{}:{}:{}: {}[{}] {}{}\n",
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
        ));
    }
    out.push_str(&super::text::sections(report));
    out.push_str(&super::text::summary(report));
    out
}
