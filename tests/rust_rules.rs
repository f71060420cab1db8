//! Fixture-driven tests of the Rust rules: every `fixtures/rust/<name>/fail` tree
//! yields exactly the findings of `rust/<name>` marked `// expect: rust/<name>` on
//! their lines (and of any other rule its markers name: a case one rule hands to
//! another says so), and every `pass` tree yields none. Opt-in rules are on.
//!
//! The same convention as the YAML fixtures (`# expect:`), so the harnesses merge.

use std::collections::BTreeSet;
use std::path::{Path, PathBuf};

use resilint::engine::{run, Options};

mod common;
use common::opt_in_config;

/// Relative to the package root, which is the working directory of `cargo test`,
/// so finding paths and marker paths are shown the same way.
fn fixture_root() -> PathBuf {
    PathBuf::from("fixtures/rust")
}

/// Every rule id an `expect:` marker below `dir` names.
fn marked_rules(dir: &Path) -> BTreeSet<String> {
    let mut out = BTreeSet::new();
    for_markers(dir, |_, ids| {
        out.extend(ids.split(',').map(|id| id.trim().to_string()));
    });
    out
}

/// (display path, line) of every `expect: <rule>` marker below `dir`.
fn markers(dir: &Path, rule: &str) -> BTreeSet<(String, usize)> {
    let mut out = BTreeSet::new();
    for_markers(dir, |at, ids| {
        if ids.split(',').any(|id| id.trim() == rule) {
            out.insert(at);
        }
    });
    out
}

/// Calls `f` with the place and the ids of every `// expect:` marker below `dir`.
fn for_markers(dir: &Path, mut f: impl FnMut((String, usize), &str)) {
    for entry in ignore::WalkBuilder::new(dir)
        .standard_filters(false)
        .build()
        .filter_map(Result::ok)
    {
        let path = entry.path();
        if !path.is_file() || path.extension().is_none_or(|e| e != "rs") {
            continue;
        }
        let text = std::fs::read_to_string(path).unwrap();
        for (i, line) in text.lines().enumerate() {
            let Some(pos) = line.find("// expect:") else {
                continue;
            };
            f((display(path), i + 1), &line[pos + "// expect:".len()..]);
        }
    }
}

fn display(path: &Path) -> String {
    path.to_string_lossy().replace('\\', "/")
}

fn findings(dir: &Path, rule: &str) -> BTreeSet<(String, usize)> {
    let outcome = run(&Options {
        paths: vec![dir.to_path_buf()],
        config: Some(opt_in_config()),
        threads: Some(2),
    })
    .expect("run");
    assert!(
        outcome.report.errors.is_empty(),
        "fixture {} has errors: {:?}",
        dir.display(),
        outcome.report.errors
    );
    outcome
        .report
        .findings
        .iter()
        .filter(|f| f.rule == rule)
        .map(|f| (f.location.path.clone(), f.location.line))
        .collect()
}

fn rule_dirs() -> Vec<(String, PathBuf)> {
    let mut dirs: Vec<_> = std::fs::read_dir(fixture_root())
        .unwrap()
        .filter_map(Result::ok)
        .filter(|e| e.path().is_dir())
        .map(|e| {
            (
                format!("rust/{}", e.file_name().to_string_lossy()),
                e.path(),
            )
        })
        .collect();
    dirs.sort();
    dirs
}

#[test]
fn fail_fixtures_have_exactly_the_marked_findings() {
    let mut failures = Vec::new();
    for (rule, dir) in rule_dirs() {
        let fail = dir.join("fail");
        assert!(
            !markers(&fail, &rule).is_empty(),
            "{rule}: fail fixture has no markers"
        );
        let mut judged = marked_rules(&fail);
        judged.insert(rule.clone());
        for r in judged {
            let expected = markers(&fail, &r);
            let got = findings(&fail, &r);
            for missing in expected.difference(&got) {
                failures.push(format!("{rule}: expected a {r} finding at {missing:?}"));
            }
            for extra in got.difference(&expected) {
                failures.push(format!("{rule}: unexpected {r} finding at {extra:?}"));
            }
        }
    }
    assert!(failures.is_empty(), "\n{}", failures.join("\n"));
}

