//! Each classification on small sources, positive and negative, and positions.

mod crates;
mod helpers;
mod loops;
mod reach;
mod stops;
mod tree;

use super::*;
use crate::source::SourceFile;
use proc_macro2::LineColumn;

fn facts(src: &str) -> Vec<RetryFact> {
    let file = syn::parse_file(src).expect("test source parses");
    retries(&file, src, &RetryCatalog::builtin())
}

fn one(src: &str) -> RetryFact {
    let mut all = facts(src);
    assert_eq!(
        all.len(),
        1,
        "expected one retry fact in:\n{src}\ngot {all:#?}"
    );
    all.remove(0)
}

fn text(src: &str, span: Span) -> &str {
    &src[span.start..span.end]
}

fn line_col(src: &str, offset: usize) -> (usize, usize) {
    let f = SourceFile::new("t.rs".into(), "t.rs".into(), src.to_string());
    let lc = f.line_col(offset);
    (lc.line, lc.column)
}

fn lp(fact: &RetryFact) -> &'static str {
    match fact.source {
        RetrySource::Loop { form } => form,
        RetrySource::Crate { .. } => panic!("not a loop: {fact:?}"),
    }
}

fn krate(fact: &RetryFact) -> (&str, &str) {
    match &fact.source {
        RetrySource::Crate { krate, strategy } => (krate, strategy),
        RetrySource::Loop { .. } => panic!("not a crate: {fact:?}"),
    }
}
