//! The routes catalogue (`rules/apis/routes/routes.toml`): which calls register routes, which
//! methods are judged, what counts as an idempotency key. Data, so a user can extend it.

use std::collections::{BTreeMap, HashSet};
use std::sync::OnceLock;

use serde::Deserialize;

mod matching;
mod paths;
mod writes;
pub(crate) use matching::{find_word, glob_match, phrase_in, NameSet};
use matching::{glob, longest_word, AnyWord, Pattern};
pub use writes::Writes;

/// The built-in catalogue, embedded at build time.
const BUILTIN: &str = include_str!("../../../../rules/apis/routes/routes.toml");

/// What `summarize` looks for. Every list is plain names; see the built-in file for
/// the meaning of each key. Every key is optional, so a user's file can name only
/// what it adds (`[evidence] layers = ["AcmeDedupLayer"]`) and be [`extend`]ed into
/// the built-in catalogue; unknown keys are errors.
///
/// [`extend`]: RoutesCatalog::extend
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields, rename_all = "kebab-case", default)]
pub struct RoutesCatalog {
    /// HTTP methods whose routes are subjects (default POST, PATCH).
    pub subject_methods: Vec<String>,
    /// Method-naming function/attribute names (lowercase) → HTTP method.
    pub methods: BTreeMap<String, String>,
    /// Registration shapes per framework.
    pub frameworks: Frameworks,
    /// What counts as reading an idempotency key.
    pub evidence: Evidence,
    /// CORS configuration, whose header lists are not key checks.
    pub cors: Cors,
    /// What counts as a write: a POST/PATCH route whose handler shows none (in its
    /// body or two calls down) is not a subject.
    pub writes: Writes,
    /// Routes with one of these among the literal segments of their path (anywhere,
    /// `{param}`s aside) are not subjects: sign-in, session, OAuth and token endpoints
    /// (a retried login is harmless: `/opaque/login/finish`, `/session/begin`), GraphQL
    /// endpoints (their POST carries queries too), webhook receivers (`/webhook/stripe`,
    /// `/github-hook`). Compared case-insensitively; a `*` stands for any text.
    pub ignore_path_segments: Vec<String>,
    /// Routes whose path ends in one of these segments are not subjects: queries sent
    /// as POST because their body is the query (`/points/search`). Only the last
    /// segment: `/search/reindex` writes. Compared case-insensitively, ignoring a
    /// trailing `/`.
    pub ignore_last_segments: Vec<String>,
    /// Routes whose path ends in one of these `/`-separated endings are not subjects:
    /// the intake of a push protocol someone else defines (OTLP's `v1/logs`, Loki's
    /// `loki/api/v1/push`, Prometheus remote write's `api/v1/write`, Elasticsearch's
    /// `_bulk`), whose clients (collectors, agents, SDKs) send no idempotency key and
    /// deliver telemetry at least once by the protocol's own terms. Each segment is
    /// compared case-insensitively with the path's, a `*` matching any one.
    pub ignore_path_endings: Vec<String>,
    /// Routes whose path ends in a path parameter and then a segment whose first or last
    /// word is one of these (`/models/{id}/retrain`, `/runs/{id}/retry`,
    /// `/crates/{name}/{version}/rebuild_docs`) are not subjects: an action that runs the
    /// job of an existing resource again, on demand, whose repeat is one more run, which
    /// is what the action asks for. Words are split at `_` and `-`, compared
    /// case-insensitively.
    #[serde(default)]
    pub rerun_actions: Vec<String>,
    /// Skip `#[cfg(test)]` items and `#[test]` functions (default true). A setting
    /// rather than catalogue data: the integrator may set it from the configuration.
    #[serde(default = "yes")]
    pub skip_test_code: bool,
    /// Name sets derived from the lists above, built once per catalogue.
    #[serde(skip)]
    names: OnceLock<Names>,
}

