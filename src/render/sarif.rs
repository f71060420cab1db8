//! `--format sarif`: SARIF 2.1.0 as GitHub code scanning reads it, built with the
//! `serde-sarif` types rather than by hand.
//!
//! - `tool.driver.rules`: every active rule, with its docs as `help` (text and
//!   Markdown), its level, and its category and platform as tags;
//! - results: rule id and index, level, message, a location relative to the
//!   repository root (`uriBaseId` `%SRCROOT%`), and a `partialFingerprints` entry
//!   `resilint/v1` hashed from rule, path and the subject's structural identity, so
//!   an alert keeps its identity when unrelated lines move;
//! - `runs[0].properties`: coverage (and gates, baseline) in the JSON contract's shape;
//! - `invocations[0].toolExecutionNotifications`: files that could not be read or
//!   parsed, and ignore comments that need attention.
//!
//! Columns count Unicode scalar values, so the run declares `unicodeCodePoints`.
//!
//! Results are streamed: each is built from its finding while the log is written.

use std::collections::BTreeMap;
use std::io::{self, Write};

use serde::Serialize;
use serde_json::{json, Value};
use serde_sarif::sarif::{
    ArtifactLocation, Invocation, Location, Message, MultiformatMessageString, Notification,
    PhysicalLocation, PropertyBag, Region, ReportingConfiguration, ReportingDescriptor,
    Result as SarifResult, ResultLevel, Suppression, Tool, ToolComponent,
};

use super::Repo;
use crate::identity;
use crate::report::{Finding, Report, RuleInfo, Severity};

/// The schema URL GitHub's documentation gives for SARIF 2.1.0.
const SCHEMA: &str = "https://json.schemastore.org/sarif-2.1.0.json";
/// Where the tool is documented: the package's `repository`, when Cargo.toml names
/// one. The repository has no public address yet, and an invented one would send
/// code-scanning users to a stranger's page: `informationUri` is optional in SARIF
/// 2.1.0, so it is left out until Cargo.toml names a real one.
const INFORMATION_URI: Option<&str> = match option_env!("CARGO_PKG_REPOSITORY") {
    Some(uri) if !uri.is_empty() => Some(uri),
    _ => None,
};
/// The `partialFingerprints` key; bump the version if the hashed identity changes.
pub const FINGERPRINT_KEY: &str = "resilint/v1";

fn level(severity: Severity) -> ResultLevel {
    match severity {
        Severity::Error => ResultLevel::Error,
        Severity::Warning => ResultLevel::Warning,
        Severity::Info => ResultLevel::Note,
    }
}

fn text(s: impl Into<String>) -> Message {
    Message::builder().text(s.into()).build()
}

fn bag(entries: Vec<(&str, Value)>) -> PropertyBag {
    PropertyBag::builder()
        .additional_properties(
            entries
                .into_iter()
                .map(|(k, v)| (k.to_string(), v))
                .collect::<BTreeMap<_, _>>(),
        )
        .build()
}

fn descriptor(rule: &RuleInfo) -> ReportingDescriptor {
    let help_text = format!(
        "{}\n\nWhy it matters: {}\n\nExample:\n{}\n\nFix: {}",
        rule.what, rule.why, rule.example, rule.fix
    );
    let help_markdown = format!(
        "{}\n\n**Why it matters.** {}\n\n**Example**\n\n```\n{}\n```\n\n**Fix.** {}",
        rule.what, rule.why, rule.example, rule.fix
    );
    let level = serde_json::to_value(level(rule.severity)).unwrap_or(Value::Null);
    ReportingDescriptor::builder()
        .id(rule.id.clone())
        .name(rule.id.clone())
        .short_description(
            MultiformatMessageString::builder()
                .text(rule.summary.clone())
                .build(),
        )
        .full_description(
            MultiformatMessageString::builder()
                .text(rule.what.clone())
                .build(),
        )
        .help(
            MultiformatMessageString::builder()
                .text(help_text)
                .markdown(help_markdown)
                .build(),
        )
        .default_configuration(ReportingConfiguration::builder().level(level).build())
        .properties(
            PropertyBag::builder()
                .tags(vec![
                    rule.category.name().to_string(),
                    rule.platform.clone(),
                ])
                .build(),
        )
        .build()
}

