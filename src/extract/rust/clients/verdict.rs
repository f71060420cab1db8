//! What one client amounts to: its calls evaluated against its catalogue entry
//! ([`eval_chains`]), then its timeout evidence, whether a breaker guards it, whether
//! it is local at all, and the requests made from it ([`judge_client`]). The link
//! step ([`super::link`]) finds the chains; this module reads them.

use rustc_hash::{FxHashMap as HashMap, FxHashSet as HashSet};

use super::bound::resolve;
use super::handed::{handed_bound, Handed};
use super::link::{entry, scalar};
use super::nodes::{client_node, Evidence};
use super::pools::Pooled;
use crate::extract::rust::catalog::{has, ClientApi};
use crate::extract::rust::facts::{ArgSource, Chain, Target};
use crate::tree::{Node, Span, Value};

/// One request made from a client.
#[derive(Debug, Clone)]
pub(super) struct Req {
    /// A per-request timeout or a timeout wrapper bounds it.
    pub(super) timed: bool,
    pub(super) target: Option<Target>,
    /// Package file index and span of the call.
    pub(super) file: usize,
    pub(super) span: Span,
    /// It runs inside a breaker's `call`.
    pub(super) breaker: bool,
    pub(super) in_fn: Option<String>,
    /// Its timeout is decided by configuration (the `else` of `if let Some(t)`).
    pub(super) configurable: bool,
    /// Why a caller's timeout wrapper bounds it, when only such wrappers run its
    /// function ([`super::timed`]).
    pub(super) under: Option<String>,
    /// It sends the request its function was handed, or one a function of the
    /// workspace made (that function's key): a caller or the maker may bound it
    /// ([`super::handed`]).
    pub(super) handed: bool,
    pub(super) made: Option<String>,
    /// Why its per-request timeout is set out of sight, when a maker or every caller
    /// sets it ([`super::handed`]).
    pub(super) set_by: Option<String>,
}

/// What a client's calls amount to under its catalogue entry.
#[derive(Debug, Default)]
struct Eval {
    builder_timeout: Option<Span>,
    /// The builder's timeout is set only when configured (`if let Some(t)`).
    builder_configurable: bool,
    /// A call that turns the timeout off, and one that opens an unbounded connection
    /// ([`Found`]).
    disabled: Option<Found>,
    unbounded: Option<Found>,
    requests: Vec<Req>,
    wrapped: bool,
    /// The client was handed to a breaker as a whole (a breaker layer's service).
    breaker: bool,
    /// A call of its construction names this host or a Unix socket (a connector that
    /// dials `127.0.0.1:{port}` or opens a `UnixStream`): why.
    local: Option<String>,
}

/// A call found in one of the client's chains: (package file index, span, text). A
/// client kept in a struct field meets the chains of every `self.<field>` of its
/// package, other files' too; a span is only good in its own file.
type Found = (usize, Span, String);

/// Keeps the first call found, or a later one in the client's own file (`home`) over
/// one in another file.
fn note(
    slot: &mut Option<Found>,
    found: (usize, Span),
    home: usize,
    text: impl FnOnce() -> String,
) {
    let better = match slot {
        None => true,
        Some((f, ..)) => *f != home && found.0 == home,
    };
    if better {
        *slot = Some((found.0, found.1, text()));
    }
}

