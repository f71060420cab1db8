//! Extract stage: turn sources that are not configuration into positioned
//! fact trees the rule engine judges like any other document.

pub mod rust;

use crate::discover::FileKind;

/// Which stage turns a discovered file into documents, in keeping with the closed
/// enums of the rule engine: configuration is loaded and normalised document by
/// document; source code goes through an extractor that sees the whole tree first
/// (packages, manifests, test modules) and links its files after.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Source {
    /// YAML, JSON and `.properties` files ([`crate::load`], [`crate::normalise`]).
    Config,
    /// `.rs` files and their `Cargo.toml` manifests ([`rust::Extractor`]).
    Rust,
}

impl Source {
    /// The stage of a discovered file.
    pub fn of(kind: FileKind) -> Source {
        match kind {
            FileKind::Rust | FileKind::Manifest => Source::Rust,
            // Every other kind is configuration, loaded by `crate::load`.
            _ => Source::Config,
        }
    }
}
