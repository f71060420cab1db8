//! The documents the integration graph builds (`platform = "cross"`): one per file
//! where integration paths start, as built by `crate::graph::docs`. Every value sits
//! at the call or gateway route the path starts from.

use super::{Field, Shape, Ty};

const PATH: &[Field] = &[
    Field::new("from", Ty::Text, "the calling service (`checkout.shop`)"),
    Field::new("to", Ty::Text, "the called service (`payments.payments`)"),
    Field::new("layer", Ty::OneOf(&["code", "gateway"]), "the layer the path starts in"),
    Field::new("method", Ty::Text, "the HTTP method, when known (`POST`)"),
    Field::new("layers", Ty::Text, "every layer on the path, in order, with where it is set"),
    Field::new("timeout", Ty::Text, "present when the path is bounded: by its own layer, or by every later route (which)"),
    Field::new("breaker", Ty::Text, "present when a breaker or outlier detection guards the path: own, or on every later route (which)"),
    Field::new("tries", Ty::Text, "present when two or more layers retry: the most requests one call can become (tries multiplied)"),
    Field::new("nested-timeouts", Ty::Flag, "present when two layers of the path time out: the origin and a later route that retries, or a gateway in front of the caller"),
    Field::new("mutation", Ty::Text, "present when the call is a POST or PATCH and a later layer retries: the method"),
    Field::new("amplification", Ty::Text, "present when `tries` is over `[cross] max-tries` (default 10): each layer's share"),
    Field::new("timeout-inversion", Ty::Text, "present when an outer layer gives up before an inner one can finish: which, and by how much"),
    Field::new("mutation-retried", Ty::Text, "present when a POST or PATCH sent without an idempotency key is retried by a later layer on conditions that replay it"),
];

/// The paths document of one file.
pub const PATHS: Shape = Shape {
    name: "cross paths",
    platform: crate::classify::Platform::Cross,
    doc: "one document per file where integration paths start (a code call, a gateway route), built by the integration graph",
    open: false,
    fields: &[Field::new("paths", Ty::List(PATH), "integration paths starting in this file")],
};
