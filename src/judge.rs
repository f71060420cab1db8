//! Judge stage: every enabled rule over every document it selects. Each subject
//! is counted once per category, covered when no enabled rule of that category
//! reports it.

use std::collections::BTreeMap;

use rayon::prelude::*;

use crate::classify::Platform;
use crate::join::ServiceIndex;
use crate::load::Document;
use crate::report::{Category, CoverageLine, Finding, Location, Unresolved};
use crate::rules::checks::{Context, Problem, Subject};
use crate::rules::Rule;
use crate::source::SourceFile;
use crate::tree::{Node, Span};
use crate::workspace::Workspace;

/// A subject's identity: file, document, concrete path.
type SubjectKey = (usize, usize, String);

#[derive(Default)]
struct Outcome {
    findings: Vec<Finding>,
    /// (category, subject, covered by this rule, the subject's span, its `covered-by`)
    seen: Vec<(Category, SubjectKey, bool, Span, Option<String>)>,
    /// Subjects a rule left undecided (a value it reads is a deploy-time substitution).
    unresolved: Vec<Unresolved>,
}

/// One integration point as counted for coverage: kept for `--show-covered`
/// (the key is built for counting anyway, so keeping it costs nothing more).
#[derive(Debug, Clone)]
pub struct Counted {
    pub category: Category,
    /// Index of the file in the workspace's file list.
    pub file: usize,
    /// The subject's path inside its document (`spec.http[0]`).
    pub concrete: String,
    pub span: Span,
    pub covered: bool,
    /// Which other layer covers it (the subject's `covered-by`, written by the
    /// integration graph's credit across layers), when covered.
    pub covered_by: Option<String>,
}

fn selects(rule: &Rule, doc: &Document) -> bool {
    let select = &rule.spec.select;
    if select
        .platform_selected()
        .is_some_and(|p| p != doc.meta.platform)
    {
        return false;
    }
    if let Some(glob) = &select.api_version {
        if !doc
            .meta
            .api_version
            .as_deref()
            .is_some_and(|a| glob.0.is_match(a))
        {
            return false;
        }
    }
    select.kind.0.is_empty()
        || doc
            .meta
            .kind
            .as_deref()
            .is_some_and(|k| select.kind.0.iter().any(|x| x == k))
}

/// Where a finding about a whole subject points: its first key and value when they
/// sit on the subject's first line (`host: reviews`), its first key when the value
/// opens a block (`match:`), else the subject's first line. Never a trailing comment.
fn subject_span(node: &Node, file: &SourceFile) -> Span {
    let line_end = file.end_of_line(node.span.start);
    if let Some((key, value)) = node.as_map().and_then(|m| m.first()) {
        // Facts extracted from code carry the construct's span on every key: not a YAML key.
        if key.span.start == node.span.start && key.span != node.span {
            let end = if value.span.end <= line_end && value.span.start >= key.span.end {
                value.span.end
            } else {
                key.span.end
            };
            return Span::new(key.span.start, end);
        }
    }
    Span::new(
        node.span.start,
        line_end
            .max(node.span.start)
            .min(node.span.end.max(node.span.start)),
    )
}

/// Rule levels per file, when several configurations govern a run (see
/// [`crate::configs`]): a rule off in a file's configuration neither reports nor
/// counts there, and one set to another severity reports at it.
#[derive(Debug, Clone, Default)]
pub struct Levels {
    /// Per file index: its configuration's index into `table`.
    pub of_file: Vec<usize>,
    /// Per configuration: each rule's level, in the order of the judged rules.
    pub table: Vec<Vec<Option<crate::report::Severity>>>,
}

impl Levels {
    fn get(&self, file: usize, rule: usize) -> Option<Option<crate::report::Severity>> {
        let config = *self.of_file.get(file)?;
        self.table.get(config)?.get(rule).copied()
    }
}

