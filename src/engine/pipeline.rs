//! The stages of one run once the files are listed, each a function: read every
//! file (or vouch for it by its cache entry), load (decode or parse), link and
//! sort out, judge beside the integration graph, report. [`super::run_with`] calls
//! them in that order on the run's worker pool.

use std::sync::Mutex;

use rayon::prelude::*;

use super::cached;
use super::load_file::{load_one, read_candidate, sort_loaded, sort_out_errors, unparsed};
use super::load_file::{Loaded, Sorted};
use crate::cache::{Cache, Saved};
use crate::configs::Configs;
use crate::discover::Candidate;
use crate::extract::rust::Extractor;
use crate::graph::{Graph, Partial, Settings};
use crate::judge;
use crate::normalise;
use crate::report::{FileError, Report, Skipped};
use crate::rules::Rule;
use crate::suppress;
use crate::timing::Marks;
use crate::triage::Relevance;
use crate::workspace::{Scopes, Workspace};

/// What every stage reads: the listed files, their configurations, the Rust
/// extractor, the cache when there is one.
pub(super) struct Run<'a> {
    pub candidates: &'a [Candidate],
    pub configs: &'a Configs,
    pub rust: &'a Extractor,
    pub extras: &'a super::Extras,
    pub cache: Option<Cache>,
    /// Each candidate's key in the cache (empty without a cache).
    pub keys: Vec<String>,
    pub bar: Option<indicatif::ProgressBar>,
}

/// The files loaded, in candidate order, and what the next cache keeps of them.
pub(super) struct Loads {
    pub loaded: Vec<(usize, Loaded)>,
    pub saved: Vec<Saved>,
}

/// The workspace the rules judge (configuration documents linked, Rust documents
/// after them), and the part of the integration graph that reads only the
/// configuration.
pub(super) struct Linked {
    pub ws: Workspace,
    pub partial: Partial,
}

/// Coverage lines by category.
type Coverage = std::collections::BTreeMap<crate::report::Category, crate::report::CoverageLine>;

/// What judging found, with the graph it was judged beside.
pub(super) struct Judged {
    pub ws: Workspace,
    pub graph: Graph,
    pub end_to_end: Coverage,
    pub findings: Vec<crate::report::Finding>,
    pub coverage: Coverage,
    pub counted: Vec<judge::Counted>,
    pub unresolved: Vec<crate::report::Unresolved>,
    /// `--changed-only`: the files judged (only they are reported).
    pub only: Option<std::collections::HashSet<usize>>,
}

