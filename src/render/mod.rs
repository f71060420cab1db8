//! Render stage: pure functions from a report to bytes, one file per format.
//!
//! Each renderer writes onto an [`std::io::Write`] as it goes (`write`), finding by
//! finding, never building the whole output first: a report of 100,000 findings
//! is 100 MB of SARIF, and holding that (or a `serde_json::Value` of it) beside the
//! report took 800 MB. `render` is the same bytes as a `String`, for tests and the
//! fuzz harness. Callers hand `write` a buffered writer.
//!
//! Formats read by a code host (SARIF, GitHub annotations, GitLab Code Quality)
//! need paths relative to the repository root, not to the directory the command
//! ran in: [`Repo`] carries that root as data, so renderers never touch the disk.

pub mod concise;
pub mod github;
pub mod gitlab;
pub mod html;
pub mod json;
pub mod junit;
pub mod map_dot;
pub mod map_json;
pub mod map_mermaid;
pub mod markdown;
pub mod sarif;
pub mod snippet;
pub mod text;

/// The bytes a `write` function puts out, as a `String` (lossy only if a renderer
/// wrote invalid UTF-8, which none does: they write `str`s).
pub fn to_string(write: impl FnOnce(&mut Vec<u8>) -> std::io::Result<()>) -> String {
    let mut out = Vec::new();
    // Writing into a `Vec` cannot fail; a renderer's own error leaves what it wrote.
    let _ = write(&mut out);
    match String::from_utf8(out) {
        Ok(s) => s,
        Err(e) => String::from_utf8_lossy(e.as_bytes()).into_owned(),
    }
}

/// "and 2 other routes" for a finding that stands for several subjects with one
/// shared problem (`related`, see [`crate::report::group_shared`]); empty otherwise.
/// The related subjects are the same rule's, so they are of the finding's own kind,
/// named by [`subject_noun`]: "routes" for route destinations, "backends" for
/// Resilience4j backend names, "calls" for calls in code.
pub fn others(f: &crate::report::Finding) -> String {
    let n = f.related.len();
    if n == 0 {
        return String::new();
    }
    let noun = subject_noun(&f.subject);
    let plural = if n == 1 {
        ""
    } else if noun.ends_with('s') {
        "es"
    } else {
        "s"
    };
    format!("and {n} other {noun}{plural}")
}

/// What a subject is, from its identity's path ([`crate::identity::subject`]): the
/// key of the innermost list item it lies in (`spec.http[main].route[0].destination`
/// is in a `route`, `resilience4j.backend-names[orders]` names a backend), the words
/// of a list's key in the singular otherwise, and "place" when it lies in no list.
/// Bracketed item names are skipped whatever they hold: a call whose code mentions
/// `route` is still a call.
pub fn subject_noun(subject: &str) -> String {
    let path = subject.split_once(' ').map_or("", |(_, p)| p);
    let (mut depth, mut key_start, mut last) = (0usize, 0usize, None);
    for (i, c) in path.char_indices() {
        match c {
            '[' if depth == 0 => {
                last = Some(&path[key_start..i]);
                depth = 1;
            }
            '[' => depth += 1,
            ']' => {
                depth = depth.saturating_sub(1);
                key_start = i + 1;
            }
            '.' if depth == 0 => key_start = i + 1,
            _ => {}
        }
    }
    let Some(key) = last
        .map(|k| k.trim_start_matches('.'))
        .filter(|k| !k.is_empty())
    else {
        return "place".into();
    };
    match key {
        "http" | "tcp" | "tls" | "route" | "routes" => "route".into(),
        "backend-names" => "backend".into(),
        other => {
            let words = other.replace(['-', '_'], " ");
            match words.strip_suffix("ies") {
                Some(stem) => format!("{stem}y"),
                None => words
                    .strip_suffix('s')
                    .map_or(words.clone(), str::to_string),
            }
        }
    }
}

/// The finding's message, with "(and N other routes)" (or backends, calls, ...) when it
/// stands for several.
pub fn with_others(f: &crate::report::Finding) -> String {
    match others(f) {
        o if o.is_empty() => f.message.clone(),
        o => format!("{} ({o})", f.message),
    }
}

/// The repository the run is in, as strings.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Repo {
    /// The repository root, absolute, `/`-separated, without a trailing `/`.
    pub root: String,
    /// The working directory relative to the root: empty, or `/`-terminated (`svc/`).
    pub prefix: String,
}

impl Repo {
    /// The path of a file as the report shows it, relative to the repository root;
    /// `None` when it lies outside the repository.
    pub fn path(&self, shown: &str) -> Option<String> {
        let joined = if shown.starts_with('/') {
            shown
                .strip_prefix(&self.root)
                .and_then(|rest| rest.strip_prefix('/'))?
                .to_string()
        } else {
            format!("{}{shown}", self.prefix)
        };
        let mut parts: Vec<&str> = Vec::new();
        for part in joined.split('/') {
            match part {
                "" | "." => {}
                ".." => {
                    parts.pop()?;
                }
                p => parts.push(p),
            }
        }
        Some(parts.join("/"))
    }
}

#[cfg(test)]
mod tests {
    use super::{others, subject_noun, Repo};

    #[test]
    fn the_other_subjects_are_named_by_their_kind() {
        let cases = [
            (
                "VirtualService/shop/a spec.http[main].route[0].destination",
                "route",
            ),
            (
                "VirtualService/shop/a spec.tcp[0].route[0].destination",
                "route",
            ),
            (
                "spring#0 resilience4j.backend-names[route-planner]",
                "backend",
            ),
            // The code in the item's name mentions a route: it is still a call.
            ("rust#0 calls[fn router/client.get(route_url[0])]", "call"),
            ("Service/shop/router spec.ports[http]", "port"),
            ("envoy#0 static_resources.clusters[orders]", "cluster"),
            ("kong#0 upstream_policies[a]", "upstream policy"),
            ("Gateway/shop/routes spec", "place"),
        ];
        for (subject, noun) in cases {
            assert_eq!(subject_noun(subject), noun, "{subject}");
        }
    }

    #[test]
    fn the_count_says_one_or_many() {
        let location = crate::report::Location {
            path: "a.yaml".into(),
            line: 1,
            column: 1,
            end_line: 1,
            end_column: 2,
        };
        let mut finding = crate::report::Finding {
            rule: "r".into(),
            category: crate::report::Category::CircuitBreaker,
            severity: crate::report::Severity::Warning,
            message: "m".into(),
            location: location.clone(),
            target: None,
            help: "".into(),
            byte_range: (0, 1),
            subject: "spring#0 resilience4j.backend-names[routes]".into(),
            shared: true,
            related: Vec::new(),
        };
        assert_eq!(others(&finding), "");
        finding.related.push(location.clone());
        assert_eq!(others(&finding), "and 1 other backend");
        finding.related.push(location);
        assert_eq!(others(&finding), "and 2 other backends");
    }

    #[test]
    fn paths_become_relative_to_the_repository_root() {
        let repo = Repo {
            root: "/src/shop".into(),
            prefix: "svc/".into(),
        };
        assert_eq!(repo.path("k8s/a.yaml").as_deref(), Some("svc/k8s/a.yaml"));
        assert_eq!(repo.path("./../b.yaml").as_deref(), Some("b.yaml"));
        assert_eq!(repo.path("/src/shop/c.yaml").as_deref(), Some("c.yaml"));
        assert_eq!(repo.path("/elsewhere/d.yaml"), None);
        assert_eq!(repo.path("../../x.yaml"), None);
    }
}
