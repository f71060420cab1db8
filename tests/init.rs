//! `resilint init` end to end: the file it writes parses, names the platforms found,
//! starts the gates at today's coverage (so the gate passes today and fails on a
//! regression), and an existing file is kept unless `--force`.

mod common;

use common::run::{code, run_in, shop, stderr, write, ROUTES};

#[test]
fn init_writes_todays_coverage_as_a_gate_that_passes_today() {
    let dir = shop();
    let out = run_in(dir.path(), &["init"]);
    assert_eq!(code(&out), 0, "{}", stderr(&out));
    let text = std::fs::read_to_string(dir.path().join("resilint.toml")).unwrap();
    assert!(text.contains("#   - Kubernetes objects"), "{text}");
    assert!(text.contains("#   - Rust sources"), "{text}");
    // The Rust audit tier, commented out under `[rules]`.
    assert!(
        text.contains("# \"rust/retry-without-backoff\" = \"warning\"\n"),
        "{text}"
    );
    assert!(
        text.contains("timeout = 33.3    # 1/3 covered today"),
        "{text}"
    );
    assert!(
        text.contains("# retry-backoff = 80    # no integration points found today"),
        "{text}"
    );

    assert_eq!(
        code(&run_in(dir.path(), &["check", ".", "--fail-on", "never"])),
        0,
        "passes today"
    );
    // One more route without a timeout: timeout coverage drops to 1/4, below 33.3.
    let worse = ROUTES.replace(
        "  - name: read\n",
        "  - name: export\n    route:\n    - destination: {host: orders}\n  - name: read\n",
    );
    write(dir.path(), "k8s/orders.yaml", &worse);
    let out = run_in(dir.path(), &["check", ".", "--fail-on", "never"]);
    assert_eq!(code(&out), 1, "the gate catches the regression");

    let again = run_in(dir.path(), &["init"]);
    assert_eq!(code(&again), 2);
    assert!(stderr(&again).contains("--force"), "{}", stderr(&again));
    assert_eq!(code(&run_in(dir.path(), &["init", "--force"])), 0);
    let text = std::fs::read_to_string(dir.path().join("resilint.toml")).unwrap();
    assert!(
        text.contains("timeout = 25.0    # 1/4 covered today"),
        "{text}"
    );
}
