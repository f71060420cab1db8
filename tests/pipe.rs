//! A reader that stops early (`resilint check | head`) must not make resilint panic.

use std::process::{Command, Stdio};

#[test]
fn a_closed_stdout_is_not_a_panic() {
    let dir = tempfile::tempdir().unwrap();
    let mut vs = String::from(
        "apiVersion: networking.istio.io/v1\nkind: VirtualService\nmetadata: {name: big}\nspec:\n  http:\n",
    );
    for i in 0..2000 {
        vs.push_str(&format!(
            "  - route:\n    - destination: {{host: svc-{i}}}\n"
        ));
    }
    std::fs::write(dir.path().join("vs.yaml"), vs).unwrap();
    let mut child = Command::new(env!("CARGO_BIN_EXE_resilint"))
        .args(["check", "."])
        .current_dir(dir.path())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    drop(child.stdout.take());
    let out = child.wait_with_output().unwrap();
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(!stderr.contains("panicked"), "{stderr}");
    assert_eq!(
        out.status.code(),
        Some(1),
        "findings still decide the exit code: {stderr}"
    );
}