/// Evaluates chains (each tagged with its package file index). A one-shot request
/// origin is `first_request`, the request the chains continue. `home`: the file index
/// the client is built in. `bound`: the fields the package's listeners bind, by which
/// a request's host read from a field is resolved ([`super::bound::resolve`]).
fn eval_chains<'a>(
    api: &ClientApi,
    chains: impl Iterator<Item = (usize, &'a Chain)>,
    first_request: Option<Req>,
    (home, bound): (usize, &HashSet<&str>),
) -> Eval {
    let mut ev = Eval::default();
    let request_origin = first_request.is_some();
    ev.requests.extend(first_request);
    for (file, chain) in chains {
        if chain.calls.is_empty() {
            ev.wrapped |= chain.wrapped;
            ev.breaker |= chain.breaker;
        }
        let mut req = request_origin.then_some(0);
        for call in &chain.calls {
            let disables = call
                .arg_words
                .iter()
                .any(|w| api.disable_args.iter().any(|d| d == w));
            let disable_text = || {
                let words = call.arg_words.join(", ");
                format!("`.{}({words})`", call.name)
            };
            if req.is_none() && api.is_request_method(&call.name, call.awaited) {
                let timed = call.wrapped
                    || call
                        .arg_methods
                        .iter()
                        .any(|m| api.request_timeout.contains(m));
                ev.requests.push(Req {
                    timed,
                    target: (call.target.as_deref()).and_then(|t| resolve(t, bound)),
                    file,
                    span: call.span,
                    breaker: call.breaker,
                    in_fn: call.in_fn.as_deref().map(String::from),
                    configurable: call.configurable,
                    under: None,
                    handed: call.arg_sources.contains(&ArgSource::Param),
                    made: call.arg_sources.iter().find_map(|s| match s {
                        ArgSource::Made(k) => Some(k.to_string()),
                        ArgSource::Param => None,
                    }),
                    set_by: None,
                });
                req = Some(ev.requests.len() - 1);
                // Only a request method the catalogue names (not `*`) can carry a
                // disabling argument (`send(record, Timeout::Never)`).
                let named = has(&api.request_methods, &call.name);
                if named && disables {
                    note(&mut ev.disabled, (file, call.span), home, disable_text);
                }
                continue;
            }
            if let Some(r) = req {
                if call.wrapped {
                    ev.requests[r].timed = true;
                }
                if call.breaker {
                    ev.requests[r].breaker = true;
                }
                if has(&api.request_timeout, &call.name) && call.nargs > 0 {
                    if disables {
                        note(&mut ev.disabled, (file, call.span), home, disable_text);
                    } else {
                        ev.requests[r].timed = true;
                    }
                }
                continue;
            }
            let target = (call.target.as_deref()).and_then(|t| resolve(t, bound));
            ev.builder_call(api, (call, target), (file, home), disables, disable_text);
        }
    }
    ev
}

impl Eval {
    /// A call of the client's construction (before any request): a builder timeout,
    /// a call that disables it, or one that makes the client unbounded.
    fn builder_call(
        &mut self,
        api: &ClientApi,
        (call, target): (&crate::extract::rust::facts::CallFact, Option<Target>),
        (file, home): (usize, usize),
        disables: bool,
        disable_text: impl Fn() -> String,
    ) {
        if let (None, Some(Target::Local(why))) = (&self.local, target) {
            self.local = Some(why);
        }
        if self.local.is_none() && has(&api.unix_socket_methods, &call.name) && call.nargs > 0 {
            self.local = Some("a Unix socket".to_string());
        }
        let timeout = has(&api.timeout, &call.name) || has(&api.arg_timeout, &call.name);
        if timeout && call.nargs > 0 {
            if disables {
                note(&mut self.disabled, (file, call.span), home, disable_text);
            } else {
                self.set_again(file, call);
                if self.builder_timeout.is_none() {
                    self.builder_timeout = Some(call.span);
                    self.builder_configurable = call.configurable;
                }
            }
        } else if has(&api.disable, &call.name) {
            let text = || format!("`.{}()`", call.name);
            note(&mut self.disabled, (file, call.span), home, text);
        } else if has(&api.unbounded_methods, &call.name) {
            let text = || format!("`.{}()`", call.name);
            note(&mut self.unbounded, (file, call.span), home, text);
        }
    }
}

impl Eval {
    /// A builder's last call of a method wins: `.timeout(None)` followed, further down
    /// the same file, by `.timeout(read_timeout)` leaves the timeout set (routinator
    /// turns it off "to set it per request", then sets it again). Another method
    /// (`.connect_timeout(..)`) does not undo a disabled total timeout.
    fn set_again(&mut self, file: usize, call: &crate::extract::rust::facts::CallFact) {
        let undone = self.disabled.as_ref().is_some_and(|(f, span, text)| {
            *f == file
                && span.start < call.span.start
                && text
                    .strip_prefix("`.")
                    .and_then(|t| t.strip_prefix(call.name.as_str()))
                    .is_some_and(|t| t.starts_with('('))
        });
        if undone {
            self.disabled = None;
        }
    }
}

pub(super) fn target_text(t: &Target, consts: &HashMap<&str, &str>) -> Option<String> {
    match t {
        Target::Literal(s) => Some(s.clone()),
        Target::Const(name) => consts.get(name.as_str()).map(|s| s.to_string()),
        Target::Local(_) => None,
        // Resolved at the link step ([`super::bound::resolve`]); what it was otherwise.
        Target::HostField { or, .. } => or.as_deref().and_then(|t| target_text(t, consts)),
    }
}

