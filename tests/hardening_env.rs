//! Regression tests for the environment around a run (issue 11, rows 3, 10, 11, 16
//! and 18, and "errors only where they matter"): globs from rule and config files,
//! ignore files and config files above the repository, `rule-dirs`, odd files, and
//! which load failures are errors. Each builds its tree in a temporary directory
//! and asserts on JSON, stderr and exit codes: never on time.

use std::io::Write;
use std::path::Path;
use std::process::{Command, Output, Stdio};

use serde_json::Value;
use tempfile::TempDir;

const NO_TIMEOUT: &str = "istio/route-without-timeout";

/// A VirtualService with one route and no timeout.
fn virtual_service(name: &str) -> String {
    format!(
        "apiVersion: networking.istio.io/v1\nkind: VirtualService\nmetadata:\n  name: {name}\nspec:\n  hosts: [{name}]\n  http:\n  - route:\n    - destination: {{host: {name}}}\n"
    )
}

fn write(root: &Path, rel: &str, text: impl AsRef<[u8]>) {
    let path = root.join(rel);
    std::fs::create_dir_all(path.parent().unwrap()).unwrap();
    std::fs::write(path, text).unwrap();
}

/// A fresh git repository (`git init`, or a bare `.git` directory where git is missing).
fn git_init(dir: &Path) {
    std::fs::create_dir_all(dir).unwrap();
    let ok = Command::new("git")
        .args(["init", "-q"])
        .current_dir(dir)
        .env("GIT_CONFIG_NOSYSTEM", "1")
        .status()
        .is_ok_and(|s| s.success());
    if !ok {
        std::fs::create_dir_all(dir.join(".git")).unwrap();
    }
}

/// Runs resilint in `cwd` with `HOME` and `XDG_CONFIG_HOME` pointing at `home`, so
/// no git configuration of the machine running the tests is read.
fn run_with(cwd: &Path, home: &Path, args: &[&str], stdin: Option<&[u8]>) -> Output {
    let mut child = Command::new(env!("CARGO_BIN_EXE_resilint"))
        .args(args)
        .current_dir(cwd)
        .env("HOME", home)
        .env("XDG_CONFIG_HOME", home.join(".config"))
        .env("GIT_CONFIG_NOSYSTEM", "1")
        .env_remove("CLICOLOR_FORCE")
        .env_remove("FORCE_COLOR")
        .stdin(if stdin.is_some() {
            Stdio::piped()
        } else {
            Stdio::null()
        })
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .expect("run resilint");
    if let Some(bytes) = stdin {
        child.stdin.take().unwrap().write_all(bytes).unwrap();
    }
    child.wait_with_output().expect("resilint output")
}

fn run(cwd: &Path, args: &[&str]) -> Output {
    run_with(cwd, cwd, args, None)
}

fn code(out: &Output) -> i32 {
    out.status.code().expect("exit code")
}

fn stderr(out: &Output) -> String {
    String::from_utf8_lossy(&out.stderr).into_owned()
}

fn json(out: &Output) -> Value {
    serde_json::from_slice(&out.stdout)
        .unwrap_or_else(|e| panic!("stdout is JSON ({e}); stderr: {}", stderr(out)))
}

fn check_json(cwd: &Path, extra: &[&str]) -> (i32, Value, String) {
    let mut args = vec!["check", "--format", "json"];
    args.extend_from_slice(extra);
    let out = run(cwd, &args);
    (code(&out), json(&out), stderr(&out))
}

fn count(report: &Value, rule: &str) -> usize {
    report["findings"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|f| f["rule"] == rule)
        .count()
}

fn errors(report: &Value) -> &Vec<Value> {
    report["errors"].as_array().unwrap()
}

/// A user rule file with the given `api-version` glob.
fn user_rule(api_version: &str) -> String {
    format!(
        "id = \"acme/x\"\ncategory = \"timeout\"\nseverity = \"warning\"\nsummary = \"s\"\n\n[select]\napi-version = \"{api_version}\"\nkind = \"X\"\neach = \"spec\"\n\n[check]\nkind = \"require\"\n\n[[check.require]]\npath = \"timeout\"\npresent = true\n\n[docs]\nwhat = \"w\"\nwhy = \"w\"\nexample = \"e\"\nfix = \"f\"\n"
    )
}

fn many_alternatives(n: usize) -> String {
    let alts: Vec<String> = (0..n).map(|i| format!("g{i}.example.io/*")).collect();
    format!("{{{}}}", alts.join(","))
}

