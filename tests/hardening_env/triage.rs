//! Errors only where they matter, JSONC, Helm charts, standard input, and output
//! that is byte-identical across runs and thread counts.

use super::*;

#[test]
fn broken_files_that_name_no_platform_are_skipped_not_errors() {
    let dir = tempfile::tempdir().unwrap();
    write(dir.path(), "a.yaml", virtual_service("a"));
    // Another tool's templating and a file that does not parse.
    write(
        dir.path(),
        "tool/release.json",
        "{\"version\": {{version}}}\n",
    );
    write(dir.path(), "tool/broken.yaml", "a: [1, 2\n");
    // Known non-targets are not read at all.
    write(
        dir.path(),
        ".github/workflows/ci.yml",
        "on: push\njobs:\n  x:\n    steps:\n    - run: echo {{ github.sha }}\n",
    );
    write(dir.path(), ".gitlab-ci.yml", "script: {{ x }}\n");
    write(dir.path(), "web/package.json", "{\"name\": \"x\",}\n{{\n");
    write(dir.path(), "web/tsconfig.base.json", "{ // comment\n");
    write(dir.path(), ".vscode/settings.json", "{ // comment\n");
    // A templated file that names a platform resilint judges stays an error.
    write(
        dir.path(),
        "istio/vs.yaml",
        "apiVersion: networking.istio.io/v1\nkind: VirtualService\nmetadata:\n  name: {{ .Values.name }}\n",
    );
    let (code, report, _) = check_json(dir.path(), &["--strict", "--fail-on", "never"]);
    assert_eq!(report["files_scanned"], 4, "non-targets are not read");
    assert_eq!(report["skipped"], 2);
    let errs = errors(&report);
    assert_eq!(errs.len(), 1, "{errs:?}");
    assert_eq!(errs[0]["path"], "istio/vs.yaml");
    assert_eq!(errs[0]["kind"], "template");
    assert_eq!(code, 1, "--strict fails on the error that matters");
    // Without it, `--strict` passes: skipped files are not errors.
    std::fs::remove_file(dir.path().join("istio/vs.yaml")).unwrap();
    let (code, report, _) = check_json(dir.path(), &["--strict", "--fail-on", "never"]);
    assert!(errors(&report).is_empty(), "{report}");
    assert_eq!(code, 0);
    let out = run(
        dir.path(),
        &["check", "--show-skipped", "--fail-on", "never"],
    );
    let err = stderr(&out);
    assert!(
        err.contains("skipped: tool/broken.yaml: does not parse at 2:1 (while parsing"),
        "{err}"
    );
    assert!(
        err.contains("skipped: tool/release.json: template markup at 1:1; it names no platform"),
        "{err}"
    );
    // A non-target named on the command line is read.
    let (_, report, _) = check_json(dir.path(), &[".gitlab-ci.yml"]);
    assert_eq!(report["files_scanned"], 1);
}

#[test]
fn json_with_comments_is_read_as_jsonc() {
    let dir = tempfile::tempdir().unwrap();
    let text = "// exported VirtualService\n{\n  \"apiVersion\": \"networking.istio.io/v1\", /* v1 */\n  \"kind\": \"VirtualService\",\n  \"metadata\": {\"name\": \"a\"},\n  \"spec\": {\"hosts\": [\"a\"], \"http\": [\n    {\"route\": [{\"destination\": {\"host\": \"a\"}}]}\n  ]}\n}\n";
    write(dir.path(), "vs.json", text);
    let (_, report, _) = check_json(dir.path(), &["."]);
    assert!(errors(&report).is_empty(), "{report}");
    let finding = &report["findings"][0];
    assert_eq!(finding["rule"], NO_TIMEOUT);
    assert_eq!(
        (finding["line"].as_u64(), finding["column"].as_u64()),
        (Some(7), Some(5))
    );
}

#[test]
fn a_helm_chart_is_reported_once_with_a_hint() {
    let dir = tempfile::tempdir().unwrap();
    write(
        dir.path(),
        "charts/web/Chart.yaml",
        "apiVersion: v2\nname: web\nversion: 1.0.0\n",
    );
    write(dir.path(), "charts/web/values.yaml", "replicas: 2\n");
    for name in ["a", "b", "c"] {
        write(
            dir.path(),
            &format!("charts/web/templates/{name}.yaml"),
            format!("apiVersion: networking.istio.io/v1\nkind: VirtualService\nmetadata:\n  name: {{{{ .Release.Name }}}}-{name}\n"),
        );
    }
    write(
        dir.path(),
        "charts/web/templates/_helpers.yaml",
        "{{- define \"x\" }}{{ end }}\n",
    );
    let (_, report, _) = check_json(dir.path(), &["."]);
    let errs = errors(&report);
    assert_eq!(errs.len(), 1, "{errs:?}");
    assert_eq!(errs[0]["path"], "charts/web");
    assert_eq!(errs[0]["kind"], "template");
    let message = errs[0]["message"].as_str().unwrap();
    assert!(message.contains("4 template files"), "{message}");
    assert!(
        message.contains("helm template charts/web | resilint check -"),
        "{message}"
    );
}

