//! `--format junit`: JUnit XML for CI systems that show test results (GitLab's
//! `artifacts:reports:junit`, Jenkins, Azure). One test suite per category, one
//! test case per active rule: it passes when the rule reported nothing, and fails
//! with one line per finding otherwise. The XML is written by `quick-junit`, which
//! escapes what needs escaping.

use quick_junit::{NonSuccessKind, Report as JUnit, TestCase, TestCaseStatus, TestSuite};

use crate::report::{Category, Report};

pub fn render(report: &Report) -> String {
    let mut junit = JUnit::new("resilint");
    for category in Category::ALL {
        let mut suite = TestSuite::new(category.name());
        for rule in report.rules.iter().filter(|r| r.category == category) {
            let findings: Vec<_> = report
                .findings
                .iter()
                .filter(|f| f.rule == rule.id)
                .collect();
            let status = if findings.is_empty() {
                TestCaseStatus::success()
            } else {
                let mut status = TestCaseStatus::non_success(NonSuccessKind::Failure);
                let lines: Vec<String> = findings
                    .iter()
                    .map(|f| {
                        let l = &f.location;
                        format!(
                            "{}:{}:{}: {}",
                            l.path,
                            l.line,
                            l.column,
                            super::with_others(f)
                        )
                    })
                    .collect();
                status
                    .set_message(format!(
                        "{} {}: {}",
                        findings.len(),
                        if findings.len() == 1 {
                            "finding"
                        } else {
                            "findings"
                        },
                        rule.summary
                    ))
                    .set_type(rule.severity.name())
                    .set_description(lines.join("\n"));
                status
            };
            let mut case = TestCase::new(rule.id.as_str(), status);
            case.set_classname(format!("resilint.{}", category.name()));
            suite.add_test_case(case);
        }
        junit.add_test_suite(suite);
    }
    let mut out = junit
        .to_string()
        .unwrap_or_else(|e| format!("<!-- cannot write JUnit XML: {e} -->"));
    if !out.ends_with('\n') {
        out.push('\n');
    }
    out
}
