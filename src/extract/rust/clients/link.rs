//! The client analysis's per-package link step: resolves factories across the
//! package's files (`a()` returns `b()` returns a client), follows a client handed
//! over through fields and parameters, and judges each client's calls against its
//! catalogue entry: a client is a timeout subject at its construction, each request
//! made from it a circuit-breaker subject at its call site (in whichever file it is
//! made).

// Link steps hash every name of a package; `Fx` hashing is several times cheaper than
// the default SipHash, and nothing here is attacker-keyed or iterated into output order.
use rustc_hash::{FxHashMap as HashMap, FxHashSet as HashSet};

use super::bound::Addresses;
use super::flow::{factory_sites, Flow, HandleId};
use super::nodes::call_node;
use super::package::{one_shot, timed_closures};
use super::pools::Pooled;
use super::verdict::{judge_client, ClientSite, Consts, Req};
use super::workspace::LibraryReach;
use crate::extract::rust::catalog::{Catalog, ClientApi};
use crate::extract::rust::facts::{Chain, ClientOrigin, FileFacts, Origin};
use crate::extract::rust::front::target::WASM_CODE;
use crate::tree::{Node, Span, Value};

pub(crate) fn scalar(text: impl Into<String>, span: Span) -> Node {
    Node::scalar(text, false, span)
}

pub(crate) fn entry(key: &str, value: Node) -> (Node, Node) {
    (scalar(key, value.span), value)
}

/// The `clients` and `calls` nodes of each file of a package (by package file index).
pub(crate) struct Linked {
    pub clients: Vec<Vec<Node>>,
    pub calls: Vec<Vec<Node>>,
    /// Every remote request judged (one to this host, a socket or a health probe left
    /// out): package file index, span and the function (link key) it is made in; the
    /// retry analysis asks which loops reach one.
    pub requests: Vec<(usize, Span, Option<String>)>,
}

/// Links one package's clients: every client judged, every request made from it.
/// `library`: who reaches this package's calls ([`super::workspace::library_reach`]);
/// a call no long-running package reaches carries why.
pub(crate) fn link_clients(
    package: &[(usize, FileFacts)],
    catalog: &Catalog,
    library: &LibraryReach,
) -> Linked {
    let t = Tables::of(package, catalog, library);
    let pooled = super::pools::Pooled::of(package, &library.pooled);
    let cx = Cx {
        package,
        catalog,
        library,
        t: &t,
        pooled: &pooled,
    };
    let mut out = Linked {
        clients: vec![Vec::new(); package.len()],
        calls: vec![Vec::new(); package.len()],
        requests: Vec::new(),
    };
    let mut seen_calls: HashSet<(usize, Span)> = HashSet::default();
    let mut twins = Twins::default();
    for (fi, (_, facts)) in package.iter().enumerate() {
        for (hi, h) in facts.handles.iter().enumerate() {
            let Origin::Client(client) = &h.origin else {
                continue;
            };
            cx.link_client((fi, hi), client, &mut seen_calls, &mut twins, &mut out);
        }
    }
    twins.drop_from(&mut out.clients);
    out
}

/// What one package's link reads for each of its clients, gathered once by
/// [`link_clients`] and handed to the steps that judge a client.
struct Cx<'c, 'p> {
    package: &'p [(usize, FileFacts)],
    catalog: &'c Catalog,
    library: &'c LibraryReach,
    t: &'c Tables<'p>,
    pooled: &'c Pooled<'c>,
}

impl Cx<'_, '_> {
    /// Whether client `hi` of package file `fi` is kept in a field of a type whose
    /// value a timeout consumer is handed ([`FileFacts::consumer_types`]: the OTLP
    /// exporter's `with_http_client(LoggingHttpClient::new(..))`): it sends under the
    /// consumer's deadline.
    fn kept_for_consumer(&self, (fi, hi): HandleId) -> bool {
        let consumed = &self.t.consumer_types;
        !consumed.is_empty()
            && (self.package[fi].1.field_binds.iter())
                .filter(|(_, h)| *h == hi)
                .filter_map(|(key, _)| key.split_once('.'))
                .any(|(ty, _)| consumed.contains(ty))
    }