/// `help` is the rule's fix text, shared by all its findings (a file can give a
/// hundred thousand of them).
fn judge_doc(
    rule: &Rule,
    doc: &Document,
    ctx: &Context,
    help: &std::sync::Arc<str>,
    out: &mut Outcome,
) {
    let file = &ctx.ws.files[doc.file];
    for each in &rule.spec.select.each.0 {
        for hit in each.select_concrete(&doc.root) {
            let substituted = crate::substitution::read_by(rule, hit.node);
            let undecided = match crate::substitution::selects(rule, hit.node) {
                None => continue,
                Some(undecided) => undecided,
            };
            let subject = Subject {
                doc,
                node: hit.node,
                key: hit.key,
            };
            if let Some(reference) = rule.spec.check.unresolved(&subject, ctx) {
                let why = "which no file read defines unambiguously";
                out.unresolved.push(unresolved(rule, file, &reference, why));
                continue;
            }
            let Some(mut problems) = rule.spec.check.judge(&subject, ctx) else {
                continue;
            };
            if !substituted.is_empty() {
                problems.retain(|p| !crate::substitution::caused_by(p.span, &substituted));
                if undecided || problems.is_empty() {
                    let why = "known only at deploy time";
                    out.unresolved
                        .push(unresolved(rule, file, &substituted[0], why));
                    continue;
                }
            }
            let covered_by = hit
                .node
                .get("covered-by")
                .and_then(Node::as_str)
                .map(str::to_string);
            let covered = problems.is_empty();
            for Problem {
                span,
                message,
                target,
            } in problems
            {
                // A subject that knows whom it calls (`target`) lends it to its findings.
                let target = target.or_else(|| {
                    hit.node
                        .get("target")
                        .and_then(Node::as_str)
                        .map(str::to_string)
                });
                let span = span.unwrap_or_else(|| subject_span(hit.node, file));
                let start = file.line_col(span.start);
                let end = file.line_col(span.end.max(span.start));
                out.findings.push(Finding {
                    rule: rule.id.clone(),
                    category: rule.category,
                    severity: rule.severity,
                    message,
                    location: Location {
                        path: file.display.clone(),
                        line: start.line,
                        column: start.column,
                        end_line: end.line,
                        end_column: end.column,
                    },
                    target,
                    help: help.clone(),
                    byte_range: (span.start, span.end),
                    subject: crate::identity::subject(
                        &doc.meta,
                        doc.index,
                        &doc.root,
                        &hit.concrete,
                        file,
                    ),
                    // A join's problem is its target's (missing, or lacking a key).
                    shared: rule.spec.check.join().is_some(),
                    related: Vec::new(),
                });
            }
            // The subject's key takes the concrete path, which nothing reads after.
            let key = (doc.file, doc.index, hit.concrete);
            out.seen
                .push((rule.category, key, covered, hit.node.span, covered_by));
        }
    }
}

/// The entry for a subject `rule` could not judge because of the value at `hit`
/// (`why`: what is unknown about it).
fn unresolved(
    rule: &Rule,
    file: &SourceFile,
    hit: &crate::rules::path::Hit,
    why: &str,
) -> Unresolved {
    let value = hit.node.as_str().unwrap_or_default().to_string();
    let span = crate::rules::checks::key_value_span(hit.key, hit.node);
    let start = file.line_col(span.start);
    let end = file.line_col(span.end.max(span.start));
    // The key as the file spells it: a derived key (`upstream`) sits on the key it
    // was derived from (`host`).
    let key = hit
        .key
        .and_then(|k| file.text.get(k.span.start..k.span.end))
        .filter(|t| !t.is_empty() && !t.contains(['\n', ':']))
        .or(hit.key.and_then(Node::as_str))
        .unwrap_or("value");
    Unresolved {
        location: Location {
            path: file.display.clone(),
            line: start.line,
            column: start.column,
            end_line: end.line,
            end_column: end.column,
        },
        rule: rule.id.clone(),
        category: rule.category,
        message: format!("`{key}` is `{value}`, {why}: not judged (neither covered nor a finding)"),
        value,
    }
}

