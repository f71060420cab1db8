//! `--format markdown`: a summary for `$GITHUB_STEP_SUMMARY` or a pull-request
//! comment: counts, the coverage table (with gates), then findings grouped by rule.

use std::collections::BTreeMap;
use std::io::{self, Write};

use crate::report::{Category, CoverageLine, Finding, Report};

/// Keeps text on one line of a list item (Markdown renders the rest as written).
fn cell(s: &str) -> String {
    s.replace(['\n', '\r'], " ")
}

fn percent(p: Option<f64>) -> String {
    p.map_or_else(|| "–".to_string(), |p| format!("{p:.1}%"))
}

fn coverage(report: &Report) -> String {
    let gated = !report.gates.is_empty();
    let mut out = String::from("| category | covered | total | percent |");
    out.push_str(if gated { " minimum | gate |\n" } else { "\n" });
    out.push_str("|---|---:|---:|---:|");
    out.push_str(if gated { "---:|---|\n" } else { "\n" });
    for c in Category::ALL {
        let line = report
            .coverage
            .get(&c)
            .copied()
            .unwrap_or(CoverageLine::new(0, 0));
        out.push_str(&format!(
            "| {} | {} | {} | {} |",
            c.name(),
            line.covered,
            line.total,
            percent(line.percent)
        ));
        if gated {
            match report.gates.iter().find(|g| g.category == c) {
                Some(g) => out.push_str(&format!(
                    " {:.1}% | {} |",
                    g.minimum,
                    if g.passed { "✅ passed" } else { "❌ failed" }
                )),
                None => out.push_str(" – | |"),
            }
        }
        out.push('\n');
    }
    out
}

fn write_findings(report: &Report, out: &mut dyn Write) -> io::Result<()> {
    let mut by_rule: BTreeMap<&str, Vec<&Finding>> = BTreeMap::new();
    for f in &report.findings {
        by_rule.entry(&f.rule).or_default().push(f);
    }
    for (rule, list) in by_rule {
        write!(
            out,
            "\n### `{rule}` ({} {}, {})\n\n",
            list.len(),
            if list.len() == 1 {
                "finding"
            } else {
                "findings"
            },
            list[0].severity.name()
        )?;
        for f in list {
            let l = &f.location;
            writeln!(
                out,
                "- `{}:{}:{}` {}",
                cell(&l.path),
                l.line,
                l.column,
                cell(&super::with_others(f))
            )?;
        }
    }
    Ok(())
}

pub fn render(report: &Report) -> String {
    super::to_string(|out| write(report, out))
}

/// Writes the summary: the short head is built as a string, the lists (findings,
/// files that could not be read, ignore comments) are written line by line.
pub fn write(report: &Report, out: &mut dyn Write) -> io::Result<()> {
    let n = report.findings.len();
    let mut head = format!(
        "## resilint\n\n{n} {} in {} {}",
        if n == 1 { "finding" } else { "findings" },
        report.files_scanned,
        if report.files_scanned == 1 {
            "file"
        } else {
            "files"
        }
    );
    if report.suppressed > 0 {
        head.push_str(&format!(", {} ignored inline", report.suppressed));
    }
    if let Some(b) = report.baseline {
        head.push_str(&format!(
            ", {} in the baseline, {} baseline entries fixed",
            b.matched, b.fixed
        ));
    }
    if !report.errors.is_empty() {
        let n = report.errors.len();
        head.push_str(&format!(
            ", {n} {} could not be read",
            if n == 1 { "file" } else { "files" }
        ));
    }
    head.push_str(".\n\n");
    head.push_str(&coverage(report));
    for g in report.gates.iter().filter(|g| !g.passed) {
        head.push_str(&format!(
            "\n**Coverage gate failed:** {} is {} ({}/{} covered), below the minimum {}%.\n",
            g.category.name(),
            percent(g.percent),
            g.covered,
            g.total,
            g.minimum
        ));
    }
    out.write_all(head.as_bytes())?;
    if !report.findings.is_empty() {
        out.write_all(b"\n## Findings\n")?;
        write_findings(report, out)?;
    }
    if !report.errors.is_empty() {
        out.write_all(b"\n## Files that could not be read\n\n")?;
        for e in &report.errors {
            let line = e.line.map(|l| format!(":{l}")).unwrap_or_default();
            writeln!(out, "- `{}{line}` {}", cell(&e.path), cell(&e.message))?;
        }
    }
    if !report.ignore_problems.is_empty() {
        out.write_all(b"\n## Ignore comments to fix\n\n")?;
        for p in &report.ignore_problems {
            writeln!(
                out,
                "- `{}:{}:{}` {}",
                cell(&p.path),
                p.line,
                p.column,
                cell(&p.message)
            )?;
        }
    }
    Ok(())
}
