//! Load stage: file bytes to positioned trees, with every failure turned into a
//! [`FileError`] so that the run goes on with the other files.

pub mod properties;
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
    let mut bytes = std::fs::read(path).map_err(|e| FileError {
        path: display.to_string(),
        line: None,
        column: None,
        kind: ErrorKind::Io,
        message: format!("cannot read file: {e}"),
    })?;
    if bytes.starts_with(b"\xEF\xBB\xBF") {
        bytes.drain(..3);
    }
    // The bytes become the `String` in place: no second copy of the file.
    match String::from_utf8(bytes) {
        Ok(text) if text.contains('\0') => Err(FileError {
            path: display.to_string(),
            line: None,
            column: None,
            kind: ErrorKind::Parse,
            message: "binary file (contains NUL bytes), not text".into(),
        }),
        Ok(text) => Ok(text),
        Err(e) => {
            let valid_up_to = e.utf8_error().valid_up_to();
            let line = e.as_bytes()[..valid_up_to]
                .iter()
                .filter(|&&b| b == b'\n')
                .count()
                + 1;
            Err(FileError {
                path: display.to_string(),
                line: Some(line),
                column: None,
                kind: ErrorKind::Parse,
                message: format!("not valid UTF-8 (invalid byte at offset {valid_up_to})"),
            })
        }
    }
}

/// Parses a YAML or JSON configuration file into classified documents.
pub fn load_config(file: usize, source: &SourceFile) -> Result<Vec<Document>, FileError> {
    let error = |offset: Option<usize>, kind: ErrorKind, message: String| {
        source.error(offset, kind, message)
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

/// Parses a `.properties` file into classified documents, with an `errors` entry
/// for each line that had to be skipped (the other lines still count).
pub fn load_properties(file: usize, source: &SourceFile) -> (Vec<Document>, Vec<FileError>) {
    let parsed = properties::parse(&source.text);
    let errors = parsed
        .errors
        .into_iter()
        .map(|e| source.error(Some(e.offset), ErrorKind::Parse, e.message))
        .collect();
    let docs = parsed
        .docs
        .into_iter()
        .map(|d| Document {
            file,
            index: d.index,
            meta: classify(&d.root),
            root: d.root,
        })
        .collect();
    (docs, errors)
}

#[cfg(test)]
mod tests {
    use super::{load_config, read_text};
    use crate::report::ErrorKind;
    use crate::source::SourceFile;

    fn write(dir: &tempfile::TempDir, name: &str, bytes: &[u8]) -> std::path::PathBuf {
        let path = dir.path().join(name);
        std::fs::write(&path, bytes).unwrap();
        path
    }

    #[test]
    fn a_bom_is_stripped_and_positions_start_after_it() {
        let dir = tempfile::tempdir().unwrap();
        let path = write(&dir, "bom.yaml", b"\xEF\xBB\xBFkind: X\ntimeout: 0s\n");
        let text = read_text(&path, "bom.yaml").unwrap();
        assert_eq!(text, "kind: X\ntimeout: 0s\n");
        let source = SourceFile::new("bom.yaml".into(), path, text);
        let docs = load_config(0, &source).unwrap();
        let (key, _) = docs[0].root.entry("kind").unwrap();
        let pos = source.line_col(key.span.start);
        assert_eq!((pos.line, pos.column), (1, 1));
        let (key, _) = docs[0].root.entry("timeout").unwrap();
        assert_eq!(source.line_col(key.span.start).line, 2);
    }

    #[test]
    fn only_a_leading_bom_is_stripped() {
        let dir = tempfile::tempdir().unwrap();
        let path = write(&dir, "a.yaml", "a: \u{FEFF}x\n".as_bytes());
        assert_eq!(read_text(&path, "a.yaml").unwrap(), "a: \u{FEFF}x\n");
    }

    #[test]
    fn invalid_utf8_is_a_parse_error_with_its_line() {
        let dir = tempfile::tempdir().unwrap();
        let path = write(&dir, "bad.yaml", b"a: 1\nb: \xFF\xFE\n");
        let err = read_text(&path, "bad.yaml").unwrap_err();
        assert_eq!(err.kind, ErrorKind::Parse);
        assert_eq!(err.line, Some(2));
        assert_eq!(err.path, "bad.yaml");
    }

    #[test]
    fn binary_files_and_missing_files_are_errors() {
        let dir = tempfile::tempdir().unwrap();
        let path = write(&dir, "bin.yaml", b"a: 1\n\0\0\0");
        assert_eq!(
            read_text(&path, "bin.yaml").unwrap_err().kind,
            ErrorKind::Parse
        );
        let missing = dir.path().join("missing.yaml");
        assert_eq!(
            read_text(&missing, "missing.yaml").unwrap_err().kind,
            ErrorKind::Io
        );
    }

    #[test]
    fn load_errors_point_at_lines_in_crlf_and_non_ascii_text() {
        let text = "# Zürich ✓\r\na: 1\r\nb: [1, 2\r\n".to_string();
        let source = SourceFile::new("e.yaml".into(), "e.yaml".into(), text);
        let err = load_config(0, &source).unwrap_err();
        assert_eq!(err.kind, ErrorKind::Parse);
        assert!(err.line.is_some_and(|l| l >= 3), "{err:?}");
    }

    #[test]
    fn limits_are_reported_as_limit_errors() {
        let text = format!("{}{}", "[".repeat(100_000), "]".repeat(100_000));
        let source = SourceFile::new("deep.yaml".into(), "deep.yaml".into(), text);
        let err = load_config(0, &source).unwrap_err();
        assert_eq!(err.kind, ErrorKind::Limit, "{err:?}");
        assert_eq!(err.line, Some(1));
    }
}
