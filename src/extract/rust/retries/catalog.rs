//! The retry API catalogue: which calls sleep, which constructors build a retry
//! strategy and how long it waits, what runs a retry and what bounds it.
//!
//! It is data (`apis/retry.toml`), read with serde, so a user can add an in-house
//! strategy without writing Rust. See the built-in file for the format.

use memchr::memmem;
use serde::Deserialize;

use super::Delay;

/// The built-in catalogue (`rules/apis/retries/retry.toml`).
const BUILTIN: &str = include_str!("../../../../rules/apis/retries/retry.toml");

/// Every retry API resilint knows.
#[derive(Debug, Clone, Default, Deserialize)]
#[serde(deny_unknown_fields, rename_all = "kebab-case")]
pub struct RetryCatalog {
    /// Functions that wait for the duration given as their first argument.
    #[serde(default)]
    pub sleep_functions: Vec<String>,
    /// Awaited methods that wait a fixed period (`interval.tick().await`).
    #[serde(default)]
    pub tick_methods: Vec<String>,
    /// Words naming a stream of backoff delays: an awaited `next()` on a value whose
    /// name holds one (`new_backoff.next().await`, linkerd's `ExponentialBackoffStream`
    /// a `Recover` trait hands out) is a growing wait.
    #[serde(default)]
    pub backoff_streams: Vec<String>,
    /// Functions that bound a future by the duration given first: around a wait for a
    /// stop signal (`timeout(d, shutdown.changed())`) they wait that duration unless
    /// told to stop, a sleep that shutdown cuts short.
    #[serde(default)]
    pub timeout_functions: Vec<String>,
    /// Methods asking an error whether its attempt timed out (`e.is_timeout()`): a
    /// loop going round only on such an error has waited the timeout each time.
    #[serde(default)]
    pub timeout_questions: Vec<String>,
    /// Paths (prefixes) that reach another process over the network outside the client
    /// catalogue (`tokio::net::TcpStream::connect`): a loop calling one retries an
    /// integration point.
    #[serde(default)]
    pub network_paths: Vec<String>,
    /// Type paths (prefixes) of local values (`std`, `tokio::sync`, `tokio::fs`): a
    /// method called on one is local work. A value of any other dependency's type
    /// (an SDK the client catalogue does not name) keeps a retry loop a subject.
    #[serde(default)]
    pub local_types: Vec<String>,
    /// Retry crates.
    #[serde(default, rename = "crate")]
    pub crates: Vec<RetryCrate>,
    /// Traits whose implementations are retry policies (tower's `retry::Policy`).
    #[serde(default, rename = "policy-trait")]
    pub policy_traits: Vec<PolicyTrait>,
    /// Path segments and crate roots of every catalogue path, built once per catalogue
    /// instead of once per file.
    #[serde(skip)]
    index: std::sync::OnceLock<PathIndex>,
    /// Crates of the client catalogue (`apis/clients/`), as the first segment of a
    /// path: a retry loop calling a path that starts with one (`sqlx::query`) retries
    /// an integration point. Filled in from the client entries when the whole
    /// catalogue is compiled; not a second list of clients.
    #[serde(skip)]
    pub integration_roots: std::collections::HashSet<String>,
    /// Idempotency-key header names, lowercase, read from the routes catalogue's
    /// `key-headers` when the whole catalogue is compiled: a retried POST that sets
    /// one is covered.
    #[serde(skip)]
    pub key_headers: Vec<String>,
    /// The client catalogue's request methods (`send`, `execute`), filled in when the
    /// whole catalogue is compiled: an awaited one on a value of unknown type
    /// (`request.try_clone().unwrap().send().await`) is a request of some client.
    #[serde(skip)]
    pub request_names: Vec<String>,
}

/// Every segment and every first segment of the catalogue's paths.
#[derive(Debug, Clone, Default)]
pub struct PathIndex {
    pub segments: std::collections::HashSet<String>,
    pub roots: std::collections::HashSet<String>,
    /// The words a strategy path can be written with (the per-file prefilter).
    pub strategy_words: super::words::StrategyWords,
    /// The crates' and policy traits' package names as Rust identifiers, each with
    /// the words a use of one of its paths must write (see [`CrateWords`]).
    pub crate_idents: Vec<CrateWords>,
    /// Any of `crate_idents`' identifiers, in one search: most files name none, and
    /// a search per crate walked each file's text once per crate (neon: 35.7M).
    pub any_ident: Option<regex::Regex>,
    /// The last segments of the run functions' paths (`spawn`, `retry`): the client
    /// analysis asks every call it does not know about them.
    pub run_lasts: rustc_hash::FxHashSet<String>,
}

