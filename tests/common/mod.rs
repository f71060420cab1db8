//! Helpers shared by the fixture-driven tests (`tests/rules.rs`, `tests/meta.rs`).
//!
//! Expectation markers, one syntax per kind of file:
//!
//! - YAML, TOML, `.properties` and other `#`-comment files: a trailing
//!   `# expect: <rule-id>` on the line where the finding starts.
//! - Rust (and other `//`-comment languages): `// expect: <rule-id>`.
//! - JSON, which has no comments: a sidecar `<file>.expect` beside the file, one
//!   `LINE: rule-id` per line (blank lines and `#` comments are ignored).
//!
//! Several findings on one line: comma-separate the ids (`# expect: a/x, a/y`) or
//! repeat the marker (`# expect: a/x # expect: a/y`). Naming an id twice expects
//! two findings of that rule on that line. A sidecar may be used for any file.

#![allow(dead_code)]

pub mod run;
pub mod tree;

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};

/// The package root: fixtures and rule files are found from here.
pub fn root() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR"))
}

/// Fixture directory of a rule and outcome: `fixtures/<id>/fail` or `fixtures/<id>/pass`.
pub fn fixture_dir(id: &str, outcome: &str) -> PathBuf {
    root().join("fixtures").join(id).join(outcome)
}

/// One expected finding: a file (canonical path), a 1-based line and a rule id.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord)]
pub struct Marker {
    pub path: PathBuf,
    pub line: usize,
    pub rule: String,
}

/// Every regular file below `dir`, sorted, sidecars (`*.expect`) excluded.
pub fn fixture_files(dir: &Path) -> Vec<PathBuf> {
    let mut out = Vec::new();
    let mut stack = vec![dir.to_path_buf()];
    while let Some(d) = stack.pop() {
        let Ok(entries) = std::fs::read_dir(&d) else {
            continue;
        };
        for entry in entries.flatten() {
            let path = entry.path();
            if path.is_dir() {
                stack.push(path);
            } else if path.extension().is_none_or(|e| e != "expect") {
                out.push(path);
            }
        }
    }
    out.sort();
    out
}

/// The comment token that introduces an inline marker in a file of this kind, if any.
fn comment_token(path: &Path) -> Option<&'static str> {
    match path.extension().and_then(|e| e.to_str()).unwrap_or("") {
        "json" => None,
        "rs" | "go" | "java" | "kt" | "js" | "ts" | "c" | "cc" | "cpp" | "h" => Some("//"),
        _ => Some("#"),
    }
}

/// Rule ids in a marker list: `a/x, a/y` or `a/x a/y`.
fn split_ids(list: &str) -> impl Iterator<Item = String> + '_ {
    list.split(|c: char| c == ',' || c.is_whitespace())
        .filter(|s| !s.is_empty())
        .map(str::to_string)
}

/// Markers in one line of text (`line` is 1-based).
pub fn markers_in_line(text: &str, token: &str) -> Vec<String> {
    let mut ids = Vec::new();
    let pieces: Vec<&str> = text.split(token).skip(1).collect();
    for piece in pieces {
        if let Some(rest) = piece.trim_start().strip_prefix("expect:") {
            ids.extend(split_ids(rest));
        }
    }
    ids
}

/// Markers in a `.properties` file, as (line, rule). A `#` after a value is part of the
/// value there, so a marker sits on a comment line of its own (`# expect: x/y`) and
/// names the next line that is neither blank nor a comment.
pub fn properties_markers(text: &str) -> Vec<(usize, String)> {
    let mut out = Vec::new();
    let mut pending = Vec::new();
    for (i, line) in text.lines().enumerate() {
        let trimmed = line.trim_start();
        if trimmed.starts_with('#') || trimmed.starts_with('!') {
            pending.extend(markers_in_line(&format!("#{}", &trimmed[1..]), "#"));
        } else if !trimmed.is_empty() {
            out.extend(pending.drain(..).map(|r| (i + 1, r)));
        }
    }
    out
}

