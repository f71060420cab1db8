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
pub fn link_scoped(
    docs: &mut Vec<Document>,
    files: &[SourceFile],
    scopes: &Scopes,
) -> Vec<FileError> {
    if !docs.iter().any(|d| d.meta.platform == Platform::Spring) {
        link_meshes(docs, files, scopes);
        return Vec::new();
    }
    // Spring documents only read and patch one another, and no other platform's link
    // reads them: the two sides are linked at once, apart, then put back in order.
    type Numbered = Vec<(usize, Document)>;
    let (spring, rest): (Numbered, Numbered) = std::mem::take(docs)
        .into_iter()
        .enumerate()
        .partition(|(_, d)| d.meta.platform == Platform::Spring);
    let (spring_at, mut spring): (Vec<usize>, Vec<Document>) = spring.into_iter().unzip();
    let (rest_at, mut rest): (Vec<usize>, Vec<Document>) = rest.into_iter().unzip();
    let ((), errors) = rayon::join(
        || link_meshes(&mut rest, files, scopes),
        || link_spring(&mut spring, files),
    );
    let mut spring = spring_at.into_iter().zip(spring).peekable();
    let mut rest = rest_at.into_iter().zip(rest).peekable();
    while let Some(next) = match (spring.peek(), rest.peek()) {
        (Some((s, _)), Some((r, _))) if s < r => spring.next(),
        (_, Some(_)) => rest.next(),
        (Some(_), None) => spring.next(),
        (None, None) => None,
    } {
        docs.push(next.1);
    }
    errors
}

/// The link steps of the mesh and gateway platforms, in their order (a later one may
/// read what an earlier one derived).
fn link_meshes(docs: &mut [Document], files: &[SourceFile], scopes: &Scopes) {
    linkerd::link(docs, scopes);
    consul::link(docs);
    let routes = gateway::patches(docs, files);
    gateway::apply(docs, routes);
    envoy::link(docs, files);
    kong::link(docs, files);
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