    /// Judges client `client`, handle `hi` of package file `fi`, and each request
    /// made from it: its node goes to `out.clients`, its requests' to `out.calls`.
    fn link_client(
        &self,
        (fi, hi): HandleId,
        client: &ClientOrigin,
        seen_calls: &mut HashSet<(usize, Span)>,
        twins: &mut Twins,
        out: &mut Linked,
    ) {
        let ClientOrigin {
            api,
            span,
            constructor,
            target,
            request,
            wrapped,
            breaker,
            in_fn,
            wildcard_type,
            twin_of,
            host_called: _,
            wasm,
        } = client;
        let (t, library) = (self.t, self.library);
        let judged = self.judged_entry((fi, hi), *api, in_fn.as_deref(), wildcard_type.as_deref());
        let Some(entry_api) = judged else {
            return;
        };
        // A generated client (`**::?*Client::connect`) is named by its type in the
        // messages (`AgentConnectionClient`), not by the catalogue's description.
        let generated;
        let entry_api = match wildcard_type {
            Some(ty) => {
                generated = ClientApi {
                    name: ty.clone(),
                    ..entry_api.clone()
                };
                &generated
            }
            None => entry_api,
        };
        let site_list = t.sites.get(&(fi, hi)).map(Vec::as_slice).unwrap_or(&[]);
        let wrapped = &(*wrapped || self.kept_for_consumer((fi, hi)));
        let first_request = request.then(|| Req {
            timed: *wrapped,
            target: target.clone(),
            file: fi,
            span: *span,
            breaker: *breaker,
            in_fn: in_fn.clone(),
            configurable: false,
            under: None,
            handed: false,
            made: None,
            set_by: None,
            handed_to: Vec::new(),
        });
        let client = ClientSite {
            api: entry_api,
            file: fi,
            span: *span,
            constructor,
            target: target.as_ref(),
            origin_wrapped: *wrapped,
            timed_closures: &t.timed,
            timed_above: &library.timed,
            handed: (&library.handed, &library.makers, &library.senders),
            pooled: self.pooled,
            in_fn: in_fn.as_deref(),
            streaming: &t.streaming,
            foreign: library.foreign.get(&(fi, hi)).map_or(&[], Vec::as_slice),
            built_spawns: in_fn
                .as_deref()
                .is_some_and(|k| spawns(&self.package[fi].1, k)),
        };
        let own = t.flow.chains_of(self.package, fi, hi);
        let (mut node, requests, guarded) = judge_client(
            &client,
            &own,
            site_list,
            first_request,
            (&t.consts, &t.bound),
        );
        let wasm = self.mark_client(&mut node, (fi, in_fn.as_deref()), *span, *wasm, &requests);
        let judged = (entry_api, guarded, wasm);
        self.push_requests(judged, &node, requests, seen_calls, out);
        twins.note(&node, (fi, out.clients[fi].len()), span.start, *twin_of);
        out.clients[fi].push(node);
    }

    /// The catalogue entry of client `api` (handle `hi` of package file `fi`, built in
    /// function `in_fn`), unless the client is not judged: a wildcard match of the
    /// workspace's own type, test or dead code, or a client nothing consumes.
    fn judged_entry(
        &self,
        (fi, hi): HandleId,
        api: usize,
        in_fn: Option<&str>,
        wildcard_type: Option<&str>,
    ) -> Option<&ClientApi> {
        let (t, library) = (self.t, self.library);
        if wildcard_type.is_some_and(|w| t.types.contains(w) || library.own_types.contains(w)) {
            return None;
        }
        // Built in a function only tests call or none calls: test or dead code.
        if library.unrun(in_fn) {
            return None;
        }
        let legacy = library.legacy.get(&api).copied();
        let entry_api = self.catalog.clients.get(legacy.unwrap_or(api))?;
        if super::package::unconsumed(entry_api, api, self.package, fi, hi)
            || super::placeholders::is_placeholder(self.package, (fi, hi))
        {
            return None;
        }
        Some(entry_api)
    }

