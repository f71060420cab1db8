//! What each fuzz target does with one input, on resilint's public API only.
//!
//! This file is compiled twice: by the fuzz crate (`fuzz/`, under libFuzzer) and by
//! `tests/fuzz_seeds.rs` (`#[path]` include) so that `cargo test` replays every
//! committed seed and any change of the API the targets use breaks the ordinary
//! build, not only the fuzz build nobody else runs.
//!
//! Each function runs the stages a real run would after reading the file (load or
//! extract, judge with the built-in rules, ignore comments, every renderer) on a
//! thread with the linter's own worker stack, so a stack overflow here is one the
//! linter would hit, and checks the positions it hands out. A panic or an abort is
//! a crash; a returned error is not.

#![allow(dead_code)]

use std::path::PathBuf;
use std::sync::OnceLock;

use resilint::extract::rust::{self as rust, Catalog, Ctx};
use resilint::load::{load_config, load_properties, Document};
use resilint::report::{FileError, Report};
use resilint::rules::{self, Rule};
use resilint::source::SourceFile;
use resilint::workspace::Workspace;
use resilint::{engine, identity, judge, normalise, render, suppress};

/// The stack of the linter's worker threads (`engine::WORKER_STACK`).
pub const WORKER_STACK: usize = 64 << 20;

/// The stack the harness runs on. Under the fuzzer (AddressSanitizer, debug
/// assertions) each frame is about 2.5 times its release size: measured, syn
/// overflows 64 MiB at 3,489 unclosed generics and 6,606 closures there against
/// 8,866 and 16,659 in the release binary. Three times the workers' stack makes an
/// overflow the fuzzer reports one the release binary has too (inputs of 100 KB
/// still nest 20,000 deep, enough to find any unbounded recursion).
#[allow(unexpected_cfgs)] // `fuzzing` is set by cargo fuzz
const HARNESS_STACK: usize = if cfg!(fuzzing) {
    3 * WORKER_STACK
} else {
    WORKER_STACK
};

/// Runs `f` on a fresh thread with the workers' stack; a panic there is re-raised.
pub fn on_worker_stack<T: Send>(f: impl FnOnce() -> T + Send) -> T {
    std::thread::scope(|s| {
        let handle = std::thread::Builder::new()
            .stack_size(HARNESS_STACK)
            .spawn_scoped(s, f)
            .expect("cannot start a fuzz worker thread");
        handle
            .join()
            .unwrap_or_else(|e| std::panic::resume_unwind(e))
    })
}

fn builtin_rules() -> &'static [Rule] {
    static RULES: OnceLock<Vec<Rule>> = OnceLock::new();
    RULES.get_or_init(|| rules::builtin().expect("built-in rules load"))
}

fn builtin_catalog() -> &'static Catalog {
    static CATALOG: OnceLock<Catalog> = OnceLock::new();
    CATALOG.get_or_init(|| {
        let mut catalog = Catalog::default();
        for file in rules::builtin_catalog().expect("built-in catalogue loads") {
            catalog.add(file);
        }
        catalog.compile().expect("built-in catalogue compiles");
        catalog
    })
}

/// Text as the engine would accept it: UTF-8 without NUL (`load::read_text`).
fn text_of(data: &[u8]) -> Option<String> {
    let text = std::str::from_utf8(data).ok()?;
    let text = text.strip_prefix('\u{FEFF}').unwrap_or(text);
    (!text.contains('\0')).then(|| text.to_string())
}

/// An error's position must be inside its file.
fn check_error(e: &FileError, source: &SourceFile) {
    let lines = source.line_count();
    if let Some(line) = e.line {
        assert!(
            line >= 1 && line <= lines,
            "error line {line} outside 1..={lines}: {e:?}"
        );
    }
    assert_eq!(e.path, source.display, "error names another file: {e:?}");
}

/// Judges `docs` with `rules`, applies ignore comments and renders every format.
fn judge_and_render(
    rules: &[Rule],
    files: Vec<SourceFile>,
    docs: Vec<Document>,
    mut errors: Vec<FileError>,
) {
    let files_scanned = files.len();
    let mut docs = docs;
    errors.extend(normalise::link(&mut docs, &files));
    let ws = Workspace::new(files, docs);
    let (findings, coverage) = judge::judge(rules, &ws);
    for f in &findings {
        if let Some(file) = ws.files.iter().find(|s| s.display == f.location.path) {
            let (start, end) = f.byte_range;
            assert!(
                start <= end && end <= file.text.len(),
                "finding range {start}..{end} outside a file of {} bytes: {f:?}",
                file.text.len()
            );
            assert!(
                file.text.is_char_boundary(start) && file.text.is_char_boundary(end),
                "finding range {start}..{end} splits a character: {f:?}"
            );
        }
    }
    // As `engine::run` does: sort, number identities, apply ignore comments.
    let mut report = Report {
        findings,
        coverage,
        errors,
        files_scanned,
        rules: rules.iter().map(engine::rule_info).collect(),
        ..Report::default()
    };
    report.sort();
    identity::disambiguate(&mut report.findings);
    let known = rules.iter().map(|r| r.id.as_str()).collect();
    let applied = suppress::apply(&mut report.findings, &ws.files, &known);
    report.suppressed = applied.ignored.len();
    report.ignored = applied.ignored;
    report.ignore_problems = applied.problems;
    let repo = render::Repo {
        root: "/repo".into(),
        prefix: String::new(),
    };
    let outputs = [
        render::text::render(&report, &ws.files, false),
        render::json::render(&report),
        render::concise::render(&report),
        render::github::render(&report, &repo),
        render::gitlab::render(&report, &repo),
        render::junit::render(&report),
        render::markdown::render(&report),
        render::sarif::render(&report, &repo),
    ];
    std::hint::black_box(outputs);
}