/// Findings of all rules over the workspace, and coverage per category.
pub fn judge(rules: &[Rule], ws: &Workspace) -> (Vec<Finding>, BTreeMap<Category, CoverageLine>) {
    let (findings, coverage, _) = judge_counted(rules, ws);
    (findings, coverage)
}

/// [`judge`], plus every counted subject in (category, file, document, path) order.
pub fn judge_counted(
    rules: &[Rule],
    ws: &Workspace,
) -> (Vec<Finding>, BTreeMap<Category, CoverageLine>, Vec<Counted>) {
    let (findings, coverage, counted, _) = judge_levels(rules, ws, None);
    (findings, coverage, counted)
}

/// One entry per (category, subject) in key order: covered only when every rule
/// that judged it covered it, with the span and `covered-by` of its first judgement.
/// A stable parallel sort then one pass over equal keys (a `BTreeMap` entry per
/// judgement cost a tree walk of string compares each, sequentially).
#[allow(clippy::type_complexity)]
fn merge_subjects(
    mut seen: Vec<(Category, SubjectKey, bool, Span, Option<String>)>,
) -> Vec<((Category, SubjectKey), (bool, Span, Option<String>))> {
    seen.par_sort_by(|a, b| (a.0, &a.1).cmp(&(b.0, &b.1)));
    let mut out: Vec<((Category, SubjectKey), (bool, Span, Option<String>))> =
        Vec::with_capacity(seen.len());
    for (category, key, covered, span, by) in seen {
        match out.last_mut() {
            Some((last, entry)) if last.0 == category && last.1 == key => entry.0 &= covered,
            _ => out.push(((category, key), (covered, span, by))),
        }
    }
    out
}

/// What [`judge_levels`] returns: findings, coverage, counted subjects, unresolved.
pub type Judged = (
    Vec<Finding>,
    BTreeMap<Category, CoverageLine>,
    Vec<Counted>,
    Vec<Unresolved>,
);

/// [`judge_counted`] with each file's rule levels (`None`: each rule's own).
pub fn judge_levels(rules: &[Rule], ws: &Workspace, levels: Option<&Levels>) -> Judged {
    judge_files(rules, ws, levels, None)
}

/// [`judge_levels`] over the documents of the files in `only` (file indices), or of
/// every file when `None`. Joins still see the whole workspace (each join indexes
/// every document), so a judged document's verdict is the one a whole run gives it:
/// `--changed-only` judges only the changed files this way, since it reports nothing
/// else, and coverage then counts their subjects only.
pub fn judge_files(
    rules: &[Rule],
    ws: &Workspace,
    levels: Option<&Levels>,
    only: Option<&std::collections::HashSet<usize>>,
) -> Judged {
    let all = vec![true; rules.len()];
    finish(vec![judge_part(rules, &all, ws, levels, only)])
}

/// Whether a rule reads what the integration graph adds: it selects (or joins to)
/// Rust facts, which the graph credits, or `cross` documents, which the graph makes,
/// or any platform at all. The other rules can be judged while the graph is built.
pub fn reads_graph(rule: &Rule) -> bool {
    let platform = rule.spec.select.platform_selected();
    let join_platform = rule.spec.check.join().map(|j| j.target_platform_selected());
    let graph_side =
        |p: Option<Platform>| !matches!(p, Some(p) if p != Platform::Rust && p != Platform::Cross);
    graph_side(platform) || join_platform.is_some_and(graph_side)
}

