//! The per-package link step: resolves factories across the package's files,
//! judges each client's calls against its catalogue entry, and builds one
//! positioned fact document per `.rs` file (`{clients: [...]}`).

use std::collections::{HashMap, HashSet};

use super::catalog::{Catalog, ClientApi};
use super::facts::{Chain, FileFacts, Origin, Target};
use crate::classify::{DocMeta, Platform};
use crate::load::Document;
use crate::tree::{Node, Span, Value};

/// How deep factories are followed (`a()` returns `b()` returns a client).
const MAX_FACTORY_DEPTH: usize = 3;

type HandleId = (usize, usize);

/// What a client's calls amount to under its catalogue entry.
#[derive(Debug, Default)]
struct Eval {
    builder_timeout: Option<Span>,
    disabled: Option<(Span, String)>,
    unbounded: Option<(Span, String)>,
    /// (timed, literal target) per request made from the client.
    requests: Vec<(bool, Option<Target>)>,
    wrapped: bool,
}

fn eval_chains<'a>(
    api: &ClientApi,
    chains: impl Iterator<Item = &'a Chain>,
    request_origin: bool,
) -> Eval {
    let mut ev = Eval::default();
    if request_origin {
        ev.requests.push((false, None));
    }
    for chain in chains {
        if chain.wrapped && chain.calls.is_empty() {
            ev.wrapped = true;
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
            if req.is_none() && api.is_request_method(&call.name) {
                let timed = call.wrapped
                    || call
                        .arg_methods
                        .iter()
                        .any(|m| api.request_timeout.contains(m));
                ev.requests.push((timed, call.target.clone()));
                req = Some(ev.requests.len() - 1);
                // Only a request method the catalogue names (not `*`) can carry a
                // disabling argument (`send(record, Timeout::Never)`).
                let named = api.request_methods.contains(&call.name);
                if named && disables && ev.disabled.is_none() {
                    ev.disabled = Some((call.span, disable_text()));
                }
                continue;
            }
            if let Some(r) = req {
                if call.wrapped {
                    ev.requests[r].0 = true;
                }
                if api.request_timeout.contains(&call.name) && call.nargs > 0 {
                    if disables {
                        ev.disabled.get_or_insert((call.span, disable_text()));
                    } else {
                        ev.requests[r].0 = true;
                    }
                }
                continue;
            }
            if api.timeout.contains(&call.name) && call.nargs > 0 {
                if disables {
                    ev.disabled.get_or_insert((call.span, disable_text()));
                } else {
                    ev.builder_timeout.get_or_insert(call.span);
                }
            } else if api.disable.contains(&call.name) {
                ev.disabled
                    .get_or_insert((call.span, format!("`.{}()`", call.name)));
            } else if api.unbounded_methods.contains(&call.name) {
                ev.unbounded
                    .get_or_insert((call.span, format!("`.{}()`", call.name)));
            }
        }
    }
    ev
}

fn scalar(text: impl Into<String>, span: Span) -> Node {
    Node::scalar(text, false, span)
}

fn entry(key: &str, value: Node) -> (Node, Node) {
    (scalar(key, value.span), value)
}

fn target_text(t: &Target, consts: &HashMap<&str, &str>) -> Option<String> {
    match t {
        Target::Literal(s) => Some(s.clone()),
        Target::Const(name) => consts.get(name.as_str()).map(|s| s.to_string()),
    }
}

/// Links one package's files and returns one document per file that has clients.
pub fn link(package: &[(usize, FileFacts)], catalog: &Catalog) -> Vec<Document> {
    let consts: HashMap<&str, &str> = package
        .iter()
        .flat_map(|(_, f)| f.consts.iter().map(|(k, v)| (k.as_str(), v.as_str())))
        .collect();
    let types: HashSet<&str> = package
        .iter()
        .flat_map(|(_, f)| f.types.iter().map(String::as_str))
        .collect();
    // Function name → handles it returns; handle → the function returning it.
    let mut returns: HashMap<&str, Vec<HandleId>> = HashMap::new();
    let mut returned_by: HashMap<HandleId, &str> = HashMap::new();
    for (fi, (_, facts)) in package.iter().enumerate() {
        for f in &facts.fns {
            for &h in &f.returns {
                returns.entry(f.name.as_str()).or_default().push((fi, h));
                returned_by.insert((fi, h), f.name.as_str());
            }
        }
    }
    let called: HashSet<&str> = package
        .iter()
        .flat_map(|(_, f)| f.handles.iter())
        .filter_map(|h| match &h.origin {
            Origin::Call { callee } => Some(callee.as_str()),
            _ => None,
        })
        .collect();
    // Client handle → call sites, each the chains applied along one path of factories.
    let mut sites: HashMap<HandleId, Vec<Vec<&Chain>>> = HashMap::new();
    for (fi, (_, facts)) in package.iter().enumerate() {
        for (hi, h) in facts.handles.iter().enumerate() {
            let Origin::Call { callee } = &h.origin else {
                continue;
            };
            // A factory that forwards another factory is not a site when it has callers:
            // its chains reach the client through those callers.
            if returned_by
                .get(&(fi, hi))
                .is_some_and(|f| called.contains(f))
            {
                continue;
            }
            let own: Vec<&Chain> = h.chains.iter().collect();
            let mut stack = vec![(callee.as_str(), own, 0usize)];
            while let Some((callee, chains, depth)) = stack.pop() {
                for &(tf, th) in returns.get(callee).into_iter().flatten() {
                    let target = &package[tf].1.handles[th];
                    match &target.origin {
                        Origin::Client { .. } => {
                            sites.entry((tf, th)).or_default().push(chains.clone());
                        }
                        Origin::Call { callee: next } if depth + 1 < MAX_FACTORY_DEPTH => {
                            let mut more = chains.clone();
                            more.extend(target.chains.iter());
                            stack.push((next.as_str(), more, depth + 1));
                        }
                        Origin::Call { .. } => {}
                    }
                }
            }
        }
    }
    let mut docs = Vec::new();
    for (fi, (file, facts)) in package.iter().enumerate() {
        let mut clients = Vec::new();
        for (hi, h) in facts.handles.iter().enumerate() {
            let Origin::Client {
                api,
                span,
                constructor,
                target,
                request,
                wrapped,
                wildcard_type,
            } = &h.origin
            else {
                continue;
            };
            if wildcard_type.as_deref().is_some_and(|t| types.contains(t)) {
                continue;
            }
            let Some(entry_api) = catalog.clients.get(*api) else {
                continue;
            };
            let site_list = sites.get(&(fi, hi)).map(Vec::as_slice).unwrap_or(&[]);
            let node = judge_client(
                entry_api,
                *span,
                constructor,
                target.as_ref(),
                *request,
                *wrapped,
                &h.chains,
                site_list,
                &consts,
            );
            clients.push(node);
        }
        if clients.is_empty() {
            continue;
        }
        clients.sort_by_key(|n| n.span);
        let span = Span::new(
            clients.first().map_or(0, |n| n.span.start),
            clients.last().map_or(0, |n| n.span.end),
        );
        let root = Node {
            value: Value::Map(vec![entry(
                "clients",
                Node {
                    value: Value::Seq(clients),
                    span,
                },
            )]),
            span,
        };
        docs.push(Document {
            file: *file,
            index: 0,
            root,
            meta: DocMeta {
                platform: Platform::Rust,
                api_version: None,
                kind: None,
                name: None,
                namespace: None,
            },
        });
    }
    docs
}