/// A client construction being judged.
pub(super) struct ClientSite<'a> {
    pub(super) api: &'a ClientApi,
    /// The package file index it is built in, and where.
    pub(super) file: usize,
    pub(super) span: Span,
    pub(super) constructor: &'a str,
    pub(super) target: Option<&'a Target>,
    pub(super) origin_wrapped: bool,
    pub(super) timed_closures: &'a HashMap<&'a str, bool>,
    /// The package's functions only a caller's timeout wrapper runs, by name, each
    /// with why ([`super::timed`]).
    pub(super) timed_above: &'a HashMap<String, String>,
    /// The package's functions every caller hands a bounded request, by name, and
    /// the run's functions that make one ([`super::handed`]).
    pub(super) handed: (&'a HashMap<String, String>, &'a HashSet<String>),
    /// The package's connects made for a connection pool ([`super::pools`]), and the
    /// function (link key) the client is built in.
    pub(super) pooled: &'a Pooled<'a>,
    pub(super) in_fn: Option<&'a str>,
    /// Functions of the package that read a streamed response.
    pub(super) streaming: &'a HashSet<&'a str>,
    /// The chains the client meets in functions of other packages it is handed to
    /// ([`super::foreign`]): they bound it in time, their requests are judged there.
    pub(super) foreign: &'a [Chain],
}

/// How a client built or used under a timeout wrapper is bounded.
const WRAPPED: &str = "used under a timeout wrapper";

/// The advice for a client whose requests read a streamed response.
const STREAMING: &str = "; its response is read as a stream, which a total `timeout` would cut: bound the connection and each read instead (`connect_timeout`, `read_timeout`)";

/// The client's fact node, the requests made from it, and whether the client as a
/// whole is guarded by a breaker.
pub(super) fn judge_client(
    client: &ClientSite,
    chains: &[(usize, &Chain)],
    sites: &[Vec<(usize, &Chain)>],
    first_request: Option<Req>,
    (consts, bound): (&HashMap<&str, &str>, &HashSet<&str>),
) -> (Node, Vec<Req>, bool) {
    let ClientSite {
        api,
        file,
        span,
        constructor,
        target,
        origin_wrapped,
        timed_closures,
        timed_above,
        handed,
        pooled,
        in_fn,
        streaming,
        foreign,
    } = *client;
    // Built where a pool connects: its checkout bounds the client as a wrapper does.
    let origin = match (origin_wrapped, pooled.why(in_fn)) {
        (true, _) => Some(WRAPPED),
        (false, pool) => pool,
    };
    let own = eval_chains(api, chains.iter().copied(), first_request, (file, bound));
    let foreign = foreign.iter().map(|c| (usize::MAX, c));
    let elsewhere = eval_chains(api, foreign, None, (file, bound));
    let site_evals: Vec<Eval> = sites
        .iter()
        .map(|s| eval_chains(api, s.iter().copied(), None, (file, bound)))
        .collect();
    let requests = requests_of(
        &own,
        &site_evals,
        timed_closures,
        (timed_above, handed, pooled),
    );
    let guarded = own.breaker || site_evals.iter().any(|s| s.breaker);
    let here = |(f, s, text): Found| (if f == file { s } else { span }, text);
    let disabled = disabled_reason(&own, &site_evals, api).map(here);
    let unbounded = unbounded_reason(&own, &site_evals, api, origin.is_some()).map(here);
    // `reqwest::get(format!("http://{host}:{port}/health"))`: the construction's own
    // address is local.
    let own_local = match target {
        Some(Target::Local(why)) => Some(why.clone()),
        _ => None,
    };
    let target = target
        .and_then(|t| target_text(t, consts))
        .or_else(|| one_request_target(&requests, consts));
    let covered = match disabled {
        // A disabled timeout leaves no evidence, not even the library's default.
        Some(_) => None,
        None => {
            let mut bounded = requests.clone();
            bounded.extend(elsewhere.requests);
            timeout_evidence(
                api,
                span,
                &own,
                &site_evals,
                origin.or(elsewhere.wrapped.then_some(WRAPPED)),
                target.as_deref(),
                &bounded,
            )
        }
    };
    let local = own_local
        .or_else(|| own.local.clone())
        .or_else(|| local_reason(target.as_deref(), &requests, consts));
    let target = if local.is_some() { None } else { target };
    let mut node = client_node(api, span, constructor, covered, disabled, target);
    mark_node(&mut node, span, unbounded, local, (&requests, streaming));
    (node, requests, guarded)
}