#[test]
fn standard_input_is_read_as_yaml() {
    let dir = tempfile::tempdir().unwrap();
    let stdin = format!("---\n{}---\n{}", virtual_service("a"), virtual_service("b"));
    let out = run_with(
        dir.path(),
        dir.path(),
        &["check", "-", "--format", "json"],
        Some(stdin.as_bytes()),
    );
    assert_eq!(code(&out), 1, "{}", stderr(&out));
    let report = json(&out);
    assert_eq!(report["files_scanned"], 1);
    assert_eq!(count(&report, NO_TIMEOUT), 2);
    let lines: Vec<(&str, u64)> = report["findings"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|f| f["rule"] == NO_TIMEOUT)
        .map(|f| (f["path"].as_str().unwrap(), f["line"].as_u64().unwrap()))
        .collect();
    assert_eq!(lines, [("<stdin>", 9), ("<stdin>", 19)]);
    // Text mode names it too.
    let out = run_with(
        dir.path(),
        dir.path(),
        &["check", "-"],
        Some(stdin.as_bytes()),
    );
    assert!(
        String::from_utf8_lossy(&out.stdout).contains("<stdin>:9:"),
        "{}",
        String::from_utf8_lossy(&out.stdout)
    );
}

/// A tree with findings, parse errors, templates, a Helm chart, skipped files and
/// (when the user cannot read it) an unreadable file.
fn messy_tree() -> TempDir {
    let dir = tempfile::tempdir().unwrap();
    let root = dir.path();
    // Readable by `nobody`, who runs resilint when the tests run as root.
    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt;
        std::fs::set_permissions(root, std::fs::Permissions::from_mode(0o755)).unwrap();
    }
    for i in 0..12 {
        write(
            root,
            &format!("k8s/vs{i}.yaml"),
            virtual_service(&format!("s{i}")),
        );
    }
    write(
        root,
        "k8s/broken.yaml",
        "apiVersion: networking.istio.io/v1\nkind: [\n",
    );
    write(
        root,
        "k8s/tpl.yaml",
        "apiVersion: networking.istio.io/v1\nkind: {{ .K }}\n",
    );
    write(
        root,
        "k8s/dup.yaml",
        format!("{}  http: []\n", virtual_service("d")),
    );
    write(root, "tool/a.json", "{\"v\": {{v}}}\n");
    write(root, "tool/b.yaml", "x: [\n");
    write(root, "chart/Chart.yaml", "apiVersion: v2\nname: c\n");
    write(
        root,
        "chart/templates/x.yaml",
        "apiVersion: networking.istio.io/v1\nkind: {{ .K }}\n",
    );
    write(
        root,
        "bad-utf8.yaml",
        b"apiVersion: networking.istio.io/v1\nkind: \xFF\n",
    );
    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt;
        write(root, "locked.yaml", virtual_service("l"));
        std::fs::set_permissions(
            root.join("locked.yaml"),
            std::fs::Permissions::from_mode(0o000),
        )
        .unwrap();
        std::os::unix::fs::symlink("k8s/vs1.yaml", root.join("link.yaml")).unwrap();
    }
    dir
}

#[test]
fn output_is_byte_identical_across_runs_and_thread_counts() {
    let dir = messy_tree();
    let run_once = |threads: &str, format: &str| {
        let args = [
            "check",
            ".",
            "--show-skipped",
            "--format",
            format,
            "--threads",
            threads,
        ];
        #[cfg(unix)]
        let out = run_unprivileged(dir.path(), &args, &dir.path().join("locked.yaml"))
            .unwrap_or_else(|| run(dir.path(), &args));
        #[cfg(not(unix))]
        let out = run(dir.path(), &args);
        (code(&out), out.stdout, out.stderr)
    };
    for format in ["json", "text"] {
        let first = run_once("1", format);
        assert_eq!(first.0, 1);
        if format == "json" {
            let report: Value = serde_json::from_slice(&first.1).unwrap();
            assert!(errors(&report).len() >= 4, "errors occur: {report}");
            #[cfg(unix)]
            if std::fs::File::open(dir.path().join("locked.yaml")).is_err()
                || Command::new("setpriv")
                    .args(["--reuid=65534", "--regid=65534", "--clear-groups", "true"])
                    .status()
                    .is_ok_and(|s| s.success())
            {
                assert!(
                    errors(&report)
                        .iter()
                        .any(|e| e["path"] == "locked.yaml" && e["kind"] == "io"),
                    "an unreadable file is among the errors: {report}"
                );
            }
            assert!(report["skipped"].as_u64().unwrap() >= 2, "{report}");
        }
        for i in 0..10 {
            let threads = if i % 2 == 0 { "4" } else { "1" };
            assert!(
                run_once(threads, format) == first,
                "{format}, run {i}, --threads {threads}"
            );
        }
    }
}
