//! One lint run: config → rules → discover → load → judge → report.

use std::collections::BTreeMap;
use std::path::PathBuf;

use crate::config::{self, Config};
use crate::discover::{self, Candidate};
use crate::extract::rust::{self, Catalog, Extractor};
use crate::judge;
use crate::report::Report;
use crate::rules::Rule;
use crate::source::SourceFile;
use crate::triage;
use crate::usage_error::RuleError;
use crate::workspace::{scope, Workspace};

mod cached;
mod load_file;
mod pipeline;
mod rule_set;

use load_file::read_candidate;

pub use rule_set::{all_rules, levels, load_rules, rule_info};

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
    /// Every integration point counted for coverage (indices into `files`), for `--show-covered`.
    pub counted: Vec<judge::Counted>,
    /// Coverage gates from the configuration's `[coverage]` table.
    pub min_coverage: BTreeMap<crate::report::Category, f64>,
    /// The platforms of the documents read (`kubernetes`, `rust`, ...), for `init`.
    pub platforms: std::collections::BTreeSet<&'static str>,
    /// Warnings about the configuration (a nested `resilint.toml` setting a run-wide
    /// key), for stderr.
    pub notes: Vec<String>,
    /// The integration graph (`resilint map`), findings not yet attached.
    pub graph: crate::graph::Graph,
}

/// The API catalogue for Rust sources: built in plus `apis/` of the config's rule
/// directories ([`rust::apis::load`]: the Rust extractor owns its catalogue).
pub fn load_catalog(config: &Config) -> Result<Catalog, RuleError> {
    rust::apis::load(&config.base, &config.rule_dirs)
}

/// The `scopes` globs of the config, or the default environment directories.
fn scope_globs(config: &Config) -> Result<globset::GlobSet, RuleError> {
    let patterns = config
        .scopes
        .clone()
        .unwrap_or_else(|| scope::DEFAULT_SCOPES.map(String::from).to_vec());
    scope::compile(&patterns).map_err(|message| RuleError {
        path: if config.source.is_empty() {
            config::FILE_NAME.into()
        } else {
            config.source.clone()
        },
        line: None,
        column: None,
        message,
    })
}

pub fn resolve_config(options: &Options) -> Result<Config, RuleError> {
    let path = match &options.config {
        Some(p) => Some(p.clone()),
        // Standard input (`-`) is linted as if it were in the working directory.
        None => config::find(
            options
                .paths
                .first()
                .filter(|p| !discover::is_stdin(p))
                .map_or(std::path::Path::new("."), |p| p.as_path()),
        ),
    };
    let origin = if options.config.is_some() {
        config::Origin::Explicit
    } else {
        config::Origin::Discovered
    };
    match path {
        Some(p) => config::load(&p, origin),
        None => Ok(Config::default()),
    }
}

/// Whether the process exits as soon as the run's answer is written (the command
/// line says so, [`exit_after_run`]).
static EXITING: std::sync::atomic::AtomicBool = std::sync::atomic::AtomicBool::new(false);

/// Declares that the process exits once the run's answer is written: what a run
/// holds at its end (a large tree's documents, facts and graph: tens of
/// milliseconds of CPU to free piece by piece, a tenth of a warm pre-commit run) is
/// then left for the exit to give back at once ([`release`]).
pub fn exit_after_run() {
    EXITING.store(true, std::sync::atomic::Ordering::Relaxed);
}

/// Frees `value`, or leaves it to the process's exit (see [`exit_after_run`]).
pub fn release<T>(value: T) {
    if EXITING.load(std::sync::atomic::Ordering::Relaxed) {
        std::mem::forget(value);
    } else {
        drop(value);
    }
}

/// Frees `value` on a detached thread, or leaves it to the process's exit (see
/// [`exit_after_run`]). The facts and documents of a large tree take tens of
/// milliseconds to free on one thread, at the very end of a run when nothing reads
/// them any more: the report need not wait for that.
fn drop_in_background<T: Send + 'static>(value: T) {
    if EXITING.load(std::sync::atomic::Ordering::Relaxed) {
        std::mem::forget(value);
        return;
    }
    // When no thread can be started, `spawn` drops the closure, and `value` with it.
    let _ = std::thread::Builder::new()
        .name("resilint-drop".into())
        .spawn(move || drop(value));
}

