//! What the client visitor knows inside one function or block: the variables bound
//! to handles, addresses and pending requests, and what the function returns. One
//! scope per function body, pushed and popped by the visitor.

use rustc_hash::FxHashMap;

use crate::extract::rust::facts::Target;

#[derive(Default)]
pub(super) struct Scope {
    pub(super) vars: FxHashMap<String, usize>,
    /// Methods called on variables that are not handles (`req.set_timeout(d)`).
    pub(super) var_methods: FxHashMap<String, Vec<String>>,
    /// The function's parameters typed as a request (`req: Request<T>`): a call
    /// passing one sends what a caller made ([`super::handed`]).
    pub(super) request_params: rustc_hash::FxHashSet<String>,
    pub(super) returns: Vec<usize>,
    /// Closures bound by `let` → their link key (`<fn>::{closure name}`).
    pub(super) closures: FxHashMap<String, String>,
    /// Requests not yet awaited, bound by `let` (`let fut = client.get(u).send();`)
    /// → (handle, chain index): a timeout wrapper given the variable bounds them.
    pub(super) pending: FxHashMap<String, (usize, usize)>,
    /// Futures of `async` blocks bound by `let` (`let getter = async {
    /// reqwest::get(uri).await?.text().await };`) → the requests made inside: a
    /// timeout wrapper given the variable (`timeout(d, getter)`) bounds them all.
    pub(super) pending_blocks: FxHashMap<String, Vec<(usize, usize)>>,
    /// Addresses bound by `let` that are no remote integration (`let url =
    /// format!("http://{addr}/healthcheck")`): a request given the variable is local;
    /// or whose host is a constant's (`format!("http://{IMPORTER_IP}:{port}/beat")`):
    /// the request's address is the constant's value, local or not.
    pub(super) local_targets: FxHashMap<String, Target>,
    /// Variables bound to a timeout layer (`let timeout = TimeoutLayer::new(d);`):
    /// `.layer(timeout)` adds one.
    pub(super) timeout_layers: rustc_hash::FxHashSet<String>,
    /// Variables bound to a field's value (`let addr = config.http_addr;`) → the field.
    pub(super) field_vars: FxHashMap<String, String>,
    /// Variables bound to a URL whose host is a field's value → the field.
    pub(super) host_vars: FxHashMap<String, String>,
    /// Variables bound to an address a function returns, or one extending it → the
    /// function's name ([`super::address_fns`]).
    pub(super) returned_vars: FxHashMap<String, String>,
    /// Variables named for an address bound to empty text ([`super::placeholders`]).
    pub(super) empty_vars: rustc_hash::FxHashSet<String>,
    /// Variables declared with no value (`let channel: Channel;`) and assigned later,
    /// once per branch: each assignment adds a value ([`super::Visitor::assign`]).
    pub(super) deferred: rustc_hash::FxHashSet<String>,
    /// Fields of a variable's value assigned a timeout the catalogue's `arg-timeout`
    /// names (`uri.query.connection_timeout = Some(ms)`) → that assignment, as a call
    /// a constructor given the variable (`Connection::connect_uri(uri, ..)`) records.
    pub(super) timed_fields: FxHashMap<String, Vec<crate::extract::rust::facts::CallFact>>,
    /// Request-builder parameters the function only sends bounded
    /// ([`super::senders::bounds_param`]), and the variables a `let` binds to a request
    /// built from one (`let request = builder.timeout(d).build()?;`): the client's
    /// `execute(request)` sends the caller's request, bounded there.
    pub(super) bounded_builds: rustc_hash::FxHashSet<String>,
}
