//! The per-file cache end to end: a warm run says exactly what a run without the
//! cache says, writes only the shards whose files changed, and a corrupted, foreign
//! or unwritable cache is ignored and rebuilt, never trusted and never a crash.

mod common;

use std::path::{Path, PathBuf};
use std::time::SystemTime;

use common::run::{code, run_in, stderr, stdout, tree, write, MAIN_RS, MANIFEST, ROUTES, RULES};

/// A way to damage a shard file's bytes.
type Damage = Box<dyn Fn(&[u8]) -> Vec<u8>>;

const BROKEN: &str = "apiVersion: networking.istio.io/v1\nkind: VirtualService\nspec: [\n";

fn repo() -> tempfile::TempDir {
    let dir = tree(&[
        ("k8s/orders.yaml", ROUTES),
        ("k8s/orders-dr.yaml", RULES),
        ("k8s/broken.yaml", BROKEN),
        ("billing/Cargo.toml", MANIFEST),
        ("billing/src/main.rs", MAIN_RS),
    ]);
    // More files, so that the shards they fall in differ.
    for i in 0..12 {
        write(
            dir.path(),
            &format!("more/vs-{i}.yaml"),
            ROUTES.replace("orders", &format!("svc{i}")),
        );
    }
    dir
}

/// The JSON report, which must not depend on the cache.
fn report(dir: &Path, extra: &[&str]) -> String {
    let mut args = vec!["check", ".", "--format", "json"];
    args.extend(extra);
    let out = run_in(dir, &args);
    assert!(matches!(code(&out), 0 | 1), "{}", stderr(&out));
    stdout(&out)
}

fn shards(dir: &Path) -> Vec<PathBuf> {
    let version = dir.join(".resilint_cache").join(env!("CARGO_PKG_VERSION"));
    let mut files: Vec<PathBuf> = std::fs::read_dir(version)
        .map(|d| d.flatten().map(|e| e.path()).collect())
        .unwrap_or_default();
    files.sort();
    files
}

fn modified(files: &[PathBuf]) -> Vec<SystemTime> {
    files
        .iter()
        .map(|f| std::fs::metadata(f).and_then(|m| m.modified()).unwrap())
        .collect()
}

#[test]
fn a_warm_run_says_what_a_run_without_the_cache_says() {
    let dir = repo();
    // Let the files settle first: a `stat` taken within `SETTLE` of a file's last
    // change is not kept, and the first run taking one after it records it, which
    // rewrites that file's shard. On a loaded machine the runs below straddled that
    // moment, and a warm run rewrote every shard (a CI run with 4 s for this test).
    std::thread::sleep(resilint::cache::SETTLE + std::time::Duration::from_millis(100));
    let fresh = report(dir.path(), &["--no-cache"]);
    assert!(
        !dir.path().join(".resilint_cache").exists(),
        "--no-cache writes nothing"
    );
    let cold = report(dir.path(), &[]);
    assert_eq!(cold, fresh);
    let ignore = std::fs::read_to_string(dir.path().join(".resilint_cache/.gitignore")).unwrap();
    assert!(ignore.lines().any(|l| l == "*"), "{ignore}");
    let written = shards(dir.path());
    assert!(written.len() > 1, "{written:?}");
    let before = modified(&written);
    std::thread::sleep(std::time::Duration::from_millis(20));
    // Nothing changed: the same answer, and no shard is written again.
    assert_eq!(report(dir.path(), &[]), fresh);
    assert_eq!(modified(&written), before);
    // One file changed: the answer follows it, and only its shard is rewritten.
    write(
        dir.path(),
        "k8s/orders.yaml",
        ROUTES.replace("timeout: 2s", "timeout: 0s"),
    );
    let after_edit = report(dir.path(), &[]);
    assert_eq!(after_edit, report(dir.path(), &["--no-cache"]));
    assert_ne!(after_edit, fresh);
    let rewritten = modified(&written)
        .iter()
        .zip(&before)
        .filter(|(a, b)| a != b)
        .count();
    assert_eq!(rewritten, 1, "only the edited file's shard is written");
}

