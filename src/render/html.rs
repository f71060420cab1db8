//! `--format html`: one self-contained page for a one-off audit (no network, no
//! external script, font or style): counts, coverage bars per category and per
//! service, the integration map as an inline SVG ([`map_svg`]), the findings grouped
//! by service and rule with their snippets, and a filter by category and severity
//! (a few lines of inline script; without it every finding shows).
//!
//! Every string from the scanned files (paths, messages, snippets, service names)
//! goes through [`esc`]: the files are hostile input, and a `<script>` in a YAML
//! value must stay text. The page is a pure function of the report, the files and
//! the graph, built in their (sorted) order, so it is the same bytes on every run.

mod map_svg;
mod page;

use std::collections::BTreeMap;
use std::fmt::Write;

use super::snippet::{self, Snippet};
use crate::graph::owners::Owners;
use crate::graph::Graph;
use crate::report::{Category, CoverageLine, Finding, Report, Severity};
use crate::source::SourceFile;
use page::Page;

const CSS: &str = include_str!("html/report.css");
const JS: &str = include_str!("html/report.js");

/// Where findings no service is known for are grouped.
const NO_SERVICE: &str = "(no service)";

/// `text` made safe for HTML text and attribute values: markup characters become
/// entities, and control or direction-changing characters become visible escapes.
pub fn esc(text: &str) -> String {
    let text = snippet::escape(text, false);
    let mut out = String::with_capacity(text.len());
    for c in text.chars() {
        match c {
            '&' => out.push_str("&amp;"),
            '<' => out.push_str("&lt;"),
            '>' => out.push_str("&gt;"),
            '"' => out.push_str("&quot;"),
            '\'' => out.push_str("&#39;"),
            c => out.push(c),
        }
    }
    out
}

/// The whole page.
pub fn render(report: &Report, files: &[SourceFile], graph: &Graph) -> String {
    super::to_string(|out| write(report, files, graph, out))
}

/// Writes the page as it is made (see [`Page`]).
pub fn write(
    report: &Report,
    files: &[SourceFile],
    graph: &Graph,
    out: &mut dyn std::io::Write,
) -> std::io::Result<()> {
    let mut page = Page::new(out);
    page.push_str("<!DOCTYPE html>\n<html lang=\"en\">\n<head>\n<meta charset=\"utf-8\">\n");
    page.push_str("<meta name=\"viewport\" content=\"width=device-width, initial-scale=1\">\n");
    page.push_str("<meta name=\"color-scheme\" content=\"light dark\">\n");
    page.push_str("<title>resilint report</title>\n<style>\n");
    page.push_str(CSS);
    page.push_str("</style>\n</head>\n<body>\n");
    header(&mut page, report);
    coverage(&mut page, report);
    map(&mut page, graph);
    services(&mut page, report);
    findings(&mut page, report, files, graph);
    errors(&mut page, report);
    page.push_str("<script>\n");
    page.push_str(JS);
    page.push_str("</script>\n</body>\n</html>\n");
    page.finish()
}

fn plural(n: usize, one: &str, many: &str) -> String {
    format!("{n} {}", if n == 1 { one } else { many })
}

fn header(page: &mut Page<'_>, report: &Report) {
    let total = report.findings.len();
    let _ = writeln!(page, "<header>\n<h1>resilint report</h1>");
    let _ = writeln!(
        page,
        "<p class=\"counts\"><span><strong id=\"count-findings\" data-count=\"{total}\">{total}</strong> finding{}</span>",
        if total == 1 { "" } else { "s" }
    );
    for s in [Severity::Error, Severity::Warning, Severity::Info] {
        let n = report.count(s);
        let _ = writeln!(
            page,
            "<span class=\"count-{0}\"><strong id=\"count-{0}\" data-count=\"{n}\">{n}</strong> {0}{1}</span>",
            s.name(),
            if n == 1 || s == Severity::Info { "" } else { "s" }
        );
    }
    let _ = writeln!(page, "</p>");
    let mut meta = vec![plural(
        report.files_scanned,
        "file scanned",
        "files scanned",
    )];
    if !report.errors.is_empty() {
        meta.push(plural(report.errors.len(), "file error", "file errors"));
    }
    if report.suppressed > 0 {
        meta.push(format!("{} suppressed by comments", report.suppressed));
    }
    if let Some(b) = &report.baseline {
        meta.push(format!("{} hidden by the baseline", b.matched));
    }
    let _ = writeln!(
        page,
        "<p class=\"meta\" id=\"files-scanned\" data-count=\"{}\">{}</p>\n</header>",
        report.files_scanned,
        meta.join(" · ")
    );
}