/// A path as a URI reference: every byte but unreserved characters and `/` is
/// percent-encoded (`my file.yaml` is `my%20file.yaml`).
fn uri_path(path: &str) -> String {
    let mut out = String::with_capacity(path.len());
    for b in path.bytes() {
        if b.is_ascii_alphanumeric() || b"-._~/".contains(&b) {
            out.push(char::from(b));
        } else {
            out.push_str(&format!("%{b:02X}"));
        }
    }
    out
}

/// A location in a file, repository-relative when the file is in the repository.
fn location(repo: &Repo, path: &str, region: Option<Region>) -> Location {
    let artifact = match repo.path(path) {
        Some(rel) => ArtifactLocation::builder()
            .uri(uri_path(&rel))
            .uri_base_id("%SRCROOT%")
            .build(),
        None => ArtifactLocation::builder()
            .uri(format!("file://{}", uri_path(path)))
            .build(),
    };
    let physical = match region {
        Some(r) => PhysicalLocation::builder()
            .artifact_location(artifact)
            .region(r)
            .build(),
        None => PhysicalLocation::builder()
            .artifact_location(artifact)
            .build(),
    };
    Location::builder().physical_location(physical).build()
}

fn region_of(l: &crate::report::Location) -> Region {
    Region::builder()
        .start_line(l.line as i64)
        .start_column(l.column as i64)
        .end_line(l.end_line as i64)
        .end_column(l.end_column as i64)
        .build()
}

fn result(
    f: &Finding,
    index: Option<usize>,
    repo: &Repo,
    suppression: Option<&str>,
) -> SarifResult {
    let l = &f.location;
    let region = region_of(l);
    let fingerprints: BTreeMap<String, String> =
        [(FINGERPRINT_KEY.to_string(), identity::fingerprint(f))].into();
    let mut props = vec![("category", json!(f.category.name()))];
    if let Some(t) = &f.target {
        props.push(("target", json!(t)));
    }
    let mut r = SarifResult::builder()
        .rule_id(f.rule.clone())
        .level(level(f.severity))
        .message(text(f.message.clone()))
        .locations(vec![location(repo, &l.path, Some(region))])
        .partial_fingerprints(fingerprints)
        .properties(bag(props))
        .build();
    r.rule_index = index.map(|i| i as i64);
    if !f.related.is_empty() {
        // The other subjects with the same shared problem (see `report::group_shared`).
        r.related_locations = Some(
            f.related
                .iter()
                .enumerate()
                .map(|(i, l)| {
                    let mut at = location(repo, &l.path, Some(region_of(l)));
                    at.id = Some(i as i64);
                    at.message = Some(text(format!("same problem: {}", f.message)));
                    at
                })
                .collect(),
        );
    }
    if let Some(reason) = suppression {
        r.suppressions = Some(vec![Suppression::builder()
            .kind(json!("inSource"))
            .justification(reason.to_string())
            .build()]);
    }
    r
}

fn notifications(report: &Report, repo: &Repo) -> Vec<Notification> {
    let errors = report.errors.iter().map(|e| {
        let kind = serde_json::to_value(e.kind).unwrap_or(Value::Null);
        let region = e.line.map(|line| {
            let r = Region::builder().start_line(line as i64).build();
            match e.column {
                Some(c) => Region {
                    start_column: Some(c as i64),
                    ..r
                },
                None => r,
            }
        });
        Notification::builder()
            .level(json!("error"))
            .message(text(format!(
                "{}: {}",
                kind.as_str().unwrap_or("error"),
                e.message
            )))
            .locations(vec![location(repo, &e.path, region)])
            .build()
    });
    let ignores = report.ignore_problems.iter().map(|p| {
        let region = Region::builder()
            .start_line(p.line as i64)
            .start_column(p.column as i64)
            .build();
        Notification::builder()
            .level(json!("warning"))
            .message(text(p.message.clone()))
            .locations(vec![location(repo, &p.path, Some(region))])
            .build()
    });
    errors.chain(ignores).collect()
}

