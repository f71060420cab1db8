//! The API catalogue: which calls construct an outbound client, which builder
//! calls bound or disable its timeout, which calls wrap work in a timeout; and the
//! catalogues of the retry and routes extractors ([`RetryCatalog`], [`RoutesCatalog`]).
//!
//! It is data (`rules/apis/*.toml`, built in and from user rule directories),
//! never code: a user declares an in-house wrapper without writing Rust. Which
//! format a file is in follows from its folder (`apis/clients/`, `apis/retries/`,
//! `apis/routes/`: [`super::apis::kind_of`]); files outside those folders keep the
//! older rule by file name ([`ApiFile::kind_of`]).

// Name sets asked for every call and path of every file: Fx hashing, not SipHash.
use globset::GlobSet;
use rustc_hash::{FxHashMap, FxHashSet};
use serde::Deserialize;

use crate::extract::rust::front::deps::Deps;
use crate::extract::rust::retries::RetryCatalog;
use crate::extract::rust::routes::RoutesCatalog;

mod client_api;
mod process;
pub use client_api::{BreakerApi, ClientApi};
pub use process::{
    BackgroundJob, BrowserLogin, ConnectionPool, FunctionRuntime, HandBreaker, OneShot,
    TerminalPrompt,
};

/// One parsed file of an `apis/` folder, in the format its name selects.
#[derive(Debug)]
pub enum ApiFile {
    /// Clients, timeouts, breakers (any name but the two below).
    Clients(Box<CatalogFile>),
    /// `retry*.toml`: retry crates and sleeps ([`RetryCatalog`]).
    Retry(Box<RetryCatalog>),
    /// `routes*.toml`: route registrations and idempotency evidence ([`RoutesCatalog`]).
    Routes(Box<RoutesCatalog>),
}

/// The format of an `apis/` file, from its file name.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ApiKind {
    Clients,
    Retry,
    Routes,
}

impl ApiFile {
    /// The format of a file outside the format folders, by its name: `retry*.toml` →
    /// retry catalogue, `routes*.toml` → routes catalogue, else clients.
    pub fn kind_of(path: &std::path::Path) -> ApiKind {
        let name = path
            .file_name()
            .and_then(|n| n.to_str())
            .unwrap_or("")
            .to_ascii_lowercase();
        if name.starts_with("retry") {
            ApiKind::Retry
        } else if name.starts_with("routes") {
            ApiKind::Routes
        } else {
            ApiKind::Clients
        }
    }
}

/// One catalogue file as written.
#[derive(Debug, Default, Deserialize)]
#[serde(deny_unknown_fields, rename_all = "kebab-case")]
pub struct CatalogFile {
    /// Outbound clients.
    #[serde(default)]
    pub client: Vec<ClientApi>,
    /// Functions whose arguments run under a timeout (`tokio::time::timeout`).
    #[serde(default)]
    pub timeout_wrapper: Vec<TimeoutWrapper>,
    /// Service builders whose timeout layer wraps the services built with them.
    #[serde(default)]
    pub timeout_layer: Vec<TimeoutLayer>,
    /// Circuit breakers: calls run through them are guarded.
    #[serde(default)]
    pub breaker: Vec<BreakerApi>,
    /// Functions that wrap a client and forward its requests (`reqwest_middleware::ClientBuilder::new(client)`).
    #[serde(default)]
    pub client_wrapper: Vec<TimeoutWrapper>,
    /// Methods that take a client and run each of its requests under a deadline of
    /// their own (an OpenTelemetry exporter's `with_http_client`).
    #[serde(default)]
    pub timeout_consumer: Vec<TimeoutConsumer>,
    /// What makes a package a one-shot command-line tool (the breaker rule leaves its
    /// calls): its command-line parsers and the frameworks that make it a service.
    #[serde(default)]
    pub one_shot: Option<OneShot>,
    /// Hand-written breakers, recognised by the methods they call.
    #[serde(default)]
    pub hand_breaker: Vec<HandBreaker>,
    /// Job-queue traits whose methods run a queued job (the breaker rule leaves
    /// what only they reach).
    #[serde(default)]
    pub background_job: Vec<BackgroundJob>,
    /// Connection pools whose checkout bounds the connects their managers make.
    #[serde(default)]
    pub connection_pool: Vec<ConnectionPool>,
    /// What makes a function a person's sign-in through the browser.
    #[serde(default)]
    pub browser_login: Option<BrowserLogin>,
    /// What makes a function a question to the person at the terminal.
    #[serde(default)]
    pub terminal_prompt: Option<TerminalPrompt>,
    /// Serverless runtimes whose invocations the platform's timeout bounds.
    #[serde(default)]
    pub function_runtime: Vec<FunctionRuntime>,
}

