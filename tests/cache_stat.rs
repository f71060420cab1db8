//! A warm run trusts a settled file's `stat` instead of reading it (issue 10's speed
//! target): files whose size, times and inode are those the cache recorded are
//! neither read nor hashed, and their positions come from the line tables the cache
//! kept. Whatever the cache takes on the strength of a `stat`, the answers are those
//! of `--no-cache`: in every format, for the pre-commit mode, after a DestinationRule
//! or a Rust handler in another file was edited, after an edit that kept the size and
//! put the modification time back, and after files were renamed or deleted.
//!
//! The tree is written once and left to settle (a `stat` taken less than two
//! seconds after a file's last change is never trusted), so this test waits that
//! long once.

mod common;

use std::path::Path;
use std::time::Duration;

use common::run::{findings_output as out, tree, write, ROUTES, RULES, RULES_WITH_OUTLIERS};

/// The Istio pair, more routes, and an axum package whose handlers (which read the
/// idempotency key) are in another file than the routes; its configuration turns on
/// the (opt-in) idempotency rule.
fn repo() -> tempfile::TempDir {
    let dir = tree(&[
        ("k8s/orders.yaml", ROUTES),
        ("k8s/orders-dr.yaml", RULES_WITH_OUTLIERS),
        (
            "resilint.toml",
            "[rules]\n\"rust/mutation-without-idempotency-key\" = \"warning\"\n",
        ),
    ]);
    for i in 0..8 {
        write(
            dir.path(),
            &format!("more/vs-{i}.yaml"),
            ROUTES.replace("orders", &format!("svc{i}")),
        );
    }
    let fixture = Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("fixtures/rust/mutation-without-idempotency-key/pass/axum-typed-key");
    for rel in [
        "Cargo.toml",
        "src/main.rs",
        "src/handlers.rs",
        "src/extract.rs",
        "src/store.rs",
    ] {
        let text = std::fs::read_to_string(fixture.join(rel)).unwrap();
        write(dir.path(), &format!("svc/{rel}"), &text);
    }
    dir
}

/// Every format's bytes for a whole run, and the pre-commit mode's JSON on a
/// VirtualService and on the routes of the Rust package.
fn answers(dir: &Path, extra: &[&str]) -> Vec<String> {
    let mut all = Vec::new();
    for format in ["json", "text", "sarif"] {
        let mut args = vec!["check", ".", "--format", format, "--color", "never"];
        args.extend(extra);
        all.push(out(dir, &args));
    }
    for changed in ["k8s/orders.yaml", "svc/src/main.rs"] {
        let mut args = vec!["check", "--changed-only", changed, "--format", "text"];
        args.extend(extra);
        args.extend(["--color", "never"]);
        all.push(out(dir, &args));
    }
    all
}

/// The warm answers equal `--no-cache`'s, twice (the second run reads the cache the
/// first one wrote).
fn assert_warm_is_fresh(dir: &Path, what: &str) -> Vec<String> {
    let fresh = answers(dir, &["--no-cache"]);
    assert_eq!(answers(dir, &[]), fresh, "{what}");
    assert_eq!(answers(dir, &[]), fresh, "{what}, again");
    fresh
}

/// Long enough for files written now to settle (see the module's doc).
fn settle() {
    std::thread::sleep(Duration::from_millis(2300));
}

#[test]
fn what_a_stat_vouches_for_answers_as_a_fresh_read_does() {
    let dir = repo();
    let root = dir.path();
    // Settled: the cache records these files' stats and trusts them next time.
    settle();
    let first = assert_warm_is_fresh(root, "settled tree");
    assert!(first[0].contains("\"findings\""), "{}", first[0]);
    assert!(!first[3].contains("destination-without-outlier-detection"));
    assert!(!first[4].contains("mutation-without-idempotency-key"));

    // Edits, left to settle before the next run: only their stats tell them apart.
    // A DestinationRule: the VirtualService's verdict, in another file, changes.
    write(root, "k8s/orders-dr.yaml", RULES);
    // A handler in another module stops reading the idempotency key and makes a new
    // record instead: the route, in main.rs, becomes a finding.
    let handlers = root.join("svc/src/handlers.rs");
    let text = std::fs::read_to_string(&handlers).unwrap();
    let unkeyed = text.replace(
        "let key = require_key(&headers)?;",
        "let key = uuid::Uuid::new_v4();",
    );
    assert_ne!(unkeyed, text);
    write(root, "svc/src/handlers.rs", &unkeyed);
    // The same size and the old modification time: the change time still differs.
    let vs = root.join("more/vs-1.yaml");
    let old = std::fs::metadata(&vs).unwrap().modified().unwrap();
    let before = std::fs::read_to_string(&vs).unwrap();
    let after = before.replace("timeout: 2s", "timeout: 0s");
    assert_eq!((after.len(), after != before), (before.len(), true));
    write(root, "more/vs-1.yaml", &after);
    std::fs::File::options()
        .write(true)
        .open(&vs)
        .unwrap()
        .set_modified(old)
        .unwrap();
    // Renamed and deleted files.
    std::fs::rename(root.join("more/vs-3.yaml"), root.join("more/renamed.yaml")).unwrap();
    std::fs::remove_file(root.join("more/vs-5.yaml")).unwrap();
    std::fs::rename(root.join("svc/src/store.rs"), root.join("svc/src/kept.rs")).unwrap();
    settle();

    let edited = assert_warm_is_fresh(root, "settled edits");
    assert!(edited[3].contains("destination-without-outlier-detection"));
    assert!(
        edited[4].contains("mutation-without-idempotency-key"),
        "{}",
        edited[4]
    );
    assert!(edited[0].contains("more/renamed.yaml"));
    assert!(!edited[0].contains("more/vs-5.yaml"));
    let zero = |answer: &str| answer.matches("more/vs-1.yaml").count();
    assert_ne!(
        zero(&edited[1]),
        zero(&first[1]),
        "the same-size edit is seen"
    );
}