#[test]
fn pass_fixtures_are_silent_and_counted() {
    for (rule, dir) in rule_dirs() {
        let pass = dir.join("pass");
        let got = findings(&pass, &rule);
        assert!(got.is_empty(), "{rule}: pass fixture has findings {got:?}");
        let outcome = run(&Options {
            paths: vec![pass.clone()],
            config: Some(opt_in_config()),
            threads: Some(1),
        })
        .unwrap();
        let category = resilint::rules::builtin()
            .unwrap()
            .into_iter()
            .find(|r| r.id == rule)
            .map(|r| r.category)
            .expect("rule exists");
        let line = outcome.report.coverage[&category];
        assert!(line.total > 0, "{rule}: pass fixture has no subjects");
        // Rules of one category share subjects (three retry rules judge `retries`): a
        // pass fixture may hold another rule's case on purpose ("a fixed pause is not
        // no delay"), which leaves that subject uncovered. Every uncovered subject must
        // be another rule's finding.
        let others = outcome
            .report
            .findings
            .iter()
            .filter(|f| f.rule != rule && f.category == category)
            .count();
        assert!(
            line.total - line.covered <= others,
            "{rule}: pass fixture not fully covered ({} of {} subjects, {others} findings of other rules)",
            line.covered,
            line.total
        );
    }
}

#[test]
fn every_rust_rule_has_fixtures() {
    let rules = resilint::rules::builtin().unwrap();
    for r in rules.iter().filter(|r| r.id.starts_with("rust/")) {
        let dir = fixture_root().join(r.id.trim_start_matches("rust/"));
        assert!(dir.join("fail").is_dir(), "{} has no fail fixture", r.id);
        assert!(dir.join("pass").is_dir(), "{} has no pass fixture", r.id);
    }
}

#[test]
fn findings_carry_the_literal_or_constant_target() {
    let dir = fixture_root().join("http-client-without-timeout/fail");
    let outcome = run(&Options {
        paths: vec![dir],
        config: None,
        threads: Some(1),
    })
    .unwrap();
    let targets: BTreeSet<_> = outcome
        .report
        .findings
        .iter()
        .filter_map(|f| f.target.clone())
        .collect();
    for t in [
        "http://inventory:50051",
        "http://pricing:50051",
        "http://payments:8080/charge",
        "amqp://rabbit:5672/%2f",
    ] {
        assert!(
            targets.contains(t),
            "no finding with target {t}: {targets:?}"
        );
    }
}

/// A generated tonic client is named in the message by its type, not by the
/// catalogue's description of such clients.
#[test]
fn generated_clients_are_named_by_their_type() {
    let dir = fixture_root().join("http-client-without-timeout/fail/csi-freezer");
    let outcome = run(&Options {
        paths: vec![dir],
        config: None,
        threads: Some(1),
    })
    .unwrap();
    let messages: Vec<&str> = (outcome.report.findings.iter())
        .map(|f| f.message.as_str())
        .collect();
    assert!(
        messages
            .iter()
            .any(|m| m.starts_with("`NodePluginClient` is built without a timeout")),
        "{messages:?}"
    );
    assert!(
        !messages
            .iter()
            .any(|m| m.contains("generated tonic client")),
        "{messages:?}"
    );
}

/// A run of the default rules over `paths` on one thread: its timeout coverage
/// (covered, total) and its findings.
fn timeout_run(paths: Vec<PathBuf>) -> ((usize, usize), Vec<resilint::report::Finding>) {
    let outcome = run(&Options {
        paths,
        config: None,
        threads: Some(1),
    })
    .unwrap();
    let timeout = outcome.report.coverage[&resilint::report::Category::Timeout];
    ((timeout.covered, timeout.total), outcome.report.findings)
}

