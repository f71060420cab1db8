//! Errors only where they matter. A file that fails to parse, or is a template,
//! is an `errors` entry only when it could hold something resilint judges: its
//! text names a known platform (an `apiVersion` of a known group or one a rule
//! selects, a kind a rule selects, `_format_version`, `static_resources`,
//! `resilience4j`, `spring.cloud`, ...). Otherwise it is counted as skipped, with
//! the reason (`--show-skipped`), and `--strict` does not fail on it: a GitHub
//! Actions `${{ }}` expression or a `{{version}}` string in some other tool's file
//! is not resilint's business.
//!
//! Helm charts: templated files below a directory holding `Chart.yaml` are
//! reported once per chart, with the command that renders it for resilint.

use std::collections::{BTreeMap, HashSet};
use std::path::{Path, PathBuf};

use globset::GlobSet;

use crate::report::{ErrorKind, FileError, Skipped};
use crate::rules::Rule;

/// API groups (the part of `apiVersion` before `/`) of the platforms resilint
/// knows, matched as suffixes: `networking.istio.io`, `policy.linkerd.io`, ...
const KNOWN_GROUP_SUFFIXES: &[&str] = &[
    "istio.io",
    "gateway.networking.k8s.io",
    "linkerd.io",
    "consul.hashicorp.com",
    "konghq.com",
];

/// Words that only the configuration of a known platform holds.
const MARKERS: &[&str] = &[
    "_format_version",
    "static_resources",
    "staticResources",
    "dynamic_resources",
    "type.googleapis.com/envoy",
    "resilience4j",
    "spring.cloud",
    "feign.client",
    "\"service-router\"",
    "\"service-resolver\"",
    "\"service-defaults\"",
    "\"proxy-defaults\"",
];

/// What makes a file's text worth an error: built from the active rules.
pub struct Relevance {
    /// Every rule's `select.api-version` glob.
    api_versions: Vec<GlobSet>,
    /// Every kind a rule selects.
    kinds: HashSet<String>,
}

impl Relevance {
    pub fn new(rules: &[Rule]) -> Self {
        Relevance {
            api_versions: rules
                .iter()
                .filter_map(|r| r.spec.select.api_version.as_ref().map(|g| g.0.clone()))
                .collect(),
            kinds: rules
                .iter()
                .flat_map(|r| r.spec.select.kind.0.iter().cloned())
                .collect(),
        }
    }

    /// Whether `text` names a platform resilint judges.
    pub fn names_a_platform(&self, text: &str) -> bool {
        if MARKERS.iter().any(|m| text.contains(m)) || nested_spring_cloud(text) {
            return true;
        }
        values_of(text, "apiVersion").any(|v| {
            let group = v.split('/').next().unwrap_or("");
            KNOWN_GROUP_SUFFIXES.iter().any(|s| group.ends_with(s))
                || self.api_versions.iter().any(|g| g.is_match(v))
        }) || values_of(text, "kind").any(|v| self.kinds.contains(v))
    }
}

/// Spring Cloud written as nested YAML (`spring:` then `cloud:` or `openfeign:`
/// deeper down), which the dotted `spring.cloud` marker does not see, or Feign's
/// `feign:` with a `client:` below it.
fn nested_spring_cloud(text: &str) -> bool {
    let top = |key: &str| text.lines().any(|l| l.trim_end() == key);
    let nested = |key: &str| {
        text.lines()
            .any(|l| l.starts_with([' ', '\t']) && l.trim_start().starts_with(key))
    };
    (top("spring:") && (nested("cloud:") || nested("openfeign:")))
        || (top("feign:") && nested("client:"))
}

/// The values written after `key` on any line (`key: v`, `"key": "v"`), as far as a
/// plain reading of a file that may not parse can tell.
fn values_of<'a>(text: &'a str, key: &'a str) -> impl Iterator<Item = &'a str> + 'a {
    text.match_indices(key).filter_map(move |(at, _)| {
        let before = text[..at].chars().next_back();
        if before.is_some_and(|c| c.is_alphanumeric() || c == '_' || c == '-') {
            return None;
        }
        let rest = text[at + key.len()..]
            .strip_prefix(['"', '\''])
            .unwrap_or(&text[at + key.len()..]);
        let rest = rest.trim_start_matches([' ', '\t']).strip_prefix(':')?;
        let rest = rest.trim_start_matches([' ', '\t', '"', '\'']);
        let end = rest
            .find(|c: char| c.is_whitespace() || matches!(c, '"' | '\'' | ',' | '}' | ']' | '#'))
            .unwrap_or(rest.len());
        (end > 0).then(|| &rest[..end])
    })
}

/// One file's load errors, before triage.
pub struct FileErrors<'a> {
    pub path: &'a Path,
    pub display: &'a str,
    /// The file's text, when it was read.
    pub text: Option<&'a str>,
    /// Whether a document that did load belongs to a known platform.
    pub judged_docs: bool,
    pub errors: Vec<FileError>,
}