/// Lookup sets for the summarizer (see [`interesting`] and [`triggers`]).
#[derive(Debug, Clone)]
pub(crate) struct Names {
    pub interesting: NameSet,
    pub triggers: NameSet,
    /// `writes.calls` entries without a `*`, and the `verb_*` ones by their first word.
    write_calls: NameSet,
    write_verbs: NameSet,
    /// Any other `*` entry, matched by prefix.
    write_prefixes: Vec<String>,
    /// The shape of each `writes.new_ids` entry, looked up for every path call of every
    /// body: found once here rather than by splitting the entry each time.
    new_id_kinds: Vec<Pattern>,
    /// The longest word of each `writes.sql` phrase: a literal holding none of them,
    /// case aside, holds no write statement (most literals are messages and names).
    sql_words: AnyWord,
    /// `cors.methods`, `evidence.storage-calls`, `writes.upsert-calls`,
    /// `writes.not-writes` and `evidence.key-fields` as sets: every call of every body
    /// is looked up in each (neon: 62.6k calls), and a list is compared a name at a
    /// time.
    pub cors_methods: NameSet,
    pub storage_calls: NameSet,
    pub upsert_calls: NameSet,
    pub not_writes: NameSet,
    pub key_fields: NameSet,
}

/// A list's names as a [`NameSet`]: `contains` answers as [`has`] does.
fn set(list: &[String]) -> NameSet {
    list.iter().cloned().collect::<HashSet<String>>().into()
}

fn yes() -> bool {
    true
}

impl Default for RoutesCatalog {
    /// Empty lists, test code skipped: the base a partial file is read onto.
    fn default() -> Self {
        RoutesCatalog {
            subject_methods: Vec::new(),
            ignore_path_segments: Vec::new(),
            ignore_last_segments: Vec::new(),
            ignore_path_endings: Vec::new(),
            rerun_actions: Vec::new(),
            methods: BTreeMap::new(),
            frameworks: Frameworks::default(),
            evidence: Evidence::default(),
            cors: Cors::default(),
            writes: Writes::default(),
            skip_test_code: true,
            names: OnceLock::new(),
        }
    }
}

#[derive(Debug, Clone, Default, Deserialize)]
#[serde(deny_unknown_fields, rename_all = "kebab-case", default)]
pub struct Frameworks {
    pub crates: Vec<String>,
    pub modules: Vec<String>,
    pub method_attributes: Vec<String>,
    pub route_attributes: Vec<String>,
    pub openapi_attributes: Vec<String>,
    pub method_filter_functions: Vec<String>,
    pub method_setters: Vec<String>,
    pub scope_constructors: Vec<String>,
    pub route_calls: Vec<String>,
    pub nest_calls: Vec<String>,
    pub handler_calls: Vec<String>,
    pub filter_joins: Vec<String>,
    pub filter_splits: Vec<String>,
    pub path_filters: Vec<String>,
    pub header_filters: Vec<String>,
    pub registration_macros: Vec<String>,
    pub ordered_layer_methods: Vec<String>,
    pub wrap_methods: Vec<String>,
    pub middleware_functions: Vec<String>,
}

#[derive(Debug, Clone, Default, Deserialize)]
#[serde(deny_unknown_fields, rename_all = "kebab-case", default)]
pub struct Evidence {
    pub key_headers: Vec<String>,
    pub key_fields: Vec<String>,
    pub key_extractors: Vec<String>,
    pub extractor_traits: Vec<String>,
    pub middleware_traits: Vec<String>,
    pub layers: Vec<String>,
    pub storage_calls: Vec<String>,
    /// Server-side timeout layers: one with a duration always set on a router bounds
    /// every request it serves (and the calls a request makes).
    pub request_timeout_layers: Vec<String>,
}

#[derive(Debug, Clone, Default, Deserialize)]
#[serde(deny_unknown_fields, rename_all = "kebab-case", default)]
pub struct Cors {
    pub types: Vec<String>,
    pub methods: Vec<String>,
}

/// Adds to a catalogue list the entries of another (a user's file) it lacks, in
/// their order: [`RoutesCatalog::extend`] makes unions of lists.
fn add(into: &mut Vec<String>, from: Vec<String>) {
    for x in from {
        if !into.contains(&x) {
            into.push(x);
        }
    }
}

impl RoutesCatalog {
    /// Parses a catalogue file; the error carries `toml`'s line and column.
    pub fn from_toml(text: &str) -> Result<Self, String> {
        let mut cat: RoutesCatalog = toml::from_str(text).map_err(|e| e.to_string())?;
        cat.normalize();
        Ok(cat)
    }

    /// The catalogue compiled into the binary.
    pub fn builtin() -> Self {
        Self::from_toml(BUILTIN)
            .unwrap_or_else(|e| panic!("built-in rules/apis/routes/routes.toml: {e}"))
    }

