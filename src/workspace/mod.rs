//! Everything loaded for one run: source files and their documents, indexed by
//! (platform, kind), and each file's deployment scope, which bounds every join.
//!
//! The index by service identity that joins look names up in is built per join from
//! the (platform, kind) index: [`crate::join::ServiceIndex`].

pub mod scope;

use std::collections::HashMap;

use crate::classify::Platform;
use crate::load::Document;
use crate::source::SourceFile;
pub use scope::Scopes;

#[derive(Debug, Default)]
pub struct Workspace {
    pub files: Vec<SourceFile>,
    pub docs: Vec<Document>,
    by_kind: HashMap<(Platform, String), Vec<usize>>,
    by_platform: HashMap<Platform, Vec<usize>>,
    scopes: Scopes,
}

impl Workspace {
    /// A workspace where every file is in one scope.
    pub fn new(files: Vec<SourceFile>, docs: Vec<Document>) -> Self {
        let mut by_kind: HashMap<(Platform, String), Vec<usize>> = HashMap::new();
        let mut by_platform: HashMap<Platform, Vec<usize>> = HashMap::new();
        for (i, doc) in docs.iter().enumerate() {
            by_platform.entry(doc.meta.platform).or_default().push(i);
            if let Some(kind) = &doc.meta.kind {
                by_kind
                    .entry((doc.meta.platform, kind.clone()))
                    .or_default()
                    .push(i);
            }
        }
        Workspace {
            files,
            docs,
            by_kind,
            by_platform,
            scopes: Scopes::default(),
        }
    }

    /// The same workspace with each file's deployment scope.
    pub fn with_scopes(mut self, scopes: Scopes) -> Self {
        self.scopes = scopes;
        self
    }

    /// Documents of a platform (any when `None`) and one of `kinds` (any when empty), in file order.
    pub fn docs_of<'a>(
        &'a self,
        platform: Option<Platform>,
        kinds: &[String],
    ) -> Vec<&'a Document> {
        let mut indices: Vec<usize> = match (platform, kinds.is_empty()) {
            (None, true) => (0..self.docs.len()).collect(),
            (Some(p), true) => self.by_platform.get(&p).cloned().unwrap_or_default(),
            (_, false) => {
                let platforms: Vec<Platform> = match platform {
                    Some(p) => vec![p],
                    None => self.by_platform.keys().copied().collect(),
                };
                platforms
                    .iter()
                    .flat_map(|p| kinds.iter().map(move |k| (*p, k.clone())))
                    .filter_map(|key| self.by_kind.get(&key))
                    .flatten()
                    .copied()
                    .collect()
            }
        };
        indices.sort_unstable();
        indices.into_iter().map(|i| &self.docs[i]).collect()
    }

    /// Takes the workspace apart, to add documents and build it again.
    pub fn into_parts(self) -> (Vec<SourceFile>, Vec<Document>, Scopes) {
        (self.files, self.docs, self.scopes)
    }

    /// Whether a join from a subject in file `from` may resolve to a target in file `to`:
    /// the same scope, a scope it includes (a kustomize base), or a file in no scope.
    pub fn visible(&self, from: usize, to: usize) -> bool {
        self.scopes.visible(from, to)
    }

    /// The deployment scope of a file (its root directory), `None` for files in no scope.
    pub fn scope_of(&self, file: usize) -> Option<&str> {
        self.scopes.root_of(file)
    }
}
