//! Command-line conveniences end to end: `--select`/`--ignore` by id, group and
//! category; "did you mean" for unknown ids; `--color` and the colour variables;
//! `--output-format concise`; `resilint rules --format json`.

mod common;

use std::process::Command;

use common::run::{code, json, run_in, shop, stderr, stdout, tree, write, ROUTES};

fn rules_of(out: &std::process::Output) -> Vec<String> {
    let mut rules: Vec<String> = json(out)["findings"]
        .as_array()
        .unwrap()
        .iter()
        .map(|f| f["rule"].as_str().unwrap().to_string())
        .collect();
    rules.dedup();
    rules
}

#[test]
fn select_and_ignore_take_ids_groups_and_categories() {
    let dir = shop();
    let only_rust = run_in(
        dir.path(),
        &["check", ".", "--format", "json", "--select", "rust"],
    );
    assert_eq!(
        rules_of(&only_rust),
        vec!["rust/http-client-without-timeout"]
    );
    let report = json(&only_rust);
    assert_eq!(
        report["coverage"]["circuit-breaker"]["total"], 0,
        "unselected rules count nothing"
    );

    let timeouts = run_in(
        dir.path(),
        &[
            "check", ".", "--format", "json", "--select", "timeout", "--ignore", "rust",
        ],
    );
    assert_eq!(rules_of(&timeouts), vec!["istio/route-without-timeout"]);

    let two = run_in(
        dir.path(),
        &[
            "check",
            ".",
            "--format",
            "json",
            "--select",
            "istio/route-without-timeout,istio/non-idempotent-route-retried",
        ],
    );
    assert_eq!(
        rules_of(&two),
        vec![
            "istio/non-idempotent-route-retried",
            "istio/route-without-timeout"
        ]
    );
}

#[test]
fn unknown_ids_get_a_did_you_mean_everywhere() {
    let dir = shop();
    let out = run_in(
        dir.path(),
        &["check", ".", "--select", "istio/route-without-timout"],
    );
    assert_eq!(code(&out), 2);
    assert!(stderr(&out).contains("--select: `istio/route-without-timout` is no active rule id, group or category (did you mean `istio/route-without-timeout`?)"), "{}", stderr(&out));
    let out = run_in(dir.path(), &["check", ".", "--ignore", "timeuot"]);
    assert_eq!(code(&out), 2);
    assert!(
        stderr(&out).contains("(did you mean `timeout`?)"),
        "{}",
        stderr(&out)
    );

    let out = run_in(dir.path(), &["explain", "istio/route-without-timout"]);
    assert_eq!(code(&out), 2);
    assert!(
        stderr(&out).contains("did you mean `istio/route-without-timeout`?"),
        "{}",
        stderr(&out)
    );

    write(
        dir.path(),
        "resilint.toml",
        "[rules]\n\"istio/route-without-timout\" = \"off\"\n",
    );
    let out = run_in(dir.path(), &["check", "."]);
    assert_eq!(code(&out), 2);
    assert!(
        stderr(&out).contains("did you mean `istio/route-without-timeout`?"),
        "{}",
        stderr(&out)
    );

    let commented = ROUTES.replace(
        "  - name: read\n",
        "  # resilint: ignore[istio/route-without-timout] nightly\n  - name: read\n",
    );
    let dir = tree(&[("k8s/orders.yaml", &commented)]);
    let text = stdout(&run_in(dir.path(), &["check", "."]));
    assert!(
        text.contains("no active rule has this id; did you mean `istio/route-without-timeout`?"),
        "{text}"
    );
}

fn colored(dir: &std::path::Path, args: &[&str], env: &[(&str, &str)]) -> bool {
    let mut cmd = Command::new(env!("CARGO_BIN_EXE_resilint"));
    cmd.args(["check", "."]).args(args).current_dir(dir);
    for var in ["NO_COLOR", "CLICOLOR_FORCE", "FORCE_COLOR"] {
        cmd.env_remove(var);
    }
    for (k, v) in env {
        cmd.env(k, v);
    }
    let out = cmd.output().unwrap();
    String::from_utf8_lossy(&out.stdout).contains('\u{1b}')
}