/// Whether a rule reads the section `key` of the Rust facts documents (`routes`): it
/// selects Rust documents (or any platform) starting at that key or at `[*]`, or joins
/// to such targets. The extractor leaves out what no active rule reads.
pub fn reads_rust_section(rule: &Rule, key: &str) -> bool {
    let rust = |p: Option<Platform>| p.is_none_or(|p| p == Platform::Rust);
    let starts = |paths: &[crate::rules::path::Path]| {
        paths.iter().any(|p| p.root_key().is_none_or(|k| k == key))
    };
    let select = &rule.spec.select;
    let selects = rust(select.platform_selected()) && starts(&select.each.0);
    let joins = rule
        .spec
        .check
        .join()
        .is_some_and(|j| rust(j.target_platform_selected()) && starts(&j.target_each.0));
    selects || joins
}

/// One pass of the judge: the rules marked in `which` over the selected documents,
/// one outcome per document of `ws` (in document order), for [`finish`] to merge with
/// the other passes. Rule `i` keeps its index, so per-file levels still apply.
pub fn judge_part(
    rules: &[Rule],
    which: &[bool],
    ws: &Workspace,
    levels: Option<&Levels>,
    only: Option<&std::collections::HashSet<usize>>,
) -> Part {
    // Each join's targets are indexed once, before any subject looks a name up.
    let indexes: Vec<Option<ServiceIndex>> = rules
        .par_iter()
        .zip(which)
        .map(|(r, on)| {
            on.then(|| r.spec.check.join().map(|j| j.index(ws)))
                .flatten()
        })
        .collect();
    let contexts: Vec<Context> = indexes
        .iter()
        .map(|index| Context {
            ws,
            index: index.as_ref(),
        })
        .collect();
    let helps: Vec<std::sync::Arc<str>> = rules
        .iter()
        .map(|r| r.spec.docs.get_ref().fix.trim().into())
        .collect();
    let outcomes = ws
        .docs
        .par_iter()
        .map(|doc| {
            let mut out = Outcome::default();
            if only.is_some_and(|only| !only.contains(&doc.file)) {
                return out;
            }
            let rules = rules.iter().zip(&contexts).zip(&helps).zip(which);
            for (i, (((rule, ctx), help), _)) in rules.enumerate().filter(|(_, r)| *r.1) {
                if !selects(rule, doc) {
                    continue;
                }
                match levels.and_then(|l| l.get(doc.file, i)) {
                    None => judge_doc(rule, doc, ctx, help, &mut out),
                    Some(None) => {}
                    Some(Some(severity)) if severity == rule.severity => {
                        judge_doc(rule, doc, ctx, help, &mut out)
                    }
                    Some(Some(severity)) => {
                        let start = out.findings.len();
                        judge_doc(rule, doc, ctx, help, &mut out);
                        out.findings[start..]
                            .iter_mut()
                            .for_each(|f| f.severity = severity);
                    }
                }
            }
            out
        })
        .collect();
    Part(outcomes)
}

/// The outcomes of one [`judge_part`], one per document.
pub struct Part(Vec<Outcome>);

/// Moves `from` onto the end of `into`, which ends up holding `total` items: the
/// first vector that already has room for them all is taken whole instead of copied
/// (one file with 100,000 findings would otherwise be held twice at the peak).
fn append<T>(into: &mut Vec<T>, from: Vec<T>, total: usize) {
    if into.is_empty() && from.capacity() >= total {
        *into = from;
        return;
    }
    into.reserve_exact(total.saturating_sub(into.len()));
    into.extend(from);
}

