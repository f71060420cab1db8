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
    pub help: std::sync::Arc<str>,
    /// Byte range in the file, for snippets.
    #[serde(skip)]
    pub byte_range: (usize, usize),
    /// The subject's structural identity (document, then path inside it; see
    /// [`crate::identity`]): what baselines and fingerprints are keyed on, never a line.
    #[serde(skip)]
    pub subject: String,
    /// The problem lies with a target the subject names (a missing DestinationRule,
    /// one without outlier detection), not with the subject: every subject naming
    /// it has the same finding, and [`group_shared`] reports them once.
    #[serde(skip)]
    pub shared: bool,
    /// The other subjects with the same shared problem (same rule, target, message
    /// and severity), in location order; the finding itself is the first of them.
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub related: Vec<Location>,
}

/// Reports a problem shared by several subjects once: when several routes lack the
/// same DestinationRule, the first (in location order) carries the finding and the
/// others become its `related` locations. Applied last, after inline ignores, the
/// baseline and `--changed-only` have judged each subject on its own, so a baseline
/// entry or an ignore comment still covers exactly one route, a new route with the
/// same problem is new, and a `--changed-only` run reports it at a route of the
/// changed files. Coverage is not touched: it counts every route.
pub fn group_shared(findings: &mut Vec<Finding>) {
    type Key = (String, Option<String>, String, Severity);
    // In place: a copy of the list would hold every finding twice (100,000 of them
    // for a minified mesh file).
    let mut first: std::collections::HashMap<Key, usize> = std::collections::HashMap::new();
    let mut merged: Vec<(usize, usize)> = Vec::new();
    for (i, f) in findings.iter().enumerate() {
        if !f.shared || f.target.is_none() {
            continue;
        }
        let key = (
            f.rule.clone(),
            f.target.clone(),
            f.message.clone(),
            f.severity,
        );
        match first.get(&key) {
            Some(&j) => merged.push((i, j)),
            None => {
                first.insert(key, i);
            }
        }
    }
    if merged.is_empty() {
        return;
    }
    let mut dropped = vec![false; findings.len()];
    for &(i, j) in &merged {
        let location = findings[i].location.clone();
        findings[j].related.push(location);
        dropped[i] = true;
    }
    let mut i = 0;
    findings.retain(|_| {
        i += 1;
        !dropped[i - 1]
    });
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Serialize, Deserialize)]
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

#[derive(Debug, Default, Serialize)]
pub struct Report {
    pub findings: Vec<Finding>,
    /// Keyed by category name, in the fixed order of [`Category::ALL`].
    #[serde(serialize_with = "serialize_coverage")]
    pub coverage: BTreeMap<Category, CoverageLine>,
    pub errors: Vec<FileError>,
    pub files_scanned: usize,
    /// Findings silenced by inline `resilint: ignore[...]` comments.
    pub suppressed: usize,
    /// Files left out with a reason (a broken or templated file that names no
    /// platform resilint judges, a symlink, a FIFO): counted in JSON as `skipped`,
    /// listed by `--show-skipped`. Never an error, so `--strict` ignores them.
    #[serde(serialize_with = "serialize_count")]
    pub skipped: Vec<Skipped>,
    /// Coverage gates (`--min-coverage`, `[coverage]`), when any is set.
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub gates: Vec<Gate>,
    /// Ignore comments without a reason or that matched no finding.
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub ignore_problems: Vec<IgnoreProblem>,
    /// What `--baseline` hid, when a baseline was given.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub baseline: Option<BaselineSummary>,
    /// Every counted integration point, filled only for `--show-covered`.
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub subjects: Vec<CountedSubject>,
    /// The findings inline comments silenced, with the reasons given; kept for
    /// `--show-ignored` only.
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub ignored: Vec<Ignored>,
    /// Integration points a rule could not judge because a value it reads is
    /// substituted at deploy time (decK `${{ env "X" }}`): neither covered nor a
    /// finding, and not counted in `coverage`.
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub unresolved: Vec<Unresolved>,
    /// The active rules, for renderers that describe them (SARIF, JUnit).
    #[serde(skip)]
    pub rules: Vec<RuleInfo>,
    /// End-to-end coverage: per category, the integration paths (code calls and gateway
    /// routes with the routes they take) covered on at least one layer
    /// ([`crate::graph::coverage`]). Absent when there are no paths.
    #[serde(skip_serializing_if = "BTreeMap::is_empty")]
    pub end_to_end: BTreeMap<Category, CoverageLine>,
    /// Coverage per service: the integration points and findings the integration
    /// graph attributes to each service ([`crate::graph::owners`]), in id order.
    /// Absent when no service is known.
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub service_coverage: Vec<ServiceCoverage>,
}