/// What a file must write to use a retry crate's paths: its identifier
/// (`reqwest`), and the segment after it of one of its paths or one of its run
/// methods (`retry` of `reqwest::retry::for_host`). A path is written whole, imported
/// (`use reqwest::retry::Builder`) or reached through its module (`use reqwest::retry;
/// retry::for_host(..)`): each spells that segment. A file naming only the crate (an
/// HTTP client's every file names `reqwest`) skips the crate walk and its word scan.
#[derive(Debug, Clone)]
pub struct CrateWords {
    pub ident: String,
    /// Empty when a path of the crate is its identifier alone: then the identifier
    /// is enough.
    pub needles: Vec<String>,
    /// Searchers for `ident` and each of `needles`, made once: every file's text is
    /// searched for each crate, and `str::contains` set up a searcher per call and
    /// walked the text a byte at a time (neon: 47M, 5,210 searches).
    find_ident: memmem::Finder<'static>,
    find_needles: Vec<memmem::Finder<'static>>,
}

impl CrateWords {
    fn of<'a>(name: &str, paths: impl Iterator<Item = &'a str>, methods: &[String]) -> Self {
        let ident = name.replace('-', "_");
        let mut needles: Vec<String> = methods.to_vec();
        for path in paths {
            match path.split("::").nth(1) {
                Some(seg) => needles.push(seg.to_string()),
                None => {
                    needles.clear();
                    break;
                }
            }
        }
        needles.sort_unstable();
        needles.dedup();
        let finder = |w: &str| memmem::Finder::new(w.as_bytes()).into_owned();
        CrateWords {
            find_ident: finder(&ident),
            find_needles: needles.iter().map(|n| finder(n)).collect(),
            ident,
            needles,
        }
    }

    /// `renames`: the package's dependencies renamed in `Cargo.toml` (name in code,
    /// package): `again = { package = "tokio-retry" }` is written `again::..`.
    fn used_in(&self, text: &str, renames: &[(&str, &str)]) -> bool {
        let named = |name: &str| text.contains(name);
        let found = |f: &memmem::Finder| f.find(text.as_bytes()).is_some();
        let renamed = renames
            .iter()
            .any(|(name, package)| package.replace('-', "_") == self.ident && named(name));
        (found(&self.find_ident) || renamed)
            && (self.needles.is_empty() || self.find_needles.iter().any(found))
    }
}

/// One retry crate.
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields, rename_all = "kebab-case")]
pub struct RetryCrate {
    /// The package name in `Cargo.toml` (`tokio-retry`).
    pub name: String,
    /// Calls that run an operation under a strategy (`tokio_retry::Retry::spawn`).
    #[serde(default)]
    pub run: Vec<String>,
    /// Methods called on the operation with the strategy as an argument
    /// (`operation.retry(strategy)`).
    #[serde(default)]
    pub run_methods: Vec<String>,
    /// Whether a strategy stops on its own; when `false`, it needs a bound method.
    #[serde(default = "yes")]
    pub bounded_by_default: bool,
    /// Methods that bound the number of attempts or the total time (`take`, `with_max_times`).
    #[serde(default)]
    pub bound_methods: Vec<String>,
    /// Methods that remove the bound (`without_max_times`); `name(None)` only counts
    /// when the argument is literally `None`.
    #[serde(default)]
    pub unbound_methods: Vec<String>,
    /// Strategy constructors.
    #[serde(default)]
    pub strategy: Vec<Strategy>,
}

/// A strategy constructor and the delay it produces.
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields, rename_all = "kebab-case")]
pub struct Strategy {
    /// Fully qualified path of a type or function; calls below it match too.
    pub path: String,
    /// `none`, `constant` or `growing`.
    pub delay: DelayClass,
    /// Index of the constructor argument that names what is called (a host or URL).
    pub target_arg: Option<usize>,
}

