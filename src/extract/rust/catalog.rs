//! The API catalogue: which calls construct an outbound client, which builder
//! calls bound or disable its timeout, which calls wrap work in a timeout.
//!
//! It is data (`rules/apis/*.toml`, built in and from user rule directories),
//! never code: a user declares an in-house wrapper without writing Rust.

use globset::{GlobBuilder, GlobSet, GlobSetBuilder};
use serde::Deserialize;

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
    /// Retry crates' delay strategies.
    #[serde(default)]
    pub retry_strategy: Vec<RetryStrategy>,
    /// Functions that wrap a client and forward its requests (`reqwest_middleware::ClientBuilder::new(client)`).
    #[serde(default)]
    pub client_wrapper: Vec<TimeoutWrapper>,
    /// POST routes that only read (search and query endpoints), by path segment or handler name.
    #[serde(default)]
    pub read_only_routes: Vec<ReadOnlyRoutes>,
}

/// Signs that a POST route only reads: a path segment (`/points/search`) or a
/// handler name prefix (`search_points`).
#[derive(Debug, Clone, Default, Deserialize)]
#[serde(deny_unknown_fields, rename_all = "kebab-case")]
pub struct ReadOnlyRoutes {
    #[serde(default)]
    pub segments: Vec<String>,
    #[serde(default)]
    pub handler_prefixes: Vec<String>,
}

/// Constructors of a retry crate's strategies, by how their delay behaves.
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields, rename_all = "kebab-case")]
pub struct RetryStrategy {
    #[serde(rename = "crate")]
    pub krate: String,
    /// Delays that grow with the attempt (exponential, Fibonacci).
    #[serde(default)]
    pub growing: Vec<String>,
    /// Fixed delays.
    #[serde(default)]
    pub constant: Vec<String>,
    /// No delay at all.
    #[serde(default)]
    pub none: Vec<String>,
    /// Functions that run a retry with a strategy as first argument (`Retry::spawn`).
    #[serde(default)]
    pub runners: Vec<String>,
    /// Strategy methods that bound the number of attempts (`take`); a strategy passed to
    /// a runner without one retries forever.
    #[serde(default)]
    pub bounded_by: Vec<String>,
}

/// How a retry strategy's delay behaves.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum DelayClass {
    None,
    Constant,
    Growing,
}

/// A circuit breaker library: how one is built, held, and called through.
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields, rename_all = "kebab-case")]
pub struct BreakerApi {
    pub name: String,
    #[serde(rename = "crate")]
    pub krate: String,
    /// Paths that build a breaker (or a breaker layer).
    #[serde(default)]
    pub constructors: Vec<String>,
    /// Types of struct fields that hold a breaker built elsewhere (`recloser::AsyncRecloser`).
    #[serde(default)]
    pub types: Vec<String>,
    /// Methods whose arguments run through the breaker.
    #[serde(default = "default_call_methods")]
    pub call_methods: Vec<String>,
    /// The constructors build a tower layer: `.layer(it)` guards the services built after it.
    #[serde(default)]
    pub layer: bool,
}

fn default_call_methods() -> Vec<String> {
    vec!["call".into()]
}

/// An outbound client library (or an in-house wrapper) and its timeout API.
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields, rename_all = "kebab-case")]
pub struct ClientApi {
    /// Shown in findings, e.g. `reqwest::Client`.
    pub name: String,
    /// Package name in `Cargo.toml` (`reqwest`, `aws-config`); a package that does
    /// not depend on it never matches.
    #[serde(rename = "crate")]
    pub krate: String,
    /// Paths that construct a client or its builder: `reqwest::Client::builder`.
    /// `*` matches within one segment, `**` any number of leading segments
    /// (`**::?*Client::connect` for generated tonic clients).
    #[serde(default)]
    pub constructors: Vec<String>,
    /// Free functions that make one request with a hidden client: `reqwest::get`.
    #[serde(default)]
    pub requests: Vec<String>,
    /// Builder methods that bound every request (`timeout`, `read_timeout`).
    #[serde(default)]
    pub timeout: Vec<String>,
    /// Methods that turn the timeout off whatever their argument (`disable_timeout`).
    #[serde(default)]
    pub disable: Vec<String>,
    /// Arguments that turn a timeout method off: the last segment of a path (`None`, `Never`).
    #[serde(default = "default_disable_args")]
    pub disable_args: Vec<String>,
    /// Methods on the client that start a request; `*` means every awaited method
    /// not in `not-requests` (generated gRPC clients).
    #[serde(default)]
    pub request_methods: Vec<String>,
    /// Methods that are never requests when `request-methods` is `*`.
    #[serde(default)]
    pub not_requests: Vec<String>,
    /// Methods on a request (or its argument) that bound that request.
    #[serde(default)]
    pub request_timeout: Vec<String>,
    /// Methods that open a connection without any timeout although the client has one
    /// by default (`get_connection` on redis).
    #[serde(default)]
    pub unbounded_methods: Vec<String>,
    /// Query parameters of the target URI that set a timeout (`connection_timeout`).
    #[serde(default)]
    pub target_timeout_params: Vec<String>,
    /// The library's default timeout (`"30 s"`); absent means unbounded, which makes a
    /// client without an explicit timeout a finding.
    pub default_timeout: Option<String>,
}

