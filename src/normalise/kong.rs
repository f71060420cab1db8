//! Kong declarative configuration (decK, `_format_version` 1.1 or 3.0, or a file that
//! only holds a `services:` list): each service materialised with what Kong runs it
//! with, so the rules under `rules/kong/` are plain `require` checks.
//!
//! The Kong documents of one directory are one state (`deck gateway sync dir/`, or
//! several `-s` files kept side by side): top-level `routes`, `upstreams` and
//! `targets` join across them. Each service (`services[*]`) gains these keys, in
//! kebab-case so they never collide with Kong's own snake_case fields:
//!
//! - `label`: the service's `name`, else its `id`, `host` or `url`, for messages;
//! - `implicit-timeouts`: the timeout keys the service leaves out, which Kong runs at
//!   60000 ms each (`connect_timeout, read_timeout and write_timeout`); absent
//!   when all three are set;
//! - `target-host`: the host the service proxies to (`host`, or the host of `url`);
//! - `upstream`: the upstream whose `name` is that host (Kong load-balances through it),
//!   with `name`, `defined-at` (`line 12`, or `other.yaml:12`), `targets` (how many,
//!   nested and top-level joined by upstream name or id) and `health-checks`
//!   (`passive`, `active` or `passive and active`; absent when both are off: every
//!   passive unhealthy threshold 0 and no active interval above 0, Kong's defaults).
//!   Absent when the host names no upstream: a plain host, with no health checks at all;
//! - `all-routes`: the service's nested routes and the top-level routes of the same
//!   document whose `service` names it (by `name` or `id`, as a string or a map).
//!
//! A value substituted at deploy time (`${{ env "DECK_X" }}`) is left as written: a
//! substituted `host` makes `upstream` that substitution, a substituted threshold
//! makes `health-checks` it, so a rule reading them leaves the service unjudged
//! ([`crate::substitution`]) instead of guessing.

use std::collections::{BTreeMap, HashMap};
use std::path::PathBuf;

use crate::classify::Platform;
use crate::load::Document;
use crate::source::SourceFile;
use crate::substitution::is_substitution;
use crate::tree::{Node, Span, Value};

/// Kong's service timeouts, each 60000 ms when left out.
const TIMEOUTS: [&str; 3] = ["connect_timeout", "read_timeout", "write_timeout"];

/// Derived entries to append to one service: (document, service position, entries).
type Patch = (usize, usize, Vec<(Node, Node)>);

/// Materialises every Kong service of the run (see the module docs).
pub fn link(docs: &mut [Document], files: &[SourceFile]) {
    let mut groups: BTreeMap<PathBuf, Vec<usize>> = BTreeMap::new();
    for (i, doc) in docs.iter().enumerate() {
        if doc.meta.platform == Platform::Kong {
            let dir = files[doc.file].path.parent().map(PathBuf::from);
            groups.entry(dir.unwrap_or_default()).or_default().push(i);
        }
    }
    let mut patches: Vec<Patch> = Vec::new();
    for group in groups.values() {
        let state = State::new(docs, group, files);
        for &d in group {
            for (i, service) in list(&docs[d].root, "services").iter().enumerate() {
                patches.push((d, i, state.derive(&docs[d], service)));
            }
        }
    }
    for (d, i, entries) in patches {
        if let Some(Value::Map(m)) = services_mut(&mut docs[d].root, i).map(|n| &mut n.value) {
            m.extend(entries);
        }
    }
}

fn services_mut(root: &mut Node, i: usize) -> Option<&mut Node> {
    let Value::Map(entries) = &mut root.value else {
        return None;
    };
    let (_, services) = entries
        .iter_mut()
        .find(|(k, _)| k.as_str() == Some("services"))?;
    match &mut services.value {
        Value::Seq(items) => items.get_mut(i),
        _ => None,
    }
}

/// The items of a top-level list (`services`, `routes`, ...), empty when absent.
fn list<'a>(root: &'a Node, key: &str) -> &'a [Node] {
    root.get(key).and_then(Node::as_seq).unwrap_or_default()
}

