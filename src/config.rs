//! `resilint.toml`: which files to lint, rule severities, user rule directories.

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};

use serde::Deserialize;

use crate::report::Severity;
use crate::usage_error::RuleError;

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
    /// Globs of files to lint, relative to this file's directory; empty means every supported file.
    #[serde(default, deserialize_with = "globs")]
    pub include: Vec<String>,
    /// Globs of files to skip (relative to this file's directory), on top of `.gitignore`;
    /// files named on the command line too, unless `--force-include`.
    #[serde(default, deserialize_with = "globs")]
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
    /// Spring files: `[spring] test-resources = true` also lints `application*` and
    /// `bootstrap*` files of JVM test source sets (`src/test/`, `src/integrationTest/`).
    #[serde(default)]
    pub spring: SpringConfig,
    /// Largest file read, e.g. `max-file-size = "50MB"` (default 10 MiB): a larger
    /// file is an `errors` entry of kind `limit`, since a loaded tree takes several
    /// times its file's size in memory. At most 4 GiB, whatever is set.
    #[serde(default)]
    pub max_file_size: Option<bytesize::ByteSize>,
    /// Coverage gates: `[coverage] timeout = 80` fails the run (exit 1) when the
    /// category's percentage is below 80. `--min-coverage` overrides per category.
    #[serde(default)]
    pub coverage: BTreeMap<crate::report::Category, toml::Spanned<f64>>,
    /// Deployment scopes for joins: globs of environment directories (matched at any
    /// depth); unset means [`crate::workspace::scope::DEFAULT_SCOPES`]. Kustomizations are scopes too.
    #[serde(default, deserialize_with = "scope_globs")]
    pub scopes: Option<Vec<String>>,
    /// Services whose code and configuration do not share a name: `[services.payments]`
    /// with `code = ["services/pay-rs"]` and `hosts = ["pay.internal"]` (see [`ServiceEntry`]).
    #[serde(default)]
    pub services: BTreeMap<String, ServiceEntry>,
    /// Cross-layer rules: `[cross] max-tries = 10`.
    #[serde(default)]
    pub cross: CrossConfig,
    /// The per-file cache (`[cache]`): see [`CacheConfig`].
    #[serde(default)]
    pub cache: CacheConfig,
    /// Directory the config was read from (rule dirs resolve against it).
    #[serde(skip)]
    pub base: PathBuf,
    /// The file as named (`--config other.toml`) or found: every config error names it.
    #[serde(skip)]
    pub source: String,
    /// Positions of `[rules]` keys, for errors about them.
    #[serde(skip)]
    pub rule_positions: BTreeMap<String, (usize, usize)>,
}

/// The `[cache]` table of `resilint.toml`: the per-file cache that lets a repeated
/// run parse only the files that changed (see [`crate::cache`]).
#[derive(Debug, Clone, PartialEq, Eq, Deserialize)]
#[serde(deny_unknown_fields, rename_all = "kebab-case")]
pub struct CacheConfig {
    /// Keep the cache (default: true); `--no-cache` turns it off for one run.
    #[serde(default = "yes")]
    pub enabled: bool,
    /// The cache directory, relative to this file's directory, inside the repository
    /// (default: `.resilint_cache` in the repository root).
    #[serde(default, deserialize_with = "cache_dir")]
    pub dir: Option<PathBuf>,
}

impl Default for CacheConfig {
    fn default() -> Self {
        CacheConfig {
            enabled: true,
            dir: None,
        }
    }
}

fn yes() -> bool {
    true
}

/// A cache directory is written to: it must be relative and stay below the
/// config's directory (no `..`), so a cloned repository's config cannot make
/// resilint write elsewhere on the machine.
fn cache_dir<'de, D: serde::Deserializer<'de>>(d: D) -> Result<Option<PathBuf>, D::Error> {
    let dir = PathBuf::deserialize(d)?;
    let escapes = dir.components().any(|c| {
        !matches!(
            c,
            std::path::Component::Normal(_) | std::path::Component::CurDir
        )
    });
    if escapes || dir.as_os_str().is_empty() {
        return Err(serde::de::Error::custom(
            "`[cache] dir` must be a relative path below the config's directory (no `..`, not absolute)",
        ));
    }
    Ok(Some(dir))
}

/// The `[rust]` table of `resilint.toml`.
#[derive(Debug, Default, Deserialize)]
#[serde(deny_unknown_fields, rename_all = "kebab-case")]
pub struct RustConfig {
    /// Lint Rust files below `tests/`, `benches/` and `examples/` too (default: false).
    #[serde(default)]
    pub test_dirs: bool,
    /// Most tokens a Rust file may have to be parsed (default 200,000, about 1 MB of
    /// ordinary code): `syn`'s tree takes up to about 1 KB per token, so a larger
    /// file is an `errors` entry of kind `limit` instead of hundreds of megabytes.
    #[serde(default)]
    pub max_tokens: Option<usize>,
}