fn default_disable_args() -> Vec<String> {
    vec!["None".into(), "Never".into()]
}

/// Functions whose arguments are awaited under a deadline.
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields, rename_all = "kebab-case")]
pub struct TimeoutWrapper {
    #[serde(rename = "crate")]
    pub krate: String,
    pub functions: Vec<String>,
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
    /// Builds a retry strategy.
    RetryStrategy(DelayClass),
    /// Wraps the client passed as first argument; the result is that client.
    ClientWrapper,
    /// Runs a retry with the strategy passed first (index into the strategies).
    RetryRunner(usize),
}

/// All catalogue files merged and compiled for matching.
#[derive(Debug, Default)]
pub struct Catalog {
    pub clients: Vec<ClientApi>,
    pub layers: Vec<TimeoutLayer>,
    pub breakers: Vec<BreakerApi>,
    strategies: Vec<RetryStrategy>,
    client_wrappers: Vec<TimeoutWrapper>,
    pub read_only: ReadOnlyRoutes,
    wrappers: Vec<TimeoutWrapper>,
    /// Glob over `/`-joined paths → (role, crate, is a wildcard pattern).
    set: Option<GlobSet>,
    roles: Vec<(PathRole, String, bool)>,
    /// Union of every client's request methods (names only).
    request_names: std::collections::HashSet<String>,
    /// Union of every client's per-request timeout methods.
    request_timeout_names: std::collections::HashSet<String>,
    /// Last segments of every pattern, when none of them is a glob: a path whose
    /// last segment is not among them cannot match (a fast reject).
    last_segments: Option<std::collections::HashSet<String>>,
}

impl Catalog {
    pub fn add(&mut self, file: CatalogFile) {
        self.clients.extend(file.client);
        self.wrappers.extend(file.timeout_wrapper);
        self.layers.extend(file.timeout_layer);
        self.breakers.extend(file.breaker);
        self.strategies.extend(file.retry_strategy);
        self.client_wrappers.extend(file.client_wrapper);
        for r in file.read_only_routes {
            self.read_only.segments.extend(r.segments);
            self.read_only.handler_prefixes.extend(r.handler_prefixes);
        }
    }