/// A client of the program's own daemon (this host, a Unix socket) is no integration
/// point: neither reported nor counted. Only the pass fixture's one remote client counts.
#[test]
fn local_clients_are_not_counted() {
    let dir = fixture_root().join("http-client-without-timeout/pass/daemon");
    let (coverage, findings) = timeout_run(vec![dir]);
    assert_eq!(coverage, (1, 1));
    let timeouts: Vec<_> = findings
        .iter()
        .filter(|f| f.category == resilint::report::Category::Timeout)
        .collect();
    assert!(timeouts.is_empty(), "{timeouts:?}");
}

/// A teloxide bot built by `Bot::from_env()` (named through teloxide's prelude) sends
/// with teloxide's own client, 17 s per request: counted, and covered by that default.
#[test]
fn a_teloxide_bot_is_covered_by_its_default() {
    let dir = fixture_root().join("http-client-without-timeout/pass/telegram-echo-bot");
    let (coverage, findings) = timeout_run(vec![dir]);
    assert_eq!(coverage, (1, 1));
    assert!(findings.is_empty(), "{findings:?}");
}

/// A one-shot tool's clients (its own and those of a library only it uses) are
/// neither reported nor counted: no service waits on them.
#[test]
fn tool_clients_are_not_counted() {
    let pass = fixture_root().join("http-client-without-timeout/pass");
    let (coverage, findings) = timeout_run(vec![pass.join("hist-tool"), pass.join("hist-sync")]);
    assert_eq!(coverage, (0, 0));
    assert!(findings.is_empty(), "{findings:?}");
}

/// The `rust/http-client-without-timeout` findings of its fail fixtures, each as
/// (`path:line`, message).
fn fail_timeout_findings() -> Vec<(String, String)> {
    let dir = fixture_root().join("http-client-without-timeout/fail");
    let outcome = run(&Options {
        paths: vec![dir],
        config: None,
        threads: Some(1),
    })
    .unwrap();
    (outcome.report.findings.iter())
        .filter(|f| f.rule == "rust/http-client-without-timeout")
        .map(|f| {
            let at = display(Path::new(&f.location.path));
            (format!("{at}:{}", f.location.line), f.message.clone())
        })
        .collect()
}

/// The fail fixtures' findings whose message says `words`, by `path:line` under the
/// rule's fail folder.
fn saying<'a>(findings: &'a [(String, String)], words: &str) -> Vec<&'a str> {
    let fail = "fixtures/rust/http-client-without-timeout/fail/";
    (findings.iter())
        .filter(|(_, m)| m.contains(words))
        .filter_map(|(at, _)| at.strip_prefix(fail))
        .collect()
}

#[test]
fn a_streamed_response_gets_per_read_timeout_advice() {
    let timeouts = fail_timeout_findings();
    assert_eq!(
        saying(
            &timeouts,
            "`connect_timeout`, and `read_timeout` from reqwest 0.12.4"
        ),
        ["orders/src/assistant.rs:7"],
        "only the client read as a stream gets the advice, in its library's words"
    );
    assert!(timeouts.len() > 1, "other clients are reported without it");
}

/// A builder that bounds only connecting (`.connect_timeout(..)`) is still reported,
/// and its message says the connect timeout is there (a reader who sees it set would
/// otherwise take the finding for a mistake); a builder that sets nothing does not
/// get those words.
#[test]
fn a_connect_timeout_alone_is_named_in_the_message() {
    let timeouts = fail_timeout_findings();
    let words = "`.connect_timeout(..)` bounds connecting only, not a slow response";
    assert_eq!(
        saying(&timeouts, words),
        [
            "billing-connect-only/src/main.rs:10",
            "cloud-requests-bare/cloud/src/api.rs:15",
            "cloud-requests-untimed/cloud/src/api.rs:15",
            "matched-endpoints/src/main.rs:32",
            "orders/src/clients.rs:28",
        ]
    );
}

