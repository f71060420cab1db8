//! What one client amounts to: its calls evaluated against its catalogue entry
//! ([`super::eval`]), then its timeout evidence, whether a breaker guards it, whether
//! it is local at all, and the requests made from it ([`judge_client`]). The link
//! step ([`super::link`]) finds the chains; this module reads them.

use rustc_hash::{FxHashMap as HashMap, FxHashSet as HashSet};

use super::bound::{resolve, Addresses};
pub(super) use super::eval::Req;
use super::eval::{eval_chains, Eval, Found};
use super::handed::{handed_bound, Handed};
use super::link::{entry, scalar};
use super::link_key::by_key;
use super::nodes::{client_node, Evidence};
use super::pools::Pooled;
use crate::extract::rust::catalog::ClientApi;
use crate::extract::rust::facts::{Chain, Target};
use crate::tree::{Node, Span, Value};

/// The package's constants by name, for the addresses calls name: a file's own
/// constant first (nittei's Google and Outlook providers each define
/// `TOKEN_REFETCH_ENDPOINT`), then any file's.
pub(super) struct Consts<'p> {
    package: HashMap<&'p str, &'p str>,
    files: Vec<&'p std::collections::HashMap<String, String>>,
    /// The run's constants of one local address, for a name no file of the package
    /// defines ([`super::run_consts`]).
    run: &'p HashMap<String, String>,
}

impl<'p> Consts<'p> {
    pub(super) fn of(
        package: &'p [(usize, crate::extract::rust::FileFacts)],
        run: &'p HashMap<String, String>,
    ) -> Self {
        Consts {
            package: (package.iter())
                .flat_map(|(_, f)| f.consts.iter().map(|(k, v)| (k.as_str(), v.as_str())))
                .collect(),
            files: package.iter().map(|(_, f)| &f.consts).collect(),
            run,
        }
    }

    /// Constant `name` as package file `file` sees it.
    fn get(&self, file: usize, name: &str) -> Option<&str> {
        (self
            .files
            .get(file)
            .and_then(|f| f.get(name))
            .map(String::as_str))
        .or_else(|| self.package.get(name).copied())
        .or_else(|| self.run.get(name).map(String::as_str))
    }
}

