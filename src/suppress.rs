//! Inline suppressions: `# resilint: ignore[rule-id] reason` (or `// ...` in Rust)
//! on the finding's first line or on the line just above it.
//!
//! Several ids may be listed, comma-separated; `ignore[*]` silences every rule on
//! that line. A suppressed finding is dropped from the output but its subject
//! still counts as not covered.

use std::collections::HashMap;

use crate::report::Finding;
use crate::source::SourceFile;

const MARKER: &str = "resilint: ignore[";

/// Rule ids a line's suppression comment names, if it has one.
fn suppressed_ids(line: &str) -> Option<impl Iterator<Item = &str>> {
    let start = line.find(MARKER)? + MARKER.len();
    let end = start + line[start..].find(']')?;
    Some(line[start..end].split(',').map(str::trim))
}

#[cfg(test)]
fn line_suppresses(line: &str, rule: &str) -> bool {
    suppressed_ids(line).is_some_and(|mut ids| ids.any(|id| id == rule || id == "*"))
}

/// The lines of one file that hold a suppression comment: 0-based line → (the
/// comment's rule ids, whether the line is only a comment). Found in one pass over
/// the file, so a finding's lookup never rescans its line (a minified JSON file is
/// one line of megabytes).
fn marker_lines(file: &SourceFile) -> HashMap<usize, (Vec<&str>, bool)> {
    let mut lines = HashMap::new();
    for (offset, _) in file.text.match_indices(MARKER) {
        let line0 = file.line_col(offset).line - 1;
        if lines.contains_key(&line0) {
            continue;
        }
        let (s, e) = file.line_range(line0);
        let text = &file.text[s..e];
        let ids = suppressed_ids(text).map_or_else(Vec::new, Iterator::collect);
        let trimmed = text.trim_start();
        let comment = trimmed.starts_with('#') || trimmed.starts_with("//");
        lines.insert(line0, (ids, comment));
    }
    lines
}

/// Removes suppressed findings and returns how many there were.
pub fn apply(findings: &mut Vec<Finding>, files: &[SourceFile]) -> usize {
    let by_path: HashMap<&str, &SourceFile> =
        files.iter().map(|f| (f.display.as_str(), f)).collect();
    let mut markers: HashMap<&str, HashMap<usize, (Vec<&str>, bool)>> = HashMap::new();
    let before = findings.len();
    findings.retain(|f| {
        let Some(file) = by_path.get(f.location.path.as_str()) else {
            return true;
        };
        let lines = markers
            .entry(file.display.as_str())
            .or_insert_with(|| marker_lines(file));
        let names = |line0: usize, comment_only: bool| {
            lines.get(&line0).is_some_and(|(ids, comment)| {
                (*comment || !comment_only) && ids.iter().any(|id| *id == f.rule || *id == "*")
            })
        };
        let line0 = f.location.line - 1;
        !(names(line0, false) || (line0 > 0 && names(line0 - 1, true)))
    });
    before - findings.len()
}

#[cfg(test)]
mod tests {
    use super::line_suppresses;

    #[test]
    fn names_one_or_several_rules() {
        let line = "  timeout: 0s  # resilint: ignore[istio/route-without-timeout] batch job";
        assert!(line_suppresses(line, "istio/route-without-timeout"));
        assert!(!line_suppresses(line, "istio/other"));
        assert!(line_suppresses("// resilint: ignore[a/b, c/d]", "c/d"));
        assert!(line_suppresses("# resilint: ignore[*]", "any/rule"));
        assert!(!line_suppresses("# resilint: ignore", "a/b"));
    }
}