/// The `[spring]` table of `resilint.toml`.
#[derive(Debug, Default, Deserialize)]
#[serde(deny_unknown_fields, rename_all = "kebab-case")]
pub struct SpringConfig {
    /// Lint Spring files of JVM test source sets (`src/test/`) too (default: false).
    #[serde(default)]
    pub test_resources: bool,
}

/// One entry of the `[services]` table: the service (its key, `name` or
/// `name.namespace`, as the mesh knows it), the code that is it, the hosts that name it.
#[derive(Debug, Clone, Default, Deserialize)]
#[serde(deny_unknown_fields, rename_all = "kebab-case")]
pub struct ServiceEntry {
    /// Directories (relative to this file) of the code packages that are this service.
    #[serde(default)]
    pub code: Vec<PathBuf>,
    /// Other hosts that reach this service (`pay.internal`, an ingress host).
    #[serde(default)]
    pub hosts: Vec<String>,
}

/// The `[cross]` table of `resilint.toml`.
#[derive(Debug, Clone, Default, Deserialize)]
#[serde(deny_unknown_fields, rename_all = "kebab-case")]
pub struct CrossConfig {
    /// `cross/retry-amplification` fires when the tries of all layers of one path
    /// multiply to more than this (default 10).
    #[serde(default)]
    pub max_tries: Option<u64>,
}

pub const FILE_NAME: &str = "resilint.toml";

impl Config {
    /// `[rust] max-tokens`, or its default.
    pub fn max_rust_tokens(&self) -> usize {
        self.rust
            .max_tokens
            .unwrap_or(crate::extract::rust::scan::MAX_TOKENS)
    }

    /// `max-file-size` in bytes, or its default; at most 4 GiB, so that a file's
    /// line tables hold `u32` offsets (a larger file is skipped as too large).
    pub fn max_file_size(&self) -> u64 {
        self.max_file_size
            .map_or(crate::load::DEFAULT_MAX_FILE_SIZE, |s| s.as_u64())
            .min(u64::from(u32::MAX))
    }
}

/// Checks `include`/`exclude` globs while reading (bounded, see [`crate::rules::glob`]),
/// so a bad one is reported at its line and column in the config file.
fn globs<'de, D: serde::Deserializer<'de>>(d: D) -> Result<Vec<String>, D::Error> {
    let globs = Vec::<String>::deserialize(d)?;
    for g in &globs {
        crate::rules::glob::parse(g, crate::rules::glob::Separator::Plain)
            .map_err(serde::de::Error::custom)?;
    }
    Ok(globs)
}

/// Checks `scopes` globs while reading, so a bad one is reported at its position.
fn scope_globs<'de, D: serde::Deserializer<'de>>(d: D) -> Result<Option<Vec<String>>, D::Error> {
    let globs = Vec::<String>::deserialize(d)?;
    for g in &globs {
        crate::workspace::scope::compile(std::slice::from_ref(g))
            .map_err(serde::de::Error::custom)?;
    }
    Ok(Some(globs))
}

/// The nearest `resilint.toml` at or above `start`, looking no higher than the
/// repository root (the nearest directory holding `.git`): a file planted in a
/// parent directory of the repository must not change its results. Outside any
/// repository only `start`'s own directory is looked at.
pub fn find(start: &Path) -> Option<PathBuf> {
    let dir = crate::repo::dir_of(start);
    let boundary = crate::repo::root_of(&dir).unwrap_or_else(|| dir.clone());
    let found = dir
        .ancestors()
        .take_while(|d| d.starts_with(&boundary))
        .map(|d| d.join(FILE_NAME))
        .find(|p| p.is_file())?;
    // Shown (and its rule directories with it) relative to the working directory
    // when below it, as every other path is.
    let cwd = std::env::current_dir().and_then(std::fs::canonicalize);
    Some(match cwd {
        Ok(cwd) => found
            .strip_prefix(&cwd)
            .map(Path::to_path_buf)
            .unwrap_or(found),
        Err(_) => found,
    })
}

/// Largest config file read: far above any real one, and it bounds what a
/// hostile one can make us hold.
const MAX_CONFIG_SIZE: u64 = 1024 * 1024;

/// Reads a config file: only a regular file (a FIFO would block the run, a device
/// could be endless), and at most [`MAX_CONFIG_SIZE`] bytes.
fn read_config(path: &Path, display: &str) -> Result<String, RuleError> {
    let error = |message: String| RuleError {
        path: display.to_string(),
        line: None,
        column: None,
        message,
    };
    // `metadata` follows symlinks and does not open the file, so a FIFO does not block.
    let meta = std::fs::metadata(path).map_err(|e| error(format!("cannot read config: {e}")))?;
    if !meta.is_file() {
        return Err(error(
            "config is not a regular file (a directory, FIFO or device): name a resilint.toml file"
                .into(),
        ));
    }
    if meta.len() > MAX_CONFIG_SIZE {
        return Err(error(format!(
            "config is {} bytes, over the {MAX_CONFIG_SIZE}-byte limit: is this the right file?",
            meta.len()
        )));
    }
    let mut text = String::new();
    std::fs::File::open(path)
        .and_then(|f| {
            std::io::Read::read_to_string(&mut std::io::Read::take(f, MAX_CONFIG_SIZE), &mut text)
        })
        .map_err(|e| error(format!("cannot read config: {e}")))?;
    Ok(text)
}