impl CatalogFile {
    /// Every path pattern (glob over `::`-separated paths) the file declares, so a
    /// bad one can be reported against its file when the file is read.
    pub fn patterns(&self) -> impl Iterator<Item = &String> {
        let clients = self
            .client
            .iter()
            .flat_map(|c| c.constructors.iter().chain(&c.requests));
        let wrappers = self
            .timeout_wrapper
            .iter()
            .chain(&self.client_wrapper)
            .flat_map(|w| &w.functions);
        let layers = self
            .timeout_layer
            .iter()
            .flat_map(|l| l.builders.iter().chain(&l.layers));
        let breakers = self
            .breaker
            .iter()
            .flat_map(|b| b.constructors.iter().chain(&b.types));
        clients.chain(wrappers).chain(layers).chain(breakers)
    }
}

/// Functions whose arguments are awaited under a deadline.
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields, rename_all = "kebab-case")]
pub struct TimeoutWrapper {
    #[serde(rename = "crate")]
    pub krate: String,
    pub functions: Vec<String>,
}

/// `.with_http_client(client)` on an OpenTelemetry exporter builder: the exporter
/// sends only under its processor's export timeout (the batch processor cuts every
/// export off, 30 s by default), so the client it is given needs none of its own.
/// Methods are matched by name, in packages that depend on the crate.
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields, rename_all = "kebab-case")]
pub struct TimeoutConsumer {
    #[serde(rename = "crate")]
    pub krate: String,
    pub methods: Vec<String>,
}

/// `ServiceBuilder::new().timeout(d).service(client)` and `.layer(TimeoutLayer::new(d))`.
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields, rename_all = "kebab-case")]
pub struct TimeoutLayer {
    #[serde(rename = "crate")]
    pub krate: String,
    /// Paths that start a service builder.
    pub builders: Vec<String>,
    /// Builder methods that add a timeout layer.
    #[serde(default)]
    pub methods: Vec<String>,
    /// Constructors of timeout layers passed to `.layer(..)`.
    #[serde(default)]
    pub layers: Vec<String>,
    /// Methods of a server builder that serve the service passed first under the
    /// builder's timeout (tonic's `Server::builder().timeout(d).add_service(..)`): the
    /// service type's RPC methods cannot run past it.
    #[serde(default)]
    pub serves: Vec<String>,
}

/// What a resolved path is in the catalogue.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum PathRole {
    /// Constructs a client of the given API.
    Constructor(usize),
    /// Makes one request with a hidden client of the given API.
    Request(usize),
    TimeoutWrapper,
    LayerBuilder(usize),
    TimeoutLayerCtor,
    /// Builds a breaker (or breaker layer) of the given API.
    Breaker(usize),
    /// A type that holds a breaker of the given API.
    BreakerType(usize),
    /// Wraps the client passed as first argument; the result is that client.
    ClientWrapper,
}

