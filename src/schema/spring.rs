//! The canonical Spring document (`platform = "spring"`), as `crate::normalise`
//! leaves it: every key in lowercase kebab-case (`waitDuration`, `wait_duration` and
//! `wait-duration` are one key), inherited values materialised, derived keys added.
//!
//! Only what resilint reads or derives is declared; an application binds many more
//! properties, so the maps are open ([`Ty::Open`]). Resilience4j's own property names
//! are listed in full so that a typo of one (`wait-duraton`) is caught, and keeping
//! deprecated spellings here keeps them from being taken for typos. A test runs the
//! normaliser over the Spring fixtures and the demo and checks every key it writes
//! walks this shape.

use super::{Field, Shape, Ty};

/// Provenance of an inherited or defaulted value, per key.
const ORIGIN: Field = Field::new(
    "origin",
    Ty::Open(&[]),
    "where each value came from, per key (`origin.wait-duration`: `set here`, `inherited from configs.default at line 12`, `library default`)",
);
const NAME: Field = Field::new("name", Ty::Text, "the instance's name (derived)");
const BASE_CONFIG: Field = Field::new(
    "base-config",
    Ty::Text,
    "the config it inherits from (`configs.<name>`)",
);
const BUFFER: Field = Field::new("event-consumer-buffer-size", Ty::Text, "event buffer size");

const fn prop(key: &'static str) -> Field {
    Field::new(key, Ty::Text, "Resilience4j property")
}

const RETRY: &[Field] = &[
    NAME,
    ORIGIN,
    BASE_CONFIG,
    BUFFER,
    Field::new(
        "max-attempts",
        Ty::Text,
        "attempts including the first (default 3)",
    ),
    Field::new(
        "wait-duration",
        Ty::Text,
        "wait between attempts (default 500ms)",
    ),
    Field::new(
        "enable-exponential-backoff",
        Ty::Text,
        "exponential backoff on (default false)",
    ),
    Field::new(
        "exponential-backoff-multiplier",
        Ty::Text,
        "backoff multiplier (default 1.5)",
    ),
    Field::new(
        "enable-randomized-wait",
        Ty::Text,
        "randomised wait on (default false)",
    ),
    prop("max-retry-attempts"),
    prop("exponential-max-wait-duration"),
    prop("randomized-wait-factor"),
    prop("interval-function"),
    prop("interval-bi-function"),
    prop("retry-exception-predicate"),
    prop("result-predicate"),
    prop("retry-exceptions"),
    prop("ignore-exceptions"),
    prop("fail-after-max-attempts"),
    prop("consume-result-before-retry-attempt"),
];

const CIRCUIT_BREAKER: &[Field] = &[
    NAME,
    ORIGIN,
    BASE_CONFIG,
    BUFFER,
    Field::new(
        "failure-rate-threshold",
        Ty::Text,
        "failure percentage that opens it (default 50)",
    ),
    Field::new(
        "slow-call-rate-threshold",
        Ty::Text,
        "slow-call percentage that opens it (default 100)",
    ),
    Field::new(
        "slow-call-duration-threshold",
        Ty::Text,
        "what a slow call is (default 60s)",
    ),
    Field::new(
        "sliding-window-type",
        Ty::Text,
        "`COUNT_BASED` (default) or `TIME_BASED`",
    ),
    Field::new(
        "sliding-window-size",
        Ty::Text,
        "calls, or seconds when time-based (default 100)",
    ),
    Field::new(
        "minimum-number-of-calls",
        Ty::Text,
        "calls before a rate is computed (default 100)",
    ),
    Field::new(
        "wait-duration-in-open-state",
        Ty::Text,
        "how long it stays open (default 60s)",
    ),
    prop("wait-interval-function-in-open-state"),
    prop("max-wait-duration-in-half-open-state"),
    prop("transition-to-state-after-wait-duration"),
    prop("permitted-number-of-calls-in-half-open-state"),
    prop("automatic-transition-from-open-to-half-open-enabled"),
    prop("writable-stack-trace-enabled"),
    prop("allow-health-indicator-to-fail"),
    prop("register-health-indicator"),
    prop("record-exceptions"),
    prop("ignore-exceptions"),
    prop("record-failure-predicate"),
    prop("record-result-predicate"),
    prop("ignore-exception-predicate"),
    prop("enable-exponential-backoff"),
    prop("exponential-backoff-multiplier"),
    prop("exponential-max-wait-duration-in-open-state"),
    prop("enable-randomized-wait"),
    prop("randomized-wait-factor"),
    prop("ring-buffer-size-in-closed-state"),
    prop("ring-buffer-size-in-half-open-state"),
];

const TIME_LIMITER: &[Field] = &[
    NAME,
    ORIGIN,
    BASE_CONFIG,
    BUFFER,
    Field::new(
        "timeout-duration",
        Ty::Text,
        "how long a call may take (default 1s)",
    ),
    prop("cancel-running-future"),
];

const BACKEND: &[Field] = &[
    NAME,
    Field::new("retry", Ty::Flag, "a retry instance of this name exists"),
    Field::new(
        "timelimiter",
        Ty::Flag,
        "a time limiter instance of this name exists",
    ),
];