    /// Adds the entries of `other` (a user's `apis/` file) to this catalogue; lists are
    /// unions, `methods` entries of `other` win, `skip-test-code` is `other`'s.
    pub fn extend(&mut self, other: RoutesCatalog) {
        self.skip_test_code = other.skip_test_code;
        add(&mut self.subject_methods, other.subject_methods);
        add(&mut self.ignore_path_segments, other.ignore_path_segments);
        add(&mut self.ignore_last_segments, other.ignore_last_segments);
        add(&mut self.ignore_path_endings, other.ignore_path_endings);
        add(&mut self.rerun_actions, other.rerun_actions);
        self.methods.extend(other.methods);
        let (f, o) = (&mut self.frameworks, other.frameworks);
        add(&mut f.crates, o.crates);
        add(&mut f.modules, o.modules);
        add(&mut f.method_attributes, o.method_attributes);
        add(&mut f.route_attributes, o.route_attributes);
        add(&mut f.openapi_attributes, o.openapi_attributes);
        add(&mut f.method_filter_functions, o.method_filter_functions);
        add(&mut f.method_setters, o.method_setters);
        add(&mut f.scope_constructors, o.scope_constructors);
        add(&mut f.route_calls, o.route_calls);
        add(&mut f.nest_calls, o.nest_calls);
        add(&mut f.handler_calls, o.handler_calls);
        add(&mut f.filter_joins, o.filter_joins);
        add(&mut f.filter_splits, o.filter_splits);
        add(&mut f.path_filters, o.path_filters);
        add(&mut f.header_filters, o.header_filters);
        add(&mut f.registration_macros, o.registration_macros);
        add(&mut f.ordered_layer_methods, o.ordered_layer_methods);
        add(&mut f.wrap_methods, o.wrap_methods);
        add(&mut f.middleware_functions, o.middleware_functions);
        let (e, o) = (&mut self.evidence, other.evidence);
        add(&mut e.key_headers, o.key_headers);
        add(&mut e.key_fields, o.key_fields);
        add(&mut e.key_extractors, o.key_extractors);
        add(&mut e.extractor_traits, o.extractor_traits);
        add(&mut e.middleware_traits, o.middleware_traits);
        add(&mut e.layers, o.layers);
        add(&mut e.storage_calls, o.storage_calls);
        add(&mut e.request_timeout_layers, o.request_timeout_layers);
        self.writes.extend(other.writes);
        add(&mut self.cors.types, other.cors.types);
        add(&mut self.cors.methods, other.cors.methods);
        self.normalize();
    }

    pub(crate) fn names(&self) -> &Names {
        self.names.get_or_init(|| {
            let (mut exact, mut verbs, mut prefixes) = (HashSet::new(), HashSet::new(), Vec::new());
            for c in &self.writes.calls {
                match c.strip_suffix('*') {
                    None => {
                        exact.insert(c.clone());
                    }
                    Some(p) if p.ends_with('_') && p.matches('_').count() == 1 => {
                        verbs.insert(p.to_string());
                    }
                    Some(p) => prefixes.push(p.to_string()),
                }
            }
            Names {
                interesting: interesting(self).into(),
                triggers: triggers(self).into(),
                write_calls: exact.into(),
                write_verbs: verbs.into(),
                write_prefixes: prefixes,
                new_id_kinds: self.writes.new_ids.iter().map(|e| Pattern::of(e)).collect(),
                sql_words: AnyWord::new(self.writes.sql.iter().map(|q| longest_word(q)).collect()),
                cors_methods: set(&self.cors.methods),
                storage_calls: set(&self.evidence.storage_calls),
                upsert_calls: set(&self.writes.upsert_calls),
                not_writes: set(&self.writes.not_writes),
                key_fields: set(&self.evidence.key_fields),
            }
        })
    }

    fn normalize(&mut self) {
        self.names = OnceLock::new();
        for m in &mut self.subject_methods {
            *m = m.to_ascii_uppercase();
        }
        self.methods = std::mem::take(&mut self.methods)
            .into_iter()
            .map(|(k, v)| (k.to_ascii_lowercase(), v.to_ascii_uppercase()))
            .collect();
        for h in &mut self.evidence.key_headers {
            *h = h.trim().to_ascii_lowercase();
        }
        let w = &mut self.writes;
        for q in w
            .sql
            .iter_mut()
            .chain(&mut w.sql_upserts)
            .chain(&mut w.sql_sets)
        {
            *q = q.trim().to_ascii_lowercase();
        }
        for k in &mut w.sql_set_keeps {
            *k = k.trim().to_ascii_lowercase();
        }
    }