    /// Compiles the patterns; an error names the bad pattern.
    pub fn compile(&mut self) -> Result<(), String> {
        let mut builder = GlobSetBuilder::new();
        let mut roles = Vec::new();
        let mut push = |pattern: &str, role: PathRole, krate: &str| -> Result<(), String> {
            let glob = pattern.replace("::", "/");
            let g = GlobBuilder::new(&glob)
                .literal_separator(true)
                .build()
                .map_err(|e| format!("bad path pattern `{pattern}`: {e}"))?;
            builder.add(g);
            roles.push((role, normalize_crate(krate), pattern.starts_with("**")));
            Ok(())
        };
        for (i, c) in self.clients.iter().enumerate() {
            for p in &c.constructors {
                push(p, PathRole::Constructor(i), &c.krate)?;
            }
            for p in &c.requests {
                push(p, PathRole::Request(i), &c.krate)?;
            }
        }
        for w in &self.wrappers {
            for p in &w.functions {
                push(p, PathRole::TimeoutWrapper, &w.krate)?;
            }
        }
        for (i, l) in self.layers.iter().enumerate() {
            for p in &l.builders {
                push(p, PathRole::LayerBuilder(i), &l.krate)?;
            }
            for p in &l.layers {
                push(p, PathRole::TimeoutLayerCtor, &l.krate)?;
            }
        }
        for (i, b) in self.breakers.iter().enumerate() {
            for p in &b.constructors {
                push(p, PathRole::Breaker(i), &b.krate)?;
            }
            for p in &b.types {
                push(p, PathRole::BreakerType(i), &b.krate)?;
            }
        }
        for w in &self.client_wrappers {
            for p in &w.functions {
                push(p, PathRole::ClientWrapper, &w.krate)?;
            }
        }
        for s in &self.strategies {
            for (list, class) in [
                (&s.growing, DelayClass::Growing),
                (&s.constant, DelayClass::Constant),
                (&s.none, DelayClass::None),
            ] {
                for p in list {
                    push(p, PathRole::RetryStrategy(class), &s.krate)?;
                }
            }
        }
        for (i, s) in self.strategies.iter().enumerate() {
            for p in &s.runners {
                push(p, PathRole::RetryRunner(i), &s.krate)?;
            }
        }
        self.set = Some(builder.build().map_err(|e| e.to_string())?);
        self.roles = roles;
        self.request_timeout_names = self
            .clients
            .iter()
            .flat_map(|c| c.request_timeout.iter().cloned())
            .collect();
        let lasts: Vec<&str> = self
            .clients
            .iter()
            .flat_map(|c| c.constructors.iter().chain(&c.requests))
            .chain(self.wrappers.iter().flat_map(|w| &w.functions))
            .chain(
                self.layers
                    .iter()
                    .flat_map(|l| l.builders.iter().chain(&l.layers)),
            )
            .chain(
                self.breakers
                    .iter()
                    .flat_map(|b| b.constructors.iter().chain(&b.types)),
            )
            .chain(self.strategies.iter().flat_map(|s| {
                s.growing
                    .iter()
                    .chain(&s.constant)
                    .chain(&s.none)
                    .chain(&s.runners)
            }))
            .chain(self.client_wrappers.iter().flat_map(|w| &w.functions))
            .map(|p| p.rsplit("::").next().unwrap_or(""))
            .collect();
        self.last_segments = (!lasts.iter().any(|l| l.contains(['*', '?', '[', '{'])))
            .then(|| lasts.iter().map(|l| l.to_string()).collect());
        self.request_names = self
            .clients
            .iter()
            .flat_map(|c| c.request_methods.iter().cloned())
            .filter(|m| m != "*")
            .collect();
        Ok(())
    }

    /// The role of a resolved path (segments already mapped to package names).
    /// `depends` says whether the package depends on a crate.
    pub fn role(&self, path: &[String], depends: &dyn Fn(&str) -> bool) -> Option<PathRole> {
        let set = self.set.as_ref()?;
        if path.is_empty() {
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

    /// Strategy methods that bound attempts, for the runner's crate.
    pub fn bounded_by(&self, runner: usize) -> &[String] {
        self.strategies
            .get(runner)
            .map_or(&[][..], |s| s.bounded_by.as_slice())
    }

    /// Whether a method bounds a request on some client (`set_timeout`).
    pub fn is_request_timeout_name(&self, name: &str) -> bool {
        self.request_timeout_names.contains(name)
    }

    /// Whether a path ending in `last` can have a role at all.
    pub fn may_match(&self, last: &str) -> bool {
        self.last_segments
            .as_ref()
            .is_none_or(|set| set.contains(last))
    }

    /// Whether a method name starts a request on some client (a chain through it no
    /// longer yields the client).
    pub fn is_request_name(&self, name: &str) -> bool {
        self.request_names.contains(name)
    }
}

impl ReadOnlyRoutes {
    /// Whether a route looks like a query sent as POST.
    pub fn matches(&self, path: Option<&str>, handler: Option<&str>) -> bool {
        let by_path = path.is_some_and(|p| {
            p.split('/')
                .filter(|s| !s.starts_with('{') && !s.starts_with(':') && !s.starts_with('<'))
                .any(|s| self.segments.iter().any(|r| r.eq_ignore_ascii_case(s)))
        });
        let by_handler = handler.is_some_and(|h| {
            let name = h.rsplit("::").next().unwrap_or(h);
            self.handler_prefixes
                .iter()
                .any(|p| name.starts_with(p.as_str()))
        });
        by_path || by_handler
    }
}

/// `aws-config` and `aws_config` are one crate name in paths.
pub fn normalize_crate(name: &str) -> String {
    name.replace('-', "_")
}

impl ClientApi {
    /// Whether a call starts a request. Under `*`, only an awaited call does: a
    /// builder's own methods (`Endpoint::tcp_nodelay(..)`) are not awaited, RPCs are.
    pub fn is_request_method(&self, name: &str, awaited: bool) -> bool {
        self.request_methods.iter().any(|m| m == name)
            || (awaited
                && self.request_methods.iter().any(|m| m == "*")
                && !self.not_requests.iter().any(|m| m == name)
                && !self.timeout.iter().any(|m| m == name)
                && !self.request_timeout.iter().any(|m| m == name))
    }
}
