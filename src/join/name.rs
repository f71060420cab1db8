//! Resolvers by name: a plain name or id within the same file set, and a
//! Kubernetes Service by its DNS name.

use super::{namespace, Reference, Resolve, Target};
use crate::rules::path::Path;
use crate::tree::Node;

/// `name`: the target whose name equals the reference. A target's name is the value
/// at `target-name` (relative to the target node) when the rule gives one, else the
/// map key naming the node (`instances: {backendA: ...}`), else `metadata.name`.
/// Several targets of one name: the subject's own document first, then its file, then
/// the first in file order.
pub struct PlainName;

impl Resolve for PlainName {
    fn identities(&self, target: &Target, name: Option<&Path>) -> Vec<String> {
        let id = match name {
            Some(path) => path
                .first(target.node)
                .and_then(|h| h.node.as_str().map(str::to_string)),
            None => Some(target.name().to_string()).filter(|n| !n.is_empty()),
        };
        id.into_iter().collect()
    }

    fn lookup_keys(&self, reference: &Reference) -> Vec<String> {
        vec![reference.key.to_string()]
    }

    fn choose<'a>(
        &self,
        reference: &Reference,
        candidates: &[(usize, Target<'a>)],
    ) -> Option<Target<'a>> {
        let here = reference.doc;
        candidates
            .iter()
            .map(|(rank, t)| {
                let distance = if std::ptr::eq(t.doc, here) {
                    0
                } else if t.doc.file == here.file {
                    1
                } else {
                    2
                };
                ((*rank, distance, t.doc.file, t.doc.index), *t)
            })
            .min_by_key(|(order, _)| *order)
            .map(|(_, t)| t)
    }
}

/// `kubernetes-service`: a Service by the name a Pod would dial: `reviews` (the
/// caller's namespace), `reviews.shop`, `reviews.shop.svc`,
/// `reviews.shop.svc.cluster.local`. With a port, the Service must expose it.
pub struct KubernetesService;

/// `name.ns.svc.cluster.local` for the forms Kubernetes DNS accepts.
pub fn service_fqdn(name: &str, caller_ns: &str) -> String {
    let name = name.to_ascii_lowercase();
    match name.matches('.').count() {
        0 => format!("{name}.{caller_ns}.svc.cluster.local"),
        1 => format!("{name}.svc.cluster.local"),
        2 if name.ends_with(".svc") => format!("{name}.cluster.local"),
        _ => name,
    }
}

impl Resolve for KubernetesService {
    fn identities(&self, target: &Target, _name: Option<&Path>) -> Vec<String> {
        match target.doc.meta.name.as_deref() {
            Some(name) => vec![format!(
                "{}.{}.svc.cluster.local",
                name.to_ascii_lowercase(),
                namespace(target.doc)
            )],
            None => Vec::new(),
        }
    }

    fn lookup_keys(&self, reference: &Reference) -> Vec<String> {
        vec![self.display(reference)]
    }

    fn display(&self, reference: &Reference) -> String {
        service_fqdn(reference.key, reference.namespace())
    }

    fn choose<'a>(
        &self,
        reference: &Reference,
        candidates: &[(usize, Target<'a>)],
    ) -> Option<Target<'a>> {
        candidates
            .iter()
            .map(|(_, t)| *t)
            .find(|t| match reference.port {
                None => true,
                Some(port) => t
                    .node
                    .get("spec")
                    .and_then(|s| s.get("ports"))
                    .and_then(Node::as_seq)
                    .is_some_and(|ports| {
                        ports
                            .iter()
                            .any(|p| p.get("port").and_then(Node::as_i64) == Some(port))
                    }),
            })
    }
}

#[cfg(test)]
mod tests {
    use super::service_fqdn;

    #[test]
    fn service_names_take_every_dns_form() {
        let fqdn = "reviews.shop.svc.cluster.local";
        for name in [
            "reviews.shop",
            "reviews.shop.svc",
            "reviews.shop.svc.cluster.local",
        ] {
            assert_eq!(service_fqdn(name, "other"), fqdn);
        }
        assert_eq!(service_fqdn("Reviews", "shop"), fqdn);
    }
}