    /// Marks a client's node with why it needs no timeout of a service's own: only
    /// one-shot tools use it, it is built for WebAssembly, a server-side timeout bounds
    /// it, or nobody waits on it. Returns the WebAssembly mark, its requests' too.
    fn mark_client(
        &self,
        node: &mut Node,
        built: (usize, Option<&str>),
        span: Span,
        wasm: bool,
        requests: &[Req],
    ) -> Option<&'static str> {
        let library = self.library;
        let tool = client_tool_reason(self.t, library, (built, span), requests);
        if let (Some(why), Value::Map(fields)) = (tool, &mut node.value) {
            fields.push(entry("one-shot", scalar(&why, span)));
        }
        // Built for WebAssembly only: the host's `fetch`, not a service's client.
        let wasm = wasm
            .then_some(WASM_CODE)
            .or(self.package[built.0].1.wasm_only);
        if let (Some(why), Value::Map(fields)) = (wasm, &mut node.value) {
            fields.push(entry("wasm", scalar(why, span)));
        }
        // The client cannot hold a caller past the server's request timeout: every
        // request made from it (or, with none in sight, its construction) is in a
        // function only requests a server-side timeout layer bounds run.
        let bounded = every_request(built, requests, |f, i| library.request_bounded(f, i));
        if let (Some(why), Value::Map(fields)) = (bounded, &mut node.value) {
            fields.push(entry("server-timeout", scalar(&why, span)));
        }
        if let (Some(why), Value::Map(fields)) = (&self.t.function_timeout, &mut node.value) {
            fields.push(entry("function-timeout", scalar(why, span)));
        }
        // Nobody waits on it: every request is in a function only detached tasks
        // run (telemetry, a notification, a background download).
        let detached = every_request(built, requests, |_, i| {
            library.detached(i).map(str::to_string)
        });
        if let (Some(why), Value::Map(fields)) = (detached, &mut node.value) {
            fields.push(entry("detached", scalar(&why, span)));
        }
        wasm
    }

    /// Adds the node of each request made from client `node` not judged before (from
    /// another client), and notes each remote one for the retry analysis. `judged`:
    /// the client's catalogue entry, whether a breaker guards it, its WebAssembly mark.
    fn push_requests(
        &self,
        (entry_api, guarded, wasm): (&ClientApi, bool, Option<&'static str>),
        node: &Node,
        requests: Vec<Req>,
        seen_calls: &mut HashSet<(usize, Span)>,
        out: &mut Linked,
    ) {
        let builders = builder_requests(self.package, &requests);
        for (r, builder) in requests.into_iter().zip(builders) {
            if !seen_calls.insert((r.file, r.span)) {
                continue;
            }
            // A request to this host, a socket or a health probe is no integration
            // point: a retry loop making only such requests polls something local.
            let mut local = node.get("local").is_some();
            if !builder {
                let mut call = request_node(entry_api, &r, guarded, node, self.t, self.library);
                let wasm_call = wasm.or(self.package[r.file].1.wasm_only);
                if let (Some(why), Value::Map(fields)) = (wasm_call, &mut call.value) {
                    fields.push(entry("wasm", scalar(why, r.span)));
                }
                local |= call.get("local").is_some();
                out.calls[r.file].push(call);
            }
            if !local {
                out.requests.push((r.file, r.span, r.in_fn));
            }
        }
    }
}

/// Per request, whether a method declared to return it unsent (`fn get(&self,
/// url: &str) -> RequestBuilder`) makes it while a method of the same type in the
/// same file sends the client's requests (`execute`): the sends are the call sites,
/// not each helper that builds a request for them (triagebot's `GithubClient`). A
/// free helper, or one whose type sends nothing itself, stays the call site: its
/// callers' sends are not tracked.
fn builder_requests(package: &[(usize, FileFacts)], requests: &[Req]) -> Vec<bool> {
    fn owner(q: &Req) -> Option<&str> {
        Some(q.in_fn.as_deref()?.rsplit_once("::")?.0)
    }
    let unsent: Vec<bool> = requests
        .iter()
        .map(|q| {
            let (Some(f), Some((_, facts))) = (q.in_fn.as_deref(), package.get(q.file)) else {
                return false;
            };
            facts.request_builder_fns.iter().any(|b| b == f)
        })
        .collect();
    (requests.iter().zip(&unsent))
        .map(|(r, &u)| {
            u && owner(r).is_some_and(|ty| {
                (requests.iter().zip(&unsent))
                    .any(|(q, &qu)| !qu && q.file == r.file && owner(q) == Some(ty))
            })
        })
        .collect()
}

/// Clients built in either branch of an `if` into one binding
/// ([`ClientOrigin::twin_of`]): a twin judged as its first branch is the same client,
/// reported once.
#[derive(Default)]
struct Twins {
    /// Each client's (timed, disabled), by (file, construction offset).
    verdicts: HashMap<(usize, usize), (bool, bool)>,
    /// The twins: (file, node position, first branch's offset, verdict).
    twins: Vec<(usize, usize, usize, (bool, bool))>,
}