/// Adds to a client's node (built at `span`) what its verdict says beyond the
/// timeout evidence: an unbounded connection, why it is local, and that a request
/// made from it reads a streamed response (in one of the `streaming` functions).
fn mark_node(
    node: &mut Node,
    span: Span,
    unbounded: Option<(Span, String)>,
    local: Option<String>,
    (requests, streaming): (&[Req], &HashSet<&str>),
) {
    if let (Value::Map(fields), Some((s, text))) = (&mut node.value, unbounded) {
        fields.push(entry("unbounded-connection", scalar(text, s)));
    }
    if let Value::Map(fields) = &mut node.value {
        if let Some(why) = local {
            fields.push(entry("local", scalar(why, span)));
        }
        let streams = requests
            .iter()
            .any(|r| r.in_fn.as_deref().is_some_and(|f| streaming.contains(f)));
        if streams {
            fields.push(entry("streaming", scalar(STREAMING, span)));
        }
    }
}

/// Every request made from the client (its own chains', then its hand-over sites'),
/// each marked timed or configurable when it runs in a closure whose calls all run
/// under a timeout (`timed_closures`), timed when only a caller's timeout wrapper
/// runs its function (`timed_above`), a pool connects in it (`pooled`), or a helper
/// or every caller bounds the request it sends (`handed`).
fn requests_of(
    own: &Eval,
    site_evals: &[Eval],
    timed_closures: &HashMap<&str, bool>,
    (timed_above, handed, pooled): (&HashMap<String, String>, Handed, &Pooled),
) -> Vec<Req> {
    let mut requests = own.requests.clone();
    requests.extend(site_evals.iter().flat_map(|s| s.requests.iter().cloned()));
    for r in &mut requests {
        match r.in_fn.as_deref().and_then(|f| timed_closures.get(f)) {
            Some(true) => r.configurable = true,
            Some(false) => r.timed = true,
            None => {}
        }
        let above = r.in_fn.as_deref().and_then(super::link_key::fn_name);
        let why = above.and_then(|f| timed_above.get(f).map(String::as_str));
        if let Some(why) = why
            .or_else(|| pooled.why(r.in_fn.as_deref()))
            .filter(|_| !r.timed)
        {
            r.timed = true;
            r.under = Some(why.to_string());
        }
        if !r.timed {
            r.set_by = handed_bound(r, handed);
            r.timed = r.set_by.is_some();
        }
    }
    requests
}

/// The one address every request names, if there is one. A request whose address is
/// not known (a URL built at run time) may go anywhere: the client then has no address
/// of its own, and its calls do not inherit one (symbolicator's shared client posts
/// its GCS token request to a literal `www.googleapis.com` and downloads from the
/// URLs of configured sources, which are not Google's).
fn one_request_target(requests: &[Req], consts: &HashMap<&str, &str>) -> Option<String> {
    let mut found: Option<String> = None;
    for r in requests {
        let t = r.target.as_ref().and_then(|t| target_text(t, consts))?;
        match &found {
            Some(f) if *f != t => return None,
            Some(_) => {}
            None => found = Some(t),
        }
    }
    found
}

/// What bounds the client's calls in time, strongest first: a builder timeout (on
/// the client itself, or at every site it was handed to), a timeout wrapper, a
/// timeout in the target URI, a timeout on every request (configured or not), and
/// last the library's default. `None`: nothing does.
fn timeout_evidence(
    api: &ClientApi,
    span: Span,
    own: &Eval,
    site_evals: &[Eval],
    origin_wrapped: Option<&str>,
    target: Option<&str>,
    requests: &[Req],
) -> Option<(Span, Evidence, String)> {
    let sites_timed = !site_evals.is_empty()
        && site_evals
            .iter()
            .all(|s| s.builder_timeout.is_some() || s.wrapped);
    let wrapped = (own.wrapped || site_evals.iter().any(|s| s.wrapped)).then_some(WRAPPED);
    let wrapped = origin_wrapped.or(wrapped);
    let target_timeout = target.is_some_and(|t| {
        api.target_timeout_params
            .iter()
            .any(|p| t.contains(&format!("{p}=")))
    });
    let builder_timeout = own.builder_timeout.map(|s| (s, own.builder_configurable));
    let builder_timeout = builder_timeout.or(sites_timed.then_some((span, false)));
    let all = |timed: fn(&Req) -> bool| !requests.is_empty() && requests.iter().all(timed);
    let covered = if let Some((s, configurable)) = builder_timeout {
        Some(if configurable {
            (
                s,
                Evidence::Configurable,
                "a timeout is set on the builder when configured",
            )
        } else {
            (s, Evidence::Builder, "a timeout is set on the builder")
        })
    } else if let Some(how) = wrapped {
        Some((span, Evidence::Wrapped, how))
    } else if target_timeout {
        Some((span, Evidence::TargetUri, "the target URI sets a timeout"))
    } else if all(|r| r.timed) {
        let set_by = || requests.iter().find_map(|r| r.set_by.as_deref());
        Some(match requests.iter().find_map(|r| r.under.as_deref()) {
            Some(why) => (span, Evidence::Wrapped, why),
            None => (
                span,
                Evidence::Request,
                set_by().unwrap_or("every request sets a timeout"),
            ),
        })
    } else if all(|r| r.timed || r.configurable) {
        Some((
            span,
            Evidence::Configurable,
            "every request sets a timeout when one is configured",
        ))
    } else {
        None
    };
    covered
        .map(|(s, e, how)| (s, e, how.to_string()))
        .or_else(|| {
            api.default_timeout.as_ref().map(|d| {
                let how = format!("library default timeout ({d})");
                (span, Evidence::LibraryDefault, how)
            })
        })
}