/// Merges passes of [`judge_part`] document by document (a later pass may judge a
/// workspace with more documents; the common ones keep their indices), so findings
/// and subjects come in the order one pass over all rules gives, then counts coverage.
pub fn finish(parts: Vec<Part>) -> Judged {
    let len = parts.iter().map(|p| p.0.len()).max().unwrap_or(0);
    let sum = |count: fn(&Outcome) -> usize| -> usize {
        parts.iter().flat_map(|p| &p.0).map(count).sum()
    };
    // Sized once and each item moved once: 50k findings moved through growing
    // vectors (fresh pages each time) cost more than judging them.
    let totals = (
        sum(|o| o.findings.len()),
        sum(|o| o.unresolved.len()),
        sum(|o| o.seen.len()),
    );
    let (mut findings, mut unresolved, mut seen) = (Vec::new(), Vec::new(), Vec::new());
    let mut parts: Vec<_> = parts.into_iter().map(|p| p.0.into_iter()).collect();
    for _ in 0..len {
        for outcome in parts.iter_mut().filter_map(Iterator::next) {
            append(&mut findings, outcome.findings, totals.0);
            append(&mut unresolved, outcome.unresolved, totals.1);
            append(&mut seen, outcome.seen, totals.2);
        }
    }
    let mut counts: BTreeMap<Category, (usize, usize)> =
        Category::ALL.iter().map(|c| (*c, (0, 0))).collect();
    let subjects = merge_subjects(seen);
    let mut counted = Vec::with_capacity(subjects.len());
    for ((category, (file, _, concrete)), (covered, span, by)) in subjects {
        let (ok, total) = counts.entry(category).or_default();
        *total += 1;
        *ok += usize::from(covered);
        counted.push(Counted {
            category,
            file,
            concrete,
            span,
            covered,
            covered_by: by.filter(|_| covered),
        });
    }
    let coverage = counts
        .into_iter()
        .map(|(c, (ok, total))| (c, CoverageLine::new(ok, total)))
        .collect();
    unresolved.sort();
    unresolved.dedup();
    (findings, coverage, counted, unresolved)
}

#[cfg(test)]
mod tests {
    use super::{append, reads_rust_section};
    use crate::rules::parse_rule;

    fn rule(select: &str, check: &str) -> crate::rules::Rule {
        let text = format!(
            "id = \"t/r\"\ncategory = \"timeout\"\nseverity = \"warning\"\nsummary = \"s\"\n\n[select]\n{select}\n\n[check]\n{check}\n\n[docs]\nwhat = \"w\"\nwhy = \"w\"\nexample = \"e\"\nfix = \"f\"\n"
        );
        parse_rule("t/r.toml", &text, "t/r", "test").unwrap()
    }

    #[test]
    fn a_rule_reads_the_rust_routes_when_it_selects_them_or_anything_at_the_root() {
        let reads = |select: &str, key: &str| {
            let check =
                format!("kind = \"require\"\n[[check.require]]\npath = \"{key}\"\npresent = true");
            reads_rust_section(&rule(select, &check), "routes")
        };
        assert!(reads("platform = \"rust\"\neach = \"routes[*]\"", "method"));
        assert!(reads(
            "platform = \"rust\"\neach = [\"retries[*]\", \"routes[*]\"]",
            "method"
        ));
        assert!(
            reads("platform = \"rust\"\neach = \"[*]\"", "routes"),
            "any root value"
        );
        assert!(reads("each = \"routes[*]\"", "method"), "any platform");
        assert!(!reads(
            "platform = \"rust\"\neach = \"clients[*]\"",
            "timeout"
        ));
        assert!(
            !reads("platform = \"kong\"\neach = \"routes[*]\"", "name"),
            "Kong's routes"
        );
    }

    #[test]
    fn append_takes_a_vector_with_room_whole_and_keeps_the_order() {
        let mut into: Vec<u32> = Vec::new();
        let mut big = Vec::with_capacity(8);
        big.extend([1, 2, 3]);
        let buffer = big.as_ptr();
        append(&mut into, big, 5);
        assert_eq!(into.as_ptr(), buffer, "taken whole, not copied");
        append(&mut into, vec![4, 5], 5);
        assert_eq!(into, [1, 2, 3, 4, 5]);

        let mut into: Vec<u32> = Vec::new();
        append(&mut into, vec![1], 3);
        assert!(into.capacity() >= 3, "sized for the whole once");
        append(&mut into, vec![2, 3], 3);
        assert_eq!(into, [1, 2, 3]);
    }
}
