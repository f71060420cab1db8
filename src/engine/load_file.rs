//! Loading one file: its text (or standard input), then its documents or its Rust
//! facts, as the engine's load stage runs it per file in parallel.

use super::cached;
use crate::classify::Platform;
use crate::discover::{self, Candidate, FileKind};
use crate::extract::rust::{Extractor, FileFacts};
use crate::extract::Source;
use crate::load::{self, Document};
use crate::normalise;
use crate::report::FileError;
use crate::source::SourceFile;

/// What loading one file gave.
pub(super) enum Loaded {
    /// Documents, and the errors of the parts that did not load (a broken YAML
    /// document, a skipped `.properties` line).
    Docs(SourceFile, Vec<Document>, Vec<FileError>),
    /// A Rust file's facts, waiting for its package's link step.
    Rust(SourceFile, Box<FileFacts>),
    Failed(Option<SourceFile>, FileError),
}

/// Reads a candidate's text: standard input for `-`, else the file.
pub(super) fn read_candidate(c: &Candidate, max_size: u64) -> Result<String, FileError> {
    if !discover::is_stdin(&c.path) {
        return load::read_text_max(&c.path, &c.display, max_size);
    }
    let mut bytes = Vec::new();
    let read = std::io::Read::read_to_end(
        &mut std::io::Read::take(std::io::stdin().lock(), max_size.saturating_add(1)),
        &mut bytes,
    );
    let error = |kind, message| FileError {
        path: c.display.clone(),
        line: None,
        column: None,
        kind,
        message,
    };
    match read {
        Err(e) => Err(error(
            crate::report::ErrorKind::Io,
            format!("cannot read standard input: {e}"),
        )),
        Ok(_) if bytes.len() as u64 > max_size => Err(error(
            crate::report::ErrorKind::Limit,
            format!("standard input is over `max-file-size` ({max_size} bytes)"),
        )),
        Ok(_) => String::from_utf8(bytes)
            .map(|t| t.strip_prefix('\u{FEFF}').map(str::to_string).unwrap_or(t))
            .map_err(|_| {
                error(
                    crate::report::ErrorKind::Parse,
                    "standard input is not valid UTF-8".into(),
                )
            }),
    }
}

/// Loads a YAML or JSON file; a JSON file with comments is read as JSONC (the
/// comments blanked, positions kept). Plain JSON, which has none, is not scanned for
/// them.
fn load_config_file(index: usize, source: &SourceFile) -> load::LoadedConfig {
    if load::jsonc::is_json(&source.path) {
        if let Some(loaded) = load::load_plain_json(index, source) {
            return loaded;
        }
        if let Some(text) = load::jsonc::strip_comments(&source.text) {
            let stripped = SourceFile::new(source.display.clone(), source.path.clone(), text);
            return load::load_config(index, &stripped);
        }
    }
    load::load_config(index, source)
}

/// Loads one candidate from its text: documents (normalised one by one) for a
/// configuration file, facts for a Rust file (whose text is then released, see
/// [`SourceFile::release_text`]; `max_size` to read it again).
pub(super) fn load_one(
    index: usize,
    c: &Candidate,
    text: Result<String, FileError>,
    rust: &Extractor,
    (max_tokens, max_size): (usize, u64),
) -> Loaded {
    let text = match text {
        Ok(t) => t,
        Err(e) => return Loaded::Failed(None, e),
    };
    let mut source = SourceFile::new(c.display.clone(), c.path.clone(), text);
    let max_size = max_size_to_reread(c, max_size);
    // Held while this file is parsed when it is big: see `load::big_file_gate`.
    let _gate = load::big_file_gate(source.text.len(), c.kind == FileKind::Rust);
    match (Source::of(c.kind), c.kind) {
        (Source::Config, FileKind::Hcl) => {
            let mut loaded = load::hcl::load(index, &source);
            loaded.docs.iter_mut().for_each(normalise::document);
            Loaded::Docs(source, loaded.docs, loaded.errors)
        }
        (Source::Config, FileKind::Properties) => {
            let (mut docs, errors) = load::load_properties(index, &source);
            docs.iter_mut().for_each(normalise::document);
            Loaded::Docs(source, docs, errors)
        }
        (Source::Config, _) => {
            let mut loaded = load_config_file(index, &source);
            loaded.docs.iter_mut().for_each(normalise::document);
            Loaded::Docs(source, loaded.docs, loaded.errors)
        }
        (Source::Rust, kind) => match rust.load(index, kind, &source, max_tokens) {
            Ok(Some(facts)) => {
                if let Some(m) = max_size {
                    source.release_text(m);
                }
                Loaded::Rust(source, Box::new(facts))
            }
            Ok(None) => {
                if let Some(m) = max_size {
                    source.release_text(m);
                }
                Loaded::Docs(source, Vec::new(), Vec::new())
            }
            Err(e) => Loaded::Failed(Some(source), e),
        },
    }
}