impl Twins {
    /// Notes client `node` of file `at.0`, at position `at.1` among its nodes, built at
    /// offset `start`.
    fn note(&mut self, node: &Node, at: (usize, usize), start: usize, twin_of: Option<usize>) {
        let verdict = (
            node.get("timeout").is_some(),
            node.get("timeout-disabled").is_some() || node.get("unbounded-connection").is_some(),
        );
        self.verdicts.insert((at.0, start), verdict);
        if let Some(first) = twin_of {
            self.twins.push((at.0, at.1, first, verdict));
        }
    }

    /// Removes the twins judged as their first branch: later positions first, so the
    /// earlier ones stay where they are.
    fn drop_from(self, clients: &mut [Vec<Node>]) {
        for (fi, pos, first, verdict) in self.twins.into_iter().rev() {
            if self.verdicts.get(&(fi, first)) == Some(&verdict) {
                clients[fi].remove(pos);
            }
        }
    }
}

/// The node of one request of `client`: covered by a breaker when the client is
/// `guarded`, the request runs in a breaker, or its function is called inside one;
/// marked when its package is a one-shot tool or no long-running package reaches it.
fn request_node(
    api: &ClientApi,
    r: &Req,
    guarded: bool,
    client: &Node,
    t: &Tables,
    library: &LibraryReach,
) -> Node {
    let covered = guarded
        || r.breaker
        || r.in_fn
            .as_deref()
            .is_some_and(|f| t.guarded_fns.contains(f));
    let breaker = match covered {
        true => Some("runs inside a circuit breaker"),
        false => library.hand_breaker(r.in_fn.as_deref()),
    };
    let mut call = call_node(api, r, breaker, client, &t.consts);
    if let Value::Map(fields) = &mut call.value {
        if let Some(why) = one_shot_reason(t, library, (r.file, r.span), r.in_fn.as_deref()) {
            fields.push(entry("one-shot", scalar(why, r.span)));
        }
        if let Some(why) = library.why_not_judged(r.in_fn.as_deref()) {
            fields.push(entry("library", scalar(why, r.span)));
        }
        if let Some(why) = library.periodic(r.in_fn.as_deref()) {
            fields.push(entry("periodic", scalar(why, r.span)));
        }
        if let Some(why) = library.detached(r.in_fn.as_deref()) {
            fields.push(entry("detached", scalar(why, r.span)));
        }
        if let Some(why) = library.job(r.in_fn.as_deref()) {
            fields.push(entry("background-job", scalar(why, r.span)));
        }
        if let Some(why) = library.off_request_path(r.file, r.in_fn.as_deref()) {
            fields.push(entry("off-request-path", scalar(&why, r.span)));
        }
        if let Some(name) = r.in_fn.as_deref().and_then(|f| f.strip_prefix("static ")) {
            let why =
                format!("made in the initializer of `static {name}`, which runs once per process");
            fields.push(entry("once", scalar(&why, r.span)));
        }
        if breaker.is_none() && untimed(r, client) {
            fields.push(entry("untimed-client", scalar(UNTIMED, r.span)));
        }
    }
    call
}

const UNTIMED: &str = "its client sets no timeout: a call that hangs never fails, so a breaker \
    counting failures never opens; the client's missing timeout is the finding to fix first";

/// No timeout bounds request `r` of `client`: none on the request, the client, or a
/// server-side layer around every request that uses it. A call to this host is none.
fn untimed(r: &Req, client: &Node) -> bool {
    !r.timed
        && ["timeout", "server-timeout", "local"]
            .iter()
            .all(|k| client.get(k).is_none())
}

/// Why code in function `in_fn` at `span` of package file `file` runs only as a
/// one-shot command: the package is a one-shot tool, the file is a one-shot
/// command's of a long-running package, only its `main`'s command gate reaches the
/// function, the code is in a one-shot subcommand's `match` arm, or the function is
/// a person's browser login ([`super::logins`]).
fn one_shot_reason<'a>(
    t: &Tables<'a>,
    library: &'a LibraryReach,
    (file, span): (usize, Span),
    in_fn: Option<&str>,
) -> Option<&'a str> {
    let tool = t.one_shot.filter(|_| !library.runs_long);
    tool.or_else(|| library.command(file))
        .or_else(|| library.gated(in_fn))
        .or_else(|| library.inline_command(file, span))
        .or_else(|| library.login(in_fn))
}

/// Why only one-shot tools run code in function `in_fn` at `at` (package file, span):
/// it is a one-shot command's ([`one_shot_reason`]), or in a library only such tools
/// reach. An SDK nothing of the run uses is no tool's: its callers are unknown.
fn tool_reason(
    t: &Tables,
    library: &LibraryReach,
    at: (usize, Span),
    in_fn: Option<&str>,
) -> Option<String> {
    one_shot_reason(t, library, at, in_fn)
        .map(str::to_string)
        .or_else(|| library.tools_only(in_fn))
}