/// Coverage (and gates and baseline, when present) in the JSON contract's shapes.
fn run_properties(report: &Report) -> PropertyBag {
    let coverage: serde_json::Map<String, Value> = report
        .coverage
        .iter()
        .map(|(c, line)| (c.name().to_string(), json!(line)))
        .collect();
    let mut props = vec![
        ("coverage", Value::Object(coverage)),
        ("files_scanned", json!(report.files_scanned)),
        ("suppressed", json!(report.suppressed)),
    ];
    if !report.gates.is_empty() {
        props.push(("gates", json!(report.gates)));
    }
    if let Some(b) = report.baseline {
        props.push(("baseline", json!(b)));
    }
    bag(props)
}

/// The whole log, pretty-printed, ending in a newline.
pub fn render(report: &Report, repo: &Repo) -> String {
    super::to_string(|out| write(report, repo, out))
}

/// The log as `serde-sarif` lays it out (a `Sarif` holding one `Run`), with the
/// same fields in the same order, except that `results` are made one at a time
/// while they are written: a `Vec<Result>` of 100,000 findings took 600 MB.
#[derive(Serialize)]
struct Log<'a> {
    #[serde(rename = "$schema")]
    schema: &'static str,
    runs: [RunOut<'a>; 1],
    version: &'static str,
}

/// `serde_sarif::sarif::Run`'s fields that resilint fills, in its order.
#[derive(Serialize)]
struct RunOut<'a> {
    #[serde(rename = "columnKind")]
    column_kind: &'static str,
    invocations: [Invocation; 1],
    properties: PropertyBag,
    results: Results<'a>,
    tool: Tool,
}

/// The findings, then the ignored findings (with their suppression), each built
/// as a SARIF result only when it is written.
struct Results<'a> {
    report: &'a Report,
    repo: &'a Repo,
    index: BTreeMap<&'a str, usize>,
}

impl Serialize for Results<'_> {
    fn serialize<S: serde::Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        let at = |f: &Finding| self.index.get(f.rule.as_str()).copied();
        let findings = self
            .report
            .findings
            .iter()
            .map(|f| result(f, at(f), self.repo, None));
        let ignored = self
            .report
            .ignored
            .iter()
            .map(|i| result(&i.finding, at(&i.finding), self.repo, Some(&i.reason)));
        serializer.collect_seq(findings.chain(ignored))
    }
}

/// Writes the whole log, pretty-printed, ending in a newline.
pub fn write(report: &Report, repo: &Repo, out: &mut dyn Write) -> io::Result<()> {
    let index: BTreeMap<&str, usize> = report
        .rules
        .iter()
        .enumerate()
        .map(|(i, r)| (r.id.as_str(), i))
        .collect();
    let mut driver = ToolComponent::builder()
        .name("resilint")
        .version(env!("CARGO_PKG_VERSION"))
        .semantic_version(env!("CARGO_PKG_VERSION"))
        .rules(report.rules.iter().map(descriptor).collect::<Vec<_>>())
        .build();
    driver.information_uri = INFORMATION_URI.map(str::to_string);
    let invocation = Invocation::builder()
        .execution_successful(true)
        .tool_execution_notifications(notifications(report, repo))
        .build();
    let run = RunOut {
        column_kind: "unicodeCodePoints",
        invocations: [invocation],
        properties: run_properties(report),
        results: Results {
            report,
            repo,
            index,
        },
        tool: Tool::builder().driver(driver).build(),
    };
    let log = Log {
        schema: SCHEMA,
        runs: [run],
        version: "2.1.0",
    };
    serde_json::to_writer_pretty(&mut *out, &log)?;
    out.write_all(b"\n")
}

#[cfg(test)]
mod tests {
    use super::uri_path;

    #[test]
    fn uris_encode_what_a_uri_cannot_hold() {
        assert_eq!(uri_path("k8s/a-b_c.~1.yaml"), "k8s/a-b_c.~1.yaml");
        assert_eq!(uri_path("my dir/é#1.yaml"), "my%20dir/%C3%A9%231.yaml");
    }
}
