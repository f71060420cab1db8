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

fn line_suppresses(line: &str, rule: &str) -> bool {
    suppressed_ids(line).is_some_and(|mut ids| ids.any(|id| id == rule || id == "*"))
}

/// Removes suppressed findings and returns how many there were.
pub fn apply(findings: &mut Vec<Finding>, files: &[SourceFile]) -> usize {
    let by_path: HashMap<&str, &SourceFile> =
        files.iter().map(|f| (f.display.as_str(), f)).collect();
    let before = findings.len();
    findings.retain(|f| {
        let Some(file) = by_path.get(f.location.path.as_str()) else {
            return true;
        };
        let line0 = f.location.line - 1;
        let text = |l: usize| {
            let (s, e) = file.line_range(l);
            &file.text[s..e]
        };
        let here = line_suppresses(text(line0), &f.rule);
        let above = line0 > 0 && {
            let prev = text(line0 - 1).trim_start();
            (prev.starts_with('#') || prev.starts_with("//")) && line_suppresses(prev, &f.rule)
        };
        !(here || above)
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
