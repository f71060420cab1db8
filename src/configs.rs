//! Which `resilint.toml` governs each file: the nearest one above it, as ruff does,
//! so a monorepo's results do not depend on the order of the paths named.
//!
//! A run has a *root* configuration: the one named with `--config` (which then
//! governs every file, as ruff's `--config` does), else the nearest `resilint.toml`
//! at or above the directory holding every named path. It alone sets what belongs
//! to the whole run: `rule-dirs` (the rules and API catalogue), `scopes`, the
//! `[coverage]` gates and the `[cache]`. Every other `resilint.toml` found on the way down governs
//! the files below it, with no inheritance (ruff's rule): its `include`/`exclude`
//! (relative to its own directory), `[rules]` levels, `[rust]`, `[spring]`,
//! `max-file-size` and `[cross]`; its `[services]` adds to every other's (see
//! [`crate::graph::Settings::of_all`]). A nested file that sets a run-wide key is told about on stderr.

use std::collections::HashMap;
use std::path::{Path, PathBuf};

use crate::config::{self, Config};
use crate::discover::{self, Filter, Filters, TestCode};
use crate::usage_error::RuleError;

/// The configurations of one run; index 0 is the root configuration.
pub struct Configs {
    pub list: Vec<Config>,
    filters: Vec<Filter>,
    /// `--config` was given: it governs every file.
    explicit: bool,
    /// Where the search for a file's configuration stops: the repository root, or
    /// outside any repository the directory holding every named path.
    boundary: PathBuf,
    /// Canonical directory → index of the configuration governing its files.
    by_dir: HashMap<PathBuf, usize>,
    /// Canonical config file → its index, so a file is read once.
    by_file: HashMap<PathBuf, usize>,
}

/// The deepest directory holding every path in `paths` (canonical).
fn common_dir(paths: &[PathBuf]) -> PathBuf {
    let mut dirs = paths
        .iter()
        .filter(|p| !discover::is_stdin(p))
        .map(|p| crate::repo::dir_of(p));
    let first = dirs
        .next()
        .unwrap_or_else(|| crate::repo::dir_of(Path::new(".")));
    dirs.fold(first, |common, dir| {
        common
            .ancestors()
            .find(|a| dir.starts_with(a))
            .map(Path::to_path_buf)
            .unwrap_or_default()
    })
}

fn filter_of(config: &Config, found: bool) -> Result<Filter, RuleError> {
    Filter::new(
        found.then_some(config.base.as_path()),
        &config.include,
        &config.exclude,
        TestCode {
            rust_dirs: config.rust.test_dirs,
            spring_resources: config.spring.test_resources,
        },
    )
    .map_err(|message| RuleError {
        path: config.source.clone(),
        line: None,
        column: None,
        message,
    })
}

impl Configs {
    /// The root configuration of a run over `paths` (`explicit`: `--config`).
    pub fn resolve(paths: &[PathBuf], explicit: Option<&Path>) -> Result<Configs, RuleError> {
        let common = common_dir(paths);
        let boundary = crate::repo::root_of(&common).unwrap_or_else(|| common.clone());
        let (root, found) = match explicit {
            Some(p) => (Some(p.to_path_buf()), true),
            None => {
                let found = config::find(&common);
                (found.clone(), found.is_some())
            }
        };
        let origin = if explicit.is_some() {
            config::Origin::Explicit
        } else {
            config::Origin::Discovered
        };
        let config = match &root {
            Some(p) => config::load(p, origin)?,
            None => Config::default(),
        };
        let mut configs = Configs {
            filters: vec![filter_of(&config, found)?],
            list: vec![config],
            explicit: explicit.is_some(),
            boundary,
            by_dir: HashMap::new(),
            by_file: HashMap::new(),
        };
        if let Some(p) = root.filter(|_| explicit.is_none()) {
            configs
                .by_file
                .insert(std::fs::canonicalize(&p).unwrap_or(p), 0);
        }
        Ok(configs)
    }

    /// Where config discovery stops: the repository root, or outside any repository
    /// the directory holding every named path (the cache lives there by default).
    pub fn boundary(&self) -> &Path {
        &self.boundary
    }

    /// The run's root configuration.
    pub fn root(&self) -> &Config {
        &self.list[0]
    }

    /// The configuration governing files in `dir` (canonical), read when first met.
    fn lookup(&mut self, dir: &Path) -> Result<usize, RuleError> {
        if let Some(&i) = self.by_dir.get(dir) {
            return Ok(i);
        }
        let candidate = dir.join(config::FILE_NAME);
        let index = if candidate.is_file() {
            match self.by_file.get(&candidate) {
                Some(&i) => i,
                None => self.add(&candidate)?,
            }
        } else {
            match dir.parent() {
                Some(parent) if dir != self.boundary && dir.starts_with(&self.boundary) => {
                    self.lookup(parent)?
                }
                // Above the boundary (or the run's root config's own tree): the root.
                _ => 0,
            }
        };
        self.by_dir.insert(dir.to_path_buf(), index);
        Ok(index)
    }

    /// Reads a nested configuration (shown relative to the working directory).
    fn add(&mut self, path: &Path) -> Result<usize, RuleError> {
        let cwd = std::env::current_dir().and_then(std::fs::canonicalize);
        let shown = match &cwd {
            Ok(cwd) => path.strip_prefix(cwd).unwrap_or(path),
            Err(_) => path,
        };
        let config = config::load(shown, config::Origin::Discovered)?;
        self.filters.push(filter_of(&config, true)?);
        self.list.push(config);
        let index = self.list.len() - 1;
        self.by_file.insert(path.to_path_buf(), index);
        Ok(index)
    }

    /// What a nested configuration sets that only the root one may: said on stderr,
    /// since it has no effect.
    pub fn ignored_keys(&self) -> Vec<String> {
        let root = &self.root().source;
        let root = if root.is_empty() {
            "none was found".to_string()
        } else {
            root.clone()
        };
        self.list[1..]
            .iter()
            .flat_map(|c| {
                let root = &root;
                [
                    (!c.rule_dirs.is_empty()).then_some("rule-dirs"),
                    c.scopes.is_some().then_some("scopes"),
                    (!c.coverage.is_empty()).then_some("[coverage]"),
                    (c.cache != crate::config::CacheConfig::default()).then_some("[cache]"),
                ]
                .into_iter()
                .flatten()
                .map(move |key| {
                    format!(
                        "{}: `{key}` is read from the run's root configuration only ({root}), so it has no effect here: move it there, or run resilint from this directory",
                        c.source
                    )
                })
            })
            .collect()
    }
}

impl Filters for Configs {
    fn index_for(&mut self, dir: &Path) -> Result<usize, RuleError> {
        if self.explicit {
            return Ok(0);
        }
        self.lookup(dir)
    }

    fn filter(&self, index: usize) -> &Filter {
        &self.filters[index]
    }
}