/// The names and ids a foreign key gives: `service: orders`, `service: {name: orders}`
/// or `service: {id: 5a1f...}`.
fn references(node: Option<&Node>) -> Vec<&str> {
    let Some(node) = node else {
        return Vec::new();
    };
    match node.as_str() {
        Some(s) => vec![s],
        None => ["name", "id"]
            .iter()
            .filter_map(|k| node.get(k).and_then(Node::as_str))
            .collect(),
    }
}

/// The names and ids an entity is known by.
fn identities(node: &Node) -> impl Iterator<Item = &str> {
    ["name", "id"]
        .into_iter()
        .filter_map(|k| node.get(k).and_then(Node::as_str))
}

/// The host of a service `url` (`http://orders.internal:8080/v1` → `orders.internal`).
fn url_host(url: &str) -> &str {
    let rest = url.split_once("://").map_or(url, |(_, r)| r);
    let authority = rest.split(['/', '?', '#']).next().unwrap_or(rest);
    let authority = authority.rsplit_once('@').map_or(authority, |(_, a)| a);
    if authority.starts_with('[') {
        return authority.split_inclusive(']').next().unwrap_or(authority);
    }
    authority.split(':').next().unwrap_or(authority)
}

/// The Kong state of one directory: what services join to.
struct State<'a> {
    files: &'a [SourceFile],
    /// Upstreams by name, first in file order.
    upstreams: HashMap<&'a str, (&'a Document, &'a Node)>,
    /// Top-level targets per upstream name or id.
    targets: HashMap<&'a str, usize>,
}

impl<'a> State<'a> {
    fn new(docs: &'a [Document], group: &[usize], files: &'a [SourceFile]) -> Self {
        let mut upstreams = HashMap::new();
        let mut targets: HashMap<&str, usize> = HashMap::new();
        for &d in group {
            let doc = &docs[d];
            for up in list(&doc.root, "upstreams") {
                if let Some(name) = up.get("name").and_then(Node::as_str) {
                    upstreams.entry(name).or_insert((doc, up));
                }
            }
            for t in list(&doc.root, "targets") {
                for r in references(t.get("upstream")) {
                    *targets.entry(r).or_default() += 1;
                }
            }
        }
        State {
            files,
            upstreams,
            targets,
        }
    }

    fn derive(&self, doc: &Document, service: &Node) -> Vec<(Node, Node)> {
        let anchor = Anchor::of(service);
        let host_node = service.get("host").or_else(|| service.get("url"));
        let host = host_node.and_then(Node::as_str).map(|h| {
            if service.get("host").is_some() || is_substitution(h) {
                h
            } else {
                url_host(h)
            }
        });
        let label = identities(service).next().or(host).unwrap_or("(unnamed)");
        let mut out = vec![anchor.entry("label", label)];
        let implicit: Vec<&str> = TIMEOUTS
            .into_iter()
            .filter(|k| service.get(k).is_none_or(Node::is_null))
            .collect();
        if !implicit.is_empty() {
            out.push(anchor.entry("implicit-timeouts", &and_list(&implicit)));
        }
        if let Some(host) = host {
            out.push(anchor.entry("target-host", host));
            if is_substitution(host) {
                let (key, value) = service
                    .entry("host")
                    .or_else(|| service.entry("url"))
                    .expect("the host was read from one of them");
                out.push((
                    Node::scalar("upstream", false, key.span),
                    Node::scalar(host, false, value.span),
                ));
            } else if let Some((up_doc, up)) = self.upstreams.get(host) {
                out.push((
                    Node::scalar("upstream", false, anchor.key),
                    self.upstream(doc, up_doc, up, &anchor),
                ));
            }
        }
        out.push((
            Node::scalar("all-routes", false, anchor.key),
            Node {
                value: Value::Seq(routes(doc, service)),
                span: anchor.value,
            },
        ));
        out
    }