/// Runs the linter. `Err` is a usage error (exit 2).
pub fn run(options: &Options) -> Result<Outcome, RuleError> {
    run_with(options, &Extras::default())
}

/// What a command-line run adds to [`Options`].
#[derive(Debug, Clone, Default)]
pub struct Extras {
    /// Only the rules this leaves active run (`--select`, `--ignore`).
    pub selection: crate::select::Selection,
    /// A progress bar may be drawn on stderr (see [`crate::progress`]).
    pub progress: bool,
    /// `--changed-only`: Rust is read only in the packages of these files
    /// (configuration is read in full); see [`crate::changed`].
    pub changed: Option<Vec<PathBuf>>,
    /// `--force-include`: files named on the command line are linted even when
    /// `include`/`exclude` leave them out.
    pub force_include: bool,
    /// Use the per-file cache (the command line's default; `--no-cache` clears it).
    pub cache: bool,
    /// The integration graph is drawn (`map`, `--format html`): every package serving
    /// routes is a service on it, so the Rust routes are linked whatever the rules read.
    pub draws_graph: bool,
}

/// What a run knows before it reads a file: the files, the rules, the extractor.
struct Prepared {
    candidates: Vec<Candidate>,
    errors: Vec<crate::report::FileError>,
    skipped: Vec<crate::report::Skipped>,
    rules: Vec<Rule>,
    levels: Option<judge::Levels>,
    scope_globs: globset::GlobSet,
    rust: Extractor,
}

/// Loads the rules and the API catalogue, lists the files (finding the nested
/// configurations) and finds the Rust packages.
fn prepare(
    options: &Options,
    extras: &Extras,
    configs: &mut crate::configs::Configs,
) -> Result<Prepared, RuleError> {
    let all = extras.selection.apply(all_rules(configs.root())?)?;
    let scope_globs = scope_globs(configs.root())?;
    let catalog = load_catalog(configs.root())?;
    let found = discover::discover_with(&options.paths, configs, extras.force_include)?;
    let candidates = match &extras.changed {
        Some(changed) => crate::changed::restrict_rust(found.files, changed),
        None => found.files,
    };
    let (rules, levels) = per_file_levels(all, configs, &candidates)?;
    let root_max_size = configs.root().max_file_size();
    let mut rust = Extractor::new(&candidates, catalog, |c| read_candidate(c, root_max_size));
    let routes_read = rules.iter().any(|r| judge::reads_rust_section(r, "routes"));
    rust.link_routes(routes_read || extras.draws_graph);
    Ok(Prepared {
        candidates,
        errors: found.errors,
        skipped: found.skipped,
        rules,
        levels,
        scope_globs,
        rust,
    })
}

/// [`run`] with the command line's extras: the files listed, then the stages of
/// [`pipeline`] on the run's worker pool.
pub fn run_with(options: &Options, extras: &Extras) -> Result<Outcome, RuleError> {
    for p in &options.paths {
        if !p.exists() && !discover::is_stdin(p) {
            return Err(RuleError {
                path: p.to_string_lossy().into_owned(),
                line: None,
                column: None,
                message: "no such file or directory".into(),
            });
        }
    }
    let mark = crate::timing::Marks::from_env();
    let mut configs = crate::configs::Configs::resolve(&options.paths, options.config.as_deref())?;
    let (prepared, shards) = prepare_reading_cache(options, extras, &mut configs);
    let Prepared {
        candidates,
        mut errors,
        mut skipped,
        rules,
        levels,
        scope_globs,
        rust,
    } = prepared?;
    let relevance = triage::Relevance::new(&rules);
    mark.at("discover");
    let pool = worker_pool(options.threads)?;
    let config_of_file: Vec<usize> = candidates.iter().map(|c| c.config).collect();
    let graph_settings = crate::graph::Settings::of_all(&configs.list, &config_of_file);
    let (report, files, counted, platforms, graph) = pool.install(|| {
        let run = pipeline::Run::new(&candidates, &configs, &rust, extras, shards);
        // Loading holds freed pages (see `alloc::hold_freed_pages`). Linking does not:
        // it frees each package's facts as it goes, and the run peaks there (a 1M-line
        // tree's peak was 5 MB lower for a link step of 2% of the run).
        crate::alloc::hold_freed_pages();
        let texts = run.read_all();
        mark.at("read every file (or only stat it)");
        let loads = run.load_all(texts);
        mark.at("load (cached or parsed)");
        crate::alloc::stop_holding_freed_pages();
        let sorting = (&mut errors, &mut skipped);
        let linked = run.link(loads, sorting, (&relevance, &scope_globs, &graph_settings));
        mark.at("files sorted out, links, scopes, cache written, graph of the configuration");
        let changed = extras.changed.as_ref();
        let judged = pipeline::judge(
            linked,
            (&rules, levels.as_ref()),
            changed,
            &graph_settings,
            &mark,
        );
        let (report, ws, graph, counted) =
            pipeline::report(judged, &rules, candidates.len(), (errors, skipped));
        mark.at("sort, identities, suppressions");
        let Workspace { files, docs, .. } = ws;
        let platforms = docs.iter().map(|d| d.meta.platform.name()).collect();
        drop_in_background(docs);
        (report, files, counted, platforms, graph)
    });
    let min_coverage = configs
        .root()
        .coverage
        .iter()
        .map(|(c, v)| (*c, *v.get_ref()))
        .collect();
    Ok(Outcome {
        report,
        files,
        rules,
        counted,
        min_coverage,
        platforms,
        notes: configs.ignored_keys(),
        graph,
    })
}

