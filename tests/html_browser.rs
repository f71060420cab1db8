//! The demo's HTML report in a real browser (headless Chromium): the page the
//! browser builds, after its script ran, counts what the JSON counts, the filter
//! works from the address, no console message is logged, and screenshots (light
//! and dark) and the printed PDF are kept as artifacts under `target/`
//! (`target/tmp/html-report/`).
//!
//! Without a Chromium on this machine the test prints SKIPPED, unless it runs in
//! CI (`CI` set, as `.ci/run` and CI services do, or `RESILINT_REQUIRE_BROWSER`):
//! there a missing browser is a failure. `RESILINT_CHROMIUM` names the binary.
//! Every browser run is killed after [`TIMEOUT`], so CI never hangs on it.

use std::path::{Path, PathBuf};
use std::process::{Command, Output, Stdio};
use std::time::{Duration, Instant};

use serde_json::Value;

const TIMEOUT: Duration = Duration::from_secs(90);

fn root() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR"))
}

fn set(name: &str) -> bool {
    std::env::var_os(name).is_some_and(|v| !v.is_empty() && v != "0" && v != "false")
}

/// The Chromium binary, if there is one.
fn chromium() -> Option<PathBuf> {
    if let Some(named) = std::env::var_os("RESILINT_CHROMIUM").filter(|v| !v.is_empty()) {
        return Some(PathBuf::from(named));
    }
    let path = std::env::var_os("PATH")?;
    [
        "chromium",
        "chromium-browser",
        "google-chrome",
        "google-chrome-stable",
    ]
    .iter()
    .flat_map(|name| std::env::split_paths(&path).map(move |dir| dir.join(name)))
    .find(|p| p.is_file())
}

/// Runs `cmd`, killing it after [`TIMEOUT`].
fn bounded(mut cmd: Command) -> Output {
    let mut child = cmd
        .stdin(Stdio::null())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .expect("start the browser");
    // Read both pipes on threads so a chatty browser never blocks on a full pipe.
    let mut out = child.stdout.take().unwrap();
    let mut err = child.stderr.take().unwrap();
    let out = std::thread::spawn(move || {
        let mut b = Vec::new();
        let _ = std::io::Read::read_to_end(&mut out, &mut b);
        b
    });
    let err = std::thread::spawn(move || {
        let mut b = Vec::new();
        let _ = std::io::Read::read_to_end(&mut err, &mut b);
        b
    });
    let started = Instant::now();
    let status = loop {
        if let Some(status) = child.try_wait().expect("wait for the browser") {
            break status;
        }
        if started.elapsed() > TIMEOUT {
            let _ = child.kill();
            let _ = child.wait();
            panic!("the browser did not finish within {TIMEOUT:?}");
        }
        std::thread::sleep(Duration::from_millis(50));
    };
    Output {
        status,
        stdout: out.join().unwrap(),
        stderr: err.join().unwrap(),
    }
}

/// A headless browser on `url` with a fresh profile in `profile`, plus `args`.
fn browse(browser: &Path, profile: &Path, url: &str, args: &[&str]) -> Output {
    let mut cmd = Command::new(browser);
    cmd.args([
        "--headless",
        "--disable-gpu",
        "--no-sandbox",
        "--no-first-run",
        "--disable-extensions",
        "--disable-background-networking",
        "--hide-scrollbars",
        "--enable-logging=stderr",
        "--v=0",
    ])
    .arg(format!("--user-data-dir={}", profile.display()))
    .args(args)
    .arg(url);
    bounded(cmd)
}

/// Console messages the page logged (`INFO:CONSOLE... "message", source: ...`).
fn console(stderr: &[u8]) -> Vec<String> {
    String::from_utf8_lossy(stderr)
        .lines()
        .filter(|l| l.contains(":CONSOLE"))
        .map(String::from)
        .collect()
}

/// The text of the element with this id in the browser's DOM.
fn text_of(dom: &str, id: &str) -> String {
    let at = dom
        .find(&format!("id=\"{id}\""))
        .unwrap_or_else(|| panic!("no #{id} in the page"));
    let rest = &dom[at..];
    let start = rest.find('>').unwrap() + 1;
    let end = rest[start..].find('<').unwrap();
    rest[start..start + end].to_string()
}