fn filter(page: &mut Page<'_>, report: &Report) {
    page.push_str("<form id=\"filter\" aria-label=\"Filter findings\">\n<fieldset><legend>Category</legend>\n");
    for c in Category::ALL {
        let _ = writeln!(
            page,
            "<label><input type=\"checkbox\" data-filter=\"category\" value=\"{0}\" checked> {0}</label>",
            c.name()
        );
    }
    page.push_str("</fieldset>\n<fieldset><legend>Severity</legend>\n");
    for s in [Severity::Error, Severity::Warning, Severity::Info] {
        let _ = writeln!(
            page,
            "<label><input type=\"checkbox\" data-filter=\"severity\" value=\"{0}\" checked> {0}</label>",
            s.name()
        );
    }
    let n = report.findings.len();
    let _ = writeln!(
        page,
        "</fieldset>\n<span>Showing <output id=\"shown\">{n}</output> of {n}</span>\n</form>"
    );
}

/// A bar and, in the next cell, its figure: `3/5 (60.0%)` (`3/5` when `short`), or
/// `none` when nothing was counted.
fn bar(line: &CoverageLine, short: bool) -> String {
    match line.percent {
        Some(p) => format!(
            "<div class=\"bar\" role=\"img\" aria-label=\"{p:.1}%\" title=\"{p:.1}%\"><span style=\"width:{p:.1}%\"></span></div></td><td class=\"num figure\">{}/{}{}",
            line.covered,
            line.total,
            if short { String::new() } else { format!(" ({p:.1}%)") }
        ),
        None => "<div class=\"bar none\" role=\"img\" aria-label=\"nothing counted\" title=\"nothing counted\"></div></td><td class=\"num figure\">none".to_string(),
    }
}

fn coverage(page: &mut Page<'_>, report: &Report) {
    page.push_str("<section id=\"coverage\">\n<h2>Coverage</h2>\n");
    page.push_str("<p class=\"note\">Per layer: integration points no enabled rule of the category reports. End to end: integration paths (code calls and gateway routes) covered on at least one layer.</p>\n");
    page.push_str("<table>\n<thead><tr><th>Category</th><th>Per layer</th><th></th>");
    let e2e = !report.end_to_end.is_empty();
    if e2e {
        page.push_str("<th>End to end</th><th></th>");
    }
    page.push_str("</tr></thead>\n<tbody>\n");
    for c in Category::ALL {
        let line = report
            .coverage
            .get(&c)
            .copied()
            .unwrap_or(CoverageLine::new(0, 0));
        let _ = write!(
            page,
            "<tr class=\"coverage\" data-category=\"{0}\" data-covered=\"{1}\" data-total=\"{2}\"><th scope=\"row\">{0}</th><td>{3}</td>",
            c.name(),
            line.covered,
            line.total,
            bar(&line, false)
        );
        if e2e {
            let end = report
                .end_to_end
                .get(&c)
                .copied()
                .unwrap_or(CoverageLine::new(0, 0));
            let _ = write!(page, "<td>{}</td>", bar(&end, false));
        }
        page.push_str("</tr>\n");
    }
    page.push_str("</tbody>\n</table>\n</section>\n");
}