const RETRY_KIND: &[Field] = &[
    Field::new(
        "instances",
        Ty::Names(RETRY),
        "retry instances, materialised with what they inherit",
    ),
    Field::new("configs", Ty::Names(RETRY), "shared retry configs"),
];
const BREAKER_KIND: &[Field] = &[
    Field::new(
        "instances",
        Ty::Names(CIRCUIT_BREAKER),
        "circuit breaker instances, materialised",
    ),
    Field::new(
        "configs",
        Ty::Names(CIRCUIT_BREAKER),
        "shared circuit breaker configs",
    ),
];
const LIMITER_KIND: &[Field] = &[
    Field::new(
        "instances",
        Ty::Names(TIME_LIMITER),
        "time limiter instances, materialised",
    ),
    Field::new(
        "configs",
        Ty::Names(TIME_LIMITER),
        "shared time limiter configs",
    ),
];

const RESILIENCE4J: &[Field] = &[
    Field::new("retry", Ty::Open(RETRY_KIND), "Resilience4j retries"),
    Field::new(
        "circuitbreaker",
        Ty::Open(BREAKER_KIND),
        "Resilience4j circuit breakers",
    ),
    Field::new(
        "timelimiter",
        Ty::Open(LIMITER_KIND),
        "Resilience4j time limiters",
    ),
    Field::new(
        "backend-names",
        Ty::Names(BACKEND),
        "every name a retry or time limiter instance uses (derived)",
    ),
];

const FILTER: &[Field] = &[
    Field::new(
        "name",
        Ty::Text,
        "the filter (`Retry`, `CircuitBreaker`, ...); shortcut form is expanded",
    ),
    Field::new(
        "args",
        Ty::Open(&[
            Field::new("retries", Ty::Text, "Retry: retries after the first call"),
            Field::new(
                "methods",
                Ty::List(&[]),
                "Retry: methods retried (default GET)",
            ),
            Field::new("statuses", Ty::List(&[]), "Retry: statuses retried"),
            Field::new("series", Ty::List(&[]), "Retry: status series retried"),
            Field::new("exceptions", Ty::List(&[]), "Retry: exceptions retried"),
            Field::new(
                "backoff",
                Ty::Open(&[
                    Field::new("first-backoff", Ty::Text, "first wait"),
                    Field::new("max-backoff", Ty::Text, "longest wait"),
                    Field::new("factor", Ty::Text, "multiplier"),
                    Field::new(
                        "based-on-previous-value",
                        Ty::Text,
                        "multiply the previous wait",
                    ),
                ]),
                "Retry: backoff",
            ),
            Field::new("name", Ty::Text, "CircuitBreaker: the breaker's name"),
            Field::new("fallback-uri", Ty::Text, "CircuitBreaker: fallback"),
        ]),
        "the filter's arguments",
    ),
];

const TIMEOUTS: &[Field] = &[
    Field::new(
        "response-timeout",
        Ty::Text,
        "response timeout (route: milliseconds; `httpclient`: a duration)",
    ),
    Field::new(
        "connect-timeout",
        Ty::Text,
        "connect timeout in milliseconds",
    ),
];

const ROUTE: &[Field] = &[
    Field::new("id", Ty::Text, "the route's id (`(no id) <uri>` when it has none)"),
    Field::new("uri", Ty::Text, "where it sends requests"),
    Field::new("predicates", Ty::List(&[]), "when it applies"),
    Field::new("filters", Ty::List(FILTER), "its own filters"),
    Field::new(
        "metadata",
        Ty::Open(TIMEOUTS),
        "per-route settings; the global `httpclient` timeouts are copied in when the route sets none",
    ),
    Field::new("order", Ty::Text, "route order"),
    Field::new(
        "local",
        Ty::Flag,
        "a `forward:` route, served by the gateway itself (derived)",
    ),
    Field::new(
        "circuit-breaker",
        Ty::Text,
        "its CircuitBreaker filter, own or from `default-filters` (derived); absent when none",
    ),
    ORIGIN,
];

const FEIGN_CLIENT: &[Field] = &[
    NAME,
    ORIGIN,
    Field::new(
        "connect-timeout",
        Ty::Text,
        "milliseconds, inherited from the default config, else Feign's 10000",
    ),
    Field::new(
        "read-timeout",
        Ty::Text,
        "milliseconds, inherited from the default config, else Feign's 60000",
    ),
];

const SPRING: &[Field] = &[Field::new(
    "cloud",
    Ty::Open(&[
        Field::new(
            "gateway",
            Ty::Open(&[
                Field::new(
                    "routes",
                    Ty::List(ROUTE),
                    "routes (`server.webflux` folded in), with what they inherit",
                ),
                Field::new(
                    "default-filters",
                    Ty::List(FILTER),
                    "filters applied to every route",
                ),
                Field::new(
                    "httpclient",
                    Ty::Open(TIMEOUTS),
                    "the gateway's HTTP client",
                ),
            ]),
            "Spring Cloud Gateway (both roots)",
        ),
        Field::new(
            "openfeign",
            Ty::Open(&[Field::new(
                "client",
                Ty::Open(&[
                    Field::new(
                        "config",
                        Ty::Names(FEIGN_CLIENT),
                        "client configs by name (`feign.client.config` folded in)",
                    ),
                    Field::new("default-config", Ty::Text, "the default config's name"),
                ]),
                "OpenFeign clients",
            )]),
            "OpenFeign",
        ),
    ]),
    "Spring Cloud",
)];

pub const DOCUMENT: Shape = Shape {
    name: "spring",
    platform: crate::classify::Platform::Spring,
    doc: "a Spring Boot configuration document in canonical form (lowercase kebab-case keys, profiles kept apart, inherited values materialised); other keys are allowed",
    open: true,
    fields: &[
        Field::new("spring", Ty::Open(SPRING), "Spring Boot and Spring Cloud"),
        Field::new("resilience4j", Ty::Open(RESILIENCE4J), "Resilience4j"),
    ],
};