/// The address target `t` names, as written in package file `file`.
pub(super) fn target_text(t: &Target, consts: &Consts, file: usize) -> Option<String> {
    match t {
        Target::Literal(s) => Some(s.clone()),
        Target::Const(name) => consts.get(file, name).map(str::to_string),
        Target::Local(_) => None,
        // Resolved at the link step ([`super::bound::resolve`]); what it was otherwise.
        Target::HostField { or, .. } | Target::Returned { or, .. } => {
            or.as_deref().and_then(|t| target_text(t, consts, file))
        }
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
    /// The package's functions every caller hands a bounded request, by name, the
    /// run's functions that make one, and those that send one handed to them with a
    /// timeout ([`super::handed`], [`super::senders`]).
    pub(super) handed: Handed<'a>,
    /// The package's connects made for a connection pool ([`super::pools`]), and the
    /// function (link key) the client is built in.
    pub(super) pooled: &'a Pooled<'a>,
    pub(super) in_fn: Option<&'a str>,
    /// Functions of the package that read a streamed response.
    pub(super) streaming: &'a HashSet<&'a str>,
    /// The chains the client meets in functions of other packages it is handed to
    /// ([`super::foreign`]): they bound it in time, their requests are judged there.
    pub(super) foreign: &'a [Chain],
    /// The function it is built in spawns a task: what it hands over may outlive it.
    pub(super) built_spawns: bool,
}

/// How a client built or used under a timeout wrapper is bounded.
const WRAPPED: &str = "used under a timeout wrapper";

/// The advice for a client whose requests read a streamed response, when its
/// catalogue entry gives no `streaming-advice` of its own.
const STREAMING: &str = "bound connecting and each read instead (a connect timeout, and a read timeout or a deadline around each read)";

/// The client's fact node, the requests made from it, and whether the client as a
/// whole is guarded by a breaker.
pub(super) fn judge_client(
    client: &ClientSite,
    chains: &[(usize, &Chain)],
    sites: &[Vec<(usize, &Chain)>],
    first_request: Option<Req>,
    (consts, bound): (&Consts, &Addresses),
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
        built_spawns,
    } = *client;
    // Built where a pool connects: its checkout bounds the client as a wrapper does.
    let origin = match (origin_wrapped, pooled.why(in_fn)) {
        (true, _) => Some(WRAPPED),
        (false, pool) => pool,
    };
    let own = eval_chains(api, chains.iter().copied(), first_request, (file, bound));
    let foreign = foreign.iter().map(|c| (usize::MAX, c));
    let mut elsewhere = eval_chains(api, foreign, None, (file, bound));
    // Handed to another package's function from the function it is built in, which
    // only timeout wrappers run and which spawns no task: the requests made there run
    // while that function does.
    let built_timed = (in_fn.filter(|_| !built_spawns)).and_then(|f| by_key(timed_above, f));
    if let Some(why) = built_timed {
        for r in elsewhere.requests.iter_mut().filter(|r| !r.timed) {
            r.timed = true;
            r.under = Some(why.clone());
        }
    }
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
    let target = target.and_then(|t| resolve(t, bound));
    let own_local = match &target {
        Some(Target::Local(why)) => Some(why.clone()),
        _ => None,
    };
    let target = (target.as_ref())
        .and_then(|t| target_text(t, consts, file))
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
    // Only connecting bounded: said in the finding, which would otherwise read as if
    // the builder set nothing.
    let connect_only = (own.connect_only.as_ref())
        .or_else(|| site_evals.iter().find_map(|s| s.connect_only.as_ref()))
        .filter(|_| covered.is_none() && disabled.is_none())
        .map(|m| format!(" (`.{m}(..)` bounds connecting only, not a slow response)"));
    let mut node = client_node(api, span, constructor, covered, disabled, target);
    mark_node(
        &mut node,
        (api, span),
        unbounded,
        local,
        connect_only,
        (&requests, streaming),
    );
    (node, requests, guarded)
}

/// Adds to a client's node (built at `span`) what its verdict says beyond the
/// timeout evidence: an unbounded connection, why it is local, a builder call that
/// bounds only connecting, and that a request
/// made from it reads a streamed response (in one of the `streaming` functions).
fn mark_node(
    node: &mut Node,
    (api, span): (&ClientApi, Span),
    unbounded: Option<(Span, String)>,
    local: Option<String>,
    connect_only: Option<String>,
    (requests, streaming): (&[Req], &HashSet<&str>),
) {
    if let (Value::Map(fields), Some((s, text))) = (&mut node.value, unbounded) {
        fields.push(entry("unbounded-connection", scalar(text, s)));
    }
    if let Value::Map(fields) = &mut node.value {
        if let Some(why) = local {
            fields.push(entry("local", scalar(why, span)));
        }
        if let Some(text) = connect_only {
            fields.push(entry("connect-only", scalar(text, span)));
        }
        let streams = requests
            .iter()
            .any(|r| r.in_fn.as_deref().is_some_and(|f| streaming.contains(f)));
        if streams {
            let advice = api.streaming_advice.as_deref().unwrap_or(STREAMING);
            let text = format!(
                "; its response is read as a stream, which a total `timeout` would cut: {advice}"
            );
            fields.push(entry("streaming", scalar(text, span)));
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
        let why = (r.in_fn.as_deref()).and_then(|f| by_key(timed_above, f).map(String::as_str));
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
fn one_request_target(requests: &[Req], consts: &Consts) -> Option<String> {
    let mut found: Option<String> = None;
    for r in requests {
        let t = r
            .target
            .as_ref()
            .and_then(|t| target_text(t, consts, r.file))?;
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
fn local_reason(target: Option<&str>, requests: &[Req], consts: &Consts) -> Option<String> {
    if let Some(why) = target.and_then(super::syntax::local_reason) {
        return Some(why.to_string());
    }
    let mut first: Option<String> = None;
    for r in requests {
        let why = match r.target.as_ref()? {
            Target::Local(why) => why.clone(),
            t => super::syntax::local_reason(&target_text(t, consts, r.file)?)?.to_string(),
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
            handed_to: Vec::new(),
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
