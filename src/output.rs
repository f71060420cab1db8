//! What `check` does between the engine and the renderers: the baseline, the
//! coverage gates and the optional listings are applied to the report, and each
//! requested format is paired with where it goes.
//!
//! Pairing rule: the n-th `--output` is where the n-th `--format` is written;
//! formats left without an `--output` (or with `--output -`) go to stdout, and at
//! most one may. So `--format sarif --output results.sarif --format text` writes
//! SARIF to a file and prints text.

use std::path::{Path, PathBuf};

use crate::baseline;
use crate::cli::{CheckArgs, Format};
use crate::engine::Outcome;
use crate::gate;
use crate::render::{self, Repo};
use crate::report::{CountedSubject, Report};
use crate::source::SourceFile;

/// One format and its destination (`None`: stdout).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Target {
    pub format: Format,
    pub path: Option<PathBuf>,
}

/// Pairs formats with outputs, or says why the combination cannot work.
pub fn targets(formats: &[Format], outputs: &[PathBuf]) -> Result<Vec<Target>, String> {
    let formats = if formats.is_empty() {
        &[Format::Text][..]
    } else {
        formats
    };
    if outputs.len() > formats.len() {
        return Err(format!(
            "{} --output but {} --format: the n-th --output is where the n-th --format goes, so give a --format for each",
            outputs.len(),
            formats.len()
        ));
    }
    let targets: Vec<Target> = formats
        .iter()
        .enumerate()
        .map(|(i, &format)| Target {
            format,
            path: outputs.get(i).filter(|p| p.as_os_str() != "-").cloned(),
        })
        .collect();
    if targets.iter().filter(|t| t.path.is_none()).count() > 1 {
        return Err(
            "more than one --format would go to stdout: give each but one an --output FILE (the n-th --output goes with the n-th --format)"
                .into(),
        );
    }
    Ok(targets)
}

/// The report as it is rendered, with the sources text snippets are cut from.
pub struct Finished {
    pub report: Report,
    pub files: Vec<SourceFile>,
    /// The integration graph, for coverage per service and the HTML map.
    pub graph: crate::graph::Graph,
}

/// Applies the baseline (writing it first with `--write-baseline`), the coverage
/// gates and the listings asked for. `Err` is a usage error.
pub fn finish(outcome: Outcome, args: &CheckArgs) -> Result<Finished, String> {
    let Outcome {
        mut report,
        files,
        counted,
        min_coverage,
        graph,
        ..
    } = outcome;
    // `--changed-only`: only these files' findings count, against the baseline too.
    let shown = args
        .changed_only
        .then(|| crate::changed::shown(&files, &args.paths));
    if let Some(shown) = &shown {
        crate::changed::keep_only(&mut report, shown);
    }
    if args.write_baseline.is_some() && args.changed_only {
        return Err(
            "--write-baseline records a whole repository: run it without --changed-only".into(),
        );
    }
    if let Some(path) = &args.write_baseline {
        let written = baseline::of(&report.findings);
        std::fs::write(path, baseline::to_json(&written))
            .map_err(|e| format!("cannot write baseline {}: {e}", path.display()))?;
        if !args.quiet {
            eprintln!(
                "wrote {} finding{} to the baseline {}",
                written.findings.len(),
                if written.findings.len() == 1 { "" } else { "s" },
                path.display()
            );
        }
        baseline::apply(&mut report, &written);
    } else if let Some(path) = &args.baseline {
        let mut entries = baseline::read(path)?;
        if let Some(shown) = &shown {
            entries.findings.retain(|e| shown.contains(&e.path));
        }
        baseline::apply(&mut report, &entries);
    }
    // A `--changed-only` run reads the Rust of the changed packages only: its
    // coverage is partial, so gates are left to full runs (CI).
    if !args.changed_only {
        let thresholds = gate::thresholds(&min_coverage, &args.min_coverage);
        report.gates = gate::evaluate(&report.coverage, &thresholds);
    }
    if !args.show_ignored {
        report.ignored.clear();
    }
    if args.show_covered {
        report.subjects = counted
            .iter()
            .filter_map(|c| {
                let file = files.get(c.file)?;
                let at = file.line_col(c.span.start);
                Some(CountedSubject {
                    category: c.category,
                    path: file.display.clone(),
                    line: at.line,
                    column: at.column,
                    subject: c.concrete.clone(),
                    covered: c.covered,
                    covered_by: c.covered_by.clone(),
                })
            })
            .collect();
        report.subjects.sort();
        if let Some(shown) = &shown {
            crate::changed::keep_only(&mut report, shown);
        }
    }
    // Last: baseline, ignores and `--changed-only` judged each subject on its own.
    crate::report::group_shared(&mut report.findings);
    // Per service, the integration points shown (all but `--changed-only`'s others).
    let counted: Vec<_> = match &shown {
        Some(shown) => counted
            .into_iter()
            .filter(|c| {
                files
                    .get(c.file)
                    .is_some_and(|f| shown.contains(&f.display))
            })
            .collect(),
        None => counted,
    };
    report.service_coverage =
        crate::graph::owners::per_service(&graph, &files, &counted, &report.findings);
    Ok(Finished {
        report,
        files,
        graph,
    })
}

/// The repository the working directory is in: the nearest ancestor holding `.git`,
/// else the working directory itself.
pub fn repo() -> Repo {
    let cwd = std::env::current_dir().unwrap_or_default();
    let root = cwd
        .ancestors()
        .find(|d| d.join(".git").exists())
        .unwrap_or(&cwd);
    let slash = |p: &Path| p.to_string_lossy().replace('\\', "/");
    let prefix = cwd.strip_prefix(root).map(slash).unwrap_or_default();
    Repo {
        root: slash(root).trim_end_matches('/').to_string(),
        prefix: if prefix.is_empty() {
            prefix
        } else {
            format!("{prefix}/")
        },
    }
}

/// One format's bytes, as a string (tests; `check` uses [`write`]).
pub fn render(format: Format, done: &Finished, repo: &Repo, color: bool) -> String {
    render::to_string(|out| write(format, done, repo, color, out))
}

/// Writes one format onto `out` as it is rendered (hand it a buffered writer):
/// the whole output is never held in memory. The error is the writer's.
pub fn write(
    format: Format,
    done: &Finished,
    repo: &Repo,
    color: bool,
    out: &mut dyn std::io::Write,
) -> std::io::Result<()> {
    let report = &done.report;
    match format {
        Format::Text => render::text::write(report, &done.files, color, out),
        Format::Concise => render::concise::write(report, out),
        Format::Json => render::json::write(report, out),
        Format::Sarif => render::sarif::write(report, repo, out),
        Format::Github => render::github::write(report, repo, out),
        Format::Markdown => render::markdown::write(report, out),
        Format::Gitlab => render::gitlab::write(report, repo, out),
        Format::Junit => render::junit::write(report, out),
        Format::Html => {
            // Findings are put on the map's edges only for the page that draws them.
            let mut graph = done.graph.clone();
            graph.attach_findings(&report.findings);
            render::html::write(report, &done.files, &graph, out)
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_nth_output_goes_with_the_nth_format() {
        let t = targets(&[Format::Sarif, Format::Text], &[PathBuf::from("r.sarif")]).unwrap();
        assert_eq!(t[0].path.as_deref(), Some(Path::new("r.sarif")));
        assert_eq!(t[1].path, None);
        assert_eq!(targets(&[], &[]).unwrap()[0].format, Format::Text);
        assert!(targets(&[Format::Json, Format::Text], &[]).is_err());
        assert!(targets(&[Format::Json], &["a".into(), "b".into()]).is_err());
    }
}
