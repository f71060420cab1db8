//! `kind = "join"`: the subject names another document (a destination host, a
//! Service, a backend by name); a named resolver ([`crate::join::Resolver`]) finds
//! the document that applies, within the subject's deployment scope, and the check
//! requires that there is one and, optionally, that it sets a key as the subject
//! sees it (`outlierDetection` in a destination's effective traffic policy).

use serde::Deserialize;

use super::{Context, Problem, Subject};
use crate::join::{Reference, Resolver, ServiceIndex, Target, TargetSelect};
use crate::rules::path::Path;
use crate::rules::spec::{Glob, OneOrMany, PlatformName};
use crate::workspace::Workspace;

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields, rename_all = "kebab-case")]
pub struct Join {
    /// How a reference names its target: `istio-host`, `kubernetes-service`, `name` or `resilience4j-instance`.
    pub resolver: Resolver,
    /// Optional: path to the reference (a host, a name), relative to the subject; a subject
    /// without one is covered. Default: the map key naming the subject (`instances: {backendA: ..}`).
    pub key: Option<Path>,
    /// Optional: path to the subset the subject asks for (`istio-host`).
    pub subset: Option<Path>,
    /// Optional: path to the port number the subject calls.
    pub port: Option<Path>,
    /// Optional: platform of the targets; implied `kubernetes` when `target-kind` is given.
    pub target_platform: Option<PlatformName>,
    /// Kind of the target documents, or a list of kinds (e.g. `DestinationRule`).
    #[serde(default)]
    pub target_kind: OneOrMany<String>,
    /// Optional: glob over the targets' `apiVersion`.
    pub target_api_version: Option<Glob>,
    /// Optional: path(s) from a target document's root to each target node (default: the document).
    #[serde(default)]
    pub target_each: OneOrMany<Path>,
    /// Optional (`name`): path from a target node to its name (default: its map key, else `metadata.name`).
    pub target_name: Option<Path>,
    /// Optional: names tried in order when the reference finds nothing (e.g. `["default"]`).
    #[serde(default)]
    pub fallback: Vec<String>,
    /// Optional: key the target must set as the subject sees it (e.g. `outlierDetection`).
    pub require_key: Option<Path>,
    /// Optional: message when nothing resolves; `{key}` is replaced.
    pub message_no_target: Option<String>,
    /// Optional: message when the target lacks `require-key`; `{key}`, `{target}` (its name),
    /// `{target_location}` (`path:line`) and `{where}` (the key looked for) are replaced.
    pub message_no_key: Option<String>,
}

impl Join {
    /// The index of this join's targets; built once per run before judging.
    pub fn index<'a>(&self, ws: &'a Workspace) -> ServiceIndex<'a> {
        let wants_k8s = self.target_api_version.is_some() || !self.target_kind.0.is_empty();
        let select = TargetSelect {
            platform: self
                .target_platform
                .map(|p| p.0)
                .or(wants_k8s.then_some(crate::classify::Platform::Kubernetes)),
            kinds: &self.target_kind.0,
            api_version: self.target_api_version.as_ref().map(|g| &g.0),
            each: &self.target_each.0,
            name: self.target_name.as_ref(),
        };
        ServiceIndex::build(ws, self.resolver, &select)
    }

    pub fn judge(&self, subject: &Subject, ctx: &Context) -> Vec<Problem> {
        let key = match &self.key {
            Some(path) => path.first(subject.node).and_then(|h| h.node.as_str()),
            None => subject.key.and_then(|k| k.as_str()),
        };
        let Some(key) = key else {
            return Vec::new();
        };
        let text_at = |p: &Option<Path>| p.as_ref().and_then(|p| p.first(subject.node));
        let reference = Reference {
            key,
            subset: text_at(&self.subset).and_then(|h| h.node.as_str()),
            port: text_at(&self.port).and_then(|h| h.node.as_i64()),
            doc: subject.doc,
            files: &ctx.ws.files,
        };
        let imp = self.resolver.imp();
        let shown = imp.display(&reference);
        let problem = |message: String| Problem {
            span: None,
            message: message.replace("{key}", &shown),
            target: Some(shown.clone()),
        };
        let Some(target) = self.resolve(ctx, &reference) else {
            let kinds = self.target_kind.0.join("/");
            let kinds = if kinds.is_empty() { "target" } else { &kinds };
            return vec![problem(
                self.message_no_target
                    .clone()
                    .unwrap_or_else(|| format!("no {kinds} for `{{key}}`")),
            )];
        };
        let Some(required) = &self.require_key else {
            return Vec::new();
        };
        let Err(place) = imp.view(&reference, &target).lookup(required) else {
            return Vec::new();
        };
        let file = &ctx.ws.files[target.doc.file];
        let pos = file.line_col(target.node.span.start);
        let kind = target.doc.meta.kind.as_deref().unwrap_or("target");
        let message = self
            .message_no_key
            .clone()
            .unwrap_or_else(|| format!("{kind} `{{target}}` has no `{{where}}`"))
            .replace("{target}", target.name())
            .replace(
                "{target_location}",
                &format!("{}:{}", file.display, pos.line),
            )
            .replace("{where}", &place);
        vec![problem(message)]
    }

    /// The reference's target, else the first fallback name's.
    fn resolve<'a>(&self, ctx: &Context<'a>, reference: &Reference) -> Option<Target<'a>> {
        let index = ctx.index?;
        index.resolve(ctx.ws, self.resolver, reference).or_else(|| {
            self.fallback.iter().find_map(|name| {
                let fallback = Reference {
                    key: name,
                    ..reference.clone()
                };
                index.resolve(ctx.ws, self.resolver, &fallback)
            })
        })
    }
}
