//! Load stage: file bytes to positioned trees, with every failure turned into a
//! [`FileError`] so that the run goes on with the other files.

mod build;
mod gate;
pub mod hcl;
mod json;
pub mod jsonc;
mod offsets;
pub mod properties;
pub mod template;
pub mod yaml;

/// Every text of up to `max_len` bytes over `alphabet` (ASCII): the pre-passes' tests
/// compare their fast paths with the plain walks on all of them.
#[cfg(test)]
fn every_text(alphabet: &[u8], max_len: u32) -> impl Iterator<Item = String> + '_ {
    (0..=max_len).flat_map(move |len| {
        (0..alphabet.len().pow(len)).map(move |mut n| {
            let mut text = String::with_capacity(len as usize);
            for _ in 0..len {
                text.push(char::from(alphabet[n % alphabet.len()]));
                n /= alphabet.len();
            }
            text
        })
    })
}

pub use gate::big_file_gate;

use std::path::Path;

use crate::classify::{classify, DocMeta, Platform};
use crate::report::{ErrorKind, FileError};
use crate::source::SourceFile;
use crate::tree::Node;

/// One document of a configuration file.
#[derive(Debug, serde::Serialize, serde::Deserialize)]
pub struct Document {
    /// Index of the file in the run's file list.
    pub file: usize,
    /// Position of the document in its file, from 0.
    pub index: usize,
    pub root: Node,
    pub meta: DocMeta,
}

/// Default of `max-file-size`: far above hand-written configuration, and what a
/// loaded tree of it takes stays within a few hundred megabytes.
pub const DEFAULT_MAX_FILE_SIZE: u64 = 10 * 1024 * 1024;

/// Most duplicate-key entries reported per file; the last one says how many more.
const MAX_DUPLICATES_REPORTED: usize = 10;
/// Most broken documents reported per file; the last entry says how many more.
const MAX_DOC_ERRORS_REPORTED: usize = 50;
/// Most skipped `.properties` lines reported per file; the last entry says how many
/// more. A file of thousands of bad lines is one mistake repeated (a binary file, a
/// wrong encoding): listing every line buries the rest of the report.
const MAX_LINE_ERRORS_REPORTED: usize = 50;

/// Reads a file as UTF-8 text, dropping a leading BOM.
///
/// The BOM is replaced by nothing and positions are computed on the text
/// without it; columns count characters, so the BOM would not count anyway.
pub fn read_text(path: &Path, display: &str) -> Result<String, FileError> {
    read_text_max(path, display, u64::MAX)
}