/// The outcome of triage: errors to report, files skipped, and how many files
/// were skipped whole (not counted as scanned).
#[derive(Default)]
pub struct Sorted {
    pub errors: Vec<FileError>,
    pub skipped: Vec<Skipped>,
}

/// Sorts each file's errors into `errors` or `skipped` (module doc).
pub fn sort_out(files: Vec<FileErrors<'_>>, relevance: &Relevance, cwd: &Path) -> Sorted {
    let mut out = Sorted::default();
    // Templated files of each Helm chart: (chart dir) → (matters, files, first error).
    let mut charts: BTreeMap<PathBuf, (bool, usize, FileError)> = BTreeMap::new();
    for mut file in files {
        let (soft, hard): (Vec<FileError>, Vec<FileError>) = std::mem::take(&mut file.errors)
            .into_iter()
            .partition(|e| matches!(e.kind, ErrorKind::Parse | ErrorKind::Template));
        out.errors.extend(hard);
        let Some(first) = soft.first().cloned() else {
            continue;
        };
        let matters = file.judged_docs || names_a_platform(&file, relevance);
        if first.kind == ErrorKind::Template {
            if let Some(chart) = chart_of(file.path) {
                let entry = charts.entry(chart).or_insert((false, 0, first));
                entry.0 |= matters;
                entry.1 += 1;
                continue;
            }
        }
        if matters {
            out.errors.extend(soft);
        } else {
            out.skipped.push(Skipped {
                path: file.display.to_string(),
                reason: match first.kind {
                    ErrorKind::Template => format!(
                        "{}; it names no platform resilint judges",
                        position(&first, "template markup")
                    ),
                    _ => format!(
                        "{} ({}); it names no platform resilint judges",
                        position(&first, "does not parse"),
                        first.message
                    ),
                },
            });
        }
    }
    for (chart, (matters, count, first)) in charts {
        let shown = crate::discover::display_path(&chart, cwd);
        let message = format!(
            "{count} template file{} of this Helm chart not linted (first: {}): render the chart and lint the output: `helm template {shown} | resilint check -`",
            if count == 1 { "" } else { "s" },
            position(&first, &first.path)
        );
        if matters {
            out.errors.push(FileError {
                path: shown,
                line: None,
                column: None,
                kind: ErrorKind::Template,
                message,
            });
        } else {
            out.skipped.push(Skipped {
                path: shown,
                reason: format!("{message}; its templates name no platform resilint judges"),
            });
        }
    }
    out
}

/// `what:line:column` of an error.
fn position(e: &FileError, what: &str) -> String {
    match (e.line, e.column) {
        (Some(l), Some(c)) => format!("{what} at {l}:{c}"),
        (Some(l), None) => format!("{what} at line {l}"),
        _ => what.to_string(),
    }
}

fn names_a_platform(file: &FileErrors<'_>, relevance: &Relevance) -> bool {
    match file.text {
        Some(text) if !text.is_empty() => relevance.names_a_platform(text),
        // Not read as text (invalid UTF-8, NUL bytes): read the bytes once more.
        _ => std::fs::read(file.path)
            .is_ok_and(|b| relevance.names_a_platform(&String::from_utf8_lossy(&b))),
    }
}

/// The chart a file belongs to: the nearest directory above it holding `Chart.yaml`.
pub fn chart_of(path: &Path) -> Option<PathBuf> {
    path.parent()?
        .ancestors()
        .find(|d| d.join("Chart.yaml").is_file())
        .map(Path::to_path_buf)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn relevance() -> Relevance {
        Relevance::new(&crate::rules::builtin().unwrap())
    }

    #[test]
    fn known_platforms_are_recognised_in_text_that_does_not_parse() {
        let r = relevance();
        assert!(r.names_a_platform("apiVersion: networking.istio.io/v1\nkind: {{ x }}\n"));
        assert!(r.names_a_platform("{\"apiVersion\": \"gateway.networking.k8s.io/v1\""));
        assert!(r.names_a_platform("_format_version: \"3.0\"\n{{ x }}"));
        assert!(r.names_a_platform("kind: VirtualService\n"));
        assert!(r.names_a_platform("spring:\n  cloud:\n    gateway: [\n"));
        assert!(!r.names_a_platform("spring:\n  datasource: [\n"));
    }

    #[test]
    fn other_tools_files_are_not() {
        let r = relevance();
        assert!(!r.names_a_platform("on: push\nrun: echo ${{ github.sha }}\n"));
        assert!(!r.names_a_platform("apiVersion: apps/v1\nkind: Deployment\n"));
        assert!(!r.names_a_platform("{\"version\": \"{{version}}\"}"));
        // A key that only ends in `kind` is not `kind`.
        assert!(!r.names_a_platform("subkind: VirtualService\n"));
    }
}
