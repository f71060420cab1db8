//! The report: findings, coverage and per-file errors, sorted once with a full key.
//! Renderers are pure functions of a [`Report`].

use std::collections::BTreeMap;

use serde::{Deserialize, Serialize};

#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
#[serde(rename_all = "kebab-case")]
pub enum Severity {
    Info,
    Warning,
    Error,
}

impl Severity {
    pub fn name(self) -> &'static str {
        match self {
            Severity::Info => "info",
            Severity::Warning => "warning",
            Severity::Error => "error",
        }
    }
}

/// What a finding is about; coverage is reported per category.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
#[serde(rename_all = "kebab-case")]
pub enum Category {
    Timeout,
    RetryBackoff,
    Idempotency,
    CircuitBreaker,
}

impl Category {
    pub const ALL: [Category; 4] = [
        Category::Timeout,
        Category::RetryBackoff,
        Category::Idempotency,
        Category::CircuitBreaker,
    ];

    pub fn name(self) -> &'static str {
        match self {
            Category::Timeout => "timeout",
            Category::RetryBackoff => "retry-backoff",
            Category::Idempotency => "idempotency",
            Category::CircuitBreaker => "circuit-breaker",
        }
    }
}

/// Where a finding points, resolved to lines and character columns.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord, Serialize)]
pub struct Location {
    pub path: String,
    pub line: usize,
    pub column: usize,
    pub end_line: usize,
    pub end_column: usize,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Finding {
    pub rule: String,
    pub category: Category,
    pub severity: Severity,
    pub message: String,
    #[serde(flatten)]
    pub location: Location,
    /// The host or address the integration point talks to, when known.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub target: Option<String>,
    /// The fix, as the rule's docs state it (text output prints it as `help`).
    #[serde(skip)]
    pub help: String,
    /// Byte range in the file, for snippets.
    #[serde(skip)]
    pub byte_range: (usize, usize),
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Serialize)]
#[serde(rename_all = "kebab-case")]
pub enum ErrorKind {
    Parse,
    Template,
    Io,
    Limit,
    /// A key written twice in one mapping: the document loads with the last value
    /// (as Kubernetes does), and the entry says which one was ignored.
    DuplicateKey,
}

/// A file that could not be read or parsed; the run goes on without it.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord, Serialize)]
pub struct FileError {
    pub path: String,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub line: Option<usize>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub column: Option<usize>,
    pub kind: ErrorKind,
    pub message: String,
}

#[derive(Debug, Clone, Copy, PartialEq, Serialize)]
pub struct CoverageLine {
    pub covered: usize,
    pub total: usize,
    pub percent: Option<f64>,
}

impl CoverageLine {
    pub fn new(covered: usize, total: usize) -> Self {
        let percent = (total > 0).then(|| (covered as f64 * 1000.0 / total as f64).round() / 10.0);
        CoverageLine {
            covered,
            total,
            percent,
        }
    }
}

#[derive(Debug, Serialize)]
pub struct Report {
    pub findings: Vec<Finding>,
    /// Keyed by category name, in the fixed order of [`Category::ALL`].
    #[serde(serialize_with = "serialize_coverage")]
    pub coverage: BTreeMap<Category, CoverageLine>,
    pub errors: Vec<FileError>,
    pub files_scanned: usize,
    /// Findings silenced by inline `resilint: ignore[...]` comments.
    pub suppressed: usize,
}

fn serialize_coverage<S: serde::Serializer>(
    coverage: &BTreeMap<Category, CoverageLine>,
    s: S,
) -> Result<S::Ok, S::Error> {
    use serde::ser::SerializeMap;
    let mut map = s.serialize_map(Some(coverage.len()))?;
    for (category, line) in coverage {
        map.serialize_entry(category.name(), line)?;
    }
    map.end()
}

impl Report {
    /// Sorts findings and errors with a full key so output never depends on thread timing.
    pub fn sort(&mut self) {
        self.findings.sort_by(|a, b| {
            (&a.location, &a.rule, &a.message).cmp(&(&b.location, &b.rule, &b.message))
        });
        self.findings.dedup();
        self.errors.sort();
        self.errors.dedup();
    }

    pub fn count(&self, severity: Severity) -> usize {
        self.findings
            .iter()
            .filter(|f| f.severity == severity)
            .count()
    }
}
