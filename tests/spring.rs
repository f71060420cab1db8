//! End-to-end tests of the Spring / Resilience4j side: `.properties` files, the
//! normalise step, and bad input that must become `errors` entries, never a panic
//! or a hang, while the rest of the run goes on.

mod common;

use common::tree::{report as run, write};
use resilint::report::{ErrorKind, Report};

#[test]
fn bad_properties_files_are_errors_and_the_rest_still_counts() {
    let dir = tempfile::tempdir().unwrap();
    write(
        dir.path(),
        "a/application.properties",
        b"resilience4j.retry.instances.a.maxAttempts=3\nbad=\\u12X4\nresilience4j.retry.instances.b.maxAttempts=2\n",
    );
    write(
        dir.path(),
        "b/application.properties",
        b"resilience4j.retry.instances.c.maxAttempts=3\nname=caf\xE9\n",
    );
    // Not Spring's: never read.
    write(dir.path(), "c/messages.properties", b"bad=\\uZZZZ\n");
    let report = run(dir.path());
    let errors: Vec<_> = report
        .errors
        .iter()
        .map(|e| {
            (
                e.path
                    .rsplit_once("/a/")
                    .map_or(&e.path[..], |p| p.1)
                    .to_string(),
                e.line,
                e.kind,
            )
        })
        .collect();
    assert_eq!(report.errors.len(), 2, "{:?}", report.errors);
    let escape = report
        .errors
        .iter()
        .find(|e| e.path.ends_with("a/application.properties"))
        .unwrap();
    assert_eq!(
        (escape.line, escape.column, escape.kind),
        (Some(2), Some(5), ErrorKind::Parse)
    );
    assert!(escape.message.contains("\\u12X4"), "{errors:?}");
    let utf8 = report
        .errors
        .iter()
        .find(|e| e.path.ends_with("b/application.properties"))
        .unwrap();
    assert_eq!((utf8.line, utf8.kind), (Some(2), ErrorKind::Parse));
    assert!(utf8.message.contains("UTF-8"));
    assert_eq!(
        report.files_scanned, 2,
        "messages.properties is not a candidate"
    );
}

fn rules_of(report: &Report, rule: &str) -> Vec<(String, usize, String)> {
    report
        .findings
        .iter()
        .filter(|f| f.rule == rule)
        .map(|f| {
            let file = f.location.path.rsplit('/').next().unwrap_or_default();
            (file.to_string(), f.location.line, f.message.clone())
        })
        .collect()
}

#[test]
fn the_rest_of_a_properties_file_with_a_bad_line_still_counts() {
    let dir = tempfile::tempdir().unwrap();
    write(
        dir.path(),
        "application.properties",
        b"resilience4j.retry.instances.a.maxAttempts=3\nbad=\\u12X4\nresilience4j.retry.instances.b.maxAttempts=2\n",
    );
    let report = run(dir.path());
    assert_eq!(report.errors.len(), 1);
    let lines: Vec<usize> = rules_of(&report, "resilience4j/retry-fixed-wait")
        .into_iter()
        .map(|(_, l, _)| l)
        .collect();
    assert_eq!(lines, [1, 3], "both instances are judged");
}