/// All catalogue files merged and compiled for matching.
#[derive(Debug, Default)]
pub struct Catalog {
    pub clients: Vec<ClientApi>,
    pub layers: Vec<TimeoutLayer>,
    pub breakers: Vec<BreakerApi>,
    /// The one-shot CLI shape, all files' lists merged.
    pub one_shot: OneShot,
    /// First segments (prefixes) of the clients' `consumed-by` paths.
    pub consumer_heads: Vec<String>,
    /// Hand-written breakers, every file's entries.
    pub hand_breakers: Vec<HandBreaker>,
    /// Job-queue traits, every file's entries.
    pub background_jobs: Vec<BackgroundJob>,
    /// Connection pools' manager traits, every file's entries.
    pub connection_pools: Vec<ConnectionPool>,
    /// Browser openers and OAuth crates, all files' lists merged.
    pub browser_login: BrowserLogin,
    /// Prompt crates and methods, all files' lists merged.
    pub terminal_prompt: TerminalPrompt,
    /// Serverless function runtimes, every file's entries.
    pub function_runtimes: Vec<FunctionRuntime>,
    client_wrappers: Vec<TimeoutWrapper>,
    /// Methods whose client argument is used under their own deadline.
    timeout_consumers: Vec<TimeoutConsumer>,
    /// The retry extractor's catalogue (`apis/retry*.toml`).
    pub retry: RetryCatalog,
    /// The routes extractor's catalogue (`apis/routes*.toml`).
    pub routes: RoutesCatalog,
    wrappers: Vec<TimeoutWrapper>,
    /// Glob over `/`-joined paths → (role, crate, is a wildcard pattern).
    set: Option<GlobSet>,
    roles: Vec<(PathRole, String, bool)>,
    /// Union of every client's request methods (names only).
    request_names: FxHashSet<String>,
    /// Union of every client's per-request timeout methods.
    request_timeout_names: FxHashSet<String>,
    /// Union of every client's request builder types.
    request_builders: Vec<String>,
    /// Last segments of every pattern, when none of them is a glob: a path whose
    /// last segment is not among them cannot match (a fast reject).
    last_segments: Option<FxHashSet<String>>,
    /// Crates of the patterns that are not `**` wildcards: such a pattern only
    /// applies to a path that starts with its crate.
    role_crates: FxHashSet<String>,
    /// Last segments of the `**` patterns (`None` when one is itself a glob).
    wildcard_lasts: Option<FxHashSet<String>>,
    /// Re-exporting crate → the catalogued crate it re-exports under its own name
    /// (`oauth2` → `reqwest`), from the entries' `reexported-by`.
    reexports: FxHashMap<String, String>,
}

impl Catalog {
    /// Merges one file: client entries are added, retry and routes catalogues extend
    /// what is there (built in first, then user files in path order).
    pub fn add(&mut self, file: ApiFile) {
        match file {
            ApiFile::Clients(file) => {
                let heads = file.client.iter().flat_map(|c| &c.consumed_by);
                let heads = heads.map(|e| e.split("::").next().unwrap_or(e).trim_end_matches('*'));
                self.consumer_heads.extend(heads.map(str::to_string));
                self.clients.extend(file.client);
                self.wrappers.extend(file.timeout_wrapper);
                self.layers.extend(file.timeout_layer);
                self.breakers.extend(file.breaker);
                self.client_wrappers.extend(file.client_wrapper);
                self.timeout_consumers.extend(file.timeout_consumer);
                self.hand_breakers.extend(file.hand_breaker);
                self.background_jobs.extend(file.background_job);
                self.connection_pools.extend(file.connection_pool);
                self.function_runtimes.extend(file.function_runtime);
                if let Some(o) = file.one_shot {
                    self.one_shot.cli.extend(o.cli);
                    self.one_shot.service.extend(o.service);
                    self.one_shot.client_too.extend(o.client_too);
                    self.one_shot.server_side.extend(o.server_side);
                    self.one_shot.not_serving.extend(o.not_serving);
                    self.one_shot.terminal_ui.extend(o.terminal_ui);
                }
                if let Some(b) = file.browser_login {
                    self.browser_login.openers.extend(b.openers);
                    self.browser_login.oauth.extend(b.oauth);
                }
                if let Some(p) = file.terminal_prompt {
                    self.terminal_prompt.crates.extend(p.crates);
                    self.terminal_prompt.methods.extend(p.methods);
                }
            }
            ApiFile::Retry(r) => self.retry.extend(*r),
            ApiFile::Routes(r) => self.routes.extend(*r),
        }
    }