fn services(page: &mut Page<'_>, report: &Report) {
    if report.service_coverage.is_empty() {
        return;
    }
    page.push_str("<section id=\"services\">\n<h2>Coverage per service</h2>\n");
    page.push_str("<p class=\"note\">What the integration graph ties to each service: its code, and the mesh and gateway routes to it.</p>\n<div class=\"wide\">\n<table class=\"compact\">\n<thead><tr><th>Service</th><th class=\"num\">Findings</th>");
    for c in Category::ALL {
        let _ = write!(page, "<th colspan=\"2\">{}</th>", c.name());
    }
    page.push_str("</tr></thead>\n<tbody>\n");
    for s in &report.service_coverage {
        let _ = write!(
            page,
            "<tr class=\"service-coverage\" data-service=\"{0}\" data-findings=\"{1}\"><th scope=\"row\" class=\"mono\">{0}</th><td class=\"num\">{1}</td>",
            esc(&s.service),
            s.findings
        );
        for c in Category::ALL {
            let line = s
                .coverage
                .get(&c)
                .copied()
                .unwrap_or(CoverageLine::new(0, 0));
            let _ = write!(page, "<td>{}</td>", bar(&line, true));
        }
        page.push_str("</tr>\n");
    }
    page.push_str("</tbody>\n</table>\n</div>\n</section>\n");
}

fn map(page: &mut Page<'_>, graph: &Graph) {
    let (svg, alone) = map_svg::render(graph);
    if svg.is_empty() && alone.is_empty() {
        return;
    }
    page.push_str("<section id=\"map\">\n<h2>Integration map</h2>\n");
    let _ = writeln!(
        page,
        "<p class=\"note\">{}, {} ({} guessed by name); hover a line or a box for details. <code>resilint map</code> prints it as JSON, Mermaid or DOT.</p>",
        plural(graph.services.len(), "service", "services"),
        plural(graph.edges.len(), "integration point", "integration points"),
        graph.ties.iter().filter(|t| t.guessed).count()
    );
    page.push_str("<p class=\"legend\"><span><i class=\"swatch\"></i>calls, no finding</span><span><i class=\"swatch flagged\"></i>calls with findings</span><span>dashed box: external host; <code>(mesh)</code>: mesh routes, for every caller</span></p>\n");
    if !svg.is_empty() {
        page.push_str("<div class=\"map-box\">\n");
        page.push_str(&svg);
        page.push_str("</div>\n");
    }
    if !alone.is_empty() {
        let names: Vec<String> = alone
            .iter()
            .map(|n| format!("<code>{}</code>", esc(n)))
            .collect();
        let _ = writeln!(
            page,
            "<p class=\"note\" id=\"alone\">{} with no integration point seen: {}</p>",
            plural(alone.len(), "service", "services"),
            names.join(", ")
        );
    }
    page.push_str("</section>\n");
}

fn findings(page: &mut Page<'_>, report: &Report, files: &[SourceFile], graph: &Graph) {
    let _ = writeln!(page, "<section id=\"findings\">\n<h2>Findings</h2>");
    filter(page, report);
    if report.findings.is_empty() {
        page.push_str("<p>No findings.</p>\n</section>\n");
        return;
    }
    let owners = Owners::of(graph);
    let by_path: std::collections::HashMap<&str, &SourceFile> =
        files.iter().map(|f| (f.display.as_str(), f)).collect();
    // Service (known ones first, by id), then rule, then the findings in report order.
    let mut groups: BTreeMap<(bool, &str), BTreeMap<&str, Vec<&Finding>>> = BTreeMap::new();
    for f in &report.findings {
        let service = owners.service(&f.location.path, f.byte_range.0, f.byte_range.1);
        groups
            .entry((service.is_none(), service.unwrap_or(NO_SERVICE)))
            .or_default()
            .entry(f.rule.as_str())
            .or_default()
            .push(f);
    }
    for ((_, service), rules) in &groups {
        let n: usize = rules.values().map(Vec::len).sum();
        let _ = writeln!(
            page,
            "<section class=\"service\" data-service=\"{0}\">\n<h3 class=\"mono\">{0} <span class=\"note\">({1})</span></h3>",
            esc(service),
            plural(n, "finding", "findings")
        );
        for (rule, list) in rules {
            let _ = writeln!(
                page,
                "<details class=\"rule\" open>\n<summary><code>{}</code> <span class=\"note\">{} · {}</span></summary>",
                esc(rule),
                list[0].category.name(),
                list.len()
            );
            for f in list {
                finding(page, f, by_path.get(f.location.path.as_str()).copied());
            }
            page.push_str("</details>\n");
        }
        page.push_str("</section>\n");
    }
    page.push_str("</section>\n");
}