#[test]
fn a_corrupted_or_foreign_cache_is_ignored_and_rebuilt() {
    let dir = repo();
    let fresh = report(dir.path(), &["--no-cache"]);
    report(dir.path(), &[]);
    let files = shards(dir.path());
    let good: Vec<Vec<u8>> = files.iter().map(|f| std::fs::read(f).unwrap()).collect();
    // Garbage, truncation, a flipped byte in every blob area, an empty file.
    let damages: Vec<Damage> = vec![
        Box::new(|_| b"not a cache at all".to_vec()),
        Box::new(|b| b[..b.len() / 2].to_vec()),
        Box::new(|b| {
            let mut b = b.to_vec();
            let at = b.len() - 3;
            b[at] ^= 0xFF;
            b
        }),
        Box::new(|_| Vec::new()),
    ];
    for damage in &damages {
        for (file, bytes) in files.iter().zip(&good) {
            std::fs::write(file, damage(bytes)).unwrap();
        }
        assert_eq!(report(dir.path(), &[]), fresh);
        // Rebuilt: the next run reads good shards again.
        assert!(std::fs::read(&files[0]).unwrap().starts_with(b"RESLINT"));
        assert_eq!(report(dir.path(), &[]), fresh);
    }
    // A foreign cache: shards written under another configuration's key, whose
    // facts say other things, are not read (the rule turned off stays off).
    write(
        dir.path(),
        "resilint.toml",
        "[rules]\n\"istio/route-without-timeout\" = \"off\"\n",
    );
    let off = report(dir.path(), &["--no-cache"]);
    assert_eq!(report(dir.path(), &[]), off);
    std::fs::remove_file(dir.path().join("resilint.toml")).unwrap();
    assert_eq!(report(dir.path(), &[]), fresh);
}

#[test]
fn an_unusable_cache_directory_costs_only_speed() {
    let dir = repo();
    let fresh = report(dir.path(), &["--no-cache"]);
    // The cache directory is a file: nothing can be read or written there.
    write(dir.path(), ".resilint_cache", "in the way");
    let out = run_in(dir.path(), &["check", ".", "--format", "json"]);
    assert_eq!(stdout(&out), fresh);
    assert!(!stderr(&out).contains("panicked"), "{}", stderr(&out));
    std::fs::remove_file(dir.path().join(".resilint_cache")).unwrap();
    // A shard path that is a directory.
    report(dir.path(), &[]);
    let first = shards(dir.path())[0].clone();
    std::fs::remove_file(&first).unwrap();
    std::fs::create_dir(&first).unwrap();
    assert_eq!(report(dir.path(), &[]), fresh);
}

#[test]
fn the_cache_table_moves_or_turns_off_the_cache() {
    let dir = repo();
    write(dir.path(), "resilint.toml", "[cache]\nenabled = false\n");
    report(dir.path(), &[]);
    assert!(!dir.path().join(".resilint_cache").exists());
    write(
        dir.path(),
        "resilint.toml",
        "[cache]\ndir = \"build/lint-cache\"\n",
    );
    let fresh = report(dir.path(), &["--no-cache"]);
    assert_eq!(report(dir.path(), &[]), fresh);
    assert!(dir.path().join("build/lint-cache/.gitignore").is_file());
    assert!(!dir.path().join(".resilint_cache").exists());
    // A cache directory must stay below the config's directory.
    write(
        dir.path(),
        "resilint.toml",
        "[cache]\ndir = \"../elsewhere\"\n",
    );
    let out = run_in(dir.path(), &["check", "."]);
    assert_eq!(code(&out), 2);
    assert!(
        stderr(&out).contains("┌─ resilint.toml:2:7"),
        "{}",
        stderr(&out)
    );
}

#[test]
fn a_changed_only_run_keeps_the_entries_of_files_it_did_not_read() {
    let dir = repo();
    report(dir.path(), &[]);
    let before: usize = shards(dir.path())
        .iter()
        .map(|f| std::fs::metadata(f).unwrap().len() as usize)
        .sum();
    write(
        dir.path(),
        "more/vs-3.yaml",
        ROUTES.replace("orders", "changed"),
    );
    let out = run_in(
        dir.path(),
        &[
            "check",
            "--changed-only",
            "more/vs-3.yaml",
            "--format",
            "json",
        ],
    );
    assert!(matches!(code(&out), 0 | 1), "{}", stderr(&out));
    // The billing package was not read, and its entry is still there.
    let after: usize = shards(dir.path())
        .iter()
        .map(|f| std::fs::metadata(f).unwrap().len() as usize)
        .sum();
    assert!(after + 16 >= before, "{before} -> {after}");
    let main_rs = dir.path().join("billing/src/main.rs");
    let key = std::fs::canonicalize(&main_rs).unwrap();
    let key = key.to_string_lossy();
    assert!(
        shards(dir.path()).iter().any(|f| std::fs::read(f)
            .unwrap()
            .windows(key.len())
            .any(|w| w == key.as_bytes())),
        "the Rust file's entry was kept"
    );
}

#[test]
fn files_of_a_mebibyte_or_more_are_not_cached_and_still_judged() {
    // Their encoded entry would be held beside their tree until the cache is saved.
    let dir = repo();
    let big = format!("{ROUTES}\n# {}\n", "x".repeat(1 << 20));
    write(dir.path(), "big/vs.yaml", &big);
    let first = report(dir.path(), &[]);
    let cached: u64 = shards(dir.path())
        .iter()
        .map(|f| std::fs::metadata(f).unwrap().len())
        .sum();
    assert!(cached > 0, "the small files are cached");
    assert!(cached < 1 << 20, "the big file was cached: {cached} bytes");
    assert!(first.contains("big/vs.yaml"), "the big file is judged");
    assert_eq!(report(dir.path(), &[]), first);
}
