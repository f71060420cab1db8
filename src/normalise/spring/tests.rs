use super::{canonical, kebab};
use crate::load::{properties, yaml};
use crate::tree::Node;

fn get<'a>(node: &'a Node, path: &[&str]) -> &'a Node {
    path.iter().fold(node, |n, k| {
        n.get(k).unwrap_or_else(|| panic!("no `{k}` in {n:#?}"))
    })
}

fn yaml_tree(text: &str) -> Node {
    canonical(&yaml::parse(text).docs.remove(0).root)
}

#[test]
fn spellings_become_kebab_case() {
    for k in [
        "maxAttempts",
        "max_attempts",
        "max-attempts",
        "MAX_ATTEMPTS",
    ] {
        assert_eq!(kebab(k), "max-attempts", "{k}");
    }
    assert_eq!(
        kebab("enableExponentialBackoff"),
        "enable-exponential-backoff"
    );
    assert_eq!(kebab("http2"), "http2");
}

#[test]
fn nested_dotted_mixed_and_properties_give_one_tree() {
    let nested = "resilience4j:\n  retry:\n    instances:\n      backendA:\n        maxAttempts: 3\n        enable_exponential_backoff: true\n";
    let dotted = "resilience4j.retry.instances.backendA.max-attempts: 3\nresilience4j.retry.instances.backendA.enableExponentialBackoff: true\n";
    let mixed = "resilience4j.retry:\n  instances.backendA:\n    max-attempts: 3\n    enableExponentialBackoff: true\n";
    let props = "resilience4j.retry.instances.backendA.maxAttempts=3\nresilience4j.retry.instances.backendA.enable-exponential-backoff=true\n";
    let trees = [
        yaml_tree(nested),
        yaml_tree(dotted),
        yaml_tree(mixed),
        canonical(&properties::parse(props).docs.remove(0).root),
    ];
    for t in &trees {
        let a = get(t, &["resilience4j", "retry", "instances", "backendA"]);
        assert_eq!(get(a, &["max-attempts"]).as_i64(), Some(3));
        assert_eq!(
            get(a, &["enable-exponential-backoff"]).as_bool(),
            Some(true)
        );
        assert_eq!(a.as_map().unwrap().len(), 2);
    }
}

#[test]
fn values_keep_their_spans_and_split_keys_the_whole_key() {
    let text = "x: 1\nresilience4j.retry.instances.a.maxAttempts: 7\n";
    let t = yaml_tree(text);
    let (key, value) = get(&t, &["resilience4j", "retry", "instances", "a"])
        .entry("max-attempts")
        .unwrap();
    assert_eq!(&text[value.span.start..value.span.end], "7");
    assert_eq!(
        &text[key.span.start..key.span.end],
        "resilience4j.retry.instances.a.maxAttempts"
    );
}

#[test]
fn indices_roots_and_shortcut_filters() {
    let props = "\
spring.cloud.gateway.server.webflux.routes[1].id=b
spring.cloud.gateway.server.webflux.routes[0].id=a
spring.cloud.gateway.server.webflux.routes[0].filters[0]=Retry=3,BAD_GATEWAY,GET,POST
spring.cloud.gateway.server.webflux.routes[0].filters[1]=CircuitBreaker=name=cb,fallbackUri=forward:/f
spring.cloud.gateway.server.webflux.routes[0].metadata.responseTimeout=5
feign.client.config.Orders.readTimeout=0
";
    let t = canonical(&properties::parse(props).docs.remove(0).root);
    let routes = get(&t, &["spring", "cloud", "gateway", "routes"])
        .as_seq()
        .unwrap();
    assert_eq!(routes.len(), 2);
    assert_eq!(get(&routes[0], &["id"]).as_str(), Some("a"));
    let filters = get(&routes[0], &["filters"]).as_seq().unwrap();
    assert_eq!(get(&filters[0], &["name"]).as_str(), Some("Retry"));
    assert_eq!(get(&filters[0], &["args", "retries"]).as_i64(), Some(3));
    let methods: Vec<_> = get(&filters[0], &["args", "methods"])
        .as_seq()
        .unwrap()
        .iter()
        .map(|m| m.as_str().unwrap())
        .collect();
    assert_eq!(methods, ["GET"], "positional: one value per position");
    assert_eq!(get(&filters[1], &["args", "name"]).as_str(), Some("cb"));
    assert_eq!(
        get(&filters[1], &["args", "fallback-uri"]).as_str(),
        Some("forward:/f")
    );
    assert!(
        get(&routes[0], &["metadata"])
            .get("responseTimeout")
            .is_some(),
        "metadata keys are read literally"
    );
    let orders = get(
        &t,
        &["spring", "cloud", "openfeign", "client", "config", "Orders"],
    );
    assert_eq!(get(orders, &["read-timeout"]).as_i64(), Some(0));
}

#[test]
fn full_form_filters_get_list_arguments() {
    let text = "spring:\n  cloud:\n    gateway:\n      default-filters:\n      - name: Retry\n        args:\n          methods: GET,POST\n          backoff: {firstBackoff: 10ms}\n      - Retry\n";
    let t = yaml_tree(text);
    let filters = get(&t, &["spring", "cloud", "gateway", "default-filters"])
        .as_seq()
        .unwrap();
    assert_eq!(
        get(&filters[0], &["args", "methods"])
            .as_seq()
            .unwrap()
            .len(),
        2
    );
    assert!(get(&filters[0], &["args", "backoff"])
        .get("first-backoff")
        .is_some());
    assert_eq!(get(&filters[1], &["name"]).as_str(), Some("Retry"));
    assert!(get(&filters[1], &["args"]).as_map().unwrap().is_empty());
}

#[test]
fn older_spellings_fold_into_the_canonical_roots() {
    let t = yaml_tree("resilience4j.retry:\n  backends:\n    backendA: {maxAttempts: 2}\n  instances:\n    backendB: {maxAttempts: 3}\nresilience4j.circuitBreaker.instances.x.failureRateThreshold: 50\n");
    let instances = get(&t, &["resilience4j", "retry", "instances"]);
    assert_eq!(
        get(instances, &["backendA", "max-attempts"]).as_i64(),
        Some(2)
    );
    assert_eq!(
        get(instances, &["backendB", "max-attempts"]).as_i64(),
        Some(3)
    );
    assert!(get(&t, &["resilience4j", "retry"])
        .get("backends")
        .is_none());
    let cb = get(&t, &["resilience4j", "circuitbreaker", "instances", "x"]);
    assert_eq!(get(cb, &["failure-rate-threshold"]).as_i64(), Some(50));
}

#[test]
fn a_key_of_thousands_of_segments_stays_whole() {
    let key = vec!["a"; 5000].join(".");
    let t = canonical(&properties::parse(&format!("{key}=1\n")).docs.remove(0).root);
    assert_eq!(t.as_map().unwrap().len(), 1);
    assert_eq!(t.as_map().unwrap()[0].0.as_str(), Some(key.as_str()));
}