#[test]
fn color_follows_the_flag_then_the_variables() {
    let dir = shop();
    let p = dir.path();
    assert!(!colored(p, &[], &[]), "auto, not a terminal");
    assert!(colored(p, &["--color", "always"], &[]));
    assert!(
        colored(p, &["--color", "always"], &[("NO_COLOR", "1")]),
        "the flag wins"
    );
    assert!(!colored(p, &["--color", "never"], &[("FORCE_COLOR", "1")]));
    assert!(colored(p, &[], &[("CLICOLOR_FORCE", "1")]));
    assert!(colored(p, &[], &[("FORCE_COLOR", "1")]));
    assert!(!colored(p, &[], &[("FORCE_COLOR", "0")]));
    assert!(
        !colored(p, &[], &[("FORCE_COLOR", "1"), ("NO_COLOR", "1")]),
        "NO_COLOR wins"
    );
}

#[test]
fn concise_output_is_one_line_per_finding() {
    let dir = shop();
    let out = run_in(dir.path(), &["check", ".", "--output-format", "concise"]);
    assert_eq!(code(&out), 1);
    let text = stdout(&out);
    let lines: Vec<&str> = text
        .lines()
        .take_while(|l| !l.is_empty() && !l.starts_with("0 errors"))
        .collect();
    // Five subjects, four lines: the two routes to `orders` share one problem.
    assert_eq!(lines.len(), 4, "{text}");
    assert!(lines[1].ends_with("(and 1 other route)"), "{text}");
    assert_eq!(
        lines[3],
        "k8s/orders.yaml:14:5: warning[istio/route-without-timeout] HTTP route has no `timeout`: Istio disables the request timeout by default, so a slow upstream holds callers indefinitely"
    );
    assert!(
        text.contains("0 errors, 4 warnings, 0 info in 4 files"),
        "{text}"
    );
}

#[test]
fn rules_lists_as_json_for_scripts() {
    let dir = shop();
    write(
        dir.path(),
        "resilint.toml",
        "[rules]\n\"istio/route-without-timeout\" = \"error\"\n",
    );
    let out = run_in(dir.path(), &["rules", "--format", "json"]);
    assert_eq!(code(&out), 0);
    let list = json(&out);
    let list = list.as_array().unwrap();
    let text = run_in(dir.path(), &["rules"]);
    let text = stdout(&text);
    let listed: Vec<&str> = text.lines().filter(|l| l.starts_with("  ")).collect();
    // Opt-in rules follow under their own heading, as `off` in the JSON.
    let opt_in: Vec<&str> = text.lines().filter(|l| l.starts_with("- ")).collect();
    assert_eq!(list.len(), listed.len() + opt_in.len());
    let off: Vec<&serde_json::Value> = list.iter().filter(|r| r["severity"] == "off").collect();
    assert_eq!(off.len(), opt_in.len());
    assert!(off.iter().all(|r| r["opt_in"] == true), "{off:?}");
    assert!(
        opt_in
            .iter()
            .any(|l| l.contains("rust/possible-mutation-without-idempotency-key")),
        "{text}"
    );
    // Both lists share one column width: every category starts in the same column.
    let column = |l: &str| {
        l.find(' ')
            .map(|i| i + l[i..].find(|c: char| c != ' ').unwrap())
    };
    let columns: std::collections::BTreeSet<Option<usize>> = listed
        .iter()
        .chain(&opt_in)
        .map(|l| column(&l[2..]))
        .collect();
    assert_eq!(columns.len(), 1, "{text}");
    // Grouped: a heading per group naming the platforms its rules select.
    assert!(text.contains("\n\nistio (kubernetes)\n  istio/"), "{text}");
    assert!(
        text.contains("\n\nkong (kong, kubernetes)\n  kong/"),
        "{text}"
    );
    assert!(text.contains("\n\nresilience4j (spring)\n"), "{text}");
    let route = list
        .iter()
        .find(|r| r["id"] == "istio/route-without-timeout")
        .unwrap();
    assert_eq!(route["severity"], "error");
    assert_eq!(route["default_severity"], "warning");
    assert_eq!(route["category"], "timeout");
    assert_eq!(route["platform"], "kubernetes");
    assert_eq!(route["group"], "istio");
    assert_eq!(route["origin"], "built-in");
    assert!(route["summary"].as_str().is_some_and(|s| !s.is_empty()));
}

