//! Render stage: pure functions from a report to bytes, one file per format.
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

/// "and 2 other routes" for a finding that stands for several subjects with one
/// shared problem (`related`, see [`crate::report::group_shared`]); empty otherwise.
/// Routes are what a shared target is named from today (Istio route destinations);
/// a subject of another shape is called a place.
pub fn others(f: &crate::report::Finding) -> String {
    let n = f.related.len();
    if n == 0 {
        return String::new();
    }
    let noun = if f.subject.contains("route") || f.subject.contains("http[") {
        "route"
    } else {
        "place"
    };
    format!("and {n} other {noun}{}", if n == 1 { "" } else { "s" })
}

/// The finding's message, with "(and N other routes)" when it stands for several.
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
    use super::Repo;

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
