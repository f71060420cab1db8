//! The per-package link step: each analysis links its own facts across the
//! package's files ([`super::clients::link`], [`routes::link_refs`]), then one positioned
//! fact document is built per `.rs` file (`{clients: [...], calls: [...],
//! retries: [...], routes: [...]}`). `retries` is the file's
//! [`retries::to_node`]; each route goes to the document of the file that
//! registers it.

use super::catalog::Catalog;
use super::clients::link::{entry, link_clients, Linked};
use super::facts::FileFacts;
use super::{retries, routes};
use crate::classify::{DocMeta, Platform};
use crate::load::Document;
use crate::tree::{Node, Span, Value};

/// Links one package's files and returns one document per file that has clients,
/// calls, retries or routes.
pub fn link(package: &[(usize, FileFacts)], catalog: &Catalog) -> Vec<Document> {
    // Routes cross files (handlers, extractors, routers, layers): linked once per
    // package, then each route goes to the file that registers it.
    let summaries: Vec<&routes::FileRoutes> = package.iter().map(|(_, f)| &f.routes).collect();
    let route_facts = routes::link_refs(&summaries, &catalog.routes);
    let helper_calls = retries::reach::helper_call_sites(&[(None, package)]);
    let library = super::clients::workspace::LibraryReach::default();
    link_with_routes(package, catalog, &route_facts, &helper_calls[0], &library)
}

/// [`link`] with the package's routes already linked ([`routes::link_workspace`]
/// links them across the packages of a run: a workspace's app and the member crates
/// that register its routes). `library`: who reaches this package's calls
/// ([`super::clients::workspace`]).
pub fn link_with_routes(
    package: &[(usize, FileFacts)],
    catalog: &Catalog,
    route_facts: &[routes::RouteFact],
    helper_calls: &std::collections::HashMap<String, usize>,
    library: &super::clients::workspace::LibraryReach,
) -> Vec<Document> {
    // Dead code: a library no program of the run is built with.
    if library.built_into_nothing {
        return Vec::new();
    }
    let Linked {
        mut clients,
        mut calls,
        requests,
    } = link_clients(package, catalog, library);
    let reach = retry_reach(package, &requests, helper_calls);
    let mut docs = Vec::new();
    for (fi, (file, facts)) in package.iter().enumerate() {
        let mut clients = std::mem::take(&mut clients[fi]);
        let mut calls = std::mem::take(&mut calls[fi]);
        let mut file_routes: Vec<&routes::RouteFact> =
            route_facts.iter().filter(|r| r.file == fi).collect();
        if clients.is_empty()
            && calls.is_empty()
            && facts.retries.is_empty()
            && file_routes.is_empty()
        {
            continue;
        }
        file_routes.sort_by_key(|r| (r.span.start, r.span.end));
        clients.sort_by_key(|n| n.span);
        calls.sort_by_key(|n| n.span);
        let retries =
            retries::to_node_reached(&facts.retries, |f| (reach.of(fi, f), reach.call_sites(f)));
        let sections = [
            ("clients", seq(clients)),
            ("calls", seq(calls)),
            ("retries", retries),
            ("routes", routes::to_node(&file_routes)),
        ];
        docs.push(file_document(*file, sections));
    }
    docs
}

/// Which retry loops reach a client request: in the loop, or in a function of the
/// package it calls (the routes analysis's per-function call names, read only).
/// Most packages have no retry loop: their functions' calls are not gathered.
fn retry_reach(
    package: &[(usize, FileFacts)],
    requests: &[(usize, Span, Option<String>)],
    helper_calls: &std::collections::HashMap<String, usize>,
) -> retries::reach::Reach {
    let has_loops = package.iter().any(|(_, f)| {
        f.retries
            .iter()
            .any(|r| matches!(r.source, retries::RetrySource::Loop { .. }))
    });
    let fn_calls = package.iter().filter(|_| has_loops).flat_map(|(_, f)| {
        f.routes
            .fns
            .iter()
            .map(|info| (info.name.as_str(), info.calls().iter()))
    });
    retries::reach::Reach::new(requests, fn_calls, helper_calls.clone())
}

/// A sequence node spanning its items.
fn seq(items: Vec<Node>) -> Node {
    let span = Span::new(
        items.first().map_or(0, |n| n.span.start),
        items.last().map_or(0, |n| n.span.end),
    );
    Node {
        value: Value::Seq(items),
        span,
    }
}

/// The fact document of candidate `file`: a map of the named sections, spanning them.
fn file_document(file: usize, sections: [(&str, Node); 4]) -> Document {
    let span = Span::new(
        sections
            .iter()
            .map(|(_, n)| n.span.start)
            .min()
            .unwrap_or(0),
        sections.iter().map(|(_, n)| n.span.end).max().unwrap_or(0),
    );
    let root = Node {
        value: Value::Map(sections.into_iter().map(|(k, n)| entry(k, n)).collect()),
        span,
    };
    Document {
        file,
        index: 0,
        root,
        meta: DocMeta {
            platform: Platform::Rust,
            api_version: None,
            kind: None,
            name: None,
            namespace: None,
        },
    }
}
