//! End-to-end tests of the Spring / Resilience4j side: `.properties` files, the
//! normalise step, and bad input that must become `errors` entries, never a panic
//! or a hang, while the rest of the run goes on.

use std::path::Path;

use resilint::engine::{self, Options};
use resilint::report::{ErrorKind, Report};

fn run(dir: &Path) -> Report {
    let config = dir.join("resilint.toml");
    if !config.exists() {
        std::fs::write(&config, "").unwrap();
    }
    engine::run(&Options {
        paths: vec![dir.to_path_buf()],
        config: Some(config),
        threads: Some(2),
    })
    .expect("not a usage error")
    .report
}

fn write(dir: &Path, name: &str, bytes: &[u8]) {
    let path = dir.join(name);
    std::fs::create_dir_all(path.parent().unwrap()).unwrap();
    std::fs::write(path, bytes).unwrap();
}

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
