//! Configuration, rule-file and YAML errors are drawn like findings, through the
//! same codespan-reporting renderer: a header, `┌─ file:line:column` naming the file
//! the error is in (never `resilint.toml` for another file), and the source line
//! with the position underlined.

mod common;

use common::run::{code, run_in, stderr, tree, ROUTES};

/// The `┌─ path:line:column` line of a drawn diagnostic, and the line after the
/// source line (the underline).
fn located(err: &str) -> (String, String) {
    let lines: Vec<&str> = err.lines().collect();
    let at = lines
        .iter()
        .position(|l| l.trim_start().starts_with("┌─ "))
        .unwrap_or_else(|| panic!("no ┌─ line in:\n{err}"));
    let loc = lines[at].trim_start().trim_start_matches("┌─ ").to_string();
    let underline = lines
        .iter()
        .skip(at + 1)
        .find(|l| l.contains('^'))
        .unwrap_or_else(|| panic!("no underline in:\n{err}"));
    (loc, underline.to_string())
}

#[test]
fn a_config_error_names_its_own_file_with_a_snippet() {
    let dir = tree(&[
        ("k8s/orders.yaml", ROUTES),
        ("resilint.toml", ""),
        (
            "ci/strict.toml",
            "\n[rules]\n\"istio/route-without-timout\" = \"error\"\n",
        ),
    ]);
    let out = run_in(dir.path(), &["check", ".", "--config", "ci/strict.toml"]);
    assert_eq!(code(&out), 2);
    let err = stderr(&out);
    assert!(err.starts_with("error: unknown rule"), "{err}");
    assert!(err.contains("did you mean"), "{err}");
    let (loc, underline) = located(&err);
    assert_eq!(loc, "ci/strict.toml:3:1");
    assert!(
        err.contains("3 │ \"istio/route-without-timout\" = \"error\""),
        "{err}"
    );
    assert!(underline.contains("^^^^"), "{err}");
    assert!(!err.contains("resilint.toml"), "{err}");
}

#[test]
fn a_nested_config_error_names_the_nested_file() {
    let dir = tree(&[
        ("resilint.toml", ""),
        ("svc/resilint.toml", "exclude = [\"a[\"]\n"),
        ("svc/k8s/orders.yaml", ROUTES),
    ]);
    let out = run_in(dir.path(), &["check", "."]);
    assert_eq!(code(&out), 2);
    let (loc, _) = located(&stderr(&out));
    assert_eq!(loc, "svc/resilint.toml:1:11");
}

#[test]
fn a_rule_file_error_is_drawn_at_its_position() {
    let dir = tree(&[
        ("resilint.toml", "rule-dirs = [\"my-rules\"]\n"),
        ("my-rules/apis/acme.toml", "[[client]]\nname = 1\n"),
        ("k8s/orders.yaml", ROUTES),
    ]);
    let out = run_in(dir.path(), &["check", "."]);
    assert_eq!(code(&out), 2);
    let err = stderr(&out);
    let (loc, underline) = located(&err);
    assert_eq!(loc, "my-rules/apis/acme.toml:2:8");
    assert!(err.contains("2 │ name = 1"), "{err}");
    assert_eq!(underline.trim_end().chars().last(), Some('^'));
}

#[test]
fn a_yaml_error_is_drawn_with_its_snippet_and_the_run_goes_on() {
    let dir = tree(&[
        ("k8s/orders.yaml", ROUTES),
        (
            "k8s/broken.yaml",
            "apiVersion: networking.istio.io/v1\nkind: VirtualService\nspec: [\n  - a: b\n",
        ),
    ]);
    let out = run_in(dir.path(), &["check", ".", "--color", "never"]);
    let err = stderr(&out);
    assert!(err.starts_with("error[parse]: "), "{err}");
    let (loc, underline) = located(&err);
    assert!(loc.starts_with("k8s/broken.yaml:4:"), "{err}");
    assert!(underline.contains('^'), "{err}");
    // The other file was linted.
    assert!(common::run::stdout(&out).contains("k8s/orders.yaml"));
}