    /// A call of this name writes (`insert`, `execute`, `create_*`).
    /// Looked up for every call of every body: hashed sets, not the list.
    pub(crate) fn is_write_call(&self, name: &str) -> bool {
        let n = self.names();
        n.write_calls.contains(name)
            || name
                .find('_')
                .is_some_and(|i| i + 1 < name.len() && n.write_verbs.contains(&name[..=i]))
            || n.write_prefixes
                .iter()
                .any(|p| name.len() > p.len() && name.starts_with(p.as_str()))
    }

    /// `name` matches a `deletes` entry (`delete_with`).
    pub(crate) fn is_delete(&self, name: &str) -> bool {
        self.writes.deletes.iter().any(|p| glob(p, name))
    }

    /// `name` (a bare name) matches a bare `sets` entry (`set_client_id`).
    pub(crate) fn is_set(&self, name: &str) -> bool {
        self.writes
            .sets
            .iter()
            .any(|p| !p.contains("::") && glob(p, name))
    }

    /// `ty` (a type's last segment, or `oneshot::Sender`) lives in memory: an
    /// `in-memory-types` entry, or a type named after one, its name ending in a
    /// capitalised entry (`FxHashMap`, openobserve's alias `RwHashMap` of a `DashMap`).
    pub(crate) fn is_in_memory(&self, ty: &str) -> bool {
        self.writes.in_memory_types.iter().any(|t| {
            ty == t
                || (t.starts_with(|c: char| c.is_ascii_uppercase())
                    && ty.len() > t.len()
                    && ty.ends_with(t.as_str())
                    && !ty.contains("::"))
        })
    }

    /// `ty` hands out parts of itself that live in memory too (`in-memory-registries`).
    pub(crate) fn is_registry(&self, ty: &str) -> bool {
        self.writes.in_memory_registries.iter().any(|t| t == ty)
    }

    /// `ty` holds another value for sharing or for the process (`in-memory-holders`).
    pub(crate) fn is_holder(&self, ty: &str) -> bool {
        self.writes.in_memory_holders.iter().any(|t| t == ty)
    }

    /// `call` (`Type::m`) is a `sets` entry (`ActiveModel::update`).
    pub(crate) fn is_typed_set(&self, call: &str) -> bool {
        self.writes.sets.iter().any(|p| p == call)
    }

    /// `name` is a `read-requests` entry, case aside (`get`, `GET`).
    pub(crate) fn is_read_request(&self, name: &str) -> bool {
        self.writes
            .read_requests
            .iter()
            .any(|r| r.eq_ignore_ascii_case(name))
    }

    /// `name` answers rather than acts, by its name alone: a `stub-reads` or
    /// `lookups` entry (`get_o2_config`, `check_license`, `find_by_id`).
    pub(crate) fn is_read_name(&self, name: &str) -> bool {
        let w = &self.writes;
        w.stub_reads.iter().chain(&w.lookups).any(|p| glob(p, name))
    }

    /// `name` computes what a reconcile must add: a `diff-calls` entry.
    pub(crate) fn is_diff_call(&self, name: &str) -> bool {
        self.writes.diff_calls.iter().any(|p| glob(p, name))
    }

    /// `name` matches a `repeat-harmless` entry (`send_*_update`).
    pub(crate) fn repeat_harmless(&self, name: &str) -> bool {
        self.writes.repeat_harmless.iter().any(|p| glob(p, name))
    }

    /// Whether `name` (a function's last segment) makes an id for telemetry or for a
    /// message sent out, not for a record (`generate_trace_id`, `generate_activity_id`:
    /// the catalogue's `telemetry-ids` and `message-ids`).
    pub(crate) fn telemetry_id(&self, name: &str) -> bool {
        let name = name.rsplit("::").next().unwrap_or(name);
        let w = &self.writes;
        (w.telemetry_ids.iter().chain(&w.message_ids)).any(|t| glob(t, name))
    }