/// A package asking for ureq 2 gets ureq 2's default in the message (its agents
/// connect within 30 s, and nothing else is bounded); ureq 3 sets none, and no other
/// client is said to have that default.
#[test]
fn ureq_2_agents_are_said_to_bound_connecting_only() {
    let timeouts = fail_timeout_findings();
    assert_eq!(
        saying(&timeouts, "a 30 s connect timeout only"),
        [
            "lsp-completion/src/main.rs:14",
            "orders/src/main.rs:88",
            "proto-fetch-runtime/build-common/src/lib.rs:7",
        ]
    );
}

/// Every write of the stub fixture goes into the empty `enterprise` member, whether
/// the call is named as a write (`create_group`) or not (`lease`), imported or
/// written through its whole path: each message says its body is not in sight (a
/// write out of sight makes no identity the linter sees: the opt-in rule's).
#[test]
fn writes_into_a_stub_package_say_so() {
    let dir = fixture_root().join("mutation-without-idempotency-key/fail/axum-stub-members");
    let outcome = run(&Options {
        paths: vec![dir],
        config: Some(opt_in_config()),
        threads: Some(1),
    })
    .unwrap();
    let messages: Vec<&str> = outcome
        .report
        .findings
        .iter()
        .filter(|f| f.rule == "rust/possible-mutation-without-idempotency-key")
        .map(|f| f.message.as_str())
        .collect();
    assert_eq!(messages.len(), 5, "{messages:#?}");
    let stub = "its body is not in sight (package enterprise is a stub)";
    let unsaid: Vec<_> = messages.iter().filter(|m| !m.contains(stub)).collect();
    assert!(
        unsaid.is_empty(),
        "not said to be out of sight: {unsaid:#?}"
    );
    assert!(
        messages
            .iter()
            .any(|m| m.contains("call groups::create_group: its body")),
        "{messages:#?}"
    );
}

#[test]
fn catalogue_readme_example_parses_and_compiles() {
    // Three blocks: a client file, a retry file, a routes file (the name picks the format).
    let readme = std::fs::read_to_string("rules/apis/README.md").unwrap();
    let blocks: Vec<&str> = readme
        .split("```toml")
        .skip(1)
        .map(|b| &b[..b.find("```").unwrap()])
        .collect();
    assert_eq!(blocks.len(), 3, "client, retry and routes examples");
    let mut catalog = resilint::extract::rust::Catalog::default();
    for (name, block) in [
        "apis/acme.toml",
        "apis/retry-acme.toml",
        "apis/routes-acme.toml",
    ]
    .iter()
    .zip(&blocks)
    {
        let file = resilint::rules::parse_catalog(name, block)
            .unwrap_or_else(|e| panic!("README example {name}: {e:?}"));
        catalog.add(file);
    }
    catalog.compile().unwrap();
    assert_eq!(catalog.clients[0].name, "acme_http::Http");
    assert_eq!(catalog.retry.crates[0].name, "acme-retry");
    assert_eq!(catalog.terminal_prompt.crates, ["dialoguer"]);
    assert!(catalog.terminal_prompt.may_prompt("interact_text"));
    assert!(catalog
        .routes
        .evidence
        .layers
        .contains(&"AcmeDedupLayer".to_string()));
}

#[test]
fn builtin_catalogue_compiles() {
    let mut catalog = resilint::extract::rust::Catalog::default();
    for f in resilint::rules::builtin_catalog().unwrap() {
        catalog.add(f);
    }
    catalog.compile().unwrap();
    assert!(catalog.clients.len() >= 14);
    assert!(catalog.breakers.len() >= 3);
    assert!(catalog.retry.crates.iter().any(|c| c.name == "tokio-retry"));
    assert!(catalog.routes.subject_methods.contains(&"POST".to_string()));
}

/// Writes `text` to `path` below `dir`, making its folders.
fn write_file(dir: &std::path::Path, path: &str, text: &str) {
    let path = dir.join(path);
    std::fs::create_dir_all(path.parent().expect("parent")).expect("mkdir");
    std::fs::write(path, text).expect("write");
}

