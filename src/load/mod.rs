//! Load stage: file bytes to positioned trees, with every failure turned into a
//! [`FileError`] so that the run goes on with the other files.

pub mod template;
pub mod yaml;

use std::path::Path;

use crate::classify::{classify, DocMeta};
use crate::report::{ErrorKind, FileError};
use crate::source::SourceFile;
use crate::tree::Node;

/// One document of a configuration file.
#[derive(Debug)]
pub struct Document {
    /// Index of the file in the run's file list.
    pub file: usize,
    /// Position of the document in its file, from 0.
    pub index: usize,
    pub root: Node,
    pub meta: DocMeta,
}

/// Reads a file as UTF-8 text, dropping a leading BOM.
///
/// The BOM is replaced by nothing and positions are computed on the text
/// without it; columns count characters, so the BOM would not count anyway.
pub fn read_text(path: &Path, display: &str) -> Result<String, FileError> {
    let bytes = std::fs::read(path).map_err(|e| FileError {
        path: display.to_string(),
        line: None,
        column: None,
        kind: ErrorKind::Io,
        message: format!("cannot read file: {e}"),
    })?;
    let bytes = bytes.strip_prefix(b"\xEF\xBB\xBF").unwrap_or(&bytes);
    match std::str::from_utf8(bytes) {
        Ok(text) if text.contains('\0') => Err(FileError {
            path: display.to_string(),
            line: None,
            column: None,
            kind: ErrorKind::Parse,
            message: "binary file (contains NUL bytes), not text".into(),
        }),
        Ok(text) => Ok(text.to_string()),
        Err(e) => {
            let line = bytes[..e.valid_up_to()]
                .iter()
                .filter(|&&b| b == b'\n')
                .count()
                + 1;
            Err(FileError {
                path: display.to_string(),
                line: Some(line),
                column: None,
                kind: ErrorKind::Parse,
                message: format!(
                    "not valid UTF-8 (invalid byte at offset {})",
                    e.valid_up_to()
                ),
            })
        }
    }
}

/// Parses a YAML or JSON configuration file into classified documents.
pub fn load_config(file: usize, source: &SourceFile) -> Result<Vec<Document>, FileError> {
    let error = |offset: Option<usize>, kind: ErrorKind, message: String| {
        let pos = offset.map(|o| source.line_col(o));
        FileError {
            path: source.display.clone(),
            line: pos.map(|p| p.line),
            column: pos.map(|p| p.column),
            kind,
            message,
        }
    };
    if let Some(line) = template::first_template_line(&source.text) {
        let (start, _) = source.line_range(line - 1);
        return Err(error(
            Some(start),
            ErrorKind::Template,
            "Helm/Go template markup (`{{ ... }}`): render the chart first (e.g. `helm template`) and lint the output".into(),
        ));
    }
    let docs = yaml::parse(&source.text).map_err(|e| {
        let kind = match e.kind {
            yaml::YamlErrorKind::Parse => ErrorKind::Parse,
            yaml::YamlErrorKind::Limit => ErrorKind::Limit,
        };
        error(Some(e.offset), kind, e.message)
    })?;
    Ok(docs
        .into_iter()
        .map(|d| Document {
            file,
            index: d.index,
            meta: classify(&d.root),
            root: d.root,
        })
        .collect())
}
