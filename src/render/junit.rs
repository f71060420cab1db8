//! `--format junit`: JUnit XML for CI systems that show test results (GitLab's
//! `artifacts:reports:junit`, Jenkins, Azure). One test suite per category, one
//! test case per active rule: it passes when the rule reported nothing, and fails
//! with one line per finding otherwise.
//!
//! The XML is written event by event with `quick-xml`, laid out as `quick-junit`
//! lays out its reports (four-space indent, the same attributes in the same order,
//! text cleaned by its `XmlString`), so the bytes are those `quick-junit` wrote.
//! `quick-junit` itself holds the whole report, every finding's line included, as a
//! tree until it writes it; here a failing rule's lines are written one by one.

use std::collections::HashMap;
use std::io::{self, Write};

use quick_junit::XmlString;
use quick_xml::events::{BytesDecl, BytesEnd, BytesStart, BytesText, Event};
use quick_xml::Writer;

use crate::report::{Category, Report, RuleInfo};

pub fn render(report: &Report) -> String {
    super::to_string(|out| write(report, out))
}

/// What an attribute or a text holds: without ANSI escapes and the control
/// characters XML 1.0 cannot carry (what `quick-junit` writes).
fn clean(s: &str) -> XmlString {
    XmlString::new(s)
}

/// Writes the XML, one event at a time.
pub fn write(report: &Report, out: &mut dyn Write) -> io::Result<()> {
    let mut counts: HashMap<&str, usize> = HashMap::new();
    for f in &report.findings {
        *counts.entry(f.rule.as_str()).or_default() += 1;
    }
    let count = |rule: &RuleInfo| counts.get(rule.id.as_str()).copied().unwrap_or(0);
    let rules = |c: Category| report.rules.iter().filter(move |r| r.category == c);
    let mut xml = Writer::new_with_indent(out, b' ', 4);
    xml.write_event(Event::Decl(BytesDecl::new("1.0", Some("UTF-8"), None)))?;
    let tests = report.rules.len();
    let failures = report.rules.iter().filter(|r| count(r) > 0).count();
    let mut root = BytesStart::new("testsuites");
    root.extend_attributes([
        ("name", "resilint"),
        ("tests", &tests.to_string()),
        ("skipped", "0"),
        ("failures", &failures.to_string()),
        ("errors", "0"),
    ]);
    xml.write_event(Event::Start(root))?;
    for category in Category::ALL {
        let tests = rules(category).count();
        let failures = rules(category).filter(|r| count(r) > 0).count();
        let mut suite = BytesStart::new("testsuite");
        suite.extend_attributes([
            ("name", category.name()),
            ("tests", &tests.to_string()),
            ("skipped", "0"),
            ("errors", "0"),
            ("failures", &failures.to_string()),
        ]);
        if tests == 0 {
            xml.write_event(Event::Empty(suite))?;
            continue;
        }
        xml.write_event(Event::Start(suite))?;
        for rule in rules(category) {
            test_case(&mut xml, report, rule, count(rule))?;
        }
        xml.write_event(Event::End(BytesEnd::new("testsuite")))?;
    }
    xml.write_event(Event::End(BytesEnd::new("testsuites")))?;
    // `quick-junit` ends its XML with a newline.
    xml.write_indent()
}

/// One rule's test case: empty when it found nothing, else a failure whose text
/// is one line per finding, each written as it is made.
fn test_case(
    xml: &mut Writer<&mut dyn Write>,
    report: &Report,
    rule: &RuleInfo,
    findings: usize,
) -> io::Result<()> {
    let name = clean(&rule.id);
    let classname = clean(&format!("resilint.{}", rule.category.name()));
    let mut case = BytesStart::new("testcase");
    case.extend_attributes([("name", name.as_str()), ("classname", classname.as_str())]);
    if findings == 0 {
        return xml.write_event(Event::Empty(case));
    }
    xml.write_event(Event::Start(case))?;
    let message = clean(&format!(
        "{findings} {}: {}",
        if findings == 1 { "finding" } else { "findings" },
        rule.summary
    ));
    let ty = clean(rule.severity.name());
    let mut failure = BytesStart::new("failure");
    failure.extend_attributes([("message", message.as_str()), ("type", ty.as_str())]);
    xml.write_event(Event::Start(failure))?;
    for (i, f) in report
        .findings
        .iter()
        .filter(|f| f.rule == rule.id)
        .enumerate()
    {
        let l = &f.location;
        let line = format!(
            "{}{}:{}:{}: {}",
            if i == 0 { "" } else { "\n" },
            l.path,
            l.line,
            l.column,
            super::with_others(f)
        );
        xml.write_event(Event::Text(BytesText::new(clean(&line).as_str())))?;
    }
    xml.write_event(Event::End(BytesEnd::new("failure")))?;
    xml.write_event(Event::End(BytesEnd::new("testcase")))
}