    /// The catalogue identity generator a call `qualifier::name(..)` is, if it is one.
    pub(crate) fn new_id(&self, qualifier: Option<&str>, name: &str) -> Option<&str> {
        let kinds = &self.names().new_id_kinds;
        // Most calls match no generator: the telemetry and message names, which
        // overrule a match, are asked only of a match.
        self.writes
            .new_ids
            .iter()
            .zip(kinds)
            .find(|(e, kind)| match kind {
                Pattern::Typed(at) => &e[at + 2..] == name && qualifier == Some(&e[..*at]),
                Pattern::Exact => *e == name,
                Pattern::Glob => glob(e, name),
            })
            .filter(|_| !self.telemetry_id(name))
            .map(|(e, _)| e.as_str())
    }

    /// The SQL phrase a string literal contains, if it is a write statement
    /// (`INSERT INTO`, `UPDATE .. SET`, `DELETE FROM`), and what a repeat of it does.
    pub(crate) fn write_sql(&self, text: &str) -> Option<(&str, super::sql::SqlWrite)> {
        // Statements have a space; most literals (names, paths, messages) are skipped
        // before any lowercasing.
        if text.len() < 6 || !text.contains(char::is_whitespace) {
            return None;
        }
        if !self.names().sql_words.in_text(text) {
            return None;
        }
        super::sql::classify(&self.writes, &text.to_ascii_lowercase())
    }

    /// The HTTP method a function, method or attribute name stands for.
    pub(crate) fn method_of(&self, name: &str) -> Option<&str> {
        self.methods.get(name).map(String::as_str)
    }

    /// The HTTP method an uppercase or capitalised constant names (`POST`, `Post`).
    pub(crate) fn method_constant(&self, name: &str) -> Option<&str> {
        let upper = name.to_ascii_uppercase();
        self.methods
            .values()
            .find(|m| **m == upper)
            .map(String::as_str)
    }

    pub(crate) fn is_subject(&self, method: &str) -> bool {
        self.subject_methods.iter().any(|m| m == method)
    }

    pub(crate) fn is_key_header(&self, text: &str) -> bool {
        let t = text.trim();
        self.evidence
            .key_headers
            .iter()
            .any(|h| h.eq_ignore_ascii_case(t))
    }
}

pub(crate) use crate::extract::rust::catalog::has;

/// A `::`-separated catalogue entry matches the tail of `segs` (`Router::new` matches
/// `axum::Router::new`).
pub(crate) fn tail_matches(list: &[String], segs: &[String]) -> bool {
    list.iter().any(|entry| {
        let want: Vec<&str> = entry.split("::").collect();
        want.len() <= segs.len()
            && segs[segs.len() - want.len()..]
                .iter()
                .zip(&want)
                .all(|(a, b)| a == b)
    })
}

/// Names whose calls (or presence in a macro body) may register routes.
fn interesting(cat: &RoutesCatalog) -> HashSet<String> {
    let fw = &cat.frameworks;
    let mut set: HashSet<String> = cat.methods.keys().cloned().collect();
    for list in [
        &fw.method_filter_functions,
        &fw.header_filters,
        &fw.route_calls,
        &fw.nest_calls,
        &fw.ordered_layer_methods,
        &fw.wrap_methods,
        &fw.registration_macros,
    ] {
        set.extend(list.iter().cloned());
    }
    set.extend(
        fw.path_filters
            .iter()
            .map(|p| p.trim_end_matches('!').to_string()),
    );
    for c in &fw.scope_constructors {
        set.extend(c.split("::").map(str::to_string));
    }
    set
}

/// [`interesting`] without the methods that are not judged and the ubiquitous
/// `new` of scope constructors: the calls that make a body worth evaluating.
fn triggers(cat: &RoutesCatalog) -> HashSet<String> {
    let mut set = interesting(cat);
    for (name, method) in &cat.methods {
        if !cat.is_subject(method) {
            set.remove(name);
        }
    }
    // `Router::new` triggers through `Router` (evidence records the type of a `Type::f`
    // call too), not through the ubiquitous `new`.
    for c in &cat.frameworks.scope_constructors {
        if let Some((_, last)) = c.rsplit_once("::") {
            set.remove(last);
        }
    }
    for c in &cat.frameworks.scope_constructors {
        if !c.contains("::") {
            set.insert(c.clone());
        }
    }
    set
}

#[cfg(test)]
mod tests;