// Row 3: a glob with 100,000 alternatives panicked (exit 101) in check, rules, explain.
#[test]
fn row3_a_huge_rule_glob_is_a_rule_file_error_in_every_command() {
    let dir = tempfile::tempdir().unwrap();
    git_init(dir.path());
    write(dir.path(), "resilint.toml", "rule-dirs = [\"rules\"]\n");
    write(
        dir.path(),
        "rules/acme/x.toml",
        user_rule(&many_alternatives(100_000)),
    );
    for args in [
        &["check", "."][..],
        &["rules"][..],
        &["explain", "acme/x"][..],
    ] {
        let out = run(dir.path(), args);
        let err = stderr(&out);
        assert_eq!(code(&out), 2, "{args:?}: {err}");
        assert!(!err.contains("panicked"), "{args:?}: {err}");
        assert!(err.contains("rules/acme/x.toml:7:15:"), "{args:?}: {err}");
        assert!(err.contains("over the limit"), "{args:?}: {err}");
    }
    // Within the length limit, too many alternatives is its own message.
    let short = format!("{{{}}}", vec!["a"; 300].join(","));
    write(dir.path(), "rules/acme/x.toml", user_rule(&short));
    let out = run(dir.path(), &["rules"]);
    assert_eq!(code(&out), 2);
    assert!(stderr(&out).contains("alternatives"), "{}", stderr(&out));
}

#[test]
fn row3_huge_config_and_catalogue_globs_are_errors_at_their_position() {
    let dir = tempfile::tempdir().unwrap();
    git_init(dir.path());
    write(dir.path(), "k8s/vs.yaml", virtual_service("a"));
    let huge = many_alternatives(30_000);
    write(
        dir.path(),
        "other.toml",
        format!("\nexclude = [\"{huge}\"]\n"),
    );
    let out = run(dir.path(), &["check", ".", "--config", "other.toml"]);
    assert_eq!(code(&out), 2, "{}", stderr(&out));
    assert!(
        stderr(&out).contains("other.toml:2:11:"),
        "{}",
        stderr(&out)
    );

    write(dir.path(), "resilint.toml", "rule-dirs = [\"r\"]\n");
    write(
        dir.path(),
        "r/apis/acme.toml",
        format!("[[client]]\nname = \"acme\"\ncrate = \"acme\"\nconstructors = [\"{huge}\"]\ntimeout = [\"t\"]\n"),
    );
    let out = run(dir.path(), &["check", "."]);
    let err = stderr(&out);
    assert_eq!(code(&out), 2, "{err}");
    assert!(!err.contains("panicked"), "{err}");
    assert!(
        err.contains("r/apis/acme.toml:4:17:"),
        "the catalogue file is named: {err}"
    );
}

// Row 10: a `.gitignore` above the repository, or git's global excludes, hid every file.
#[test]
fn row10_ignore_files_above_the_repository_and_global_excludes_do_not_apply() {
    let outer = tempfile::tempdir().unwrap();
    write(outer.path(), ".gitignore", "*\n");
    let repo = outer.path().join("repo");
    git_init(&repo);
    write(&repo, "k8s/a.yaml", virtual_service("a"));
    write(&repo, "k8s/b.yaml", virtual_service("b"));
    // git's global excludes, through the `HOME` the run sees.
    let home = tempfile::tempdir().unwrap();
    write(home.path(), "excludes", "*\n");
    write(
        home.path(),
        ".gitconfig",
        format!(
            "[core]\n\texcludesFile = {}\n",
            home.path().join("excludes").display()
        ),
    );
    write(home.path(), ".config/git/ignore", "*\n");
    let out = run_with(
        &repo,
        home.path(),
        &["check", ".", "--format", "json"],
        None,
    );
    let report = json(&out);
    assert_eq!(report["files_scanned"], 2, "{}", stderr(&out));
    assert_eq!(count(&report, NO_TIMEOUT), 2);

    // The repository's own `.gitignore` still applies.
    write(&repo, ".gitignore", "k8s/b.yaml\n");
    let (_, report, _) = check_json(&repo, &["."]);
    assert_eq!(report["files_scanned"], 1);

    // Outside any repository, a `.gitignore` above the scanned tree does not apply.
    let plain = outer.path().join("plain");
    write(&plain, "a.yaml", virtual_service("a"));
    let (_, report, _) = check_json(&plain, &["."]);
    assert_eq!(report["files_scanned"], 1);
}

#[test]
fn row10_a_run_that_lints_no_file_says_so() {
    let dir = tempfile::tempdir().unwrap();
    write(dir.path(), "README.md", "nothing here\n");
    let out = run(dir.path(), &["check", "."]);
    assert_eq!(code(&out), 0);
    assert!(
        stderr(&out).contains("warning: no file was linted in ."),
        "{}",
        stderr(&out)
    );
}

