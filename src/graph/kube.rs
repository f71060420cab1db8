//! Kubernetes objects that name a service without saying anything about its calls:
//! `Service`, and the workloads (`Deployment`, `StatefulSet`) a code package is
//! usually named after. They are the nodes code packages are tied to.

use super::host::HostKey;
use super::{Builder, LayerKind, Source};
use crate::classify::Platform;

const KINDS: &[&str] = &["Service", "Deployment", "StatefulSet"];

pub fn add(b: &mut Builder) {
    let kinds: Vec<String> = KINDS.iter().map(|k| k.to_string()).collect();
    for doc in b.ws.docs_of(Some(Platform::Kubernetes), &kinds) {
        // Knative and others reuse `Service`: only core and apps objects name a workload.
        let api = doc.meta.api_version.as_deref().unwrap_or("");
        if !(api == "v1" || api.starts_with("apps/")) {
            continue;
        }
        let Some(name) = doc.meta.name.as_deref() else {
            continue;
        };
        let namespace = crate::join::namespace(doc).to_string();
        let key = HostKey {
            name: name.to_ascii_lowercase(),
            namespace: Some(namespace.clone()),
            external: false,
        };
        let kind = doc.meta.kind.as_deref().unwrap_or("Service");
        let at = b.at(doc.file, doc.root.span);
        b.service(
            &key,
            Source {
                layer: LayerKind::Kubernetes,
                what: format!("{kind} {namespace}/{name}"),
                at,
            },
        );
    }
}