#[test]
fn explain_of_a_rule_turned_off_explains_it_and_says_so() {
    let dir = shop();
    write(
        dir.path(),
        "resilint.toml",
        "[rules]\n\"istio/route-without-timeout\" = \"off\"\n",
    );
    let out = run_in(dir.path(), &["explain", "istio/route-without-timeout"]);
    assert_eq!(code(&out), 0, "{}", stderr(&out));
    let text = stdout(&out);
    assert!(
        text.starts_with(
            "istio/route-without-timeout  (timeout, off as configured, warning by default)"
        ),
        "{text}"
    );
    assert!(text.contains("Why it matters"), "{text}");
    let listed = stdout(&run_in(dir.path(), &["rules"]));
    assert!(
        !listed.contains("istio/route-without-timeout"),
        "still off in `rules`"
    );
}

#[test]
fn completions_are_printed_for_each_shell() {
    let dir = shop();
    for shell in ["bash", "zsh", "fish", "powershell", "elvish"] {
        let out = run_in(dir.path(), &["completions", shell]);
        assert_eq!(code(&out), 0, "{shell}");
        assert!(
            stdout(&out).contains("min-coverage"),
            "{shell}: {}",
            stdout(&out)
        );
    }
    assert_eq!(code(&run_in(dir.path(), &["completions", "tcsh"])), 2);
}

/// An opt-in rule is off until asked for by its id (`--select`) or a level in
/// `resilint.toml`; its group or category selects only the rules on by default, and
/// what is off counts nothing toward coverage.
#[test]
fn opt_in_rules_run_only_when_asked_for() {
    let possible = "rust/possible-mutation-without-idempotency-key";
    let dir = tree(&[
        (
            "Cargo.toml",
            "[package]\nname = \"notes\"\nversion = \"0.1.0\"\n\n[dependencies]\naxum = \"0.8\"\n",
        ),
        (
            "src/main.rs",
            "use axum::routing::post;\n\nasync fn add(s: axum::extract::State<notes_db::Db>) { s.append_note().await }\n\npub fn app() -> axum::Router {\n    axum::Router::new().route(\"/notes\", post(add))\n}\n",
        ),
    ]);
    let rules_of = |args: &[&str]| -> Vec<String> {
        let mut all = vec!["check", ".", "--format", "json"];
        all.extend(args);
        let report = json(&run_in(dir.path(), &all));
        report["findings"]
            .as_array()
            .unwrap()
            .iter()
            .map(|f| f["rule"].as_str().unwrap().to_string())
            .collect()
    };
    assert_eq!(rules_of(&[]), Vec::<String>::new());
    let report = json(&run_in(dir.path(), &["check", ".", "--format", "json"]));
    assert_eq!(report["coverage"]["idempotency"]["total"], 0);
    assert_eq!(rules_of(&["--select", "rust"]), Vec::<String>::new());
    assert_eq!(rules_of(&["--select", "idempotency"]), Vec::<String>::new());
    assert_eq!(
        rules_of(&["--select", possible]),
        vec![possible.to_string()]
    );
    // `all` picks every rule, the opt-in ones included; `--ignore` still applies.
    assert_eq!(rules_of(&["--select", "all"]), vec![possible.to_string()]);
    let report = json(&run_in(
        dir.path(),
        &["check", ".", "--format", "json", "--select", "all"],
    ));
    assert_eq!(report["coverage"]["idempotency"]["total"], 1);
    assert_eq!(
        rules_of(&["--select", "all", "--ignore", possible]),
        Vec::<String>::new()
    );
    write(
        dir.path(),
        "resilint.toml",
        format!("[rules]\n\"{possible}\" = \"warning\"\n"),
    );
    assert_eq!(rules_of(&[]), vec![possible.to_string()]);
    let out = run_in(dir.path(), &["check", "."]);
    assert_eq!(code(&out), 1, "a warning as configured fails the run");
    // `explain` documents it whether on or off.
    std::fs::remove_file(dir.path().join("resilint.toml")).unwrap();
    let out = run_in(dir.path(), &["explain", possible]);
    assert_eq!(code(&out), 0);
    assert!(
        stdout(&out).contains("off by default (opt-in, info when selected)"),
        "{}",
        stdout(&out)
    );
}
