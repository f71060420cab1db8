//! `kind = "destination-policy"`: the rule-file shape the Istio outlier-detection rule
//! was first written in, kept so existing rule files load. It is a `join` through the
//! `istio-host` resolver ([`crate::istio`]) and nothing more: every field maps onto
//! one of [`Join`]'s.

use serde::Deserialize;

use super::join::Join;
use crate::join::Resolver;
use crate::rules::path::Path;
use crate::rules::spec::{Glob, OneOrMany};

/// As written; see the README's `destination-policy` table.
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields, rename_all = "kebab-case")]
pub struct RawDestinationPolicy {
    /// Host of the destination, relative to the subject (e.g. `host`).
    host: Path,
    /// Optional: subset name, relative to the subject (e.g. `subset`).
    subset: Option<Path>,
    /// Optional: port number, relative to the subject (e.g. `port.number`).
    port: Option<Path>,
    /// Kind of the policy documents (e.g. `DestinationRule`).
    rule_kind: String,
    /// Optional: apiVersion glob of the policy documents.
    rule_api_version: Option<Glob>,
    /// Key that must be set in the effective traffic policy (e.g. `outlierDetection`).
    policy: String,
    /// Optional: message when no policy document matches the host; `{host}` is replaced.
    message_no_rule: Option<String>,
    /// Optional: message when the matching document lacks the policy; `{host}`, `{rule}` (its
    /// name), `{rule_location}` (`path:line`) and `{where}` (the key looked for) are replaced.
    message_no_policy: Option<String>,
}

/// A `join` with `resolver = "istio-host"`.
#[derive(Debug, Deserialize)]
#[serde(try_from = "RawDestinationPolicy")]
pub struct DestinationPolicy(pub Join);

impl TryFrom<RawDestinationPolicy> for DestinationPolicy {
    type Error = String;
    fn try_from(r: RawDestinationPolicy) -> Result<Self, String> {
        let policy = Path::parse(&r.policy).map_err(|e| format!("bad `policy`: {e}"))?;
        let rename = |m: String| {
            m.replace("{host}", "{key}")
                .replace("{rule_location}", "{target_location}")
                .replace("{rule}", "{target}")
        };
        Ok(DestinationPolicy(Join {
            resolver: Resolver::IstioHost,
            key: Some(r.host),
            subset: r.subset,
            port: r.port,
            target_platform: None,
            target_kind: OneOrMany(vec![r.rule_kind]),
            target_api_version: r.rule_api_version,
            target_each: OneOrMany::default(),
            target_name: None,
            fallback: Vec::new(),
            require_key: Some(policy),
            target_when: Vec::new(),
            no_target: Default::default(),
            message_no_target: r.message_no_rule.map(rename),
            message_no_key: r.message_no_policy.map(rename),
        }))
    }
}
