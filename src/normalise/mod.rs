//! Normalise stage, between load and judge: the one place where a platform's
//! spelling, defaults and inheritance are made explicit, so rules stay as simple as
//! `require`. One file per platform concern:
//!
//! - [`spring`]: relaxed binding (per document, in the load worker): nested, dotted
//!   and mixed keys, kebab/camel/snake case, `.properties` keys, become one canonical
//!   tree of lowercase kebab-case keys; gateway filter shortcuts become full form.
//! - [`views`]: the documents of one Spring application (one directory), kept apart by
//!   profile; how subjects are counted across them.
//! - [`resilience4j`]: instances materialised with `baseConfig`, `configs.default` and
//!   library defaults, each value remembering where it came from.
//! - [`cloud`]: Spring Cloud Gateway routes (global HTTP client timeouts,
//!   `default-filters` breakers) and OpenFeign clients (default config, Feign defaults).
//! - [`gateway`]: Gateway API route rules with the Envoy Gateway policy, or Istio
//!   DestinationRules, that govern them (cross-document, in [`link`]).
//! - [`envoy`]: Envoy's spellings (camelCase protojson, `typed_config` wrappers) made
//!   one snake_case form, with every route and cluster listed (per document).
//! - [`consul`]: Consul config entries (HCL/JSON files, PascalCase or snake_case, and
//!   camelCase CRDs) made one PascalCase form, with Consul's timeout, retry and
//!   outlier-detection defaults made explicit.
//! - [`linkerd`]: ServiceProfile route conditions (which methods they can match), and
//!   the 2.16 annotations of Services and routes unless a ServiceProfile overrides them.
//! - [`kong`]: decK services with their timeouts' defaults, the upstream their host
//!   names (health checks) and their routes, joined by name or id across one directory.
//! - [`kong_ingress`]: Kubernetes Services behind a Kong Ingress, with the timeout
//!   annotations and the `KongUpstreamPolicy` health checks KIC applies to them.
//!
//! Canonicalising is per document ([`document`]); inheritance needs every document of
//! the application, so it runs once all files are loaded ([`link`]), before judging.

pub mod cloud;
pub mod consul;
pub mod envoy;
pub mod gateway;
pub mod kong;
pub mod kong_gateway;
pub mod kong_ingress;
pub mod linkerd;
pub mod resilience4j;
pub mod spring;
pub mod views;

use crate::classify::Platform;
use crate::load::Document;
use crate::report::FileError;
use crate::source::SourceFile;
use crate::workspace::Scopes;

/// Per-document normalisation, run in the load worker. A document the classifier
/// could not tell is Spring's because of how its keys are spelt
/// (`cloud: {gateway.server.webflux: ...}`) is recognised from its canonical tree.
pub fn document(doc: &mut Document) {
    match doc.meta.platform {
        Platform::Spring => doc.root = spring::canonical(&doc.root),
        Platform::Envoy => doc.root = envoy::canonical(&doc.root),
        Platform::Other if spring::may_be_spring(&doc.root) => {
            let canonical = spring::canonical(&doc.root);
            if spring::is_spring(&canonical) {
                doc.meta.platform = Platform::Spring;
                doc.root = canonical;
            }
        }
        _ => {}
    }
}

/// Cross-document normalisation: derives what governs each Gateway API route rule
/// ([`gateway`]), and materialises inherited values in every Spring document, from
/// the view of its application and profile. Returns the `errors`
/// entries found on the way (a `baseConfig` loop or a missing config).
pub fn link(docs: &mut Vec<Document>, files: &[SourceFile]) -> Vec<FileError> {
    link_scoped(docs, files, &Scopes::default())
}

/// [`link`] within deployment scopes: a document only sees what its file's scope
/// sees (a ServiceProfile of `envs/prod` does not override a Service of `envs/dev`).
///
/// The Spring, Envoy and Kong (decK) link steps each read and patch only their own
/// platform's documents, and no other step reads those: the four groups (those three
/// and the rest, the mesh and gateway platforms) are linked at once, apart, each in
/// document order, then put back in the order they came in. Output is the same as
/// linking them one after the other; the 16k-file bench tree's links take about half
/// the wall time on two threads.
pub fn link_scoped(
    docs: &mut Vec<Document>,
    files: &[SourceFile],
    scopes: &Scopes,
) -> Vec<FileError> {
    let group_of: Vec<usize> = docs.iter().map(link_group).collect();
    let mut groups: [Vec<Document>; 4] = Default::default();
    for (doc, &g) in std::mem::take(docs).into_iter().zip(&group_of) {
        groups[g].push(doc);
    }
    let [mut rest, mut spring, mut envoy, mut kong] = groups;
    let ((errors, ()), ((), ())) = rayon::join(
        || {
            rayon::join(
                || link_spring(&mut spring, files),
                || link_meshes(&mut rest, files, scopes),
            )
        },
        || {
            rayon::join(
                || envoy::link(&mut envoy, files),
                || kong::link(&mut kong, files),
            )
        },
    );
    let mut groups = [rest, spring, envoy, kong].map(Vec::into_iter);
    docs.extend(group_of.iter().filter_map(|&g| groups[g].next()));
    errors
}

/// Which of [`link_scoped`]'s groups links a document: 0 the mesh and gateway
/// platforms (and every other), 1 Spring, 2 Envoy, 3 Kong.
fn link_group(doc: &Document) -> usize {
    match doc.meta.platform {
        Platform::Spring => 1,
        Platform::Envoy => 2,
        Platform::Kong => 3,
        _ => 0,
    }
}

/// The link steps of the mesh and gateway platforms, in their order (a later one may
/// read what an earlier one derived); Envoy's and Kong's are apart ([`link_scoped`]).
fn link_meshes(docs: &mut [Document], files: &[SourceFile], scopes: &Scopes) {
    linkerd::link(docs, scopes);
    consul::link(docs);
    let routes = gateway::patches(docs, files);
    gateway::apply(docs, routes);
    kong_ingress::link(docs, files);
}

/// Materialises inherited values in the Spring documents `docs` (all of them Spring),
/// from the view of each one's application and profile.
fn link_spring(docs: &mut [Document], files: &[SourceFile]) -> Vec<FileError> {
    let spring: Vec<usize> = (0..docs.len()).collect();
    let mut errors = Vec::new();
    let mut patches = Vec::new();
    for (i, view) in views::views(docs, &spring, files, &mut errors) {
        for patch in resilience4j::patches(&view, &mut errors) {
            patches.push((i, patch));
        }
        for patch in cloud::patches(&view) {
            patches.push((i, patch));
        }
    }
    for (i, (path, node)) in patches {
        let path: Vec<&str> = path.iter().map(String::as_str).collect();
        views::set(&mut docs[i].root, &path, node);
    }
    errors
}