#[test]
fn base_config_loops_and_missing_configs_are_errors_and_the_run_goes_on() {
    let dir = tempfile::tempdir().unwrap();
    write(
        dir.path(),
        "loop/application.yml",
        b"resilience4j:
  retry:
    configs:
      self:
        baseConfig: self
      a:
        baseConfig: b
        maxAttempts: 4
      b:
        baseConfig: a
    instances:
      one:
        baseConfig: self
      two:
        baseConfig: a
      three:
        baseConfig: nowhere
      four:
        baseConfig: a
",
    );
    write(
        dir.path(),
        "other/application.yml",
        b"resilience4j.retry.instances.fine.waitDuration: 0\n",
    );
    let report = run(dir.path());
    let mut errors: Vec<(Option<usize>, String)> = report
        .errors
        .iter()
        .map(|e| (e.line, e.message.clone()))
        .collect();
    errors.sort();
    assert_eq!(
        errors.len(),
        3,
        "one error per loop, not per instance: {errors:?}"
    );
    assert_eq!(errors[0].0, Some(5));
    assert!(
        errors[0].1.contains("config `self` names itself"),
        "{errors:?}"
    );
    assert_eq!(errors[1].0, Some(10));
    assert!(errors[1].1.contains("a → b → a"), "{errors:?}");
    assert_eq!(errors[2].0, Some(17));
    assert!(
        errors[2]
            .1
            .contains("`baseConfig: nowhere` names no config"),
        "{errors:?}"
    );
    assert!(report.errors.iter().all(|e| e.kind == ErrorKind::Parse));
    // Every instance is still judged, with what could be inherited.
    let fixed = rules_of(&report, "resilience4j/retry-fixed-wait");
    assert_eq!(fixed.len(), 4, "{fixed:?}");
    assert_eq!(
        rules_of(&report, "resilience4j/retry-without-wait").len(),
        1
    );
}

#[test]
fn a_profile_file_that_does_not_parse_is_an_error_and_the_default_profile_still_counts() {
    let dir = tempfile::tempdir().unwrap();
    write(
        dir.path(),
        "application.yml",
        b"resilience4j.retry.instances.orders.maxAttempts: 3\n",
    );
    write(
        dir.path(),
        "application-prod.yml",
        b"resilience4j.retry.instances.orders:\n  maxAttempts: [3\n",
    );
    let report = run(dir.path());
    assert_eq!(report.errors.len(), 1);
    assert!(report.errors[0].path.ends_with("application-prod.yml"));
    assert_eq!(report.errors[0].kind, ErrorKind::Parse);
    assert_eq!(rules_of(&report, "resilience4j/retry-fixed-wait").len(), 1);
}

#[test]
fn an_instance_written_in_yaml_and_properties_counts_once_and_profiles_once_more() {
    let dir = tempfile::tempdir().unwrap();
    write(
        dir.path(),
        "application.yml",
        b"resilience4j.retry.instances.orders:\n  maxAttempts: 3\n  enableExponentialBackoff: true\n",
    );
    // `.properties` wins over YAML in one location: the instance is judged there.
    write(
        dir.path(),
        "application.properties",
        b"resilience4j.retry.instances.orders.wait-duration=1s\n",
    );
    // The prod profile overrides it: a second running configuration, judged on its own.
    write(
        dir.path(),
        "application-prod.yml",
        b"resilience4j.retry.instances.orders.enable-exponential-backoff: false\n",
    );
    let report = run(dir.path());
    assert!(report.errors.is_empty(), "{:?}", report.errors);
    let retry = &report.coverage[&resilint::report::Category::RetryBackoff];
    assert_eq!((retry.covered, retry.total), (1, 2));
    let fixed = rules_of(&report, "resilience4j/retry-fixed-wait");
    assert_eq!(fixed.len(), 1);
    assert_eq!(fixed[0].0, "application-prod.yml");
    assert!(
        fixed[0].2.contains("waits a fixed 1s") && fixed[0].2.contains("(set here)"),
        "the wait comes from application.properties: {fixed:?}"
    );
}