/// [`read_text`], refusing a file larger than `max` bytes (`max-file-size`) before
/// reading it: a file's loaded tree takes several times its size in memory.
pub fn read_text_max(path: &Path, display: &str, max: u64) -> Result<String, FileError> {
    let io_error = |e: std::io::Error| FileError {
        path: display.to_string(),
        line: None,
        column: None,
        kind: ErrorKind::Io,
        message: format!("cannot read file: {e}"),
    };
    let file = std::fs::File::open(path).map_err(io_error)?;
    let len = file.metadata().map(|m| m.len()).unwrap_or(0);
    let too_large = |len: u64| {
        FileError {
        path: display.to_string(),
        line: None,
        column: None,
        kind: ErrorKind::Limit,
        message: format!(
            "file is {} bytes, over `max-file-size` ({max} bytes): raise it in resilint.toml (e.g. `max-file-size = \"50MB\"`) or exclude the file",
            len
        ),
    }
    };
    if len > max {
        return Err(too_large(len));
    }
    let mut bytes = Vec::with_capacity(usize::try_from(len).unwrap_or(0));
    // Read one byte past the limit at most: the size on disk may have changed.
    std::io::Read::read_to_end(
        &mut std::io::Read::take(file, max.saturating_add(1)),
        &mut bytes,
    )
    .map_err(io_error)?;
    if bytes.len() as u64 > max {
        return Err(too_large(bytes.len() as u64));
    }
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

/// A configuration file's documents that loaded, and an error for each part that
/// did not (a broken document drops only itself) or that loaded with a warning.
#[derive(Debug, Default)]
pub struct LoadedConfig {
    pub docs: Vec<Document>,
    pub errors: Vec<FileError>,
}

/// Parses a YAML or JSON configuration file into classified documents.
pub fn load_config(file: usize, source: &SourceFile) -> LoadedConfig {
    template_error(source).unwrap_or_else(|| documents(file, source, yaml::parse(&source.text)))
}

/// [`load_config`] of a text that is plain JSON ([`json`]), `None` for any other. Such
/// a text has no comment to blank (a `/` outside a string is not JSON), so a `.json`
/// file is read once when it loads this way.
pub fn load_plain_json(file: usize, source: &SourceFile) -> Option<LoadedConfig> {
    let parsed = json::parse(&source.text)?;
    Some(template_error(source).unwrap_or_else(|| documents(file, source, parsed)))
}

/// The one error of a file holding template markup, which is not parsed.
fn template_error(source: &SourceFile) -> Option<LoadedConfig> {
    let offset = template::scan(&source.text).template?;
    Some(LoadedConfig {
        docs: Vec::new(),
        errors: vec![source.error(
            Some(line_start(source, offset)),
            ErrorKind::Template,
            "Helm/Go template markup (`{{ ... }}`): render the chart first (e.g. `helm template`) and lint the output".into(),
        )],
    })
}

/// A file's parsed documents classified, with their errors and duplicate keys.
fn documents(file: usize, source: &SourceFile, parsed: yaml::Parsed) -> LoadedConfig {
    let broken = parsed.errors.len();
    let mut errors: Vec<FileError> = parsed
        .errors
        .into_iter()
        .take(MAX_DOC_ERRORS_REPORTED)
        .map(|e| {
            let kind = match e.kind {
                yaml::YamlErrorKind::Parse => ErrorKind::Parse,
                yaml::YamlErrorKind::Limit => ErrorKind::Limit,
            };
            source.error(Some(e.offset), kind, e.message)
        })
        .collect();
    note_more(
        &mut errors,
        broken,
        MAX_DOC_ERRORS_REPORTED,
        "broken documents",
    );
    let mut duplicates = 0;
    let docs = parsed
        .docs
        .into_iter()
        .map(|d| {
            let meta = classify(&d.root);
            // Only where resilint judges: elsewhere a duplicate key is not its business.
            if meta.platform != Platform::Other {
                for dup in &d.duplicates {
                    duplicates += 1;
                    if duplicates <= MAX_DUPLICATES_REPORTED {
                        errors.push(duplicate_error(source, dup));
                    }
                }
            }
            Document {
                file,
                index: d.index,
                meta,
                root: d.root,
            }
        })
        .collect();
    note_more(
        &mut errors,
        duplicates,
        MAX_DUPLICATES_REPORTED,
        "duplicate keys",
    );
    LoadedConfig { docs, errors }
}

/// When `total` problems of a kind were found and only `shown` listed, says on the
/// last entry listed how many more there are (`what`: "skipped lines").
fn note_more(errors: &mut [FileError], total: usize, shown: usize, what: &str) {
    let more = total.saturating_sub(shown);
    if let Some(last) = errors.last_mut().filter(|_| more > 0) {
        last.message
            .push_str(&format!(" ({more} more {what} in this file not listed)"));
    }
}

/// Start of the line holding `offset`.
fn line_start(source: &SourceFile, offset: usize) -> usize {
    source.line_range(source.line_col(offset).line - 1).0
}

fn duplicate_error(source: &SourceFile, dup: &yaml::Duplicate) -> FileError {
    let kept = source.line_col(dup.kept);
    source.error(
        Some(dup.dropped),
        ErrorKind::DuplicateKey,
        format!(
            "key `{}` is set again at line {}, column {}: this value is ignored (Kubernetes keeps the last one, and so does resilint)",
            dup.key, kept.line, kept.column
        ),
    )
}

/// Parses a `.properties` file into classified documents, with an `errors` entry
/// for each line that had to be skipped (the other lines still count).
pub fn load_properties(file: usize, source: &SourceFile) -> (Vec<Document>, Vec<FileError>) {
    let parsed = properties::parse(&source.text);
    let skipped = parsed.errors.len();
    let mut errors: Vec<FileError> = parsed
        .errors
        .into_iter()
        .take(MAX_LINE_ERRORS_REPORTED)
        .map(|e| source.error(Some(e.offset), ErrorKind::Parse, e.message))
        .collect();
    note_more(
        &mut errors,
        skipped,
        MAX_LINE_ERRORS_REPORTED,
        "skipped lines",
    );
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
        let docs = load_config(0, &source).docs;
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
        let err = load_config(0, &source).errors.remove(0);
        assert_eq!(err.kind, ErrorKind::Parse);
        assert!(err.line.is_some_and(|l| l >= 3), "{err:?}");
    }

    #[test]
    fn limits_are_reported_as_limit_errors() {
        let text = format!("{}{}", "[".repeat(100_000), "]".repeat(100_000));
        let source = SourceFile::new("deep.yaml".into(), "deep.yaml".into(), text);
        let err = load_config(0, &source).errors.remove(0);
        assert_eq!(err.kind, ErrorKind::Limit, "{err:?}");
        assert_eq!(err.line, Some(1));
    }
}