/// One service's coverage, per category as in `coverage`, and its finding count.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct ServiceCoverage {
    /// The service id of `resilint map` (`payments.shop`).
    pub service: String,
    #[serde(serialize_with = "serialize_coverage")]
    pub coverage: BTreeMap<Category, CoverageLine>,
    /// Findings reported on the service's places (after baseline and ignores).
    pub findings: usize,
}

/// An integration point left unjudged by a rule: a value it reads is known only at
/// deploy time (see [`crate::substitution`]).
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord, Serialize)]
pub struct Unresolved {
    #[serde(flatten)]
    pub location: Location,
    pub rule: String,
    pub category: Category,
    /// The value as written (`${{ env "DECK_READ_TIMEOUT" | toInt }}`).
    pub value: String,
    pub message: String,
}

/// A file that was not linted, and why.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord, Serialize)]
pub struct Skipped {
    pub path: String,
    pub reason: String,
}

fn serialize_count<S: serde::Serializer>(items: &[Skipped], s: S) -> Result<S::Ok, S::Error> {
    s.serialize_u64(items.len() as u64)
}

/// A coverage gate: the minimum percentage asked for one category, and the outcome.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Gate {
    pub category: Category,
    pub minimum: f64,
    pub covered: usize,
    pub total: usize,
    pub percent: Option<f64>,
    /// False when the category's percentage is below `minimum`; a category with no
    /// integration points always passes.
    pub passed: bool,
}

/// Why an ignore comment is reported.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Serialize)]
#[serde(rename_all = "kebab-case")]
pub enum IgnoreProblemKind {
    /// `resilint: ignore[rule]` with no reason after the bracket.
    MissingReason,
    /// The comment names a rule that reported nothing on the line it covers.
    Unused,
}

/// An ignore comment that needs attention (like ruff's unused `noqa`).
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord, Serialize)]
pub struct IgnoreProblem {
    pub path: String,
    pub line: usize,
    pub column: usize,
    pub kind: IgnoreProblemKind,
    /// The id as written in the comment (`*` for all).
    pub rule: String,
    pub message: String,
}

/// A finding an inline comment silenced, and the comment's reason.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Ignored {
    #[serde(flatten)]
    pub finding: Finding,
    pub reason: String,
}

/// What a baseline hid: findings it matched, and entries that match nothing any more.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
pub struct BaselineSummary {
    pub matched: usize,
    /// Baseline entries with no finding today: debt paid off (or code moved away).
    pub fixed: usize,
}

/// An integration point as counted for coverage, for `--show-covered`.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord, Serialize)]
pub struct CountedSubject {
    pub category: Category,
    pub path: String,
    pub line: usize,
    pub column: usize,
    /// The path of the subject inside its document (`spec.http[0]`, `clients[2]`).
    pub subject: String,
    pub covered: bool,
    /// Which other layer covers it, when credit across layers did (`covered on its
    /// path by the mesh (VirtualService ...)`).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub covered_by: Option<String>,
}

/// A rule as renderers describe it: SARIF `tool.driver.rules`, JUnit test cases.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RuleInfo {
    pub id: String,
    pub category: Category,
    pub severity: Severity,
    /// The platform the rule selects (`kubernetes`, `rust`, ...), `any` when it does not say.
    pub platform: String,
    pub summary: String,
    pub what: String,
    pub why: String,
    pub example: String,
    pub fix: String,
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
        // Stable, like `sort_by`, so the order is the same whatever the thread count.
        use rayon::slice::ParallelSliceMut;
        self.findings.par_sort_by(|a, b| {
            (&a.location, &a.rule, &a.message).cmp(&(&b.location, &b.rule, &b.message))
        });
        // Two subjects can share one offending node (a YAML anchor merged into both):
        // one finding, whatever subject identities the copies carry.
        self.findings.dedup_by(|a, b| {
            (&a.location, &a.rule, &a.message) == (&b.location, &b.rule, &b.message)
        });
        self.errors.sort();
        self.errors.dedup();
        self.skipped.sort();
        self.skipped.dedup();
    }

    pub fn count(&self, severity: Severity) -> usize {
        self.findings
            .iter()
            .filter(|f| f.severity == severity)
            .count()
    }
}
