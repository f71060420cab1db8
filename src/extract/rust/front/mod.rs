//! The per-file front end the three analyses (clients, retries, routes) read
//! instead of deciding things on their own: the item index built in one pass
//! ([`index`]), the one macro-body re-parser ([`macros`]), the one test-code mask
//! ([`test_code`]) and what only WebAssembly builds compile ([`target`]), the one `use` resolver ([`imports`], through the package's
//! `Cargo.toml` dependencies, [`deps`]), positions ([`positions`]), identifier
//! text ([`ident`]), punctuated lists without allocating ([`items`]) and paths as
//! text ([`paths`]), deadlines written as syntax ([`deadlines`]) and expressions that leave
//! ([`diverges`]).

pub(crate) mod deadlines;
pub mod deps;
pub(crate) mod diverges;
pub(crate) mod ident;
pub mod imports;
pub mod index;
pub(crate) mod items;
pub mod macros;
pub mod paths;
pub(crate) mod positions;
pub mod target;
pub mod test_code;