/// Where the configuration came from: its `rule-dirs` policy depends on it.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Origin {
    /// Found by [`find`] in the repository being linted.
    Discovered,
    /// Named on the command line with `--config`.
    Explicit,
}

/// Reads and validates a config file. `origin` decides where its `rule-dirs` may
/// point ([`check_rule_dirs`]).
pub fn load(path: &Path, origin: Origin) -> Result<Config, RuleError> {
    let display = path.to_string_lossy().replace('\\', "/");
    let text = read_config(path, &display)?;
    let source = crate::source::SourceFile::new(display.clone(), path.into(), text.clone());
    let at = |span: Option<std::ops::Range<usize>>, message: String| {
        let pos = span.map(|s| source.line_col(s.start));
        RuleError {
            path: display.clone(),
            line: pos.map(|p| p.line),
            column: pos.map(|p| p.column),
            message,
        }
    };
    let mut config: Config = toml::from_str(&text).map_err(|e| {
        let message = e.message();
        let hint = if message.contains("variant") {
            " (levels are \"off\", \"info\", \"warning\", \"error\")"
        } else {
            ""
        };
        at(e.span(), format!("{message}{hint}"))
    })?;
    for value in config.coverage.values() {
        if let Err(message) = crate::gate::check_range(*value.get_ref()) {
            return Err(at(Some(value.span()), format!("[coverage]: {message}")));
        }
    }
    let spans: Spans = toml::from_str(&text).unwrap_or_default();
    config.base = path.parent().map(Path::to_path_buf).unwrap_or_default();
    config.source = display.clone();
    config.rule_positions = spans
        .rules
        .keys()
        .map(|k| {
            let p = source.line_col(k.span().start);
            (k.get_ref().clone(), (p.line, p.column))
        })
        .collect();
    check_rule_dirs(&config, &spans.rule_dirs, path, origin)
        .map_err(|(span, message)| at(span, message))?;
    Ok(config)
}

/// Positions of the values whose errors are found after reading.
#[derive(Debug, Default, Deserialize)]
#[serde(rename_all = "kebab-case")]
struct Spans {
    #[serde(default)]
    rules: BTreeMap<toml::Spanned<String>, serde::de::IgnoredAny>,
    #[serde(default)]
    rule_dirs: Vec<toml::Spanned<String>>,
}

/// The `rule-dirs` policy. A rule directory must exist, and must lie inside the
/// config's boundary (its repository root, or its own directory outside any
/// repository), after resolving `..` and symlinks: a `resilint.toml` in a cloned
/// repository cannot make resilint walk `/` or read rules from elsewhere. The one
/// exception is a directory written as an absolute path in a config named with
/// `--config`: whoever runs the command chose it.
fn check_rule_dirs(
    config: &Config,
    spans: &[toml::Spanned<String>],
    path: &Path,
    origin: Origin,
) -> Result<(), (Option<std::ops::Range<usize>>, String)> {
    let boundary = crate::repo::boundary_of(path);
    for (i, dir) in config.rule_dirs.iter().enumerate() {
        let span = spans.get(i).map(toml::Spanned::span);
        let shown = dir.to_string_lossy();
        let joined = config.base.join(dir);
        let Ok(resolved) = std::fs::canonicalize(&joined) else {
            return Err((span, format!(
                "rule directory `{shown}` does not exist: fix `rule-dirs` (relative paths start at the config's directory)"
            )));
        };
        if !resolved.is_dir() {
            return Err((
                span,
                format!("rule directory `{shown}` is not a directory: fix `rule-dirs`"),
            ));
        }
        let explicit_absolute = origin == Origin::Explicit && dir.is_absolute();
        if !resolved.starts_with(&boundary) && !explicit_absolute {
            return Err((span, format!(
                "rule directory `{shown}` is outside {} ({}): keep rule directories inside it, or name a config with an absolute `rule-dirs` entry with `--config`",
                if crate::repo::root_of(&boundary).is_some() { "the config's repository" } else { "the config's directory" },
                boundary.display()
            )));
        }
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::Config;

    /// A file's line tables hold `u32` offsets: however large the setting, no file
    /// over 4 GiB is read.
    #[test]
    fn max_file_size_is_capped_at_4_gib() {
        let config: Config = toml::from_str("max-file-size = \"6GiB\"").expect("valid config");
        assert_eq!(config.max_file_size(), u64::from(u32::MAX));
        let config: Config = toml::from_str("max-file-size = \"50MB\"").expect("valid config");
        assert_eq!(config.max_file_size(), 50_000_000);
        assert_eq!(
            Config::default().max_file_size(),
            crate::load::DEFAULT_MAX_FILE_SIZE
        );
    }
}