/// Every marker of every file below `dir`, inline and from sidecars. Errors (an
/// unreadable file, a malformed sidecar line) are returned as messages.
pub fn collect_markers(dir: &Path) -> (Vec<Marker>, Vec<String>) {
    let mut markers = Vec::new();
    let mut errors = Vec::new();
    for file in fixture_files(dir) {
        let canonical = canonical(&file);
        if let Some(token) = comment_token(&file) {
            match std::fs::read(&file) {
                Ok(bytes) => {
                    let text = String::from_utf8_lossy(&bytes);
                    let properties = file.extension().is_some_and(|e| e == "properties");
                    let found = if properties {
                        properties_markers(&text)
                    } else {
                        text.lines()
                            .enumerate()
                            .flat_map(|(i, line)| {
                                markers_in_line(line, token)
                                    .into_iter()
                                    .map(move |r| (i + 1, r))
                            })
                            .collect()
                    };
                    for (line, rule) in found {
                        markers.push(Marker {
                            path: canonical.clone(),
                            line,
                            rule,
                        });
                    }
                }
                Err(e) => errors.push(format!("{}: cannot read: {e}", show(&file))),
            }
        }
        let mut sidecar = file.clone().into_os_string();
        sidecar.push(".expect");
        let sidecar = PathBuf::from(sidecar);
        if let Ok(text) = std::fs::read_to_string(&sidecar) {
            for (i, raw) in text.lines().enumerate() {
                let line = raw.split('#').next().unwrap_or("").trim();
                if line.is_empty() {
                    continue;
                }
                let parsed = line
                    .split_once(':')
                    .and_then(|(n, ids)| Some((n.trim().parse::<usize>().ok()?, ids)));
                match parsed {
                    Some((n, ids)) if n > 0 => {
                        for rule in split_ids(ids) {
                            markers.push(Marker {
                                path: canonical.clone(),
                                line: n,
                                rule,
                            });
                        }
                    }
                    _ => errors.push(format!(
                        "{}:{}: expected `LINE: rule-id`, found `{raw}`",
                        show(&sidecar),
                        i + 1
                    )),
                }
            }
        }
    }
    markers.sort();
    (markers, errors)
}

pub fn canonical(path: &Path) -> PathBuf {
    std::fs::canonicalize(path).unwrap_or_else(|_| path.to_path_buf())
}

/// A path as shown in test failures: relative to the package root when below it.
pub fn show(path: &Path) -> String {
    let root = canonical(&root());
    let path = canonical(path);
    path.strip_prefix(&root)
        .unwrap_or(&path)
        .to_string_lossy()
        .replace('\\', "/")
}

/// Runs the engine on one directory, single-threaded, with no config file.
pub fn run(dir: &Path) -> resilint::engine::Outcome {
    // A fixture's own `resilint.toml` (a `[services]` table) is read as it is; the
    // others run with the opt-in rules on, so their fixtures are judged too.
    let own = dir.join("resilint.toml").is_file();
    let options = resilint::engine::Options {
        paths: vec![dir.to_path_buf()],
        config: (!own).then(opt_in_config),
        threads: Some(1),
    };
    match resilint::engine::run(&options) {
        Ok(outcome) => outcome,
        Err(e) => panic!("engine failed on {}: {e}", show(dir)),
    }
}

/// A configuration turning every opt-in rule on at its default severity (written once
/// per test binary, to a temporary directory).
pub fn opt_in_config() -> PathBuf {
    static CONFIG: std::sync::OnceLock<(tempfile::TempDir, PathBuf)> = std::sync::OnceLock::new();
    CONFIG
        .get_or_init(|| {
            let dir = tempfile::tempdir().expect("temp dir");
            let mut text = String::from("[rules]\n");
            for r in resilint::rules::builtin()
                .unwrap()
                .iter()
                .filter(|r| r.opt_in)
            {
                text.push_str(&format!("\"{}\" = \"{}\"\n", r.id, r.severity.name()));
            }
            let path = dir.path().join("resilint.toml");
            std::fs::write(&path, text).expect("write config");
            (dir, path)
        })
        .1
        .clone()
}

/// Maps each finding's display path back to the canonical path of the file it came from.
pub fn display_to_path(outcome: &resilint::engine::Outcome) -> BTreeMap<String, PathBuf> {
    outcome
        .files
        .iter()
        .map(|f| (f.display.clone(), canonical(&f.path)))
        .collect()
}
