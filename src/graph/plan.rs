//! Contributions read ahead and added later: a platform whose reading needs only the
//! configuration's documents writes what it would add to the graph into a
//! [`Recorder`] (the engine runs this beside the Rust link step, in parallel), and
//! [`replay`] adds it in the platform's turn, after the code.
//!
//! Adding is what depends on the turn: a short host name resolves among the
//! services added before (`Builder::resolve`), the code's among them. So a recorded
//! call keeps its host unresolved, and [`replay`] makes the same calls to the
//! builder, in the same order, as the platform made when it added directly: the
//! graph is the same.

use std::sync::Arc;

use super::host::HostKey;
use super::{Builder, Call, Layer, LayerKind, Places, Route, Source, Target, Where};
use crate::source::SourceFile;
use crate::tree::Span;
use crate::workspace::Workspace;

/// One addition to the graph, as recorded.
pub enum Op {
    Service(HostKey, Source),
    Route(String, Route),
    Call(Box<RecordedCall>),
}

/// A call from a gateway to a host, its host as the platform names it.
pub struct RecordedCall {
    pub to: Host,
    /// How the layer names the host, in words, and where (see [`Target`]).
    pub what: String,
    pub seen: Where,
    pub from: String,
    pub origin: LayerKind,
    pub at: Where,
    pub method: Option<String>,
    pub path: Option<String>,
    pub layer: Arc<Layer>,
}

/// A call's host: exactly this service, a name resolved (and aliased) when added, or
/// the host the call before resolved to (a platform that resolved once for several).
pub enum Host {
    Exact(HostKey),
    Resolved(HostKey),
    Previous,
}

/// What a platform reads ahead writes into.
pub struct Recorder<'a> {
    pub ws: &'a Workspace,
    places: Places,
    ops: Vec<Op>,
}

impl<'a> Recorder<'a> {
    pub fn new(ws: &'a Workspace) -> Self {
        Recorder {
            ws,
            places: Places::new(ws.files.len()),
            ops: Vec::new(),
        }
    }

    pub fn files(&self) -> &'a [SourceFile] {
        &self.ws.files
    }

    /// A place in file `file`, as [`Builder::at`] makes it.
    pub fn at(&self, file: usize, span: Span) -> Where {
        self.places.at(&self.ws.files, file, span)
    }

    /// Records [`Builder::service`]; returns the id it will return.
    pub fn service(&mut self, key: &HostKey, source: Source) -> String {
        self.ops.push(Op::Service(key.clone(), source));
        key.id()
    }

    /// Records [`Builder::add_route`].
    pub fn add_route(&mut self, to: &str, route: Route) {
        self.ops.push(Op::Route(to.to_string(), route));
    }

    /// Records [`Builder::add_call`] to the service `to` names (see [`Host`]),
    /// which the layer calls `what` and names at `seen`.
    pub fn add_call(&mut self, to: Host, what: String, seen: Where, call: Call, layer: Arc<Layer>) {
        self.ops.push(Op::Call(Box::new(RecordedCall {
            to,
            what,
            seen,
            from: call.from.to_string(),
            origin: call.origin,
            at: call.at,
            method: call.method,
            path: call.path,
            layer,
        })));
    }

    pub fn into_ops(self) -> Vec<Op> {
        self.ops
    }
}

/// Adds what was recorded, in its order.
pub fn replay(b: &mut Builder, ops: Vec<Op>) {
    let mut previous: Option<HostKey> = None;
    for op in ops {
        match op {
            Op::Service(key, source) => {
                b.service(&key, source);
            }
            Op::Route(to, route) => b.add_route(&to, route),
            Op::Call(c) => {
                let RecordedCall {
                    to,
                    what,
                    seen,
                    from,
                    origin,
                    at,
                    method,
                    path,
                    layer,
                } = *c;
                let key = match to {
                    Host::Exact(k) => k,
                    Host::Resolved(k) => b.alias(&b.resolve(&k, None)),
                    Host::Previous => match previous.take() {
                        Some(k) => k,
                        None => continue,
                    },
                };
                previous = Some(key.clone());
                let target = Target {
                    key: &key,
                    what,
                    seen,
                };
                let call = Call {
                    from: &from,
                    origin,
                    at,
                    method,
                    path,
                };
                b.add_call(target, call, layer);
            }
        }
    }
}
