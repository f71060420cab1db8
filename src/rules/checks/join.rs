//! `kind = "join"`: the subject names another document (a destination host, a
//! Service, a backend by name); a named resolver ([`crate::join::Resolver`]) finds
//! the document that applies, within the subject's deployment scope, and the check
//! requires that there is one and, optionally, that it sets a key as the subject
//! sees it (`outlierDetection` in a destination's effective traffic policy).

use serde::Deserialize;

use super::{Context, Problem, Subject};
use crate::join::{Reference, Resolver, ServiceIndex, Target, TargetSelect};
use crate::rules::path::Hit;
use crate::rules::path::Path;
use crate::rules::spec::{Assertion, Glob, OneOrMany, PlatformName};
use crate::workspace::Workspace;

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields, rename_all = "kebab-case")]
pub struct Join {
    /// How a reference names its target: `istio-host`, `kubernetes-service`, `name`, `resilience4j-instance` or `envoy-cluster`.
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
    /// Optional: conditions on the target (as `when` in `[select]`); a subject whose
    /// target fails one is not judged (a route to a loopback cluster).
    #[serde(default)]
    pub target_when: Vec<Assertion>,
    /// Optional: what a reference that resolves to nothing is: `finding` (the default),
    /// or `unresolved` (neither covered nor a finding, listed as unresolved: the target
    /// may come from outside the files read).
    #[serde(default)]
    pub no_target: NoTarget,
    /// Optional: message when nothing resolves; `{key}` is replaced.
    pub message_no_target: Option<String>,
    /// Optional: message when the target lacks `require-key`; `{key}`, `{target}` (its name),
    /// `{target_location}` (`path:line`) and `{where}` (the key looked for) are replaced.
    pub message_no_key: Option<String>,
}

/// What a reference that resolves to nothing is (`no-target`).
#[derive(Debug, Default, Clone, Copy, PartialEq, Eq, Deserialize)]
#[serde(rename_all = "kebab-case")]
pub enum NoTarget {
    /// A finding (`message-no-target`).
    #[default]
    Finding,
    /// Not judged, and listed as unresolved.
    Unresolved,
}

impl Join {
    /// The platform of the targets (see [`PlatformName::implied`]).
    pub fn target_platform_selected(&self) -> Option<crate::classify::Platform> {
        PlatformName::implied(
            self.target_platform,
            self.target_api_version.is_some(),
            &self.target_kind.0,
        )
    }

    /// The index of this join's targets; built once per run before judging.
    pub fn index<'a>(&self, ws: &'a Workspace) -> ServiceIndex<'a> {
        let select = TargetSelect {
            platform: self.target_platform_selected(),
            kinds: &self.target_kind.0,
            api_version: self.target_api_version.as_ref().map(|g| &g.0),
            each: &self.target_each.0,
            name: self.target_name.as_ref(),
        };
        ServiceIndex::build(ws, self.resolver, &select)
    }

    /// `None` when the subject is not judged (its target fails `target-when`, or
    /// nothing resolves and `no-target = "unresolved"`).
    pub fn judge(&self, subject: &Subject, ctx: &Context) -> Option<Vec<Problem>> {
        let key = match &self.key {
            Some(path) => path.first(subject.node).and_then(|h| h.node.as_str()),
            None => subject.key.and_then(|k| k.as_str()),
        };
        let Some(key) = key else {
            return Some(Vec::new());
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
            if self.no_target == NoTarget::Unresolved {
                return None;
            }
            let kinds = self.target_kind.0.join("/");
            let kinds = if kinds.is_empty() { "target" } else { &kinds };
            return Some(vec![problem(
                self.message_no_target
                    .clone()
                    .unwrap_or_else(|| format!("no {kinds} for `{{key}}`")),
            )]);
        };
        let judged = self
            .target_when
            .iter()
            .all(|w| super::judge_assertion(w, target.node).is_empty());
        if !judged {
            return None;
        }
        let Some(required) = &self.require_key else {
            return Some(Vec::new());
        };
        let Err(place) = imp.view(&reference, &target).lookup(required) else {
            return Some(Vec::new());
        };
        let file = &ctx.ws.files[target.doc.file];
        let pos = file.line_col(target.node.span.start);
        let kind = target.doc.meta.kind.as_deref().unwrap_or("target");
        let message = self
            .message_no_key
            .clone()
            .unwrap_or_else(|| format!("{kind} `{{target}}` has no `{{where}}`"))
            .replace("{target}", self.target_label(&target))
            .replace(
                "{target_location}",
                &format!("{}:{}", file.display, pos.line),
            )
            .replace("{where}", &place);
        Some(vec![problem(message)])
    }

    /// A target's name as messages show it: at `target-name` when the rule gives
    /// one, else its map key or `metadata.name`.
    fn target_label<'t>(&self, target: &Target<'t>) -> &'t str {
        self.target_name
            .as_ref()
            .and_then(|p| p.first(target.node))
            .and_then(|h| h.node.as_str())
            .unwrap_or_else(|| target.name())
    }

    /// The reference of a subject that resolves to nothing, when such a subject is
    /// `unresolved` rather than a finding: the judge lists it as unresolved.
    pub fn unresolved<'s>(&self, subject: &Subject<'s>, ctx: &Context) -> Option<Hit<'s>> {
        if self.no_target != NoTarget::Unresolved {
            return None;
        }
        let hit = match &self.key {
            Some(path) => path.first(subject.node)?,
            None => return None,
        };
        let reference = Reference {
            key: hit.node.as_str()?,
            subset: None,
            port: None,
            doc: subject.doc,
            files: &ctx.ws.files,
        };
        self.resolve(ctx, &reference).is_none().then_some(hit)
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
