//! A client entry of the catalogue (`[[client]]` in `apis/clients/*.toml`): an
//! outbound client library and its timeout API; and a breaker library's
//! (`[[breaker]]`).

use serde::Deserialize;

use crate::extract::rust::front::deps::{version_below, Deps};

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
    /// Crates that re-export this entry's crate under its own name (`pub use
    /// reqwest;` in `oauth2`): `oauth2::reqwest::Client::new` is then this entry's
    /// `reqwest::Client::new`, in a package that depends on the re-exporting crate.
    #[serde(default)]
    pub reexported_by: Vec<String>,
    /// Builder methods that bound every request (`timeout`, `read_timeout`).
    #[serde(default)]
    pub timeout: Vec<String>,
    /// Builder methods that bound only the connecting (`connect_timeout`): no timeout
    /// (a slow response outlasts them), but a finding says the client has one, so that
    /// it does not read as if nothing were set.
    #[serde(default)]
    pub connect_timeout: Vec<String>,
    /// Methods that, called in a constructor's argument, bound every request of the
    /// client built: the endpoint a generated tonic client connects to
    /// (`XClient::connect(endpoint.timeout(d))`); or fields of the argument's variable
    /// assigned before (lapin's `uri.query.connection_timeout = Some(ms)`).
    #[serde(default)]
    pub arg_timeout: Vec<String>,
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
    /// Builder methods that send every request over a Unix socket (reqwest's
    /// `unix_socket(path)`): the client talks to a daemon on this host, no remote
    /// integration, like a `unix:` address.
    #[serde(default)]
    pub unix_socket_methods: Vec<String>,
    /// Connector types a builder is given that reach only this host (hyperlocal's
    /// `UnixConnector`, a Windows `NamedPipeConnector`), matched as prefixes of the
    /// last segment of a builder call's argument (`build::<_, Body>(UnixClient)`): a
    /// `Unix` one is a Unix socket, any other this host; no remote integration.
    #[serde(default)]
    pub local_connectors: Vec<String>,
    /// Query parameters of the target URI that set a timeout (`connection_timeout`).
    #[serde(default)]
    pub target_timeout_params: Vec<String>,
    /// The library's default timeout (`"30 s"`); absent means unbounded, which makes a
    /// client without an explicit timeout a finding.
    pub default_timeout: Option<String>,
    /// What the library's default bounds when it bounds only part of a call, in words
    /// (aws-config's `"a 3.1 s connect timeout only, no operation or attempt
    /// timeout"`): the client still counts as unbounded, and the finding says so
    /// rather than "no timeout by default".
    #[serde(default)]
    pub partial_default: Option<String>,
    /// How to bound a client whose response is read as a stream, which a total
    /// timeout would cut, in the library's words (reqwest's `connect_timeout` and
    /// `read_timeout`, the latter only from 0.12.4). Absent: advice naming no method.
    #[serde(default)]
    pub streaming_advice: Option<String>,
    /// Types of a request built but not sent (`RequestBuilder`): a function declared
    /// to return one hands the request to its caller, who sends it. Its request
    /// methods are not call sites of their own when the client is sent from
    /// elsewhere (triagebot's `fn get(&self, url) -> RequestBuilder` helpers, sent by
    /// one `execute`).
    #[serde(default)]
    pub request_builders: Vec<String>,
    /// Paths of what sends requests made from this one's value (aws-config's
    /// `SdkConfig` → `aws_sdk_*::Client`; `*` ends a segment prefix): a package naming
    /// none of them that keeps the value to itself sends no request through it (a
    /// config loaded for a region or presigning only).
    #[serde(default)]
    pub consumed_by: Vec<String>,
    /// Earlier versions of the crate whose same paths built another client (reqwest
    /// before 0.10: `reqwest::Client` was the blocking client, bounded at 30 s): in a
    /// package whose `Cargo.toml` asks for a version below `below`, the client is the
    /// entry named `client`.
    #[serde(default)]
    pub legacy: Vec<Legacy>,
}

/// One earlier API of a client's crate ([`ClientApi::legacy`]).
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields, rename_all = "kebab-case")]
pub struct Legacy {
    /// The first version that no longer has it (`"0.10"`).
    pub below: String,
    /// The `name` of the client entry it is.
    pub client: String,
}

fn default_disable_args() -> Vec<String> {
    vec!["None".into(), "Never".into()]
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

/// Every client's `legacy` names a client entry of the catalogue: a typo is a catalogue
/// error, not a silent no-op.
pub(super) fn check_legacy(clients: &[ClientApi]) -> Result<(), String> {
    for c in clients {
        for l in &c.legacy {
            if !clients.iter().any(|other| other.name == l.client) {
                return Err(format!(
                    "client `{}`: `legacy` names client `{}`, which no `[[client]]` entry defines; name an entry of the catalogue",
                    c.name, l.client
                ));
            }
        }
    }
    Ok(())
}

impl super::Catalog {
    /// The client entry client `api` is in a package asking for an earlier version of
    /// its crate ([`ClientApi::legacy`]), when it is another.
    pub fn legacy_api(&self, api: usize, deps: Option<&Deps>) -> Option<usize> {
        let entry = self.clients.get(api)?;
        if entry.legacy.is_empty() {
            return None;
        }
        let requested = deps?.versions.get(&super::normalize_crate(&entry.krate))?;
        let legacy = (entry.legacy.iter()).find(|l| version_below(requested, &l.below))?;
        self.clients.iter().position(|c| c.name == legacy.client)
    }
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
