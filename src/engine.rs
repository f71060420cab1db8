//! One lint run: config → rules → discover → load → judge → report.

use std::collections::BTreeMap;
use std::path::PathBuf;

use rayon::prelude::*;

use crate::config::{self, Config};
use crate::discover::{self, Candidate};
use crate::extract::rust::{self, Catalog, Extractor};
use crate::judge;
use crate::normalise;
use crate::report::Report;
use crate::rules::Rule;
use crate::source::SourceFile;
use crate::suppress;
use crate::triage;
use crate::usage_error::RuleError;
use crate::workspace::{scope, Scopes, Workspace};

mod cached;
mod load_file;
mod rule_set;

use load_file::{load_one, read_candidate, sort_loaded, sort_out_errors, unparsed, Loaded, Sorted};

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
    let rust = Extractor::new(&candidates, catalog, |c| read_candidate(c, root_max_size));
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

/// [`run`] with the command line's extras.
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
    // While the rules are loaded and the files listed (one thread), the cache's
    // shards are read and the configuration files' entries decoded ahead on the
    // other: every run loads all of those (Rust files, only their packages in
    // `--changed-only`).
    let cache_dir = cached::cache_dir(&configs, extras.cache);
    let listed = std::sync::atomic::AtomicBool::new(false);
    let (prepared, shards) = std::thread::scope(|s| {
        let reading = cache_dir.map(|dir| {
            s.spawn(|| {
                let mut shards = crate::cache::Unkeyed::read(dir);
                shards.decode_ahead(|path| !path.ends_with(".rs"), &listed);
                shards
            })
        });
        let prepared = prepare(options, extras, &mut configs);
        listed.store(true, std::sync::atomic::Ordering::Relaxed);
        (prepared, reading.and_then(|r| r.join().ok()))
    });
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
    let bar = extras
        .progress
        .then(|| crate::progress::files(candidates.len() as u64))
        .flatten();
    let config_of_file: Vec<usize> = candidates.iter().map(|c| c.config).collect();
    let graph_settings = crate::graph::Settings::of_all(&configs.list, &config_of_file);
    let (report, files, counted, platforms, graph) = pool.install(|| {
        let cache = cached::open_cache(&configs, shards);
        let cwd = std::env::current_dir().unwrap_or_default();
        let keys: Vec<String> = match &cache {
            Some(_) => candidates
                .par_iter()
                .map(|c| crate::cache::path_key(&c.path, &cwd))
                .collect(),
            None => Vec::new(),
        };
        let inputs_of = |c: &Candidate| cached::Inputs {
            rust: &rust,
            max_tokens: configs.list[c.config].max_rust_tokens(),
            max_size: configs.list[c.config].max_file_size(),
            lazy_rust: extras.changed.is_some(),
        };
        // Loading and linking hold freed pages (see `alloc::hold_freed_pages`).
        crate::alloc::hold_freed_pages();
        // Every file's text first (a manifest was read once already, for its package's
        // dependencies), so that out-of-line test modules are known before parsing;
        // a file whose `stat` vouches for its cache entry is not read.
        let now = std::time::SystemTime::now();
        let texts: Vec<cached::Input> = candidates
            .par_iter()
            .enumerate()
            .map(|(i, c)| {
                let read_text = || {
                    rust.manifest_text(i).unwrap_or_else(|| {
                        read_candidate(c, configs.list[c.config].max_file_size())
                    })
                };
                match &cache {
                    Some(cache) => {
                        cached::read(i, c, &inputs_of(c), (cache, &keys[i], now), read_text)
                    }
                    None => cached::Input::Text(read_text(), None),
                }
            })
            .collect();
        mark.at("read every file (or only stat it)");
        let views: Vec<Option<&str>> = texts.iter().map(cached::Input::text).collect();
        let suspects = Extractor::suspects(&candidates, &views);
        drop(views);
        let saved = std::sync::Mutex::new(Vec::new());
        let load = |i: usize, input: cached::Input| {
            let c = &candidates[i];
            let max_tokens = configs.list[c.config].max_rust_tokens();
            let max_size = configs.list[c.config].max_file_size();
            let parse = |text| load_one(i, c, text, &rust, (max_tokens, max_size));
            let item = match &cache {
                Some(cache) => {
                    let (item, kept) =
                        cached::load(i, c, input, &inputs_of(c), (cache, &keys[i]), parse);
                    if let Some(kept) = kept {
                        saved.lock().unwrap_or_else(|e| e.into_inner()).push(kept);
                    }
                    item
                }
                None => parse(input.into_text(c, configs.list[c.config].max_file_size())),
            };
            if let Some(bar) = &bar {
                bar.inc(1);
            }
            item
        };
        let (now, later): (Vec<_>, Vec<_>) = texts
            .into_iter()
            .enumerate()
            .partition(|(i, _)| !suspects.contains(i));
        let mut loaded: Vec<(usize, Loaded)> =
            now.into_par_iter().map(|(i, t)| (i, load(i, t))).collect();
        // Files that may be test modules: parsed only when the files declaring them
        // (all loaded now) do not mark them as test code.
        let test_files = Extractor::test_files(loaded.iter().filter_map(|(_, l)| match l {
            Loaded::Rust(_, f) => Some(&**f),
            _ => None,
        }));
        let rest: Vec<(usize, Loaded)> = later
            .into_par_iter()
            .map(|(i, t)| match test_files.contains(&candidates[i].path) {
                true => (
                    i,
                    unparsed(
                        &candidates[i],
                        t,
                        configs.list[candidates[i].config].max_file_size(),
                    ),
                ),
                false => (i, load(i, t)),
            })
            .collect();
        loaded.extend(rest);
        loaded.sort_by_key(|(i, _)| *i);
        if let Some(bar) = &bar {
            bar.finish_and_clear();
        }
        mark.at("load (cached or parsed)");
        // The cache is written beside the Rust link step (below), which is shorter
        // than the configuration's links in a warm run: the integration graph, later,
        // then has both threads for its parallel parts.
        let saved = saved.into_inner().unwrap_or_else(|e| e.into_inner());
        let save_cache = || {
            if let Some(cache) = &cache {
                // Only speed is lost when the cache cannot be written (a read-only tree).
                let _ = cache.save(saved, extras.changed.is_some());
            }
        };
        let Sorted {
            files,
            mut docs,
            load_errors,
            rust_facts,
        } = sort_loaded(loaded, &candidates, &mut errors);
        // Sorting out load errors and computing deployment scopes read only the
        // files: done at once; the configuration's links need the scopes, the Rust
        // link step (one package at a time, on one thread) nothing of theirs, so it
        // runs beside them, and so does the part of the integration graph that reads
        // only the configuration (Istio's is most of the graph, and parallel). The
        // linked Rust documents come after the configuration's, which the
        // configuration's links keep in their order.
        let ((linked, ()), (sorted, config_ws, link_errors, partial)) = rayon::join(
            || rayon::join(|| rust.link(rust_facts, &candidates), save_cache),
            || {
                let (sorted, scopes) = rayon::join(
                    || sort_out_errors(load_errors, &candidates, &files, &relevance),
                    || Scopes::compute(&files, &scope_globs),
                );
                let link_errors = normalise::link_scoped(&mut docs, &files, &scopes);
                let ws = Workspace::new(files, docs).with_scopes(scopes);
                let partial = crate::graph::build_configuration(&ws, &graph_settings);
                (sorted, ws, link_errors, partial)
            },
        );
        let (files, mut docs, scopes) = config_ws.into_parts();
        errors.extend(sorted.errors);
        skipped.extend(sorted.skipped);
        docs.extend(linked);
        errors.extend(link_errors);
        errors.extend(crate::istio::method_regex_errors(&docs, &files));
        mark.at("files sorted out, links, scopes, cache written, graph of the configuration");
        crate::alloc::stop_holding_freed_pages();
        let ws = Workspace::new(files, docs).with_scopes(scopes);
        // `--changed-only` reports only the changed files: only they are judged.
        let only = extras
            .changed
            .as_ref()
            .map(|changed| crate::changed::indices(&ws.files, changed));
        // The integration graph reads every layer; what it finds across layers goes
        // back into the documents the rules judge (credit, `cross` paths). Rules that
        // read none of that are judged while it is built (the graph is one thread).
        let after_graph: Vec<bool> = rules.iter().map(judge::reads_graph).collect();
        let before_graph: Vec<bool> = after_graph.iter().map(|g| !g).collect();
        // What reads only the graph (the `cross` path documents, end-to-end coverage)
        // is derived on the graph's side too. Only the judged files' documents need
        // what the graph found.
        let wanted = |file: usize| only.as_ref().is_none_or(|only| only.contains(&file));
        let ((graph, paths, end_to_end), first) = rayon::join(
            || {
                let graph = crate::graph::build_rest(&ws, &graph_settings, partial);
                let paths = crate::graph::docs::documents_with(
                    &graph,
                    &|file| graph_settings.max_tries_for(file),
                    &wanted,
                );
                let end_to_end = crate::graph::coverage::end_to_end(&graph);
                (graph, paths, end_to_end)
            },
            || judge::judge_part(&rules, &before_graph, &ws, levels.as_ref(), only.as_ref()),
        );
        mark.at("integration graph built, paths derived, rules without it judged");
        let (files, mut docs, scopes) = ws.into_parts();
        crate::graph::docs::annotate(&graph, &mut docs, &wanted);
        docs.extend(paths);
        mark.at("integration graph: credit");
        let ws = Workspace::new(files, docs).with_scopes(scopes);
        mark.at("integration graph: workspace indexed again");
        let second = judge::judge_part(&rules, &after_graph, &ws, levels.as_ref(), only.as_ref());
        let (findings, coverage, counted, unresolved) = judge::finish(vec![first, second]);
        mark.at("judge");
        let mut report = Report {
            end_to_end,
            findings,
            coverage,
            errors,
            files_scanned: candidates.len(),
            rules: rules.iter().map(rule_info).collect(),
            skipped,
            unresolved,
            ..Report::default()
        };
        // Sorted before identities are numbered and comments applied, so both are stable.
        report.sort();
        crate::identity::disambiguate(&mut report.findings);
        let known = rules.iter().map(|r| r.id.as_str()).collect();
        let judged = ws
            .files
            .iter()
            .enumerate()
            .filter(|(i, _)| only.as_ref().is_none_or(|only| only.contains(i)))
            .map(|(_, f)| f);
        let applied = suppress::apply(&mut report.findings, judged, &known);
        report.suppressed = applied.ignored.len();
        report.ignored = applied.ignored;
        report.ignore_problems = applied.problems;
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