/// A trait whose implementations decide retries (tower's `retry::Policy`).
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields, rename_all = "kebab-case")]
pub struct PolicyTrait {
    /// The crate's package name, reported as the fact's `krate`.
    #[serde(rename = "crate")]
    pub krate: String,
    /// Fully qualified trait path.
    pub path: String,
    /// The method that returns the future awaited before a retry.
    pub method: String,
    /// Future types or functions that complete at once (no delay).
    #[serde(default)]
    pub immediate_futures: Vec<String>,
}

/// A delay class as written in the catalogue.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Deserialize)]
#[serde(rename_all = "kebab-case")]
pub enum DelayClass {
    None,
    Constant,
    Growing,
}

impl From<DelayClass> for Delay {
    fn from(c: DelayClass) -> Delay {
        match c {
            DelayClass::None => Delay::None,
            DelayClass::Constant => Delay::Constant,
            DelayClass::Growing => Delay::Growing,
        }
    }
}

fn yes() -> bool {
    true
}

/// A strategy found by path, with its crate.
#[derive(Debug, Clone, Copy)]
pub struct StrategyHit<'a> {
    pub krate: &'a RetryCrate,
    pub strategy: &'a Strategy,
}

impl RetryCatalog {
    /// Whether `text` names any catalogued crate (as its Rust identifier, `tokio_retry`
    /// for `tokio-retry`, or the name `renames` gives it) with a segment of one of its
    /// paths ([`CrateWords`]): a cheap test that lets files with no retry crate skip
    /// the crate walk. Catalogue paths always start with the crate's identifier, so a
    /// file that never writes it cannot use one of its strategies.
    pub fn may_be_used_in(&self, text: &str, renames: &[(&str, &str)]) -> bool {
        let index = self.path_index();
        // Without a renamed dependency, a crate is named by its identifier only.
        if renames.is_empty() && index.any_ident.as_ref().is_some_and(|r| !r.is_match(text)) {
            return false;
        }
        index.crate_idents.iter().any(|c| c.used_in(text, renames))
    }

    /// Reads a catalogue; the error carries `toml`'s line and column.
    pub fn from_toml(text: &str) -> Result<RetryCatalog, String> {
        toml::from_str(text).map_err(|e| e.to_string())
    }

    /// The catalogue compiled into the binary.
    pub fn builtin() -> RetryCatalog {
        Self::from_toml(BUILTIN).expect("the built-in retry catalogue is valid")
    }

    /// Adds the entries of another catalogue (a user's `apis/retry.toml`).
    pub fn extend(&mut self, other: RetryCatalog) {
        self.sleep_functions.extend(other.sleep_functions);
        self.tick_methods.extend(other.tick_methods);
        self.backoff_streams.extend(other.backoff_streams);
        self.timeout_functions.extend(other.timeout_functions);
        self.timeout_questions.extend(other.timeout_questions);
        self.network_paths.extend(other.network_paths);
        self.local_types.extend(other.local_types);
        self.crates.extend(other.crates);
        self.policy_traits.extend(other.policy_traits);
        self.index = std::sync::OnceLock::new();
    }

    /// Segments and roots of all catalogue paths (computed on first use).
    pub fn path_index(&self) -> &PathIndex {
        self.index.get_or_init(|| self.new_index())
    }

    fn new_index(&self) -> PathIndex {
        let crate_idents: Vec<CrateWords> = (self.crates.iter())
            .map(|c| {
                let paths = c.run.iter().chain(c.strategy.iter().map(|s| &s.path));
                CrateWords::of(&c.name, paths.map(String::as_str), &c.run_methods)
            })
            .chain(
                self.policy_traits
                    .iter()
                    .map(|p| CrateWords::of(&p.krate, std::iter::once(p.path.as_str()), &[])),
            )
            .collect();
        let idents: Vec<String> = crate_idents
            .iter()
            .map(|c| regex::escape(&c.ident))
            .collect();
        PathIndex {
            any_ident: regex::Regex::new(&idents.join("|")).ok(),
            crate_idents,
            segments: self
                .all_paths()
                .flat_map(|p| p.split("::"))
                .map(str::to_string)
                .collect(),
            roots: self
                .all_paths()
                .filter_map(|p| p.split("::").next())
                .map(str::to_string)
                .collect(),
            strategy_words: super::words::StrategyWords::new(self),
            run_lasts: (self.crates.iter().flat_map(|c| &c.run))
                .filter_map(|r| r.rsplit("::").next())
                .map(str::to_string)
                .collect(),
        }
    }

