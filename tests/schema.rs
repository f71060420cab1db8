//! Rule paths are checked against the declared shape of the documents they select
//! (`src/schema/`): a typo is a rule-file error (exit 2) at its line, with a suggestion.

use assert_cmd::Command;

mod common;

use common::tree::tree;

fn rule(select: &str, check: &str) -> String {
    format!(
        "id = \"acme/typo\"\ncategory = \"timeout\"\nseverity = \"warning\"\nsummary = \"s\"\n\n[select]\nplatform = \"rust\"\n{select}\n\n[check]\nkind = \"require\"\n{check}\n\n[docs]\nwhat = \"w\"\nwhy = \"w\"\nexample = \"e\"\nfix = \"f\"\n"
    )
}

/// Exit code and stderr of `resilint check` with the rule file given.
fn check_with(rule_text: &str) -> (i32, String) {
    let dir = tree(&[
        ("src/main.rs", "fn main() {}\n"),
        ("resilint.toml", "rule-dirs = [\"r\"]\n"),
        ("r/acme/typo.toml", rule_text),
    ]);
    let out = Command::cargo_bin("resilint")
        .unwrap()
        .current_dir(dir.path())
        .args(["check", "."])
        .output()
        .unwrap();
    (
        out.status.code().unwrap_or(-1),
        String::from_utf8_lossy(&out.stderr).into_owned(),
    )
}

#[test]
fn a_misspelt_each_is_exit_2_at_its_line_with_a_suggestion() {
    let text = rule(
        "each = \"client[*]\"",
        "[[check.require]]\npath = \"timeout\"\npresent = true",
    );
    let (code, stderr) = check_with(&text);
    assert_eq!(code, 2, "{stderr}");
    assert!(stderr.contains("┌─ r/acme/typo.toml:8:9"), "{stderr}");
    assert!(stderr.contains("did you mean `clients`?"), "{stderr}");
}

#[test]
fn a_misspelt_require_path_is_exit_2_at_its_line_with_a_suggestion() {
    let text = rule(
        "each = \"clients[*]\"",
        "[[check.require]]\npath = \"timeot\"\npresent = true",
    );
    let (code, stderr) = check_with(&text);
    assert_eq!(code, 2, "{stderr}");
    assert!(stderr.contains("┌─ r/acme/typo.toml:13:9"), "{stderr}");
    assert!(stderr.contains("did you mean `timeout`?"), "{stderr}");
}

#[test]
fn a_misspelt_when_path_and_a_key_below_a_value_are_errors_too() {
    let text = rule(
        "each = \"retries[*]\"\nwhen = [{ path = \"unbounded.forever\", present = false }]",
        "[[check.require]]\npath = \"delay\"\nnot-one-of = [\"none\"]",
    );
    let (code, stderr) = check_with(&text);
    assert_eq!(code, 2, "{stderr}");
    assert!(stderr.contains("r/acme/typo.toml:9:"), "{stderr}");
    assert!(stderr.contains("`unbounded` is a flag value"), "{stderr}");
}

#[test]
fn valid_paths_load_and_kubernetes_kinds_are_not_checked() {
    let good = rule(
        "each = \"clients[*]\"",
        "[[check.require]]\npath = \"timeout\"\npresent = true",
    );
    let (code, stderr) = check_with(&good);
    assert!(code == 0 || code == 1, "{stderr}");
    // A CRD has no declared shape: any path loads.
    let crd = good
        .replace("platform = \"rust\"", "kind = \"Pipe\"")
        .replace("clients[*]", "spec.hopz[*]");
    let (code, stderr) = check_with(&crd);
    assert!(code == 0 || code == 1, "{stderr}");
}

fn spring_rule(select: &str, check: &str) -> String {
    rule(select, check).replace("platform = \"rust\"", "platform = \"spring\"")
}

#[test]
fn spring_rule_paths_are_checked_in_canonical_form_and_open_maps_allow_other_keys() {
    let each = "each = \"resilience4j.retry.instances[*]\"";
    let typo = spring_rule(
        each,
        "[[check.require]]\npath = \"wait-duraton\"\npresent = true",
    );
    let (code, stderr) = check_with(&typo);
    assert_eq!(code, 2, "{stderr}");
    assert!(stderr.contains("┌─ r/acme/typo.toml:13:9"), "{stderr}");
    assert!(stderr.contains("did you mean `wait-duration`?"), "{stderr}");

    let camel = spring_rule(
        each,
        "[[check.require]]\npath = \"waitDuration\"\npresent = true",
    );
    let (code, stderr) = check_with(&camel);
    assert_eq!(code, 2, "{stderr}");
    assert!(stderr.contains("write `wait-duration`"), "{stderr}");

    let instances = spring_rule(
        "each = \"resilience4j.retry.instanses[*]\"",
        "[[check.require]]\npath = \"wait-duration\"\npresent = true",
    );
    let (code, stderr) = check_with(&instances);
    assert_eq!(code, 2, "{stderr}");
    assert!(stderr.contains("did you mean `instances`?"), "{stderr}");

    // A property resilint does not declare (a bulkhead's) is allowed: Spring binds any key.
    let other = spring_rule(
        "each = \"resilience4j.bulkhead.instances[*]\"",
        "[[check.require]]\npath = \"max-concurrent-calls\"\npresent = true",
    );
    let (code, stderr) = check_with(&other);
    assert_ne!(code, 2, "{stderr}");
}