    /// Every path pattern of the catalogue with its role and crate, in catalogue order.
    fn patterns(&self) -> Vec<(&str, PathRole, &str)> {
        let mut out: Vec<(&str, PathRole, &str)> = Vec::new();
        for (i, c) in self.clients.iter().enumerate() {
            out.extend(
                c.constructors
                    .iter()
                    .map(|p| (p.as_str(), PathRole::Constructor(i), c.krate.as_str())),
            );
            out.extend(
                c.requests
                    .iter()
                    .map(|p| (p.as_str(), PathRole::Request(i), c.krate.as_str())),
            );
        }
        for w in &self.wrappers {
            out.extend(
                w.functions
                    .iter()
                    .map(|p| (p.as_str(), PathRole::TimeoutWrapper, w.krate.as_str())),
            );
        }
        for (i, l) in self.layers.iter().enumerate() {
            out.extend(
                l.builders
                    .iter()
                    .map(|p| (p.as_str(), PathRole::LayerBuilder(i), l.krate.as_str())),
            );
            out.extend(
                l.layers
                    .iter()
                    .map(|p| (p.as_str(), PathRole::TimeoutLayerCtor, l.krate.as_str())),
            );
        }
        for (i, b) in self.breakers.iter().enumerate() {
            out.extend(
                b.constructors
                    .iter()
                    .map(|p| (p.as_str(), PathRole::Breaker(i), b.krate.as_str())),
            );
            out.extend(
                b.types
                    .iter()
                    .map(|p| (p.as_str(), PathRole::BreakerType(i), b.krate.as_str())),
            );
        }
        for w in &self.client_wrappers {
            out.extend(
                w.functions
                    .iter()
                    .map(|p| (p.as_str(), PathRole::ClientWrapper, w.krate.as_str())),
            );
        }
        out
    }

    /// Compiles the patterns; an error names the bad pattern.
    pub fn compile(&mut self) -> Result<(), String> {
        client_api::check_legacy(&self.clients)?;
        let patterns = self.patterns();
        let compiled = compile_patterns(&patterns)?;
        let lasts: Vec<&str> = patterns
            .iter()
            .map(|(p, _, _)| p.rsplit("::").next().unwrap_or(""))
            .collect();
        let last_segments = (!lasts.iter().any(|l| l.contains(['*', '?', '[', '{'])))
            .then(|| lasts.iter().map(|l| l.to_string()).collect());
        self.set = Some(crate::rules::glob::set(compiled.globs)?);
        self.roles = compiled.roles;
        self.role_crates = compiled.role_crates;
        self.wildcard_lasts = compiled.wildcard_lasts;
        self.reexports = (self.clients.iter())
            .flat_map(|c| c.reexported_by.iter().map(move |by| (by, &c.krate)))
            .map(|(by, k)| (normalize_crate(by), normalize_crate(k)))
            .collect();
        self.request_timeout_names = self
            .clients
            .iter()
            .flat_map(|c| c.request_timeout.iter().cloned())
            .collect();
        self.last_segments = last_segments;
        self.compile_request_names();
        Ok(())
    }

