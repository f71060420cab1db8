//! Inline suppressions: `# resilint: ignore[rule-id] reason` (or `// ...` in Rust)
//! on the finding's first line or on the line just above it.
//!
//! Several ids may be listed, comma-separated; `ignore[*]` silences every rule on
//! that line. A suppressed finding is dropped from the output but its subject
//! still counts as not covered.
//!
//! The reason (the text after `]`) is required, and every id must silence
//! something: an ignore without a reason still silences (so adding the reason is
//! the only change asked for), but is reported as `missing-reason`; an id that
//! matched no finding on the line it covers (a fixed finding, a typo, a rule that
//! is off) is reported as `unused`, like ruff's unused `noqa`.

use std::collections::{HashMap, HashSet};

use crate::report::{Finding, IgnoreProblem, IgnoreProblemKind, Ignored};
use crate::source::SourceFile;

pub(crate) const MARKER: &str = "resilint: ignore[";

/// One ignore comment found in a file.
#[derive(Debug)]
struct Marker<'a> {
    /// 0-based line of the comment.
    line0: usize,
    /// Byte offset of `resilint: ignore[`.
    offset: usize,
    ids: Vec<&'a str>,
    reason: &'a str,
    /// The line holds nothing but the comment, so it also covers the next line.
    own_line: bool,
    /// Per id: whether it silenced a finding.
    used: Vec<bool>,
}

/// Ids and reason of the comment starting at `start` (just past the marker), if it closes.
fn parse_at(line: &str, start: usize) -> Option<(Vec<&str>, &str)> {
    let end = start + line[start..].find(']')?;
    let ids = line[start..end].split(',').map(str::trim).collect();
    let reason = line[end + 1..]
        .trim()
        .trim_end_matches("*/")
        .trim_start_matches(['-', ':', '—'])
        .trim();
    Some((ids, reason))
}

#[cfg(test)]
fn line_suppresses(line: &str, rule: &str) -> bool {
    line.find(MARKER)
        .and_then(|at| parse_at(line, at + MARKER.len()))
        .is_some_and(|(ids, _)| ids.iter().any(|id| *id == rule || *id == "*"))
}

/// Every ignore comment of a file, in line order, found with one substring search
/// over its bytes: a finding's lookup never rescans its line (a minified JSON file
/// is one line of megabytes).
fn markers(file: &SourceFile) -> Vec<Marker<'_>> {
    if file.text.has_no_ignores() {
        return Vec::new();
    }
    let finder = memchr::memmem::Finder::new(MARKER);
    let mut out: Vec<Marker<'_>> = Vec::new();
    for offset in finder.find_iter(file.text.as_bytes()) {
        let line0 = file.line_col(offset).line - 1;
        if out.last().is_some_and(|m| m.line0 == line0) {
            continue; // one comment per line, as before
        }
        let (s, e) = file.line_range(line0);
        let line = &file.text[s..e];
        let Some((ids, reason)) = parse_at(line, offset - s + MARKER.len()) else {
            continue;
        };
        let head = line[..offset - s].trim();
        let own_line = head.starts_with('#') || head.starts_with("//");
        out.push(Marker {
            line0,
            offset,
            used: vec![false; ids.len()],
            ids,
            reason,
            own_line,
        });
    }
    out
}

/// What [`apply`] took out of the findings and what it has to say about the comments.
#[derive(Debug, Default)]
pub struct Applied {
    pub ignored: Vec<Ignored>,
    pub problems: Vec<IgnoreProblem>,
}

