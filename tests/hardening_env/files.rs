//! Row 16: odd file names, symlinks, FIFOs, unreadable directories, full disks.

use super::*;

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
        stderr(&out).contains("info: 3 files skipped"),
        "{}",
        stderr(&out)
    );
    // What `exclude` leaves out is not reported.
    write(dir.path(), "resilint.toml", "exclude = [\"out.yaml\"]\n");
    let (_, report, _) = check_json(dir.path(), &["."]);
    assert_eq!(report["skipped"], 2);
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
    // Every format, each written as it is rendered (a full disk shows in the
    // buffer's flush or in the middle of the output).
    for format in [
        "text", "concise", "json", "sarif", "github", "markdown", "gitlab", "junit",
    ] {
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
    // `--output FILE` on a full disk: the file is named.
    let out = Command::new(env!("CARGO_BIN_EXE_resilint"))
        .args(["check", ".", "--format", "sarif", "--output", "/dev/full"])
        .current_dir(dir.path())
        .stderr(Stdio::piped())
        .output()
        .unwrap();
    let err = stderr(&out);
    assert_eq!(code(&out), 2, "{err}");
    assert!(err.contains("cannot write /dev/full"), "{err}");
}
