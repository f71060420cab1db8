//! Spring Cloud Gateway's contribution: each route to a `uri` (not `forward:`) is a
//! gateway edge from the gateway application (`spring.application.name`, else its
//! directory) to the service the `uri` names, with the route's response timeout, its
//! `Retry` filter (own, else from `default-filters`; Spring's defaults: 3 retries of
//! GET on 5XX, no backoff) and its `CircuitBreaker` filter.

use super::host;
use super::{Builder, Call, Layer, LayerKind, Retries, Setting, Source, Target};
use crate::classify::Platform;
use crate::load::Document;
use crate::rules::duration::parse_seconds;
use crate::tree::Node;

fn get<'a>(node: &'a Node, path: &[&str]) -> Option<&'a Node> {
    path.iter().try_fold(node, |n, k| n.get(k))
}

/// The gateway application's name: `spring.application.name`, else the directory
/// above `src/main/resources` (or the file's own directory).
fn app_name(b: &Builder, doc: &Document) -> String {
    if let Some(n) = get(&doc.root, &["spring", "application", "name"]).and_then(Node::as_str) {
        return n.to_string();
    }
    let path = &b.files()[doc.file].path;
    let dir = path.parent().unwrap_or(path);
    let dir = if dir.ends_with("src/main/resources") {
        dir.ancestors().nth(3).unwrap_or(dir)
    } else {
        dir
    };
    dir.file_name()
        .map(|n| n.to_string_lossy().into_owned())
        .unwrap_or_else(|| "gateway".into())
}

pub fn add(b: &mut Builder) {
    for doc in b.ws.docs_of(Some(Platform::Spring), &[]) {
        let Some(routes) =
            get(&doc.root, &["spring", "cloud", "gateway", "routes"]).and_then(Node::as_seq)
        else {
            continue;
        };
        if routes.is_empty() {
            continue;
        }
        let name = app_name(b, doc);
        let app_key = b.resolve(
            &host::key(&name).unwrap_or_else(|| host::HostKey {
                name: name.clone(),
                namespace: None,
                external: false,
            }),
            None,
        );
        let at = b.at(doc.file, doc.root.span);
        let from = b.service(
            &app_key,
            Source {
                layer: LayerKind::Gateway,
                what: format!("Spring Cloud Gateway {name}"),
                at,
            },
        );
        let namespace = app_key.namespace.clone();
        let defaults = get(
            &doc.root,
            &["spring", "cloud", "gateway", "default-filters"],
        );
        for route in routes {
            gateway_route(b, doc, route, &from, namespace.as_deref(), defaults);
        }
    }
}

fn gateway_route(
    b: &mut Builder,
    doc: &Document,
    route: &Node,
    from: &str,
    namespace: Option<&str>,
    defaults: Option<&Node>,
) {
    let Some(uri) = route.get("uri").and_then(Node::as_str) else {
        return;
    };
    let Some(address) = host::parse(uri) else {
        return;
    };
    let id = route.get("id").and_then(Node::as_str).unwrap_or("?");
    let key = b.alias(&b.resolve(&address.host, namespace));
    let at = b.at(doc.file, route.span);
    let mut layer = Layer::new(
        LayerKind::Gateway,
        "spring-cloud-gateway",
        format!("gateway route {id} of {from}"),
        at.clone(),
    );
    if let Some(t) = get(route, &["metadata", "response-timeout"]) {
        let text = t.as_str().unwrap_or("");
        // A route's value is milliseconds; the global `httpclient` one a duration.
        let seconds = text
            .parse::<f64>()
            .map(|ms| ms / 1000.0)
            .ok()
            .or_else(|| parse_seconds(text, 1.0));
        if let Some(s) = seconds.filter(|s| *s > 0.0) {
            layer.timeout = Some(Setting {
                value: format!("response-timeout: {text}"),
                seconds: Some(s),
                at: b.at(doc.file, t.span),
            });
        }
    }
    let filters = route
        .get("filters")
        .and_then(Node::as_seq)
        .unwrap_or_default();
    let retry = filters
        .iter()
        .chain(defaults.and_then(Node::as_seq).unwrap_or_default())
        .find(|f| f.get("name").and_then(Node::as_str) == Some("Retry"));
    if let Some(r) = retry {
        let args = r.get("args");
        let arg = |k: &str| args.and_then(|a| a.get(k));
        let list = |k: &str| -> Vec<String> {
            match arg(k) {
                Some(n) => match n.as_seq() {
                    Some(items) => items
                        .iter()
                        .filter_map(Node::as_str)
                        .map(str::to_string)
                        .collect(),
                    None => n
                        .as_str()
                        .map(|s| s.split(',').map(|x| x.trim().to_string()).collect())
                        .unwrap_or_default(),
                },
                None => Vec::new(),
            }
        };
        let retries = arg("retries")
            .and_then(|n| n.as_str())
            .and_then(|s| s.parse::<u64>().ok())
            .unwrap_or(3);
        let mut methods = list("methods");
        if methods.is_empty() {
            methods.push("GET".into());
        }
        let mut conditions = list("series");
        conditions.extend(list("statuses"));
        conditions.extend(list("exceptions"));
        if conditions.is_empty() {
            conditions.push("SERVER_ERROR".into());
        }
        conditions.extend(methods.iter().map(|m| format!("method {m}")));
        layer.retries = Some(Retries {
            tries: Some(retries + 1),
            unbounded: false,
            conditions,
            per_try_seconds: None,
            backoff: Some(
                if arg("backoff").is_some() {
                    "exponential"
                } else {
                    "none"
                }
                .into(),
            ),
            default: false,
            at: b.at(doc.file, r.span),
        });
    }
    if let Some(cb) = route.get("circuit-breaker") {
        layer.breaker = Some(Setting {
            value: cb.as_str().unwrap_or("CircuitBreaker").to_string(),
            seconds: None,
            at: b.at(doc.file, cb.span),
        });
    }
    let target = Target {
        key: &key,
        what: format!("uri of gateway route {id}"),
        seen: at.clone(),
    };
    let call = Call {
        from,
        origin: LayerKind::Gateway,
        at,
        method: None,
        path: None,
    };
    b.add_call(target, call, std::sync::Arc::new(layer));
}