/// YAML/JSON file → documents (with positions) → findings → every output format.
pub fn config(data: &[u8]) {
    let Some(text) = text_of(data) else { return };
    on_worker_stack(|| {
        let source = SourceFile::new("fuzz.yaml".into(), "fuzz.yaml".into(), text);
        let mut loaded = load_config(0, &source);
        loaded.docs.iter_mut().for_each(normalise::document);
        for e in &loaded.errors {
            check_error(e, &source);
        }
        judge_and_render(builtin_rules(), vec![source], loaded.docs, loaded.errors);
    });
}

/// Spring Boot `.properties` file → documents → findings → every output format.
pub fn properties(data: &[u8]) {
    let Some(text) = text_of(data) else { return };
    on_worker_stack(|| {
        let path = "src/main/resources/application.properties";
        let source = SourceFile::new(path.into(), path.into(), text);
        let (mut docs, errors) = load_properties(0, &source);
        docs.iter_mut().for_each(normalise::document);
        for e in &errors {
            check_error(e, &source);
        }
        judge_and_render(builtin_rules(), vec![source], docs, errors);
    });
}

/// Rust file → facts → linked documents → findings → every output format.
pub fn rust_source(data: &[u8]) {
    let Some(text) = text_of(data) else { return };
    on_worker_stack(|| rust_with(builtin_catalog(), text));
}

fn rust_with(catalog: &Catalog, text: String) {
    let source = SourceFile::new("src/lib.rs".into(), PathBuf::from("src/lib.rs"), text);
    let ctx = Ctx {
        catalog,
        deps: None,
        max_tokens: rust::scan::MAX_TOKENS,
    };
    match rust::summarize(&source, &ctx) {
        Ok(facts) => {
            let docs = rust::link::link(&[(0, facts)], catalog);
            judge_and_render(builtin_rules(), vec![source], docs, Vec::new());
        }
        Err(e) => {
            check_error(&e, &source);
            judge_and_render(builtin_rules(), vec![source], Vec::new(), vec![e]);
        }
    }
}

/// A small tree the fuzzed rules are judged on: routes, a destination, a Rust client.
const RULE_TARGETS: &str = "\
apiVersion: networking.istio.io/v1
kind: VirtualService
metadata: {name: orders}
spec:
  hosts: [orders]
  http:
  - match: [{method: {exact: POST}}, {uri: {prefix: /a}}]
    route: [{destination: {host: orders, port: {number: 80}}}]
    retries: {attempts: 3, perTryTimeout: 2s, retryOn: 5xx}
    timeout: 1s
  - route: [{destination: {host: stock}}]
---
apiVersion: networking.istio.io/v1beta1
kind: DestinationRule
metadata: {name: orders}
spec:
  host: orders
  trafficPolicy:
    outlierDetection: {consecutive5xxErrors: 0, maxEjectionPercent: 100}
";

/// Rule file (TOML) → validated rule → judged on [`RULE_TARGETS`] → every output format.
///
/// The rule's id must be `fuzz/rule` (the file is `rules/fuzz/rule.toml`).
pub fn rule(data: &[u8]) {
    let Ok(text) = std::str::from_utf8(data) else {
        return;
    };
    on_worker_stack(|| {
        let Ok(rule) = rules::parse_rule("rules/fuzz/rule.toml", text, "fuzz/rule", "fuzz") else {
            return;
        };
        let source = SourceFile::new("k8s.yaml".into(), "k8s.yaml".into(), RULE_TARGETS.into());
        let loaded = load_config(0, &source);
        assert!(loaded.errors.is_empty(), "{:?}", loaded.errors);
        let docs = loaded.docs;
        judge_and_render(&[rule], vec![source], docs, Vec::new());
    });
}

/// A Rust file the fuzzed catalogues are used on.
const CATALOG_TARGET: &str = r#"
use std::time::Duration;
async fn get(c: &reqwest::Client) -> reqwest::Result<()> {
    let client = reqwest::Client::builder().build()?;
    client.post("http://orders/a").send().await?;
    let c2 = acme::Client::new().with_timeout(Duration::from_secs(1));
    for _ in 0..3 { if c2.call().await.is_ok() { break; } tokio::time::sleep(Duration::from_millis(100)).await; }
    Ok(())
}
fn routes() -> axum::Router { axum::Router::new().route("/a", axum::routing::post(get)) }
"#;

/// Catalogue file (TOML) → compiled catalogue (globs included) → used on
/// [`CATALOG_TARGET`]. The first byte picks the file kind (clients, retry, routes).
pub fn catalog(data: &[u8]) {
    let Some((&first, rest)) = data.split_first() else {
        return;
    };
    let Ok(text) = std::str::from_utf8(rest) else {
        return;
    };
    let name = match first % 3 {
        0 => "rules/apis/fuzz.toml",
        1 => "rules/apis/retry-fuzz.toml",
        _ => "rules/apis/routes-fuzz.toml",
    };
    on_worker_stack(|| {
        let Ok(file) = rules::parse_catalog(name, text) else {
            return;
        };
        let mut catalog = Catalog::default();
        catalog.add(file);
        if catalog.compile().is_ok() {
            rust_with(&catalog, CATALOG_TARGET.to_string());
        }
    });
}
