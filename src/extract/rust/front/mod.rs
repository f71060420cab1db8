//! The per-file front end the three analyses (clients, retries, routes) read
//! instead of deciding things on their own: the item index built in one pass
//! ([`index`]), the one macro-body re-parser ([`macros`]), the one test-code mask ([`test_code`]), name resolution through
//! `use` and `Cargo.toml` ([`imports`]), positions ([`positions`]) and identifier
//! text ([`ident`]).
//!
//! Still per analysis (issue 9): each analysis reads the `use` declarations of the
//! index into its own table (the places each reads, and which of two `use`s of one
//! name wins, differ, and changing them changes findings).

pub(crate) mod ident;
pub mod imports;
pub mod index;
pub mod macros;
pub(crate) mod positions;
pub mod test_code;
