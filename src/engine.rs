//! One lint run: config → rules → discover → load → judge → report.

use std::path::PathBuf;

use rayon::prelude::*;

use crate::config::{self, Config};
use crate::discover::{self, Candidate, FileKind};
use crate::judge;
use crate::load::{self, Document};
use crate::report::{FileError, Report};
use crate::rules::{self, Rule, RuleError};
use crate::source::SourceFile;
use crate::suppress;
use crate::workspace::Workspace;

/// Stack size of worker threads: parsers and visitors recurse on nested input.
const WORKER_STACK: usize = 64 * 1024 * 1024;

#[derive(Debug, Clone, Default)]
pub struct Options {
    pub paths: Vec<PathBuf>,
    /// Explicit config file; otherwise the nearest `resilint.toml` upward from the first path.
    pub config: Option<PathBuf>,
    /// Worker threads; `None` uses one per core.
    pub threads: Option<usize>,
}

/// Everything a renderer needs: the report and the loaded sources for snippets.
pub struct Outcome {
    pub report: Report,
    pub files: Vec<SourceFile>,
    pub rules: Vec<Rule>,
}

/// The active rules: built-in plus the config's rule directories, with levels applied.
pub fn load_rules(config: &Config) -> Result<Vec<Rule>, RuleError> {
    let mut all = rules::builtin()?;
    for dir in &config.rule_dirs {
        let dir = config.base.join(dir);
        for rule in rules::load_dir(&dir)? {
            if let Some(existing) = all.iter().find(|r| r.id == rule.id) {
                return Err(RuleError {
                    path: rule.origin.clone(),
                    line: None,
                    column: None,
                    message: format!(
                        "rule id `{}` is already defined by {}: rename the file",
                        rule.id, existing.origin
                    ),
                });
            }
            all.push(rule);
        }
    }
    for id in config.rules.keys() {
        if !all.iter().any(|r| &r.id == id) {
            return Err(RuleError {
                path: config::FILE_NAME.into(),
                line: None,
                column: None,
                message: format!("unknown rule `{id}` in [rules]: `resilint rules` lists the ids"),
            });
        }
    }
    let mut active = Vec::new();
    for mut rule in all {
        match config.rules.get(&rule.id).map(|l| l.severity()) {
            Some(None) => continue,
            Some(Some(sev)) => rule.severity = sev,
            None => {}
        }
        active.push(rule);
    }
    active.sort_by(|a, b| a.id.cmp(&b.id));
    Ok(active)
}

pub fn resolve_config(options: &Options) -> Result<Config, RuleError> {
    let path = match &options.config {
        Some(p) => Some(p.clone()),
        None => config::find(
            options
                .paths
                .first()
                .map_or(std::path::Path::new("."), |p| p.as_path()),
        ),
    };
    match path {
        Some(p) => config::load(&p),
        None => Ok(Config::default()),
    }
}

enum Loaded {
    Docs(SourceFile, Vec<Document>),
    Failed(Option<SourceFile>, FileError),
}

fn load_one(index: usize, c: &Candidate) -> Loaded {
    let text = match load::read_text(&c.path, &c.display) {
        Ok(t) => t,
        Err(e) => return Loaded::Failed(None, e),
    };
    let source = SourceFile::new(c.display.clone(), c.path.clone(), text);
    let result = match c.kind {
        FileKind::Config => load::load_config(index, &source),
    };
    match result {
        Ok(docs) => Loaded::Docs(source, docs),
        Err(e) => Loaded::Failed(Some(source), e),
    }
}

/// Runs the linter. `Err` is a usage error (exit 2).
pub fn run(options: &Options) -> Result<Outcome, RuleError> {
    for p in &options.paths {
        if !p.exists() {
            return Err(RuleError {
                path: p.to_string_lossy().into_owned(),
                line: None,
                column: None,
                message: "no such file or directory".into(),
            });
        }
    }
    let config = resolve_config(options)?;
    let rules = load_rules(&config)?;
    let (candidates, mut errors) =
        discover::discover(&options.paths, &config.include, &config.exclude)?;
    let pool = rayon::ThreadPoolBuilder::new()
        .num_threads(options.threads.unwrap_or(0))
        .stack_size(WORKER_STACK)
        .build()
        .map_err(|e| RuleError {
            path: "--threads".into(),
            line: None,
            column: None,
            message: format!("cannot start worker threads: {e}"),
        })?;
    let (report, files) = pool.install(|| {
        let loaded: Vec<Loaded> = candidates
            .par_iter()
            .enumerate()
            .map(|(i, c)| load_one(i, c))
            .collect();
        let mut files = Vec::with_capacity(loaded.len());
        let mut docs = Vec::new();
        for (i, item) in loaded.into_iter().enumerate() {
            match item {
                Loaded::Docs(source, d) => {
                    files.push(source);
                    docs.extend(d);
                }
                Loaded::Failed(source, e) => {
                    let c = &candidates[i];
                    files.push(source.unwrap_or_else(|| {
                        SourceFile::new(c.display.clone(), c.path.clone(), String::new())
                    }));
                    errors.push(e);
                }
            }
        }
        let ws = Workspace::new(files, docs);
        let (mut findings, coverage) = judge::judge(&rules, &ws);
        let suppressed = suppress::apply(&mut findings, &ws.files);
        let mut report = Report {
            findings,
            coverage,
            errors,
            files_scanned: candidates.len(),
            suppressed,
        };
        report.sort();
        (report, ws.files)
    });
    Ok(Outcome {
        report,
        files,
        rules,
    })
}