    /// The request names the extractors ask of every call, from the client entries:
    /// the request builders and request methods, and what the retry analysis takes
    /// for an integration point (see [`Self::compile`]).
    fn compile_request_names(&mut self) {
        self.request_builders = self
            .clients
            .iter()
            .flat_map(|c| c.request_builders.iter().cloned())
            .collect();
        self.request_builders.sort();
        self.request_builders.dedup();
        self.request_names = self
            .clients
            .iter()
            .flat_map(|c| c.request_methods.iter().cloned())
            .filter(|m| m != "*")
            .collect();
        // What the retry analysis takes for an integration point written in a loop:
        // a path starting with a client crate, or with a constructor's or request
        // function's first segment (`aws_sdk_s3` for the `aws-config` entry).
        self.retry.request_names = self.request_names.iter().cloned().collect();
        self.retry.request_names.sort();
        self.retry.integration_roots = self
            .clients
            .iter()
            .flat_map(|c| {
                let roots = c
                    .constructors
                    .iter()
                    .chain(&c.requests)
                    .filter_map(|p| p.split("::").next())
                    .filter(|r| !r.contains(['*', '?', '[', '{']))
                    .map(str::to_string);
                std::iter::once(normalize_crate(&c.krate)).chain(roots)
            })
            .collect();
        self.retry.key_headers = self
            .routes
            .evidence
            .key_headers
            .iter()
            .map(|h| h.to_ascii_lowercase())
            .collect();
    }

    /// The role of a resolved path (segments already mapped to package names).
    /// `depends` says whether the package depends on a crate.
    /// [`Self::role`] of a path through a dependency's re-export of a catalogued crate
    /// under its own name (`pub use reqwest;` in `oauth2`, so
    /// `oauth2::reqwest::Client::new` is `reqwest::Client::new`): in a package that
    /// depends on the re-exporting crate, the path from the catalogued crate on. Any
    /// dependency whose second segment names a catalogued crate is taken for such a
    /// re-export (`tardis::tokio::time::timeout`, `bb8_redis::redis::Client::open`,
    /// `tauri_plugin_http::reqwest::ClientBuilder`), beside the ones `reexported-by`
    /// lists; the package's own modules (`crate::reqwest`) are not.
    pub fn reexported_role(
        &self,
        path: &[String],
        depends: &dyn Fn(&str) -> bool,
    ) -> Option<PathRole> {
        let [first, second, _, ..] = path else {
            return None;
        };
        // A framework that re-exports a catalogued crate whole (`tardis::tokio`, as
        // `pub use tokio;`): a dependency's second segment naming a crate with roles.
        let own = matches!(first.as_str(), "crate" | "self" | "super");
        let reexported = self.reexports.get(first) == Some(second)
            || (!own && first != second && self.role_crates.contains(second));
        if !reexported || !depends(first) {
            return None;
        }
        self.role(&path[1..], depends)
    }

    pub fn role(&self, path: &[String], depends: &dyn Fn(&str) -> bool) -> Option<PathRole> {
        let set = self.set.as_ref()?;
        let (first, last) = (path.first()?, path.last()?);
        // Most paths (`crate::Order::new`, `std::..`) are turned down before the glob.
        if !self.role_crates.contains(first)
            && self
                .wildcard_lasts
                .as_ref()
                .is_some_and(|w| !w.contains(last))
        {
            return None;
        }
        let joined = path.join("/");
        let hits = set.matches(&joined);
        hits.into_iter().find_map(|i| {
            let (role, krate, wildcard) = &self.roles[i];
            let ok = if *wildcard {
                depends(krate)
            } else {
                path[0] == *krate
            };
            ok.then_some(*role)
        })
    }

    /// Whether a method bounds a request on some client (`set_timeout`).
    pub fn is_request_timeout_name(&self, name: &str) -> bool {
        self.request_timeout_names.contains(name)
    }

    /// [`Self::is_request_timeout_name`] for an identifier, without naming it (a
    /// handful of names, compared in place).
    pub fn is_request_timeout_ident(&self, ident: &proc_macro2::Ident) -> bool {
        self.request_timeout_names.iter().any(|n| ident == n)
    }

    /// Whether a type name is some client's request builder (`RequestBuilder`).
    pub fn is_request_builder(&self, ident: &proc_macro2::Ident) -> bool {
        self.request_builders.iter().any(|b| ident == b)
    }

    /// Whether a path ending in `last` can have a role at all.
    pub fn may_match(&self, last: &str) -> bool {
        self.last_segments
            .as_ref()
            .is_none_or(|set| set.contains(last))
    }