// Row 11: a parent `resilint.toml` turned rules off; `rule-dirs = ["/"]` walked `/`.
#[test]
fn row11_config_discovery_stops_at_the_repository_root() {
    let outer = tempfile::tempdir().unwrap();
    write(
        outer.path(),
        "resilint.toml",
        format!("[rules]\n\"{NO_TIMEOUT}\" = \"off\"\n"),
    );
    let repo = outer.path().join("repo");
    git_init(&repo);
    write(&repo, "k8s/a.yaml", virtual_service("a"));
    let (_, report, _) = check_json(&repo.join("k8s"), &["."]);
    assert_eq!(
        count(&report, NO_TIMEOUT),
        1,
        "the planted config is not read"
    );
    // Inside the repository, a config above the linted path is found.
    write(
        &repo,
        "resilint.toml",
        format!("[rules]\n\"{NO_TIMEOUT}\" = \"off\"\n"),
    );
    let (_, report, _) = check_json(&repo.join("k8s"), &["."]);
    assert_eq!(count(&report, NO_TIMEOUT), 0);
}

#[test]
fn row11_rule_dirs_stay_inside_the_repository() {
    let outer = tempfile::tempdir().unwrap();
    write(outer.path(), "shared/acme/x.toml", user_rule("acme.io/*"));
    let repo = outer.path().join("repo");
    git_init(&repo);
    write(&repo, "a.yaml", virtual_service("a"));
    for dirs in ["\"/\"", "\"..\"", "\"../shared\""] {
        write(&repo, "resilint.toml", format!("rule-dirs = [{dirs}]\n"));
        let out = run(&repo, &["check", "."]);
        let err = stderr(&out);
        assert_eq!(code(&out), 2, "{dirs}: {err}");
        assert!(err.contains("resilint.toml:1:14:"), "{dirs}: {err}");
        assert!(
            err.contains("outside the config's repository"),
            "{dirs}: {err}"
        );
        assert!(out.stdout.is_empty(), "nothing is linted or echoed");
    }
    // An absolute directory in a config named with `--config` is the caller's choice.
    let shared = outer.path().join("shared");
    write(
        outer.path(),
        "explicit.toml",
        format!("rule-dirs = [{:?}]\n", shared.to_str().unwrap()),
    );
    let explicit = outer.path().join("explicit.toml");
    let out = run(&repo, &["rules", "--config", explicit.to_str().unwrap()]);
    assert_eq!(code(&out), 0, "{}", stderr(&out));
    assert!(String::from_utf8_lossy(&out.stdout).contains("acme/x"));
    // A relative one that leaves its directory is refused even then.
    write(
        outer.path(),
        "cfg/rel.toml",
        "rule-dirs = [\"../shared\"]\n",
    );
    let rel = outer.path().join("cfg/rel.toml");
    let out = run(&repo, &["rules", "--config", rel.to_str().unwrap()]);
    assert_eq!(code(&out), 2, "{}", stderr(&out));
    // A missing rule directory names its entry.
    write(&repo, "resilint.toml", "\nrule-dirs = [\"nope\"]\n");
    let out = run(&repo, &["check", "."]);
    assert_eq!(code(&out), 2);
    assert!(
        stderr(&out).contains("resilint.toml:2:14: rule directory `nope` does not exist"),
        "{}",
        stderr(&out)
    );
}

// Row 16: odd file names, symlinks, FIFOs, unreadable directories, full disks.
#[cfg(unix)]
#[test]
fn row16_non_utf8_names_that_display_alike_are_both_linted() {
    use std::os::unix::ffi::OsStrExt;
    let dir = tempfile::tempdir().unwrap();
    for byte in [0xFFu8, 0xFE] {
        let bytes = [b'v', byte, b'.', b'y', b'a', b'm', b'l'];
        let name = std::ffi::OsStr::from_bytes(&bytes);
        std::fs::write(dir.path().join(name), virtual_service("a")).unwrap();
    }
    let (_, report, _) = check_json(dir.path(), &["."]);
    assert_eq!(report["files_scanned"], 2);
    let mut paths: Vec<&str> = report["findings"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|f| f["rule"] == NO_TIMEOUT)
        .map(|f| f["path"].as_str().unwrap())
        .collect();
    paths.sort();
    assert_eq!(paths, ["v\\xFE.yaml", "v\\xFF.yaml"]);
}