impl<'a> Run<'a> {
    /// The run's context on its worker pool: the cache opened from its shards and
    /// each candidate's key in it.
    pub fn new(
        candidates: &'a [Candidate],
        configs: &'a Configs,
        rust: &'a Extractor,
        extras: &'a super::Extras,
        shards: Option<crate::cache::Unkeyed>,
    ) -> Run<'a> {
        let cache = cached::open_cache(configs, shards);
        let cwd = std::env::current_dir().unwrap_or_default();
        let keys: Vec<String> = match &cache {
            Some(_) => candidates
                .par_iter()
                .map(|c| crate::cache::path_key(&c.path, &cwd))
                .collect(),
            None => Vec::new(),
        };
        let bar = extras
            .progress
            .then(|| crate::progress::files(candidates.len() as u64))
            .flatten();
        Run {
            candidates,
            configs,
            rust,
            extras,
            cache,
            keys,
            bar,
        }
    }

    fn max_size(&self, c: &Candidate) -> u64 {
        self.configs.list[c.config].max_file_size()
    }

    fn inputs_of(&self, c: &Candidate) -> cached::Inputs<'_> {
        cached::Inputs {
            rust: self.rust,
            max_tokens: self.configs.list[c.config].max_rust_tokens(),
            max_size: self.max_size(c),
            lazy_rust: self.extras.changed.is_some(),
        }
    }

    /// Every file's text first (a manifest was read once already, for its package's
    /// dependencies), so that out-of-line test modules are known before parsing; a
    /// file whose `stat` vouches for its cache entry is not read.
    pub fn read_all(&self) -> Vec<cached::Input> {
        let now = std::time::SystemTime::now();
        self.candidates
            .par_iter()
            .enumerate()
            .map(|(i, c)| {
                let read_text = || {
                    self.rust
                        .manifest_text(i)
                        .unwrap_or_else(|| read_candidate(c, self.max_size(c)))
                };
                match &self.cache {
                    Some(cache) => {
                        let at = (cache, self.keys[i].as_str(), now);
                        cached::read(i, c, &self.inputs_of(c), at, read_text)
                    }
                    None => cached::Input::Text(read_text(), None),
                }
            })
            .collect()
    }

    /// Candidate `i` decoded from the cache or parsed; what the next cache keeps of
    /// it goes to `saved`.
    fn load(&self, i: usize, input: cached::Input, saved: &Mutex<Vec<Saved>>) -> Loaded {
        let c = &self.candidates[i];
        let max_tokens = self.configs.list[c.config].max_rust_tokens();
        let parse = |text| load_one(i, c, text, self.rust, (max_tokens, self.max_size(c)));
        let item = match &self.cache {
            Some(cache) => {
                let at = (cache, self.keys[i].as_str());
                let (item, kept) = cached::load(i, c, input, &self.inputs_of(c), at, parse);
                if let Some(kept) = kept {
                    saved.lock().unwrap_or_else(|e| e.into_inner()).push(kept);
                }
                item
            }
            None => parse(input.into_text(c, self.max_size(c))),
        };
        if let Some(bar) = &self.bar {
            bar.inc(1);
        }
        item
    }

    /// Loads every file. Files that may be test modules are parsed only when the
    /// files declaring them (all loaded first) do not mark them as test code.
    pub fn load_all(&self, texts: Vec<cached::Input>) -> Loads {
        let views: Vec<Option<&str>> = texts.iter().map(cached::Input::text).collect();
        let suspects = Extractor::suspects(self.candidates, &views);
        drop(views);
        let saved = Mutex::new(Vec::new());
        let (now, later): (Vec<_>, Vec<_>) = texts
            .into_iter()
            .enumerate()
            .partition(|(i, _)| !suspects.contains(i));
        let mut loaded: Vec<(usize, Loaded)> = now
            .into_par_iter()
            .map(|(i, t)| (i, self.load(i, t, &saved)))
            .collect();
        let test_files = Extractor::test_files(loaded.iter().filter_map(|(_, l)| match l {
            Loaded::Rust(_, f) => Some(&**f),
            _ => None,
        }));
        let rest: Vec<(usize, Loaded)> = later
            .into_par_iter()
            .map(|(i, t)| {
                let c = &self.candidates[i];
                match Extractor::in_test_module(&c.path, &test_files) {
                    true => (i, unparsed(c, t, self.max_size(c))),
                    false => (i, self.load(i, t, &saved)),
                }
            })
            .collect();
        loaded.extend(rest);
        loaded.sort_by_key(|(i, _)| *i);
        if let Some(bar) = &self.bar {
            bar.finish_and_clear();
        }
        let saved = saved.into_inner().unwrap_or_else(|e| e.into_inner());
        Loads { loaded, saved }
    }

    /// Sorts out what was loaded and links it. Sorting out load errors and computing
    /// deployment scopes read only the files: done at once; the configuration's
    /// links need the scopes, the Rust link step (one package at a time, on one
    /// thread) nothing of theirs, so it runs beside them, and so do the cache's
    /// writing (shorter than the configuration's links in a warm run: the graph,
    /// later, then has both threads for its parallel parts) and the part of the
    /// integration graph that reads only the configuration (Istio's is most of the
    /// graph, and parallel). The linked Rust documents come after the
    /// configuration's, which the configuration's links keep in their order.
    pub fn link(
        &self,
        loads: Loads,
        (errors, skipped): (&mut Vec<FileError>, &mut Vec<Skipped>),
        (relevance, scope_globs, graph_settings): (&Relevance, &globset::GlobSet, &Settings),
    ) -> Linked {
        let Loads { loaded, saved } = loads;
        let save_cache = || {
            if let Some(cache) = &self.cache {
                // Only speed is lost when the cache cannot be written (a read-only tree).
                let _ = cache.save(saved, self.extras.changed.is_some());
            }
        };
        let candidates = self.candidates;
        let Sorted {
            files,
            mut docs,
            load_errors,
            rust_facts,
        } = sort_loaded(loaded, candidates, errors);
        let ((linked, ()), (sorted, config_ws, link_errors, partial)) = rayon::join(
            || rayon::join(|| self.rust.link(rust_facts, candidates), save_cache),
            || {
                let (sorted, scopes) = rayon::join(
                    || sort_out_errors(load_errors, candidates, &files, relevance),
                    || Scopes::compute(&files, scope_globs),
                );
                let link_errors = normalise::link_scoped(&mut docs, &files, &scopes);
                let ws = Workspace::new(files, docs).with_scopes(scopes);
                let partial = crate::graph::build_configuration(&ws, graph_settings);
                (sorted, ws, link_errors, partial)
            },
        );
        let (files, mut docs, scopes) = config_ws.into_parts();
        errors.extend(sorted.errors);
        skipped.extend(sorted.skipped);
        docs.extend(linked);
        errors.extend(link_errors);
        errors.extend(crate::istio::method_regex_errors(&docs, &files));
        let ws = Workspace::new(files, docs).with_scopes(scopes);
        Linked { ws, partial }
    }
}