#[test]
fn an_inherited_value_is_reported_at_the_instance_naming_the_config_and_line() {
    let dir = tempfile::tempdir().unwrap();
    write(
        dir.path(),
        "application.yml",
        b"resilience4j:
  retry:
    configs:
      default:
        waitDuration: 0
      shared:
        baseConfig: default
    instances:
      payments:
        baseConfig: shared
",
    );
    // The same instance's breaker threshold comes from a config in the other file.
    write(
        dir.path(),
        "application.properties",
        b"resilience4j.circuitbreaker.configs.lenient.failureRateThreshold=100\nresilience4j.circuitbreaker.instances.payments.baseConfig=lenient\n",
    );
    let report = run(dir.path());
    assert!(report.errors.is_empty(), "{:?}", report.errors);
    let wait = rules_of(&report, "resilience4j/retry-without-wait");
    assert_eq!(wait.len(), 1);
    let (file, line, message) = &wait[0];
    assert_eq!(
        (file.as_str(), *line),
        ("application.yml", 9),
        "at the instance"
    );
    assert!(
        message.contains("inherited from configs.default at line 4"),
        "{message}"
    );
    let never = rules_of(&report, "resilience4j/circuit-breaker-never-opens");
    assert_eq!(never.len(), 1);
    assert_eq!(
        (never[0].0.as_str(), never[0].1),
        ("application.properties", 2)
    );
    assert!(
        never[0]
            .2
            .contains("inherited from configs.lenient at line 1"),
        "{}",
        never[0].2
    );
}

#[test]
fn spring_files_of_jvm_test_source_sets_are_test_code_unless_asked_for() {
    let dir = tempfile::tempdir().unwrap();
    let retry = b"resilience4j.retry.instances.a.maxAttempts=3\n";
    for set in ["main", "test", "integrationTest"] {
        write(
            dir.path(),
            &format!("svc/src/{set}/resources/application.properties"),
            retry,
        );
    }
    let files_with_findings = |report: &Report| {
        let mut paths: Vec<String> = report
            .findings
            .iter()
            .map(|f| {
                let path = &f.location.path;
                path.split("/svc/").nth(1).unwrap_or(path).to_string()
            })
            .collect();
        paths.dedup();
        paths
    };
    let report = run(dir.path());
    assert_eq!(
        files_with_findings(&report),
        ["src/main/resources/application.properties"]
    );
    std::fs::write(
        dir.path().join("resilint.toml"),
        "[spring]\ntest-resources = true\n",
    )
    .unwrap();
    let report = run(dir.path());
    assert_eq!(
        files_with_findings(&report),
        [
            "src/integrationTest/resources/application.properties",
            "src/main/resources/application.properties",
            "src/test/resources/application.properties",
        ]
    );
}

#[test]
fn a_directory_of_too_many_spring_documents_is_a_limit_error_and_each_is_still_judged() {
    // Profile views cost documents² (a 2 MB file of 40,000 documents took 24 GB);
    // past the limit each document is its own view and the run says so.
    let dir = tempfile::tempdir().unwrap();
    let count = resilint::normalise::views::MAX_APPLICATION_DOCUMENTS + 1;
    let text: Vec<String> = (0..count)
        .map(|i| format!("resilience4j.retry.instances.s{i}.max-attempts: 3\n"))
        .collect();
    write(
        dir.path(),
        "app/application.yml",
        text.join("---\n").as_bytes(),
    );
    write(
        dir.path(),
        "small/application.yml",
        b"resilience4j.circuitbreaker.instances.s0.failure-rate-threshold: 50\n---\nresilience4j.retry.instances.s0.max-attempts: 3\n",
    );
    let report = run(dir.path());
    let limits: Vec<_> = report
        .errors
        .iter()
        .filter(|e| e.kind == ErrorKind::Limit)
        .collect();
    assert_eq!(limits.len(), 1, "{:?}", report.errors);
    assert!(
        limits[0].path.ends_with("app/application.yml"),
        "{limits:?}"
    );
    assert!(limits[0].message.contains("more than 256"), "{limits:?}");
    let unguarded = |path: &str| {
        report
            .findings
            .iter()
            .filter(|f| {
                f.rule == "resilience4j/backend-without-circuit-breaker"
                    && f.location.path.ends_with(path)
            })
            .count()
    };
    assert_eq!(unguarded("app/application.yml"), count);
    // A small application beside it keeps its views: the breaker in one document
    // guards the retry in the other.
    assert_eq!(unguarded("small/application.yml"), 0);
}