#[cfg(unix)]
#[test]
fn row16_symlinks_are_reported_as_skipped_never_silently() {
    let dir = tempfile::tempdir().unwrap();
    let outside = tempfile::tempdir().unwrap();
    write(dir.path(), "k8s/a.yaml", virtual_service("a"));
    write(outside.path(), "b.yaml", virtual_service("b"));
    std::os::unix::fs::symlink("k8s/a.yaml", dir.path().join("inside.yaml")).unwrap();
    std::os::unix::fs::symlink(outside.path().join("b.yaml"), dir.path().join("out.yaml")).unwrap();
    std::os::unix::fs::symlink(outside.path(), dir.path().join("linked-dir")).unwrap();
    let (_, report, _) = check_json(dir.path(), &["."]);
    assert_eq!(report["files_scanned"], 1);
    assert_eq!(report["skipped"], 3);
    let out = run(dir.path(), &["check", ".", "--show-skipped"]);
    let err = stderr(&out);
    assert!(
        err.contains("skipped: inside.yaml: symbolic link to a file inside the tree"),
        "{err}"
    );
    assert!(
        err.contains("skipped: out.yaml: symbolic link to a file outside the tree"),
        "{err}"
    );
    assert!(
        err.contains("skipped: linked-dir: symbolic link to a directory"),
        "{err}"
    );
    // Without the flag, text mode still gives the count.
    let out = run(dir.path(), &["check", "."]);
    assert!(
        stderr(&out).contains("note: 3 files skipped"),
        "{}",
        stderr(&out)
    );
}

#[cfg(unix)]
fn mkfifo(path: &Path) {
    let ok = Command::new("mkfifo")
        .arg(path)
        .status()
        .is_ok_and(|s| s.success());
    assert!(ok, "mkfifo {}", path.display());
}

#[cfg(unix)]
#[test]
fn row16_a_fifo_named_on_the_command_line_is_an_io_error_naming_it() {
    let dir = tempfile::tempdir().unwrap();
    mkfifo(&dir.path().join("pipe.yaml"));
    write(dir.path(), "a.yaml", virtual_service("a"));
    let (code, report, _) = check_json(dir.path(), &["pipe.yaml", "a.yaml"]);
    assert_eq!(code, 1);
    let errs = errors(&report);
    assert_eq!(errs.len(), 1, "{errs:?}");
    assert_eq!(errs[0]["path"], "pipe.yaml");
    assert_eq!(errs[0]["kind"], "io");
    assert_eq!(count(&report, NO_TIMEOUT), 1);
}

/// Runs with a deadline: a hang is a test failure, not a stuck suite.
#[cfg(unix)]
fn run_bounded(cwd: &Path, args: &[&str]) -> Output {
    let mut child = Command::new(env!("CARGO_BIN_EXE_resilint"))
        .args(args)
        .current_dir(cwd)
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    for _ in 0..600 {
        if child.try_wait().unwrap().is_some() {
            return child.wait_with_output().unwrap();
        }
        std::thread::sleep(std::time::Duration::from_millis(50));
    }
    child.kill().unwrap();
    panic!("resilint {args:?} hung");
}

#[cfg(unix)]
#[test]
fn row16_a_config_that_is_a_fifo_is_refused() {
    let dir = tempfile::tempdir().unwrap();
    mkfifo(&dir.path().join("cfg.toml"));
    let out = run_bounded(dir.path(), &["check", ".", "--config", "cfg.toml"]);
    assert_eq!(code(&out), 2);
    assert!(
        stderr(&out).contains("cfg.toml: config is not a regular file"),
        "{}",
        stderr(&out)
    );
}

/// Runs resilint so that `probe` (mode 000) really cannot be read: as the current
/// user, or, when that user reads it anyway (root), as `nobody` through `setpriv`.
/// `None` when neither can.
#[cfg(unix)]
fn run_unprivileged(cwd: &Path, args: &[&str], probe: &Path) -> Option<Output> {
    if std::fs::File::open(probe).is_err() {
        return Some(run(cwd, args));
    }
    let out = Command::new("setpriv")
        .args(["--reuid=65534", "--regid=65534", "--clear-groups"])
        .arg(env!("CARGO_BIN_EXE_resilint"))
        .args(args)
        .current_dir(cwd)
        .output()
        .ok()?;
    (!out.stdout.is_empty()).then_some(out)
}

