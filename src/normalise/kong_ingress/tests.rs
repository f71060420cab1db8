use super::link;
use crate::load::{load_config, Document};
use crate::source::SourceFile;
use crate::tree::Node;

fn linked(text: &str) -> Vec<Document> {
    let files = vec![SourceFile::new(
        "k8s.yaml".into(),
        "k8s.yaml".into(),
        text.to_string(),
    )];
    let mut docs = load_config(0, &files[0]).docs;
    link(&mut docs, &files);
    docs
}

fn kong<'a>(docs: &'a [Document], name: &str) -> Option<&'a Node> {
    docs.iter()
        .find(|d| d.meta.kind.as_deref() == Some("Service") && d.meta.name.as_deref() == Some(name))
        .and_then(|d| d.root.get("kong"))
}

fn text<'a>(node: &'a Node, key: &str) -> Option<&'a str> {
    node.get(key).and_then(Node::as_str)
}

const INGRESS: &str = "apiVersion: networking.k8s.io/v1\nkind: Ingress\nmetadata: {name: shop, namespace: shop, annotations: {konghq.com/read-timeout: \"5000\"}}\nspec:\n  ingressClassName: kong\n  rules:\n  - http:\n      paths:\n      - path: /\n        backend: {service: {name: web, port: {number: 80}}}\n      - path: /api\n        backend: {service: {name: api, port: {number: 80}}}\n";

#[test]
fn services_behind_a_kong_ingress_are_judged_and_others_are_not() {
    let docs = linked(&format!(
        "{INGRESS}---\napiVersion: v1\nkind: Service\nmetadata: {{name: web, namespace: shop}}\n---\napiVersion: v1\nkind: Service\nmetadata: {{name: other, namespace: shop}}\n---\napiVersion: v1\nkind: Service\nmetadata: {{name: web, namespace: elsewhere}}\n"
    ));
    let web = kong(&docs, "web").expect("routed by the Kong ingress");
    assert_eq!(text(web, "label"), Some("shop/web"));
    assert_eq!(
        text(web, "implicit-timeouts"),
        Some("konghq.com/connect-timeout, konghq.com/read-timeout (written on Ingress `shop`, where KIC does not read it) and konghq.com/write-timeout")
    );
    assert_eq!(kong(&docs, "other"), None);
    assert_eq!(
        docs.iter().filter(|d| d.root.get("kong").is_some()).count(),
        1,
        "another namespace's `web` is another Service"
    );
}

#[test]
fn annotations_that_are_not_whole_numbers_are_ignored_by_kic() {
    let docs = linked("apiVersion: v1\nkind: Service\nmetadata:\n  name: api\n  annotations:\n    konghq.com/connect-timeout: \"2000\"\n    konghq.com/read-timeout: 5s\n    konghq.com/write-timeout: \"5000\"\n");
    let api = kong(&docs, "api").expect("a konghq.com annotation is enough");
    assert_eq!(
        text(api, "implicit-timeouts"),
        Some(
            "konghq.com/read-timeout (`5s` is not a whole number of milliseconds: KIC ignores it)"
        )
    );
    assert_eq!(text(api, "connect-timeout"), Some("2000"));
}

#[test]
fn upstream_policies_and_kong_ingress_overrides_are_read() {
    let docs = linked("apiVersion: v1\nkind: Service\nmetadata:\n  name: a\n  annotations: {konghq.com/upstream-policy: checked}\n---\napiVersion: v1\nkind: Service\nmetadata:\n  name: b\n  annotations: {konghq.com/upstream-policy: unchecked}\n---\napiVersion: v1\nkind: Service\nmetadata:\n  name: c\n  annotations: {konghq.com/upstream-policy: not-read-here}\n---\napiVersion: v1\nkind: Service\nmetadata:\n  name: d\n  annotations: {konghq.com/override: legacy}\n---\napiVersion: v1\nkind: Service\nmetadata:\n  name: e\n  annotations: {konghq.com/protocol: https}\n---\napiVersion: configuration.konghq.com/v1beta1\nkind: KongUpstreamPolicy\nmetadata: {name: checked}\nspec:\n  healthchecks:\n    passive:\n      unhealthy: {httpFailures: 3}\n---\napiVersion: configuration.konghq.com/v1beta1\nkind: KongUpstreamPolicy\nmetadata: {name: unchecked}\nspec:\n  algorithm: round-robin\n---\napiVersion: configuration.konghq.com/v1\nkind: KongIngress\nmetadata: {name: legacy}\nproxy: {connect_timeout: 1000, read_timeout: 2000, write_timeout: 2000}\nupstream:\n  healthchecks:\n    active:\n      healthy: {interval: 5}\n");
    assert_eq!(text(kong(&docs, "a").unwrap(), "no-health-checks"), None);
    assert!(
        text(kong(&docs, "b").unwrap(), "no-health-checks")
            .unwrap()
            .starts_with("KongUpstreamPolicy `unchecked` (line 39)"),
        "{:?}",
        text(kong(&docs, "b").unwrap(), "no-health-checks")
    );
    assert_eq!(
        text(kong(&docs, "c").unwrap(), "no-health-checks"),
        None,
        "a policy that was not read is not judged"
    );
    let d = kong(&docs, "d").unwrap();
    assert_eq!(text(d, "no-health-checks"), None);
    assert_eq!(
        text(d, "implicit-timeouts"),
        None,
        "KongIngress proxy timeouts"
    );
    assert_eq!(
        text(kong(&docs, "e").unwrap(), "no-health-checks"),
        Some("no `konghq.com/upstream-policy` names a KongUpstreamPolicy")
    );
}