/// Why only one-shot tools use a client built in function `built.1` of package file
/// `built.0` (at `span`): every request made from it is a tool's, or, with none in
/// sight, its construction is. A client of a one-shot tool holds up only the user
/// who ran it, who can interrupt it; the timeout rule leaves it, as the breaker rule
/// leaves its calls.
fn client_tool_reason(
    t: &Tables,
    library: &LibraryReach,
    (built, span): ((usize, Option<&str>), Span),
    requests: &[Req],
) -> Option<String> {
    let Some((first, rest)) = requests.split_first() else {
        return tool_reason(t, library, (built.0, span), built.1);
    };
    let why = tool_reason(t, library, (first.file, first.span), first.in_fn.as_deref())?;
    rest.iter()
        .all(|r| tool_reason(t, library, (r.file, r.span), r.in_fn.as_deref()).is_some())
        .then_some(why)
}

/// Whether function `key` (a link key, a closure's counting as its function's) of
/// file `f` spawns a task (`tokio::spawn(..)`, `spawn_blocking`, `spawn_local`).
fn spawns(f: &FileFacts, key: &str) -> bool {
    let base = key.find("::{").map_or(key, |i| &key[..i]);
    (f.routes.fns.iter())
        .filter(|info| super::entries::body_key(info) == base)
        .any(|info| info.calls().iter().any(|c| c.starts_with("spawn")))
}

/// `why` of the first request when every request has one; with no request in
/// sight, `why` of the construction `built`.
fn every_request(
    built: (usize, Option<&str>),
    requests: &[Req],
    why: impl Fn(usize, Option<&str>) -> Option<String>,
) -> Option<String> {
    let Some((first, rest)) = requests.split_first() else {
        return why(built.0, built.1);
    };
    let reason = why(first.file, first.in_fn.as_deref())?;
    rest.iter()
        .all(|r| why(r.file, r.in_fn.as_deref()).is_some())
        .then_some(reason)
}

/// What the whole package says that each client's verdict reads.
struct Tables<'p> {
    /// Constants by name, for targets.
    consts: Consts<'p>,
    /// Types the package defines: a wildcard client type named here is the package's own.
    types: HashSet<&'p str>,
    flow: Flow<'p>,
    /// Why the package is a one-shot tool, when it is one.
    one_shot: Option<&'p str>,
    timed: HashMap<&'p str, bool>,
    /// Functions that read a response as a stream.
    streaming: HashSet<&'p str>,
    sites: HashMap<HandleId, Vec<Vec<(usize, &'p Chain)>>>,
    /// Functions called inside a breaker's `call`: their calls are guarded one level down.
    guarded_fns: HashSet<&'p str>,
    /// Fields the package's listeners bind and addresses its functions return
    /// ([`super::bound`]).
    bound: Addresses<'p>,
    /// Types whose value a timeout consumer is handed ([`FileFacts::consumer_types`]).
    consumer_types: HashSet<&'p str>,
    /// Why a serverless function's timeout bounds every client of the package, when
    /// it runs as one ([`super::serverless`]).
    function_timeout: Option<String>,
}

impl<'p> Tables<'p> {
    fn of(package: &'p [(usize, FileFacts)], catalog: &Catalog, library: &'p LibraryReach) -> Self {
        let names = |field: fn(&'p FileFacts) -> &'p Vec<String>| -> HashSet<&'p str> {
            package
                .iter()
                .flat_map(|(_, f)| field(f).iter().map(String::as_str))
                .collect()
        };
        let flow = Flow::new(package);
        let sites = factory_sites(package, &flow);
        Tables {
            consts: Consts::of(package, &library.local_consts),
            types: package
                .iter()
                .flat_map(|(_, f)| f.types.iter().map(String::as_str))
                .collect(),
            flow,
            one_shot: one_shot(package),
            timed: timed_closures(package, catalog),
            streaming: names(|f| &f.streaming_fns),
            sites,
            guarded_fns: names(|f| &f.breaker_callees),
            bound: Addresses {
                bound: names(|f| &f.bound_fields),
                fns: super::address_fns::table(package.iter().flat_map(|(_, f)| &f.address_fns)),
            },
            consumer_types: names(|f| &f.consumer_types),
            function_timeout: super::serverless::function_timeout(package, catalog),
        }
    }
}
