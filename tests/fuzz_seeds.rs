//! Replays every committed fuzz seed (`fuzz/seeds/<target>/`) through the fuzz
//! targets' own harness, so `cargo test` proves the seeds run clean and keeps the
//! harness compiling against the current API. Fuzzing itself is
//! `scripts/fuzz.sh` (README › Development); crashes it found are the named tests
//! in `tests/fuzz_regressions.rs`.

#[path = "../fuzz/src/harness.rs"]
mod harness;

use std::path::Path;

fn seeds(target: &str) -> Vec<(String, Vec<u8>)> {
    let dir = Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("fuzz/seeds")
        .join(target);
    let mut paths: Vec<_> = std::fs::read_dir(&dir)
        .unwrap_or_else(|e| panic!("{}: {e}", dir.display()))
        .map(|e| e.unwrap().path())
        .collect();
    paths.sort();
    paths
        .into_iter()
        .map(|p| (p.display().to_string(), std::fs::read(&p).unwrap()))
        .collect()
}

/// Runs `f` on every seed of `target`; returns how many there were.
fn replay(target: &str, f: fn(&[u8])) -> usize {
    let all = seeds(target);
    for (_, data) in &all {
        f(data);
    }
    all.len()
}

#[test]
fn config_seeds_load_judge_and_render() {
    assert!(replay("config", harness::config) >= 5);
}

#[test]
fn properties_seeds_load_judge_and_render() {
    assert!(replay("properties", harness::properties) >= 2);
}

#[test]
fn rust_seeds_extract_judge_and_render() {
    assert!(replay("rust", harness::rust_source) >= 4);
}

#[test]
fn rule_seeds_load_and_judge() {
    assert!(replay("rule", harness::rule) >= 4);
}

/// The rule seeds are valid rules: mutation starts from the deep end of the loader.
#[test]
fn rule_seeds_are_valid_rules() {
    for (name, data) in seeds("rule") {
        let text = String::from_utf8(data).unwrap();
        if let Err(e) = resilint::rules::parse_rule("rules/fuzz/rule.toml", &text, "fuzz/rule", "t")
        {
            panic!("{name}: {e}");
        }
    }
}

#[test]
fn catalog_seeds_compile_and_apply() {
    assert!(replay("catalog", harness::catalog) >= 3);
}

/// The catalogue seeds are valid catalogues of the kind their first byte selects.
#[test]
fn catalog_seeds_are_valid_catalogues() {
    use resilint::extract::rust::catalog::ApiFile;
    let names = ["apis/x.toml", "apis/retry-x.toml", "apis/routes-x.toml"];
    for (name, data) in seeds("catalog") {
        let text = std::str::from_utf8(&data[1..]).unwrap();
        let file = resilint::rules::parse_catalog(names[usize::from(data[0] % 3)], text)
            .unwrap_or_else(|e| panic!("{name}: {e}"));
        let mut catalog = resilint::extract::rust::Catalog::default();
        let kind = match &file {
            ApiFile::Clients(_) => 0,
            ApiFile::Retry(_) => 1,
            ApiFile::Routes(_) => 2,
        };
        assert_eq!(kind, data[0] % 3, "{name}");
        catalog.add(file);
        catalog.compile().unwrap_or_else(|e| panic!("{name}: {e}"));
    }
}
