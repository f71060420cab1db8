//! One spelling for every way a layer names a service, so that a code call to
//! `http://payments.shop:8080/v1/charges`, a VirtualService host `payments.shop` and a
//! Kubernetes `payments.shop.svc.cluster.local` meet at the same node of the graph.
//!
//! Inside a cluster, `payments`, `payments.shop`, `payments.shop.svc` and
//! `payments.shop.svc.cluster.local` all name Service `payments` of namespace `shop`
//! (the first in the caller's namespace, through the resolver's search list). A host
//! with more labels is external (`api.stripe.com`) and kept as written.

/// A service as the graph knows it: a cluster service (name, namespace when written
/// or known) or an external host.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct HostKey {
    pub name: String,
    /// `None` for a short name whose namespace is the caller's, and for external hosts.
    pub namespace: Option<String>,
    /// A host outside the cluster (three labels or more, not `*.svc[.cluster.local]`).
    pub external: bool,
}

impl HostKey {
    /// The graph's id of the service: `name.namespace`, `name`, or the external host.
    pub fn id(&self) -> String {
        match &self.namespace {
            Some(ns) if !self.external => format!("{}.{ns}", self.name),
            _ => self.name.clone(),
        }
    }

    /// The same key with the namespace filled in when it was left to the caller's.
    pub fn in_namespace(mut self, namespace: Option<&str>) -> Self {
        if self.namespace.is_none() && !self.external {
            self.namespace = namespace.map(str::to_string);
        }
        self
    }
}

/// Where a URL or host points: the host part, the port and the path, lowercased host.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Address {
    pub host: HostKey,
    /// The path of a URL (`/v1/charges`), when it has one.
    pub path: Option<String>,
}

/// Parses a URL (`http://payments.shop:8080/x`, `lb://payments`, `grpc://a:50051`) or a
/// bare host (`payments.shop`, `payments:8080`). `None` for what names no host
/// (`forward:/x`, an empty string, a template).
pub fn parse(text: &str) -> Option<Address> {
    let text = text.trim();
    if text.is_empty() || text.contains("{{") || text.starts_with("forward:") {
        return None;
    }
    // `lb://name`, `lb:ws://name`, `http://`, `grpc+tls://`: everything up to `://`.
    let rest = match text.find("://") {
        Some(i) => &text[i + 3..],
        None => text,
    };
    let end = rest.find(['/', '?', '#']).unwrap_or(rest.len());
    let (authority, tail) = rest.split_at(end);
    let authority = authority.rsplit('@').next().unwrap_or(authority);
    let host = if authority.starts_with('[') {
        // An IPv6 literal: kept whole.
        authority.split(']').next().map(|h| format!("{h}]"))?
    } else {
        authority.split(':').next().unwrap_or(authority).to_string()
    };
    let path = tail.split(['?', '#']).next().filter(|p| p.starts_with('/'));
    Some(Address {
        host: key(&host)?,
        path: path.map(str::to_string),
    })
}

/// The key of a host name (no scheme, no port).
pub fn key(host: &str) -> Option<HostKey> {
    let host = host.trim().trim_end_matches('.').to_ascii_lowercase();
    if host.is_empty() || host.contains(char::is_whitespace) {
        return None;
    }
    let short = host
        .strip_suffix(".svc.cluster.local")
        .or_else(|| host.strip_suffix(".svc"))
        .unwrap_or(&host);
    let labels: Vec<&str> = short.split('.').collect();
    let cluster = short.len() != host.len();
    Some(match labels.as_slice() {
        [name] => HostKey {
            name: name.to_string(),
            namespace: None,
            external: false,
        },
        [name, ns] if cluster || !looks_external(ns) => HostKey {
            name: name.to_string(),
            namespace: Some(ns.to_string()),
            external: false,
        },
        _ => HostKey {
            name: host.clone(),
            namespace: None,
            external: true,
        },
    })
}

/// Whether the last label of a two-label host is a public top-level domain that a
/// namespace is unlikely to be named after (`example.com`); `payments.shop` stays a
/// cluster name, as the cluster's resolver would read it first.
fn looks_external(last: &str) -> bool {
    matches!(
        last,
        "com" | "org" | "net" | "io" | "dev" | "cloud" | "app" | "co" | "internal" | "local"
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_host_written_three_ways_is_one_service() {
        let a = parse("http://payments.shop:8080/v1/charges").unwrap();
        let b = parse("payments.shop").unwrap();
        let c = parse("payments.shop.svc.cluster.local").unwrap();
        assert_eq!(a.host, b.host);
        assert_eq!(b.host, c.host);
        assert_eq!(a.host.id(), "payments.shop");
        assert_eq!(a.path.as_deref(), Some("/v1/charges"));
        assert_eq!(b.path, None);
    }

    #[test]
    fn short_names_take_the_callers_namespace_and_external_hosts_stay_whole() {
        let short = parse("lb://payments").unwrap().host;
        assert_eq!(short.namespace, None);
        assert_eq!(short.in_namespace(Some("shop")).id(), "payments.shop");
        let ext = parse("https://user@api.stripe.com:443/v1?x=1")
            .unwrap()
            .host;
        assert!(ext.external);
        assert_eq!(ext.id(), "api.stripe.com");
        assert!(parse("https://example.com").unwrap().host.external);
        assert_eq!(parse("forward:/local"), None);
        assert_eq!(parse("http://{{ .Values.host }}"), None);
        assert_eq!(
            parse("PAYMENTS.Shop.svc").unwrap().host.id(),
            "payments.shop"
        );
    }
}