/// A client's `legacy` must name a client entry of the catalogue: a typo is a
/// catalogue error (a usage error), not a silent no-op.
#[test]
fn a_legacy_api_must_name_a_client_entry() {
    let text = "[[client]]\nname = \"acme::Http\"\ncrate = \"acme\"\n\
                constructors = [\"acme::Http::new\"]\n\
                legacy = [{ below = \"2\", client = \"acme::Http (v1)\" }]\n";
    let mut catalog = resilint::extract::rust::Catalog::default();
    catalog.add(resilint::rules::parse_catalog("apis/acme.toml", text).expect("parses"));
    let err = catalog.compile().expect_err("an unknown legacy client");
    assert!(err.contains("acme::Http (v1)"), "{err}");
    let fixed = format!("{text}[[client]]\nname = \"acme::Http (v1)\"\ncrate = \"acme\"\n");
    let mut catalog = resilint::extract::rust::Catalog::default();
    catalog.add(resilint::rules::parse_catalog("apis/acme.toml", &fixed).expect("parses"));
    catalog.compile().expect("the legacy entry exists");
}

/// Two files of a package each define a constant of the same name: each call's
/// address is its own file's constant, not whichever the package's table kept.
#[test]
fn a_file_s_own_constant_names_its_calls_address() {
    let dir = tempfile::tempdir().expect("temp dir");
    let write = |path: &str, text: &str| write_file(dir.path(), path, text);
    write(
        "Cargo.toml",
        "[package]\nname = \"cal\"\nversion = \"0.1.0\"\n\n[dependencies]\nreqwest = \"0.12\"\ntokio = \"1\"\n",
    );
    write(
        "src/main.rs",
        "mod google;\nmod outlook;\n#[tokio::main]\nasync fn main() { loop { google::refresh().await; outlook::refresh().await; } }\n",
    );
    for (module, host) in [
        ("google", "oauth2.googleapis.com"),
        ("outlook", "login.microsoftonline.com"),
    ] {
        write(
            &format!("src/{module}.rs"),
            &format!(
                "const TOKEN_ENDPOINT: &str = \"https://{host}/token\";\n\
                 pub async fn refresh() {{\n    let _ = reqwest::Client::new().post(TOKEN_ENDPOINT).send().await;\n}}\n"
            ),
        );
    }
    let outcome = run(&Options {
        paths: vec![dir.path().to_path_buf()],
        ..Options::default()
    })
    .expect("runs");
    let mut seen: Vec<(String, Option<String>)> = (outcome.report.findings.iter())
        .filter(|f| f.rule == "rust/http-client-without-timeout")
        .map(|f| {
            let file = std::path::Path::new(&f.location.path)
                .file_name()
                .expect("a file");
            (file.to_string_lossy().into_owned(), f.target.clone())
        })
        .collect();
    seen.sort();
    let host = |h: &str| Some(format!("https://{h}/token"));
    assert_eq!(
        seen,
        [
            ("google.rs".to_string(), host("oauth2.googleapis.com")),
            ("outlook.rs".to_string(), host("login.microsoftonline.com")),
        ],
    );
}

/// An out-of-line `#[cfg(test)]` module is left out before it is parsed: a syntax
/// error in it is not reported, while the same error in a production module is.
#[test]
fn test_modules_are_skipped_before_parsing() {
    let dir = tempfile::tempdir().expect("temp dir");
    let write = |path: &str, text: &str| write_file(dir.path(), path, text);
    write(
        "Cargo.toml",
        "[package]\nname = \"svc\"\nversion = \"0.1.0\"\n\n[dependencies]\nreqwest = \"0.12\"\n",
    );
    write("src/lib.rs", "pub mod api;\n#[cfg(test)]\nmod tests;\n");
    write("src/tests.rs", "fn broken( {\n");
    write("src/api.rs", "fn broken( {\n");
    let outcome = run(&Options {
        paths: vec![dir.path().to_path_buf()],
        ..Options::default()
    })
    .expect("runs");
    let errors: Vec<&str> = outcome
        .report
        .errors
        .iter()
        .map(|e| e.path.as_str())
        .collect();
    assert_eq!(errors.len(), 1, "{errors:?}");
    assert!(errors[0].ends_with("api.rs"), "{errors:?}");
}