/// Judges the workspace. The integration graph reads every layer; what it finds
/// across layers goes back into the documents the rules judge (credit, `cross`
/// paths). Rules that read none of that are judged while it is built (the graph
/// is one thread); what reads only the graph (the `cross` path documents,
/// end-to-end coverage) is derived on the graph's side too. Only the judged files'
/// documents need what the graph found; `--changed-only` judges only the changed
/// files.
pub(super) fn judge(
    linked: Linked,
    (rules, levels): (&[Rule], Option<&judge::Levels>),
    changed: Option<&Vec<std::path::PathBuf>>,
    graph_settings: &Settings,
    mark: &Marks,
) -> Judged {
    let Linked { ws, partial } = linked;
    let only = changed.map(|changed| crate::changed::indices(&ws.files, changed));
    let after_graph: Vec<bool> = rules.iter().map(judge::reads_graph).collect();
    let before_graph: Vec<bool> = after_graph.iter().map(|g| !g).collect();
    let wanted = |file: usize| only.as_ref().is_none_or(|only| only.contains(&file));
    let ((graph, paths, end_to_end), first) = rayon::join(
        || {
            let graph = crate::graph::build_rest(&ws, graph_settings, partial);
            let paths = crate::graph::docs::documents_with(
                &graph,
                &|file| graph_settings.max_tries_for(file),
                &wanted,
            );
            let end_to_end = crate::graph::coverage::end_to_end(&graph);
            (graph, paths, end_to_end)
        },
        || judge::judge_part(rules, &before_graph, &ws, levels, only.as_ref()),
    );
    mark.at("integration graph built, paths derived, rules without it judged");
    let (files, mut docs, scopes) = ws.into_parts();
    crate::graph::docs::annotate(&graph, &mut docs, &wanted);
    docs.extend(paths);
    mark.at("integration graph: credit");
    let ws = Workspace::new(files, docs).with_scopes(scopes);
    mark.at("integration graph: workspace indexed again");
    let second = judge::judge_part(rules, &after_graph, &ws, levels, only.as_ref());
    let (findings, coverage, counted, unresolved) = judge::finish(vec![first, second]);
    mark.at("judge");
    Judged {
        ws,
        graph,
        end_to_end,
        findings,
        coverage,
        counted,
        unresolved,
        only,
    }
}

/// The report of what was judged: sorted before identities are numbered and
/// comments applied, so both are stable. Returns it with the workspace's files.
pub(super) fn report(
    judged: Judged,
    rules: &[Rule],
    files_scanned: usize,
    (errors, skipped): (Vec<FileError>, Vec<Skipped>),
) -> (Report, Workspace, Graph, Vec<judge::Counted>) {
    let Judged {
        ws,
        graph,
        end_to_end,
        findings,
        coverage,
        counted,
        unresolved,
        only,
    } = judged;
    let mut report = Report {
        end_to_end,
        findings,
        coverage,
        errors,
        files_scanned,
        rules: rules.iter().map(super::rule_info).collect(),
        skipped,
        unresolved,
        ..Report::default()
    };
    report.sort();
    crate::identity::disambiguate(&mut report.findings);
    let known = rules.iter().map(|r| r.id.as_str()).collect();
    let judged_files = ws
        .files
        .iter()
        .enumerate()
        .filter(|(i, _)| only.as_ref().is_none_or(|only| only.contains(i)))
        .map(|(_, f)| f);
    let applied = suppress::apply(&mut report.findings, judged_files, &known);
    report.suppressed = applied.ignored.len();
    report.ignored = applied.ignored;
    report.ignore_problems = applied.problems;
    (report, ws, graph, counted)
}