/// Removes suppressed findings; returns them with their reasons, and the ignore
/// comments that lack a reason or silenced nothing. `known` tells active rule ids.
pub fn apply<'a>(
    findings: &mut Vec<Finding>,
    files: impl IntoIterator<Item = &'a SourceFile>,
    known: &HashSet<&str>,
) -> Applied {
    // Every file's text is scanned for comments: in parallel (16k files take 15 ms).
    use rayon::prelude::*;
    let files: Vec<&SourceFile> = files.into_iter().collect();
    let found: Vec<(&SourceFile, Vec<Marker<'_>>)> = files
        .into_par_iter()
        .map(|file| (file, markers(file)))
        .filter(|(_, found)| !found.is_empty())
        .collect();
    let mut by_path: HashMap<&str, (&SourceFile, Vec<Marker<'_>>)> = found
        .into_iter()
        .map(|(file, found)| (file.display.as_str(), (file, found)))
        .collect();
    let mut applied = Applied::default();
    findings.retain(|f| {
        let Some((_, markers)) = by_path.get_mut(f.location.path.as_str()) else {
            return true;
        };
        let line0 = f.location.line - 1;
        // The comment on the finding's line, then an own-line comment just above.
        let here = markers.binary_search_by_key(&line0, |m| m.line0).ok();
        let above = line0
            .checked_sub(1)
            .and_then(|l| markers.binary_search_by_key(&l, |m| m.line0).ok())
            .filter(|&i| markers[i].own_line);
        for at in [here, above].into_iter().flatten() {
            let m = &mut markers[at];
            let Some(i) = m.ids.iter().position(|id| *id == f.rule || *id == "*") else {
                continue;
            };
            m.used[i] = true;
            applied.ignored.push(Ignored {
                finding: f.clone(),
                reason: m.reason.to_string(),
            });
            return false;
        }
        true
    });
    for (file, markers) in by_path.values() {
        for m in markers {
            applied.problems.extend(problems(file, m, known));
        }
    }
    applied.problems.sort();
    applied
}

/// The problems of one comment: a missing reason, then each unused id.
fn problems(file: &SourceFile, m: &Marker<'_>, known: &HashSet<&str>) -> Vec<IgnoreProblem> {
    let pos = file.line_col(m.offset);
    let problem = |kind, rule: &str, message: String| IgnoreProblem {
        path: file.display.clone(),
        line: pos.line,
        column: pos.column,
        kind,
        rule: rule.to_string(),
        message,
    };
    let mut out = Vec::new();
    if m.reason.is_empty() {
        out.push(problem(
            IgnoreProblemKind::MissingReason,
            &m.ids.join(", "),
            format!(
                "ignore[{}] gives no reason: write why after the bracket, e.g. `ignore[{}] batch job, runs for hours`",
                m.ids.join(", "),
                m.ids.first().copied().unwrap_or("*")
            ),
        ));
    }
    for (id, used) in m.ids.iter().zip(&m.used) {
        if *used {
            continue;
        }
        let why = if *id != "*" && !known.contains(id) {
            let near = crate::select::did_you_mean(id, known.iter().copied())
                .map(|c| format!("; did you mean `{c}`?"))
                .unwrap_or_default();
            format!(" (no active rule has this id{near}: `resilint rules` lists them)")
        } else {
            String::new()
        };
        out.push(problem(
            IgnoreProblemKind::Unused,
            id,
            format!("unused ignore: `{id}` matched no finding here{why}: remove it"),
        ));
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn names_one_or_several_rules() {
        let line = "  timeout: 0s  # resilint: ignore[istio/route-without-timeout] batch job";
        assert!(line_suppresses(line, "istio/route-without-timeout"));
        assert!(!line_suppresses(line, "istio/other"));
        assert!(line_suppresses("// resilint: ignore[a/b, c/d]", "c/d"));
        assert!(line_suppresses("# resilint: ignore[*]", "any/rule"));
        assert!(!line_suppresses("# resilint: ignore", "a/b"));
    }

    #[test]
    fn the_reason_is_the_text_after_the_bracket() {
        let at = |l: &str| l.find(MARKER).unwrap() + MARKER.len();
        let line = "# resilint: ignore[a/b] -- batch job ";
        assert_eq!(parse_at(line, at(line)).unwrap().1, "batch job");
        let line = "/* resilint: ignore[a/b] */";
        assert_eq!(parse_at(line, at(line)).unwrap().1, "");
        let line = "# resilint: ignore[a/b]";
        assert_eq!(parse_at(line, at(line)).unwrap().1, "");
    }
}