/// Why the client's calls are no remote integration, when its address (`target`) is
/// local (a Unix socket, this host, a health probe) or every request's is. One local
/// request does not make the client local: the same client may call a sidecar on
/// `localhost` and a remote API, whose calls stay judged.
fn local_reason(
    target: Option<&str>,
    requests: &[Req],
    consts: &HashMap<&str, &str>,
) -> Option<String> {
    if let Some(why) = target.and_then(super::syntax::local_reason) {
        return Some(why.to_string());
    }
    let mut first: Option<String> = None;
    for r in requests {
        let why = match r.target.as_ref()? {
            Target::Local(why) => why.clone(),
            t => super::syntax::local_reason(&target_text(t, consts)?)?.to_string(),
        };
        first.get_or_insert(why);
    }
    first
}

/// Why the client has no timeout at all, if something turns it off (`.timeout(None)`).
/// The place is the call's, in whichever file it is ([`Found`]).
fn disabled_reason(own: &Eval, site_evals: &[Eval], api: &ClientApi) -> Option<Found> {
    own.disabled
        .clone()
        .or_else(|| site_evals.iter().find_map(|s| s.disabled.clone()))
        .map(|(f, s, call)| {
            let text = match &api.default_timeout {
                Some(d) => format!("{call} turns off the default {d} timeout of {}", api.name),
                None => format!("{call} leaves {} without a timeout", api.name),
            };
            (f, s, text)
        })
}

/// A call that opens a connection with no timeout on a client otherwise bounded
/// (`get_connection()` on redis, whose async connections have timeouts): nothing is
/// switched off, the connection never had a bound, so `rust/http-client-without-timeout`
/// reports it at that call. `bounded`: the client is built under a deadline (a timeout
/// wrapper, a pool's checkout), which the connection does not escape.
fn unbounded_reason(
    own: &Eval,
    site_evals: &[Eval],
    api: &ClientApi,
    bounded: bool,
) -> Option<Found> {
    if bounded {
        return None;
    }
    own.unbounded
        .clone()
        .or_else(|| site_evals.iter().find_map(|s| s.unbounded.clone()))
        .map(|(f, s, call)| {
            let text = format!("{call} opens a {} connection without any timeout", api.name);
            (f, s, text)
        })
}

#[cfg(test)]
mod tests {
    use super::{timeout_evidence, Eval, Req};
    use crate::extract::rust::clients::nodes::Evidence;
    use crate::tree::Span;

    fn request(under: Option<&str>, set_by: Option<&str>) -> Req {
        Req {
            timed: true,
            target: None,
            file: 0,
            span: Span::default(),
            breaker: false,
            in_fn: None,
            configurable: false,
            under: under.map(String::from),
            handed: set_by.is_some(),
            made: None,
            set_by: set_by.map(String::from),
        }
    }

    #[test]
    fn a_request_a_helper_bounds_is_a_per_request_timeout() {
        let api = toml::from_str("name = \"tonic\"\ncrate = \"tonic\"\n").expect("an entry");
        let made = "its request is made by `make_request`, which sets a timeout on it";
        let evidence = |requests: &[Req]| {
            let own = Eval::default();
            timeout_evidence(&api, Span::default(), &own, &[], None, None, requests)
                .map(|(_, e, why)| (e, why))
        };
        assert_eq!(
            evidence(&[request(None, Some(made))]),
            Some((Evidence::Request, made.to_string()))
        );
        assert_eq!(
            evidence(&[
                request(Some("a caller's timeout"), None),
                request(None, Some(made))
            ]),
            Some((Evidence::Wrapped, "a caller's timeout".to_string()))
        );
        assert_eq!(
            evidence(&[request(None, None)]),
            Some((
                Evidence::Request,
                "every request sets a timeout".to_string()
            ))
        );
    }
}