    /// Whether `.method(client)` hands the client to a consumer that runs its requests
    /// under a deadline of its own, in a package with dependencies `deps` (all of
    /// them when unknown).
    pub fn is_timeout_consumer(&self, method: &str, deps: Option<&Deps>) -> bool {
        self.timeout_consumers.iter().any(|c| {
            c.methods.iter().any(|m| m == method)
                && deps.is_none_or(|d| d.depends_on(&c.krate.replace('-', "_")))
        })
    }

    /// Whether a method name starts a request on some client (a chain through it no
    /// longer yields the client).
    pub fn is_request_name(&self, name: &str) -> bool {
        self.request_names.contains(name)
    }

    /// Whether an awaited call of this name starts a request for some client whose
    /// requests are any awaited call (`*`: a generated tonic client's RPCs): on a
    /// value whose client is known only at link time (a factory's), the chain yields
    /// a response from there on (`client.get_files(req).await?.into_inner()`).
    /// Only such a client of a crate the package depends on (`depends`): elsewhere an
    /// awaited `loader.load().await` on a factory's value is no RPC.
    pub fn may_request_awaited(&self, name: &str, depends: impl Fn(&str) -> bool) -> bool {
        self.clients.iter().any(|c| {
            has(&c.request_methods, "*") && c.is_request_method(name, true) && depends(&c.krate)
        })
    }
}

/// The catalogue's path patterns compiled ([`compile_patterns`]): a glob each, and
/// per glob (role, crate, is a wildcard pattern); the crates non-wildcard patterns
/// start from; the last segments of the wildcard patterns (`None`: one is a glob).
struct CompiledPatterns {
    globs: Vec<globset::Glob>,
    roles: Vec<(PathRole, String, bool)>,
    role_crates: FxHashSet<String>,
    wildcard_lasts: Option<FxHashSet<String>>,
}

/// Compiles each (pattern, role, entry's crate) of [`Catalog::patterns`]; an error
/// names the bad pattern.
fn compile_patterns(patterns: &[(&str, PathRole, &str)]) -> Result<CompiledPatterns, String> {
    let mut globs = Vec::new();
    let mut roles = Vec::new();
    let mut role_crates = FxHashSet::default();
    let mut wildcard_lasts = Some(FxHashSet::default());
    let mut push = |pattern: &str, role: PathRole, krate: &str| -> Result<(), String> {
        let glob = pattern.replace("::", "/");
        // Bounded and fallible: a user's huge pattern is an error, not a panic.
        let g = crate::rules::glob::parse(&glob, crate::rules::glob::Separator::Literal)
            .map_err(|e| format!("path pattern `{pattern}`: {e}"))?;
        globs.push(g);
        let wildcard = pattern.starts_with("**");
        if wildcard {
            let last = pattern.rsplit("::").next().unwrap_or("");
            if last.contains(['*', '?', '[', '{']) {
                wildcard_lasts = None;
            } else if let Some(lasts) = &mut wildcard_lasts {
                lasts.insert(last.to_string());
            }
            roles.push((role, normalize_crate(krate), wildcard));
        } else {
            // A path is matched from its crate: the pattern's own first segment,
            // which may be a sibling of the entry's crate (`tower_http::timeout::
            // TimeoutLayer::new` among tower's layers).
            let first = pattern.split("::").next().unwrap_or(krate);
            role_crates.insert(normalize_crate(first));
            roles.push((role, normalize_crate(first), wildcard));
        }
        Ok(())
    };
    for &(pattern, role, krate) in patterns {
        push(pattern, role, krate)?;
    }
    Ok(CompiledPatterns {
        globs,
        roles,
        role_crates,
        wildcard_lasts,
    })
}

/// `aws-config` and `aws_config` are one crate name in paths.
pub fn normalize_crate(name: &str) -> String {
    name.replace('-', "_")
}

/// A catalogue list `list` contains `name` (compared as text, whatever `name`'s string type).
pub(crate) fn has(list: &[String], name: &str) -> bool {
    list.iter().any(|x| x == name)
}