fn resilint(args: &[&str]) -> String {
    let out = Command::new(env!("CARGO_BIN_EXE_resilint"))
        .args(["check", "--no-cache"])
        .args(args)
        .current_dir(root())
        .output()
        .expect("run resilint");
    assert_eq!(
        out.status.code(),
        Some(1),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    String::from_utf8_lossy(&out.stdout).into_owned()
}

#[test]
fn the_demo_report_renders_in_chromium_with_the_json_counts() {
    let Some(browser) = chromium() else {
        if set("CI") || set("RESILINT_REQUIRE_BROWSER") {
            panic!("no Chromium found in CI: .ci/run installs it (apt-get install -y chromium), or set RESILINT_CHROMIUM");
        }
        println!("SKIPPED browser test: no chromium on PATH (apt-get install chromium, or set RESILINT_CHROMIUM)");
        return;
    };
    let artifacts = PathBuf::from(env!("CARGO_TARGET_TMPDIR")).join("html-report");
    std::fs::create_dir_all(&artifacts).unwrap();
    let page = artifacts.join("report.html");
    resilint(&[
        "demo",
        "--format",
        "html",
        "--output",
        page.to_str().unwrap(),
    ]);
    let json: Value = serde_json::from_str(&resilint(&["demo", "--format", "json"])).unwrap();
    let findings = json["findings"].as_array().unwrap();
    let url = format!("file://{}", page.display());
    let profile = tempfile::tempdir().unwrap();

    // The DOM after the script ran: the counts are the JSON's.
    let out = browse(&browser, profile.path(), &url, &["--dump-dom"]);
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let dom = String::from_utf8_lossy(&out.stdout).into_owned();
    assert_eq!(text_of(&dom, "count-findings"), findings.len().to_string());
    for severity in ["error", "warning", "info"] {
        let n = findings
            .iter()
            .filter(|f| f["severity"] == severity)
            .count();
        assert_eq!(text_of(&dom, &format!("count-{severity}")), n.to_string());
    }
    assert_eq!(text_of(&dom, "shown"), findings.len().to_string());
    assert_eq!(
        dom.matches("<article class=\"finding").count(),
        findings.len()
    );
    assert!(dom.contains("<svg") && dom.contains("class=\"node\""));
    assert_eq!(
        console(&out.stderr),
        Vec::<String>::new(),
        "console messages"
    );

    // The filter, preset from the address, shows the timeout warnings only.
    let wanted = |f: &&Value| f["category"] == "timeout" && f["severity"] == "warning";
    let n = findings.iter().filter(wanted).count();
    assert!(n > 0 && n < findings.len());
    let filtered = format!("{url}#category=timeout&severity=warning");
    let out = browse(&browser, profile.path(), &filtered, &["--dump-dom"]);
    let dom = String::from_utf8_lossy(&out.stdout).into_owned();
    assert_eq!(text_of(&dom, "shown"), n.to_string());
    let visible = dom
        .match_indices("<article class=\"finding")
        .filter(|(i, _)| {
            let tag = &dom[*i..*i + dom[*i..].find('>').unwrap()];
            !tag.contains("hidden")
        })
        .count();
    assert_eq!(visible, n);
    assert_eq!(
        console(&out.stderr),
        Vec::<String>::new(),
        "console messages"
    );

    // A screenshot, kept as the test's artifact.
    let shot = artifacts.join("report.png");
    let _ = std::fs::remove_file(&shot);
    let arg = format!("--screenshot={}", shot.display());
    let out = browse(
        &browser,
        profile.path(),
        &url,
        &[&arg, "--window-size=1280,2000"],
    );
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let png = std::fs::read(&shot).expect("a screenshot");
    assert!(png.starts_with(b"\x89PNG") && png.len() > 10_000);
    // And in dark mode, which the page's colours follow.
    let dark = artifacts.join("report-dark.png");
    let arg = format!("--screenshot={}", dark.display());
    let size = "--window-size=1280,2000";
    let out = browse(
        &browser,
        profile.path(),
        &url,
        &[&arg, size, "--force-dark-mode"],
    );
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let dark_png = std::fs::read(&dark).expect("a dark screenshot");
    assert!(dark_png.starts_with(b"\x89PNG") && dark_png != png);
    // Printed (the print styles: no filter, every finding), kept as a PDF.
    let pdf = artifacts.join("report.pdf");
    let arg = format!("--print-to-pdf={}", pdf.display());
    let out = browse(
        &browser,
        profile.path(),
        &url,
        &[&arg, "--no-pdf-header-footer"],
    );
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    assert_eq!(
        console(&out.stderr),
        Vec::<String>::new(),
        "console messages"
    );
    let printed = std::fs::read(&pdf).expect("a PDF");
    assert!(printed.starts_with(b"%PDF"));
    // Page objects (`/Type /Page`, not the `/Type /Pages` tree).
    let pages = printed
        .windows(12)
        .filter(|w| w.starts_with(b"/Type /Page") && w[11] != b's')
        .count();
    assert!(pages > 2, "{pages} pages");
    println!(
        "artifacts: {}, {} and {}",
        shot.display(),
        dark.display(),
        pdf.display()
    );
}

/// The console check can fail: a page that logs is caught.
#[test]
fn a_console_message_is_seen() {
    let Some(browser) = chromium() else {
        println!("SKIPPED browser test: no chromium on PATH");
        return;
    };
    let dir = tempfile::tempdir().unwrap();
    let page = dir.path().join("bad.html");
    std::fs::write(
        &page,
        "<!DOCTYPE html><p>x</p><script>console.error('boom'); missing();</script>",
    )
    .unwrap();
    let profile = tempfile::tempdir().unwrap();
    let url = format!("file://{}", page.display());
    let out = browse(&browser, profile.path(), &url, &["--dump-dom"]);
    let logged = console(&out.stderr);
    assert!(logged.iter().any(|l| l.contains("boom")), "{logged:?}");
    assert!(logged.iter().any(|l| l.contains("missing")), "{logged:?}");
}