/// The size limit to read a `.rs` file's text again with once its facts are taken,
/// or `None` for a file whose text is kept: a manifest (the integration graph reads
/// it), standard input (it cannot be read again).
fn max_size_to_reread(c: &Candidate, max_size: u64) -> Option<u64> {
    (c.kind == FileKind::Rust && !crate::discover::is_stdin(&c.path)).then_some(max_size)
}

/// A file left unparsed: an out-of-line `#[cfg(test)]` module. Its text is released
/// like a parsed file's; it yields no documents and no parse errors.
pub(super) fn unparsed(c: &Candidate, input: cached::Input, max_size: u64) -> Loaded {
    let source = match input {
        cached::Input::Fresh(..) => {
            SourceFile::unread(c.display.clone(), c.path.clone(), max_size, None)
        }
        cached::Input::Text(Ok(t), _) => {
            let mut source = SourceFile::new(c.display.clone(), c.path.clone(), t);
            if let Some(m) = max_size_to_reread(c, max_size) {
                source.release_text(m);
            }
            source
        }
        cached::Input::Text(Err(e), _) => return Loaded::Failed(None, e),
    };
    Loaded::Docs(source, Vec::new(), Vec::new())
}

/// The loaded files sorted out: every file's source (in candidate order), the
/// documents, the load errors of configuration files (candidate index, errors,
/// whether a document that did load is judged) for [`sort_out_errors`], and the Rust
/// facts (candidate index, facts) for the link step.
pub(super) struct Sorted {
    pub files: Vec<SourceFile>,
    pub docs: Vec<Document>,
    pub load_errors: Vec<(usize, Vec<FileError>, bool)>,
    pub rust_facts: Vec<(usize, FileFacts)>,
}

/// Sorts out `loaded` (in candidate order); the errors of files that are not
/// configuration (a Rust syntax error) go straight to `errors`.
pub(super) fn sort_loaded(
    loaded: Vec<(usize, Loaded)>,
    candidates: &[Candidate],
    errors: &mut Vec<FileError>,
) -> Sorted {
    let mut out = Sorted {
        files: Vec::with_capacity(loaded.len()),
        docs: Vec::new(),
        load_errors: Vec::new(),
        rust_facts: Vec::new(),
    };
    for (i, item) in loaded {
        match item {
            Loaded::Docs(source, d, e) => {
                out.files.push(source);
                if !e.is_empty() {
                    let judged = d.iter().any(|d| d.meta.platform != Platform::Other);
                    out.load_errors.push((i, e, judged));
                }
                out.docs.extend(crate::classify::unwrap_lists(d));
            }
            Loaded::Rust(source, facts) => {
                out.files.push(source);
                out.rust_facts.push((i, *facts));
            }
            Loaded::Failed(source, e) => {
                let c = &candidates[i];
                out.files.push(source.unwrap_or_else(|| {
                    SourceFile::new(c.display.clone(), c.path.clone(), String::new())
                }));
                if Source::of(c.kind) == Source::Config {
                    out.load_errors.push((i, vec![e], false));
                } else {
                    errors.push(e);
                }
            }
        }
    }
    out
}

/// Triage of the configuration files' load errors (see [`crate::triage`]): what is
/// reported, what is skipped.
pub(super) fn sort_out_errors(
    load_errors: Vec<(usize, Vec<FileError>, bool)>,
    candidates: &[Candidate],
    files: &[SourceFile],
    relevance: &crate::triage::Relevance,
) -> crate::triage::Sorted {
    let errors = load_errors
        .into_iter()
        .map(|(i, errors, judged_docs)| crate::triage::FileErrors {
            path: &candidates[i].path,
            display: &candidates[i].display,
            text: Some(files[i].text.as_str()),
            judged_docs,
            errors,
        })
        .collect();
    crate::triage::sort_out(
        errors,
        relevance,
        &std::env::current_dir().unwrap_or_default(),
    )
}