    pub fn is_sleep(&self, path: &str) -> bool {
        self.sleep_functions.iter().any(|s| s == path)
    }

    /// The strategy whose path is `path` or a prefix of it (`a::B` matches `a::B::new`).
    pub fn strategy(&self, path: &str) -> Option<StrategyHit<'_>> {
        self.crates.iter().find_map(|krate| {
            krate
                .strategy
                .iter()
                .find(|s| path_is_or_below(path, &s.path))
                .map(|strategy| StrategyHit { krate, strategy })
        })
    }

    /// Whether `path` runs a retry of some crate.
    pub fn is_run(&self, path: &str) -> bool {
        self.crates.iter().any(|c| c.run.iter().any(|r| r == path))
    }

    /// Whether a method of this name runs its receiver, an operation, under a retry
    /// (backon's `operation.retry(strategy)`).
    pub fn is_run_method(&self, method: &syn::Ident) -> bool {
        (self.crates.iter()).any(|c| c.run_methods.iter().any(|r| method == r))
    }

    /// Whether a path ending in `last` may run a retry (a cheap test before resolving it).
    pub fn may_run(&self, last: &str) -> bool {
        self.path_index().run_lasts.contains(last)
    }

    /// Every fully qualified path the catalogue names, for resolving bare names.
    pub fn all_paths(&self) -> impl Iterator<Item = &str> {
        self.sleep_functions
            .iter()
            .map(String::as_str)
            .chain(
                self.crates
                    .iter()
                    .flat_map(|c| c.run.iter().chain(c.strategy.iter().map(|s| &s.path)))
                    .map(String::as_str),
            )
            .chain(self.policy_traits.iter().map(|p| p.path.as_str()))
    }
}

/// `path == prefix` or `path` starts with `prefix::`.
pub fn path_is_or_below(path: &str, prefix: &str) -> bool {
    path == prefix
        || path
            .strip_prefix(prefix)
            .is_some_and(|rest| rest.starts_with("::"))
}

/// Whether `path` is `prefix` or below it, segment-wise (`tokio::sync::Mutex` is below
/// `tokio::sync`, `tokio::synced` is not).
pub(crate) fn below(path: &[String], prefix: &str) -> bool {
    let mut segs = path.iter();
    prefix
        .split("::")
        .all(|p| segs.next().is_some_and(|s| s == p))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn builtin_catalogue_loads_and_finds_strategies() {
        let c = RetryCatalog::builtin();
        assert!(c.is_sleep("tokio::time::sleep"));
        let hit = c
            .strategy("tokio_retry::strategy::FixedInterval::from_millis")
            .unwrap();
        assert_eq!(hit.krate.name, "tokio-retry");
        assert_eq!(hit.strategy.delay, DelayClass::Constant);
        assert!(!hit.krate.bounded_by_default);
        assert!(c
            .strategy("tokio_retry::strategy::FixedIntervalX")
            .is_none());
        assert!(c.is_run("tokio_retry::Retry::spawn"));
    }

    #[test]
    fn a_user_catalogue_adds_an_in_house_strategy() {
        let mut c = RetryCatalog::builtin();
        let user = RetryCatalog::from_toml(
            r#"
[[crate]]
name = "acme-retry"
bound-methods = ["attempts"]
[[crate.strategy]]
path = "acme_retry::Jittered"
delay = "growing"
"#,
        )
        .unwrap();
        c.extend(user);
        let hit = c.strategy("acme_retry::Jittered::new").unwrap();
        assert_eq!(hit.krate.name, "acme-retry");
        assert!(hit.krate.bounded_by_default);
    }

    #[test]
    fn a_bad_catalogue_is_an_error_with_a_position() {
        let err = RetryCatalog::from_toml(
            "[[crate]]\nname = \"x\"\nstrategy = [{ path = \"a\", delay = \"slow\" }]\n",
        )
        .unwrap_err();
        assert!(err.contains("slow") || err.contains("variant"), "{err}");
        assert!(err.contains("line 3") || err.contains('3'), "{err}");
    }
}