#[allow(clippy::too_many_arguments)]
fn judge_client(
    api: &ClientApi,
    span: Span,
    constructor: &str,
    target: Option<&Target>,
    request_origin: bool,
    origin_wrapped: bool,
    chains: &[Chain],
    sites: &[Vec<&Chain>],
    consts: &HashMap<&str, &str>,
) -> Node {
    let own = eval_chains(api, chains.iter(), request_origin);
    let site_evals: Vec<Eval> = sites
        .iter()
        .map(|s| eval_chains(api, s.iter().copied(), false))
        .collect();
    let sites_timed = !site_evals.is_empty()
        && site_evals
            .iter()
            .all(|s| s.builder_timeout.is_some() || s.wrapped);
    let mut requests = own.requests.clone();
    if request_origin && origin_wrapped {
        if let Some(r) = requests.first_mut() {
            r.0 = true;
        }
    }
    requests.extend(site_evals.iter().flat_map(|s| s.requests.iter().cloned()));
    let wrapped = own.wrapped || site_evals.iter().any(|s| s.wrapped);
    // A call that opens an unbounded connection on a client bounded by default
    // (`get_connection()` on redis) opts out of the default like `.timeout(None)`.
    let unbounded = own
        .unbounded
        .clone()
        .or_else(|| site_evals.iter().find_map(|s| s.unbounded.clone()))
        .map(|(s, call)| {
            (
                s,
                format!("{call} opens a {} connection without any timeout", api.name),
            )
        });
    let disabled = own
        .disabled
        .clone()
        .or_else(|| site_evals.iter().find_map(|s| s.disabled.clone()))
        .map(|(s, call)| {
            let text = match &api.default_timeout {
                Some(d) => format!("{call} turns off the default {d} timeout of {}", api.name),
                None => format!("{call} leaves {} without a timeout", api.name),
            };
            (s, text)
        })
        .or(unbounded);
    let target = target.and_then(|t| target_text(t, consts)).or_else(|| {
        let found: HashSet<String> = requests
            .iter()
            .filter_map(|(_, t)| t.as_ref().and_then(|t| target_text(t, consts)))
            .collect();
        (found.len() == 1)
            .then(|| found.into_iter().next())
            .flatten()
    });
    let target_timeout = target.as_deref().is_some_and(|t| {
        api.target_timeout_params
            .iter()
            .any(|p| t.contains(&format!("{p}=")))
    });
    let builder_timeout = own
        .builder_timeout
        .or(if sites_timed { Some(span) } else { None });
    let covered: Option<(Span, String)> = if disabled.is_some() {
        None
    } else if let Some(s) = builder_timeout {
        Some((s, "a timeout is set on the builder".into()))
    } else if origin_wrapped || wrapped {
        Some((span, "used under a timeout wrapper".into()))
    } else if target_timeout {
        Some((span, "the target URI sets a timeout".into()))
    } else if !requests.is_empty() && requests.iter().all(|r| r.0) {
        Some((span, "every request sets a timeout".into()))
    } else {
        api.default_timeout
            .as_ref()
            .map(|d| (span, format!("library default timeout ({d})")))
    };
    let mut fields = vec![
        entry("api", scalar(&api.name, span)),
        entry("constructor", scalar(constructor, span)),
    ];
    let default = match &api.default_timeout {
        Some(d) => format!("its default is {d}"),
        None => "it has no timeout by default".to_string(),
    };
    fields.push(entry("default", scalar(default, span)));
    if let Some((s, how)) = covered {
        fields.push(entry("timeout", scalar(how, s)));
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
