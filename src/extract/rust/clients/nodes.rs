//! The fact nodes the client analysis writes: a client's (with the evidence of its
//! timeout, by kind, for the rule to weigh) and an outbound call's.

use super::link::{entry, scalar};
use super::verdict::{target_text, Req};
use crate::extract::rust::catalog::ClientApi;
use crate::extract::rust::facts::Target;
use crate::tree::{Node, Span, Value};

/// What bounds a client's requests, strongest first: the rule TOML decides which
/// kinds it accepts (`timeout-evidence`).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(super) enum Evidence {
    /// A timeout set on the client's builder.
    Builder,
    /// Every request sets its own timeout.
    Request,
    /// The calls run under `tokio::time::timeout` or a tower timeout layer.
    Wrapped,
    /// The target URI carries a timeout parameter.
    TargetUri,
    /// The timeout is set only when configuration provides one (`if let Some(t)`).
    Configurable,
    /// The library bounds requests by default.
    LibraryDefault,
}

impl Evidence {
    pub(super) fn as_str(self) -> &'static str {
        match self {
            Evidence::Builder => "builder-timeout",
            Evidence::Request => "request-timeout",
            Evidence::Wrapped => "wrapped-in-timeout",
            Evidence::TargetUri => "target-uri",
            Evidence::Configurable => "configurable",
            Evidence::LibraryDefault => "library-default",
        }
    }
}

/// An outbound call site: `{api, target?, breaker?}` at the request call; `breaker`
/// says what guards it, when something does.
pub(super) fn call_node(
    api: &ClientApi,
    r: &Req,
    breaker: Option<&str>,
    client: &Node,
    consts: &super::verdict::Consts,
) -> Node {
    let mut fields = vec![entry("api", scalar(&api.name, r.span))];
    let target = r
        .target
        .as_ref()
        .and_then(|t| target_text(t, consts, r.file))
        .or_else(|| {
            client
                .get("target")
                .and_then(Node::as_str)
                .map(str::to_string)
        });
    // A call to this host, a socket or a health probe is no remote integration: it
    // carries `local` (the breaker rule leaves it) and no target for the graph.
    let local = match &r.target {
        Some(Target::Local(why)) => Some(why.as_str()),
        _ => target.as_deref().and_then(super::syntax::local_reason),
    }
    .or_else(|| client.get("local").and_then(Node::as_str));
    match (local, target) {
        (Some(why), _) => fields.push(entry("local", scalar(why, r.span))),
        (None, Some(t)) => fields.push(entry("target", scalar(t, r.span))),
        (None, None) => {}
    }
    if let Some(why) = breaker {
        fields.push(entry("breaker", scalar(why, r.span)));
    }
    // The client's timeout bounds this call: the integration graph credits the code
    // layer with it, also for a client with no address of its own (most clients, whose
    // calls name the address), which no call could be matched to by target.
    if let Some(how) = client.get("timeout").and_then(Node::as_str) {
        fields.push(entry("timeout", scalar(how, r.span)));
    }
    Node {
        value: Value::Map(fields),
        span: r.span,
    }
}

/// A client's fact node: `{api, constructor, default, timeout?, timeout-disabled?, target?}`.
pub(super) fn client_node(
    api: &ClientApi,
    span: Span,
    constructor: &str,
    covered: Option<(Span, Evidence, String)>,
    disabled: Option<(Span, String)>,
    target: Option<String>,
) -> Node {
    let mut fields = vec![
        entry("api", scalar(&api.name, span)),
        entry("constructor", scalar(constructor, span)),
    ];
    let default = match (&api.default_timeout, &api.partial_default) {
        (Some(d), _) => format!("its default is {d}"),
        (None, Some(p)) => format!("by default it has {p}"),
        (None, None) => "it has no timeout by default".to_string(),
    };
    fields.push(entry("default", scalar(default, span)));
    if let Some((s, evidence, how)) = covered {
        fields.push(entry("timeout", scalar(how, s)));
        fields.push(entry("timeout-evidence", scalar(evidence.as_str(), s)));
    }
    if let Some((s, text)) = disabled {
        fields.push(entry("timeout-disabled", scalar(text, s)));
    }
    if let Some(t) = target {
        fields.push(entry("target", scalar(t, span)));
    }
    Node {
        value: Value::Map(fields),
        span,
    }
}
