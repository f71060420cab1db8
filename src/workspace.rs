//! Everything loaded for one run: source files and their documents, with an index
//! by kind for rules that join documents across files.

use std::collections::HashMap;

use crate::load::Document;
use crate::source::SourceFile;

#[derive(Debug, Default)]
pub struct Workspace {
    pub files: Vec<SourceFile>,
    pub docs: Vec<Document>,
    by_kind: HashMap<String, Vec<usize>>,
}

impl Workspace {
    pub fn new(files: Vec<SourceFile>, docs: Vec<Document>) -> Self {
        let mut by_kind: HashMap<String, Vec<usize>> = HashMap::new();
        for (i, doc) in docs.iter().enumerate() {
            if let Some(kind) = &doc.meta.kind {
                by_kind.entry(kind.clone()).or_default().push(i);
            }
        }
        Workspace {
            files,
            docs,
            by_kind,
        }
    }

    /// Documents of a given `kind`, in file order.
    pub fn docs_of_kind<'a>(&'a self, kind: &str) -> impl Iterator<Item = &'a Document> + 'a {
        self.by_kind
            .get(kind)
            .into_iter()
            .flatten()
            .map(|&i| &self.docs[i])
    }
}
