//! `resilint.toml`: which files to lint, rule severities, user rule directories.

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};

use serde::Deserialize;

use crate::report::Severity;
use crate::rules::RuleError;

/// A rule's configured level: a severity, or `off`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Deserialize)]
#[serde(rename_all = "kebab-case")]
pub enum Level {
    Off,
    Info,
    Warning,
    Error,
}

impl Level {
    pub fn severity(self) -> Option<Severity> {
        match self {
            Level::Off => None,
            Level::Info => Some(Severity::Info),
            Level::Warning => Some(Severity::Warning),
            Level::Error => Some(Severity::Error),
        }
    }
}

#[derive(Debug, Default, Deserialize)]
#[serde(deny_unknown_fields, rename_all = "kebab-case")]
pub struct Config {
    /// Globs of files to lint (relative to the linted path); empty means every supported file.
    #[serde(default)]
    pub include: Vec<String>,
    /// Globs of files to skip, on top of `.gitignore`.
    #[serde(default)]
    pub exclude: Vec<String>,
    /// Per-rule level: `"istio/route-without-timeout" = "off"`.
    #[serde(default)]
    pub rules: BTreeMap<String, Level>,
    /// Directories of user rule files, relative to this file.
    #[serde(default)]
    pub rule_dirs: Vec<PathBuf>,
    /// Rust sources: `[rust] test-dirs = true` also lints `tests/`, `benches/`, `examples/`.
    #[serde(default)]
    pub rust: RustConfig,
    /// Largest file read, e.g. `max-file-size = "50MB"` (default 10 MiB): a larger
    /// file is an `errors` entry of kind `limit`, since a loaded tree takes several
    /// times its file's size in memory.
    #[serde(default)]
    pub max_file_size: Option<bytesize::ByteSize>,
    /// Coverage gates: `[coverage] timeout = 80` fails the run (exit 1) when the
    /// category's percentage is below 80. `--min-coverage` overrides per category.
    #[serde(default)]
    pub coverage: BTreeMap<crate::report::Category, toml::Spanned<f64>>,
    /// Directory the config was read from (rule dirs resolve against it).
    #[serde(skip)]
    pub base: PathBuf,
}

/// The `[rust]` table of `resilint.toml`.
#[derive(Debug, Default, Deserialize)]
#[serde(deny_unknown_fields, rename_all = "kebab-case")]
pub struct RustConfig {
    /// Lint Rust files below `tests/`, `benches/` and `examples/` too (default: false).
    #[serde(default)]
    pub test_dirs: bool,
}

pub const FILE_NAME: &str = "resilint.toml";

impl Config {
    /// `max-file-size` in bytes, or its default.
    pub fn max_file_size(&self) -> u64 {
        self.max_file_size
            .map_or(crate::load::DEFAULT_MAX_FILE_SIZE, |s| s.as_u64())
    }
}

/// The nearest `resilint.toml` at or above `start`.
pub fn find(start: &Path) -> Option<PathBuf> {
    let start = std::fs::canonicalize(start).unwrap_or_else(|_| start.to_path_buf());
    let dir = if start.is_file() {
        start.parent()?
    } else {
        &start
    };
    dir.ancestors()
        .map(|d| d.join(FILE_NAME))
        .find(|p| p.is_file())
}

pub fn load(path: &Path) -> Result<Config, RuleError> {
    let display = path.to_string_lossy().replace('\\', "/");
    let text = std::fs::read_to_string(path).map_err(|e| RuleError {
        path: display.clone(),
        line: None,
        column: None,
        message: format!("cannot read config: {e}"),
    })?;
    let mut config: Config = toml::from_str(&text).map_err(|e| {
        let pos = e.span().map(|s| {
            let src = crate::source::SourceFile::new(display.clone(), path.into(), text.clone());
            src.line_col(s.start)
        });
        RuleError {
            path: display.clone(),
            line: pos.map(|p| p.line),
            column: pos.map(|p| p.column),
            message: format!(
                "{} (levels are \"off\", \"info\", \"warning\", \"error\")",
                e.message()
            ),
        }
    })?;
    for value in config.coverage.values() {
        if let Err(message) = crate::gate::check_range(*value.get_ref()) {
            let src = crate::source::SourceFile::new(display.clone(), path.into(), text.clone());
            let pos = src.line_col(value.span().start);
            return Err(RuleError {
                path: display,
                line: Some(pos.line),
                column: Some(pos.column),
                message: format!("[coverage]: {message}"),
            });
        }
    }
    config.base = path.parent().map(Path::to_path_buf).unwrap_or_default();
    Ok(config)
}
