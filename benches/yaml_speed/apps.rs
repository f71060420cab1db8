//! Generators for the benchmark's Spring Boot, Linkerd and Consul files: what an
//! application repository holds beside its mesh and gateway configuration.

use std::fmt::Write as _;

use super::Rng;

/// A service's `application.yml`: its name, Resilience4j retry and circuit breaker
/// instances (a `configs.default`, some instances on a `baseConfig`, camelCase and
/// kebab-case keys), OpenFeign clients, and in one service in three a Spring Cloud
/// Gateway with routes, shortcut and full filters and `default-filters`.
pub fn spring_yaml(rng: &mut Rng, i: usize) -> String {
    let mut s = format!("spring:\n  application:\n    name: svc-{i}\n");
    if rng.below(3) == 0 {
        s.push_str("  cloud:\n    gateway:\n");
        if rng.below(2) == 0 {
            s.push_str(
                "      httpclient:\n        connect-timeout: 1000\n        response-timeout: 5s\n",
            );
        }
        s.push_str("      default-filters:\n      - AddResponseHeader=X-Served-By, gateway\n");
        if rng.below(2) == 0 {
            s.push_str("      - name: CircuitBreaker\n        args: {name: shared}\n");
        }
        s.push_str("      routes:\n");
        for r in 0..1 + rng.below(4) {
            let _ = write!(
                s,
                "      - id: r{r}\n        uri: http://svc-{}.ns{}:8080\n        predicates:\n        - Path=/api/{i}/{r}/**\n",
                rng.below(500),
                rng.below(8)
            );
            if rng.below(3) == 0 {
                s.push_str("        - Method=POST\n");
            }
            match rng.below(4) {
                0 => {}
                1 => s.push_str("        filters:\n        - CircuitBreaker=cb\n        - Retry=3\n"),
                2 => s.push_str("        filters:\n        - name: Retry\n          args:\n            retries: 2\n            methods: GET,POST\n            backoff: {firstBackoff: 50ms, maxBackoff: 500ms}\n"),
                _ => s.push_str("        metadata:\n          response-timeout: 2000\n"),
            }
        }
    }
    if rng.below(2) == 0 {
        s.push_str("  cloud.openfeign.client.config:\n    default:\n      connectTimeout: 2000\n");
        for c in 0..rng.below(3) {
            let _ = writeln!(
                s,
                "    client-{c}:\n      readTimeout: {}",
                [0, 5000, 10000][rng.below(3) as usize]
            );
        }
    }
    s.push_str("resilience4j:\n  retry:\n    configs:\n      default:\n        maxAttempts: 3\n        waitDuration: 200ms\n");
    if rng.below(2) == 0 {
        s.push_str(
            "        enableExponentialBackoff: true\n        exponentialBackoffMultiplier: 2\n",
        );
    }
    s.push_str("      legacy:\n        wait-duration: 1s\n    instances:\n");
    let backends = 1 + rng.below(4);
    for b in 0..backends {
        let _ = writeln!(s, "      backend-{b}:");
        match rng.below(3) {
            0 => s.push_str("        baseConfig: legacy\n"),
            1 => s.push_str("        max-attempts: 5\n        enable-randomized-wait: true\n"),
            _ => s.push_str("        baseConfig: default\n"),
        }
    }
    s.push_str("  circuitbreaker:\n    instances:\n");
    for b in 0..backends {
        if rng.below(3) != 0 {
            let _ = writeln!(
                s,
                "      backend-{b}:\n        failureRateThreshold: {}\n        slidingWindowSize: 20\n        minimumNumberOfCalls: {}",
                [50, 100][rng.below(2) as usize],
                [10, 50][rng.below(2) as usize]
            );
        }
    }
    if rng.below(2) == 0 {
        s.push_str(
            "  timelimiter:\n    instances:\n      backend-0:\n        timeoutDuration: 2s\n",
        );
    }
    s
}

/// A profile's `application-prod.properties` beside a service's `application.yml`:
/// dotted keys that override or add retries, breakers and Feign timeouts.
pub fn spring_properties(rng: &mut Rng, i: usize) -> String {
    let mut s = format!("# prod overrides for svc-{i}\nspring.application.name=svc-{i}\n");
    for b in 0..1 + rng.below(3) {
        let _ = writeln!(
            s,
            "resilience4j.retry.instances.backend-{b}.maxAttempts={}",
            2 + rng.below(3)
        );
        if rng.below(2) == 0 {
            let _ = writeln!(
                s,
                "resilience4j.retry.instances.backend-{b}.enableExponentialBackoff=false"
            );
        }
        if rng.below(3) == 0 {
            let _ = writeln!(
                s,
                "resilience4j.circuitbreaker.instances.backend-{b}.failure-rate-threshold=60"
            );
        }
    }
    if rng.below(2) == 0 {
        let _ = writeln!(
            s,
            "spring.cloud.openfeign.client.config.billing.readTimeout={}\nspring.cloud.openfeign.client.config.billing.connectTimeout=1000",
            [0, 3000][rng.below(2) as usize]
        );
    }
    s
}

