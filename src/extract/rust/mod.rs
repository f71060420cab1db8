//! Rust sources: each `.rs` file is pre-scanned for nesting depth, parsed with
//! `syn` and summarised into [`facts::FileFacts`] inside its worker (syn trees are
//! not `Send`); [`link::link`] then resolves factories across a package's files and
//! turns the facts into one positioned [`crate::load::Document`] per file, judged by
//! ordinary rule files with `[select] platform = "rust"`.
//!
//! The layout keeps shared infrastructure apart from the analyses that use it:
//!
//! | module | role |
//! |---|---|
//! | [`front`] | what every analysis reads: imports and `Cargo.toml` dependencies, the test-code mask, positions |
//! | [`clients`] | outbound clients and the calls made on them (timeouts, breakers) |
//! | [`retries`] | retry loops and retry crates, with their delays |
//! | [`routes`] | POST/PATCH routes and their idempotency-key evidence |
//! | this module, [`facts`], [`link`], [`extractor`] | the orchestrator: run the three peers on one syn tree, link per package; the engine's seam ([`Extractor`]) |
//! | [`apis`], [`catalog`] | the API catalogue the three analyses read, loaded by the extractor |
//!
//! The three analyses are peers: none of them calls another.

pub mod apis;
pub mod catalog;
pub mod clients;
pub mod extractor;
pub mod facts;
pub mod front;
pub mod lazy;
pub mod link;
pub mod modules;
pub mod retries;
pub mod routes;
pub mod scan;
mod test_files;

use crate::report::{ErrorKind, FileError};
use crate::source::SourceFile;

pub use catalog::Catalog;
pub use clients::Ctx;
pub use extractor::Extractor;
pub use facts::FileFacts;
pub use front::deps::{read_deps, Deps};

/// Replaces a shebang line with spaces so byte offsets stay those of the file
/// (`syn::parse_file` would cut it off and shift every span).
fn blank_shebang(text: &str) -> std::borrow::Cow<'_, str> {
    if text.starts_with("#!") && !text[2..].trim_start().starts_with('[') {
        let end = text.find('\n').unwrap_or(text.len());
        let mut s = String::with_capacity(text.len());
        s.extend(std::iter::repeat_n(' ', end));
        s.push_str(&text[end..]);
        std::borrow::Cow::Owned(s)
    } else {
        std::borrow::Cow::Borrowed(text)
    }
}

/// `text` without what the parse need not see ([`scan::unparsed`]): the bodies of
/// its inline test modules and its doc comments' marks, blanked.
fn blank_unparsed(text: std::borrow::Cow<'_, str>) -> std::borrow::Cow<'_, str> {
    let unparsed = scan::unparsed::find(&text);
    if unparsed.is_empty() {
        return text;
    }
    std::borrow::Cow::Owned(scan::unparsed::blank(&text, &unparsed))
}

/// Code generators (prost-build, tonic-build, bindgen, ...) mark their output
/// `@generated` near the top: its clients are library plumbing, the call sites that
/// use them are judged instead.
fn is_generated(text: &str) -> bool {
    let mut end = text.len().min(1024);
    while !text.is_char_boundary(end) {
        end -= 1;
    }
    text[..end].contains("@generated")
}

/// Parses and summarises one file. A file nested too deep or with more tokens than
/// `ctx.max_tokens` (outside its inline test modules, which are not parsed) is refused
/// (`limit`), one `syn` cannot parse is a `parse` error with its position; a generated
/// file is neither parsed nor scanned.
pub fn summarize(source: &SourceFile, ctx: &Ctx) -> Result<FileFacts, FileError> {
    let error = |offset: Option<usize>, kind: ErrorKind, message: String| {
        source.error(offset, kind, message)
    };
    let declared = modules::declared(&source.text);
    if is_generated(&source.text) {
        return Ok(FileFacts {
            declared,
            ..FileFacts::default()
        });
    }
    let text = blank_unparsed(blank_shebang(&source.text));
    // The limits guard the parse, so they are checked on what `syn` will see: a test
    // module's body, blanked, costs the scan nothing (its offsets are the file's).
    // The scan notes the words the retry analysis looks for (loop keywords, strategy
    // names) as it lexes: that analysis then reads no byte of the text again.
    let mut hits = scan::Hits {
        shapes: ctx.catalog.retry.path_index().strategy_words.hit_shapes(),
        found: Vec::new(),
    };
    if let Err(deep) = scan::check_size(&text, scan::MAX_DEPTH, ctx.max_tokens, &mut hits) {
        return Err(error(Some(deep.offset), ErrorKind::Limit, deep.message()));
    }
    // Macro bodies are re-parsed once for the three analyses, until the file is done.
    let reparsed = front::macros::Session::start();
    let result = match syn::parse_file(&text) {
        Ok(file) => {
            let index = front::index::Index::of(&file);
            // The one `use` resolver the three analyses call.
            let imports = front::imports::Imports::of(&index, ctx.deps);
            let mut facts = clients::summarize_file(&file, &index, &imports, ctx, source);
            // The blanked shebang keeps every line where it was: the file's line starts hold.
            let pos = || front::positions::Positions::with_line_starts(&text, source.line_starts());
            let retry = &ctx.catalog.retry;
            facts.retries =
                retries::retries_at(&file, &index, &imports, pos(), retry, Some(&hits.found));
            facts.routes = routes::summarize_at(&file, &imports, &pos(), &ctx.catalog.routes);
            // Out-of-line test modules either extractor saw (`#[cfg(test)] mod tests;`).
            for m in facts.routes.test_modules() {
                if !facts.test_mods.contains(m) {
                    facts.test_mods.push(m.clone());
                }
            }
            facts.test_files = test_files::module_files(&source.path, &facts.test_mods);
            facts.declared = declared;
            Ok(facts)
        }
        Err(e) => {
            let offset = e.span().byte_range().start;
            Err(error(
                Some(offset),
                ErrorKind::Parse,
                format!("Rust syntax error: {e}"),
            ))
        }
    };
    drop(reparsed);
    // Spans live in a thread-local source map that grows with every parse.
    proc_macro2::extra::invalidate_current_thread_spans();
    result.map(FileFacts::packed)
}
