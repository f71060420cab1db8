//! Smoke test over `../shared/corpus` (about 400 real configuration files from
//! other projects), when that folder exists next to the crate: no panic, every
//! plain file loads, every templated file is reported as a template, and the
//! per-rule finding counts and coverage are a snapshot, so any change to them
//! shows in review.

use std::collections::{BTreeMap, BTreeSet};
use std::path::{Path, PathBuf};

use resilint::engine::{self, Options};
use resilint::report::{Category, ErrorKind};

/// The corpus: `$RESILINT_CORPUS` when set, else `../shared/corpus` next to the crate.
fn corpus() -> Option<PathBuf> {
    let dir = std::env::var_os("RESILINT_CORPUS")
        .map(PathBuf::from)
        .unwrap_or_else(|| Path::new(env!("CARGO_MANIFEST_DIR")).join("../shared/corpus"));
    dir.is_dir()
        .then(|| std::fs::canonicalize(&dir).expect("canonical corpus path"))
}

/// Says on the real stderr (not the test harness's captured output, which a
/// passing test never shows) that the corpus test did not run.
fn say_skipped() {
    use std::io::Write;
    let _ = writeln!(
        std::io::stderr(),
        "SKIPPED corpus test: no corpus at ../shared/corpus (set RESILINT_CORPUS to its path to run it)"
    );
}

/// Every YAML/JSON file below `dir`, relative to `root`, `/`-separated.
fn config_files(root: &Path, dir: &Path, out: &mut BTreeSet<String>) {
    for entry in std::fs::read_dir(dir).unwrap() {
        let path = entry.unwrap().path();
        if path.is_dir() {
            config_files(root, &path, out);
        } else if path
            .extension()
            .and_then(|e| e.to_str())
            .is_some_and(|e| matches!(e, "yaml" | "yml" | "json"))
        {
            let rel = path.strip_prefix(root).unwrap();
            out.insert(rel.to_string_lossy().replace('\\', "/"));
        }
    }
}

#[test]
fn corpus_loads_and_findings_are_stable() {
    let Some(root) = corpus() else {
        say_skipped();
        return;
    };
    // A config of our own, so a stray `resilint.toml` above the corpus changes
    // nothing. It also reads Spring files of JVM test source sets (`src/test/`),
    // skipped by default, so that every file of the corpus is loaded and judged.
    let config_dir = tempfile::tempdir().unwrap();
    let config = config_dir.path().join("resilint.toml");
    std::fs::write(&config, "[spring]\ntest-resources = true\n").unwrap();

    let outcome = engine::run(&Options {
        paths: vec![root.clone()],
        config: Some(config),
        threads: Some(2),
    })
    .expect("the corpus run is not a usage error");
    let report = &outcome.report;

    let prefix = format!("{}/", root.to_string_lossy().replace('\\', "/"));
    let relative = |shown: &str| -> String {
        shown
            .strip_prefix(&prefix)
            .unwrap_or_else(|| panic!("`{shown}` is not below the corpus"))
            .to_string()
    };

    let mut expected = BTreeSet::new();
    config_files(&root, &root, &mut expected);
    assert_eq!(
        report.files_scanned,
        expected.len(),
        "every file is a candidate"
    );

    // Plain files load; templated files are reported as templates and nothing else.
    let mut templated_reported = BTreeSet::new();
    let mut unexpected = Vec::new();
    for e in &report.errors {
        let rel = relative(&e.path);
        if rel.starts_with("_templated/") && e.kind == ErrorKind::Template {
            assert!(e.line.is_some(), "{rel}: a template error has a line");
            templated_reported.insert(rel);
        } else {
            unexpected.push(format!(
                "{rel}:{}: {:?}: {}",
                e.line.unwrap_or(0),
                e.kind,
                e.message
            ));
        }
    }
    assert!(
        unexpected.is_empty(),
        "files that should load cleanly:\n{}",
        unexpected.join("\n")
    );
    let templated: BTreeSet<String> = expected
        .iter()
        .filter(|p| p.starts_with("_templated/"))
        .cloned()
        .collect();
    assert!(!templated.is_empty());
    // A templated file that names no platform resilint judges is skipped, with
    // the reason, instead of reported (errors only where they matter).
    for s in &report.skipped {
        let rel = relative(&s.path);
        assert!(
            rel.starts_with("_templated/") && s.reason.starts_with("template markup"),
            "only templates are skipped: {rel}: {}",
            s.reason
        );
        templated_reported.insert(rel);
    }
    assert_eq!(
        templated_reported, templated,
        "every templated file is reported as a template or skipped as one"
    );

    // No finding in a skipped file, and every finding has a sane position.
    for f in &report.findings {
        let rel = relative(&f.location.path);
        assert!(
            !rel.starts_with("_templated/"),
            "finding in a template: {rel}"
        );
        assert!(f.location.line >= 1 && f.location.column >= 1);
        assert!(
            (f.location.end_line, f.location.end_column) >= (f.location.line, f.location.column),
            "{rel}:{}: end before start",
            f.location.line
        );
    }

    // The snapshot: finding counts per rule, coverage, errors per kind.
    let mut per_rule: BTreeMap<&str, usize> = BTreeMap::new();
    for r in &outcome.rules {
        per_rule.insert(&r.id, 0);
    }
    for f in &report.findings {
        *per_rule.entry(&f.rule).or_default() += 1;
    }
    let mut summary = format!(
        "files scanned: {}\nskipped: {}\n",
        report.files_scanned,
        report.skipped.len()
    );
    let mut kinds: BTreeMap<String, usize> = BTreeMap::new();
    for e in &report.errors {
        *kinds.entry(format!("{:?}", e.kind)).or_default() += 1;
    }
    summary.push_str(&format!("errors: {kinds:?}\n\nfindings per rule:\n"));
    for (rule, n) in &per_rule {
        summary.push_str(&format!("  {rule}: {n}\n"));
    }
    summary.push_str("\ncoverage:\n");
    for c in Category::ALL {
        let line = report.coverage.get(&c).copied();
        let (covered, total, percent) =
            line.map_or((0, 0, None), |l| (l.covered, l.total, l.percent));
        let percent = percent.map_or("-".to_string(), |p| format!("{p}%"));
        summary.push_str(&format!("  {}: {covered}/{total} ({percent})\n", c.name()));
    }
    // Integration points left unjudged (deploy-time substitutions), per rule.
    let mut unresolved: BTreeMap<&str, usize> = BTreeMap::new();
    for u in &report.unresolved {
        *unresolved.entry(&u.rule).or_default() += 1;
    }
    summary.push_str(&format!("\nunresolved: {unresolved:?}\n"));
    insta::assert_snapshot!("corpus_summary", summary);
}