#[cfg(unix)]
#[test]
fn row16_an_unreadable_directory_is_an_io_error_and_the_run_goes_on() {
    use std::os::unix::fs::PermissionsExt;
    let dir = tempfile::tempdir().unwrap();
    std::fs::set_permissions(dir.path(), std::fs::Permissions::from_mode(0o755)).unwrap();
    write(dir.path(), "a.yaml", virtual_service("a"));
    write(dir.path(), "locked/b.yaml", virtual_service("b"));
    let locked = dir.path().join("locked");
    std::fs::set_permissions(&locked, std::fs::Permissions::from_mode(0o000)).unwrap();
    let Some(out) = run_unprivileged(dir.path(), &["check", ".", "--format", "json"], &locked)
    else {
        std::fs::set_permissions(&locked, std::fs::Permissions::from_mode(0o755)).unwrap();
        let _ = writeln!(
            std::io::stderr(),
            "SKIPPED unreadable-directory test: this user reads mode-000 directories and `setpriv` cannot drop to nobody"
        );
        return;
    };
    std::fs::set_permissions(&locked, std::fs::Permissions::from_mode(0o755)).unwrap();
    assert_eq!(code(&out), 1, "{}", stderr(&out));
    let report = json(&out);
    let errs = errors(&report);
    assert_eq!(errs.len(), 1, "{errs:?}");
    assert_eq!(errs[0]["path"], "locked");
    assert_eq!(errs[0]["kind"], "io");
    let message = errs[0]["message"].as_str().unwrap().to_lowercase();
    assert!(
        message.starts_with("cannot read directory: permission denied"),
        "{message}"
    );
    assert_eq!(count(&report, NO_TIMEOUT), 1);
}

#[cfg(target_os = "linux")]
#[test]
fn row16_a_full_disk_on_output_is_a_clear_error() {
    let dir = tempfile::tempdir().unwrap();
    write(dir.path(), "a.yaml", virtual_service("a"));
    for format in ["text", "json"] {
        let out = Command::new(env!("CARGO_BIN_EXE_resilint"))
            .args(["check", ".", "--format", format])
            .current_dir(dir.path())
            .stdout(std::fs::File::create("/dev/full").unwrap())
            .stderr(Stdio::piped())
            .output()
            .unwrap();
        let err = stderr(&out);
        assert_eq!(code(&out), 2, "{format}: {err}");
        assert!(!err.contains("panicked"), "{format}: {err}");
        assert!(err.contains("cannot write the output"), "{format}: {err}");
    }
}

// Row 18: config and catalogue errors name their own file, with line and column.
#[test]
fn row18_config_errors_name_the_file_given_with_line_and_column() {
    let dir = tempfile::tempdir().unwrap();
    write(dir.path(), "a.yaml", virtual_service("a"));
    write(
        dir.path(),
        "other.toml",
        format!("\n[rules]\n\"{NO_TIMEOUT}\" = \"loud\"\n"),
    );
    let out = run(dir.path(), &["check", ".", "--config", "other.toml"]);
    assert_eq!(code(&out), 2);
    assert!(
        stderr(&out).starts_with("error: other.toml:3:"),
        "{}",
        stderr(&out)
    );
    write(
        dir.path(),
        "other.toml",
        "\n[rules]\n\"istio/nope\" = \"off\"\n",
    );
    let out = run(dir.path(), &["check", ".", "--config", "other.toml"]);
    assert!(
        stderr(&out).starts_with("error: other.toml:3:1: unknown rule"),
        "{}",
        stderr(&out)
    );
    write(dir.path(), "other.toml", "include = [\"a[\"]\n");
    let out = run(dir.path(), &["check", ".", "--config", "other.toml"]);
    assert!(
        stderr(&out).starts_with("error: other.toml:1:"),
        "{}",
        stderr(&out)
    );
}

#[test]
fn row18_catalogue_errors_name_their_file() {
    let dir = tempfile::tempdir().unwrap();
    git_init(dir.path());
    write(dir.path(), "resilint.toml", "rule-dirs = [\"r\"]\n");
    // A user rule that reuses a built-in id is named with the position of its id.
    write(
        dir.path(),
        "r/istio/route-without-timeout.toml",
        user_rule("x/*").replace("acme/x", NO_TIMEOUT),
    );
    let out = run(dir.path(), &["rules"]);
    assert_eq!(code(&out), 2);
    assert!(
        stderr(&out).starts_with("error: r/istio/route-without-timeout.toml:1:6: rule id"),
        "{}",
        stderr(&out)
    );
    std::fs::remove_dir_all(dir.path().join("r/istio")).unwrap();
    write(dir.path(), "r/apis/acme.toml", "[[client]]\nname = 1\n");
    let out = run(dir.path(), &["check", "."]);
    assert_eq!(code(&out), 2);
    assert!(
        stderr(&out).starts_with("error: r/apis/acme.toml:2:"),
        "{}",
        stderr(&out)
    );
}

// Errors only where they matter.
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