fn finding(page: &mut Page<'_>, f: &Finding, file: Option<&SourceFile>) {
    let l = &f.location;
    let _ = writeln!(
        page,
        "<article class=\"finding sev-{0}\" data-category=\"{1}\" data-severity=\"{0}\">\n<p><span class=\"sev\">{0}</span> {2}</p>\n<p class=\"loc mono\">{3}:{4}:{5}</p>",
        f.severity.name(),
        f.category.name(),
        esc(&super::with_others(f)),
        esc(&l.path),
        l.line,
        l.column
    );
    if let Some(target) = &f.target {
        let _ = writeln!(
            page,
            "<p class=\"note\">target: <code>{}</code></p>",
            esc(target)
        );
    }
    if let Some(file) = file {
        snippet_html(page, file, f.byte_range);
    }
    if !f.related.is_empty() {
        let at: Vec<String> = f
            .related
            .iter()
            .map(|r| format!("{}:{}:{}", esc(&r.path), r.line, r.column))
            .collect();
        let _ = writeln!(
            page,
            "<p class=\"note\">Same problem at <span class=\"mono\">{}</span></p>",
            at.join(", ")
        );
    }
    if !f.help.is_empty() {
        let _ = writeln!(page, "<p class=\"help\">help: {}</p>", esc(&f.help));
    }
    page.push_str("</article>\n");
}

/// The finding's excerpt (cut and made visible by [`Snippet`]), its range marked.
fn snippet_html(page: &mut Page<'_>, file: &SourceFile, (start, end): (usize, usize)) {
    let s = Snippet::new(file, start, end);
    let text = s.text();
    let label = s.label.clone();
    page.push_str("<pre class=\"snippet\">");
    for (number, range) in s.lines() {
        let _ = write!(page, "<span class=\"ln\">{number}</span>");
        let (a, b) = (
            label.start.clamp(range.start, range.end),
            label.end.clamp(range.start, range.end),
        );
        page.push_str(&esc(&text[range.start..a]));
        if a < b {
            let _ = write!(page, "<mark>{}</mark>", esc(&text[a..b]));
        }
        page.push_str(&esc(&text[b..range.end]));
        page.push('\n');
    }
    page.push_str("</pre>\n");
}

fn errors(page: &mut Page<'_>, report: &Report) {
    if report.errors.is_empty() {
        return;
    }
    let _ = writeln!(
        page,
        "<section id=\"errors\">\n<h2>Files not read ({})</h2>\n<ul>",
        report.errors.len()
    );
    for e in &report.errors {
        let at = match (e.line, e.column) {
            (Some(l), Some(c)) => format!(":{l}:{c}"),
            (Some(l), None) => format!(":{l}"),
            _ => String::new(),
        };
        let _ = writeln!(
            page,
            "<li><span class=\"mono\">{}{at}</span> [{}] {}</li>",
            esc(&e.path),
            serde_json::to_value(e.kind)
                .ok()
                .and_then(|v| v.as_str().map(String::from))
                .unwrap_or_default(),
            esc(&e.message)
        );
    }
    page.push_str("</ul>\n</section>\n");
}