/// A Linkerd ServiceProfile (routes with conditions, timeouts, `isRetryable`, a
/// retry budget) and the Service it names, with 2.16 annotations on some.
pub fn linkerd(rng: &mut Rng, i: usize, ns: usize) -> String {
    let mut s = format!(
        "apiVersion: linkerd.io/v1alpha2\nkind: ServiceProfile\nmetadata:\n  name: books-{i}.ns{ns}.svc.cluster.local\n  namespace: ns{ns}\nspec:\n  routes:\n"
    );
    for r in 0..1 + rng.below(4) {
        let method = ["GET", "POST", "PATCH", "PUT"][rng.below(4) as usize];
        let _ = write!(
            s,
            "  - name: {method} /books/{r}\n    condition:\n      method: {method}\n      pathRegex: /books/{r}/[^/]*\n"
        );
        if rng.below(2) == 0 {
            s.push_str("    isRetryable: true\n");
        }
        match rng.below(3) {
            0 => {}
            1 => s.push_str("    timeout: 0s\n"),
            _ => {
                let _ = writeln!(s, "    timeout: {}00ms", 1 + rng.below(9));
            }
        }
    }
    if rng.below(2) == 0 {
        let _ = writeln!(
            s,
            "  retryBudget:\n    retryRatio: {}\n    minRetriesPerSecond: 10\n    ttl: 10s",
            ["0.2", "1.5"][rng.below(2) as usize]
        );
    }
    let _ = write!(
        s,
        "---\napiVersion: v1\nkind: Service\nmetadata:\n  name: books-{i}\n  namespace: ns{ns}\n"
    );
    if rng.below(2) == 0 {
        s.push_str("  annotations:\n    timeout.linkerd.io/request: 2s\n    retry.linkerd.io/http: 5xx\n    retry.linkerd.io/limit: \"2\"\n");
        if rng.below(2) == 0 {
            s.push_str("    balancer.linkerd.io/failure-accrual: consecutive\n");
        }
    }
    s.push_str("spec:\n  ports: [{port: 80, targetPort: 8080}]\n");
    s
}

/// Consul config entries: an HCL `service-router` or `service-defaults` file, or
/// the same as Kubernetes CRDs (ServiceRouter, ServiceDefaults with `Overrides`
/// beside `Defaults`, ServiceResolver) in YAML.
pub fn consul(rng: &mut Rng, i: usize) -> (String, String) {
    match rng.below(3) {
        0 => {
            let mut s = format!("Kind = \"service-router\"\nName = \"orders-{i}\"\nRoutes = [\n");
            for r in 0..1 + rng.below(3) {
                let method = ["GET", "POST", "PATCH"][rng.below(3) as usize];
                let _ = write!(
                    s,
                    "  {{\n    Match {{\n      HTTP {{\n        PathPrefix = \"/orders/{r}\"\n        Methods    = [\"{method}\"]\n      }}\n    }}\n    Destination {{\n      Service = \"orders-{i}\"\n"
                );
                if rng.below(2) == 0 {
                    s.push_str("      NumRetries         = 3\n      RetryOnStatusCodes = [503]\n");
                }
                if rng.below(2) == 0 {
                    let _ = writeln!(s, "      RequestTimeout     = \"{}s\"", rng.below(5));
                }
                s.push_str("    }\n  },\n");
            }
            s.push_str("]\n");
            (format!("orders-{i}-router.hcl"), s)
        }
        1 => {
            let mut s = format!(
                "Kind     = \"service-defaults\"\nName     = \"web-{i}\"\nProtocol = \"http\"\nUpstreamConfig {{\n  Defaults {{\n    PassiveHealthCheck {{\n      Interval    = \"10s\"\n      MaxFailures = {}\n    }}\n  }}\n",
                rng.below(5)
            );
            if rng.below(2) == 0 {
                s.push_str("  Overrides = [\n    {\n      Name = \"payments\"\n      PassiveHealthCheck {\n        MaxFailures = 3\n      }\n    },\n  ]\n");
            }
            s.push_str("}\n");
            (format!("web-{i}-defaults.hcl"), s)
        }
        _ => {
            let mut s = format!(
                "apiVersion: consul.hashicorp.com/v1alpha1\nkind: ServiceRouter\nmetadata:\n  name: carts-{i}\nspec:\n  routes:\n"
            );
            for r in 0..1 + rng.below(3) {
                let method = ["GET", "POST", "PATCH"][rng.below(3) as usize];
                let _ = write!(
                    s,
                    "  - match:\n      http:\n        pathPrefix: /carts/{r}\n        methods: [{method}]\n    destination:\n      service: carts-{i}\n"
                );
                if rng.below(2) == 0 {
                    s.push_str("      numRetries: 2\n      retryOn: [reset, connect-failure]\n");
                }
                if rng.below(2) == 0 {
                    s.push_str("      requestTimeout: 3s\n");
                }
            }
            let _ = write!(
                s,
                "---\napiVersion: consul.hashicorp.com/v1alpha1\nkind: ServiceDefaults\nmetadata:\n  name: carts-{i}\nspec:\n  protocol: http\n  upstreamConfig:\n    defaults:\n      passiveHealthCheck: {{interval: 10s, maxFailures: {}}}\n---\napiVersion: consul.hashicorp.com/v1alpha1\nkind: ServiceResolver\nmetadata:\n  name: carts-{i}\nspec:\n  requestTimeout: {}s\n",
                rng.below(4),
                rng.below(3)
            );
            (format!("carts-{i}-consul.yaml"), s)
        }
    }
}