/// [`prepare`], while the cache's shards are read and the configuration files'
/// entries decoded ahead on another thread: every run loads all of those (Rust
/// files, only their packages in `--changed-only`).
fn prepare_reading_cache(
    options: &Options,
    extras: &Extras,
    configs: &mut crate::configs::Configs,
) -> (Result<Prepared, RuleError>, Option<crate::cache::Unkeyed>) {
    let cache_dir = cached::cache_dir(configs, extras.cache);
    let listed = std::sync::atomic::AtomicBool::new(false);
    std::thread::scope(|s| {
        let reading = cache_dir.map(|dir| {
            s.spawn(|| {
                let mut shards = crate::cache::Unkeyed::read(dir);
                shards.decode_ahead(|path| !path.ends_with(".rs"), &listed);
                shards
            })
        });
        let prepared = prepare(options, extras, configs);
        listed.store(true, std::sync::atomic::Ordering::Relaxed);
        (prepared, reading.and_then(|r| r.join().ok()))
    })
}

/// The run's worker threads (`None`: one per core), with stacks deep enough for
/// the parsers and visitors that recurse on nested input.
fn worker_pool(threads: Option<usize>) -> Result<rayon::ThreadPool, RuleError> {
    rayon::ThreadPoolBuilder::new()
        .num_threads(threads.unwrap_or(0))
        .stack_size(WORKER_STACK)
        .build()
        .map_err(|e| RuleError {
            path: "--threads".into(),
            line: None,
            column: None,
            message: format!("cannot start worker threads: {e}"),
        })
}

/// The rules to judge (those on in at least one configuration, at the root
/// configuration's level where it has one) and, when several configurations govern
/// the run, each file's levels.
fn per_file_levels(
    all: Vec<Rule>,
    configs: &crate::configs::Configs,
    candidates: &[Candidate],
) -> Result<(Vec<Rule>, Option<judge::Levels>), RuleError> {
    let table = configs
        .list
        .iter()
        .map(|c| levels(c, &all))
        .collect::<Result<Vec<_>, _>>()?;
    let on: Vec<bool> = (0..all.len())
        .map(|i| table.iter().any(|t| t[i].is_some()))
        .collect();
    let rules: Vec<Rule> = all
        .into_iter()
        .enumerate()
        .filter(|(i, _)| on[*i])
        .map(|(i, mut rule)| {
            if let Some(severity) = table.iter().find_map(|t| t[i]) {
                rule.severity = severity;
            }
            rule
        })
        .collect();
    if table.len() == 1 {
        return Ok((rules, None));
    }
    let table = table
        .into_iter()
        .map(|t| {
            t.into_iter()
                .enumerate()
                .filter(|(i, _)| on[*i])
                .map(|(_, level)| level)
                .collect()
        })
        .collect();
    let levels = judge::Levels {
        of_file: candidates.iter().map(|c| c.config).collect(),
        table,
    };
    Ok((rules, Some(levels)))
}