    /// The upstream as the service sees it (see the module docs).
    fn upstream(&self, doc: &Document, up_doc: &Document, up: &Node, anchor: &Anchor) -> Node {
        let file = &self.files[up_doc.file];
        let line = file.line_col(up.span.start).line;
        let defined_at = if up_doc.file == doc.file {
            format!("line {line}")
        } else {
            format!("{}:{line}", file.display)
        };
        let nested = up
            .get("targets")
            .and_then(Node::as_seq)
            .map_or(0, <[_]>::len);
        let joined: usize = identities(up).filter_map(|i| self.targets.get(i)).sum();
        let mut entries = vec![
            anchor.entry("name", up.get("name").and_then(Node::as_str).unwrap_or("")),
            anchor.entry("defined-at", &defined_at),
            anchor.entry("targets", &(nested + joined).to_string()),
        ];
        match health_checks(up) {
            Health::On(which) => entries.push(anchor.entry("health-checks", which)),
            Health::Off => {}
            // A substituted value in another file cannot be pointed at from this one.
            Health::Unknown(key, value) if up_doc.file == doc.file => entries.push((
                Node::scalar("health-checks", false, key.span),
                Node::scalar(value.as_str().unwrap_or_default(), false, value.span),
            )),
            Health::Unknown(_, value) => {
                entries.push(anchor.entry("health-checks", value.as_str().unwrap_or_default()))
            }
        }
        Node {
            value: Value::Map(entries),
            span: anchor.value,
        }
    }
}

/// Where derived entries point: the service's first key and (scalar) value, so a
/// finding about the service underlines `name: orders`.
struct Anchor {
    key: Span,
    value: Span,
}

impl Anchor {
    fn of(service: &Node) -> Self {
        match service.as_map().and_then(|m| m.first()) {
            Some((k, v)) if matches!(v.value, Value::Scalar(_)) => Anchor {
                key: k.span,
                value: v.span,
            },
            Some((k, _)) => Anchor {
                key: k.span,
                value: k.span,
            },
            None => Anchor {
                key: service.span,
                value: service.span,
            },
        }
    }

    fn entry(&self, key: &str, value: &str) -> (Node, Node) {
        (
            Node::scalar(key, false, self.key),
            Node::scalar(value, false, self.value),
        )
    }
}

/// `a`, `a and b`, `a, b and c`.
pub(crate) fn and_list(items: &[&str]) -> String {
    match items {
        [] => String::new(),
        [one] => (*one).to_string(),
        [init @ .., last] => format!("{} and {last}", init.join(", ")),
    }
}

enum Health<'a> {
    On(&'static str),
    Off,
    /// Off unless a substituted value turns it on: the first such (key, value).
    Unknown(&'a Node, &'a Node),
}

/// Whether an upstream's health checks can take a failing target out (DOMAIN.md:
/// passive on when any unhealthy threshold is above 0; active on when an interval is).
fn health_checks(up: &Node) -> Health<'_> {
    let hc = up.get("healthchecks");
    let mut unknown = None;
    let mut on = |group: &str, state: &str, keys: &[&str]| -> bool {
        let Some(node) = hc
            .and_then(|h| h.get(group))
            .and_then(|g| g.get(state))
            .and_then(Node::as_map)
        else {
            return false;
        };
        node.iter().any(|(k, v)| {
            if !k.as_str().is_some_and(|k| keys.contains(&k)) {
                return false;
            }
            if v.as_str().is_some_and(is_substitution) {
                unknown.get_or_insert((k, v));
                return false;
            }
            v.as_f64().is_some_and(|x| x > 0.0)
        })
    };
    let thresholds = ["http_failures", "tcp_failures", "timeouts"];
    let passive = on("passive", "unhealthy", &thresholds);
    let active = on("active", "healthy", &["interval"]) | on("active", "unhealthy", &["interval"]);
    match (passive, active, unknown) {
        (true, true, _) => Health::On("passive and active"),
        (true, false, _) => Health::On("passive"),
        (false, true, _) => Health::On("active"),
        (false, false, Some((k, v))) => Health::Unknown(k, v),
        (false, false, None) => Health::Off,
    }
}

/// The service's nested routes, then the top-level routes of its document that name it.
fn routes(doc: &Document, service: &Node) -> Vec<Node> {
    let mut out: Vec<Node> = service
        .get("routes")
        .and_then(Node::as_seq)
        .unwrap_or_default()
        .to_vec();
    let ids: Vec<&str> = identities(service).collect();
    out.extend(
        list(&doc.root, "routes")
            .iter()
            .filter(|r| references(r.get("service")).iter().any(|x| ids.contains(x)))
            .cloned(),
    );
    out
}

#[cfg(test)]
mod tests;
